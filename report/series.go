package report

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/liftoff/liftoff/loadgen"
	"github.com/liftoff/liftoff/scenario"
)

// column is one or more adjacent timeline intervals drawn as one point or
// bar, so a three-hour run draws as many columns as a one-minute run.
type column struct {
	From  time.Duration
	Width time.Duration // the time its counts fell in: its intervals, or what the run's end left of them
	Idx   []int         // indexes into Results.Timeline
}

// columns groups the timeline up to end (the run's elapsed time, or
// where arrivals stopped) into at most maxChartCol columns. The last
// interval ends with the run, however short: its counts are rates over
// the time it really covered, never over a whole interval, which would
// draw a drop the target never made. A last stretch shorter than half a
// column joins the column before it, so a few answers in the run's last
// milliseconds do not spike the rate either.
func columns(res *loadgen.Results, end time.Duration) []column {
	n := len(res.Timeline)
	if n == 0 || res.Interval <= 0 {
		return nil
	}
	per := (n + maxChartCol - 1) / maxChartCol
	full := time.Duration(per) * res.Interval
	var out []column
	for i := 0; i < n; i += per {
		c := column{From: res.Timeline[i].Offset, Width: full}
		if end > 0 && c.From >= end {
			break
		}
		for k := i; k < min(n, i+per); k++ {
			c.Idx = append(c.Idx, k)
		}
		if end > c.From && end < c.From+full {
			c.Width = end - c.From
		}
		if last := len(out) - 1; last >= 0 && c.Width < full/2 {
			out[last].Idx = append(out[last].Idx, c.Idx...)
			out[last].Width += c.Width
			continue
		}
		out = append(out, c)
	}
	return out
}

func (c column) mid() float64 { return (c.From + c.Width/2).Seconds() }

// perSecond sums count over each column's intervals and divides by the
// time the counts fell in: one rate per column.
func perSecond(res *loadgen.Results, cols []column, count func(*loadgen.Interval) int64) []float64 {
	out := make([]float64, 0, len(cols))
	for _, col := range cols {
		var n int64
		for _, i := range col.Idx {
			n += count(&res.Timeline[i])
		}
		out = append(out, float64(n)/col.Width.Seconds())
	}
	return out
}

// mids are the columns' midpoints in seconds, where their values are
// drawn.
func mids(cols []column) []float64 {
	out := make([]float64, 0, len(cols))
	for _, col := range cols {
		out = append(out, col.mid())
	}
	return out
}

// curveLine draws a planned rate curve into l, its rates times scale.
func curveLine(l line, curve []scenario.Point, scale float64) line {
	for _, pt := range curve {
		l.X = append(l.X, pt.At.Seconds())
		l.Y = append(l.Y, float64(pt.Rate)*scale)
	}
	return l
}

// overTime starts a chart of the run over time: its axis spans the run,
// or the plan if longer, with the plan's phases marked.
func overTime(doc Document, title, label string, yFormat func(float64) string) chart {
	return chart{Title: title, Label: label, YFormat: yFormat, Marks: phaseMarks(doc.Plan.Phases),
		XMax: math.Max(doc.Results.Elapsed.Seconds(), doc.Plan.Duration().Seconds())}
}

// phaseMarks labels the phases along the time axis when there are several.
func phaseMarks(phases []scenario.Phase) []mark {
	if len(phases) < 2 {
		return nil
	}
	var out []mark
	for _, ph := range phases {
		out = append(out, mark{X: ph.Start.Seconds(), Name: ph.Name, End: (ph.Start + ph.Duration).Seconds()})
	}
	return out
}

// is matches one metric.
func is(m scenario.Metric) func(scenario.Metric) bool {
	return func(x scenario.Metric) bool { return x == m }
}

// failedSpans are the stretches where failed findings of the given metrics
// broke their limits: every failing window of a windowed rule, every
// timeline interval of another rule's scope where its metric failed (with
// enough requests to trust, as firstFailure counts them), so the whole
// stretch of trouble is shaded, not only its worst second. A rule that
// failed only in sum, with no interval failing on its own, shades its
// worst interval.
func failedSpans(doc Document, metric func(scenario.Metric) bool) []span {
	var out []span
	for _, f := range doc.Judgement.Findings {
		if f.Passed || f.NoData || !metric(f.Rule.Metric) {
			continue
		}
		found := false
		if !f.Implicit {
			r, onService := f.Rule, f.Basis == BasisServiceTime
			candidates, need := eachInterval(doc, r), int64(minTroubleSamples)
			if r.Window > 0 {
				candidates, need = stretchesFor(doc, r), 1
			}
			for s := range candidates {
				if m := measure(r, s, onService); m.ok && m.samples >= need && !r.Op.Holds(m.value, f.Limit) {
					out = append(out, span{From: s.from.Seconds(), To: s.to.Seconds()})
					found = true
				}
			}
		}
		if !found && f.To > 0 {
			out = append(out, span{From: f.From.Seconds(), To: f.To.Seconds()})
		}
	}
	return out
}

