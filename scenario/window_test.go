package scenario

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseWindow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Window
		wantErr string
	}{
		{in: "full", want: Window{Kind: WindowFull}},
		{in: "peak 15m", want: Window{Kind: WindowPeak, Length: 15 * time.Minute}},
		{in: "  compressed   1h30m ", want: Window{Kind: WindowCompressed, Length: 90 * time.Minute}},
		{in: "", wantErr: "empty window (write full, peak DURATION (e.g. peak 15m) or compressed DURATION (e.g. compressed 10m))"},
		{in: "busiest 15m", wantErr: `unknown window "busiest 15m" (write full, peak DURATION (e.g. peak 15m) or compressed DURATION (e.g. compressed 10m))`},
		{in: "peak", wantErr: `window "peak" needs one duration (e.g. peak 15m)`},
		{in: "peak 15", wantErr: `window "peak 15": duration "15" has no unit (write 15s, 15m or 15h)`},
		{in: "compressed 500ms", wantErr: `window "compressed 500ms" is shorter than a second (e.g. compressed 15m)`},
		{in: "full 10m", wantErr: `window "full 10m": full takes no duration (write full, or peak 10m)`},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseWindow(tc.in)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("ParseWindow(%q) error = %v, want %q", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseWindow(%q) = %v, %v, want %v", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestParseLoadFactor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    LoadFactor
		wantErr string
	}{
		{in: "2x", want: 2},
		{in: "1.5x", want: 1.5},
		{in: "3×", want: 3},
		{in: " 0.5x", want: 0.5},
		{in: "2", wantErr: `load factor "2" has no x (write 2x)`},
		{in: "0x", wantErr: `load factor "0x" must be above 0x (1x tests the expected traffic, 2x twice as much)`},
		{in: "200%", wantErr: `invalid load factor "200%" (write a multiple of the expected traffic, e.g. 2x or 1.5x)`},
		{in: "5000x", wantErr: `load factor "5000x" is above 1000x`},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseLoadFactor(tc.in)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("ParseLoadFactor(%q) error = %v, want %q", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseLoadFactor(%q) = %v, %v, want %v", tc.in, got, err, tc.want)
			}
		})
	}
}

// shapeCampaigns are one realistic campaign per analytic shape.
var shapeCampaigns = map[Shape]string{
	ShapeEmailBlast:    "shape: email-blast\naudience: 400000\nresponse: 6%\npeak_at: 20m\nduration: 3h",
	ShapeTVSpot:        "shape: tv-spot\naudience: 3.5M\nresponse: 0.4%\npeak_at: 90s\nduration: 20m",
	ShapeSocialViral:   "shape: social-viral\naudience: 5M\nresponse: 2%\npeak_at: 5h\nduration: 24h",
	ShapeProductLaunch: "shape: product-launch\npeak: 1200/min\npeak_at: 30m\nduration: 2h",
	ShapeFlashSale:     "shape: flash-sale\nvisitors: 30000\npeak_at: 5m\nduration: 1h",
	ShapeSteady:        "shape: steady\npeak: 300/min\nduration: 8h",
	ShapeCustom:        "shape: custom\ndata: data/day.csv",
}

// TestPeakWindow checks that "peak 15m" picks the busiest 15 minutes: no
// start on a one-second grid has more expected visitors (beyond the half
// second's worth of arrivals that rounding the start to the second may
// cost), and the tested plan is that stretch of the expected one.
func TestPeakWindow(t *testing.T) {
	t.Parallel()
	for shape, campaign := range shapeCampaigns {
		t.Run(string(shape), func(t *testing.T) {
			t.Parallel()
			d := 15 * time.Minute
			sc := campaignScenario(t, campaign, "window: peak 15m")
			exp := sc.Expected
			start := sc.WindowStart
			got := exp.VisitorsBetween(start, start+d)
			peak, _ := exp.Peak()
			best, bestAt := 0.0, time.Duration(0)
			for s := time.Duration(0); s+d <= exp.Duration(); s += time.Second {
				if v := exp.VisitorsBetween(s, s+d); v > best {
					best, bestAt = v, s
				}
			}
			if got < best-float64(peak)*0.5 {
				t.Errorf("window at %s has %.3f visitors; the one at %s has %.3f", start, got, bestAt, best)
			}
			if tested := sc.Plan.Visitors(); math.Abs(tested-got) > 1e-6*got {
				t.Errorf("tested plan has %.3f visitors, its stretch of the expected %.3f", tested, got)
			}
			if sc.Plan.Duration() != d {
				t.Errorf("tested Duration() = %s, want %s", sc.Plan.Duration(), d)
			}
			for _, at := range []time.Duration{0, time.Minute, 7 * time.Minute, 14*time.Minute + 59*time.Second} {
				if got, want := sc.Plan.RateAt(at), exp.RateAt(start+at); math.Abs(float64(got-want)) > 1e-9*float64(peak) {
					t.Errorf("tested RateAt(%s) = %v, expected RateAt(%s) = %v", at, got, start+at, want)
				}
			}
		})
	}
}

