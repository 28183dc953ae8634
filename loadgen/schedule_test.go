package loadgen

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/liftoff/liftoff/scenario"
)

func plan(points ...scenario.Point) scenario.Plan {
	return scenario.Plan{Curve: points}
}

func pt(at time.Duration, rate scenario.Rate) scenario.Point {
	return scenario.Point{At: at, Rate: rate}
}

func offsets(s *Schedule, max int) []time.Duration {
	var out []time.Duration
	for len(out) < max {
		at, ok := s.Next()
		if !ok {
			break
		}
		out = append(out, at)
	}
	return out
}

func ms(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }

func TestUniformSchedule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		plan scenario.Plan
		want []time.Duration
	}{
		{
			name: "constant rate: evenly spaced, half a gap from the start",
			plan: plan(pt(0, 10), pt(time.Second, 10)),
			want: []time.Duration{ms(50), ms(150), ms(250), ms(350), ms(450), ms(550), ms(650), ms(750), ms(850), ms(950)},
		},
		{
			name: "ramp from zero: Λ(t) = 2.5t², arrival k at √((k+½)/2.5)",
			plan: plan(pt(0, 0), pt(2*time.Second, 10)),
			want: func() []time.Duration {
				var w []time.Duration
				for k := range 10 {
					w = append(w, time.Duration(math.Sqrt((float64(k)+0.5)/2.5)*float64(time.Second)))
				}
				return w
			}(),
		},
		{
			name: "step up: the second arrival lands where Λ reaches 1.5",
			plan: plan(pt(0, 1), pt(time.Second, 1), pt(time.Second, 4), pt(2*time.Second, 4)),
			want: []time.Duration{ms(500), ms(1125), ms(1375), ms(1625), ms(1875)},
		},
		{
			name: "a closed-model gap has no arrivals",
			plan: plan(pt(0, 2), pt(time.Second, 2), pt(time.Second, 0), pt(3*time.Second, 0), pt(3*time.Second, 2), pt(4*time.Second, 2)),
			want: []time.Duration{ms(250), ms(750), ms(3250), ms(3750)},
		},
		{
			name: "empty plan",
			plan: scenario.Plan{},
			want: nil,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := offsets(NewSchedule(tc.plan, scenario.Uniform, 1), 1000)
			if diff := cmp.Diff(tc.want, got, cmp.Comparer(func(a, b time.Duration) bool {
				d := a - b
				return d > -time.Microsecond && d < time.Microsecond
			})); diff != "" {
				t.Fatalf("offsets mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUniformCountMatchesPlan(t *testing.T) {
	t.Parallel()
	// 10 minutes ramping 5/s → 800/s and holding: the count is the integral,
	// rounded, exactly.
	p := plan(pt(0, 5), pt(5*time.Minute, 800), pt(10*time.Minute, 800))
	got := len(offsets(NewSchedule(p, scenario.Uniform, 1), 1<<30))
	integral := p.VisitorsBetween(0, 10*time.Minute)
	if want := int(math.Round(integral)); got != want {
		t.Fatalf("uniform schedule gave %d arrivals, want %d (the plan's integral %.1f)", got, want, integral)
	}
}

func TestPoissonSchedule(t *testing.T) {
	t.Parallel()
	const rate = 250.0
	p := plan(pt(0, rate), pt(400*time.Second, rate))
	s := NewSchedule(p, scenario.Poisson, 42)
	got := offsets(s, 1<<30)

	// The count over the plan is Poisson with mean 100,000: within 4σ.
	n := float64(len(got))
	if math.Abs(n-100000) > 4*math.Sqrt(100000) {
		t.Errorf("Poisson schedule gave %v arrivals, want 100000 ± %.0f", n, 4*math.Sqrt(100000))
	}
	// The mean gap is 1/rate: the standard error of the mean of n exponential
	// gaps is (1/rate)/√n, so 4 standard errors is about 1.3%.
	mean := got[len(got)-1].Seconds() / float64(len(got)-1)
	if tol := 4 / rate / math.Sqrt(n); math.Abs(mean-1/rate) > tol {
		t.Errorf("mean inter-arrival = %.6fs, want %.6fs ± %.6fs", mean, 1/rate, tol)
	}
	// Gaps are exponential: the share below the mean is 1 - 1/e.
	below := 0
	for i := 1; i < len(got); i++ {
		if (got[i] - got[i-1]).Seconds() < 1/rate {
			below++
		}
	}
	if share, want := float64(below)/(n-1), 1-1/math.E; math.Abs(share-want) > 0.01 {
		t.Errorf("share of gaps below the mean = %.4f, want %.4f (exponential gaps)", share, want)
	}
	for i := 1; i < len(got); i++ {
		if got[i] < got[i-1] {
			t.Fatalf("arrival %d at %v is before arrival %d at %v", i, got[i], i-1, got[i-1])
		}
	}
}

func TestPoissonScheduleIsSeeded(t *testing.T) {
	t.Parallel()
	p := plan(pt(0, 10), pt(time.Minute, 300))
	a := offsets(NewSchedule(p, scenario.Poisson, 7), 1<<20)
	b := offsets(NewSchedule(p, scenario.Poisson, 7), 1<<20)
	c := offsets(NewSchedule(p, scenario.Poisson, 8), 1<<20)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Fatalf("the same seed gave different schedules:\n%s", diff)
	}
	if cmp.Equal(a, c) {
		t.Fatal("different seeds gave the same schedule")
	}
}

func TestPoissonFollowsRamp(t *testing.T) {
	t.Parallel()
	// A ramp 0 → 1000/s over 100s: the first half holds a quarter of the
	// 50,000 expected arrivals.
	p := plan(pt(0, 0), pt(100*time.Second, 1000))
	got := offsets(NewSchedule(p, scenario.Poisson, 3), 1<<30)
	firstHalf := 0
	for _, at := range got {
		if at < 50*time.Second {
			firstHalf++
		}
	}
	if want := 12500.0; math.Abs(float64(firstHalf)-want) > 4*math.Sqrt(want) {
		t.Errorf("arrivals in the first half = %d, want %.0f ± %.0f", firstHalf, want, 4*math.Sqrt(want))
	}
}

func BenchmarkScheduleNext(b *testing.B) {
	for _, arrivals := range []scenario.Arrivals{scenario.Uniform, scenario.Poisson} {
		b.Run(string(arrivals), func(b *testing.B) {
			b.ReportAllocs()
			p := plan(pt(0, 10), pt(time.Hour, 1e6))
			s := NewSchedule(p, arrivals, 1)
			for b.Loop() {
				if _, ok := s.Next(); !ok {
					s = NewSchedule(p, arrivals, 1)
				}
			}
		})
	}
}
