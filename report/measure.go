package report

import (
	"iter"
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

// stretch is a part of the run a rule is measured over. Latency and
// service time are the successful requests'; requests and errors count
// those that reached the target (not the ones the generator failed
// itself).
type stretch struct {
	latency, service   loadgen.Distribution
	requests, errors   int64
	scheduled, started int64
	completed, ended   int64 // visits that ended well; visits that ended at all
	from, to           time.Duration
	intervals          []int // the timeline intervals it covers
}

// limitOf is a rule's limit in its unit: milliseconds or a 0..1 ratio.
func limitOf(r scenario.Rule) float64 {
	if r.Metric.IsLatency() {
		return ms(r.Latency)
	}
	return float64(r.Ratio)
}

// stretchesFor yields the stretches rule r is judged on: the whole run or
// its phase, or every window of the rule's length within it. It yields
// them one at a time, summed when asked for, so judging a rule holds the
// distributions of a few windows at once, however many windows the run
// has: a long run's windows, each two dense histograms, would take
// gigabytes together.
func stretchesFor(doc Document, r scenario.Rule) iter.Seq[stretch] {
	return func(yield func(stretch) bool) {
		res := doc.Results
		sum := summerFor(res, r)
		if r.Window == 0 && r.Phase == "" {
			yield(wholeRun(res, sum.key))
			return
		}
		from, to := ruleRange(doc, r)
		in := intervalsIn(res, from, to)
		if r.Window == 0 {
			yield(sum.intervals(in, from, to))
			return
		}
		ivs := res.Timeline
		// Windows slide over whole intervals, up to the end of the last one
		// that overlaps the scope: a phase that ends inside an interval (every
		// campaign phase, every coarsened timeline) is judged up to its end,
		// and the run's last interval, which closes when the run ends however
		// short it is, counts as whole, so a late collapse is always judged.
		limit := to
		if len(in) > 0 {
			limit = max(limit, ivs[in[len(in)-1]].Offset+res.Interval)
		}
		windows := 0
		for a := range in {
			start := ivs[in[a]].Offset
			end := start + r.Window
			if end > limit {
				break
			}
			var window []int
			for _, i := range in[a:] {
				if ivs[i].Offset < end {
					window = append(window, i)
				}
			}
			windows++
			// A window shorter than the timeline's intervals (a long run's
			// timeline is coarser) still spans whole intervals; say so.
			if !yield(sum.window(window, start, max(end, start+res.Interval))) {
				return
			}
		}
		if windows == 0 { // the stretch is shorter than one window: judge all of it
			yield(sum.intervals(in, from, to))
		}
	}
}

// ruleRange is the part of the run a rule's scope covers: the whole run, or
// its phase. The last phase keeps the drain after the plan's end, where the
// answers to its slowest requests arrive; cutting it off would drop the
// worst latencies of a target that fell behind at the end.
func ruleRange(doc Document, r scenario.Rule) (from, to time.Duration) {
	from, to = 0, doc.Results.Elapsed
	if r.Phase == "" {
		return from, to
	}
	phases := doc.Plan.Phases
	for i, ph := range phases {
		if ph.Name != r.Phase {
			continue
		}
		from = ph.Start
		if i < len(phases)-1 {
			to = min(to, from+ph.Duration)
		}
	}
	return from, to
}

// intervalsIn returns the indexes of the timeline intervals that overlap
// [from, to). A phase boundary inside an interval counts that interval in
// both phases: a phase shorter than an interval (a campaign compressed
// hard) is still judged, at the timeline's resolution.
func intervalsIn(res *loadgen.Results, from, to time.Duration) []int {
	var in []int
	for i, iv := range res.Timeline {
		if iv.Offset < to && iv.Offset+res.Interval > from {
			in = append(in, i)
		}
	}
	return in
}

// ruleKey is the index of the histogram key a rule's scope measures.
func ruleKey(res *loadgen.Results, r scenario.Rule) int {
	if r.Journey == "" {
		return 0
	}
	return res.KeyIndex(loadgen.Key{Journey: r.Journey, Step: r.Step})
}

func wholeRun(res *loadgen.Results, key int) stretch {
	a := res.Arrivals
	s := stretch{scheduled: a.Scheduled(), started: a.Started, completed: a.Completed, ended: a.Ended(), to: res.Elapsed}
	for i := range res.Timeline {
		s.intervals = append(s.intervals, i)
	}
	if key >= 0 && key < len(res.Keys) {
		k := res.Keys[key]
		s.latency, s.service, s.requests, s.errors = k.Latency, k.Service, k.TargetRequests(), k.TargetErrors()
	}
	return s
}

// summer sums a rule's timeline intervals into stretches: those of its
// scope's key, with the latency and service-time distributions only for a
// latency rule. The other rules count requests and visits, and merging
// distributions is most of what judging a window costs.
type summer struct {
	res       *loadgen.Results
	key       int
	latencies bool
	// sliding keeps, for windows, the key's histograms of the intervals
	// the latest window covered, decoded: a timeline's histograms are
	// sealed (decoded afresh at each read), and windows slide forward, so
	// each interval is decoded once a pass instead of once per window
	// that covers it. nil outside windows.
	sliding map[int]decodedKey
}

// decodedKey is one interval's histograms of a key, decoded.
type decodedKey struct{ latency, service loadgen.Distribution }

func summerFor(res *loadgen.Results, r scenario.Rule) summer {
	return summer{res: res, key: ruleKey(res, r), latencies: r.Metric.IsLatency()}
}

// window sums a window's intervals, idx ascending, as intervals does,
// decoding each interval once while windows slide over it.
func (sm *summer) window(idx []int, from, to time.Duration) stretch {
	if sm.sliding == nil {
		sm.sliding = map[int]decodedKey{}
	}
	for i := range sm.sliding {
		if len(idx) == 0 || i < idx[0] {
			delete(sm.sliding, i) // behind the window: no later window covers it
		}
	}
	return sm.intervals(idx, from, to)
}

// testHookSummed, when a test sets it, runs after each stretch is summed:
// the point where the stretches alive at once can be weighed.
var testHookSummed func()

// intervals sums the intervals idx into the stretch from–to.
func (sm summer) intervals(idx []int, from, to time.Duration) stretch {
	s := stretch{from: from, to: to, intervals: idx}
	for _, i := range idx {
		iv := sm.res.Timeline[i]
		s.scheduled += iv.Arrivals + iv.Missed
		s.started += iv.Arrivals
		s.completed += iv.Completed
		s.ended += iv.Completed + iv.Failed
		if ik, ok := iv.Key(sm.key); ok {
			switch {
			case sm.latencies && sm.sliding != nil:
				dk, ok := sm.sliding[i]
				if !ok {
					dk = decodedKey{ik.Latency(), ik.Service()}
					sm.sliding[i] = dk
				}
				s.latency.Merge(dk.latency)
				s.service.Merge(dk.service)
			case sm.latencies:
				ik.MergeLatencyInto(&s.latency)
				ik.MergeServiceInto(&s.service)
			}
			s.requests += ik.TargetRequests()
			s.errors += ik.TargetErrors()
		}
	}
	if testHookSummed != nil {
		testHookSummed()
	}
	return s
}

// counts is s without its distributions: what a judgement keeps of a
// stretch it may name or count again, but need not measure again.
func (s stretch) counts() stretch {
	s.latency, s.service = loadgen.Distribution{}, loadgen.Distribution{}
	return s
}

// worst is the stretch furthest on the failing side of a rule's
// comparison among those offered so far, the first of equals.
type worst struct {
	s stretch
	m measurement
}

// offer measures s for r, keeps it when it is the worst so far, and
// returns its measurement.
func (w *worst) offer(r scenario.Rule, s stretch, onService bool) measurement {
	m := measure(r, s, onService)
	if m.ok && (!w.m.ok || worse(r.Op, m.value, w.m.value)) {
		w.s, w.m = s, m
	}
	return m
}

// worstOf measures every stretch and returns the one furthest on the
// failing side of the rule's comparison, and its measurement. onService
// measures latency on service time and throughput against the visits that
// ended (not those scheduled).
func worstOf(r scenario.Rule, stretches iter.Seq[stretch], onService bool) (stretch, measurement) {
	var w worst
	for s := range stretches {
		w.offer(r, s, onService)
	}
	return w.s, w.m
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
			base = s.ended
		}
		if base == 0 {
			return measurement{}
		}
		return measurement{value: float64(s.completed) / float64(base), samples: base, ok: true}
	}
	return measurement{}
}

