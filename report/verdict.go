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

// Generator health thresholds. Past either, the generator, not the target,
// limited the run: a GO would not be proven, and a failed rule stands only
// on what the target itself did (its errors, its service time measured
// from the actual send).
const (
	// MaxMissedShare is the share of scheduled arrivals the generator may
	// fail to start (max_concurrency reached) and still count as keeping
	// up: 0.1%.
	MaxMissedShare = 0.001
	// MaxLagP99 is how late the generator may send: when more than
	// MaxLateShare of its requests (and at least MinLateRequests) leave
	// later than this, it fell behind. Lag shifts the load the target sees
	// and adds to every latency measured from intended times. The minimum
	// count keeps one scheduling hiccup in a short run (where it alone is
	// more than 1%) from passing for a generator that could not keep up.
	MaxLagP99       = 25 * time.Millisecond
	MaxLateShare    = 0.01
	MinLateRequests = 5
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

// Health is the generator's own account of whether it kept up.
type Health struct {
	Limited     bool
	MissedShare float64
	LagP99      time.Duration
	Late        int64    // requests sent more than MaxLagP99 after their intended time
	LateShare   float64  // Late over the requests with an intended time
	Reasons     []string // why it was limited, in plain sentences
}

// Judgement is the verdict with everything behind it.
type Judgement struct {
	Verdict     Verdict
	Findings    []Finding
	Health      Health
	Interrupted bool
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
	j := Judgement{Health: health(res), Interrupted: res.Interrupted}
	for _, r := range doc.Rules {
		j.Findings = append(j.Findings, evaluateRule(doc, r, j.Health.Limited))
	}

	var faults, unproven []string
	for _, f := range j.Findings {
		switch {
		case f.Passed:
		case f.TargetFault:
			faults = append(faults, findingSentence(f))
		case f.NoData:
			unproven = append(unproven, fmt.Sprintf("%s could not be judged: nothing in its scope was measured.", f.Rule.Text))
		case f.Rule.Metric == scenario.MetricThroughput:
			if res.Interrupted {
				unproven = append(unproven, fmt.Sprintf("%s failed against the scheduled visits, but the visits that ended met it: the others were never started or were cut off by the interrupt.", f.Rule.Text))
			} else {
				unproven = append(unproven, fmt.Sprintf("%s failed against the scheduled visits, but the visits the generator started met it, so the failure is the generator's.", f.Rule.Text))
			}
		default:
			unproven = append(unproven, fmt.Sprintf("%s failed on %s, but the target's own service time met the limit, so the failure may be the generator's.", f.Rule.Text, f.Basis))
		}
	}
	switch {
	case len(faults) > 0:
		j.Verdict = NoGo
		j.Reasons = append(j.Reasons, faults...)
	case j.Health.Limited || res.Interrupted || len(unproven) > 0:
		j.Verdict = Inconclusive
	default:
		j.Verdict = Go
		j.Reasons = append(j.Reasons, goSentence(len(doc.Rules)))
	}
	if res.Interrupted {
		at := res.Elapsed // files from before interrupted_at_us
		if res.InterruptedAt > 0 {
			at = res.InterruptedAt // the grace period after it is not part of the run
		}
		j.Reasons = append(j.Reasons, fmt.Sprintf("The run was interrupted after %s of the planned %s.", offset(at), offset(doc.Plan.Duration())))
	}
	if res.Scenario.TLSInsecure {
		j.Reasons = append(j.Reasons, insecureReason)
	}
	j.Reasons = append(j.Reasons, j.Health.Reasons...)
	if j.Verdict != NoGo {
		j.Reasons = append(j.Reasons, unproven...)
	}
	return j
}

// insecureReason says, in every report, that a run trusted any
// certificate: its verdict holds for the target's code and capacity, not
// for its TLS setup.
const insecureReason = "TLS certificates were not verified (defaults.tls.insecure or --insecure): this run did not test the target's real certificate setup."

// MissedArrivals reports whether the generator missed too many arrivals.
func (h Health) MissedArrivals() bool { return h.MissedShare > MaxMissedShare }

// FellBehind reports whether too many requests left too late.
func (h Health) FellBehind() bool { return h.LateShare > MaxLateShare && h.Late >= MinLateRequests }

// health checks whether the generator kept up with the plan.
func health(res *loadgen.Results) Health {
	h := Health{LagP99: res.Lag.Percentile(99)}
	if n := res.Arrivals.Scheduled(); n > 0 {
		h.MissedShare = float64(res.Arrivals.Missed) / float64(n)
	}
	if h.MissedArrivals() {
		h.Limited = true
		h.Reasons = append(h.Reasons, missedReason(res))
	}
	if n := res.Lag.Count(); n > 0 {
		h.Late = res.Lag.CountAbove(MaxLagP99)
		h.LateShare = float64(h.Late) / float64(n)
	}
	if h.FellBehind() {
		h.Limited = true
		h.Reasons = append(h.Reasons, fmt.Sprintf(
			"The generator was the bottleneck: %s of its requests (%s) left more than %s late, and its p99 lag was %s. Run it on a bigger machine, or spread the load over more generators.",
			count(h.Late), percent(h.LateShare), latency(MaxLagP99), latency(h.LagP99)))
	}
	return h
}

// missedReason explains missed arrivals by their causes: the
// max_concurrency cap, and unique data files that ran out.
func missedReason(res *loadgen.Results) string {
	a := res.Arrivals
	s := fmt.Sprintf("The generator was the bottleneck: it could not start %s of %s arrivals (%s)", count(a.Missed), count(a.Scheduled()), percent(float64(a.Missed)/float64(a.Scheduled())))
	capped := a.Missed - a.Exhausted
	switch {
	case a.Exhausted == 0:
		return s + fmt.Sprintf(" because max_concurrency (%d) visitors were already in flight. Raise max_concurrency, or spread the load over more generators.", res.Scenario.MaxConcurrency)
	case capped == 0:
		return s + " because a journey's unique data file had run out of rows. Give it more rows, or use order: sequential."
	}
	return s + fmt.Sprintf(": %s because max_concurrency (%d) visitors were already in flight, %s because a journey's unique data file had run out of rows.", count(capped), res.Scenario.MaxConcurrency, count(a.Exhausted))
}

func findingSentence(f Finding) string {
	var b strings.Builder
	switch f.Rule.Metric {
	case scenario.MetricErrorRate:
		b.WriteString("The error rate")
	case scenario.MetricThroughput:
		b.WriteString("Throughput")
	case scenario.MetricMax:
		b.WriteString("Max latency")
	case scenario.MetricMean:
		b.WriteString("Mean latency")
	default:
		b.WriteString(f.Rule.MetricName() + " latency")
	}
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

func goSentence(rules int) string {
	if rules == 0 {
		return "The run completed and the generator kept up; the scenario defines no SLO rules to judge."
	}
	return fmt.Sprintf("All %d SLO rules held, and the generator kept up with the plan.", rules)
}
