package report

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/liftoff/liftoff/loadgen"
	"github.com/liftoff/liftoff/scenario"
)

// The HTML report is one self-contained file for people who open it from
// a chat message: the verdict in plain words first, then pictures, then
// the tables. It makes no request of its own (no script, font, image or
// stylesheet is fetched; even the favicon is an inline data URL), reads
// the same with JavaScript off, and prints on A4 or Letter. Everything
// that comes from the scenario or the target goes through html/template's
// contextual escaping; the charts are built by chart.go, which escapes
// every text it writes.

//go:embed templates/report.html.tmpl templates/report.css
var templateFS embed.FS

// The template is parsed on first use, not at package init: every liftoff
// command links this package, and most never write HTML.
var htmlTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("report.html.tmpl").ParseFS(templateFS, "templates/report.html.tmpl"))
})

var reportCSS = sync.OnceValue(func() template.CSS {
	b, err := templateFS.ReadFile("templates/report.css")
	if err != nil {
		panic("report: embedded stylesheet missing: " + err.Error()) // the embed directive guarantees it
	}
	return template.CSS(b)
})

// WriteHTML writes the self-contained HTML report of doc.
func WriteHTML(w io.Writer, doc Document) error {
	return htmlTemplate().Execute(w, newHTMLView(doc))
}

// htmlView is everything the template shows, formatted.
type htmlView struct {
	Title      string
	Verdict    Verdict
	Tone       string // "go", "nogo", "inconclusive": the page's colour
	Readiness  readiness
	Scenario   string
	Target     string
	When       string
	Cards      []card
	Traffic    trafficTable
	PlanCharts []chart
	Charts     []chart
	Findings   []findingRow
	Reasons    []string
	Keys       []keyRow
	Visits     []visitRow
	Errors     []errorRow
	Facts      []fact
	Phases     []phaseRow
	Journeys   []journeyRow
	Version    string
	Overrides  string // the command line's overrides, "" when none
	Smoke      bool   // a smoke test: no traffic plan, no charts over time, no goals judged
	CSS        template.CSS
}

// card is one big number on the first screen.
type card struct {
	Label  string
	Value  string
	Detail string
	Tone   string // "good", "warn", "bad"; "" when no rule judged it; "info" for facts
}

type trafficTable struct {
	Expected bool // show the campaign's column
	Rows     []trafficRow
	Notes    []string
}

type trafficRow struct {
	Label, Expected, Planned, Achieved string
}

type findingRow struct {
	Words, Rule, Measured, Limit, Result, Tone, Where string
}

type keyRow struct {
	Name                    string
	Step                    bool // a step of the journey above it
	Requests, Errors        string
	ErrorTone               string
	P50, P90, P95, P99, Max string
}

type visitRow struct {
	Journey, Visits, Failed, P50, P95, P99 string
}

type errorRow struct {
	Class, Description, Count, Share string
	Took                             string // the class's service time, p50; "" for requests never sent
	Examples                         []string
}

type fact struct {
	Label, Value string
}

type phaseRow struct {
	Name, Start, Length, Traffic string
}

type journeyRow struct {
	Name, Share string
	Steps       []string
}

func newHTMLView(doc Document) htmlView {
	res, j := doc.Results, doc.Judgement
	sc := res.Scenario
	r := readinessOf(doc)
	tp := planOf(doc)
	v := htmlView{
		Title:     fmt.Sprintf("%s · %s · liftoff", r.Word, sc.Name),
		Verdict:   j.Verdict,
		Tone:      tone(j.Verdict),
		Readiness: r,
		Scenario:  sc.Name,
		Target:    sc.Target,
		When:      whenLine(doc),
		Cards:     cards(doc, tp),
		Traffic:   trafficRows(doc, tp),
		Reasons:   j.Reasons,
		Version:   res.Version,
		Overrides: overridesLine(doc),
		Smoke:     sc.IsSmoke(),
		CSS:       reportCSS(),
	}
	if v.Version == "" {
		v.Version = "unknown"
	}
	visitors := visitorChart(doc)
	if tp.HasExpectation {
		if sameLength(tp) {
			visitors = withExpected(visitors, tp)
		} else {
			v.PlanCharts = append(v.PlanCharts, expectedChart(tp))
			visitors.Compact = true
		}
	}
	v.PlanCharts = append(v.PlanCharts, visitors)
	v.Charts = []chart{requestChart(doc), latencyChart(doc), errorChart(doc)}
	v.Findings = findingRows(j)
	v.Keys = keyRows(res)
	v.Visits = visitRows(res)
	v.Errors = errorRows(res)
	v.Facts = facts(doc)
	v.Phases = phaseRows(doc.Plan)
	v.Journeys = journeyRows(sc)
	return v
}

