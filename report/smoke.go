package report

import (
	"fmt"
	"strings"

	"github.com/liftoff/liftoff/loadgen"
)

// A smoke test (liftoff run --smoke) sends one visitor per journey and no
// load, as a pre-flight before the load test: do the journeys work
// against this target, with these credentials and this data? Its verdict
// answers that, and only that:
//
//   - GO: every journey ran once and every step passed its checks.
//   - NO-GO: a journey failed on what the target did (a status the step
//     did not expect, a failed check or capture, a refused or reset
//     connection, a timeout).
//   - INCONCLUSIVE: a journey did not run to its end (the run was
//     interrupted, its requests cut off at the halt, or its unique data
//     file had no row), or every failure was the generator's own (a
//     template that could not be rendered, the scenario's fault, or no
//     local port or file descriptor left): nothing of it reached the
//     target.
//
// SLO rules are not judged: one request per step says nothing about a
// percentile, an error rate under load or throughput. The generator's
// health is not judged either, with no schedule to keep up with.

// evaluateSmoke judges a smoke test's results.
func evaluateSmoke(doc Document) Judgement {
	res := doc.Results
	j := Judgement{Interrupted: res.Interrupted, Smoke: true}
	failed := smokeFailures(res)
	var unfinished []string
	for _, jr := range res.Journeys {
		if jr.Failed == 0 && jr.Visits == 0 {
			unfinished = append(unfinished, fmt.Sprintf("Journey %s did not run to its end.", jr.Name))
		}
	}
	if res.Arrivals.Exhausted > 0 {
		unfinished = append(unfinished, fmt.Sprintf("%s of the journeys found no row left in their unique data file.", count(res.Arrivals.Exhausted)))
	}
	var targetErrors int64
	for _, c := range loadgen.ErrorClasses() {
		if c.Failed() && !c.Generator() {
			targetErrors += res.Classes.Of(c)
		}
	}
	switch {
	case len(failed) > 0 && targetErrors > 0:
		j.Verdict = NoGo
		j.Reasons = append(j.Reasons, failed...)
		j.Reasons = append(j.Reasons, "Errors: "+classList(res)+".")
	case len(failed) > 0:
		j.Verdict = Inconclusive
		j.Reasons = append(j.Reasons, failed...)
		if res.Classes.Of(loadgen.ClassTemplate) == res.Errors {
			j.Reasons = append(j.Reasons, "Each failure was a template that could not be rendered, so nothing was sent: the scenario failed, not the target.")
		} else {
			j.Reasons = append(j.Reasons, "Each failure was the generator's own, so none reached the target: "+classList(res)+".")
		}
	case len(unfinished) > 0 || res.Interrupted:
		j.Verdict = Inconclusive
	default:
		j.Verdict = Go
		j.Reasons = append(j.Reasons, fmt.Sprintf("Smoke test: each of the %s ran once, and every step passed its checks.", journeys(len(res.Journeys))))
	}
	j.Reasons = append(j.Reasons, unfinished...)
	if res.Interrupted {
		j.Reasons = append(j.Reasons, "The smoke test was interrupted.")
	}
	j.Reasons = append(j.Reasons, "SLO rules are not judged in a smoke test: it sends one visitor per journey and no load.")
	return j
}

// smokeFailures says which journeys failed, one sentence each.
func smokeFailures(res *loadgen.Results) []string {
	var out []string
	for _, jr := range res.Journeys {
		if jr.Failed > 0 {
			out = append(out, fmt.Sprintf("Journey %s failed at %s.", jr.Name, failedSteps(res, jr.Name)))
		}
	}
	return out
}

// failedSteps names the steps of a journey that failed: "step cart", or
// "steps login and cart" when visits failed at different steps.
func failedSteps(res *loadgen.Results, journey string) string {
	var steps []string
	for _, k := range res.Keys {
		if k.Key.Journey == journey && k.Key.Step != "" && k.Errors > 0 {
			steps = append(steps, k.Key.Step)
		}
	}
	switch len(steps) {
	case 0:
		return "a step"
	case 1:
		return "step " + steps[0]
	}
	return "steps " + strings.Join(steps[:len(steps)-1], ", ") + " and " + steps[len(steps)-1]
}

