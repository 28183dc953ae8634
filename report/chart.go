package report

import (
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"
)

// Charts are drawn here as inline SVG, on the server, so the HTML report
// needs no script, no library and no network, reads with JavaScript off,
// prints as vectors, and is byte-for-byte deterministic: every coordinate
// is formatted with one decimal from values in the Results. Colours and
// fonts come from the page's stylesheet through class names.

// chart is a line and stacked-bar chart over time.
type chart struct {
	Label   string               // the chart's accessible name
	XMax    float64              // seconds at the right edge
	YFormat func(float64) string // tick labels of the value axis
	Lines   []line               // drawn over the bars, in order
	Bars    []barSeries          // stacked bottom to top
	BarAt   []float64            // each bar's start, seconds
	BarW    []float64            // each bar's width, seconds
	Limits  []limitLine          // horizontal goal lines
	Marks   []mark               // vertical phase boundaries
	Shade   []span               // stretches to highlight (where a rule failed)
	// ShadeClass styles the shaded stretches; "shade" (a failure) when
	// empty.
	ShadeClass string
	XFormat    func(float64) string // tick labels of the time axis; offsets when nil
	Legend     []legendEntry        // filled in by the builders
	Title      string               // the heading above the chart
	Note       string               // a line under the chart
	Empty      string               // shown instead of the chart when there is no data
	Compact    bool                 // drawn for half the page's width
}

// line is one series of (seconds, value) points; a NaN value breaks it.
type line struct {
	Name   string
	Class  string // CSS class: s-planned, s-achieved, s-p95, …
	Dashed bool
	X, Y   []float64
}

// barSeries is one layer of a stacked bar chart: one value per bar.
type barSeries struct {
	Name   string
	Class  string
	Values []float64
}

// limitLine is a horizontal goal line with its label.
type limitLine struct {
	Label string
	Y     float64
}

// mark is a labelled vertical line: a phase boundary.
type mark struct {
	X    float64
	Name string
	End  float64 // where the phase ends, for fitting its label
}

// span is a highlighted stretch of time.
type span struct{ From, To float64 }

// legendEntry is one key of a chart's legend.
type legendEntry struct {
	Name   string
	Class  string
	Kind   string // "line", "dash", "bar", "limit", "shade"
	Detail string
}

// Chart geometry in SVG user units; the SVG scales to its container, so a
// chart meant for half the page's width is drawn narrower to keep its
// text the same size as a full-width chart's.
const (
	wideChart    = 720.0
	compactChart = 440.0
	chartHeight  = 250.0
	maxChartCol  = 240 // bars or points across a chart; more would be finer than a printed page shows
)

// SVG draws c as an SVG element.
func (c chart) SVG() template.HTML {
	if c.Empty != "" {
		return ""
	}
	var b strings.Builder
	width, maxTicks := wideChart, 8
	if c.Compact {
		width, maxTicks = compactChart, 5
	}
	const left, top, bottom = 58.0, 26.0, 222.0
	right := width - 14
	yMax, yTicks := niceScale(c.maxY())
	xMax := c.XMax
	if xMax <= 0 {
		xMax = 1
	}
	px := func(x float64) float64 { return left + (right-left)*x/xMax }
	py := func(y float64) float64 { return bottom - (bottom-top)*y/yMax }

	b.WriteString(`<svg class="chart" viewBox="0 0 ` + f1(width) + ` ` + f1(chartHeight) + `" role="img" aria-label="`)
	b.WriteString(template.HTMLEscapeString(c.Label))
	b.WriteString(`" xmlns="http://www.w3.org/2000/svg">`)
	shadeClass := "shade"
	if c.ShadeClass != "" {
		shadeClass = c.ShadeClass
	}
	for _, s := range c.Shade {
		from, to := px(math.Max(0, s.From)), px(math.Min(xMax, s.To))
		if to > from {
			b.WriteString(`<rect class="` + shadeClass + `" x="` + f1(from) + `" y="` + f1(top) + `" width="` + f1(to-from) + `" height="` + f1(bottom-top) + `"/>`)
		}
	}
	b.WriteString(`<g class="grid">`)
	for _, t := range yTicks {
		y := py(t)
		b.WriteString(`<line x1="` + f1(left) + `" y1="` + f1(y) + `" x2="` + f1(right) + `" y2="` + f1(y) + `"/>`)
		b.WriteString(`<text class="ytick" x="` + f1(left-6) + `" y="` + f1(y+4) + `">` + template.HTMLEscapeString(c.YFormat(t)) + `</text>`)
	}
	b.WriteString(`</g>`)
	xFormat := c.XFormat
	if xFormat == nil {
		xFormat = func(s float64) string { return offset(time.Duration(s * float64(time.Second))) }
	}
	b.WriteString(`<g class="xaxis">`)
	b.WriteString(`<line x1="` + f1(left) + `" y1="` + f1(bottom) + `" x2="` + f1(right) + `" y2="` + f1(bottom) + `"/>`)
	for _, t := range timeTicks(xMax, maxTicks) {
		x := px(t)
		b.WriteString(`<text x="` + f1(x) + `" y="` + f1(bottom+18) + `">` + template.HTMLEscapeString(xFormat(t)) + `</text>`)
	}
	b.WriteString(`</g>`)
	if len(c.Marks) > 0 {
		b.WriteString(`<g class="marks">`)
		for _, m := range c.Marks {
			x := px(m.X)
			if m.X > 0 {
				b.WriteString(`<line x1="` + f1(x) + `" y1="` + f1(top-14) + `" x2="` + f1(x) + `" y2="` + f1(bottom) + `"/>`)
			}
			// A label needs room: about 6.5 units a character at 11px.
			room := px(math.Min(m.End, xMax)) - x
			if name := fitLabel(m.Name, room); name != "" {
				b.WriteString(`<text x="` + f1(x+4) + `" y="` + f1(top-6) + `">` + template.HTMLEscapeString(name) + `</text>`)
			}
		}
		b.WriteString(`</g>`)
	}
	if len(c.Bars) > 0 {
		b.WriteString(`<g class="bars">`)
		for i, at := range c.BarAt {
			w := math.Max(0.6, px(c.BarW[i])-px(0)-0.8)
			base := 0.0
			for _, s := range c.Bars {
				v := s.Values[i]
				if v <= 0 {
					continue
				}
				top, bottom := py(base+v), py(base)
				b.WriteString(`<rect class="` + s.Class + `" x="` + f1(px(at)+0.4) + `" y="` + f1(top) + `" width="` + f1(w) + `" height="` + f1(math.Max(0.5, bottom-top)) + `"/>`)
				base += v
			}
		}
		b.WriteString(`</g>`)
	}
	for _, l := range c.Lines {
		d := linePath(l, px, py)
		if d == "" {
			continue
		}
		class := "line " + l.Class
		if l.Dashed {
			class += " dashed"
		}
		b.WriteString(`<path class="` + class + `" d="` + d + `"/>`)
	}
	for _, lim := range c.Limits {
		y := py(lim.Y)
		b.WriteString(`<g class="limit"><line x1="` + f1(left) + `" y1="` + f1(y) + `" x2="` + f1(right) + `" y2="` + f1(y) + `"/>`)
		// The label sits at the left end, where a run's lines are
		// usually lowest (warm-up), so it is rarely crossed.
		b.WriteString(`<text x="` + f1(left+6) + `" y="` + f1(y-5) + `">` + template.HTMLEscapeString(lim.Label) + `</text></g>`)
	}
	b.WriteString(`</svg>`)
	// Every text above went through HTMLEscapeString; every attribute is
	// a number or a class name of this file.
	return template.HTML(b.String())
}

