package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/liftoff/liftoff/loadgen"
	"github.com/liftoff/liftoff/scenario"
)

// This file holds what the first screen claims about the traffic: the
// headline, the key numbers and the advice. A claim states what the run
// reached, not what it planned: a GO names the visitor rate the
// generator started at the plan's peak and how long that lasted, the
// peak card sets what was reached beside the plan, and a latency figure
// says it covers the requests that succeeded and shows the ones that
// failed. Words here avoid the scenario's keys and the engineers' terms;
// the reasons and tables below the first screen keep those.

// machineAdvice is what to do when one machine cannot send the load,
// for the reasons (engineers): a bigger machine, or the test split over
// several (segments), naming the commands and the README section that
// shows how, so it is something a user can do today.
const machineAdvice = "Run it on a machine with more CPU cores, or split it over several machines: liftoff run --segment I/N on each, then liftoff merge (the README's \"Bigger than one machine\")"

// plainMachineAdvice is machineAdvice for people who do not run commands.
const plainMachineAdvice = "Run it on a more powerful computer, or split the test over several computers (the README's \"Bigger than one machine\" shows how)"

// adviceSection is the README section the advice points to.
const adviceSection = "Bigger than one machine"

// peakShare is how close to the plan's peak rate the plan must be for a
// stretch to count as the peak: one second of Poisson arrivals is too
// noisy to be called a peak, so the peak is the stretch around it.
const peakShare = 0.95

// peakReached is the visitor rate the generator started while the plan
// was at its peak (within peakShare), averaged over that stretch, and
// the stretch's length; a zero span when the timeline does not cover it.
func peakReached(res *loadgen.Results, plan scenario.Plan, peak float64) (perSecond float64, span time.Duration) {
	var arrivals int64
	for _, iv := range res.Timeline {
		mid := iv.Offset + res.Interval/2
		if mid < plan.Duration() && float64(plan.RateAt(mid)) >= peakShare*peak {
			arrivals += iv.Arrivals
			span += res.Interval
		}
	}
	if span == 0 {
		return 0, 0
	}
	return float64(arrivals) / span.Seconds(), span
}

// reachedPlan reports whether a rate reached the plan's: within
// peakShare of it, as Poisson arrivals scatter.
func reachedPlan(reached, planned float64) bool { return reached >= peakShare*planned }

// goClaim is what a GO proved, after "Ready: ": "the site handled 58
// visitors a second for 4 seconds, 1.6× the expected peak of 36 visitors
// a second (81% of the 72 visitors a second the test planned)".
func goClaim(doc Document, tp trafficPlan) string {
	if tp.TestedPeak == 0 {
		return "the site handled " + tp.phrase()
	}
	reached, span := peakReached(doc.Results, doc.Plan, tp.TestedPeak)
	if span == 0 {
		return "the site handled " + tp.phrase()
	}
	s := fmt.Sprintf("the site handled %s for %s", visitorRate(reached), friendlyLength(span))
	switch {
	case tp.HasExpectation && tp.ExpectedPeak > 0:
		s += ", " + tp.comparedToExpected(reached)
	case !reachedPlan(reached, tp.TestedPeak):
	case tp.Shape != "":
		s += fmt.Sprintf(", the expected %speak", tp.shapeWord())
	default:
		s += ", the planned peak"
	}
	if !reachedPlan(reached, tp.TestedPeak) {
		s += fmt.Sprintf(" (%s of the %s the test planned)", percent(reached/tp.TestedPeak), visitorRate(tp.TestedPeak))
	}
	return s
}

// comparedToExpected sets a reached visitor rate against the campaign's
// expected peak: "2× the expected email-blast peak of 43 visitors a
// second", or "the expected peak of …" when the two are about the same.
func (tp trafficPlan) comparedToExpected(reached float64) string {
	peak := fmt.Sprintf("the expected %speak of %s", tp.shapeWord(), visitorRate(tp.ExpectedPeak))
	if f := reached / tp.ExpectedPeak; f < 1/peakShare && f >= peakShare {
		return peak
	}
	return roughFactor(reached/tp.ExpectedPeak) + " " + peak
}

// roughFactor formats a measured multiple to one decimal: "2×", "1.6×".
// Measured rates scatter; two decimals would claim a precision they do
// not have.
func roughFactor(f float64) string {
	return trimZeros(strconv.FormatFloat(f, 'f', 1, 64)) + "×"
}