// TestPeakWindowExact checks busiestStart on plans whose answer is known.
func TestPeakWindowExact(t *testing.T) {
	t.Parallel()
	m := time.Minute
	tests := []struct {
		name   string
		phases []Phase
		length time.Duration
		want   time.Duration
	}{
		{
			// any 5m that holds the 2m burst has the most: the earliest wins
			name:   "burst",
			phases: []Phase{{Duration: 5 * m, Rate: 10, RampTo: 10}, {Duration: 2 * m, Rate: 50, RampTo: 50}, {Duration: 10 * m, Rate: 10, RampTo: 10}},
			length: 5 * m, want: 2 * m,
		},
		{
			// a symmetric triangle: the window centred on its top
			name:   "triangle",
			phases: []Phase{{Duration: 10 * m, Rate: 0, RampTo: 100}, {Duration: 10 * m, Rate: 100, RampTo: 0}},
			length: 4 * m, want: 8 * m,
		},
		{
			// an asymmetric one: slopes 10/min up, 5/min down; equal rates at
			// both ends, 10·s = 100 − 5·(s+3−10), gives s = 9m
			name:   "asymmetric",
			phases: []Phase{{Duration: 10 * m, Rate: 0, RampTo: 100}, {Duration: 20 * m, Rate: 100, RampTo: 0}},
			length: 3 * m, want: 9 * m,
		},
		{
			name:   "flat",
			phases: []Phase{{Duration: 30 * m, Rate: 10, RampTo: 10}},
			length: 10 * m, want: 0,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := busiestStart(planFromPhases(tc.phases), tc.length); got != tc.want {
				t.Errorf("busiestStart(%s) = %s, want %s", tc.length, got, tc.want)
			}
		})
	}
}

// TestCompressedWindow checks that "compressed 10m" replays the whole curve
// in 10 minutes with its shape and peak rate: the tested rate at t is the
// expected rate at t·duration/10m, and the visitors shrink by the same
// factor.
func TestCompressedWindow(t *testing.T) {
	t.Parallel()
	for shape, campaign := range shapeCampaigns {
		t.Run(string(shape), func(t *testing.T) {
			t.Parallel()
			d := 10 * time.Minute
			sc := campaignScenario(t, campaign, "window: compressed 10m")
			exp, tested := sc.Expected, sc.Plan
			k := float64(exp.Duration()) / float64(d)
			if tested.Duration() != d {
				t.Fatalf("tested Duration() = %s, want %s", tested.Duration(), d)
			}
			ep, eat := exp.Peak()
			tp, tat := tested.Peak()
			if tp != ep {
				t.Errorf("tested peak %v, expected %v", tp, ep)
			}
			if want := time.Duration(float64(eat) / k); (tat - want).Abs() > time.Microsecond {
				t.Errorf("tested peak at %s, want %s", tat, want)
			}
			if got, want := tested.Visitors(), exp.Visitors()/k; math.Abs(got-want) > 1e-6*want {
				t.Errorf("tested Visitors() = %v, want %v", got, want)
			}
			for i := range 100 {
				at := d * time.Duration(i) / 100
				want := exp.RateAt(time.Duration(float64(at) * k))
				if got := tested.RateAt(at); math.Abs(float64(got-want)) > 1e-6*float64(ep) {
					t.Errorf("tested RateAt(%s) = %v, expected at %s: %v", at, got, time.Duration(float64(at)*k), want)
				}
			}
			if len(tested.Phases) != len(exp.Phases) || tested.Phases[0].Name != exp.Phases[0].Name {
				t.Errorf("tested phases %v, want the expected ones compressed", tested.Phases)
			}
		})
	}
}