// fitLabel returns name if it fits in room units, shortened with an
// ellipsis if a few characters do, or "" when none do.
func fitLabel(name string, room float64) string {
	fits := int((room - 8) / 6.5)
	r := []rune(name)
	switch {
	case fits >= len(r):
		return name
	case fits >= 4:
		return string(r[:fits-1]) + "…"
	}
	return ""
}

// linePath turns a line's points into an SVG path, starting a new subpath
// after every gap.
func linePath(l line, px, py func(float64) float64) string {
	var b strings.Builder
	pen := false
	for i, y := range l.Y {
		if math.IsNaN(y) {
			pen = false
			continue
		}
		if pen {
			b.WriteByte('L')
		} else {
			b.WriteByte('M')
			pen = true
		}
		b.WriteString(f1(px(l.X[i])))
		b.WriteByte(' ')
		b.WriteString(f1(py(y)))
	}
	return b.String()
}

// maxY is the largest value the chart must show: every line point, every
// bar stack and every limit, so a goal line is always in view.
func (c chart) maxY() float64 {
	m := 0.0
	for _, l := range c.Lines {
		for _, y := range l.Y {
			if !math.IsNaN(y) {
				m = math.Max(m, y)
			}
		}
	}
	for i := range c.BarAt {
		sum := 0.0
		for _, s := range c.Bars {
			sum += math.Max(0, s.Values[i])
		}
		m = math.Max(m, sum)
	}
	for _, l := range c.Limits {
		m = math.Max(m, l.Y)
	}
	return m
}

// niceScale picks the top of the value axis and its ticks: four or five
// steps of 1, 2, 2.5 or 5 times a power of ten.
func niceScale(max float64) (top float64, ticks []float64) {
	if max <= 0 || math.IsNaN(max) || math.IsInf(max, 0) {
		max = 1
	}
	raw := max / 4
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	step := pow * 10
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*pow >= raw {
			step = m * pow
			break
		}
	}
	n := math.Ceil(max/step - 1e-9)
	for i := 0.0; i <= n; i++ {
		ticks = append(ticks, i*step)
	}
	return n * step, ticks
}

// timeTicks picks the ticks of the time axis: at most maxTicks, at round
// offsets.
func timeTicks(xMax float64, maxTicks int) []float64 {
	steps := []float64{1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400}
	step := steps[len(steps)-1]
	for _, s := range steps {
		if xMax/s <= float64(maxTicks) {
			step = s
			break
		}
	}
	var ticks []float64
	for t := 0.0; t <= xMax+1e-9; t += step {
		ticks = append(ticks, t)
	}
	return ticks
}

// f1 formats a coordinate with one decimal, the same on every machine.
func f1(v float64) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	if s == "-0" {
		return "0"
	}
	return s
}

// rateTick labels a rate axis: "50/s", "2.5/s".
func rateTick(v float64) string {
	return trimZeros(strconv.FormatFloat(v, 'f', 2, 64)) + "/s"
}

// latencyTick labels a latency axis in milliseconds: "250ms", "1.5s".
func latencyTick(v float64) string {
	if v >= 1000 {
		return trimZeros(strconv.FormatFloat(v/1000, 'f', 2, 64)) + "s"
	}
	return trimZeros(strconv.FormatFloat(v, 'f', 2, 64)) + "ms"
}
