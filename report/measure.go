package report

import (
	"fmt"
	"math"
	"time"

	"github.com/liftoff/liftoff/loadgen"
	"github.com/liftoff/liftoff/scenario"
)

// measurement is what one rule's metric came to over some stretch of the
// run.
type measurement struct {
	value   float64 // in the rule's unit: ms for latency, 0..1 for ratios
	samples int64
	ok      bool // false when nothing was measured
}

// stretch is a part of the run a rule is measured over.
type stretch struct {
	latency, service   loadgen.Distribution
	requests, errors   int64
	scheduled, started int64
	completed          int64
	from, to           time.Duration
}

// evaluateRule measures rule r and decides whether it held. When the
// generator limited the run, a failed latency rule is measured again on
// service time, and a failed throughput rule again against the visits that
// actually started: only if it still fails is it the target's fault.
func evaluateRule(res *loadgen.Results, r scenario.Rule, limited bool) Finding {
	f := Finding{Rule: r.Text, Scope: r.ScopeName(), Metric: r.MetricName(), Unit: "ratio", Basis: "latency"}
	if r.Metric.IsLatency() {
		f.Unit = "ms"
		f.Limit = ms(r.Latency)
	} else {
		f.Limit = float64(r.Ratio)
	}
	switch r.Metric {
	case scenario.MetricErrorRate:
		f.Basis = "requests"
	case scenario.MetricThroughput:
		f.Basis = "visits"
	}

	stretches := stretchesFor(res, r)
	at, m := worstOf(r, stretches, false)
	if !m.ok {
		f.NoData = true
		return f
	}
	f.Measured, f.Samples = m.value, m.samples
	f.Passed = r.Op.Holds(m.value, f.Limit)
	if r.Window > 0 || len(stretches) > 1 {
		f.Where = describeStretch(res, stretches[at], r.Window > 0)
	} else if !f.Passed && r.Metric != scenario.MetricThroughput {
		// A visit completes intervals after it arrives, so one interval's
		// throughput says little; the other metrics have a worst moment.
		f.Where = worstInterval(res, r)
	}
	if f.Passed {
		return f
	}
	f.TargetFault = true
	if !limited {
		return f
	}
	switch {
	case r.Metric.IsLatency():
		if _, sm := worstOf(r, stretches, true); sm.ok && !r.Op.Holds(sm.value, f.Limit) {
			f.Measured, f.Basis = sm.value, "service time"
		} else {
			f.TargetFault = false
		}
	case r.Metric == scenario.MetricThroughput:
		// Missed arrivals are the generator's; judge the visits it started.
		if _, sm := worstOf(r, stretches, true); !sm.ok || r.Op.Holds(sm.value, f.Limit) {
			f.TargetFault = false
		}
	}
	return f
}

// stretchesFor returns the stretches rule r is judged on: the whole run or
// its phase, or every window of the rule's length within it.
func stretchesFor(res *loadgen.Results, r scenario.Rule) []stretch {
	key := ruleKey(res, r)
	from, to := time.Duration(0), res.Elapsed
	if r.Phase != "" {
		for _, ph := range res.Scenario.Phases {
			if ph.Name == r.Phase {
				from = seconds(ph.StartS)
				to = min(to, from+seconds(ph.DurationS))
			}
		}
	}
	if r.Window == 0 && r.Phase == "" {
		return []stretch{wholeRun(res, key)}
	}
	ivs := res.Timeline
	var in []int
	for i, iv := range ivs {
		if iv.Offset >= from && iv.Offset < to {
			in = append(in, i)
		}
	}
	if r.Window == 0 {
		return []stretch{sumIntervals(res, key, in, from, to)}
	}
	var out []stretch
	for a := range in {
		start := ivs[in[a]].Offset
		end := start + r.Window
		if end > to {
			break
		}
		var window []int
		for _, i := range in[a:] {
			if ivs[i].Offset < end {
				window = append(window, i)
			}
		}
		out = append(out, sumIntervals(res, key, window, start, end))
	}
	if len(out) == 0 { // the stretch is shorter than one window: judge all of it
		out = append(out, sumIntervals(res, key, in, from, to))
	}
	return out
}

// ruleKey is the index of the histogram key a rule's scope measures.
func ruleKey(res *loadgen.Results, r scenario.Rule) int {
	if r.Journey == "" {
		return 0
	}
	return res.KeyIndex(loadgen.Key{Journey: r.Journey, Step: r.Step})
}

