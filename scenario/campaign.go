package scenario

import (
	"fmt"
	"math"
	"time"
)

// Campaign is traffic.campaign: the marketing numbers a plan is derived
// from. Parse fills every field it can derive, so Visitors and PeakRate are
// set whichever of audience × response, visitors or peak the file gave.
type Campaign struct {
	Shape    Shape
	Audience float64       // people the campaign reaches; 0 when the file gave visitors or peak instead
	Response Ratio         // share of the audience that visits; 0 with Audience
	Visitors float64       // expected visitors over Duration
	PeakRate Rate          // expected peak visitor rate
	PeakAt   time.Duration // when the peak comes, after the campaign's start
	Duration time.Duration
	Data     string        // custom shape: the CSV file, relative to the scenario
	Interval time.Duration // custom shape: the export's interval, one row's worth of time
	Start    string        // custom shape: the first row's time as the export writes it, campaign time 0
	Line     int
}

// Shape is the family of a campaign's traffic curve. Each shape is a
// relative rate f(t) on [0, duration] whose maximum, 1, falls at peak_at;
// the visitor rate is f scaled so that its integral is the expected
// visitors. The formulas are documented at each profile function and in
// docs/campaigns.md.
type Shape string

// Campaign shapes.
const (
	ShapeEmailBlast    Shape = "email-blast"
	ShapeTVSpot        Shape = "tv-spot"
	ShapeSocialViral   Shape = "social-viral"
	ShapeProductLaunch Shape = "product-launch"
	ShapeFlashSale     Shape = "flash-sale"
	ShapeSteady        Shape = "steady"
	ShapeCustom        Shape = "custom"
)

// Shapes lists every shape, in the order documentation shows them.
func Shapes() []Shape {
	return []Shape{ShapeEmailBlast, ShapeTVSpot, ShapeSocialViral, ShapeProductLaunch, ShapeFlashSale, ShapeSteady, ShapeCustom}
}

// Description says in plain words what the shape models, for reports that
// marketing reads.
func (s Shape) Description() string {
	switch s {
	case ShapeEmailBlast:
		return "an email send: a fast rise after the send, then a long decay as opens trickle in for hours"
	case ShapeTVSpot:
		return "a TV or radio spot: a near-vertical spike right after airing that decays within minutes"
	case ShapeSocialViral:
		return "a post that spreads: a slow start, accelerating growth, a broad peak, then a decline"
	case ShapeProductLaunch:
		return "a launch: a crowd gathers before the start, a thundering herd at the start, then a plateau"
	case ShapeFlashSale:
		return "a sale: traffic steps up when it opens, holds a plateau with a rush at the peak, and steps down when it closes"
	case ShapeSteady:
		return "a constant rate"
	case ShapeCustom:
		return "a replay of recorded traffic from a CSV export"
	}
	return ""
}

// needsPeakAt reports whether the shape takes peak_at; steady has no peak
// and custom takes its peak from the data.
func (s Shape) needsPeakAt() bool { return s != ShapeSteady && s != ShapeCustom }

// peakAtMayBeZero reports whether the peak may come at the very start: a
// launch or sale may open with its rush, while a send or an airing takes
// time to bring visitors.
func (s Shape) peakAtMayBeZero() bool { return s == ShapeProductLaunch || s == ShapeFlashSale }

// phaseNames names the stretches before, at and after the peak.
func (s Shape) phaseNames() [3]string {
	switch s {
	case ShapeProductLaunch:
		return [3]string{"waiting", "peak", "plateau"}
	case ShapeFlashSale:
		return [3]string{"opening", "peak", "plateau"}
	}
	return [3]string{"rise", "peak", "tail"}
}

// Shape constants. They are part of the documented formulas; changing one
// changes every plan of its shape.
const (
	launchCrowd   = 0.2  // product-launch: the waiting crowd's rate just before T0, relative to the herd
	launchPlateau = 0.25 // product-launch: the plateau the herd decays to, relative to the herd
	saleRushWidth = 0.1  // flash-sale: the rush's half-width, as a share of the duration
)

// profile is a shape's relative rate f(t) over [0, T], t in seconds, with
// maximum 1 at the peak. It is made of pieces, each smooth on its closed
// interval; where two pieces meet with different values the rate steps.
type profile struct {
	pieces []piece
	area   float64 // ∫₀ᵀ f(t) dt in seconds, exact (closed form)
}

type piece struct {
	from, to float64
	f        func(t float64) float64
	linear   bool // f is linear on the piece: its two ends are its corners
}