func tone(v Verdict) string {
	switch v {
	case Go:
		return "go"
	case NoGo:
		return "nogo"
	}
	return "inconclusive"
}

// whenLine says when the test ran and for how long, from the results
// alone: "Tested on 22 November 2026 at 21:56 UTC for 30 seconds".
func whenLine(doc Document) string {
	res := doc.Results
	var b strings.Builder
	b.WriteString("Tested")
	if !res.Started.IsZero() {
		b.WriteString(res.Started.UTC().Format(" on 2 January 2006 at 15:04 UTC"))
	}
	fmt.Fprintf(&b, " for %s", friendlyLength(roundDuration(res.Elapsed)))
	if res.Interrupted {
		fmt.Fprintf(&b, " of the planned %s (stopped early)", friendlyLength(doc.Plan.Duration()))
	}
	return b.String()
}

// sameLength reports whether the expected curve spans the test's time, so
// both fit one time axis.
func sameLength(tp trafficPlan) bool {
	d := tp.ExpectedLength - tp.TestedLength
	return d > -time.Second && d < time.Second
}

func withExpected(c chart, tp trafficPlan) chart {
	l := curveLine(line{Name: "expected", Class: "s-expected", Dashed: true}, tp.Expected.Curve, 1)
	c.Lines = append([]line{l}, c.Lines...)
	c.Legend = append([]legendEntry{{Name: "campaign expects", Class: "s-expected", Kind: "dash"}}, c.Legend...)
	c.Note = "The grey dashed line is what the campaign expects; the blue dashed line is the test plan; the solid line is the visitors the load generator started."
	return c
}

// cardTone is "bad" when a failed rule on one of metrics is the target's
// fault, "warn" when one failed but not provably by the target, "good"
// when such rules exist and held, "" when none judged it.
func cardTone(j Judgement, metric func(scenario.Metric) bool) string {
	t := ""
	for _, f := range j.Findings {
		if !metric(f.Rule.Metric) || f.NoData {
			continue
		}
		switch {
		case !f.Passed && f.TargetFault:
			return "bad"
		case !f.Passed:
			t = "warn"
		case t == "":
			t = "good"
		}
	}
	return t
}