// TestLoadFactor checks that load_factor scales rates and nothing else.
func TestLoadFactor(t *testing.T) {
	t.Parallel()
	for shape, campaign := range shapeCampaigns {
		t.Run(string(shape), func(t *testing.T) {
			t.Parallel()
			sc := campaignScenario(t, campaign, "load_factor: 2.5x")
			exp, tested := sc.Expected, sc.Plan
			if tested.Duration() != exp.Duration() {
				t.Errorf("tested Duration() = %s, expected %s", tested.Duration(), exp.Duration())
			}
			if got, want := tested.Visitors(), 2.5*exp.Visitors(); math.Abs(got-want) > 1e-9*want {
				t.Errorf("tested Visitors() = %v, want %v", got, want)
			}
			for i, pt := range tested.Curve {
				if e := exp.Curve[i]; pt.At != e.At || math.Abs(float64(pt.Rate-2.5*e.Rate)) > 1e-9*float64(pt.Rate) {
					t.Errorf("corner %d = %v, want %v at 2.5×", i, pt, e)
				}
			}
			for i, ph := range tested.Phases {
				if e := exp.Phases[i]; ph.Start != e.Start || ph.Duration != e.Duration || ph.Name != e.Name {
					t.Errorf("phase %d = %+v, want %+v", i, ph, e)
				}
			}
			if sum := sc.Record(); sum.LoadFactor != 2.5 || len(sum.Expected) != len(exp.Curve) {
				t.Errorf("Record LoadFactor %v with %d expected corners, want 2.5 with %d", sum.LoadFactor, len(sum.Expected), len(exp.Curve))
			}
		})
	}
}

// TestWindowOnPhases checks that window and load_factor apply to explicit
// phases too, keeping the phases' names.
func TestWindowOnPhases(t *testing.T) {
	t.Parallel()
	src := `target: sim:shop
traffic:
  phases:
    - { name: warm-up, duration: 10m, rate: 10/s }
    - { name: blast,   duration: 5m,  rate: 10/s, ramp_to: 60/s }
    - { name: hold,    duration: 10m, rate: 60/s }
    - { name: looping, duration: 5m,  concurrency: 20 }
  window: peak 12m
  load_factor: 1.5x
journeys:
  - { name: browse, steps: [ GET / ] }
slo:
  - phase hold: p95 < 300ms
`
	sc, err := Parse(strings.NewReader(src), "p.yaml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The busiest 12 minutes are the last 2 of the ramp and the 10 of the
	// hold: the ramp's last 2 minutes carry more than the looping phase's
	// none.
	if sc.WindowStart != 13*time.Minute {
		t.Errorf("WindowStart = %s, want 13m", sc.WindowStart)
	}
	type ph struct {
		Name          string
		Start, Length time.Duration
		Rate, RampTo  Rate
	}
	var got []ph
	for _, p := range sc.Plan.Phases {
		got = append(got, ph{p.Name, p.Start, p.Duration, p.Rate, p.RampTo})
	}
	want := []ph{{"blast", 0, 2 * time.Minute, 60, 90}, {"hold", 2 * time.Minute, 10 * time.Minute, 90, 90}}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b Rate) bool { return math.Abs(float64(a-b)) < 1e-9 })); diff != "" {
		t.Errorf("tested phases (-want +got):\n%s", diff)
	}

	compressed := strings.Replace(src, "window: peak 12m", "window: compressed 3m", 1)
	sc, err = Parse(strings.NewReader(compressed), "p.yaml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	last := sc.Plan.Phases[3]
	if last.Concurrency != 30 || last.Start != 150*time.Second || last.Duration != 30*time.Second {
		t.Errorf("compressed looping phase = %+v, want 30 visitors from 2m30s for 30s", last)
	}
}

// FuzzParseWindow checks that ParseWindow never panics and that what it
// reads, written back, reads the same.
func FuzzParseWindow(f *testing.F) {
	for _, s := range []string{"full", "peak 15m", "compressed 10m", "peak 1h30m", "peak", "compressed -1s", "peak 9999999h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, err := ParseWindow(s)
		if err != nil {
			return
		}
		again, err := ParseWindow(w.String())
		if err != nil || again != w {
			t.Fatalf("ParseWindow(%q) = %v; its String %q reads as %v, %v", s, w, w.String(), again, err)
		}
	})
}

// FuzzParseLoadFactor checks that ParseLoadFactor never panics, accepts
// only factors in (0, 1000], and round-trips through String.
func FuzzParseLoadFactor(f *testing.F) {
	for _, s := range []string{"2x", "1.5x", "3×", "0x", "1e3x", "NaNx", "-1x", "2", "0.00001x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lf, err := ParseLoadFactor(s)
		if err != nil {
			return
		}
		if v := lf.Value(); !(v > 0 && v <= maxLoadFactor) {
			t.Fatalf("ParseLoadFactor(%q) = %v, outside (0, %d]", s, v, maxLoadFactor)
		}
		again, err := ParseLoadFactor(lf.String())
		if err != nil || again != lf {
			t.Fatalf("ParseLoadFactor(%q) = %v; its String %q reads as %v, %v", s, lf, lf.String(), again, err)
		}
	})
}
