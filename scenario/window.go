package scenario

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Window is traffic.window: which part of the expected traffic a test
// sends, and how fast. The zero value is the full window.
type Window struct {
	Kind   WindowKind
	Length time.Duration // the test's length; 0 for the full window
}

// WindowKind says how a window turns expected traffic into a test.
type WindowKind string

// Window kinds.
const (
	// WindowFull tests the whole expected traffic, as long as it lasts.
	WindowFull WindowKind = "full"
	// WindowPeak tests the busiest stretch of Length: the one with the
	// most expected visitors.
	WindowPeak WindowKind = "peak"
	// WindowCompressed replays the whole expected traffic in Length,
	// faster: the curve keeps its shape and its peak rate, and so sends
	// fewer visitors (expected × Length / duration).
	WindowCompressed WindowKind = "compressed"
)

// IsFull reports whether the window tests the whole traffic as expected.
func (w Window) IsFull() bool { return w.Kind == "" || w.Kind == WindowFull }

// String writes the window as a scenario does: "full", "peak 15m",
// "compressed 10m". ParseWindow reads it back.
func (w Window) String() string {
	if w.IsFull() {
		return string(WindowFull)
	}
	return string(w.Kind) + " " + FormatDuration(w.Length)
}

// ParseWindow reads "full", "peak DURATION" or "compressed DURATION".
func ParseWindow(s string) (Window, error) {
	fields := strings.Fields(s)
	hint := "write full, peak DURATION (e.g. peak 15m) or compressed DURATION (e.g. compressed 10m)"
	if len(fields) == 0 {
		return Window{}, &unitError{msg: "empty window", hint: hint}
	}
	kind := WindowKind(fields[0])
	switch {
	case kind == WindowFull && len(fields) == 1:
		return Window{Kind: WindowFull}, nil
	case kind == WindowFull:
		return Window{}, &unitError{msg: fmt.Sprintf("window %q: full takes no duration", s), hint: "write full, or peak " + fields[1]}
	case kind != WindowPeak && kind != WindowCompressed:
		return Window{}, &unitError{msg: fmt.Sprintf("unknown window %q", s), hint: hint}
	case len(fields) != 2:
		return Window{}, &unitError{msg: fmt.Sprintf("window %q needs one duration", s), hint: fmt.Sprintf("e.g. %s 15m", kind)}
	}
	d, err := ParseDuration(fields[1])
	if err != nil {
		return Window{}, &unitError{msg: fmt.Sprintf("window %q: %v", s, err)}
	}
	if d < time.Second {
		return Window{}, &unitError{msg: fmt.Sprintf("window %q is shorter than a second", s), hint: fmt.Sprintf("e.g. %s 15m", kind)}
	}
	return Window{Kind: kind, Length: d}, nil
}

// LoadFactor is traffic.load_factor: the test sends the expected rates
// times this factor ("2x" tests twice the expected traffic). Durations do
// not change. The zero value means 1.
type LoadFactor float64

// maxLoadFactor bounds load_factor: beyond it a typo is likelier than a
// plan.
const maxLoadFactor = 1000

// Value returns the factor, 1 when unset.
func (f LoadFactor) Value() float64 {
	if f == 0 {
		return 1
	}
	return float64(f)
}

// String writes the factor as a scenario does: "2x", "1.5x". It keeps
// every digit, so ParseLoadFactor reads back the same factor.
func (f LoadFactor) String() string { return strconv.FormatFloat(f.Value(), 'f', -1, 64) + "x" }

// ParseLoadFactor reads "2x", "1.5x" or "2×".
func ParseLoadFactor(s string) (LoadFactor, error) {
	text := strings.TrimSpace(s)
	num, ok := strings.CutSuffix(text, "x")
	if !ok {
		num, ok = strings.CutSuffix(text, "×")
	}
	if !ok {
		if _, err := parseNumber(text); err == nil {
			return 0, &unitError{msg: fmt.Sprintf("load factor %q has no x", s), hint: fmt.Sprintf("write %sx", text)}
		}
		return 0, &unitError{msg: fmt.Sprintf("invalid load factor %q", s), hint: "write a multiple of the expected traffic, e.g. 2x or 1.5x"}
	}
	v, err := parseNumber(strings.TrimSpace(num))
	switch {
	case err != nil:
		return 0, &unitError{msg: fmt.Sprintf("invalid load factor %q", s), hint: "write a multiple of the expected traffic, e.g. 2x or 1.5x"}
	case v <= 0:
		return 0, &unitError{msg: fmt.Sprintf("load factor %q must be above 0x", s), hint: "1x tests the expected traffic, 2x twice as much"}
	case v > maxLoadFactor:
		return 0, &unitError{msg: fmt.Sprintf("load factor %q is above %dx", s, maxLoadFactor)}
	}
	return LoadFactor(v), nil
}