func wholeRun(res *loadgen.Results, key int) stretch {
	s := stretch{scheduled: res.Arrivals.Scheduled(), started: res.Arrivals.Started, completed: res.Arrivals.Completed, to: res.Elapsed}
	if key >= 0 && key < len(res.Keys) {
		k := res.Keys[key]
		s.latency, s.service, s.requests, s.errors = k.Latency, k.Service, k.Requests, k.Errors
	}
	return s
}

func sumIntervals(res *loadgen.Results, key int, idx []int, from, to time.Duration) stretch {
	s := stretch{from: from, to: to}
	for _, i := range idx {
		iv := res.Timeline[i]
		s.scheduled += iv.Arrivals + iv.Missed
		s.started += iv.Arrivals
		s.completed += iv.Completed
		if ik, ok := iv.Key(key); ok {
			s.latency.Merge(ik.Latency())
			s.service.Merge(ik.Service())
			s.requests += ik.Requests
			s.errors += ik.Errors
		}
	}
	return s
}

// worstOf measures every stretch and returns the index and measurement of
// the one furthest on the failing side of the rule's comparison. onService
// measures latency on service time and throughput against started (not
// scheduled) visits.
func worstOf(r scenario.Rule, stretches []stretch, onService bool) (int, measurement) {
	best := -1
	var bestM measurement
	for i, s := range stretches {
		m := measure(r, s, onService)
		if !m.ok {
			continue
		}
		if best < 0 || worse(r.Op, m.value, bestM.value) {
			best, bestM = i, m
		}
	}
	if best < 0 {
		return 0, measurement{}
	}
	return best, bestM
}

// worse reports whether a is further than b on the failing side of op.
func worse(op scenario.Op, a, b float64) bool {
	if op == scenario.Less || op == scenario.LessEqual {
		return a > b
	}
	return a < b
}

func measure(r scenario.Rule, s stretch, onService bool) measurement {
	d := s.latency
	if onService {
		d = s.service
	}
	switch r.Metric {
	case scenario.MetricPercentile:
		return latencyMeasurement(d, func() time.Duration { return d.Percentile(r.Quantile) })
	case scenario.MetricMax:
		return latencyMeasurement(d, d.Max)
	case scenario.MetricMean:
		return latencyMeasurement(d, d.Mean)
	case scenario.MetricErrorRate:
		if s.requests == 0 {
			return measurement{}
		}
		return measurement{value: float64(s.errors) / float64(s.requests), samples: s.requests, ok: true}
	case scenario.MetricThroughput:
		base := s.scheduled
		if onService {
			base = s.started
		}
		if base == 0 {
			return measurement{}
		}
		return measurement{value: math.Min(1, float64(s.completed)/float64(base)), samples: base, ok: true}
	}
	return measurement{}
}

func latencyMeasurement(d loadgen.Distribution, value func() time.Duration) measurement {
	if d.Count() == 0 {
		return measurement{}
	}
	return measurement{value: ms(value()), samples: d.Count(), ok: true}
}

// describeStretch names a stretch in words: "in the window 8s–10s (phase
// blast)".
func describeStretch(res *loadgen.Results, s stretch, window bool) string {
	place := fmt.Sprintf("from %s to %s", offset(s.from), offset(s.to))
	if window {
		place = "in the window " + offset(s.from) + "–" + offset(s.to)
	}
	if ph := phaseAt(res, s.from); ph != "" {
		place += " (phase " + ph + ")"
	}
	return place
}

// worstInterval finds the timeline interval where a whole-run rule's metric
// was worst, so a failed rule says when it failed, not only that it did.
func worstInterval(res *loadgen.Results, r scenario.Rule) string {
	key := ruleKey(res, r)
	var ss []stretch
	for i, iv := range res.Timeline {
		ss = append(ss, sumIntervals(res, key, []int{i}, iv.Offset, iv.Offset+res.Interval))
	}
	i, m := worstOf(r, ss, false)
	if !m.ok {
		return ""
	}
	s := ss[i]
	w := "worst at " + offset(s.from)
	if ph := phaseAt(res, s.from); ph != "" {
		w += " in phase " + ph
	}
	return w
}

func phaseAt(res *loadgen.Results, t time.Duration) string {
	if len(res.Scenario.Phases) < 2 {
		return ""
	}
	for _, ph := range res.Scenario.Phases {
		if t >= seconds(ph.StartS) && t < seconds(ph.StartS+ph.DurationS) {
			return ph.Name
		}
	}
	return ""
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// offset formats a time into the run: "45s", "2m10s".
func offset(d time.Duration) string {
	return roundDuration(d).String()
}
