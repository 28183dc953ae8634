package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/liftoff/liftoff/loadgen"
	"github.com/liftoff/liftoff/scenario"
)

// This file puts the verdict into words for people who will not read the
// tables: a marketing lead deciding whether to send the campaign. The HTML
// page opens with it and the Markdown summary leads with it. Words here
// avoid "p95", "SLO" and "throughput"; the tables below them keep the
// engineers' terms.

// readiness is the verdict for a non-engineer.
type readiness struct {
	Word     string   // "Ready", "Not ready", "Not proven"
	Sentence string   // the verdict in one or two plain sentences, starting with Word
	Onset    string   // NO-GO: when trouble began and at what traffic, the site's limit for now
	Problems []string // what went wrong, one plain sentence each (NO-GO)
	Next     []string // what to do now, one step each
}

// phrase names the traffic the test sent: "2× the expected peak of 60
// visitors a second" or "the planned peak of 120 visitors a second".
func (tp trafficPlan) phrase() string {
	switch {
	case tp.TestedPeak == 0 && tp.Closed > 0:
		return fmt.Sprintf("%s visitors at once", count(int64(tp.Closed)))
	case tp.TestedPeak == 0:
		return "the planned traffic"
	case tp.HasExpectation && !nearlyOne(tp.Factor):
		return fmt.Sprintf("%s the expected %speak of %s", factor(tp.Factor), tp.shapeWord(), visitorRate(tp.ExpectedPeak))
	case tp.Shape != "":
		return fmt.Sprintf("the expected %speak of %s", tp.shapeWord(), visitorRate(tp.TestedPeak))
	}
	return "the planned peak of " + visitorRate(tp.TestedPeak)
}

// shapeWord is the campaign's shape as an adjective, with its space:
// "email-blast ", or "" for a scenario of phases or a custom curve.
func (tp trafficPlan) shapeWord() string {
	if tp.Shape == "" || tp.Shape == "custom" {
		return ""
	}
	return tp.Shape + " "
}

func nearlyOne(f float64) bool { return f > 0.995 && f < 1.005 }

// friendlyValue formats a finding's value for people.
func friendlyValue(v float64, unit Unit) string {
	if unit == UnitMS {
		return friendlyLatency(time.Duration(v * float64(time.Millisecond)))
	}
	return percent(v)
}

// visitSuccess is the share of finished visits with no failed step, and
// whether any visit finished.
func visitSuccess(res *loadgen.Results) (float64, bool) {
	var visits, failed int64
	for _, j := range res.Journeys {
		visits += j.Visits
		failed += j.Failed
	}
	if visits == 0 {
		return 0, false
	}
	return float64(visits-failed) / float64(visits), true
}

// readinessOf puts the judgement into words for people.
func readinessOf(doc Document) readiness {
	res, j := doc.Results, doc.Judgement
	if res.Scenario.IsSmoke() {
		return smokeReadiness(doc)
	}
	tp := planOf(doc)
	var r readiness
	switch j.Verdict {
	case Go:
		r.Word = "Ready"
		r.Sentence = "Ready: " + goClaim(doc, tp) + "."
		if s := outcomeSentence(res); s != "" {
			r.Sentence += " " + s
		}
		r.Next = goNext(doc, tp)
	case NoGo:
		r.Word = "Not ready"
		r.Sentence = fmt.Sprintf("Not ready: the site did not hold %s.", tp.phrase())
		for _, f := range j.Findings {
			if !f.Passed && f.TargetFault {
				r.Problems = append(r.Problems, plainProblem(f))
			}
		}
		if a := j.Aborted; a != nil {
			r.Problems = append([]string{plainAbort(a)}, r.Problems...)
		}
		if len(r.Problems) > 0 {
			r.Sentence += " " + r.Problems[0]
		}
		r.Onset = onset(doc, tp)
		r.Next = noGoNext()
	default:
		r.Word = "Not proven"
		r.Sentence = fmt.Sprintf("Not proven: this test cannot tell whether the site is ready for %s. The problem is with the test, not a finding about the site.", tp.phrase())
		if s := shortfall(doc, tp); s != "" {
			r.Sentence = fmt.Sprintf("Not proven: %s, so it cannot tell whether the site is ready. The problem is with the test, not a finding about the site.", s)
		}
		r.Next = inconclusiveNext(doc)
	}
	return r
}