// profileOf returns the profile of an analytic shape (not custom) with
// peak at p and duration T, both in seconds. The caller has checked
// 0 <= p < T (0 < p for shapes that cannot peak at the start).
func profileOf(s Shape, p, T float64) profile {
	switch s {
	case ShapeEmailBlast:
		return emailBlast(p, T)
	case ShapeTVSpot:
		return tvSpot(p, T)
	case ShapeSocialViral:
		return socialViral(p, T)
	case ShapeProductLaunch:
		return productLaunch(p, T)
	case ShapeFlashSale:
		return flashSale(p, T)
	}
	return steady(T)
}

// emailBlast: the rate rises linearly from the send to the peak, then falls
// as the inverse square of the time since the send:
//
//	f(t) = t/p        0 <= t <= p
//	f(t) = (p/t)²     p <= t <= T
//	∫₀ᵀ f = p/2 + p·(1 − p/T)
//
// The rate halves by 1.41p and is a hundredth of the peak at 10p, so with
// the peak 20 minutes after the send, visitors still trickle in three hours
// later; two thirds of them come after the peak.
func emailBlast(p, T float64) profile {
	return profile{
		pieces: []piece{
			{from: 0, to: p, f: func(t float64) float64 { return t / p }, linear: true},
			{from: p, to: T, f: func(t float64) float64 { return (p / t) * (p / t) }},
		},
		area: p/2 + p*(1-p/T),
	}
}

// tvSpot: the rate rises linearly from the airing to the peak, a minute or
// two later, then decays exponentially with the same time scale:
//
//	f(t) = t/p             0 <= t <= p
//	f(t) = e^(−(t−p)/p)    p <= t <= T
//	∫₀ᵀ f = p/2 + p·(1 − e^(−(T−p)/p))
//
// Viewers act at once or not at all: with the peak 90 seconds after
// airing, the rate is a tenth of the peak 5 minutes after airing.
func tvSpot(p, T float64) profile {
	return profile{
		pieces: []piece{
			{from: 0, to: p, f: func(t float64) float64 { return t / p }, linear: true},
			{from: p, to: T, f: func(t float64) float64 { return math.Exp(-(t - p) / p) }},
		},
		area: p/2 + p*(1-math.Exp(-(T-p)/p)),
	}
}

// socialViral: the visitors so far grow as a logistic curve (each share
// brings more until the audience saturates), so the rate is the logistic
// curve's derivative, sech², with its own time scale on each side of the
// peak, s₁ = p/8 before and s₂ = (T−p)/8 after:
//
//	f(t) = sech²((t−p)/(2s₁))    0 <= t <= p
//	f(t) = sech²((t−p)/(2s₂))    p <= t <= T
//	∫₀ᵀ f = 2s₁·tanh(4) + 2s₂·tanh(4) = (T/4)·tanh(4)
//
// The rate starts at sech²(4) = 0.13% of the peak and ends there, so the
// whole life of the post fits in the duration.
func socialViral(p, T float64) profile {
	s1, s2 := p/8, (T-p)/8
	sech2 := func(x float64) float64 { c := math.Cosh(x); return 1 / (c * c) }
	return profile{
		pieces: []piece{
			{from: 0, to: p, f: func(t float64) float64 { return sech2((t - p) / (2 * s1)) }},
			{from: p, to: T, f: func(t float64) float64 { return sech2((t - p) / (2 * s2)) }},
		},
		area: 2*s1*math.Tanh(4) + 2*s2*math.Tanh(4),
	}
}

// productLaunch: a crowd gathers before the launch at T0 = p, growing
// exponentially with time scale w = p/3 to b = 0.2 of the herd; at T0 the
// rate steps up to the herd, which decays with time scale τ = (T−p)/10 to a
// plateau of c = 0.25:
//
//	f(t) = b·e^((t−p)/w)            0 <= t < p
//	f(t) = c + (1−c)·e^(−(t−p)/τ)   p <= t <= T
//	∫₀ᵀ f = b·w·(1 − e^(−3)) + c·(T−p) + (1−c)·τ·(1 − e^(−10))
func productLaunch(p, T float64) profile {
	b, c := launchCrowd, launchPlateau
	w, tau := p/3, (T-p)/10
	var pr profile
	if p > 0 {
		pr.pieces = append(pr.pieces, piece{from: 0, to: p, f: func(t float64) float64 { return b * math.Exp((t-p)/w) }})
		pr.area = b * w * (1 - math.Exp(-3))
	}
	pr.pieces = append(pr.pieces, piece{from: p, to: T, f: func(t float64) float64 { return c + (1-c)*math.Exp(-(t-p)/tau) }})
	pr.area += c*(T-p) + (1-c)*tau*(1-math.Exp(-10))
	return pr
}

