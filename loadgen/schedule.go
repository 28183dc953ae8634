package loadgen

import (
	"math"
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
// whose rate follows the curve exactly, ramps included.
type Schedule struct {
	curve   []scenario.Point
	cum     []float64 // cum[i] = Λ(curve[i].At)
	poisson bool
	rng     *rand.Rand
	u       float64 // Λ target of the next arrival
	seg     int     // curve segment the last arrival fell in
}

// NewSchedule returns the schedule of plan's open-model arrivals.
func NewSchedule(plan scenario.Plan, arrivals scenario.Arrivals, seed uint64) *Schedule {
	s := &Schedule{curve: plan.Curve, poisson: arrivals != scenario.Uniform, seg: 1}
	s.cum = make([]float64, len(s.curve))
	for i := 1; i < len(s.curve); i++ {
		a, b := s.curve[i-1], s.curve[i]
		s.cum[i] = s.cum[i-1] + (b.At-a.At).Seconds()*float64(a.Rate+b.Rate)/2
	}
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
	for s.seg < len(s.curve) && s.cum[s.seg] < s.u {
		s.seg++
	}
	if s.seg >= len(s.curve) {
		return 0, false
	}
	at = s.inverse(s.seg, s.u)
	if s.poisson {
		s.u += s.rng.ExpFloat64()
	} else {
		s.u++
	}
	return at, true
}

// inverse solves Λ(t) = u on curve segment i, where the rate is linear:
// Λ(t0+x) = Λ0 + r0·x + a·x²/2. The root is taken in the form
// x = 2Δ / (r0 + √(r0² + 2aΔ)), which stays accurate when a is tiny or
// negative, and needs no special case for a constant rate.
func (s *Schedule) inverse(i int, u float64) time.Duration {
	a, b := s.curve[i-1], s.curve[i]
	width := (b.At - a.At).Seconds()
	delta := u - s.cum[i-1]
	r0 := float64(a.Rate)
	slope := 0.0
	if width > 0 {
		slope = float64(b.Rate-a.Rate) / width
	}
	disc := math.Max(0, r0*r0+2*slope*delta)
	den := r0 + math.Sqrt(disc)
	x := width
	if den > 0 {
		x = math.Min(width, 2*delta/den)
	}
	return a.At + time.Duration(x*float64(time.Second))
}