func trafficRows(doc Document, tp trafficPlan) trafficTable {
	res := doc.Results
	t := trafficTable{Expected: tp.HasExpectation}
	a := res.Arrivals
	perVisit := res.Scenario.RequestsPerVisitor()
	dash := "–"
	started := count(a.Started)
	if a.Missed > 0 {
		started += fmt.Sprintf(" (%s could not start)", count(a.Missed))
	}
	ran := friendlyLength(roundDuration(res.Elapsed))
	if res.Interrupted {
		ran += " (stopped early)"
	}
	random := res.Scenario.Arrivals == scenario.Poisson
	if tp.TestedPeak > 0 {
		plannedVisitors := count(int64(tp.TestedVisitors + 0.5))
		if random {
			plannedVisitors = "about " + plannedVisitors
		}
		planned := shortRate(tp.TestedPeak)
		if tp.HasExpectation && !nearlyOne(tp.Factor) {
			planned += " (" + factor(tp.Factor) + ")"
		}
		t.Rows = append(t.Rows,
			trafficRow{Label: "Peak visitors per second", Expected: shortRate(tp.ExpectedPeak), Planned: planned, Achieved: reachedCell(doc, tp)},
			trafficRow{Label: "Visitors", Expected: count(int64(tp.ExpectedVisitors + 0.5)), Planned: plannedVisitors, Achieved: started},
		)
	}
	answered := count(res.Requests)
	if res.Errors > 0 {
		answered += fmt.Sprintf(" (%s failed)", count(res.Errors))
	}
	plannedRequests := dash
	if perVisit > 0 && tp.TestedVisitors > 0 {
		plannedRequests = "about " + count(int64(tp.TestedVisitors*perVisit+0.5))
	}
	t.Rows = append(t.Rows,
		trafficRow{Label: "Requests", Expected: dash, Planned: plannedRequests, Achieved: answered},
		trafficRow{Label: "Length", Expected: friendlyLength(tp.ExpectedLength), Planned: friendlyLength(tp.TestedLength), Achieved: ran},
	)
	if c := res.Scenario.Campaign; c != nil {
		t.Notes = append(t.Notes, campaignSentence(c))
	}
	if random && tp.TestedPeak > 0 {
		t.Notes = append(t.Notes, "Visitors arrive at random moments, as real ones do, so the number that arrive varies from run to run around the plan's expected count; a few more or fewer than planned is not a fault.")
	}
	switch w := tp.Window.String(); {
	case !tp.HasExpectation && res.Scenario.Campaign == nil:
		t.Notes = append(t.Notes, "The scenario's phases are the plan: the test sent the traffic the scenario describes, with no load factor.")
	case !tp.HasExpectation:
		t.Notes = append(t.Notes, "The test sent the whole campaign as expected, with no load factor.")
	case strings.HasPrefix(w, "peak "):
		t.Notes = append(t.Notes, fmt.Sprintf("The test ran the busiest %s of the campaign, from %s to %s after its start (window: %s).",
			strings.TrimPrefix(w, "peak "), offset(tp.WindowFrom), offset(tp.WindowTo), w))
	case strings.HasPrefix(w, "compressed "):
		t.Notes = append(t.Notes, fmt.Sprintf("The test squeezed the whole campaign into %s (window: %s).", strings.TrimPrefix(w, "compressed "), w))
	}
	if tp.Cap > 0 && tp.Cap == tp.TestedLength {
		t.Notes = append(t.Notes, fmt.Sprintf("The test was cut short at %s (--duration).", friendlyLength(tp.Cap)))
	}
	switch {
	case !tp.HasExpectation || nearlyOne(tp.Factor):
	case tp.Factor > 1:
		t.Notes = append(t.Notes, fmt.Sprintf("Every rate was multiplied by %s (load factor) to test for a stronger response than expected.", factor(tp.Factor)))
	default:
		t.Notes = append(t.Notes, fmt.Sprintf("Every rate was multiplied by %s (load factor): the test sent less than the campaign expects.", factor(tp.Factor)))
	}
	return t
}

// campaignSentence describes the campaign in the words of the launch
// meeting: "An email blast: an email send: … 200,000 people reached × 6%
// = 12,000 expected visitors over 3 hours, peaking at 7.2 visitors a
// second 20m in."
// reachedCell is the traffic table's achieved peak: the visitor rate
// started while the plan was at its peak, and for how long.
func reachedCell(doc Document, tp trafficPlan) string {
	reached, span := peakReached(doc.Results, doc.Plan, tp.TestedPeak)
	if span == 0 {
		return "–"
	}
	return shortRate(reached) + " for " + offset(span)
}

