package scenario

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
)

// campaignScenario parses a scenario whose traffic is the given campaign
// mapping (one key per line, no indentation) plus extra traffic keys.
func campaignScenario(t *testing.T, campaign string, traffic ...string) *Scenario {
	t.Helper()
	sc, err := Parse(strings.NewReader(campaignSource(campaign, traffic...)), "c.yaml", Options{FS: testData})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return sc
}

func campaignSource(campaign string, traffic ...string) string {
	var b strings.Builder
	b.WriteString("target: sim:shop\ntraffic:\n  campaign:\n")
	for line := range strings.SplitSeq(strings.TrimSpace(campaign), "\n") {
		b.WriteString("    " + strings.TrimSpace(line) + "\n")
	}
	for _, line := range traffic {
		b.WriteString("  " + line + "\n")
	}
	b.WriteString("journeys:\n  - name: browse\n    steps: [GET /, GET /products/1]\n")
	return b.String()
}

// testData holds the data files the scenario tests name.
var testData = fstest.MapFS{
	"data/day.csv": {Data: []byte("time,visitors\n00:00,600\n00:15,1200\n00:30,3000\n00:45,1500\n01:00,600\n")},
	"data/bad.csv": {Data: []byte("time,visitors\n0,10\n15,lots\n")},
}

// TestShapeRates checks the visitor rate of each shape at a few points
// against the documented formulas, worked out by hand (and checked
// against numerical integration): V = 24,000 visitors, so the rate is
// V·f(t)/∫f.
func TestShapeRates(t *testing.T) {
	t.Parallel()
	type point struct {
		at   time.Duration
		rate float64 // visitors/s
	}
	tests := []struct {
		name     string
		campaign string
		area     float64 // ∫₀ᵀ f in seconds
		points   []point
	}{
		{
			// ∫f = p/2 + p(1 − p/T) = 600 + 1200·(8/9) = 1666.67s; peak = 24000/1666.67 = 14.4/s
			name:     "email-blast",
			campaign: "shape: email-blast\naudience: 400000\nresponse: 6%\npeak_at: 20m\nduration: 3h",
			area:     1666.6666666666665,
			points:   []point{{0, 0}, {10 * time.Minute, 7.2}, {20 * time.Minute, 14.4}, {40 * time.Minute, 3.6}, {2 * time.Hour, 0.4}, {3 * time.Hour, 0.17777777777777778}},
		},
		{
			// ∫f = p/2 + p(1 − e^(−(T−p)/p)) = 45 + 90(1 − e^(−12.33)) = 134.9996s
			name:     "tv-spot",
			campaign: "shape: tv-spot\naudience: 400000\nresponse: 6%\npeak_at: 90s\nduration: 20m",
			area:     134.9996037731523,
			points:   []point{{45 * time.Second, 88.88914977976009}, {90 * time.Second, 177.77829955952018}, {3 * time.Minute, 65.40098149436557}, {5 * time.Minute, 17.239511551874365}, {20 * time.Minute, 0.000782672613594642}},
		},
		{
			// ∫f = (T/4)·tanh(4) = 21600·0.99933 = 21585.5s
			name:     "social-viral",
			campaign: "shape: social-viral\naudience: 400000\nresponse: 6%\npeak_at: 5h\nduration: 24h",
			area:     21585.51287436385,
			points:   []point{{0, 0.001490945180683829}, {150 * time.Minute, 0.07855360242515987}, {5 * time.Hour, 1.1118568337796473}, {10 * time.Hour, 0.43049020702268426}, {24 * time.Hour, 0.001490945180683829}},
		},
		{
			// w = 10m, τ = 9m: ∫f = 0.2·600·(1 − e^(−3)) + 0.25·5400 + 0.75·540·(1 − e^(−10)) = 1869.0s
			name:     "product-launch",
			campaign: "shape: product-launch\naudience: 400000\nresponse: 6%\npeak_at: 30m\nduration: 2h",
			area:     1869.0071648243024,
			points:   []point{{0, 0.12786356984790492}, {20 * time.Minute, 0.9447910906157071}, {30 * time.Minute, 12.841042266553398}, {39 * time.Minute, 6.753227156447251}, {2 * time.Hour, 3.210697803451083}},
		},
		{
			// h = 6m: ∫f = (3600 + 360 − 60²/720)/2 = 1977.5s
			name:     "flash-sale",
			campaign: "shape: flash-sale\naudience: 400000\nresponse: 6%\npeak_at: 5m\nduration: 1h",
			area:     1977.5,
			points:   []point{{0, 7.0796460176991145}, {5 * time.Minute, 12.13653603034134}, {8 * time.Minute, 9.102402022756005}, {30 * time.Minute, 6.06826801517067}, {time.Hour, 6.06826801517067}},
		},
		{
			name:     "steady",
			campaign: "shape: steady\naudience: 400000\nresponse: 6%\nduration: 2h",
			area:     7200,
			points:   []point{{0, 24000.0 / 7200}, {time.Hour, 24000.0 / 7200}, {2 * time.Hour, 24000.0 / 7200}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sc := campaignScenario(t, tc.campaign)
			c := sc.Traffic.Campaign
			pr := profileOf(c.Shape, c.PeakAt.Seconds(), c.Duration.Seconds())
			if math.Abs(pr.area-tc.area) > 1e-9*tc.area {
				t.Errorf("area = %v, want %v", pr.area, tc.area)
			}
			peak, _ := sc.Plan.Peak()
			for _, pt := range tc.points {
				want := pt.rate
				if got := 24000 * pr.at(pt.at.Seconds()) / pr.area; math.Abs(got-want) > 1e-9*math.Max(want, 1) {
					t.Errorf("formula at %s = %v/s, want %v/s", pt.at, got, want)
				}
				// The plan is the formula sampled within 1e-5 of the peak,
				// then rescaled by the sampling's integral error.
				if got := float64(sc.Plan.RateAt(pt.at)); math.Abs(got-want) > 5e-5*float64(peak) {
					t.Errorf("RateAt(%s) = %v/s, want %v/s", pt.at, got, want)
				}
			}
		})
	}
}

