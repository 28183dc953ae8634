package report

import (
	"fmt"
	"slices"
	"time"

	"github.com/liftoff/liftoff/loadgen"
	"github.com/liftoff/liftoff/scenario"
)

// Whose fault is a failed rule? It is the target's only when it stands on
// what the target did over the stretch that failed (the whole run, the
// phase, or the window), whatever the generator's health over the run:
//
//   - latency: the service time (send to answer) fails too, and still
//     fails once the generator's own possible delays over that stretch are
//     taken off (targetBound). A failure on latency alone is the
//     generator's lag; one its delays can explain is its starvation or
//     its connection setup.
//   - throughput: the visits that ended there, not only those scheduled,
//     fall short. Otherwise the shortfall is the arrivals the generator
//     could not start, or visits an interrupt cut off.
//   - error_rate: the target's failed requests stay over the limit after
//     the timeouts the generator's starvation could have caused (its
//     delays reaching half the timeout) are set aside. Requests the
//     generator failed itself never count.
//
// A rule passed over windows or a phase is proven only where the
// generator delivered the load: a window in which it missed more than
// MaxMissedShare of the arrivals did not test the target.

// assessor holds what judging a run's rules needs: the health, and the
// generator's delay profile, computed once when a failure first needs it.
type assessor struct {
	doc     Document
	health  Health
	profile *delayProfile
}

func (jd *assessor) delays() *delayProfile {
	if jd.profile == nil {
		jd.profile = newDelayProfile(jd.doc.Results)
	}
	return jd.profile
}

// evaluateRule measures rule r and decides whether it held and, when it
// failed, whose failure it is.
func (jd *assessor) evaluateRule(r scenario.Rule) Finding {
	doc := jd.doc
	f := Finding{Rule: r, Limit: limitOf(r), Basis: BasisLatency}
	switch r.Metric {
	case scenario.MetricErrorRate:
		f.Basis = BasisRequests
	case scenario.MetricThroughput:
		f.Basis = BasisVisits
	}
	j := jd.judgeStretches(r, f.Limit)
	m := j.worst.m
	if !m.ok {
		f.NoData = true
		return f
	}
	f.Measured, f.Samples = m.value, m.samples
	f.Passed = r.Op.Holds(m.value, f.Limit)
	switch {
	case r.Window > 0:
		jd.placeAt(&f, j.worst.s)
	case !f.Passed:
		if s, ok := worstInterval(doc, r); ok {
			f.Where, f.From, f.To = describeWorst(doc.Plan, r, s), s.from, s.to
		}
	}
	if f.Passed {
		if (r.Window > 0 || r.Phase != "") && j.starved != nil {
			jd.unproven(&f, *j.starved)
		}
		return f
	}
	jd.attribute(&f, j)
	return f
}

// stretchJudgement is what one pass over a rule's stretches keeps: the
// worst stretch, and of the failing ones their counts and what judging
// their failure reads of their distributions, taken while they are
// summed. However many windows a rule has, the pass holds two stretches'
// distributions at a time, and no stretch is summed twice.
type stretchJudgement struct {
	worst   worst
	failing []failure // the stretches where the rule failed, in order
	starved *stretch  // the first stretch where the generator missed too many arrivals, as counts
}

// failure is a stretch where a rule failed, as counts, its value there,
// and for a latency rule what its distributions say of whose failure it
// is.
type failure struct {
	s       stretch
	value   float64
	latency latencyFacts
}

// latencyFacts is what judging a latency rule's failure over a stretch
// reads of its distributions: the value on service time and, when that
// fails too, the target's own once the generator's delays are taken off.
type latencyFacts struct {
	service measurement
	bound   float64
	bounded bool // bound was measured (targetBound's ok)
}

// judgeStretches measures every stretch of rule r against limit, once.
func (jd *assessor) judgeStretches(r scenario.Rule, limit float64) stretchJudgement {
	var j stretchJudgement
	for s := range stretchesFor(jd.doc, r) {
		if m := j.worst.offer(r, s, false); m.ok && !r.Op.Holds(m.value, limit) {
			fl := failure{s: s.counts(), value: m.value}
			if r.Metric.IsLatency() {
				fl.latency = jd.latencyFactsOf(r, s)
			}
			j.failing = append(j.failing, fl)
		}
		if j.starved == nil && missedTooMany(s) {
			c := s.counts()
			j.starved = &c
		}
	}
	return j
}

// latencyFactsOf reads a failed latency rule's stretch s for
// latencyEvidence. The bound, and the generator's delay profile it needs,
// are computed only when the service time fails too.
func (jd *assessor) latencyFactsOf(r scenario.Rule, s stretch) latencyFacts {
	lf := latencyFacts{service: measure(r, s, true)}
	tooFast := r.Op == scenario.Greater || r.Op == scenario.GreaterEqual
	if !tooFast && !r.Op.Holds(lf.service.value, limitOf(r)) {
		lf.bound, lf.bounded = targetBound(jd.doc, jd.delays(), r, s)
	}
	return lf
}

