package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/liftoff/liftoff/loadgen"
	"github.com/liftoff/liftoff/scenario"
)

// Verdict is the outcome of a run.
type Verdict string

// Verdicts.
const (
	// Go: every SLO rule held and the test itself was valid.
	Go Verdict = "GO"
	// NoGo: a rule failed, and the failure stands on what the target did.
	NoGo Verdict = "NO-GO"
	// Inconclusive: the run was cut short or the generator was the
	// bottleneck, and nothing proves the target failed.
	Inconclusive Verdict = "INCONCLUSIVE"
)

// Finding is one rule's outcome.
type Finding struct {
	Rule     scenario.Rule
	Measured float64 // in Unit(); the worst window's value for windowed rules
	Limit    float64 // in Unit()
	Passed   bool
	// TargetFault is set on a failed finding that stands on what the target
	// itself did. When the generator limited the run, a latency rule that
	// fails only because of the generator's lag is not the target's fault.
	TargetFault bool
	Basis       Basis  // what was measured
	Where       string // where it failed or was worst, in words
	Samples     int64  // requests (or scheduled visits) behind the measurement
	NoData      bool   // nothing in scope was measured; the rule could not be judged
	// Implicit marks the finding no scenario rule wrote: the failed
	// requests outside every error_rate rule's scope, judged against 0%
	// (ImplicitErrorRule).
	Implicit bool
	// Unproven marks a rule that held where the generator did not deliver
	// all the load (it missed arrivals in one of its windows, or its
	// phase): the pass proves nothing there.
	Unproven bool
	// Cause names what the generator did when a rule failed but not on
	// the target's account, or held unproven; Explanation says it in a
	// sentence, for the verdict's reasons.
	Cause       Signal
	Explanation string
	// Service and Bound, for latency rules checked on what the target
	// did (Checked): the value on the target's own service time over the
	// stretch the verdict stands on, and the least the target must have
	// taken once the generator's possible delays are taken off.
	Service, Bound float64
	Checked        bool
	// From and To bound the stretch of the run that Where names: a
	// windowed rule's worst window, or the interval where a failed rule
	// was worst. Both are zero when Where is empty.
	From, To time.Duration
}

// Unit is the unit of the finding's values: milliseconds for latency
// metrics, a 0..1 ratio for error_rate and throughput.
func (f Finding) Unit() Unit { return unitOf(f.Rule.Metric) }

func unitOf(m scenario.Metric) Unit {
	if m.IsLatency() {
		return UnitMS
	}
	return UnitRatio
}

// Unit is what a measured value counts. The JSON encoders write it as
// text ("ms", "ratio", "req/s"); everything else compares the constants.
type Unit int

// Units.
const (
	UnitMS        Unit = iota // milliseconds of latency
	UnitRatio                 // a share, 0..1
	UnitPerSecond             // requests per second
)

func (u Unit) String() string {
	switch u {
	case UnitRatio:
		return "ratio"
	case UnitPerSecond:
		return "req/s"
	}
	return "ms"
}

// Basis says what a finding measured. The JSON encoder writes it as text
// ("latency", "service time", "requests", "visits").
type Basis int

// Bases.
const (
	// BasisLatency: latency from intended send times.
	BasisLatency Basis = iota
	// BasisServiceTime: latency from actual send times, used when the
	// generator limited the run.
	BasisServiceTime
	// BasisRequests: error_rate, over the requests answered.
	BasisRequests
	// BasisVisits: throughput, over the visits scheduled.
	BasisVisits
)

func (b Basis) String() string {
	switch b {
	case BasisServiceTime:
		return "service time"
	case BasisRequests:
		return "requests"
	case BasisVisits:
		return "visits"
	}
	return "latency"
}

// Judgement is the verdict with everything behind it.
type Judgement struct {
	Verdict     Verdict
	Findings    []Finding
	Health      Health
	Interrupted bool
	// Aborted is the abort rule that stopped the run, when one did: the
	// verdict is NO-GO, and its reason comes first.
	Aborted *Aborted
	// Smoke marks a smoke test's judgement (see evaluateSmoke): it has
	// no findings, and its verdict is about journeys, not load.
	Smoke bool
	// Reasons explain the verdict in plain sentences, most important first.
	Reasons []string
}

