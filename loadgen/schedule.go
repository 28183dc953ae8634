package loadgen

import (
	"math/rand/v2"
	"time"

	"github.com/liftoff/liftoff/scenario"
)

// Schedule turns a plan's rate curve into intended arrival offsets. It is
// pure: offsets depend only on the plan, the arrival process and the seed,
// never on a clock, so the same seed gives the same schedule.
//
// Both processes are built the same way. Let Λ(t) be the integral of the
// planned rate, the expected number of arrivals by t. Arrival k happens at
// the time where Λ reaches u_k:
//
//	uniform: u_k = k + ½              (evenly spaced in expected arrivals)
//	poisson: u_k = E_1 + … + E_k      (E_i independent exponential, mean 1)
//
// Mapping a unit-rate Poisson process through Λ⁻¹ gives a Poisson process
// whose rate follows the curve exactly, ramps included. Λ and its inverse
// are the plan's (scenario.Cumulative); the schedule only draws the u_k.
type Schedule struct {
	cum     scenario.Cumulative
	poisson bool
	rng     *rand.Rand
	u       float64 // Λ target of the next arrival
}

// NewSchedule returns the schedule of plan's open-model arrivals.
func NewSchedule(plan scenario.Plan, arrivals scenario.Arrivals, seed uint64) *Schedule {
	s := &Schedule{cum: plan.Cumulative(), poisson: arrivals != scenario.Uniform}
	if s.poisson {
		s.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
		s.u = s.rng.ExpFloat64()
	} else {
		s.u = 0.5
	}
	return s
}

// Next returns the intended offset of the next arrival. ok is false once
// the plan has no more arrivals.
func (s *Schedule) Next() (at time.Duration, ok bool) {
	at, ok = s.cum.Inverse(s.u)
	if !ok {
		return 0, false
	}
	if s.poisson {
		s.u += s.rng.ExpFloat64()
	} else {
		s.u++
	}
	return at, true
}