func campaignSentence(c *scenario.CampaignRecord) string {
	var b strings.Builder
	fmt.Fprintf(&b, "The campaign (%s)", c.Shape)
	if c.Description != "" {
		fmt.Fprintf(&b, ": %s", c.Description)
	}
	b.WriteString(". ")
	if c.Audience > 0 && c.Response > 0 {
		fmt.Fprintf(&b, "%s people reached × %s = ", count(int64(c.Audience+0.5)), percent(c.Response))
	}
	fmt.Fprintf(&b, "%s expected visitors over %s", count(int64(c.Visitors+0.5)), friendlyLength(scenario.Seconds(c.DurationS)))
	if c.PeakRate > 0 {
		fmt.Fprintf(&b, ", peaking at %s %s in", visitorRate(c.PeakRate), offset(scenario.Seconds(c.PeakAtS)))
	}
	return b.String() + "."
}

func findingRows(j Judgement) []findingRow {
	var out []findingRow
	for _, f := range j.Findings {
		row := findingRow{Words: ruleInWords(f.Rule), Rule: f.Rule.Text, Measured: measuredCell(f), Limit: formatValue(f.Limit, f.Unit()), Where: f.Where}
		row.Result = findingResult(f)
		switch {
		case f.Passed && !f.Unproven:
			row.Tone = "good"
		case f.TargetFault:
			row.Tone = "bad"
		default:
			row.Tone = "warn"
		}
		if f.Basis == BasisServiceTime && !f.Passed {
			row.Where = strings.TrimSpace(row.Where + " (on the target's service time)")
		}
		out = append(out, row)
	}
	return out
}

func keyRows(res *loadgen.Results) []keyRow {
	var out []keyRow
	for _, k := range res.Keys {
		row := keyRow{Name: k.Key.String(), Step: k.Key.Step != "", Requests: count(k.Requests), Errors: errorCell(k.Errors, k.Requests)}
		if row.Step {
			row.Name = k.Key.Step
		}
		if k.Errors > 0 {
			row.ErrorTone = "bad"
		}
		d := k.Latency
		if d.Count() == 0 {
			row.P50, row.P90, row.P95, row.P99, row.Max = "–", "–", "–", "–", "–"
		} else {
			row.P50, row.P90, row.P95 = latency(d.Percentile(50)), latency(d.Percentile(90)), latency(d.Percentile(95))
			row.P99, row.Max = latency(d.Percentile(99)), latency(d.Max())
		}
		out = append(out, row)
	}
	return out
}

func visitRows(res *loadgen.Results) []visitRow {
	var out []visitRow
	for _, jr := range res.Journeys {
		row := visitRow{Journey: jr.Name, Visits: count(jr.Visits), Failed: errorCell(jr.Failed, jr.Visits)}
		if d := jr.Duration; d.Count() == 0 {
			row.P50, row.P95, row.P99 = "–", "–", "–"
		} else {
			row.P50, row.P95, row.P99 = latency(d.Percentile(50)), latency(d.Percentile(95)), latency(d.Percentile(99))
		}
		out = append(out, row)
	}
	return out
}

// maxExampleLen bounds one error example on the page; a target's error
// page can be kilobytes of HTML.
const maxExampleLen = 300

func errorRows(res *loadgen.Results) []errorRow {
	var out []errorRow
	for _, c := range loadgen.ErrorClasses() {
		n := res.Classes.Of(c)
		if n == 0 {
			continue
		}
		row := errorRow{Class: c.String(), Description: c.Description(), Count: count(n), Share: percent(float64(n) / float64(res.Requests))}
		if d := res.Failures[c].Service; d.Count() > 0 {
			row.Took = latency(d.Percentile(50))
		}
		for _, ex := range res.Examples[c] {
			row.Examples = append(row.Examples, exampleText(ex, maxExampleLen))
		}
		out = append(out, row)
	}
	return out
}