// placeAt makes stretch s the one a windowed finding names.
func (jd *assessor) placeAt(f *Finding, s stretch) {
	f.Where, f.From, f.To = describeStretch(jd.doc.Plan, f.Rule, s), s.from, s.to
}

// missedTooMany reports whether the generator could not start more than
// MaxMissedShare of the arrivals scheduled in s.
func missedTooMany(s stretch) bool {
	return s.scheduled > 0 && float64(s.scheduled-s.started)/float64(s.scheduled) > MaxMissedShare
}

// unproven marks a passed finding unproven: in stretch s, the first of
// its stretches where it happened, the generator missed too many of the
// arrivals.
func (jd *assessor) unproven(f *Finding, s stretch) {
	missed := s.scheduled - s.started
	f.Unproven, f.Cause = true, SignalMissed
	f.Explanation = fmt.Sprintf("%s held, but %s the generator could not start %s of %s arrivals (%s), so the target did not get all of that load.",
		f.Rule.Text, stretchName(jd.doc, f.Rule, s), count(missed), count(s.scheduled), percent(float64(missed)/float64(s.scheduled)))
}

// stretchName is "in the window 8s–10s", "in phase peak" or "over the run".
func stretchName(doc Document, r scenario.Rule, s stretch) string {
	switch {
	case r.Window > 0:
		return describeStretch(doc.Plan, r, s)
	case r.Phase != "":
		return "in phase " + r.Phase
	}
	return "over the run"
}

// attribute decides whose fault a failed rule is. The stretches that
// failed are examined worst first; the first whose failure stands on the
// target makes it the target's, and becomes the one the finding names.
func (jd *assessor) attribute(f *Finding, j stretchJudgement) {
	r := f.Rule
	failing := j.failing
	slices.SortStableFunc(failing, func(a, b failure) int {
		switch {
		case worse(r.Op, a.value, b.value):
			return -1
		case worse(r.Op, b.value, a.value):
			return 1
		}
		return 0
	})
	var first *evidence
	for _, fl := range failing {
		ev := jd.evidenceFor(r, fl)
		if ev.proven {
			f.TargetFault = true
			f.Service, f.Bound, f.Checked = ev.service, ev.bound, ev.checked
			if r.Window > 0 {
				jd.placeAt(f, fl.s)
				f.Measured = fl.value
			}
			if r.Metric.IsLatency() && jd.health.Limited {
				f.Measured, f.Basis = ev.service, BasisServiceTime
			}
			return
		}
		if first == nil {
			first = &ev
		}
	}
	if first == nil { // cannot happen: the rule failed, so some stretch did
		f.TargetFault = true
		return
	}
	f.Cause, f.Explanation = first.cause, first.explanation
	f.Service, f.Bound, f.Checked = first.service, first.bound, first.checked
}

// evidence is what one failed stretch says about whose failure it is.
type evidence struct {
	proven         bool    // the failure stands on the target
	service, bound float64 // latency rules: on service time, and after the generator's delays
	checked        bool    // service and bound were measured
	cause          Signal  // when not proven: what the generator did
	explanation    string  // when not proven: why, in a sentence
}

func (jd *assessor) evidenceFor(r scenario.Rule, fl failure) evidence {
	switch {
	case r.Metric.IsLatency():
		return jd.latencyEvidence(r, fl.s, fl.value, fl.latency)
	case r.Metric == scenario.MetricThroughput:
		return jd.throughputEvidence(r, fl.s)
	}
	return jd.errorEvidence(r, fl.s)
}

// latencyEvidence judges a latency rule's failure over stretch s, at lat,
// from what its distributions said (lf).
func (jd *assessor) latencyEvidence(r scenario.Rule, s stretch, lat float64, lf latencyFacts) evidence {
	limit := limitOf(r)
	svc := lf.service
	ev := evidence{service: svc.value, bound: svc.value, checked: true}
	where := stretchName(jd.doc, r, s)
	if r.Op == scenario.Greater || r.Op == scenario.GreaterEqual {
		ev.proven = true // the generator's delays only ever add time
		return ev
	}
	if r.Op.Holds(svc.value, limit) {
		ev.cause = SignalLag
		ev.explanation = fmt.Sprintf("%s failed %s at %s, but on the target's own service time it was %s: the generator sent those requests late, so the failure is the generator's.",
			r.Text, where, formatValue(lat, UnitMS), formatValue(svc.value, UnitMS))
		return ev
	}
	bound, ok := lf.bound, lf.bounded
	if !ok || !r.Op.Holds(bound, limit) {
		ev.proven = true
		if ok {
			ev.bound = bound
		}
		return ev
	}
	ev.bound = bound
	delay, connect := jd.worstDelays(s)
	ev.cause = SignalDelay
	what := fmt.Sprintf("the generator itself was delayed by up to %s there (its process waiting for a CPU, or its goroutines for their turn)", latency(delay))
	if connect > delay {
		ev.cause = SignalConnections
		what = fmt.Sprintf("the generator's shared pool was opening connections there, taking up to %s each", latency(connect))
	}
	without := "which can explain all of it"
	if bound > 0 {
		without = fmt.Sprintf("and without it the target's own %s may have been as low as %s", r.MetricName(), formatValue(bound, UnitMS))
	}
	ev.explanation = fmt.Sprintf("%s failed %s at %s (%s on the target's service time), but %s, %s. The failure may be the generator's.",
		r.Text, where, formatValue(lat, UnitMS), formatValue(svc.value, UnitMS), what, without)
	return ev
}