// TestShapeIntegralAndPeak checks every shape over a range of peaks and
// durations: the plan sends audience × response visitors (within 0.5%, the
// promise; in fact exactly), peaks at peak_at, stays within maxCorners
// corners, and the closed-form ∫f matches a numerical integral of f.
func TestShapeIntegralAndPeak(t *testing.T) {
	t.Parallel()
	spans := []struct{ peakAt, duration time.Duration }{
		{90 * time.Second, 20 * time.Minute},
		{20 * time.Minute, 3 * time.Hour},
		{time.Second, 7 * 24 * time.Hour},
		{47*time.Hour + 59*time.Minute, 48 * time.Hour},
		{0, time.Hour},
	}
	for _, shape := range Shapes() {
		if shape == ShapeCustom {
			continue
		}
		for _, sp := range spans {
			if sp.peakAt == 0 && !shape.peakAtMayBeZero() && shape.needsPeakAt() {
				continue
			}
			t.Run(fmt.Sprintf("%s/%s/%s", shape, sp.peakAt, sp.duration), func(t *testing.T) {
				t.Parallel()
				c := Campaign{Shape: shape, Visitors: 24000, PeakAt: sp.peakAt, Duration: sp.duration}
				if !shape.needsPeakAt() {
					c.PeakAt = 0
				}
				plan := campaignPlan(c)
				if got := plan.Visitors(); math.Abs(got-24000) > 1e-9*24000 {
					t.Errorf("Visitors() = %v, want 24000", got)
				}
				if n := len(plan.Curve); n > maxCorners {
					t.Errorf("%d corners, want at most %d", n, maxCorners)
				}
				if got := plan.Duration(); got != sp.duration {
					t.Errorf("Duration() = %s, want %s", got, sp.duration)
				}
				if _, at := plan.Peak(); shape != ShapeSteady && at != c.PeakAt {
					t.Errorf("Peak() at %s, want %s", at, c.PeakAt)
				}
				pr := profileOf(shape, c.PeakAt.Seconds(), sp.duration.Seconds())
				if got := integrate(pr); math.Abs(got-pr.area) > 1e-6*pr.area {
					t.Errorf("numerical ∫f = %v, closed form %v", got, pr.area)
				}
			})
		}
	}
}

// integrate integrates a profile numerically, piece by piece, with
// adaptive Simpson quadrature.
func integrate(pr profile) float64 {
	total := 0.0
	for _, pc := range pr.pieces {
		a, b := pc.from, pc.to
		fa, fm, fb := pc.f(a), pc.f((a+b)/2), pc.f(b)
		total += adaptiveSimpson(pc.f, a, b, fa, fm, fb, (b-a)/6*(fa+4*fm+fb), 1e-10*(b-a+1), 50)
	}
	return total
}

