package report

import (
	"fmt"
	"strings"

	"github.com/liftoff/liftoff/loadgen"
	"github.com/liftoff/liftoff/scenario"
)

// A run whose requests fail is never GO unless an error_rate rule allows
// the failures. Each failed request the target answered for must fall in
// the scope of at least one error_rate rule: a rule without a scope
// covers every request; a journey (or journey/step) rule covers that
// journey's (or step's) requests; a phase rule covers the requests that
// completed in the timeline intervals overlapping its phase, as the rule
// itself measures them. The covering rules judge the failures they cover
// (and pass or fail on their own); failures no rule covers are judged
// against an implicit limit of 0%, as the finding ImplicitErrorRule.
// Requests the generator failed itself (ErrorClass.Generator) are its
// own, and count in its health instead.

// ImplicitErrorRule is the text of the finding that judges the failed
// requests no error_rate rule covers.
const ImplicitErrorRule = "error_rate <= 0% outside every error_rate rule"

// uncoveredErrors judges the target's failed requests outside every
// error_rate rule's scope. ok is false when there are none, which needs
// no finding.
func uncoveredErrors(doc Document) (f Finding, ok bool) {
	res := doc.Results
	var errRules []scenario.Rule
	for _, r := range doc.Rules {
		if r.Metric != scenario.MetricErrorRate {
			continue
		}
		if r.Journey == "" && r.Phase == "" {
			return Finding{}, false // one rule covers every request
		}
		errRules = append(errRules, r)
	}
	var errors, requests int64
	for k, kr := range res.Keys {
		if kr.Key.Step == "" || kr.TargetErrors() == 0 {
			continue // step keys only: each request counts once
		}
		e, n := uncoveredOfKey(doc, errRules, k)
		errors += e
		requests += n
	}
	if errors == 0 {
		return Finding{}, false
	}
	rule := scenario.Rule{Text: ImplicitErrorRule, Metric: scenario.MetricErrorRate, Op: scenario.LessEqual}
	return Finding{
		Rule: rule, Basis: BasisRequests, Samples: requests, TargetFault: true, Implicit: true,
		Measured: float64(errors) / float64(requests),
	}, true
}

// uncoveredOfKey counts a step key's target errors, and the requests that
// reached the target, that no rule in rules covers.
func uncoveredOfKey(doc Document, rules []scenario.Rule, k int) (errors, requests int64) {
	res := doc.Results
	key := res.Keys[k].Key
	var phases []scenario.Rule
	for _, r := range rules {
		if r.Journey != "" && (r.Journey != key.Journey || (r.Step != "" && r.Step != key.Step)) {
			continue
		}
		if r.Phase == "" {
			return 0, 0 // a journey or step rule covers the whole key
		}
		phases = append(phases, r)
	}
	if len(phases) == 0 || len(res.Timeline) == 0 {
		return res.Keys[k].TargetErrors(), res.Keys[k].TargetRequests()
	}
	covered := map[int]bool{}
	for _, r := range phases {
		from, to := ruleRange(doc, r)
		for _, i := range intervalsIn(res, from, to) {
			covered[i] = true
		}
	}
	for i, iv := range res.Timeline {
		if ik, ok := iv.Key(k); ok && !covered[i] {
			errors += ik.TargetErrors()
			requests += ik.TargetRequests()
		}
	}
	return errors, requests
}

// uncoveredSentence explains the implicit finding: how many requests
// failed outside every error_rate rule, and how.
func uncoveredSentence(res *loadgen.Results, f Finding) string {
	failed := int64(f.Measured*float64(f.Samples) + 0.5)
	var classes []string
	for _, c := range loadgen.ErrorClasses() {
		if n := res.Classes.Of(c); n > 0 && c.Failed() && !c.Generator() {
			classes = append(classes, fmt.Sprintf("%s %s", count(n), c))
		}
	}
	s := fmt.Sprintf("%s of %s requests (%s) failed outside every error_rate rule", count(failed), count(f.Samples), percent(f.Measured))
	if len(classes) > 0 {
		s += " (the run's failures: " + strings.Join(classes, ", ") + ")"
	}
	return s + ". A run whose requests fail is not ready unless an error_rate rule allows that share."
}