// goNext says what a GO means for the launch, from the traffic the test
// reached, not the traffic it planned.
func goNext(doc Document, tp trafficPlan) []string {
	multiple := tp.Factor
	if reached, span := peakReached(doc.Results, doc.Plan, tp.TestedPeak); span > 0 && tp.ExpectedPeak > 0 {
		multiple = reached / tp.ExpectedPeak
	}
	next := []string{}
	switch {
	case tp.HasExpectation && multiple >= 1/peakShare:
		next = append(next, fmt.Sprintf("The site handled %s the traffic the campaign expects at its peak, so it has room for a stronger response than planned.", roughFactor(multiple)))
	case tp.HasExpectation && multiple < peakShare:
		next = append(next, fmt.Sprintf("The test reached only %s the traffic the campaign expects at its peak. Test at the full expected traffic or more (the scenario's load factor sets it) before relying on this result.", roughFactor(multiple)))
	default:
		next = append(next, "The test sent the planned traffic, with no margin above it. To learn how much room there is, test again with more traffic: twice the expected, for example (the scenario's load factor sets it).")
	}
	next = append(next, "Keep this report with the launch plan, and run the test again after any major change to the site.")
	return next
}

func noGoNext() []string {
	return []string{
		"Share this report with the engineering team. The sections below show which goals were missed, when, and on which pages.",
		"Fix or scale the site, then run this test again before the launch. If that cannot happen in time, plan the campaign for less traffic than was tested.",
	}
}

// onset says when trouble began and how much traffic the test was sending
// then: the most the site handled, for now.
func onset(doc Document, tp trafficPlan) string {
	at, ok := firstTrouble(doc)
	if !ok {
		return ""
	}
	rate := float64(doc.Plan.RateAt(at))
	s := fmt.Sprintf("Trouble began about %s into the test", offset(at))
	if rate > 0 && tp.TestedPeak > 0 {
		s += fmt.Sprintf(", when the test was sending about %s (%s of its peak", visitorRate(rate), percent(rate/tp.TestedPeak))
		if tp.HasExpectation && tp.ExpectedPeak > 0 {
			s += fmt.Sprintf("; %s the expected peak", factor(rate/tp.ExpectedPeak))
		}
		s += ")"
	}
	return s + "."
}

func inconclusiveNext(doc Document) []string {
	res, j := doc.Results, doc.Judgement
	var next []string
	if res.Interrupted {
		next = append(next, fmt.Sprintf("The test was stopped after %s of the planned %s. Run it to the end.", offset(res.Elapsed), offset(doc.Plan.Duration())))
	}
	if j.Health.MissedArrivals() {
		next = append(next, fmt.Sprintf("The load generator could not send all the planned visitors: %s of them never started, because it reached the scenario's limit of %s visitors at once. Allow more visitors at once (the reasons below name the setting).",
			percent(j.Health.MissedShare), count(int64(res.Scenario.MaxConcurrency))))
	}
	if j.Health.FellBehind() {
		next = append(next, fmt.Sprintf("The load generator fell behind its schedule (some requests left %s late), so the timings are not trustworthy. %s.", friendlyLatency(j.Health.LagP99), plainMachineAdvice))
	}
	if j.Health.FailedItself() {
		next = append(next, "The load generator could not send some requests itself (it ran out of connections or file handles, or a request's data was missing), so the site never saw them. "+plainMachineAdvice+".")
	}
	if j.Health.Stopped > 0 {
		next = append(next, "Some of the test's looping visitors ran out of test data and stopped early, so the site did not get the load it was meant to. Give the data file more rows.")
	}
	for _, l := range j.Health.Limits {
		if l == SignalCPU {
			next = append(next, "The load generator's machine was fully busy while its visitors looped, so they went only as fast as the generator could, not as fast as the site could. "+plainMachineAdvice+".")
		}
	}
	for _, f := range j.Findings {
		goal := lowerFirst(ruleInWords(f.Rule))
		switch {
		case (f.Passed && !f.Unproven) || f.TargetFault:
		case f.NoData:
			next = append(next, fmt.Sprintf("The goal “%s” could not be checked: nothing it covers was measured. Check that the scenario's journeys and phases match it.", goal))
		case f.Unproven:
			next = append(next, fmt.Sprintf("The goal “%s” was met, but in part of the test the load generator could not start all the planned visitors, so the site did not get all the load there.", goal))
		case f.Cause == SignalMissed || f.Cause == SignalInterrupted:
			next = append(next, fmt.Sprintf("The goal “%s” was missed only because not every visitor got to finish (the load generator could not start them all, or the test was stopped); the site served the visits that ran to the end.", goal))
		case f.Cause == SignalLag:
			next = append(next, fmt.Sprintf("The goal “%s” was missed, but the site's own response times met it: the slowness came from the load generator sending late.", goal))
		case f.Cause == SignalConnections:
			next = append(next, fmt.Sprintf("The goal “%s” was missed while the load generator was still opening its connections, which can explain the slowness. Run the test again; if it repeats, the site is slow to accept connections.", goal))
		default:
			next = append(next, fmt.Sprintf("The goal “%s” was missed, but the load generator's machine was too busy to read the site's answers on time, which can explain it. Run the test from a machine with spare CPU.", goal))
		}
	}
	if len(next) == 0 {
		next = append(next, "Run the test again.")
	}
	return next
}