func latencyMeasurement(d loadgen.Distribution, value func() time.Duration) measurement {
	if d.Count() == 0 {
		return measurement{}
	}
	return measurement{value: ms(value()), samples: d.Count(), ok: true}
}

// firstFailure returns when a failed rule first broke its limit: the start
// of the first window (windowed rules) or timeline interval (otherwise)
// within its scope where its metric failed, measured on service time when
// onService. An interval needs minTroubleSamples requests (or visits) to
// count, so one slow request in a quiet second does not pass for the
// start of trouble.
func firstFailure(doc Document, r scenario.Rule, onService bool) (time.Duration, bool) {
	limit := limitOf(r)
	candidates := eachInterval(doc, r)
	if r.Window > 0 {
		candidates = stretchesFor(doc, r)
	}
	for s := range candidates {
		m := measure(r, s, onService)
		if m.ok && m.samples >= minTroubleSamples && !r.Op.Holds(m.value, limit) {
			return s.from, true
		}
	}
	return 0, false
}

// minTroubleSamples is how many requests an interval needs before
// firstFailure trusts its value.
const minTroubleSamples = 10

// describeStretch names a windowed rule's worst window in words: "in the
// window 8s–10s (phase blast)". The phase is left out when the rule is
// scoped to it already.
func describeStretch(plan scenario.Plan, r scenario.Rule, s stretch) string {
	place := "in the window " + offset(s.from) + "–" + offset(s.to)
	if ph := phaseAt(plan, s.from); ph != "" && ph != r.Phase {
		place += " (phase " + ph + ")"
	}
	return place
}