func adaptiveSimpson(f func(float64) float64, a, b, fa, fm, fb, whole, eps float64, depth int) float64 {
	m := (a + b) / 2
	lm, rm := f((a+m)/2), f((m+b)/2)
	left := (m - a) / 6 * (fa + 4*lm + fm)
	right := (b - m) / 6 * (fm + 4*rm + fb)
	if depth == 0 || math.Abs(left+right-whole) <= 15*eps {
		return left + right + (left+right-whole)/15
	}
	return adaptiveSimpson(f, a, m, fa, lm, fm, left, eps/2, depth-1) + adaptiveSimpson(f, m, b, fm, rm, fb, right, eps/2, depth-1)
}

func TestCampaignSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		campaign string
		visitors float64
		peak     float64
	}{
		{"audience × response", "shape: steady\naudience: 1.2M\nresponse: 0.5%\nduration: 1h", 6000, 6000.0 / 3600},
		{"audience with separators", "shape: steady\naudience: 400_000\nresponse: 6%\nduration: 1h", 24000, 24000.0 / 3600},
		{"visitors", "shape: steady\nvisitors: 36k\nduration: 1h", 36000, 10},
		// peak 1200/min = 20/s on an email blast of ∫f = 1666.67s
		{"peak", "shape: email-blast\npeak: 1200/min\npeak_at: 20m\nduration: 3h", 20 * 1666.6666666666665, 20},
		// the export's own total, and its busiest interval: 3000 in 15m
		{"custom as recorded", "shape: custom\ndata: data/day.csv", 6900, 3000.0 / 900},
		{"custom scaled", "shape: custom\ndata: data/day.csv\nvisitors: 13800", 13800, 2 * 3000.0 / 900},
		{"custom to a peak", "shape: custom\ndata: data/day.csv\npeak: 10/s", 6900 * 3, 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sc := campaignScenario(t, tc.campaign)
			c := sc.Traffic.Campaign
			if math.Abs(c.Visitors-tc.visitors) > 1e-9*tc.visitors {
				t.Errorf("Campaign.Visitors = %v, want %v", c.Visitors, tc.visitors)
			}
			if got := sc.Plan.Visitors(); math.Abs(got-tc.visitors) > 1e-9*tc.visitors {
				t.Errorf("Plan.Visitors() = %v, want %v", got, tc.visitors)
			}
			if got := float64(c.PeakRate); math.Abs(got-tc.peak) > 1e-4*tc.peak {
				t.Errorf("Campaign.PeakRate = %v/s, want %v/s", got, tc.peak)
			}
		})
	}
}

func TestCampaignPhases(t *testing.T) {
	t.Parallel()
	type span struct {
		name          string
		start, length time.Duration
	}
	tests := []struct {
		name     string
		campaign string
		want     []span
	}{
		{
			// f ≥ 1/2 from p/2 to √2·p = 28m17s
			name:     "email-blast",
			campaign: "shape: email-blast\nvisitors: 24000\npeak_at: 20m\nduration: 3h",
			want:     []span{{"rise", 0, 10 * time.Minute}, {"peak", 10 * time.Minute, 18*time.Minute + 17*time.Second}, {"tail", 28*time.Minute + 17*time.Second, 2*time.Hour + 31*time.Minute + 43*time.Second}},
		},
		{
			// the rush is [p−h, p+h] = [0, 12m] cut at 0; f ≥ 3/4 on [p−h/2, p+h/2]
			name:     "flash-sale",
			campaign: "shape: flash-sale\nvisitors: 24000\npeak_at: 5m\nduration: 1h",
			want:     []span{{"opening", 0, 2 * time.Minute}, {"peak", 2 * time.Minute, 6 * time.Minute}, {"plateau", 8 * time.Minute, 52 * time.Minute}},
		},
		{
			// the crowd never reaches half the herd; the lowest rate is
			// f(0) = 0.2·e^(−3), so the midpoint is 0.50498, which the herd
			// decays to at τ·ln(0.75/0.25498) = 582.6s after T0
			name:     "product-launch",
			campaign: "shape: product-launch\nvisitors: 24000\npeak_at: 30m\nduration: 2h",
			want:     []span{{"waiting", 0, 30 * time.Minute}, {"peak", 30 * time.Minute, 9*time.Minute + 43*time.Second}, {"plateau", 39*time.Minute + 43*time.Second, time.Hour + 20*time.Minute + 17*time.Second}},
		},
		{
			name:     "steady",
			campaign: "shape: steady\nvisitors: 24000\nduration: 2h",
			want:     []span{{"steady", 0, 2 * time.Hour}},
		},
		{
			// rates 0.67, 1.33, 3.33, 1.67, 0.67/s at the intervals' middles
			// (7m30s, 22m30s, …); the midpoint 2/s is crossed 5m after
			// 22m30s on the way up and 12m after 37m30s on the way down
			name:     "custom",
			campaign: "shape: custom\ndata: data/day.csv",
			want:     []span{{"rise", 0, 27*time.Minute + 30*time.Second}, {"peak", 27*time.Minute + 30*time.Second, 22 * time.Minute}, {"tail", 49*time.Minute + 30*time.Second, 25*time.Minute + 30*time.Second}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sc := campaignScenario(t, tc.campaign)
			var got []span
			for _, ph := range sc.Plan.Phases {
				got = append(got, span{ph.Name, ph.Start, ph.Duration})
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(span{})); diff != "" {
				t.Errorf("phases (-want +got):\n%s", diff)
			}
		})
	}
}

