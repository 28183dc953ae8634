package scenario

import (
	"math"
	"testing"
	"time"
)

func TestPlanFromPhases(t *testing.T) {
	t.Parallel()
	plan := planFromPhases([]Phase{
		{Name: "warm-up", Duration: time.Minute, Rate: 10, RampTo: 10},
		{Name: "blast", Duration: 2 * time.Minute, Rate: 10, RampTo: 400},
		{Name: "peak", Duration: time.Minute, Rate: 400, RampTo: 400},
		{Name: "soak", Duration: time.Minute, Concurrency: 20},
	})
	rates := []struct {
		at   time.Duration
		want Rate
	}{
		{0, 10},
		{30 * time.Second, 10},
		{time.Minute, 10},
		{2 * time.Minute, 205},
		{3 * time.Minute, 400},
		{3*time.Minute + 30*time.Second, 400},
		{4 * time.Minute, 0}, // a closed-model phase has no arrival rate
		{4*time.Minute + 30*time.Second, 0},
		{6 * time.Minute, 0},
	}
	for _, tc := range rates {
		if got := plan.RateAt(tc.at); math.Abs(float64(got-tc.want)) > 1e-9 {
			t.Errorf("RateAt(%v) = %v, want %v", tc.at, got, tc.want)
		}
	}
	if got := plan.Duration(); got != 5*time.Minute {
		t.Errorf("Duration() = %v, want 5m", got)
	}
	// 60s×10 + 120s×(10+400)/2 + 60s×400 = 600 + 24600 + 24000.
	if got, want := plan.Visitors(), 49200.0; math.Abs(got-want) > 1e-6 {
		t.Errorf("Visitors() = %v, want %v", got, want)
	}
	if got, want := plan.VisitorsBetween(90*time.Second, 150*time.Second), 60*(107.5+302.5)/2.0; math.Abs(got-want) > 1e-6 {
		t.Errorf("VisitorsBetween(90s, 150s) = %v, want %v", got, want)
	}
	if rate, at := plan.Peak(); rate != 400 || at != 3*time.Minute {
		t.Errorf("Peak() = %v at %v, want 400/s at 3m", rate, at)
	}
	if got := plan.OpenDuration(); got != 4*time.Minute {
		t.Errorf("OpenDuration() = %v, want 4m", got)
	}
	if got := plan.MaxConcurrency(); got != 20 {
		t.Errorf("MaxConcurrency() = %v, want 20", got)
	}
	phases := []struct {
		at   time.Duration
		want int
	}{{0, 0}, {59 * time.Second, 0}, {time.Minute, 1}, {4*time.Minute + time.Second, 3}, {5 * time.Minute, -1}}
	for _, tc := range phases {
		if got := plan.PhaseAt(tc.at); got != tc.want {
			t.Errorf("PhaseAt(%v) = %d, want %d", tc.at, got, tc.want)
		}
	}
}

// TestCumulative checks Λ both ways on a curve with a ramp, a step and a
// quiet stretch: At is the integral of the rate, Inverse finds where it
// reaches a count, and the two undo each other.
func TestCumulative(t *testing.T) {
	t.Parallel()
	plan := Plan{Curve: []Point{
		{At: 0, Rate: 0},
		{At: 10 * time.Second, Rate: 20}, // ramp: 100 arrivals by 10s
		{At: 10 * time.Second, Rate: 5},  // step down
		{At: 30 * time.Second, Rate: 5},  // steady: 100 more by 30s
		{At: 30 * time.Second, Rate: 0},  // quiet until 40s
		{At: 40 * time.Second, Rate: 0},
	}}
	cum := plan.Cumulative()
	if got := cum.Total(); got != 200 {
		t.Errorf("Total() = %v, want 200", got)
	}
	if got := plan.VisitorsBetween(0, 40*time.Second); got != cum.Total() {
		t.Errorf("VisitorsBetween(0, 40s) = %v, Total() = %v; want the same", got, cum.Total())
	}
	tests := []struct {
		at   time.Duration
		want float64
	}{
		{-time.Second, 0},
		{0, 0},
		{5 * time.Second, 25}, // ∫₀⁵ 2t dt
		{10 * time.Second, 100},
		{20 * time.Second, 150},
		{30 * time.Second, 200},
		{35 * time.Second, 200},
		{time.Minute, 200},
	}
	for _, tc := range tests {
		if got := cum.At(tc.at); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("At(%s) = %v, want %v", tc.at, got, tc.want)
		}
		if tc.at > 0 && tc.at <= 30*time.Second {
			if got, ok := cum.Inverse(tc.want); !ok || (got-tc.at).Abs() > time.Microsecond {
				t.Errorf("Inverse(%v) = %s, %v; want %s", tc.want, got, ok, tc.at)
			}
		}
	}
	// The quiet stretch after 30s never reaches another arrival.
	if got, ok := cum.Inverse(200.5); ok {
		t.Errorf("Inverse(200.5) = %s; want none, the plan expects 200", got)
	}
	if got, ok := (Plan{}).Cumulative().Inverse(0.5); ok {
		t.Errorf("empty plan: Inverse(0.5) = %s; want none", got)
	}
}
