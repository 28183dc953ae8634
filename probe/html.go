package probe

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
)

// WriteHTML writes the probe as one self-contained page: the answer in
// plain words first, then the capacity chart (load offered against
// latency percentiles and errors, the expected peak and the knee
// marked), the steps and the what-ifs.
func WriteHTML(w io.Writer, r *Result) error {
	data := htmlData{R: r, Headline: r.Headline(), Chart: template.HTML(capacityChart(r)), Rows: stepRows(r), Summary: summaryLines(r)}
	data.Plain = plainWords(r)
	return htmlPage().Execute(w, data)
}

type htmlData struct {
	R        *Result
	Headline string
	Plain    []string
	Chart    template.HTML // built from numbers and escaped labels only
	Rows     [][]string
	Summary  []string
}

// plainWords is the first screen's explanation, for people who do not
// read latency percentiles.
func plainWords(r *Result) []string {
	var out []string
	if k := r.Knee; k != nil {
		out = append(out, fmt.Sprintf("The site kept its promises (the scenario's SLO rules) with %s visitors arriving per second, %s times what the campaign expects at its busiest.",
			FormatRate(k.Visitors), strings.TrimSuffix(FormatFactor(k.Factor), "x")))
	}
	if b := r.Breaking; b != nil {
		s := fmt.Sprintf("At %s visitors per second it stopped keeping them (%s)", FormatRate(b.Visitors), b.Rule)
		if r.Degraded != "" {
			s += "; " + r.Degraded + " slowed down first"
		}
		out = append(out, s+".")
	}
	if r.LimitedBy == ByGenerator {
		out = append(out, fmt.Sprintf("The test machine could not send more than %s requests per second, so the site's limit is beyond what this test could show. Spread the load over more machines (see segments).", FormatRate(r.GeneratorCeiling)))
	}
	for _, a := range r.WhatIfs {
		out = append(out, a.Sentence)
	}
	return out
}

