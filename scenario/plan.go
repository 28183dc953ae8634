package scenario

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// This file is the rate curve's one home: the plan and its phases, the
// one linear interpolation between corners, the cumulative Λ with its
// inverse, and every operation that reads or reshapes the curve. Campaign
// shapes (campaign.go, replay.go) produce curves, windows (window.go)
// choose and transform them, loadgen's Schedule reads them through
// Cumulative; none of them interpolates or integrates on its own.

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

// Phase is one named stretch of the traffic plan. An open-model phase has a
// rate (optionally ramping linearly to RampTo); a closed-model phase has
// Concurrency visitors that loop their journeys for the whole Duration.
type Phase struct {
	Name        string
	Start       time.Duration // offset from the start of the run
	Duration    time.Duration
	Rate        Rate // visitors per second at the start of the phase
	RampTo      Rate // visitors per second at the end; equal to Rate when the phase does not ramp
	Concurrency int  // closed model: looping visitors; 0 for an open-model phase
	Line        int
}

// Closed reports whether the phase is a closed-model phase.
func (p Phase) Closed() bool { return p.Concurrency > 0 }

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

// interpolate is the rate at t on the segment from corner a to corner b,
// where the rate is linear; on a step (a and b at the same time) it is the
// rate after the step.
func interpolate(a, b Point, t time.Duration) Rate {
	if b.At == a.At {
		return b.Rate
	}
	f := float64(t-a.At) / float64(b.At-a.At)
	return Rate(float64(a.Rate) + f*float64(b.Rate-a.Rate))
}

// crossing is where the segment from a to b crosses rate thr: the inverse
// of interpolate.
func crossing(a, b Point, thr Rate) time.Duration {
	if b.At == a.At || a.Rate == b.Rate {
		return b.At
	}
	f := float64(thr-a.Rate) / float64(b.Rate-a.Rate)
	return a.At + time.Duration(f*float64(b.At-a.At))
}

// RateAt returns the planned visitor rate at offset t. At a step the rate
// after the step wins.
func (p Plan) RateAt(t time.Duration) Rate {
	c := p.Curve
	if len(c) == 0 || t < c[0].At || t > c[len(c)-1].At {
		return 0
	}
	for i := len(c) - 1; i > 0; i-- {
		if a, b := c[i-1], c[i]; t >= a.At && t <= b.At {
			return interpolate(a, b, t)
		}
	}
	return c[0].Rate
}

// rateAfter is the rate just after t: at a step, the rate after it.
func (p Plan) rateAfter(t time.Duration) Rate { return p.RateAt(t) }

// rateBefore is the rate just before t: at a step, the rate before it.
func (p Plan) rateBefore(t time.Duration) Rate {
	c := p.Curve
	if len(c) == 0 || t <= c[0].At || t > c[len(c)-1].At {
		return p.RateAt(t)
	}
	i, _ := slices.BinarySearchFunc(c, t, func(pt Point, t time.Duration) int { return cmp.Compare(pt.At, t) })
	// c[i] is the first corner at or after t, and c[i-1] is before t, so
	// the segment between them carries the rate just before t.
	return interpolate(c[i-1], c[i], t)
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

// MaxRateBetween is the highest planned visitor rate from offset a to b,
// steps included; charts use it so that no peak falls between columns.
func (p Plan) MaxRateBetween(a, b time.Duration) Rate {
	if b < a || len(p.Curve) == 0 {
		return 0
	}
	top := max(p.rateAfter(a), p.rateBefore(b))
	for _, pt := range p.Curve {
		if pt.At > a && pt.At < b {
			top = max(top, pt.Rate)
		}
	}
	return top
}

// area is the number of arrivals expected between corners a and b of one
// segment: its width times the mean of its two end rates, exact for a
// linear rate.
func area(a, b Point) float64 {
	return (b.At - a.At).Seconds() * float64(a.Rate+b.Rate) / 2
}

// Visitors is the expected number of open-model arrivals over the whole
// plan: the integral of the rate curve.
func (p Plan) Visitors() float64 {
	return p.VisitorsBetween(0, p.Duration())
}

// VisitorsBetween is the integral of the rate curve from offset a to b:
// Λ(b) − Λ(a). It adds up the segments between a and b rather than
// subtracting two values of Λ, so a short stretch late in a long plan
// keeps every digit.
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
		total += area(Point{At: lo, Rate: interpolate(c[i-1], c[i], lo)}, Point{At: hi, Rate: interpolate(c[i-1], c[i], hi)})
	}
	return total
}

// Cumulative is Λ, the integral of a plan's visitor rate from its start:
// Λ(t) is the number of arrivals expected by t. At answers how many
// arrivals are due by a time, Inverse when a number of them is due, which
// is how loadgen's Schedule places each arrival. It is built once, for
// fast repeated lookups.
type Cumulative struct {
	curve []Point
	sum   []float64 // sum[i] = Λ(curve[i].At)
}

// Cumulative returns Λ of the plan's rate curve.
func (p Plan) Cumulative() Cumulative {
	c := Cumulative{curve: p.Curve, sum: make([]float64, len(p.Curve))}
	for i := 1; i < len(p.Curve); i++ {
		c.sum[i] = c.sum[i-1] + area(p.Curve[i-1], p.Curve[i])
	}
	return c
}

// Total is Λ at the curve's last corner: every arrival the plan expects.
func (c Cumulative) Total() float64 {
	if len(c.sum) == 0 {
		return 0
	}
	return c.sum[len(c.sum)-1]
}