// firstTrouble is the earliest time any failed rule broke its limit.
func firstTrouble(doc Document) (time.Duration, bool) {
	first, found := time.Duration(0), false
	for _, f := range doc.Judgement.Findings {
		if f.Passed || !f.TargetFault {
			continue
		}
		if at, ok := firstFailure(doc, f.Rule, f.Basis == BasisServiceTime); ok && (!found || at < first) {
			first, found = at, true
		}
	}
	return first, found
}

// plainProblem says what a failed finding means for visitors: "36% of
// requests failed (the goal is below 1%)."
func plainProblem(f Finding) string {
	s := plainMeasured(f.Rule, f.Measured)
	if f.To > 0 && !strings.HasPrefix(f.Where, "worst") {
		s += fmt.Sprintf(" between %s and %s into the test", offset(f.From), offset(f.To))
	}
	s += " (" + plainGoal(f) + ")."
	return strings.ToUpper(s[:1]) + s[1:]
}

// plainMeasured says what a rule's metric came to: "12% of requests
// failed", "95% of requests took up to 2.1 seconds to answer".
func plainMeasured(r scenario.Rule, measured float64) string {
	who, unit := plainScope(r), unitOf(r.Metric)
	switch r.Metric {
	case scenario.MetricErrorRate:
		return fmt.Sprintf("%s of %s failed", percent(measured), who)
	case scenario.MetricThroughput:
		return fmt.Sprintf("only %s of %s completed their visit", percent(measured), who)
	case scenario.MetricMax:
		return fmt.Sprintf("the slowest %s took %s", strings.Replace(who, "requests", "request", 1), friendlyValue(measured, unit))
	case scenario.MetricMean:
		return fmt.Sprintf("%s took %s on average", who, friendlyValue(measured, unit))
	}
	return fmt.Sprintf("%s%% of %s took up to %s to answer", quantile(r), who, friendlyValue(measured, unit))
}

// plainScope names who a rule is about: "requests", "requests in the
// checkout journey", "requests during the peak phase"; visitors for
// throughput, successful requests for latency.
func plainScope(r scenario.Rule) string {
	noun := "requests"
	switch {
	case r.Metric == scenario.MetricThroughput:
		noun = "visitors"
	case r.Metric.IsLatency():
		noun = "successful requests" // failed requests are timed apart: they are not answers
	}
	switch {
	case r.Phase != "":
		return fmt.Sprintf("%s during the %s phase", noun, r.Phase)
	case r.Step != "":
		return fmt.Sprintf("%s to %q in the %s journey", noun, r.Step, r.Journey)
	case r.Journey != "":
		return fmt.Sprintf("%s in the %s journey", noun, r.Journey)
	}
	return noun
}

// quantile is a percentile rule's quantile as written: "95", "99.9".
func quantile(r scenario.Rule) string { return strconv.FormatFloat(r.Quantile, 'f', -1, 64) }

// plainGoal states a finding's limit as a goal: "the goal is 250 ms".
func plainGoal(f Finding) string {
	limit := friendlyValue(f.Limit, f.Unit())
	if f.Implicit {
		return "no goal allows these failures"
	}
	switch f.Rule.Metric {
	case scenario.MetricErrorRate:
		return "the goal is below " + limit
	case scenario.MetricThroughput:
		return "the goal is at least " + limit
	}
	return "the goal is " + limit
}

// ruleInWords says what a rule asks for: "95% of requests answered within
// 250 ms", "fewer than 1% of requests fail". Rules with an unusual
// comparison keep their own text.
func ruleInWords(r scenario.Rule) string {
	if r.Text == ImplicitErrorRule {
		return "no request fails outside the error-rate goals"
	}
	who := plainScope(r)
	lower := r.Op == scenario.Less || r.Op == scenario.LessEqual
	var s string
	switch {
	case r.Metric == scenario.MetricErrorRate && lower:
		s = fmt.Sprintf("fewer than %s of %s fail", r.Ratio, who)
	case r.Metric == scenario.MetricThroughput && !lower:
		s = fmt.Sprintf("at least %s of %s complete their visit", r.Ratio, who)
	case r.Metric == scenario.MetricPercentile && lower:
		s = fmt.Sprintf("%s%% of %s answered within %s", quantile(r), who, friendlyLatency(r.Latency))
	case r.Metric == scenario.MetricMax && lower:
		s = fmt.Sprintf("%s answered within %s", strings.Replace(who, "requests", "every request", 1), friendlyLatency(r.Latency))
	case r.Metric == scenario.MetricMean && lower:
		s = fmt.Sprintf("%s answered in %s on average", who, friendlyLatency(r.Latency))
	default:
		return r.Text
	}
	if r.Window > 0 {
		s += ", in every " + stretchLength(r.Window) + " stretch of the test"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