// capacityChart draws the steps by offered requests/s: p50, p95 and p99
// latency as lines on the left axis, the error rate as bars on the right
// one, and the expected peak and the knee as vertical lines.
func capacityChart(r *Result) string {
	type point struct{ x, p50, p95, p99, errs float64 }
	var pts []point
	for _, s := range r.Steps {
		if s.Doc == nil {
			continue
		}
		l := s.Summary.LatencyMS
		pts = append(pts, point{s.Summary.PlannedRate, l.P50, l.P95, l.P99, s.Summary.ErrorRate})
	}
	if len(pts) == 0 {
		return ""
	}
	slices.SortFunc(pts, func(a, b point) int {
		switch {
		case a.x < b.x:
			return -1
		case a.x > b.x:
			return 1
		}
		return 0
	})
	const width, height, left, right, top, bottom = 720.0, 320.0, 60.0, 50.0, 20.0, 40.0
	maxX, maxY := 0.0, 0.0
	for _, p := range pts {
		maxX, maxY = max(maxX, p.x), max(maxY, p.p99)
	}
	peakX := float64(r.Peak) * r.PerVisit
	maxX = max(maxX, peakX) * 1.05
	maxY = niceCeil(maxY * 1.1)
	if maxX <= 0 || maxY <= 0 {
		return ""
	}
	x := func(v float64) float64 { return left + v/maxX*(width-left-right) }
	y := func(v float64) float64 { return top + (1-v/maxY)*(height-top-bottom) }
	yErr := func(v float64) float64 { return top + (1-v)*(height-top-bottom) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %g %g" role="img" aria-label="Latency and errors against the load offered">`, width, height)
	fmt.Fprintf(&b, `<line x1="%g" y1="%g" x2="%g" y2="%g" class="axis"/>`, left, height-bottom, width-right, height-bottom)
	fmt.Fprintf(&b, `<line x1="%g" y1="%g" x2="%g" y2="%g" class="axis"/>`, left, top, left, height-bottom)
	for i := 0; i <= 4; i++ {
		v := maxY * float64(i) / 4
		fmt.Fprintf(&b, `<text x="%g" y="%g" class="tick" text-anchor="end">%s</text>`, left-6, y(v)+4, FormatMS(v))
		fmt.Fprintf(&b, `<text x="%g" y="%g" class="tick">%.0f%%</text>`, width-right+6, yErr(float64(i)/4)+4, float64(i)*25)
		xv := maxX * float64(i) / 4
		fmt.Fprintf(&b, `<text x="%g" y="%g" class="tick" text-anchor="middle">%s</text>`, x(xv), height-bottom+16, FormatRate(xv))
	}
	fmt.Fprintf(&b, `<text x="%g" y="%g" class="label" text-anchor="middle">requests/s offered</text>`, (left+width-right)/2, height-6)
	barW := (width - left - right) / float64(len(pts)+4) / 2
	for _, p := range pts {
		if p.errs > 0 {
			fmt.Fprintf(&b, `<rect class="errors" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s errors at %s</title></rect>`,
				x(p.x)-barW/2, yErr(p.errs), barW, height-bottom-yErr(p.errs), FormatPercent(p.errs), FormatRate(p.x))
		}
	}
	for _, line := range []struct {
		class string
		v     func(point) float64
	}{{"p50", func(p point) float64 { return p.p50 }}, {"p95", func(p point) float64 { return p.p95 }}, {"p99", func(p point) float64 { return p.p99 }}} {
		var coords []string
		for _, p := range pts {
			coords = append(coords, fmt.Sprintf("%.1f,%.1f", x(p.x), y(line.v(p))))
		}
		fmt.Fprintf(&b, `<polyline class="%s" points="%s"/>`, line.class, strings.Join(coords, " "))
		for _, p := range pts {
			fmt.Fprintf(&b, `<circle class="%s" cx="%.1f" cy="%.1f" r="3"><title>%s %s at %s</title></circle>`, line.class, x(p.x), y(line.v(p)), line.class, FormatMS(line.v(p)), FormatRate(p.x))
		}
	}
	marker := func(v float64, class, label string) {
		fmt.Fprintf(&b, `<line class="%s" x1="%.1f" y1="%g" x2="%.1f" y2="%g"/><text class="%s" x="%.1f" y="%g">%s</text>`,
			class, x(v), top, x(v), height-bottom, class, x(v)+4, top+12, template.HTMLEscapeString(label))
	}
	marker(peakX, "peak", "expected peak")
	if k := r.Knee; k != nil {
		marker(k.Summary.PlannedRate, "knee", "knee "+FormatFactor(k.Factor))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 0
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// htmlPage is parsed on first use, not at package init: every liftoff
// command links this package, and only probe --html writes the page.
var htmlPage = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("probe").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>liftoff probe: {{.R.Scenario}} — {{.R.Verdict}}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1d2330}
.first{border-radius:8px;padding:1rem 1.5rem;margin-bottom:2rem}
.GO{background:#e6f6ea}.NO-GO{background:#fdeaea}.INCONCLUSIVE{background:#fff5dd}
.first h1{margin:.2rem 0;font-size:1.6rem}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:.3rem .5rem;border-bottom:1px solid #dde;text-align:right}
td:last-child,th:last-child{text-align:left}
.chart{width:100%;height:auto}
.axis{stroke:#889}.tick,.label{font-size:11px;fill:#556}
polyline{fill:none;stroke-width:2}
.p50{stroke:#4a8}.p95{stroke:#d80}.p99{stroke:#c33}
circle.p50{fill:#4a8}circle.p95{fill:#d80}circle.p99{fill:#c33}
.errors{fill:#c33;opacity:.25}
line.peak{stroke:#357;stroke-dasharray:4 3}text.peak{fill:#357;font-size:11px}
line.knee{stroke:#2a6;stroke-dasharray:2 2}text.knee{fill:#2a6;font-size:11px}
.legend span{margin-right:1rem}
</style></head><body>
<section class="first {{.R.Verdict}}">
<p>liftoff probe · {{.R.Scenario}} · {{.R.Verdict}}</p>
<h1>{{.Headline}}</h1>
{{range .Plain}}<p>{{.}}</p>
{{end}}</section>
<h2>Capacity</h2>
<p class="legend"><span style="color:#4a8">— p50</span><span style="color:#d80">— p95</span><span style="color:#c33">— p99</span><span style="color:#c33">▮ errors (right axis)</span><span style="color:#357">┆ expected peak</span><span style="color:#2a6">┆ knee</span></p>
{{.Chart}}
<ul>{{range .Summary}}<li>{{.}}</li>{{end}}</ul>
<h2>Steps</h2>
<table><tr><th>step</th><th>factor</th><th>visitors/s</th><th>planned req/s</th><th>achieved req/s</th><th>p50</th><th>p95</th><th>p99</th><th>errors</th><th>outcome</th></tr>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>
<h2>Why</h2>
<ul>{{range .R.Reasons}}<li>{{.}}</li>{{end}}</ul>
</body></html>
`))
})
