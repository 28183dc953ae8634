package probe

import (
	"fmt"

	"github.com/liftoff/liftoff/scenario"
)

// A WhatIfAnswer weighs one campaign against the measured capacity: the
// scenario's own (the expected peak, 1×) and each --what-if.
type WhatIfAnswer struct {
	Campaign string  // "the expected peak", or the what-if as given
	Factor   float64 // the load factor it needs the target to hold; 0 when unknown
	Visitors float64 // its peak visitors/s
	// Covered: "yes" when the knee is at or above Factor, "no" when a
	// step at or below it broke, "unknown" otherwise.
	Covered string
	// Measured: Factor lies within the probed range (up to the highest
	// step run), so the answer is a measurement; otherwise it is an
	// estimate from the curve's end.
	Measured bool
	Sentence string
	Err      string // a what-if that cannot be weighed: why
}

// answer weighs the campaign's own peak and each what-if.
func (r *Result) answer(sc *scenario.Scenario) []WhatIfAnswer {
	out := []WhatIfAnswer{r.weigh("the expected peak", 1)}
	for _, w := range r.Config.WhatIfs {
		f, err := sc.WhatIfFactor(w)
		if err != nil {
			out = append(out, WhatIfAnswer{Campaign: w.Text, Covered: "unknown", Err: err.Error(), Sentence: fmt.Sprintf("%s: %v", w.Text, err)})
			continue
		}
		out = append(out, r.weigh(w.Text, f))
	}
	return out
}

// weigh answers one campaign needing load factor f.
func (r *Result) weigh(name string, f float64) WhatIfAnswer {
	a := WhatIfAnswer{Campaign: name, Factor: f, Visitors: float64(r.Peak) * f, Covered: "unknown"}
	highest := 0.0
	for _, s := range r.Steps {
		if s.Outcome == Held || s.Outcome == Broke {
			highest = max(highest, s.Factor)
		}
	}
	a.Measured = f <= highest
	need := fmt.Sprintf("%s needs %s visitors/s (%s the expected peak)", name, FormatRate(a.Visitors), FormatFactor(f))
	if name == "the expected peak" {
		need = fmt.Sprintf("The expected peak needs %s visitors/s", FormatRate(a.Visitors))
	}
	switch {
	case r.Knee != nil && r.Knee.Factor >= f:
		a.Covered = "yes"
		a.Sentence = fmt.Sprintf("%s: covered, measured (the step at %s held).", need, FormatFactor(r.Knee.Factor))
	case r.Breaking != nil && r.Breaking.Factor <= f:
		a.Covered = "no"
		if a.Measured {
			a.Sentence = fmt.Sprintf("%s: not covered, measured (the step at %s broke).", need, FormatFactor(r.Breaking.Factor))
		} else {
			a.Sentence = fmt.Sprintf("%s: not covered; beyond the probed range, and the step at %s already broke.", need, FormatFactor(r.Breaking.Factor))
		}
	case r.Breaking != nil:
		a.Sentence = fmt.Sprintf("%s: at the edge, between the knee and the break; too close to call at this precision.", need)
	case r.LimitedBy == ByGenerator:
		a.Sentence = fmt.Sprintf("%s: unknown, beyond what the generator could deliver (%s requests/s).", need, FormatRate(r.GeneratorCeiling))
	default:
		a.Sentence = fmt.Sprintf("%s: unknown, beyond the probed range.", need)
	}
	if r.LimitedBy == ByNone && r.Knee != nil && f > r.Knee.Factor && !r.Interrupted {
		a.Sentence = fmt.Sprintf("%s: not measured; an estimate only, beyond --max %s, where every step held.", need, FormatFactor(r.Config.Max))
	}
	return a
}
