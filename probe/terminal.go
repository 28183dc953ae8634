package probe

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/liftoff/liftoff/report"
)

// Headline is the probe's answer in plain words, for the first line of
// every report: "Ready for 2.5× the expected email-blast peak".
func (r *Result) Headline() string {
	peak := "the expected peak"
	if r.Shape != "" {
		peak = "the expected " + r.Shape + " peak"
	}
	times := func(f float64) string { return strings.TrimSuffix(FormatFactor(f), "x") + "×" }
	switch {
	case r.Knee != nil && r.Knee.Factor >= 1 && r.LimitedBy == ByNone && !r.Interrupted:
		return fmt.Sprintf("Ready for at least %s %s: every step held", times(r.Knee.Factor), peak)
	case r.Knee != nil && r.Knee.Factor >= 1 && r.LimitedBy == ByGenerator:
		return fmt.Sprintf("Ready for at least %s %s; beyond that unknown: the generator's ceiling was reached", times(r.Knee.Factor), peak)
	case r.Knee != nil && r.Knee.Factor >= 1:
		return fmt.Sprintf("Ready for %s %s", times(r.Knee.Factor), peak)
	case r.Breaking != nil:
		return fmt.Sprintf("Not ready for %s: the target broke at %s of it", peak, times(r.Breaking.Factor))
	case r.LimitedBy == ByGenerator:
		return fmt.Sprintf("Unknown: the generator's ceiling was reached at %s requests/s before the target failed", FormatRate(r.GeneratorCeiling))
	}
	return "Unknown: the probe measured no step it could judge"
}

// WriteTerminal writes the probe's report for a terminal: a table of the
// steps, then the knee, the break, the headroom, the what-ifs and the
// verdict.
func WriteTerminal(w io.Writer, r *Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "\nliftoff probe: %s\n", r.Scenario)
	fmt.Fprintf(&b, "expected peak: %s visitors/s (%s requests/s) in phase %q; steps of %s\n\n",
		FormatRate(float64(r.Peak)), FormatRate(float64(r.Peak)*r.PerVisit), r.PeakPhase, formatSeconds(r.Config.Step.Seconds()))
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "step\tfactor\tvisitors/s\tplanned req/s\tachieved req/s\tp50\tp95\tp99\terrors\toutcome\t")
	for _, row := range stepRows(r) {
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	b.WriteString("\n")
	for _, line := range summaryLines(r) {
		fmt.Fprintf(&b, "%s\n", line)
	}
	if len(r.WhatIfs) > 0 {
		b.WriteString("\nWhat if:\n")
		for _, a := range r.WhatIfs {
			fmt.Fprintf(&b, "  %s\n", a.Sentence)
		}
	}
	fmt.Fprintf(&b, "\n%s. Verdict: %s\n", r.Headline(), r.Verdict)
	for _, reason := range r.Reasons {
		fmt.Fprintf(&b, "  - %s\n", reason)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// stepRows are the steps as table cells, in run order.
func stepRows(r *Result) [][]string {
	var rows [][]string
	for _, s := range r.Steps {
		row := []string{fmt.Sprint(s.Index), FormatFactor(s.Factor), FormatRate(s.Visitors)}
		if s.Doc == nil {
			row = append(row, "", "", "", "", "", "", "not run")
		} else {
			sum := s.Summary
			row = append(row, FormatRate(sum.PlannedRate), FormatRate(sum.AchievedRate),
				FormatMS(sum.LatencyMS.P50), FormatMS(sum.LatencyMS.P95), FormatMS(sum.LatencyMS.P99), FormatPercent(sum.ErrorRate), outcomeText(s))
		}
		rows = append(rows, row)
	}
	return rows
}

func outcomeText(s *Step) string {
	text := string(s.Outcome)
	if s.Doc != nil && s.Doc.Results.Abort != nil {
		text = "aborted"
	}
	if s.Rule != "" {
		text += ": " + s.Rule
	}
	return text
}

// summaryLines say the knee, the break, the headroom and the limit.
func summaryLines(r *Result) []string {
	var out []string
	if k := r.Knee; k != nil {
		out = append(out, fmt.Sprintf("Knee:      %s the expected peak: %s visitors/s, %s requests/s", FormatFactor(k.Factor), FormatRate(k.Visitors), FormatRate(k.Summary.AchievedRate)))
	} else {
		out = append(out, "Knee:      none: no step held")
	}
	if b := r.Breaking; b != nil {
		line := fmt.Sprintf("Breaking:  %s: %s", FormatFactor(b.Factor), b.Rule)
		if b.Measured != "" {
			line += " (measured " + b.Measured + ")"
		}
		out = append(out, line)
	}
	if r.Degraded != "" {
		out = append(out, "First to degrade: "+r.Degraded)
	}
	out = append(out, fmt.Sprintf("Headroom:  %s (required %s)", FormatFactor(r.Headroom()), FormatFactor(r.Config.Require)))
	limit := string(r.LimitedBy)
	if r.LimitedBy == ByGenerator {
		limit += fmt.Sprintf(" (its ceiling: %s requests/s)", FormatRate(r.GeneratorCeiling))
	}
	return append(out, "Limited by: "+limit)
}

func formatSeconds(s float64) string { return fmt.Sprintf("%gs", s) }

// WriteMarkdown writes the probe's summary for a pull request or a CI
// job summary.
func WriteMarkdown(w io.Writer, r *Result) error {
	var b strings.Builder
	icon := map[report.Verdict]string{report.Go: "✅", report.NoGo: "❌", report.Inconclusive: "⚠️"}[r.Verdict]
	fmt.Fprintf(&b, "## %s liftoff probe: %s — %s\n\n**%s.**\n\n", icon, r.Scenario, r.Verdict, r.Headline())
	for _, line := range summaryLines(r) {
		fmt.Fprintf(&b, "- %s\n", strings.Join(strings.Fields(line), " "))
	}
	b.WriteString("\n| step | factor | visitors/s | planned req/s | achieved req/s | p50 | p95 | p99 | errors | outcome |\n")
	b.WriteString("|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---|\n")
	for _, row := range stepRows(r) {
		for i := range row {
			row[i] = strings.ReplaceAll(row[i], "|", `\|`)
		}
		fmt.Fprintf(&b, "| %s |\n", strings.Join(row, " | "))
	}
	if len(r.WhatIfs) > 0 {
		b.WriteString("\n**What if**\n\n")
		for _, a := range r.WhatIfs {
			fmt.Fprintf(&b, "- %s\n", a.Sentence)
		}
	}
	b.WriteString("\n")
	for _, reason := range r.Reasons {
		fmt.Fprintf(&b, "- %s\n", reason)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
