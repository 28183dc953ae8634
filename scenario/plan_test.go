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