// flashSale: the rate steps up when the sale opens at 0 to a plateau of
// 1/2 and steps down when it closes at T; a rush of half-width h = T/10
// doubles it at p:
//
//	f(t) = (1 + max(0, 1 − |t−p|/h)) / 2    0 <= t <= T
//	∫₀ᵀ f = (T + h − max(0, h−p)²/(2h) − max(0, p+h−T)²/(2h)) / 2
//
// f is piecewise linear, so the plan follows it exactly.
func flashSale(p, T float64) profile {
	h := saleRushWidth * T
	f := func(t float64) float64 { return (1 + max(0, 1-math.Abs(t-p)/h)) / 2 }
	knots := []float64{0, max(0, p-h), p, min(T, p+h), T}
	var pr profile
	for i := 1; i < len(knots); i++ {
		if knots[i] > knots[i-1] {
			pr.pieces = append(pr.pieces, piece{from: knots[i-1], to: knots[i], f: f, linear: true})
		}
	}
	cutL, cutR := max(0, h-p), max(0, p+h-T)
	pr.area = (T + h - cutL*cutL/(2*h) - cutR*cutR/(2*h)) / 2
	return pr
}

// steady: f(t) = 1, ∫₀ᵀ f = T.
func steady(T float64) profile {
	return profile{pieces: []piece{{from: 0, to: T, f: func(float64) float64 { return 1 }, linear: true}}, area: T}
}

// at returns f(t), taking the piece that starts at t where two meet, as
// the plan's RateAt does at a step.
func (pr profile) at(t float64) float64 {
	for i := len(pr.pieces) - 1; i >= 0; i-- {
		if pc := pr.pieces[i]; t >= pc.from && t <= pc.to {
			return pc.f(t)
		}
	}
	return 0
}

// Sampling bounds. sampleTolerance is the largest gap, relative to the
// peak, allowed between the shape and its piecewise-linear plan at the
// midpoint of a segment; maxCorners bounds the plan so that results files
// and the scheduler stay small.
const (
	sampleTolerance = 1e-5
	maxCorners      = 2000
	initialSegments = 16 // per smooth piece, before refinement
	maxDepth        = 24 // bisections of one initial segment
)

// corner is one sampled point of a profile, t in seconds.
type corner struct{ t, v float64 }

// sample returns corners of a piecewise-linear approximation of the
// profile: linear pieces exactly, smooth pieces refined by bisection until
// every segment's midpoint is within tol of the line. Where pieces meet
// with different values both corners are kept, making a step. It gives up
// as soon as it has more than maxCorners corners, so a coarser tolerance
// can be tried without building a huge curve first.
func (pr profile) sample(tol float64) []corner {
	var out []corner
	add := func(c corner) {
		if n := len(out); n > 0 && out[n-1] == c {
			return
		}
		out = append(out, c)
	}
	for _, pc := range pr.pieces {
		add(corner{pc.from, pc.f(pc.from)})
		if pc.linear {
			add(corner{pc.to, pc.f(pc.to)})
			continue
		}
		step := (pc.to - pc.from) / initialSegments
		for i := range initialSegments {
			a := pc.from + float64(i)*step
			b := a + step
			if i == initialSegments-1 {
				b = pc.to
			}
			out = refine(out, pc.f, corner{a, pc.f(a)}, corner{b, pc.f(b)}, tol, maxDepth)
		}
		if len(out) > maxCorners {
			return out
		}
	}
	return out
}

// refine appends the corners after a up to and including b.
func refine(out []corner, f func(float64) float64, a, b corner, tol float64, depth int) []corner {
	m := (a.t + b.t) / 2
	fm := f(m)
	if depth == 0 || len(out) > maxCorners || math.Abs(fm-(a.v+b.v)/2) <= tol {
		return append(out, b)
	}
	mid := corner{m, fm}
	out = refine(out, f, a, mid, tol, depth-1)
	return refine(out, f, mid, b, tol, depth-1)
}

// curveOf turns sampled corners of relative rate into plan corners whose
// integral, Λ at the last corner as the scheduler computes it (Cumulative),
// is exactly visitors. Rates are first scaled by visitors/area, the exact
// integral of the shape, then by the tiny factor that corrects the
// piecewise-linear approximation, so the plan sends what the shape
// promises to the last visitor.
func curveOf(cs []corner, area, visitors float64) []Point {
	out := make([]Point, len(cs))
	for i, c := range cs {
		out[i] = Point{At: Seconds(c.t), Rate: Rate(c.v * visitors / area)}
	}
	if got := (Plan{Curve: out}).Cumulative().Total(); got > 0 {
		fix := visitors / got
		for i := range out {
			out[i].Rate *= Rate(fix)
		}
	}
	return out
}

