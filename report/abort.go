package report

import (
	"fmt"
	"time"

	"github.com/liftoff/liftoff/loadgen"
	"github.com/liftoff/liftoff/scenario"
)

// Abort rules stop a run to protect the target (scenario/abort.go). The
// run judges them live: AbortJudge sees each timeline interval as the
// generator closes it (a loadgen.Tick) and judges every rule on the
// recent window, the rule's length of whole intervals ending now, as a
// windowed SLO rule is judged on its worst window. A rule trips only when
// its condition stands on what the target did, by the rule the verdict
// uses (attribution.go): a latency rule needs the target's own service
// time to meet the condition too, and to still meet it once the
// generator's delays over the window are taken off; an error_rate rule
// counts only the target's failures, less the timeouts the generator's
// starvation could have caused. So a generator that falls behind never
// stops a run. A window also needs minTroubleSamples requests in scope,
// so that one failure in a quiet stretch does not stop a launch test.

// AbortJudge judges a run's abort rules on the recent window. It is not
// safe for concurrent use: feed it the Ticks of one run, in order, from
// one goroutine.
type AbortJudge struct {
	rules   []scenario.Rule
	plan    scenario.Plan
	timeout time.Duration // the shortest request timeout the scenario sets
	keep    time.Duration // the longest window: older Ticks are dropped
	ticks   []loadgen.Tick
}

// NewAbortJudge returns the judge of sc's abort rules, or nil when it has
// none.
func NewAbortJudge(sc *scenario.Scenario) *AbortJudge {
	if len(sc.Abort) == 0 {
		return nil
	}
	aj := &AbortJudge{rules: sc.Abort, plan: sc.Plan, timeout: shortestTimeout(sc)}
	for _, r := range sc.Abort {
		aj.keep = max(aj.keep, r.Window)
	}
	return aj
}

// shortestTimeout is the shortest timeout any request of sc has: a
// request that timed out took at least its own, so half of this is at
// most half of what any timed-out request took (the threshold the
// verdict's starvedTimeouts reads from the failures' timings).
func shortestTimeout(sc *scenario.Scenario) time.Duration {
	t := sc.Defaults.Timeout
	for _, j := range sc.Journeys {
		for _, st := range j.Steps {
			if st.Timeout > 0 && (t <= 0 || st.Timeout < t) {
				t = st.Timeout
			}
		}
	}
	if t <= 0 {
		t = scenario.DefaultTimeout
	}
	return t
}

// Observe takes the interval the generator just closed and judges every
// rule on the window that ends with it. It returns the first rule that
// tripped, in the scenario's order, or nil.
func (aj *AbortJudge) Observe(t loadgen.Tick) *loadgen.Abort {
	end := t.Offset + t.Width
	aj.ticks = append(aj.ticks, t)
	drop := 0
	for drop < len(aj.ticks) && aj.ticks[drop].Offset+aj.ticks[drop].Width <= end-aj.keep {
		drop++
	}
	aj.ticks = aj.ticks[drop:]
	for _, r := range aj.rules {
		if a := aj.judge(r, t); a != nil {
			return a
		}
	}
	return nil
}

// judge judges rule r on the window of its length that ends with t's
// interval, when the Ticks cover all of it and, for a phase rule, the
// phase does.
func (aj *AbortJudge) judge(r scenario.Rule, t loadgen.Tick) *loadgen.Abort {
	end := t.Offset + t.Width
	from := end - r.Window
	phaseFrom, phaseTo := time.Duration(0), end
	if r.Phase != "" {
		i := phaseIndex(aj.plan, r.Phase)
		if i < 0 {
			return nil
		}
		ph := aj.plan.Phases[i]
		phaseFrom, phaseTo = ph.Start, ph.Start+ph.Duration
		if i == len(aj.plan.Phases)-1 {
			phaseTo = end // the last phase keeps the drain, as ruleRange has it
		}
		if from < phaseFrom || t.Offset >= phaseTo {
			return nil // the phase has not lasted a window yet, or is over
		}
	}
	var window []loadgen.Tick
	for _, w := range aj.ticks {
		if w.Offset+w.Width > from && w.Offset < min(end, phaseTo) {
			window = append(window, w)
		}
	}
	// A window is judged whole: after a stalled collector's late Tick,
	// a later interval judges it.
	if len(window) == 0 || window[0].Offset > from {
		return nil
	}
	doc := Document{Results: windowResults(window, aj.timeout), Plan: aj.plan}
	kept := r
	kept.Op, kept.Phase = r.Op.Negate(), ""
	kept.Window = end - window[0].Offset // the one window the Ticks make
	f := (&assessor{doc: doc}).evaluateRule(kept)
	if f.NoData || f.Passed || !f.TargetFault || f.Samples < minTroubleSamples {
		return nil
	}
	return &loadgen.Abort{Rule: r.Text, Measured: f.Measured, Samples: f.Samples, From: window[0].Offset, To: end}
}

