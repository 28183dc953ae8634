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
	total   float64 // Λ at the plan's end: u beyond it is no arrival
	poisson bool
	rng     *rand.Rand
	u       float64 // Λ target of arrival k
	k       int64   // the number of the next arrival, from 0
	last    int64   // the number of the arrival Next returned last
	segment Segment
}

// NewSchedule returns the schedule of plan's open-model arrivals.
func NewSchedule(plan scenario.Plan, arrivals scenario.Arrivals, seed uint64) *Schedule {
	s := &Schedule{cum: plan.Cumulative(), poisson: arrivals != scenario.Uniform, last: -1}
	s.total = s.cum.Total()
	if len(plan.Curve) < 2 {
		s.total = -1 // no curve, no arrival
	}
	if s.poisson {
		s.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
		s.u = s.rng.ExpFloat64()
	} else {
		s.u = 0.5
	}
	return s
}

// Segment makes the schedule one segment's share (see Segment): Next
// returns only the arrivals that are seg's, at the times the whole
// schedule gives them. It returns s.
func (s *Schedule) Segment(seg Segment) *Schedule {
	s.segment = seg
	return s
}

// Next returns the intended offset of the next arrival. ok is false once
// the plan has no more arrivals.
func (s *Schedule) Next() (at time.Duration, ok bool) {
	for !s.segment.owns(s.k) { // another segment's: draw it, place it not
		if !s.more() {
			return 0, false
		}
		s.step()
	}
	at, ok = s.cum.Inverse(s.u)
	if !ok {
		return 0, false
	}
	s.last = s.k
	s.step()
	return at, true
}

// Index is the number, in the whole plan's schedule and from 0, of the
// arrival Next returned last; -1 before the first. A segment's arrivals
// keep the numbers they have in the whole schedule.
func (s *Schedule) Index() int64 { return s.last }

// more reports whether arrival k exists: whether Λ reaches u_k within the
// plan, which is when Inverse finds it.
func (s *Schedule) more() bool { return s.u <= s.total }

// step draws the next arrival's u.
func (s *Schedule) step() {
	if s.poisson {
		s.u += s.rng.ExpFloat64()
	} else {
		s.u++
	}
	s.k++
}