func withShade(c chart, spans []span) chart {
	if len(spans) == 0 {
		return c
	}
	c.Shade = mergeSpans(spans)
	c.Legend = append(c.Legend, legendEntry{Name: "where a goal was missed", Class: "shade", Kind: "shade"})
	return c
}

// mergeSpans sorts spans and joins those that overlap or touch, so two
// findings that failed in the same place shade it once.
func mergeSpans(spans []span) []span {
	sorted := append([]span(nil), spans...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].From < sorted[j].From })
	var out []span
	for _, s := range sorted {
		if n := len(out); n > 0 && s.From <= out[n-1].To {
			out[n-1].To = math.Max(out[n-1].To, s.To)
			continue
		}
		out = append(out, s)
	}
	return out
}

// arrivalsEnd is when arrivals stopped: the end of the part of the plan
// that ran (the plan, or up to an interrupt).
func arrivalsEnd(doc Document) time.Duration {
	if r := doc.Results.Ran; r > 0 {
		return r
	}
	return min(doc.Results.Elapsed, doc.Plan.Duration())
}

// visitorChart shows visitors per second: the plan against the visitors
// the generator started (and those it could not).
func visitorChart(doc Document) chart {
	res := doc.Results
	cols := columns(res, res.Elapsed)
	c := overTime(doc, "Visitors arriving per second", "Visitors per second over the test: planned and started", rateTick)
	c.Note = "The dashed line is the test plan; the solid line is the visitors the load generator started."
	planned := curveLine(line{Name: "planned", Class: "s-planned", Dashed: true}, doc.Plan.Curve, 1)
	due := columns(res, arrivalsEnd(doc)) // the drain after the plan is left out: no visitor is due
	started := line{Name: "started", Class: "s-achieved", X: mids(due), Y: perSecond(res, due, func(iv *loadgen.Interval) int64 { return iv.Arrivals })}
	missed := line{Name: "could not start", Class: "s-missed", X: mids(due), Y: perSecond(res, due, func(iv *loadgen.Interval) int64 { return iv.Missed })}
	anyMissed := slices.ContainsFunc(missed.Y, func(y float64) bool { return y > 0 })
	c.Lines = []line{planned, started}
	c.Legend = []legendEntry{{Name: "planned", Class: "s-planned", Kind: "dash"}, {Name: "started", Class: "s-achieved", Kind: "line"}}
	if anyMissed {
		c.Lines = append(c.Lines, missed)
		c.Legend = append(c.Legend, legendEntry{Name: "could not start (generator limit)", Class: "s-missed", Kind: "line"})
	}
	if len(cols) == 0 && len(planned.X) == 0 {
		c.Empty = "No visitors were planned or started."
	}
	return c
}

// requestChart shows requests per second: what the plan implies, what the
// target answered, and how many of those answers were failures.
func requestChart(doc Document) chart {
	res := doc.Results
	cols := columns(res, res.Elapsed)
	perVisit := res.Scenario.RequestsPerVisitor()
	c := overTime(doc, "Requests answered per second", "Requests per second over the test: planned, answered and failed", rateTick)
	answered := line{Name: "answered", Class: "s-achieved", X: mids(cols), Y: perSecond(res, cols, func(iv *loadgen.Interval) int64 { return iv.Requests })}
	failed := line{Name: "failed", Class: "s-failed", X: mids(cols), Y: perSecond(res, cols, func(iv *loadgen.Interval) int64 { return iv.Errors })}
	if perVisit > 0 && len(doc.Plan.Curve) > 0 {
		planned := curveLine(line{Name: "planned", Class: "s-planned", Dashed: true}, doc.Plan.Curve, perVisit)
		c.Lines = append(c.Lines, planned)
		c.Legend = append(c.Legend, legendEntry{Name: "planned", Class: "s-planned", Kind: "dash"})
		n := trimZeros(strconv.FormatFloat(perVisit, 'f', 2, 64))
		noun := "requests"
		if n == "1" {
			noun = "request"
		}
		c.Note = fmt.Sprintf("Planned requests are the planned visitors times the %s %s an average visit sends; answers arrive a little after the visits that ask for them.", n, noun)
	}
	c.Lines = append(c.Lines, answered, failed)
	c.Legend = append(c.Legend, legendEntry{Name: "answered", Class: "s-achieved", Kind: "line"}, legendEntry{Name: "failed", Class: "s-failed", Kind: "line"})
	if len(cols) == 0 {
		c.Empty = "No request was answered."
	}
	return withShade(c, failedSpans(doc, is(scenario.MetricThroughput)))
}

