package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/liftoff/liftoff/internal/golden"
	"github.com/liftoff/liftoff/report"
	"github.com/liftoff/liftoff/scenario"
)

func TestPlan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
	}{
		{"email-blast.txt", []string{"plan", "testdata/email-blast.yaml"}},
		{"email-blast.json", []string{"plan", "testdata/email-blast.yaml", "--json"}},
		{"flash-sale.txt", []string{"plan", "testdata/flash-sale.yaml"}},
		{"flash-sale.json", []string{"plan", "--json", "testdata/flash-sale.yaml"}},
		{"replay.txt", []string{"plan", "testdata/replay.yaml"}},
		{"phases.txt", []string{"plan", "testdata/phases.yaml"}},
		{"data.txt", []string{"plan", "testdata/data-journeys.yaml"}},
		{"data.json", []string{"plan", "--json", "testdata/data-journeys.yaml"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tio := newTestIO(nil)
			if code := tio.liftoff(t.Context(), tc.args...); code != exitGo {
				t.Fatalf("liftoff %s exited %d: %s", strings.Join(tc.args, " "), code, tio.err)
			}
			if tio.err.String() != "" {
				t.Errorf("stderr: %s", tio.err)
			}
			golden.Check(t, filepath.Join("testdata", "TestPlan", tc.name+".golden"), []byte(tio.out.String()))
		})
	}
}

func TestPlanProblems(t *testing.T) {
	t.Parallel()
	tio := newTestIO(nil)
	if code := tio.liftoff(t.Context(), "plan", "testdata/bad-campaign.yaml"); code != exitUsage {
		t.Errorf("exit code %d, want %d", code, exitUsage)
	}
	want := `testdata/bad-campaign.yaml:6:15: traffic.campaign.audience: audience -5000 is negative (audience is the number of people the campaign reaches, e.g. 400000 or 400k)
testdata/bad-campaign.yaml:7:15: traffic.campaign.response: response 160% is above 100% (response is the share of the audience that visits, e.g. 6%)
testdata/bad-campaign.yaml:8:14: traffic.campaign.peak_at: peak_at 4h is not before the end of the campaign (duration 3h) (peak_at counts from the campaign's start)
3 problems found
`
	if diff := cmp.Diff(want, tio.err.String()); diff != "" {
		t.Errorf("stderr (-want +got):\n%s", diff)
	}
	if tio.out.String() != "" {
		t.Errorf("stdout: %s", tio.out)
	}
}

// TestPlanEveryExample runs `liftoff plan` on every example, as text and
// as JSON, so no example can rot, and checks the JSON holds the numbers
// scripts rely on.
func TestPlanEveryExample(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../../examples/*.yaml")
	if err != nil || len(files) < 8 {
		t.Fatalf("examples: %v, %v", files, err)
	}
	keys := []string{"expected_visitors", "peak_visitors_per_s", "tested_visitors", "tested_duration_s", "tested_peak_visitors_per_s", "requests_per_visitor"}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			tio := newTestIO(nil)
			if code := tio.liftoff(t.Context(), "plan", file); code != exitGo {
				t.Fatalf("liftoff plan exited %d: %s", code, tio.err)
			}
			if !strings.Contains(tio.out.String(), "requests = visitors ×") {
				t.Errorf("the plan does not say how visitors become requests:\n%s", tio.out)
			}
			tio = newTestIO(nil)
			if code := tio.liftoff(t.Context(), "plan", "--json", file); code != exitGo {
				t.Fatalf("liftoff plan --json exited %d: %s", code, tio.err)
			}
			var doc map[string]any
			if err := json.Unmarshal([]byte(tio.out.String()), &doc); err != nil {
				t.Fatal(err)
			}
			for _, k := range keys {
				if v, ok := doc[k].(float64); !ok || v <= 0 {
					t.Errorf("%s = %v, want a positive number", k, doc[k])
				}
			}
			// A steady campaign peaks all along: from its start.
			if at, ok := doc["peak_at_s"].(float64); !ok || at < 0 {
				t.Errorf("peak_at_s = %v, want a number of seconds", doc["peak_at_s"])
			}
		})
	}
}

func TestPlanLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		want string
	}{
		{"testdata/email-blast.yaml", "plan: email-blast campaign, 24,000 visitors over 3h, peak 14.4/s at 20m · testing peak 15m at 2x: 15m in 1 phase, ~20,044 visitors, peak 28.8 visitors/s (~77.8 requests/s) · a visitor runs one journey: requests = visitors × 2.7"},
		{"testdata/one-visitor.yaml", "plan: testing 2s in 2 phases, ~1 visitor, peak 1 visitor/s (~1 request/s), up to 1 looping visitor · a visitor runs one journey: requests = visitors × 1"},
		{"testdata/phases.yaml", "plan: testing 4m30s in 4 phases, ~7,800 visitors, peak 50 visitors/s (~100 requests/s), up to 20 looping visitors · a visitor runs one journey: requests = visitors × 2"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			sc, err := loadScenario(newTestIO(nil).env, tc.file, true, scenario.Overrides{})
			if err != nil {
				t.Fatal(err)
			}
			if got := report.PlanLine(sc); got != tc.want {
				t.Errorf("PlanLine:\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}