func facts(doc Document) []fact {
	res, j, sc := doc.Results, doc.Judgement, doc.Results.Scenario
	out := []fact{{"Scenario", sc.Name}}
	if sc.File != "" {
		out = append(out, fact{"Scenario file", sc.File})
	}
	out = append(out, fact{"Target", sc.Target})
	if !res.Started.IsZero() {
		out = append(out, fact{"Started", res.Started.UTC().Format("2006-01-02 15:04:05 UTC")})
	}
	if o := overridesLine(doc); o != "" {
		out = append(out, fact{"Command-line overrides", o})
	}
	ran := fmt.Sprintf("%s of the planned %s", offset(res.Elapsed), offset(doc.Plan.Duration()))
	if sc.IsSmoke() {
		ran = smokeRan(doc)
	}
	if res.Interrupted {
		ran += ", " + stoppedWord(res)
	}
	out = append(out, fact{"Ran", ran})
	if sc.Arrivals != "" {
		out = append(out, fact{"Arrivals", fmt.Sprintf("%s (seed %d)", sc.Arrivals, sc.Seed)})
	}
	if c := sc.Campaign; c != nil {
		out = append(out, fact{"Campaign", fmt.Sprintf("%s · %s expected visitors over %s · peak %s at %s",
			c.Shape, count(int64(c.Visitors+0.5)), offset(scenario.Seconds(c.DurationS)), shortRate(c.PeakRate), offset(scenario.Seconds(c.PeakAtS)))})
	}
	if sc.LoadFactor > 0 {
		out = append(out, fact{"Load factor", factor(sc.LoadFactor)})
	}
	if sc.Window != "" {
		out = append(out, fact{"Window", sc.Window})
	}
	if sc.MaxConcurrency > 0 {
		out = append(out, fact{"Max concurrency", count(int64(sc.MaxConcurrency)) + " visitors in flight"})
	}
	if s := Summarize(doc); s.PlannedRate > 0 {
		out = append(out, fact{"Request rate", fmt.Sprintf("%s achieved (plan: %s)", rate(s.AchievedRate), rate(s.PlannedRate))})
	} else {
		out = append(out, fact{"Request rate", rate(s.AchievedRate) + " achieved"})
	}
	health := "kept up with the plan"
	switch {
	case j.Health.Limited:
		health = "was the bottleneck (see the reasons above)"
	case len(j.Health.Limits) > 0:
		health = "limited what some rules could prove (see the reasons above)"
	}
	if limits := j.Health.Limits; len(limits) > 0 {
		health += "; limited by " + limitList(limits)
	}
	if warnings := j.Health.Warnings; len(warnings) > 0 {
		health += "; near its limit on " + limitList(warnings) + " (see the reasons above)"
	}
	out = append(out,
		fact{"Load generator", health},
		fact{"Generator detail", generatorLine(doc)},
		fact{"Timeline resolution", res.Interval.String()},
		fact{"Measured by", "liftoff " + nonEmpty(res.Version, "(unknown version)")},
	)
	return out
}

func nonEmpty(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}

func phaseRows(plan scenario.Plan) []phaseRow {
	var out []phaseRow
	for _, ph := range plan.Phases {
		row := phaseRow{Name: ph.Name, Start: offset(ph.Start), Length: offset(ph.Duration)}
		switch {
		case ph.Concurrency > 0:
			row.Traffic = count(int64(ph.Concurrency)) + " looping visitors"
		case ph.RampTo != 0 && ph.RampTo != ph.Rate:
			row.Traffic = ph.Rate.String() + " → " + ph.RampTo.String()
		default:
			row.Traffic = ph.Rate.String()
		}
		out = append(out, row)
	}
	return out
}

func journeyRows(sc scenario.Record) []journeyRow {
	total := 0
	for _, j := range sc.Journeys {
		total += j.Weight
	}
	var out []journeyRow
	for _, j := range sc.Journeys {
		row := journeyRow{Name: j.Name}
		if total > 0 {
			row.Share = percent(float64(j.Weight) / float64(total))
		}
		for _, st := range j.Steps {
			s := st.Request
			if st.Name != "" && st.Name != st.Request {
				s = st.Name + ": " + st.Request
			}
			row.Steps = append(row.Steps, s)
		}
		out = append(out, row)
	}
	return out
}
