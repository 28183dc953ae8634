package report

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/liftoff/liftoff/loadgen"
)

// The Markdown summary fits a pull-request comment or a CI job summary
// ($GITHUB_STEP_SUMMARY): the verdict and the plain sentence, the SLO
// table, one line each for traffic, latency and the generator, then the
// per-step and error tables folded in <details>. Every text from the
// scenario or the target goes through mdText, so it can neither break a
// table nor become markup.

// WriteMarkdown writes the Markdown summary of doc.
func WriteMarkdown(w io.Writer, doc Document) error {
	res, j := doc.Results, doc.Judgement
	r := readinessOf(doc)
	out := &errWriter{w: w}
	out.printf("## %s %s: %s\n\n", verdictIcon(j.Verdict), j.Verdict, mdText(res.Scenario.Name))
	out.printf("**%s**\n\n", mdText(r.Sentence))
	if reasons := reasonsBeyondTable(j); len(reasons) > 0 {
		for _, reason := range reasons {
			out.printf("- %s\n", mdText(reason))
		}
		out.printf("\n")
	}
	if len(j.Findings) > 0 {
		out.printf("| SLO | Measured | Limit | Result | Where |\n| --- | ---: | ---: | --- | --- |\n")
		for _, f := range j.Findings {
			out.printf("| %s | %s | %s | %s %s | %s |\n", mdText(f.Rule.Text), measuredCell(f), formatValue(f.Limit, f.Unit()),
				findingIcon(f), findingResult(f), mdText(f.Where))
		}
		out.printf("\n")
	}
	s := Summarize(doc)
	ran := fmt.Sprintf("%s of %s", offset(res.Elapsed), offset(doc.Plan.Duration()))
	if res.Scenario.IsSmoke() {
		ran = smokeRan(doc)
	}
	if res.Interrupted {
		ran += " (" + stoppedWord(res) + ")"
	}
	achieved := rate(s.AchievedRate) + " achieved"
	if s.PlannedRate > 0 {
		achieved += fmt.Sprintf(" (plan: %s)", rate(s.PlannedRate))
	}
	out.printf("**Run:** %s · %s requests · %s · errors %s (%s)  \n", ran, count(s.Requests), achieved, count(s.Errors), percent(s.ErrorRate))
	if o := overridesLine(doc); o != "" {
		out.printf("**Overrides:** %s  \n", mdText(o))
	}
	if s.LatencyMS.Requests > 0 {
		l := s.LatencyMS
		out.printf("**Latency (successful requests):** p50 %s · p95 %s · p99 %s · max %s  \n", formatValue(l.P50, UnitMS), formatValue(l.P95, UnitMS), formatValue(l.P99, UnitMS), formatValue(l.Max, UnitMS))
	}
	health := "kept up"
	switch {
	case j.Health.Limited:
		health = "was the bottleneck"
	case len(j.Health.Limits) > 0:
		health = "limited some rules"
	}
	if limits := j.Health.Limits; len(limits) > 0 {
		health += " (" + limitList(limits) + ")"
	}
	if warnings := j.Health.Warnings; len(warnings) > 0 {
		health += ", near its limit (" + limitList(warnings) + ")"
	}
	out.printf("**Generator:** %s · %s\n\n", health, generatorLine(doc))

	if len(res.Keys) > 0 {
		out.printf("<details><summary>Latency of successful requests by journey and step</summary>\n\n")
		out.printf("| Journey / step | Requests | Errors | p50 | p95 | p99 | max |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n")
		for _, k := range res.Keys {
			name := mdText(k.Key.String())
			if k.Key.Step != "" {
				name = "↳ " + mdText(k.Key.Step)
			}
			d := k.Latency
			cells := "– | – | – | –"
			if d.Count() > 0 {
				cells = fmt.Sprintf("%s | %s | %s | %s", latency(d.Percentile(50)), latency(d.Percentile(95)), latency(d.Percentile(99)), latency(d.Max()))
			}
			out.printf("| %s | %s | %s | %s |\n", name, count(k.Requests), errorCell(k.Errors, k.Requests), cells)
		}
		out.printf("\n</details>\n\n")
	}
	if res.Errors > 0 {
		out.printf("<details><summary>Errors by class</summary>\n\n")
		out.printf("| Class | Requests | Share | Example |\n| --- | ---: | ---: | --- |\n")
		for _, c := range loadgen.ErrorClasses() {
			n := res.Classes.Of(c)
			if n == 0 {
				continue
			}
			example := ""
			if ex := res.Examples[c]; len(ex) > 0 {
				example = mdText(exampleText(ex[0], 160))
			}
			out.printf("| %s | %s | %s | %s |\n", c, count(n), percent(float64(n)/float64(res.Requests)), example)
		}
		out.printf("\n</details>\n\n")
	}
	foot := []string{"target " + mdText(res.Scenario.Target)}
	if res.Scenario.File != "" {
		foot = append([]string{"scenario " + mdText(res.Scenario.File)}, foot...)
	}
	if !res.Started.IsZero() {
		foot = append(foot, "started "+res.Started.UTC().Format("2006-01-02 15:04 UTC"))
	}
	foot = append(foot, "liftoff "+mdText(nonEmpty(res.Version, "(unknown version)")))
	out.printf("<sub>%s</sub>\n", strings.Join(foot, " · "))
	return out.err
}

// reasonsBeyondTable are the verdict's reasons that the SLO table does not
// already show: the generator's health, an interruption, a rule that
// could not be judged. A GO's one reason ("all rules held") is the table.
func reasonsBeyondTable(j Judgement) []string {
	if j.Verdict == Go { // a GO's caveats
		var caveats []string
		if slices.Contains(j.Reasons, insecureReason) {
			caveats = append(caveats, insecureReason)
		}
		return append(caveats, j.Health.WarningReasons...)
	}
	shown := map[string]bool{}
	for _, f := range j.Findings {
		if !f.Passed && f.TargetFault {
			shown[findingSentence(f)] = true
		}
	}
	var out []string
	for _, r := range j.Reasons {
		if !shown[r] {
			out = append(out, r)
		}
	}
	return out
}

func verdictIcon(v Verdict) string {
	switch v {
	case Go:
		return "✅"
	case NoGo:
		return "❌"
	}
	return "⚠️"
}

func findingIcon(f Finding) string {
	switch {
	case f.Passed && !f.Unproven:
		return "✅"
	case f.TargetFault:
		return "❌"
	}
	return "⚠️"
}

// mdText makes text safe in Markdown, table cells included: HTML's
// special characters become entities, so a target's error page shows as
// text, and Markdown's become backslash escapes, so a name cannot turn
// into a link, emphasis or a new table cell. Line breaks become spaces.
func mdText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '\n', '\r', '\t':
			b.WriteByte(' ')
		case '\\', '`', '*', '_', '[', ']', '|', '~', '#', '!':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
