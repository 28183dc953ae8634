package scenario

import "time"

// Plan is the traffic to send over time: named phases for people, and the
// open-model visitor rate as a piecewise-linear curve for the scheduler.
// Every method is a pure function of the plan; nothing here reads a clock.
type Plan struct {
	// Phases are contiguous, in order, starting at 0.
	Phases []Phase
	// Curve holds the corners of the visitor rate over time, sorted by At.
	// Between two corners the rate is linear; two corners at the same At
	// make a step. Closed-model phases contribute a rate of zero.
	Curve []Point
}

// Point is one corner of the rate curve.
type Point struct {
	At   time.Duration
	Rate Rate
}

// Duration is the length of the whole plan.
func (p Plan) Duration() time.Duration {
	if len(p.Phases) == 0 {
		return 0
	}
	last := p.Phases[len(p.Phases)-1]
	return last.Start + last.Duration
}

// PhaseAt returns the index of the phase running at offset t, or -1 when t
// is outside the plan. A phase owns its start but not its end.
func (p Plan) PhaseAt(t time.Duration) int {
	for i, ph := range p.Phases {
		if t >= ph.Start && t < ph.Start+ph.Duration {
			return i
		}
	}
	return -1
}

// RateAt returns the planned visitor rate at offset t. At a step the rate
// after the step wins.
func (p Plan) RateAt(t time.Duration) Rate {
	c := p.Curve
	if len(c) == 0 || t < c[0].At || t > c[len(c)-1].At {
		return 0
	}
	for i := len(c) - 1; i > 0; i-- {
		a, b := c[i-1], c[i]
		if t >= a.At && t <= b.At {
			if b.At == a.At {
				return b.Rate
			}
			f := float64(t-a.At) / float64(b.At-a.At)
			return Rate(float64(a.Rate) + f*float64(b.Rate-a.Rate))
		}
	}
	return c[0].Rate
}

// Visitors is the expected number of open-model arrivals over the whole
// plan: the integral of the rate curve.
func (p Plan) Visitors() float64 {
	return p.VisitorsBetween(0, p.Duration())
}

// VisitorsBetween is the integral of the rate curve from offset a to b.
func (p Plan) VisitorsBetween(a, b time.Duration) float64 {
	if b <= a {
		return 0
	}
	total := 0.0
	c := p.Curve
	for i := 1; i < len(c); i++ {
		lo, hi := max(a, c[i-1].At), min(b, c[i].At)
		if hi <= lo {
			continue
		}
		// The rate is linear on [lo, hi]: the integral is the width times
		// the mean of the two end rates.
		total += (hi - lo).Seconds() * float64(p.rateOn(i, lo)+p.rateOn(i, hi)) / 2
	}
	return total
}

// rateOn is the rate at t on segment i (between corners i-1 and i), which
// differs from RateAt only at the segment's ends when they are steps.
func (p Plan) rateOn(i int, t time.Duration) Rate {
	a, b := p.Curve[i-1], p.Curve[i]
	if b.At == a.At {
		return b.Rate
	}
	f := float64(t-a.At) / float64(b.At-a.At)
	return Rate(float64(a.Rate) + f*float64(b.Rate-a.Rate))
}

// Peak returns the highest planned visitor rate and the first offset where
// it is reached.
func (p Plan) Peak() (rate Rate, at time.Duration) {
	for _, pt := range p.Curve {
		if pt.Rate > rate {
			rate, at = pt.Rate, pt.At
		}
	}
	return rate, at
}

// OpenDuration is the total length of the open-model phases, the time over
// which the planned rate applies.
func (p Plan) OpenDuration() time.Duration {
	var d time.Duration
	for _, ph := range p.Phases {
		if !ph.Closed() {
			d += ph.Duration
		}
	}
	return d
}

// MaxConcurrency is the largest closed-model phase's visitor count, 0 when
// the plan has no closed-model phase.
func (p Plan) MaxConcurrency() int {
	n := 0
	for _, ph := range p.Phases {
		n = max(n, ph.Concurrency)
	}
	return n
}

// planFromPhases lays the phases end to end and builds their rate curve.
func planFromPhases(phases []Phase) Plan {
	var plan Plan
	var at time.Duration
	for _, ph := range phases {
		ph.Start = at
		plan.Phases = append(plan.Phases, ph)
		from, to := ph.Rate, ph.RampTo
		if ph.Closed() {
			from, to = 0, 0
		}
		plan.Curve = append(plan.Curve, Point{At: at, Rate: from}, Point{At: at + ph.Duration, Rate: to})
		at += ph.Duration
	}
	plan.Curve = dropRedundantCorners(plan.Curve)
	return plan
}

// dropRedundantCorners removes a corner that repeats its neighbour exactly,
// which phases that continue at the same rate produce.
func dropRedundantCorners(c []Point) []Point {
	out := c[:0:0]
	for i, pt := range c {
		if i > 0 && pt == c[i-1] {
			continue
		}
		out = append(out, pt)
	}
	return out
}