// worstInterval finds the timeline interval within the rule's scope where
// its metric was worst, so a failed rule says when it failed, not only that
// it did.
func worstInterval(doc Document, r scenario.Rule) (stretch, bool) {
	s, m := worstOf(r, eachInterval(doc, r), false)
	return s, m.ok
}

// eachInterval yields one stretch per timeline interval within the rule's
// scope, one at a time, as stretchesFor does.
func eachInterval(doc Document, r scenario.Rule) iter.Seq[stretch] {
	return func(yield func(stretch) bool) {
		res := doc.Results
		sum := summerFor(res, r)
		from, to := ruleRange(doc, r)
		for _, i := range intervalsIn(res, from, to) {
			iv := res.Timeline[i]
			if !yield(sum.intervals([]int{i}, iv.Offset, iv.Offset+res.Interval)) {
				return
			}
		}
	}
}

// describeWorst names the worst interval of a failed rule: "worst at 15s in
// phase peak".
func describeWorst(plan scenario.Plan, r scenario.Rule, s stretch) string {
	w := "worst at " + offset(s.from)
	if ph := phaseAt(plan, s.from); ph != "" && ph != r.Phase {
		w += " in phase " + ph
	}
	return w
}

// phaseAt names the phase running at t, when the plan has several.
func phaseAt(plan scenario.Plan, t time.Duration) string {
	if len(plan.Phases) < 2 {
		return ""
	}
	if i := plan.PhaseAt(t); i >= 0 {
		return plan.Phases[i].Name
	}
	return ""
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
