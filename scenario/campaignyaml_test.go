package scenario

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCampaignProblems checks the message, and the line and column, of
// each kind of bad campaign input. campaignSource puts the campaign's
// first key on line 4, column 5; values of keys as long as "audience"
// start at column 15.
func TestCampaignProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		campaign string
		traffic  []string
		want     []string
	}{
		{
			name:     "negative audience",
			campaign: "shape: email-blast\naudience: -5000\nresponse: 6%\npeak_at: 20m\nduration: 3h",
			want:     []string{"c.yaml:5:15: traffic.campaign.audience: audience -5000 is negative (audience is the number of people the campaign reaches, e.g. 400000 or 400k)"},
		},
		{
			name:     "response above 100%",
			campaign: "shape: email-blast\naudience: 400000\nresponse: 160%\npeak_at: 20m\nduration: 3h",
			want:     []string{"c.yaml:6:15: traffic.campaign.response: response 160% is above 100% (response is the share of the audience that visits, e.g. 6%)"},
		},
		{
			name:     "response without a percent sign",
			campaign: "shape: email-blast\naudience: 400000\nresponse: 0.06\npeak_at: 20m\nduration: 3h",
			want:     []string{`c.yaml:6:15: traffic.campaign.response: "0.06" is not a percentage (write it as 0.06%)`},
		},
		{
			name:     "peak_at after duration",
			campaign: "shape: email-blast\naudience: 400000\nresponse: 6%\npeak_at: 4h\nduration: 3h",
			want:     []string{"c.yaml:7:14: traffic.campaign.peak_at: peak_at 4h is not before the end of the campaign (duration 3h) (peak_at counts from the campaign's start)"},
		},
		{
			name:     "peak_at at the end",
			campaign: "shape: flash-sale\nvisitors: 2000\nduration: 1h\npeak_at: 1h",
			want:     []string{"c.yaml:7:14: traffic.campaign.peak_at: peak_at 1h is not before the end of the campaign (duration 1h) (peak_at counts from the campaign's start)"},
		},
		{
			name:     "peak_at at the send",
			campaign: "shape: email-blast\nvisitors: 2000\npeak_at: 0s\nduration: 3h",
			want:     []string{"c.yaml:6:14: traffic.campaign.peak_at: peak_at 0s is the very start, and email-blast campaigns take time to bring their visitors (peak_at counts from the campaign's start, e.g. peak_at: 20m)"},
		},
		{
			name:     "missing CSV",
			campaign: "shape: custom\ndata: data/missing.csv",
			want:     []string{`c.yaml:5:11: traffic.campaign.data: cannot read data file "data/missing.csv": file does not exist (data files are relative to the scenario file)`},
		},
		{
			name:     "unreadable CSV",
			campaign: "shape: custom\ndata: data/bad.csv",
			want:     []string{`c.yaml:5:11: traffic.campaign.data: data file "data/bad.csv": line 3: "lots" is not a number of visitors (the CSV holds rows of time,visitors, one per interval)`},
		},
		{
			name:     "CSV outside the scenario's directory",
			campaign: "shape: custom\ndata: ../x.csv",
			want:     []string{`c.yaml:5:11: traffic.campaign.data: data file "../x.csv" must be a relative path inside the scenario's directory`},
		},
		{
			name:     "unknown shape",
			campaign: "shape: zigzag\naudience: 400000\nresponse: 6%\npeak_at: 20m\nduration: 3h",
			want:     []string{`c.yaml:4:12: traffic.campaign.shape: unknown shape "zigzag" (known shapes: email-blast, tv-spot, social-viral, product-launch, flash-sale, steady, custom)`},
		},
		{
			name:     "the start of a shape's name suggests it",
			campaign: "shape: email\naudience: 400000\nresponse: 6%\npeak_at: 20m\nduration: 3h",
			want:     []string{`c.yaml:4:12: traffic.campaign.shape: unknown shape "email" (did you mean "email-blast"?)`},
		},
		{
			name:     "misspelt shape",
			campaign: "shape: emial-blast\naudience: 400000\nresponse: 6%\npeak_at: 20m\nduration: 3h",
			want:     []string{`c.yaml:4:12: traffic.campaign.shape: unknown shape "emial-blast" (did you mean "email-blast"?)`},
		},
		{
			name:     "campaign and phases",
			campaign: "shape: email-blast\naudience: 400000\nresponse: 6%\npeak_at: 20m\nduration: 3h",
			traffic:  []string{"phases: [ { duration: 1m, rate: 10/s } ]"},
			want:     []string{`c.yaml:9:3: traffic: traffic has both "campaign" and "phases" (a campaign derives its phases from the marketing numbers; keep one of them)`},
		},
		{
			name:     "no size",
			campaign: "shape: email-blast\npeak_at: 20m\nduration: 3h",
			want:     []string{"c.yaml:4:5: traffic.campaign: missing the campaign's size (give audience and response (e.g. audience: 400000, response: 6%), visitors (e.g. visitors: 24000) or peak (e.g. peak: 1200/min))"},
		},
		{
			name:     "half a size",
			campaign: "shape: email-blast\naudience: 400000\npeak_at: 20m\nduration: 3h",
			want:     []string{`c.yaml:4:5: traffic.campaign: missing "response" (response is the share of the audience that visits, e.g. 6%)`},
		},
		{
			name:     "size twice",
			campaign: "shape: email-blast\nvisitors: 2000\naudience: 400000\nresponse: 6%\npeak_at: 20m\nduration: 3h",
			want:     []string{"c.yaml:7:5: traffic.campaign.response: the campaign's size is given twice: by visitors and by audience × response (keep one: audience and response, visitors, or peak)"},
		},
		{
			name:     "everything missing",
			campaign: "data: x.csv",
			want: []string{
				`c.yaml:4:5: traffic.campaign: missing "shape" (shapes: email-blast, tv-spot, social-viral, product-launch, flash-sale, steady, custom)`,
				"c.yaml:4:5: traffic.campaign: missing the campaign's size (give audience and response (e.g. audience: 400000, response: 6%), visitors (e.g. visitors: 24000) or peak (e.g. peak: 1200/min))",
			},
		},
		{
			name:     "no peak_at",
			campaign: "shape: email-blast\nvisitors: 2000\nduration: 3h",
			want:     []string{`c.yaml:4:5: traffic.campaign: missing "peak_at" (when the visitor rate peaks, counted from the campaign's start, e.g. peak_at: 20m)`},
		},
		{
			name:     "steady with a peak",
			campaign: "shape: steady\nvisitors: 2000\npeak_at: 10m\nduration: 3h",
			want:     []string{"c.yaml:6:5: traffic.campaign.peak_at: a steady campaign has no peak (remove peak_at, or pick a shape with a peak)"},
		},
		{
			name:     "custom with duration and peak_at",
			campaign: "shape: custom\ndata: data/day.csv\nduration: 3h\npeak_at: 1m",
			want: []string{
				"c.yaml:6:5: traffic.campaign.duration: a custom campaign lasts as long as its data (remove duration; window: peak DURATION tests part of it)",
				"c.yaml:7:5: traffic.campaign.peak_at: a custom campaign takes its peak from its data (remove peak_at)",
			},
		},
		{
			name:     "data without custom",
			campaign: "shape: tv-spot\nvisitors: 2000\npeak_at: 1m\nduration: 3h\ndata: data/day.csv",
			want:     []string{"c.yaml:8:5: traffic.campaign.data: a tv-spot campaign reads no data (data is for shape: custom, which replays a CSV export)"},
		},
		{
			name:     "bad visitors and duration",
			campaign: "shape: steady\nvisitors: lots\nduration: 0s",
			want: []string{
				`c.yaml:5:15: traffic.campaign.visitors: visitors "lots" is not a number (visitors is how many visitors the campaign brings over its duration, e.g. 24000)`,
				"c.yaml:6:15: traffic.campaign.duration: must be longer than zero",
			},
		},
		{
			name:     "zero peak",
			campaign: "shape: steady\npeak: 0/s\nduration: 1h",
			want:     []string{"c.yaml:5:11: traffic.campaign.peak: peak 0/s brings no traffic (peak is the highest visitor rate expected, e.g. 1200/min)"},
		},
		{
			name:     "zero audience",
			campaign: "shape: steady\naudience: 0\nresponse: 5%\nduration: 1h",
			want:     []string{"c.yaml:5:15: traffic.campaign.audience: audience 0 reaches nobody (audience is the number of people the campaign reaches, e.g. 400000 or 400k)"},
		},
		{
			name:     "window too long",
			campaign: "shape: steady\nvisitors: 2000\nduration: 1h",
			traffic:  []string{"window: compressed 2h"},
			want:     []string{"c.yaml:7:11: traffic.window: window compressed 2h is longer than the traffic's 1h (use full, or a window of at most 1h)"},
		},
		{
			name:     "bad window and load factor",
			campaign: "shape: steady\nvisitors: 2000\nduration: 1h",
			traffic:  []string{"window: peak", "load_factor: 2"},
			want: []string{
				`c.yaml:7:11: traffic.window: window "peak" needs one duration (e.g. peak 15m)`,
				`c.yaml:8:16: traffic.load_factor: load factor "2" has no x (write 2x)`,
			},
		},
		{
			name:     "unknown key",
			campaign: "shape: steady\nvisitors: 2000\nduration: 1h\npeak-at: 1m",
			want:     []string{`c.yaml:7:5: traffic.campaign: unknown key "peak-at" (did you mean "peak_at"?)`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(strings.NewReader(campaignSource(tc.campaign, tc.traffic...)), "c.yaml", Options{FS: testData})
			var got []string
			for _, p := range Problems(err) {
				got = append(got, p.Error())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTrafficProblems(t *testing.T) {
	t.Parallel()
	const journeys = "journeys:\n  - name: a\n    steps: [GET /]\n"
	tests := []struct {
		name string
		src  string
		want string
	}{
		{
			name: "neither campaign nor phases",
			src:  "target: sim:shop\ntraffic:\n  seed: 1\n" + journeys,
			want: `c.yaml:3:3: traffic: missing "campaign" or "phases" (e.g. campaign: { shape: email-blast, audience: 400000, response: 6%, peak_at: 20m, duration: 3h }, or phases: [ { duration: 1m, rate: 10/s } ])`,
		},
		{
			name: "rule on a phase outside the window",
			src:  "target: sim:shop\ntraffic:\n  campaign: { shape: email-blast, visitors: 100, peak_at: 20m, duration: 3h }\n  window: peak 10m\n" + journeys + "slo:\n  - phase rise: p95 < 1s\n",
			want: `c.yaml:9:5: slo[0]: phase "rise" is outside the tested window (peak 10m) (the window tests: peak)`,
		},
		{
			name: "rule on a phase the campaign does not have",
			src:  "target: sim:shop\ntraffic:\n  campaign: { shape: steady, visitors: 100, duration: 1h }\n" + journeys + "slo:\n  - phase peak: p95 < 1s\n",
			want: `c.yaml:8:5: slo[0]: no phase is named "peak" (phases: steady)`,
		},
		{
			name: "custom without a directory",
			src:  "target: sim:shop\ntraffic:\n  campaign:\n    shape: custom\n    data: data/day.csv\n" + journeys,
			want: `c.yaml:5:11: traffic.campaign.data: cannot read "data/day.csv": the scenario was not read from a file (run liftoff on the scenario file, so data files resolve next to it)`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := Options{FS: testData}
			if strings.Contains(tc.name, "without a directory") {
				opts.FS = nil
			}
			_, err := Parse(strings.NewReader(tc.src), "c.yaml", opts)
			if err == nil || err.Error() != tc.want {
				t.Errorf("Parse error:\n got %v\nwant %s", err, tc.want)
			}
		})
	}
}

// TestCampaignRecord checks what results files record of a campaign: the
// JSON names other tools read.
func TestCampaignRecord(t *testing.T) {
	t.Parallel()
	sc := campaignScenario(t, shapeCampaigns[ShapeEmailBlast], "window: peak 15m", "load_factor: 2x")
	sum := sc.Record()
	want := &CampaignRecord{
		Shape: "email-blast", Description: ShapeEmailBlast.Description(),
		Audience: 400000, Response: 0.06, Visitors: 24000, PeakRate: float64(sc.Traffic.Campaign.PeakRate),
		PeakAtS: 1200, DurationS: 10800,
	}
	if diff := cmp.Diff(want, sum.Campaign); diff != "" {
		t.Errorf("Record().Campaign (-want +got):\n%s", diff)
	}
	if sum.LoadFactor != 2 || sum.Window != "peak 15m" || sum.WindowStartS != 687 {
		t.Errorf("Record() load factor %v, window %q from %vs; want 2, peak 15m from 687s", sum.LoadFactor, sum.Window, sum.WindowStartS)
	}
	if len(sum.Expected) != len(sc.Expected.Curve) || len(sum.ExpectedPhases) != 3 {
		t.Errorf("Record() has %d expected corners and %d phases, want %d and 3", len(sum.Expected), len(sum.ExpectedPhases), len(sc.Expected.Curve))
	}
	tested, expected := sum.Plans()
	ePeak, eAt := expected.Peak()
	tPeak, _ := tested.Peak()
	got := []float64{expected.Visitors(), eAt.Seconds(), tested.Duration().Seconds(), sum.RequestsPerVisitor()}
	if diff := cmp.Diff([]float64{24000, 1200, 900, 2}, got, cmp.Comparer(func(a, b float64) bool { return abs(a-b) < 1e-6*max(1, abs(b)) })); diff != "" {
		t.Errorf("expected visitors, peak at, tested length, requests per visitor (-want +got):\n%s", diff)
	}
	if r := tPeak / ePeak; abs(float64(r)-2) > 1e-9 {
		t.Errorf("tested peak %v is %v× the expected %v, want 2×", tPeak, r, ePeak)
	}

	// With the full window and no load factor, Expected stays empty: it
	// would repeat Curve.
	plain := campaignScenario(t, shapeCampaigns[ShapeEmailBlast]).Record()
	if plain.Expected != nil || plain.Window != "full" || plain.LoadFactor != 1 {
		t.Errorf("plain Record() Expected %d corners, window %q, load factor %v; want none, full, 1", len(plain.Expected), plain.Window, plain.LoadFactor)
	}
	// Its plans decode to the tested plan twice over.
	if tested, expected := plain.Plans(); len(tested.Curve) == 0 || cmp.Diff(tested, expected) != "" {
		t.Errorf("plain Record().Plans() = %d corners tested, expected differs by:\n%s", len(tested.Curve), cmp.Diff(tested, expected))
	}
}

func abs(x float64) float64 { return math.Abs(x) }

// FuzzCampaign checks that no campaign, however odd its numbers, makes
// Parse panic, and that every campaign it accepts becomes a plan of
// finite, non-negative rates within the corner bound that sends the
// promised visitors.
func FuzzCampaign(f *testing.F) {
	f.Add("email-blast", "400000", "6%", "20m", "3h", "peak 15m", "2x")
	f.Add("tv-spot", "1e308M", "100%", "1ns", "2540400h", "compressed 1s", "1000x")
	f.Add("social-viral", "1", "0.0001%", "1s", "2s", "full", "0.001x")
	f.Add("product-launch", "5M", "50%", "0s", "1h", "peak 59m", "1x")
	f.Add("flash-sale", "1k", "1%", "59m59s", "1h", "compressed 1h", "3×")
	f.Add("custom", "10", "10%", "", "", "peak 10m", "1.5x")
	f.Fuzz(func(t *testing.T, shape, audience, response, peakAt, duration, window, loadFactor string) {
		campaign := fmt.Sprintf("shape: %q\naudience: %q\nresponse: %q", shape, audience, response)
		if peakAt != "" {
			campaign += fmt.Sprintf("\npeak_at: %q", peakAt)
		}
		if duration != "" {
			campaign += fmt.Sprintf("\nduration: %q", duration)
		}
		src := campaignSource(campaign, fmt.Sprintf("window: %q", window), fmt.Sprintf("load_factor: %q", loadFactor))
		sc, err := Parse(strings.NewReader(src), "c.yaml", Options{FS: testData})
		if err != nil {
			if Problems(err) == nil {
				t.Fatalf("Parse error is not a scenario problem: %v", err)
			}
			return
		}
		for _, plan := range []Plan{sc.Expected, sc.Plan} {
			if n := len(plan.Curve); n > maxCorners+2 {
				t.Fatalf("%d corners", n)
			}
			for _, pt := range plan.Curve {
				if r := float64(pt.Rate); math.IsNaN(r) || math.IsInf(r, 0) || r < 0 {
					t.Fatalf("corner %v", pt)
				}
			}
		}
		want := sc.Traffic.Campaign.Visitors
		if got := sc.Expected.Visitors(); math.Abs(got-want) > 1e-6*want {
			t.Fatalf("expected Visitors() = %v, want %v", got, want)
		}
	})
}
