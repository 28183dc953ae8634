package report

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/olekukonko/tablewriter/tw"

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
// traffic, since an open-model run's throughput follows its plan; and
// anything present in only one run. Comparing a run with itself gives
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
	Unit     string   // "ms", "ratio" (0..1) or "req/s"
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
	samePlan := sameTraffic(baseline.Results, current.Results)
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
func sameTraffic(a, b *loadgen.Results) bool {
	pa, pb := a.Scenario.Plan(), b.Scenario.Plan()
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
			if !seen[f.Rule] {
				seen[f.Rule] = true
				rules = append(rules, f.Rule)
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
		row := ComparisonRow{Group: "slo", Subject: rule, Metric: f.Metric, Unit: f.Unit, Better: "lower"}
		if r, err := scenario.ParseRule(rule); err == nil && (r.Op == scenario.Greater || r.Op == scenario.GreaterEqual) {
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
		out = append(out, row)
	}
	return out
}

func findingOf(j Judgement, rule string) (Finding, bool) {
	for _, f := range j.Findings {
		if f.Rule == rule {
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
		for _, m := range []string{"p50", "p95", "p99", "error_rate", "throughput"} {
			row := ComparisonRow{Group: "key", Subject: key.String(), Metric: m}
			row.Baseline = keyMetric(base, b, bok, m, &row)
			row.Current = keyMetric(cur, c, cok, m, &row)
			finish(&row)
			switch {
			case !row.Gated:
			case few:
				row.Gated, row.Note = false, fmt.Sprintf("fewer than %d requests", MinCompareRequests)
			case m == "throughput" && !samePlan:
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

// keyMetric measures metric m of one key and sets the row's unit and
// direction.
func keyMetric(res *loadgen.Results, k loadgen.KeyResult, ok bool, m string, row *ComparisonRow) *float64 {
	row.Unit, row.Better = "ms", "lower"
	switch m {
	case "error_rate":
		row.Unit = "ratio"
	case "throughput":
		row.Unit, row.Better = "req/s", "higher"
	}
	if !ok {
		return nil
	}
	switch m {
	case "error_rate":
		if k.Requests == 0 {
			return nil
		}
		return ptr(float64(k.Errors) / float64(k.Requests))
	case "throughput":
		if res.Elapsed <= 0 {
			return nil
		}
		return ptr(float64(k.Requests) / res.Elapsed.Seconds())
	}
	if k.Latency.Count() == 0 {
		return nil
	}
	q, _ := strconv.ParseFloat(strings.TrimPrefix(m, "p"), 64)
	return ptr(ms(k.Latency.Percentile(q)))
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
	case "ms":
		floor = latencyFloorMS
	case "ratio":
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

// formatCompared formats a row's value in its unit.
func formatCompared(v *float64, unit string) string {
	if v == nil {
		return "–"
	}
	switch unit {
	case "req/s":
		return rate(*v)
	case "ms":
		return formatValue(*v, "ms")
	}
	return percent(*v)
}

// formatChange formats a relative change: "+12.5%", "-3%", "0%", "new"
// (from zero).
func formatChange(row ComparisonRow) string {
	switch {
	case row.Change != nil && *row.Change == 0:
		return "0%"
	case row.Change != nil:
		p := *row.Change * 100
		s := trimZeros(strconv.FormatFloat(p, 'f', 1, 64))
		if s == "0" || s == "-0" {
			s = trimZeros(strconv.FormatFloat(p, 'f', 2, 64))
		}
		if p > 0 {
			s = "+" + s
		}
		return s + "%"
	case row.Baseline != nil && row.Current != nil:
		return "from 0"
	}
	return "–"
}

// status says what a row came to, in a word or two.
func status(row ComparisonRow) string {
	switch {
	case row.Regression:
		return "REGRESSION"
	case !row.Gated:
		return "not judged: " + row.Note
	case row.Change == nil || *row.Change == 0:
		return ""
	}
	improved := *row.Change < 0
	if row.Better == "higher" {
		improved = !improved
	}
	if improved {
		return "better"
	}
	return "worse, within tolerance"
}

// passTransition shows a rule's outcome in both runs: "pass → FAIL".
func passTransition(row ComparisonRow) string {
	word := func(p *bool) string {
		switch {
		case p == nil:
			return "–"
		case *p:
			return "pass"
		}
		return "FAIL"
	}
	return word(row.BaselinePassed) + " → " + word(row.CurrentPassed)
}

func (c Comparison) headline() string {
	n := len(c.Regressions())
	tol := percent(c.MaxRegression)
	if n == 0 {
		return fmt.Sprintf("No regression beyond %s.", tol)
	}
	return fmt.Sprintf("%d regression%s beyond %s.", n, pluralS(n), tol)
}

func pluralS(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func describeRun(r RunInfo) string {
	s := fmt.Sprintf("%s: %s, %s", r.Label, r.Scenario, r.Verdict)
	if !r.Started.IsZero() {
		s += ", started " + r.Started.UTC().Format("2006-01-02 15:04 UTC")
	}
	return s
}

// WriteComparisonTerminal writes the comparison as terminal tables.
func WriteComparisonTerminal(w io.Writer, c Comparison) error {
	out := &errWriter{w: w}
	out.printf("baseline %s\ncurrent  %s\n", describeRun(c.Baseline), describeRun(c.Current))
	for _, n := range c.Notes {
		out.printf("note: %s\n", n)
	}
	if rows := c.group("slo"); len(rows) > 0 {
		out.printf("\nSLO rules\n")
		t := newTable(out, tw.AlignLeft, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignLeft, tw.AlignLeft)
		t.Header("Rule", "Baseline", "Current", "Change", "Outcome", "")
		for _, r := range rows {
			if err := t.Append(r.Subject, formatCompared(r.Baseline, r.Unit), formatCompared(r.Current, r.Unit), formatChange(r), passTransition(r), status(r)); err != nil {
				return err
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	if rows := c.group("key"); len(rows) > 0 {
		out.printf("\nJourneys and steps\n")
		t := newTable(out, tw.AlignLeft, tw.AlignLeft, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignLeft)
		t.Header("Journey / step", "Metric", "Baseline", "Current", "Change", "")
		last := ""
		for _, r := range rows {
			subject := r.Subject
			if subject == last {
				subject = ""
			}
			last = r.Subject
			if err := t.Append(subject, r.Metric, formatCompared(r.Baseline, r.Unit), formatCompared(r.Current, r.Unit), formatChange(r), status(r)); err != nil {
				return err
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	out.printf("\n%s\n", c.headline())
	regs, more := c.firstRegressions()
	for _, r := range regs {
		out.printf("  - %s\n", regressionLine(r))
	}
	if more > 0 {
		out.printf("  - and %d more (see the tables above)\n", more)
	}
	return out.err
}

// listedRegressions is how many regressions a summary lists one by one;
// the tables show the rest.
const listedRegressions = 10

// firstRegressions returns the regressions a summary lists and how many
// more there are.
func (c Comparison) firstRegressions() ([]ComparisonRow, int) {
	regs := c.Regressions()
	if len(regs) <= listedRegressions {
		return regs, 0
	}
	return regs[:listedRegressions], len(regs) - listedRegressions
}

// regressionLine names one regression: "browse p95: 120ms → 180ms (+50%)".
func regressionLine(r ComparisonRow) string {
	name := r.Subject
	if r.Group == "key" {
		name += " " + r.Metric
	}
	return fmt.Sprintf("%s: %s → %s (%s)", name, formatCompared(r.Baseline, r.Unit), formatCompared(r.Current, r.Unit), formatChange(r))
}

func (c Comparison) group(g string) []ComparisonRow {
	var out []ComparisonRow
	for _, r := range c.Rows {
		if r.Group == g {
			out = append(out, r)
		}
	}
	return out
}

// WriteComparisonMarkdown writes the comparison as Markdown: the headline,
// the regressions, the SLO table, and the journey/step table folded.
func WriteComparisonMarkdown(w io.Writer, c Comparison) error {
	out := &errWriter{w: w}
	icon := "✅"
	if len(c.Regressions()) > 0 {
		icon = "❌"
	}
	out.printf("## %s %s\n\n", icon, c.headline())
	out.printf("- baseline: %s\n- current: %s\n", mdText(describeRun(c.Baseline)), mdText(describeRun(c.Current)))
	for _, n := range c.Notes {
		out.printf("- note: %s\n", mdText(n))
	}
	out.printf("\n")
	if regs, more := c.firstRegressions(); len(regs) > 0 {
		for _, r := range regs {
			out.printf("- ❌ %s\n", mdText(regressionLine(r)))
		}
		if more > 0 {
			out.printf("- and %d more (see the tables below)\n", more)
		}
		out.printf("\n")
	}
	if rows := c.group("slo"); len(rows) > 0 {
		out.printf("| SLO | Baseline | Current | Change | Outcome | |\n| --- | ---: | ---: | ---: | --- | --- |\n")
		for _, r := range rows {
			out.printf("| %s | %s | %s | %s | %s | %s |\n", mdText(r.Subject), formatCompared(r.Baseline, r.Unit), formatCompared(r.Current, r.Unit),
				formatChange(r), passTransition(r), mdText(status(r)))
		}
		out.printf("\n")
	}
	if rows := c.group("key"); len(rows) > 0 {
		out.printf("<details><summary>Journeys and steps</summary>\n\n")
		out.printf("| Journey / step | Metric | Baseline | Current | Change | |\n| --- | --- | ---: | ---: | ---: | --- |\n")
		for _, r := range rows {
			out.printf("| %s | %s | %s | %s | %s | %s |\n", mdText(r.Subject), mdText(r.Metric), formatCompared(r.Baseline, r.Unit), formatCompared(r.Current, r.Unit),
				formatChange(r), mdText(status(r)))
		}
		out.printf("\n</details>\n")
	}
	return out.err
}

// The comparison's JSON, for scripts:
//
//	{
//	  "baseline": {"label", "scenario", "target", "started", "verdict"},
//	  "current":  {…},
//	  "max_regression": 0.1,          // the tolerance, relative
//	  "regressions": 2,               // rows with "regression": true
//	  "notes": ["…"],
//	  "rows": [{"group": "slo"|"key", "subject", "metric", "unit": "ms"|"ratio"|"req/s",
//	            "better": "lower"|"higher", "baseline", "current", "change",  // null when missing
//	            "baseline_passed", "current_passed",                          // rules only
//	            "regression", "gated", "note"}]
//	}
type comparisonFile struct {
	Baseline      runFile   `json:"baseline"`
	Current       runFile   `json:"current"`
	MaxRegression float64   `json:"max_regression"`
	Regressions   int       `json:"regressions"`
	Notes         []string  `json:"notes"`
	Rows          []rowFile `json:"rows"`
}

type runFile struct {
	Label    string  `json:"label"`
	Scenario string  `json:"scenario"`
	Target   string  `json:"target"`
	Started  string  `json:"started,omitempty"`
	Verdict  Verdict `json:"verdict"`
}

type rowFile struct {
	Group          string   `json:"group"`
	Subject        string   `json:"subject"`
	Metric         string   `json:"metric"`
	Unit           string   `json:"unit"`
	Better         string   `json:"better"`
	Baseline       *float64 `json:"baseline"`
	Current        *float64 `json:"current"`
	Change         *float64 `json:"change"`
	BaselinePassed *bool    `json:"baseline_passed,omitempty"`
	CurrentPassed  *bool    `json:"current_passed,omitempty"`
	Regression     bool     `json:"regression"`
	Gated          bool     `json:"gated"`
	Note           string   `json:"note,omitempty"`
}

// WriteComparisonJSON writes the comparison as JSON (schema above).
func WriteComparisonJSON(w io.Writer, c Comparison) error {
	run := func(r RunInfo) runFile {
		f := runFile{Label: r.Label, Scenario: r.Scenario, Target: r.Target, Verdict: r.Verdict}
		if !r.Started.IsZero() {
			f.Started = r.Started.UTC().Format(time.RFC3339)
		}
		return f
	}
	out := comparisonFile{Baseline: run(c.Baseline), Current: run(c.Current), MaxRegression: c.MaxRegression,
		Regressions: len(c.Regressions()), Notes: nonNil(c.Notes), Rows: []rowFile{}}
	for _, r := range c.Rows {
		out.Rows = append(out.Rows, rowFile(r))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