// outcomeSentence sums up what visitors saw: "99.8% of visits succeeded;
// 95% of successful requests were answered within 240 ms; 0.2% of
// requests failed." Latency describes the successful requests only, so
// the failures are said beside it.
func outcomeSentence(res *loadgen.Results) string {
	var parts []string
	if share, ok := visitSuccess(res); ok {
		parts = append(parts, percent(share)+" of visits succeeded")
	}
	if len(res.Keys) > 0 && res.Keys[0].Latency.Count() > 0 {
		parts = append(parts, "95% of successful requests were answered within "+friendlyLatency(res.Keys[0].Latency.Percentile(95)))
	}
	if res.Errors > 0 && res.Requests > 0 {
		parts = append(parts, percent(res.ErrorRate())+" of requests failed")
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, "; ") + "."
}

// cards are the first screen's big numbers.
func cards(doc Document, tp trafficPlan) []card {
	res, j := doc.Results, doc.Judgement
	var out []card
	if share, ok := visitSuccess(res); ok {
		var visits int64
		for _, jr := range res.Journeys {
			visits += jr.Visits
		}
		out = append(out, card{Label: "Visits that succeeded", Value: percent(share), Detail: "of " + count(visits) + " visits",
			Tone: cardTone(j, is(scenario.MetricThroughput))})
	}
	if len(res.Keys) > 0 && res.Keys[0].Latency.Count() > 0 {
		out = append(out, latencyCard(res, j))
	}
	if res.Requests > 0 {
		out = append(out, card{Label: "Requests that failed", Value: percent(res.ErrorRate()), Detail: count(res.Errors) + " of " + count(res.Requests),
			Tone: cardTone(j, is(scenario.MetricErrorRate))})
	}
	switch {
	case tp.TestedPeak > 0:
		out = append(out, peakCard(doc, tp))
	case tp.Closed > 0:
		out = append(out, card{Label: "Traffic tested", Value: count(int64(tp.Closed)), Detail: "visitors at once", Tone: "info"})
	}
	return out
}

// latencyCard is the response time 95% of the successful requests stayed
// within. Failed requests are not answers: when some failed, the card
// says how many and is never green, whatever the latency goals said.
func latencyCard(res *loadgen.Results, j Judgement) card {
	c := card{Label: "Answered within", Value: friendlyLatency(res.Keys[0].Latency.Percentile(95)),
		Detail: "for 95% of the requests that succeeded", Tone: cardTone(j, scenario.Metric.IsLatency)}
	if res.Errors > 0 {
		c.Detail += fmt.Sprintf("; %s of requests failed and are not counted here", percent(res.ErrorRate()))
		if c.Tone == "good" || c.Tone == "" {
			c.Tone = "warn"
		}
	}
	return c
}

// peakCard sets the visitor rate reached at the plan's peak beside the
// plan's: "21/s reached, of 60/s planned (35%)".
func peakCard(doc Document, tp trafficPlan) card {
	planned := shortRate(tp.TestedPeak) + " planned"
	if tp.HasExpectation && !nearlyOne(tp.Factor) {
		planned += " (" + factor(tp.Factor) + " the expected peak)"
	}
	reached, span := peakReached(doc.Results, doc.Plan, tp.TestedPeak)
	if span == 0 {
		return card{Label: "Peak traffic tested", Value: shortRate(tp.TestedPeak), Detail: "visitors a second planned; none measured", Tone: "warn"}
	}
	c := card{Label: "Peak traffic tested", Value: shortRate(reached), Tone: "info",
		Detail: fmt.Sprintf("visitors a second for %s, of %s", friendlyLength(span), planned)}
	if !reachedPlan(reached, tp.TestedPeak) {
		c.Detail = fmt.Sprintf("visitors a second reached, %s of the %s", percent(reached/tp.TestedPeak), planned)
		c.Tone = "warn"
	}
	return c
}

// shortfall says how far a run fell short of its planned peak, for the
// headline of a run that cannot prove anything: "the test reached only
// 21 of the planned 60 visitors a second (35%)". Empty when it reached
// the plan.
func shortfall(doc Document, tp trafficPlan) string {
	if tp.TestedPeak == 0 {
		return ""
	}
	reached, span := peakReached(doc.Results, doc.Plan, tp.TestedPeak)
	if span == 0 || reachedPlan(reached, tp.TestedPeak) {
		return ""
	}
	planned := visitorRate(tp.TestedPeak)
	n, unit, _ := strings.Cut(planned, " ")
	return fmt.Sprintf("the test reached only %s of the planned %s %s (%s)", rateIn(reached, unit), n, unit, percent(reached/tp.TestedPeak))
}

// rateIn writes a visitor rate in the unit visitorRate chose for another
// ("visitors a second", "visitor a minute"), so the two read as one
// comparison.
func rateIn(perSecond float64, unit string) string {
	switch {
	case strings.HasSuffix(unit, "a minute"):
		perSecond *= 60
	case strings.HasSuffix(unit, "an hour"):
		perSecond *= 3600
	}
	if perSecond >= 10 {
		return count(int64(perSecond + 0.5))
	}
	return trimZeros(strconv.FormatFloat(perSecond, 'f', 1, 64))
}