// latencyChart shows response time over the run (p50, p95, p99 of every
// request) with the goals of the whole-run latency rules.
func latencyChart(doc Document) chart {
	res, j := doc.Results, doc.Judgement
	cols := columns(res, res.Elapsed)
	c := overTime(doc, "Response time", "Response time over the test: p50, p95 and p99 of all requests", latencyTick)
	c.Note = "Measured from when each request was due to be sent. p50: half of the requests were faster; p95: 95 in 100 were faster; p99: 99 in 100 were faster."
	quantiles := []struct {
		q     float64
		name  string
		class string
	}{{99, "p99", "s-p99"}, {95, "p95", "s-p95"}, {50, "p50", "s-p50"}}
	lines := make([]line, len(quantiles))
	for k, q := range quantiles {
		lines[k] = line{Name: q.name, Class: q.class}
	}
	seen := false
	for _, col := range cols {
		var d loadgen.Distribution
		for _, i := range col.Idx {
			if ik, ok := res.Timeline[i].Key(0); ok {
				d.Merge(ik.Latency())
			}
		}
		for k, q := range quantiles {
			lines[k].X = append(lines[k].X, col.mid())
			v := math.NaN()
			if d.Count() > 0 {
				v, seen = ms(d.Percentile(q.q)), true
			}
			lines[k].Y = append(lines[k].Y, v)
		}
	}
	c.Lines = lines
	for k := len(quantiles) - 1; k >= 0; k-- {
		c.Legend = append(c.Legend, legendEntry{Name: quantiles[k].name, Class: quantiles[k].class, Kind: "line"})
	}
	for _, f := range j.Findings {
		if f.Unit() == UnitMS && f.Rule.ScopeName() == "" && !f.NoData {
			c.Limits = append(c.Limits, limitLine{Y: f.Limit, Label: "goal: " + f.Rule.Text})
		}
	}
	if len(c.Limits) > 0 {
		c.Legend = append(c.Legend, legendEntry{Name: "goal", Class: "limit", Kind: "limit"})
	}
	if !seen {
		c.Empty = "No request was answered, so there is no response time to show."
	}
	return withShade(c, failedSpans(doc, scenario.Metric.IsLatency))
}

// errorChart stacks failed requests per second by error class.
func errorChart(doc Document) chart {
	res := doc.Results
	cols := columns(res, res.Elapsed)
	c := overTime(doc, "Errors per second, by kind", "Failed requests per second over the test, stacked by kind of error", rateTick)
	if res.Errors == 0 {
		c.Empty = "No request failed."
		return c
	}
	for _, col := range cols {
		c.BarAt = append(c.BarAt, col.From.Seconds())
		c.BarW = append(c.BarW, col.Width.Seconds())
	}
	for _, class := range loadgen.ErrorClasses() {
		if res.Classes.Of(class) == 0 || !class.Failed() {
			continue // a request cut off by the run's end did not fail
		}
		s := barSeries{Name: class.String(), Class: "e-" + class.String(),
			Values: perSecond(res, cols, func(iv *loadgen.Interval) int64 { return iv.Classes.Of(class) })}
		c.Bars = append(c.Bars, s)
		c.Legend = append(c.Legend, legendEntry{Name: class.String(), Class: s.Class, Kind: "bar", Detail: class.Description()})
	}
	return withShade(c, failedSpans(doc, is(scenario.MetricErrorRate)))
}

// expectedChart draws the campaign's expected visitor rate over campaign
// time, with its phases, and marks where the test's window lies in it.
func expectedChart(tp trafficPlan) chart {
	c := chart{
		Compact: true,
		Title:   "What the campaign expects",
		Label:   "Expected visitors per second over the campaign",
		YFormat: rateTick,
	}
	l := curveLine(line{Name: "expected", Class: "s-expected"}, tp.Expected.Curve, 1)
	for _, x := range l.X {
		c.XMax = math.Max(c.XMax, x)
	}
	c.Lines = []line{l}
	c.Legend = []legendEntry{{Name: "expected visitors per second", Class: "s-expected", Kind: "line"}}
	c.Marks = phaseMarks(tp.Expected.Phases)
	if tp.WindowTo > tp.WindowFrom && !tp.Window.IsFull() {
		// However short the window, shade enough of the axis to see it.
		from, to := tp.WindowFrom.Seconds(), tp.WindowTo.Seconds()
		if min := c.XMax / 60; to-from < min {
			mid := (from + to) / 2
			from, to = mid-min/2, mid+min/2
		}
		c.Shade, c.ShadeClass = []span{{From: from, To: to}}, "tested"
		c.Legend = append(c.Legend, legendEntry{Name: "the stretch the test ran", Class: "tested", Kind: "shade"})
	}
	return c
}
