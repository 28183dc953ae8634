package scenario

import (
	"errors"
	"slices"
	"time"
)

// A probe (liftoff probe) measures how far past the expected peak the
// target holds. Each of its steps is one plan: the scenario's journeys,
// defaults and rules, with traffic held steady at the campaign's expected
// peak visitor rate times a load factor. A step is a plan like any other,
// so it runs, splits into segments and is judged like one.

// ErrNoPeak is the problem of a scenario whose expected traffic has no
// open-model rate to multiply: every phase is closed-model.
var ErrNoPeak = errors.New("the scenario plans no arrival rate to probe: every phase is closed-model (visitors:); give a phase a rate, or a campaign")

// PeakPhase is the expected traffic's peak visitor rate and the name of
// the phase it falls in: a probe step's phase carries that name, so
// rules scoped to it judge every step.
func (s *Scenario) PeakPhase() (Rate, string) {
	rate, at := s.Expected.Peak()
	if rate <= 0 {
		return 0, ""
	}
	for _, ph := range s.Expected.Phases {
		// A peak at a phase's end belongs to it (a ramp that ends there).
		if at >= ph.Start && at <= ph.Start+ph.Duration && !ph.Closed() {
			return rate, ph.Name
		}
	}
	return rate, "peak"
}

// ProbeRules splits rules into those a probe step judges (the scope is
// the whole run, a journey or a step, or the peak's phase) and those it
// leaves out: rules scoped to another phase, which a step at the peak
// rate does not have.
func (s *Scenario) ProbeRules(rules []Rule) (judged, left []Rule) {
	_, peak := s.PeakPhase()
	for _, r := range rules {
		if r.Phase == "" || r.Phase == peak {
			judged = append(judged, r)
		} else {
			left = append(left, r)
		}
	}
	return judged, left
}

// ProbeStep is the scenario of one probe step: the expected peak visitor
// rate × factor, held for d as one phase named after the peak's, with the
// rules ProbeRules keeps. Its expectation is the same phase at the
// expected peak, so every report of the step reads its factor. It fails
// with ErrNoPeak when there is no rate to multiply.
func (s *Scenario) ProbeStep(factor float64, d time.Duration) (*Scenario, error) {
	rate, name := s.PeakPhase()
	if rate <= 0 {
		return nil, ErrNoPeak
	}
	steady := func(f float64) Plan {
		r := Rate(float64(rate) * f)
		return planFromPhases([]Phase{{Name: name, Duration: d, Rate: r, RampTo: r}})
	}
	step := *s
	step.Plan, step.Expected, step.WindowStart = steady(factor), steady(1), 0
	step.Traffic.LoadFactor, step.Traffic.Window = LoadFactor(factor), Window{Kind: WindowFull}
	step.SLO, _ = s.ProbeRules(s.SLO)
	step.Abort, _ = s.ProbeRules(s.Abort)
	step.Journeys = slices.Clone(s.Journeys)
	return &step, nil
}
