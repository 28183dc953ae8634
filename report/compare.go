package report

import (
	"fmt"
	"math"
	"time"

	"github.com/liftoff/liftoff/loadgen"
	"github.com/liftoff/liftoff/scenario"
)

// A Comparison sets a current run against a baseline, metric by metric:
// each SLO rule's measured value, and for every journey and step p50, p95,
// p99, the error rate and throughput (requests/s). A metric regresses when
// it got worse by more than the tolerance, relative to the baseline:
//
//	lower is better (latency, error rate):  current > baseline × (1 + tolerance)
//	higher is better (throughput):          current < baseline × (1 − tolerance)
//
// and by more than a noise floor in absolute terms (1ms of latency, 0.1
// percentage point of a ratio), so 0.1% errors becoming 0.15% or a 2ms
// p50 becoming 3ms is not a regression however large the relative change.
// From a baseline of zero, anything above the floor is a regression.
//
// Some rows are shown but not judged (Gated false, Note says why): a key
// with fewer than MinCompareRequests requests on either side, whose
// percentiles are noise; throughput when the two runs planned different
// traffic, since an open-model run's throughput follows its plan; a rule
// measured on different bases (latency in one run, the target's service
// time in the other, whose generator limited it); and anything present
// in only one run. Comparing a run with itself gives
// changes of zero and no regression.

// MinCompareRequests is how many requests a key needs in both runs for its
// changes to be judged.
const MinCompareRequests = 20

// Noise floors: a change smaller than this, in absolute terms, is never a
// regression.
const (
	latencyFloorMS = 1.0
	ratioFloor     = 0.001
)

// Comparison is a current run set against a baseline.
type Comparison struct {
	Baseline, Current RunInfo
	MaxRegression     float64 // tolerated change for the worse, relative: 0.1 is 10%
	Rows              []ComparisonRow
	Notes             []string // caveats about the comparison as a whole
}

// RunInfo identifies one side of a comparison.
type RunInfo struct {
	Label    string // as the caller named it, usually the results file
	Scenario string
	Target   string
	Started  time.Time
	Verdict  Verdict
}

// ComparisonRow is one metric in both runs.
type ComparisonRow struct {
	Group    string   // "slo" or "key"
	Subject  string   // the rule, or the journey/step ("all requests", "browse", "browse/GET /")
	Metric   string   // "p50", "p95", "p99", "error_rate", "throughput"; for rules, the rule's metric
	Unit     Unit     // UnitMS, UnitRatio or UnitPerSecond
	Better   string   // "lower" or "higher"
	Baseline *float64 // nil when the run has no value
	Current  *float64
	// Change is (current − baseline) / baseline; nil when the baseline is
	// zero (and current is not) or either value is missing.
	Change         *float64
	BaselinePassed *bool // for rules: whether the rule held
	CurrentPassed  *bool
	Regression     bool   // worse beyond the tolerance and the noise floor; only when Gated
	Gated          bool   // judged: counts towards the exit code
	Note           string // why the row is not judged
}

// Compare sets current against baseline with the given tolerance.
func Compare(baseline, current Document, baselineLabel, currentLabel string, maxRegression float64) Comparison {
	c := Comparison{
		Baseline:      runInfo(baseline, baselineLabel),
		Current:       runInfo(current, currentLabel),
		MaxRegression: maxRegression,
	}
	if c.Baseline.Scenario != c.Current.Scenario {
		c.Notes = append(c.Notes, fmt.Sprintf("The runs are of different scenarios (%q and %q).", c.Baseline.Scenario, c.Current.Scenario))
	}
	samePlan := sameTraffic(baseline.Plan, current.Plan)
	if !samePlan {
		c.Notes = append(c.Notes, "The runs planned different traffic, so their throughput is shown but not judged.")
	}
	c.Rows = append(c.Rows, sloRows(baseline.Judgement, current.Judgement)...)
	c.Rows = append(c.Rows, keyCompareRows(baseline.Results, current.Results, samePlan)...)
	for i := range c.Rows {
		c.Rows[i].Regression = c.Rows[i].Gated && regressed(c.Rows[i], maxRegression)
	}
	return c
}

// Regressions are the rows that regressed.
func (c Comparison) Regressions() []ComparisonRow {
	var out []ComparisonRow
	for _, r := range c.Rows {
		if r.Regression {
			out = append(out, r)
		}
	}
	return out
}

func runInfo(doc Document, label string) RunInfo {
	res := doc.Results
	return RunInfo{Label: label, Scenario: res.Scenario.Name, Target: res.Scenario.Target, Started: res.Started, Verdict: doc.Judgement.Verdict}
}

// sameTraffic reports whether two runs planned the same traffic: the same
// length and, within 1%, the same number of visitors.
func sameTraffic(pa, pb scenario.Plan) bool {
	if pa.Duration() != pb.Duration() || pa.MaxConcurrency() != pb.MaxConcurrency() {
		return false
	}
	va, vb := pa.Visitors(), pb.Visitors()
	return math.Abs(va-vb) <= 0.01*math.Max(va, vb)
}

