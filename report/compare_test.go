package report

import (
	"bytes"
	"encoding/json"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/liftoff/liftoff/internal/golden"
)

func TestCompareRunWithItself(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"go", "nogo", "inconclusive"} {
		t.Run(name, func(t *testing.T) {
			doc := fixture(t, name)
			c := Compare(doc, fixture(t, name), "a.json", "b.json", 0.1)
			if regs := c.Regressions(); len(regs) != 0 {
				t.Errorf("comparing %s with itself found regressions: %+v", name, regs)
			}
			if len(c.Notes) != 0 {
				t.Errorf("notes %q, want none", c.Notes)
			}
			for _, r := range c.Rows {
				if r.Baseline == nil && r.Current == nil {
					continue
				}
				if r.Change == nil || *r.Change != 0 {
					t.Errorf("%s %s: change %v, want 0", r.Subject, r.Metric, r.Change)
				}
			}
		})
	}
}

func TestCompareFindsRegressions(t *testing.T) {
	t.Parallel()
	c := Compare(fixture(t, "go"), fixture(t, "nogo"), "baseline.json", "current.json", 0.1)
	regs := map[string]bool{}
	for _, r := range c.Regressions() {
		regs[r.Group+" "+r.Subject+" "+r.Metric] = true
	}
	for _, want := range []string{"slo p95 < 250ms p95", "slo error_rate < 1% error_rate", "key all requests p95", "key browse error_rate"} {
		if !regs[want] {
			t.Errorf("no regression %q among %v", want, regs)
		}
	}
	for _, r := range c.Rows {
		if r.Metric == "throughput" && r.Group == "key" && r.Gated {
			t.Errorf("%s throughput is judged although the runs planned different traffic", r.Subject)
		}
	}
	// The other way round, the same changes are improvements.
	back := Compare(fixture(t, "nogo"), fixture(t, "go"), "baseline.json", "current.json", 0.1)
	if regs := back.Regressions(); len(regs) != 0 {
		t.Errorf("NO-GO → GO found regressions: %+v", regs)
	}
}

func TestRegressed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		unit          Unit
		better        string
		base, current float64
		tolerance     float64
		want          bool
	}{
		{"latency within tolerance", UnitMS, "lower", 100, 110, 0.1, false},
		{"latency beyond tolerance", UnitMS, "lower", 100, 111, 0.1, true},
		{"latency improved", UnitMS, "lower", 100, 50, 0.1, false},
		{"sub-millisecond jitter is noise", UnitMS, "lower", 2, 2.9, 0.1, false},
		{"latency from zero", UnitMS, "lower", 0, 5, 0.1, true},
		{"error rate within the noise floor", UnitRatio, "lower", 0.001, 0.0015, 0.1, false},
		{"error rate from zero", UnitRatio, "lower", 0, 0.02, 0.1, true},
		{"error rate from zero, below the floor", UnitRatio, "lower", 0, 0.0005, 0.1, false},
		{"throughput drop within tolerance", UnitPerSecond, "higher", 100, 91, 0.1, false},
		{"throughput drop beyond tolerance", UnitPerSecond, "higher", 100, 89, 0.1, true},
		{"throughput rise", UnitPerSecond, "higher", 100, 150, 0.1, false},
		{"zero tolerance", UnitMS, "lower", 100, 102, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			row := ComparisonRow{Unit: tc.unit, Better: tc.better, Baseline: ptr(tc.base), Current: ptr(tc.current)}
			if got := regressed(row, tc.tolerance); got != tc.want {
				t.Errorf("regressed(%v → %v %s, better %s, tolerance %v) = %v, want %v", tc.base, tc.current, tc.unit, tc.better, tc.tolerance, got, tc.want)
			}
		})
	}
}

func TestComparisonRenderers(t *testing.T) {
	t.Parallel()
	c := Compare(fixture(t, "go"), fixture(t, "nogo"), "baseline.json", "current.json", 0.1)
	for _, r := range []struct {
		name  string
		write func(io.Writer, Comparison) error
	}{
		{"compare.txt", WriteComparisonTerminal},
		{"compare.md", WriteComparisonMarkdown},
		{"compare.json", WriteComparisonJSON},
	} {
		t.Run(r.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := r.write(&b, c); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", "golden", r.name), b.Bytes())
		})
	}
	var b bytes.Buffer
	if err := WriteComparisonJSON(&b, c); err != nil {
		t.Fatal(err)
	}
	var parsed struct {
		Regressions int `json:"regressions"`
		Rows        []struct {
			Regression bool `json:"regression"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(b.Bytes(), &parsed); err != nil {
		t.Fatalf("comparison JSON: %v", err)
	}
	n := 0
	for _, r := range parsed.Rows {
		if r.Regression {
			n++
		}
	}
	if n != parsed.Regressions || n != len(c.Regressions()) {
		t.Errorf("JSON counts %d regressions and marks %d rows; the comparison has %d", parsed.Regressions, n, len(c.Regressions()))
	}
}

// TestCompareSaysWhenBasesDiffer compares a rule the baseline measured on
// latency with the same rule measured on the target's service time (the
// generator limited the current run): the row says so, and is not
// judged, since the two numbers measure different things.
func TestCompareSaysWhenBasesDiffer(t *testing.T) {
	t.Parallel()
	slow := spread(1000, 20*time.Millisecond, 900*time.Millisecond, 0.1)
	onLatency := results{latency: slow, service: slow, started: 1000, completed: 1000, lag: time.Millisecond}
	onService := results{latency: slow, service: slow, started: 900, missed: 100, completed: 900, lag: time.Millisecond}
	base, cur := document(t, onLatency.build(), "p95 < 300ms"), document(t, onService.build(), "p95 < 300ms")
	if b, c := base.Judgement.Findings[0].Basis, cur.Judgement.Findings[0].Basis; b != BasisLatency || c != BasisServiceTime {
		t.Fatalf("bases %s and %s, want latency and service time", b, c)
	}
	c := Compare(base, cur, "a.json", "b.json", 0.1)
	row := c.Rows[0]
	if row.Subject != "p95 < 300ms" || row.Gated || row.Note != "measured on latency in the baseline, on service time in the current run" {
		t.Errorf("row %+v, want it not judged, with a note on the bases", row)
	}
}