// sampleBounded samples the profile as finely as sampleTolerance asks,
// coarsening until the plan has at most maxCorners corners.
func (pr profile) sampleBounded() []corner {
	tol := sampleTolerance
	for {
		cs := pr.sample(tol)
		if len(cs) <= maxCorners {
			return cs
		}
		tol *= 4
	}
}

// campaignPlan builds the expected plan of an analytic campaign: the curve,
// and the phases named after the shape. c.Visitors must be set.
func campaignPlan(c Campaign) Plan {
	pr := profileOf(c.Shape, c.PeakAt.Seconds(), c.Duration.Seconds())
	return shapedPlan(pr.sampleBounded(), pr.area, c.Visitors, c.Shape, c.Line)
}

// shapedPlan builds a campaign plan from sampled corners of relative rate
// whose exact integral is area.
func shapedPlan(cs []corner, area, visitors float64, s Shape, line int) Plan {
	plan := Plan{Curve: curveOf(cs, area, visitors)}
	plan.Phases = campaignPhases(plan.Curve, s, line)
	return plan
}

// campaignPhases splits a campaign curve into named stretches for people
// and for phase-scoped SLO rules. A stretch is busy where the rate is at
// least halfway between the curve's lowest and highest rate; busy
// stretches less than a twentieth of the campaign apart are one. The busy
// stretch with the highest rate is "peak"; other busy stretches, which
// only custom data has, are "busy", "busy 2", … and the quiet stretches
// between them "lull", "lull 2", …. The quiet stretches before and after
// take the shape's names (rise and tail for most). Boundaries are rounded
// to the second on campaigns of two minutes or more, as people read them.
// A curve with no peak (steady) is one phase named after its shape.
func campaignPhases(curve []Point, s Shape, line int) []Phase {
	end := curve[len(curve)-1].At
	lo, hi := curve[0].Rate, curve[0].Rate
	var topAt time.Duration
	for _, pt := range curve {
		lo = min(lo, pt.Rate)
		if pt.Rate > hi {
			hi, topAt = pt.Rate, pt.At
		}
	}
	if hi-lo <= hi*1e-9 {
		return []Phase{phaseOf(curve, string(s), 0, end, line)}
	}
	busy := busyStretches(curve, (lo+hi)/2, end/20)
	if end >= 2*time.Minute {
		for i, b := range busy {
			// A spike shorter than a second keeps its exact bounds rather
			// than vanish.
			if from, to := b[0].Round(time.Second), b[1].Round(time.Second); to > from {
				busy[i] = [2]time.Duration{from, to}
			}
		}
	}
	names := s.phaseNames()
	var out []Phase
	add := func(name string, from, to time.Duration) {
		if to > from {
			out = append(out, phaseOf(curve, name, from, to, line))
		}
	}
	others, lulls := 0, 0
	at := time.Duration(0)
	for i, b := range busy {
		switch {
		case i == 0:
			add(names[0], at, b[0])
		case b[0] > at:
			lulls++
			add(numbered("lull", lulls), at, b[0])
		}
		if topAt >= b[0] && topAt <= b[1] {
			add(names[1], b[0], b[1])
		} else {
			others++
			add(numbered("busy", others), b[0], b[1])
		}
		at = b[1]
	}
	add(names[2], at, end)
	return out
}

// busyStretches returns the stretches of the curve where the rate is at
// least thr, joining those less than join apart.
func busyStretches(curve []Point, thr Rate, join time.Duration) [][2]time.Duration {
	var out [][2]time.Duration
	inside := curve[0].Rate >= thr
	var from time.Duration
	for i := 1; i < len(curve); i++ {
		a, b := curve[i-1], curve[i]
		if now := b.Rate >= thr; now != inside {
			x := crossing(a, b, thr)
			if inside {
				out = append(out, [2]time.Duration{from, x})
			} else {
				from = x
			}
			inside = now
		}
	}
	if inside {
		out = append(out, [2]time.Duration{from, curve[len(curve)-1].At})
	}
	var joined [][2]time.Duration
	for _, st := range out {
		if n := len(joined); n > 0 && st[0]-joined[n-1][1] < join {
			joined[n-1][1] = st[1]
			continue
		}
		joined = append(joined, st)
	}
	return joined
}

// numbered names the n-th of a kind: "busy", "busy 2", "busy 3".
func numbered(name string, n int) string {
	if n == 1 {
		return name
	}
	return fmt.Sprintf("%s %d", name, n)
}

// phaseOf describes the stretch [from, to) of a curve as an open-model
// phase: Rate and RampTo are the rates at its two ends.
func phaseOf(curve []Point, name string, from, to time.Duration, line int) Phase {
	p := Plan{Curve: curve}
	return Phase{Name: name, Start: from, Duration: to - from, Rate: p.rateAfter(from), RampTo: p.rateBefore(to), Line: line}
}