// phaseIndex is the index of the plan's phase named name, or -1.
func phaseIndex(plan scenario.Plan, name string) int {
	for i, ph := range plan.Phases {
		if ph.Name == name {
			return i
		}
	}
	return -1
}

// windowResults makes Results of a window's Ticks, for the verdict's
// judgement of one windowed rule: the timeline is their intervals, and
// the rest what that judgement reads of a run (its keys, its interval,
// whether the run delay was measured, the timeout a timed-out request
// took at least).
func windowResults(ticks []loadgen.Tick, timeout time.Duration) *loadgen.Results {
	last := ticks[len(ticks)-1]
	res := &loadgen.Results{Interval: last.Width, Elapsed: last.Offset + last.Width, Started: last.Began}
	res.Ran = res.Elapsed
	for _, k := range last.AllKeys {
		res.Keys = append(res.Keys, loadgen.KeyResult{Key: k})
	}
	res.Signals.RunDelayKnown = last.RunDelayKnown
	res.Failures[loadgen.ClassTimeout].Service = loadgen.DistributionOf(timeout)
	for _, t := range ticks {
		res.Timeline = append(res.Timeline, t.Interval)
		res.Requests += t.Requests
		res.Errors += t.Errors
	}
	return res
}

// Aborted is the abort rule that stopped a run, as reports show it.
type Aborted struct {
	Rule     scenario.Rule // as written: the condition that tripped
	Measured float64       // in Unit(), over the window
	Samples  int64
	From, To time.Duration // the window; the run stopped at To
}

// Unit is the unit of Measured and the rule's limit.
func (a Aborted) Unit() Unit { return unitOf(a.Rule.Metric) }

// abortedOf decodes the abort a results file records.
func abortedOf(res *loadgen.Results) (*Aborted, error) {
	if res.Abort == nil {
		return nil, nil
	}
	r, err := scenario.ParseRule(res.Abort.Rule)
	if err != nil {
		return nil, fmt.Errorf("results hold an unreadable abort rule: %w", err)
	}
	a := res.Abort
	return &Aborted{Rule: r, Measured: a.Measured, Samples: a.Samples, From: a.From, To: a.To}, nil
}

// abortSentence is the reason an aborted run gives first.
func abortSentence(a *Aborted, planned time.Duration) string {
	s := fmt.Sprintf("An abort rule stopped the run at %s of the planned %s to protect the target: %s was %s", offset(a.To), offset(planned), lowerFirst(metricSubject(a.Rule)), formatValue(a.Measured, a.Unit()))
	if scope := a.Rule.ScopeName(); scope != "" {
		s += " for " + scope
	}
	return s + fmt.Sprintf(" over %s–%s (abort rule: %s).", offset(a.From), offset(a.To), a.Rule.Text)
}

// stoppedWord is how reports mark a run that did not run its plan to the
// end: "aborted" when an abort rule stopped it, "interrupted" otherwise.
func stoppedWord(res *loadgen.Results) string {
	if res.Abort != nil {
		return "aborted"
	}
	return "interrupted"
}

// plainAbort says for people why the test stopped early.
func plainAbort(a *Aborted) string {
	words := map[scenario.Op]string{scenario.Greater: "above", scenario.GreaterEqual: "to or above", scenario.Less: "below", scenario.LessEqual: "to or below"}
	return fmt.Sprintf("The test was stopped early to protect the site: %s between %s and %s into the test (it stops when that goes %s %s for %s).",
		plainMeasured(a.Rule, a.Measured), offset(a.From), offset(a.To), words[a.Rule.Op], friendlyValue(limitOf(a.Rule), a.Unit()), friendlyLength(a.Rule.Window))
}

// AbortValue formats what a tripped abort rule measured, in the rule's
// unit: "73.2%", "5.4s".
func AbortValue(a *loadgen.Abort) string {
	r, err := scenario.ParseRule(a.Rule)
	if err != nil {
		return decimal(a.Measured)
	}
	return formatValue(a.Measured, unitOf(r.Metric))
}