// TestBusyStretches checks the naming of a curve with several humps, as
// replays of real days have.
func TestBusyStretches(t *testing.T) {
	t.Parallel()
	m := time.Minute
	curve := []Point{
		{0, 1}, {10 * m, 1}, {10 * m, 9}, {20 * m, 9}, {20 * m, 1}, // busy: 9 > 5.5
		{40 * m, 1}, {40 * m, 10}, {50 * m, 10}, {50 * m, 1}, // peak
		{52 * m, 1}, {52 * m, 8}, {60 * m, 8}, {60 * m, 1}, // within 1/20 of the peak: joined to it
		{100 * m, 1}, {100 * m, 7}, {110 * m, 7}, {110 * m, 1}, {120 * m, 1}, // busy 2
	}
	var got []string
	for _, ph := range campaignPhases(curve, ShapeCustom, 0) {
		got = append(got, fmt.Sprintf("%s %s+%s", ph.Name, ph.Start, ph.Duration))
	}
	want := []string{"rise 0s+10m0s", "busy 10m0s+10m0s", "lull 20m0s+20m0s", "peak 40m0s+20m0s", "lull 2 1h0m0s+40m0s", "busy 2 1h40m0s+10m0s", "tail 1h50m0s+10m0s"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("campaignPhases (-want +got):\n%s", diff)
	}

	// A spike of 0.4s in an hour keeps its peak phase: the midpoint, 25.5/s,
	// is crossed 50ms and 300ms into it.
	spike := []Point{{0, 1}, {30 * m, 1}, {30*m + 100*time.Millisecond, 50}, {30*m + 500*time.Millisecond, 1}, {60 * m, 1}}
	var names []string
	for _, ph := range campaignPhases(spike, ShapeCustom, 0) {
		names = append(names, fmt.Sprintf("%s %s+%s", ph.Name, ph.Start, ph.Duration))
	}
	if want := []string{"rise 0s+30m0.05s", "peak 30m0.05s+250ms", "tail 30m0.3s+29m59.7s"}; !cmp.Equal(want, names) {
		t.Errorf("campaignPhases of a spike = %v, want %v", names, want)
	}
}

func TestRateBefore(t *testing.T) {
	t.Parallel()
	p := Plan{Curve: []Point{{0, 1}, {10 * time.Second, 1}, {10 * time.Second, 5}, {20 * time.Second, 15}}}
	tests := []struct {
		at            time.Duration
		before, after Rate
	}{
		{0, 1, 1},
		{5 * time.Second, 1, 1},
		{10 * time.Second, 1, 5},
		{15 * time.Second, 10, 10},
		{20 * time.Second, 15, 15},
		{25 * time.Second, 0, 0},
	}
	for _, tc := range tests {
		if got := p.rateBefore(tc.at); got != tc.before {
			t.Errorf("rateBefore(%s) = %v, want %v", tc.at, got, tc.before)
		}
		if got := p.rateAfter(tc.at); got != tc.after {
			t.Errorf("rateAfter(%s) = %v, want %v", tc.at, got, tc.after)
		}
	}
	// A step belongs to the time after it, as in RateAt: a chart column
	// that ends at the step does not show it; the next one does.
	if got := p.MaxRateBetween(0, 10*time.Second); got != 1 {
		t.Errorf("MaxRateBetween(0, 10s) = %v, want 1", got)
	}
	if got := p.MaxRateBetween(10*time.Second, 11*time.Second); got != 6 {
		t.Errorf("MaxRateBetween(10s, 11s) = %v, want 6", got)
	}
	if got := p.MaxRateBetween(time.Second, 9*time.Second); got != 1 {
		t.Errorf("MaxRateBetween(1s, 9s) = %v, want 1", got)
	}
}