// classList counts the run's errors by class: "1 5xx (the target answered
// with a 5xx status), 1 timeout (…)". Requests cut off at the halt did not
// fail and are not listed.
func classList(res *loadgen.Results) string {
	var parts []string
	for _, c := range loadgen.ErrorClasses() {
		if n := res.Classes.Of(c); n > 0 && c.Failed() {
			parts = append(parts, fmt.Sprintf("%s %s (%s)", count(n), c, c.Description()))
		}
	}
	return strings.Join(parts, ", ")
}

// journeys counts journeys in words: "1 journey", "3 journeys".
func journeys(n int) string { return count(int64(n)) + " journey" + pluralS(n) }

// smokeReadiness puts a smoke test's verdict into words for people: it
// says the site works, or does not, and never that it is ready for the
// campaign's traffic, which a smoke test did not send.
func smokeReadiness(doc Document) readiness {
	j := doc.Judgement
	var r readiness
	next := "This was a smoke test: one visitor per journey, no load. Run the load test for a verdict on the campaign's traffic."
	switch j.Verdict {
	case Go:
		r.Word = "Works"
		r.Sentence = "Works: every visitor journey ran once on the site and passed its checks."
		r.Next = []string{next}
	case NoGo:
		r.Word = "Broken"
		r.Sentence = "Broken: a visitor journey failed on the site, with no load at all."
		r.Problems = smokeFailures(doc.Results)
		r.Next = []string{"Fix what failed before running the load test: under load it would only fail harder.", next}
	default:
		r.Word = "Not proven"
		r.Sentence = "Not proven: the smoke test did not get through every journey. The problem is with the test, not a finding about the site."
		r.Next = []string{"Check the scenario's templates and data files, then run the smoke test again.", next}
	}
	return r
}

// smokeCases are a smoke test's JUnit cases: one per journey, failed when
// its visit failed, an error when it did not run to its end.
func smokeCases(doc Document, t string) []junitCase {
	res := doc.Results
	var out []junitCase
	for _, jr := range res.Journeys {
		c := junitCase{Name: "journey " + jr.Name + " works", Classname: "liftoff.smoke", Time: t}
		switch {
		case jr.Failed > 0:
			c.Failure = &junitProblem{Type: "smoke", Message: fmt.Sprintf("journey %s failed at %s", jr.Name, failedSteps(res, jr.Name)),
				Body: "errors: " + classList(res) + "\n"}
		case jr.Visits == 0:
			c.Error = &junitProblem{Type: "smoke", Message: fmt.Sprintf("journey %s did not run to its end", jr.Name)}
		default:
			c.SystemOut = &junitBody{Text: fmt.Sprintf("one visit of %s, every step passed its checks\n", jr.Name)}
		}
		out = append(out, c)
	}
	return out
}

// overridesLine is the command line's overrides as they were given,
// secrets redacted ("--target https://staging.example.com -e
// SHOP_TOKEN=[redacted] --load-factor 3x"), or "" when there were none.
func overridesLine(doc Document) string {
	return strings.Join(doc.Results.Scenario.Overrides.Flags(), " ")
}

// smokeRan says what a smoke test ran, in place of the plan's length.
func smokeRan(doc Document) string {
	return fmt.Sprintf("smoke test of %s: one visitor per journey, no load, %s", journeys(len(doc.Results.Journeys)), offset(doc.Results.Elapsed))
}

// smokeVerdictLine is a smoke test's verdict in one line.
func smokeVerdictLine(j Judgement) string {
	switch j.Verdict {
	case Go:
		return "GO: every journey works against the target (a smoke test: no load was sent)."
	case NoGo:
		return "NO-GO: a journey failed against the target, with no load at all (a smoke test)."
	}
	return "INCONCLUSIVE: the smoke test did not get through every journey."
}