func sloRows(base, cur Judgement) []ComparisonRow {
	var rules []string
	seen := map[string]bool{}
	for _, fs := range [][]Finding{base.Findings, cur.Findings} {
		for _, f := range fs {
			if !seen[f.Rule.Text] {
				seen[f.Rule.Text] = true
				rules = append(rules, f.Rule.Text)
			}
		}
	}
	var out []ComparisonRow
	for _, rule := range rules {
		b, bok := findingOf(base, rule)
		c, cok := findingOf(cur, rule)
		f := b
		if !bok {
			f = c
		}
		row := ComparisonRow{Group: "slo", Subject: rule, Metric: f.Rule.MetricName(), Unit: f.Unit(), Better: "lower"}
		if op := f.Rule.Op; op == scenario.Greater || op == scenario.GreaterEqual {
			row.Better = "higher"
		}
		if bok {
			row.BaselinePassed = ptr(b.Passed)
			if !b.NoData {
				row.Baseline = ptr(b.Measured)
			}
		}
		if cok {
			row.CurrentPassed = ptr(c.Passed)
			if !c.NoData {
				row.Current = ptr(c.Measured)
			}
		}
		finish(&row)
		if bok && cok && !b.NoData && !c.NoData && b.Basis != c.Basis && row.Gated {
			// The same rule measured on different things: latency from the
			// intended send in one run, the target's service time in the
			// other (its generator limited it). The numbers do not compare.
			row.Gated = false
			row.Note = fmt.Sprintf("measured on %s in the baseline, on %s in the current run", b.Basis, c.Basis)
		}
		out = append(out, row)
	}
	return out
}

func findingOf(j Judgement, rule string) (Finding, bool) {
	for _, f := range j.Findings {
		if f.Rule.Text == rule {
			return f, true
		}
	}
	return Finding{}, false
}

func keyCompareRows(base, cur *loadgen.Results, samePlan bool) []ComparisonRow {
	var keys []loadgen.Key
	seen := map[loadgen.Key]bool{}
	for _, res := range []*loadgen.Results{base, cur} {
		for _, k := range res.Keys {
			if !seen[k.Key] {
				seen[k.Key] = true
				keys = append(keys, k.Key)
			}
		}
	}
	var out []ComparisonRow
	for _, key := range keys {
		b, bok := keyResult(base, key)
		c, cok := keyResult(cur, key)
		few := (bok && b.Requests < MinCompareRequests) || (cok && c.Requests < MinCompareRequests)
		for _, m := range keyMetrics {
			row := ComparisonRow{Group: "key", Subject: key.String(), Metric: m.name, Unit: m.unit, Better: m.better}
			row.Baseline = m.measure(base, b, bok)
			row.Current = m.measure(cur, c, cok)
			finish(&row)
			switch {
			case !row.Gated:
			case few:
				row.Gated, row.Note = false, fmt.Sprintf("fewer than %d requests", MinCompareRequests)
			case m.unit == UnitPerSecond && !samePlan:
				row.Gated, row.Note = false, "the runs planned different traffic"
			}
			out = append(out, row)
		}
	}
	return out
}

func keyResult(res *loadgen.Results, key loadgen.Key) (loadgen.KeyResult, bool) {
	if i := res.KeyIndex(key); i >= 0 {
		return res.Keys[i], true
	}
	return loadgen.KeyResult{}, false
}

// keyMetric is a metric compared for every journey and step.
type keyMetric struct {
	name     string
	unit     Unit
	better   string
	quantile float64 // for UnitMS: the percentile
}

// keyMetrics are the metrics compared for every key, in row order.
var keyMetrics = []keyMetric{
	{name: "p50", unit: UnitMS, better: "lower", quantile: 50},
	{name: "p95", unit: UnitMS, better: "lower", quantile: 95},
	{name: "p99", unit: UnitMS, better: "lower", quantile: 99},
	{name: "error_rate", unit: UnitRatio, better: "lower"},
	{name: "throughput", unit: UnitPerSecond, better: "higher"},
}

// measure returns the metric of one key, or nil when the run has no value.
func (m keyMetric) measure(res *loadgen.Results, k loadgen.KeyResult, ok bool) *float64 {
	if !ok {
		return nil
	}
	switch m.unit {
	case UnitRatio:
		if k.Requests == 0 {
			return nil
		}
		return ptr(float64(k.Errors) / float64(k.Requests))
	case UnitPerSecond:
		if res.Elapsed <= 0 {
			return nil
		}
		return ptr(float64(k.Requests) / res.Elapsed.Seconds())
	}
	if k.Latency.Count() == 0 {
		return nil
	}
	return ptr(ms(k.Latency.Percentile(m.quantile)))
}

// finish computes a row's change and whether it can be judged at all.
func finish(row *ComparisonRow) {
	switch {
	case row.Baseline == nil && row.Current == nil:
		row.Note = "no data in either run"
		return
	case row.Baseline == nil:
		row.Note = "only in the current run"
		return
	case row.Current == nil:
		row.Note = "only in the baseline"
		return
	}
	b, c := *row.Baseline, *row.Current
	switch {
	case b == c:
		row.Change = ptr(0.0)
	case b != 0:
		row.Change = ptr((c - b) / math.Abs(b))
	}
	row.Gated = true
}

// regressed reports whether a row got worse beyond the tolerance and the
// noise floor.
func regressed(row ComparisonRow, tolerance float64) bool {
	if row.Baseline == nil || row.Current == nil {
		return false
	}
	b, c := *row.Baseline, *row.Current
	worse := c - b
	if row.Better == "higher" {
		worse = b - c
	}
	floor := 0.0
	switch row.Unit {
	case UnitMS:
		floor = latencyFloorMS
	case UnitRatio:
		floor = ratioFloor
	}
	if worse <= floor || worse <= 0 {
		return false
	}
	if b == 0 {
		return true
	}
	return worse/math.Abs(b) > tolerance+1e-12
}

func ptr[T any](v T) *T { return &v }
