package probe

import (
	"fmt"

	"github.com/liftoff/liftoff/loadgen"
	"github.com/liftoff/liftoff/report"
	"github.com/liftoff/liftoff/scenario"
)

// finish reads the steps into the result: the knee, the break, what
// limited the probe, the verdict against Config.Require and the what-ifs.
func (r *Result) finish(sc *scenario.Scenario) {
	var last *Step
	for _, s := range r.Steps {
		switch s.Outcome {
		case Held:
			if r.Knee == nil || s.Factor > r.Knee.Factor {
				r.Knee = s
			}
		case Broke:
			if r.Breaking == nil || s.Factor < r.Breaking.Factor {
				r.Breaking = s
			}
		}
		last = s
	}
	need := r.Config.Require
	switch {
	case r.Breaking != nil:
		r.LimitedBy = ByTarget
		r.Degraded = degradedFirst(r.Knee, r.Breaking)
	case last != nil && last.Outcome == Limited:
		r.LimitedBy = ByGenerator
		r.GeneratorCeiling = last.Summary.AchievedRate
	default:
		r.LimitedBy = ByNone
	}
	switch {
	case r.Knee != nil && r.Knee.Factor >= need:
		r.Verdict = report.Go
	case r.Breaking != nil && r.Breaking.Factor <= need:
		r.Verdict = report.NoGo
	default:
		r.Verdict = report.Inconclusive
	}
	r.Reasons = r.reasons(last)
	r.WhatIfs = r.answer(sc)
}

// reasons say the verdict in sentences, the most important first.
func (r *Result) reasons(last *Step) []string {
	var out []string
	if r.Knee != nil {
		out = append(out, fmt.Sprintf("The target held %s the expected peak (%s visitors/s, %s requests/s measured).",
			FormatFactor(r.Knee.Factor), FormatRate(r.Knee.Visitors), FormatRate(r.Knee.Summary.AchievedRate)))
	}
	switch r.LimitedBy {
	case ByTarget:
		b := r.Breaking
		s := fmt.Sprintf("At %s it broke: %s", FormatFactor(b.Factor), b.Rule)
		if b.Measured != "" {
			s += " (measured " + b.Measured + ")"
		}
		if r.Degraded != "" {
			s += "; " + r.Degraded + " degraded first"
		}
		out = append(out, s+".")
		if r.Knee == nil {
			out = append(out, fmt.Sprintf("No step held, down to %s the expected peak.", FormatFactor(b.Factor)))
		}
		if last.Outcome == Limited || last.Outcome == Unjudged {
			out = append(out, fmt.Sprintf("The bisection stopped at %s, a step it could not judge (%s): the knee lies between the figures above, not within --precision.",
				FormatFactor(last.Factor), firstReason(last)))
		}
	case ByGenerator:
		out = append(out, fmt.Sprintf("At %s the generator's ceiling was reached at %s requests/s; spread the load (see segments): the target did not fail, so its limit is not known.",
			FormatFactor(last.Factor), FormatRate(r.GeneratorCeiling)))
	case ByNone:
		switch {
		case r.Interrupted:
			out = append(out, "The probe was interrupted before any step broke.")
		case last != nil && last.Outcome == Unjudged:
			out = append(out, fmt.Sprintf("The step at %s could not be judged: %s", FormatFactor(last.Factor), firstReason(last)))
		default:
			out = append(out, fmt.Sprintf("Every step up to --max %s held: the target's limit lies beyond it.", FormatFactor(r.Config.Max)))
		}
	}
	need := r.Config.Require
	switch r.Verdict {
	case report.Go:
		out = append(out, fmt.Sprintf("Headroom %s meets the required %s.", FormatFactor(r.Headroom()), FormatFactor(need)))
	case report.NoGo:
		out = append(out, fmt.Sprintf("Headroom %s is below the required %s.", FormatFactor(r.Headroom()), FormatFactor(need)))
	default:
		out = append(out, fmt.Sprintf("Whether the target holds the required %s is not known.", FormatFactor(need)))
	}
	if len(r.LeftRules) > 0 {
		out = append(out, fmt.Sprintf("%d SLO rule(s) scoped to phases other than %q were not judged: a step holds the peak's rate.", len(r.LeftRules), r.PeakPhase))
	}
	return out
}

func firstReason(s *Step) string {
	if s.Doc != nil && len(s.Doc.Judgement.Reasons) > 0 {
		return s.Doc.Judgement.Reasons[0]
	}
	return "no reason given"
}

// degradedFirst names the journey step that degraded most from the knee
// (or, with no knee, from nothing) to the break: the one whose error
// rate rose most, when some failed, else the one whose p95 grew most.
func degradedFirst(knee, breaking *Step) string {
	if breaking.Doc == nil {
		return ""
	}
	var base *loadgen.Results
	if knee != nil && knee.Doc != nil {
		base = knee.Doc.Results
	}
	res := breaking.Doc.Results
	bestErr, bestRatio := 0.0, 0.0
	var byErr, byRatio string
	for _, k := range res.Keys {
		if k.Key.Step == "" || k.Requests == 0 {
			continue
		}
		errRate := float64(k.Errors) / float64(k.Requests)
		p95 := float64(k.Latency.Percentile(95))
		baseErr, baseP95 := 0.0, 0.0
		if base != nil {
			if i := base.KeyIndex(k.Key); i >= 0 && base.Keys[i].Requests > 0 {
				bk := base.Keys[i]
				baseErr = float64(bk.Errors) / float64(bk.Requests)
				baseP95 = float64(bk.Latency.Percentile(95))
			}
		}
		if d := errRate - baseErr; d > bestErr {
			bestErr, byErr = d, k.Key.String()
		}
		ratio := p95
		if baseP95 > 0 {
			ratio = p95 / baseP95
		}
		if ratio > bestRatio {
			bestRatio, byRatio = ratio, k.Key.String()
		}
	}
	if bestErr > 0.01 {
		return byErr
	}
	return byRatio
}