// At returns Λ(t).
func (c Cumulative) At(t time.Duration) float64 {
	cv := c.curve
	if len(cv) == 0 || t <= cv[0].At {
		return 0
	}
	if t >= cv[len(cv)-1].At {
		return c.sum[len(cv)-1]
	}
	// i is the first corner after t; the segment before it holds t.
	i, _ := slices.BinarySearchFunc(cv, t, func(pt Point, t time.Duration) int {
		if pt.At <= t {
			return -1
		}
		return 1
	})
	a, b := cv[i-1], cv[i]
	x := (t - a.At).Seconds()
	slope := float64(b.Rate-a.Rate) / (b.At - a.At).Seconds()
	return c.sum[i-1] + x*float64(a.Rate) + slope*x*x/2
}

// Inverse returns the earliest time t where Λ(t) reaches u, and false
// when the plan expects fewer than u arrivals in all.
//
// On the segment that holds t the rate is linear:
// Λ(t0+x) = Λ0 + r0·x + a·x²/2. The root is taken in the form
// x = 2Δ / (r0 + √(r0² + 2aΔ)), which stays accurate when a is tiny or
// negative, and needs no special case for a constant rate.
func (c Cumulative) Inverse(u float64) (time.Duration, bool) {
	if len(c.sum) < 2 {
		return 0, false
	}
	// i is the first corner by which u arrivals are due.
	j, _ := slices.BinarySearch(c.sum[1:], u)
	i := j + 1
	if i >= len(c.sum) {
		return 0, false
	}
	a, b := c.curve[i-1], c.curve[i]
	width := (b.At - a.At).Seconds()
	delta := u - c.sum[i-1]
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
	return a.At + time.Duration(x*float64(time.Second)), true
}

// scaled multiplies every rate of the plan by f, and the looping visitors
// of closed-model phases too (rounded, at least one); times stay.
func (p Plan) scaled(f float64) Plan {
	if f == 1 {
		return p
	}
	out := Plan{Phases: slices.Clone(p.Phases), Curve: slices.Clone(p.Curve)}
	for i := range out.Phases {
		ph := &out.Phases[i]
		ph.Rate, ph.RampTo = Rate(float64(ph.Rate)*f), Rate(float64(ph.RampTo)*f)
		if ph.Concurrency > 0 {
			ph.Concurrency = max(1, int(math.Round(float64(ph.Concurrency)*f)))
		}
	}
	for i := range out.Curve {
		out.Curve[i].Rate = Rate(float64(out.Curve[i].Rate) * f)
	}
	return out
}

// Share is the part of the plan that some of count segments send
// together (liftoff run --segment): each segment sends one count-th of
// every open-model rate, and closed-model visitors are dealt round-robin,
// visitor v to segment v mod count (ShareOf). indexes are the segments'
// numbers, from 0; a plan shared by one segment, or by all, is itself.
func (p Plan) Share(indexes []int, count int) Plan {
	if count <= 1 || len(indexes) >= count {
		return p
	}
	out := p.scaled(float64(len(indexes)) / float64(count))
	for i, ph := range p.Phases {
		if ph.Closed() {
			n := 0
			for _, index := range indexes {
				n += ShareOf(ph.Concurrency, index, count)
			}
			out.Phases[i].Concurrency = n
		}
	}
	return out
}

// ShareOf is how many of n items dealt round-robin to count segments
// segment index gets: item i goes to segment i mod count.
func ShareOf(n, index, count int) int {
	if count <= 1 {
		return n
	}
	if index < 0 || index >= count || n <= index {
		return 0
	}
	return (n-index-1)/count + 1
}

// compress replays the plan in d: every time is scaled by d/Duration,
// every rate stays.
func (p Plan) compress(d time.Duration) Plan {
	total := p.Duration()
	k := float64(d) / float64(total)
	at := func(t time.Duration) time.Duration {
		if t >= total {
			return d
		}
		return time.Duration(math.Round(float64(t) * k))
	}
	var out Plan
	for _, ph := range p.Phases {
		start, end := at(ph.Start), at(ph.Start+ph.Duration)
		ph.Start, ph.Duration = start, end-start
		out.Phases = append(out.Phases, ph)
	}
	for _, pt := range p.Curve {
		out.Curve = append(out.Curve, Point{At: at(pt.At), Rate: pt.Rate})
	}
	return out
}

// slice returns the part of the plan from a to b, shifted to start at 0:
// the phases that overlap it, cut to it, and the curve between, with a
// corner at each end.
func (p Plan) slice(a, b time.Duration) Plan {
	var out Plan
	for _, ph := range p.Phases {
		from, to := max(a, ph.Start), min(b, ph.Start+ph.Duration)
		if to <= from {
			continue
		}
		if !ph.Closed() {
			ph.Rate, ph.RampTo = p.rateAfter(from), p.rateBefore(to)
		}
		ph.Start, ph.Duration = from-a, to-from
		out.Phases = append(out.Phases, ph)
	}
	out.Curve = append(out.Curve, Point{At: 0, Rate: p.rateAfter(a)})
	for _, pt := range p.Curve {
		if pt.At > a && pt.At < b {
			out.Curve = append(out.Curve, Point{At: pt.At - a, Rate: pt.Rate})
		}
	}
	out.Curve = append(out.Curve, Point{At: b - a, Rate: p.rateBefore(b)})
	return out
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