// checkWindow says what is wrong with applying w to a plan of length
// total, or "" when nothing is.
func checkWindow(w Window, plan Plan) (msg, hint string) {
	total := plan.Duration()
	if w.IsFull() || total == 0 {
		return "", ""
	}
	if w.Length > total {
		return fmt.Sprintf("window %s is longer than the traffic's %s", w, FormatDuration(total)),
			fmt.Sprintf("use full, or a window of at most %s", FormatDuration(total))
	}
	if w.Kind == WindowPeak && plan.Visitors() == 0 {
		return fmt.Sprintf("window %s picks the busiest stretch by arrivals, and every phase is closed-model", w), "use full or compressed"
	}
	return "", ""
}

// testedPlan turns expected traffic into the plan a test sends: the
// window first, then the load factor. start is where the test's time 0
// falls in expected time; with a compressed window, expected time runs
// expected.Duration()/w.Length times faster than the test's.
func testedPlan(expected Plan, w Window, lf LoadFactor) (tested Plan, start time.Duration) {
	tested = expected
	switch {
	case w.IsFull() || w.Length >= expected.Duration():
	case w.Kind == WindowPeak:
		start = busiestStart(expected, w.Length)
		tested = expected.slice(start, start+w.Length)
	case w.Kind == WindowCompressed:
		tested = expected.compress(w.Length)
	}
	return tested.scaled(lf.Value()), start
}

// busiestStart returns the start s of the busiest stretch [s, s+d] of the
// plan, the one with the most expected arrivals; the earliest of equals.
// On plans of two minutes or more it is rounded to the second, as people
// read it; that costs at most half a second's arrivals at either end.
//
// The arrivals in the stretch, g(s) = Λ(s+d) − Λ(s) with Λ the integral of
// the rate, have derivative g'(s) = r(s+d) − r(s). Between the points where
// s or s+d meets a corner of the curve, both rates are linear in s, so g is
// quadratic there and its maximum is at an end or where g' falls through
// zero. Checking those candidates finds the exact maximum.
func busiestStart(p Plan, d time.Duration) time.Duration {
	last := p.Duration() - d
	if last <= 0 {
		return 0
	}
	cum := p.Cumulative()
	cand := []time.Duration{0, last}
	for _, pt := range p.Curve {
		for _, s := range []time.Duration{pt.At, pt.At - d} {
			if s > 0 && s < last {
				cand = append(cand, s)
			}
		}
	}
	slices.Sort(cand)
	cand = slices.Compact(cand)
	n := len(cand)
	for i := 1; i < n; i++ {
		s0, s1 := cand[i-1], cand[i]
		g0 := float64(p.rateAfter(s0+d) - p.rateAfter(s0))
		g1 := float64(p.rateBefore(s1+d) - p.rateBefore(s1))
		if g0 > 0 && g1 < 0 {
			cand = append(cand, s0+time.Duration(float64(s1-s0)*g0/(g0-g1)))
		}
	}
	slices.Sort(cand)
	best, bestAt := -1.0, time.Duration(0)
	for _, s := range cand {
		v := cum.At(s+d) - cum.At(s)
		// Ties within rounding go to the earliest stretch, so a flat
		// plateau starts its window where the plateau starts.
		if v > best*(1+1e-12)+1e-12 {
			best, bestAt = v, s
		}
	}
	if p.Duration() >= 2*time.Minute {
		bestAt = min(max(0, bestAt.Round(time.Second)), last.Truncate(time.Second))
	}
	return bestAt
}