// evaluate judges doc.Results against doc.Rules. It is pure: the same
// inputs give the same Judgement.
func evaluate(doc Document) Judgement {
	res := doc.Results
	jd := &assessor{doc: doc, health: health(doc)}
	j := Judgement{Interrupted: res.Interrupted}
	j.Aborted, _ = abortedOf(res) // NewDocument refused an unreadable one
	for _, r := range doc.Rules {
		j.Findings = append(j.Findings, jd.evaluateRule(r))
	}
	if f, ok := uncoveredErrors(doc); ok {
		jd.uncoveredEvidence(&f)
		j.Findings = append(j.Findings, f)
	}

	var faults, unproven []string
	for _, f := range j.Findings {
		switch {
		case f.Passed && !f.Unproven:
		case f.TargetFault:
			faults = append(faults, faultSentence(res, f))
		case f.NoData:
			unproven = append(unproven, fmt.Sprintf("%s could not be judged: nothing in its scope was measured.", f.Rule.Text))
		default:
			unproven = append(unproven, f.Explanation)
			if f.Cause != SignalInterrupted {
				jd.health.limit(f.Cause)
			}
		}
	}
	j.Health = jd.health
	switch {
	case len(faults) > 0 || j.Aborted != nil:
		j.Verdict = NoGo
		if j.Aborted != nil {
			j.Reasons = append(j.Reasons, abortSentence(j.Aborted, doc.Plan.Duration()))
		}
		j.Reasons = append(j.Reasons, faults...)
	case j.Health.Limited || res.Interrupted || len(unproven) > 0 || res.Partial():
		j.Verdict = Inconclusive
	default:
		j.Verdict = Go
		j.Reasons = append(j.Reasons, goSentence(len(doc.Rules)))
	}
	if res.Interrupted && j.Aborted == nil { // an abort's sentence says when it stopped the run
		at := res.InterruptedAt // the grace period after it is not part of the run
		if at <= 0 {
			at = planRan(doc) // results built by hand may not say
		}
		j.Reasons = append(j.Reasons, fmt.Sprintf("The run was interrupted after %s of the planned %s.", offset(at), offset(doc.Plan.Duration())))
	}
	if res.Partial() {
		j.Reasons = append(j.Reasons, partialReason(res))
	}
	if res.Scenario.TLSInsecure {
		j.Reasons = append(j.Reasons, insecureReason)
	}
	j.Reasons = append(j.Reasons, j.Health.Reasons...)
	j.Reasons = append(j.Reasons, j.Health.WarningReasons...) // shown, and the verdict as it was
	if j.Verdict != NoGo {
		j.Reasons = append(j.Reasons, unproven...)
	}
	return j
}

// insecureReason says, in every report, that a run trusted any
// certificate: its verdict holds for the target's code and capacity, not
// for its TLS setup.
const insecureReason = "TLS certificates were not verified (defaults.tls.insecure or --insecure): this run did not test the target's real certificate setup."

// planRan is how much of the plan ran: up to the interrupt, or all of it.
// Results built by hand may not say; their elapsed time stands in.
func planRan(doc Document) time.Duration {
	if r := doc.Results.Ran; r > 0 {
		return r
	}
	return min(doc.Results.Elapsed, doc.Plan.Duration())
}

// faultSentence is the reason a failed finding that stands on the target
// gives: the rule's own sentence, or, for the implicit rule, which
// failures no error_rate rule covered.
func faultSentence(res *loadgen.Results, f Finding) string {
	if f.Implicit {
		return uncoveredSentence(res, f)
	}
	return findingSentence(f)
}

func findingSentence(f Finding) string {
	var b strings.Builder
	b.WriteString(metricSubject(f.Rule))
	fmt.Fprintf(&b, " was %s", formatValue(f.Measured, f.Unit()))
	if scope := f.Rule.ScopeName(); scope != "" {
		fmt.Fprintf(&b, " for %s", scope)
	}
	fmt.Fprintf(&b, " (rule: %s)", f.Rule.Text)
	if f.Where != "" {
		fmt.Fprintf(&b, ", %s", f.Where)
	}
	if f.Basis == BasisServiceTime {
		b.WriteString(", measured on the target's own service time")
	}
	b.WriteString(".")
	return b.String()
}

// metricSubject names what a rule measures, to start a sentence: "The
// error rate", "p95 latency".
func metricSubject(r scenario.Rule) string {
	switch r.Metric {
	case scenario.MetricErrorRate:
		return "The error rate"
	case scenario.MetricThroughput:
		return "Throughput"
	case scenario.MetricMax:
		return "Max latency"
	case scenario.MetricMean:
		return "Mean latency"
	}
	return r.MetricName() + " latency"
}

func goSentence(rules int) string {
	if rules == 0 {
		return "The run completed and the generator kept up; the scenario defines no SLO rules to judge."
	}
	switch rules {
	case 1:
		return "The SLO rule held, and the generator kept up with the plan."
	case 2:
		return "Both SLO rules held, and the generator kept up with the plan."
	}
	return fmt.Sprintf("All %d SLO rules held, and the generator kept up with the plan.", rules)
}