// worstDelays are the generator's longest delay over a stretch (its delay
// probe's latest wake-up, with the probe period it may have slept into
// the gap, or its longest scheduling wait) and its shared pool's slowest
// connection setup there.
func (jd *assessor) worstDelays(s stretch) (delay, connect time.Duration) {
	for _, i := range s.intervals {
		sig := jd.doc.Results.Timeline[i].Signals
		if sig.Delay.Count() > 0 {
			delay = max(delay, sig.Delay.Max()+probePeriod)
		}
		delay = max(delay, sig.Sched.Max())
		connect = max(connect, sig.SharedConnect.Max())
	}
	return delay, connect
}

func (jd *assessor) throughputEvidence(r scenario.Rule, s stretch) evidence {
	ended := measure(r, s, true)
	if ended.ok && !r.Op.Holds(ended.value, limitOf(r)) {
		return evidence{proven: true}
	}
	where := stretchName(jd.doc, r, s)
	if missed := s.scheduled - s.started; missed > 0 {
		return evidence{cause: SignalMissed, explanation: fmt.Sprintf(
			"%s failed %s against the scheduled visits, but the visits the generator started there met it: it could not start %s of them, so the failure is the generator's.",
			r.Text, where, count(missed))}
	}
	return evidence{cause: SignalInterrupted, explanation: fmt.Sprintf(
		"%s failed %s against the scheduled visits, but the visits that ended met it: the others were cut off by the interrupt.", r.Text, where)}
}

func (jd *assessor) errorEvidence(r scenario.Rule, s stretch) evidence {
	excused := jd.starvedTimeouts(s, s.errors)
	if excused == 0 || !r.Op.Holds(float64(s.errors-excused)/float64(s.requests), limitOf(r)) {
		return evidence{proven: true}
	}
	return evidence{cause: SignalDelay, explanation: fmt.Sprintf(
		"%s failed %s, but %s of its failures were timeouts while the generator's own delays reached half the request timeout: the generator may have read those answers too late, so the failure may be the generator's.",
		r.Text, stretchName(jd.doc, r, s), count(excused))}
}

// starvedTimeouts is how many of a stretch's timeouts (at most of its
// errors) the generator's own delays could have caused: a request whose
// delays stay under half its timeout cannot time out because of them, so
// only the requests exposed to a longer delay can. The timeout is the
// shortest time a timed-out request took.
func (jd *assessor) starvedTimeouts(s stretch, errors int64) int64 {
	res := jd.doc.Results
	timeout := res.Failures[loadgen.ClassTimeout].Service
	if timeout.Count() == 0 || len(s.intervals) == 0 {
		return 0
	}
	half := timeout.AtRank(1) / 2
	g := 0
	for g < len(delayGrid)-1 && delayGrid[g+1] <= half {
		g++
	}
	var timeouts int64
	for _, i := range s.intervals {
		timeouts += res.Timeline[i].Classes.Of(loadgen.ClassTimeout)
	}
	exposed := jd.delays().distorted(res, 0, s.intervals, g)
	return min(timeouts, errors, exposed)
}

// uncoveredEvidence decides whose fault the implicit finding is: the
// timeouts the generator's starvation could have caused are set aside
// over the whole run, as for an error_rate rule.
func (jd *assessor) uncoveredEvidence(f *Finding) {
	res := jd.doc.Results
	s := wholeRun(res, 0)
	failed := int64(f.Measured*float64(f.Samples) + 0.5)
	excused := jd.starvedTimeouts(s, failed)
	if excused > 0 && excused >= failed {
		f.TargetFault = false
		f.Cause = SignalDelay
		f.Explanation = fmt.Sprintf("%s requests failed outside every error_rate rule, all of them timeouts while the generator's own delays reached half the request timeout, so they may be the generator's.", count(failed))
	}
}
