package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/olekukonko/tablewriter/tw"
)

// This file renders a Comparison: terminal tables, Markdown and JSON.

// formatCompared formats a row's value in its unit.
func formatCompared(v *float64, unit Unit) string {
	if v == nil {
		return "–"
	}
	return formatValue(*v, unit)
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
		out.Rows = append(out.Rows, rowFile{Group: r.Group, Subject: r.Subject, Metric: r.Metric, Unit: r.Unit.String(), Better: r.Better,
			Baseline: r.Baseline, Current: r.Current, Change: r.Change, BaselinePassed: r.BaselinePassed, CurrentPassed: r.CurrentPassed,
			Regression: r.Regression, Gated: r.Gated, Note: r.Note})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
