package report

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/liftoff/liftoff/loadgen"
)

// column is one or more adjacent timeline intervals drawn as one point or
// bar, so a three-hour run draws as many columns as a one-minute run.
type column struct {
	From  time.Duration
	Span  time.Duration // the column's full width
	Width time.Duration // the time its counts fell in: Span, or less at the run's end
	Idx   []int         // indexes into Results.Timeline
}

// columns groups the timeline into at most maxChartCol columns.
func columns(res *loadgen.Results) []column {
	n := len(res.Timeline)
	if n == 0 || res.Interval <= 0 {
		return nil
	}
	per := (n + maxChartCol - 1) / maxChartCol
	var out []column
	for i := 0; i < n; i += per {
		c := column{From: res.Timeline[i].Offset, Span: time.Duration(per) * res.Interval}
		for k := i; k < min(n, i+per); k++ {
			c.Idx = append(c.Idx, k)
		}
		// The last interval closes when the run ends, however short; its
		// counts are divided by at least one interval so a few answers
		// trickling in after the plan's end do not spike the rate.
		c.Width = c.Span
		if end := c.From + c.Span; end > res.Elapsed {
			c.Width = min(c.Span, max(res.Elapsed-c.From, res.Interval))
		}
		out = append(out, c)
	}
	return out
}

func (c column) mid() float64 { return (c.From + c.Width/2).Seconds() }

// chartSpan is the time the charts cover: the run, or the plan if longer.
func chartSpan(res *loadgen.Results) float64 {
	return math.Max(res.Elapsed.Seconds(), res.Scenario.Plan().Duration().Seconds())
}

// phaseMarks labels the phases along the time axis when there are several.
func phaseMarks(res *loadgen.Results) []mark {
	phases := res.Scenario.Phases
	if len(phases) < 2 {
		return nil
	}
	var out []mark
	for _, ph := range phases {
		out = append(out, mark{X: ph.StartS, Name: ph.Name, End: ph.StartS + ph.DurationS})
	}
	return out
}

// failedSpans are the stretches where failed findings of the given metrics
// broke their limits.
func failedSpans(j Judgement, metric func(string) bool) []span {
	var out []span
	for _, f := range j.Findings {
		if !f.Passed && f.To > 0 && metric(f.Metric) {
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

// visitorChart shows visitors per second: the plan against the visitors
// the generator started (and those it could not).
func visitorChart(res *loadgen.Results) chart {
	cols := columns(res)
	c := chart{
		Title:   "Visitors arriving per second",
		Label:   "Visitors per second over the test: planned and started",
		XMax:    chartSpan(res),
		YFormat: rateTick,
		Marks:   phaseMarks(res),
		Note:    "The dashed line is the test plan; the solid line is the visitors the load generator started.",
	}
	planned := line{Name: "planned", Class: "s-planned", Dashed: true}
	for _, pt := range res.Scenario.Curve {
		planned.X = append(planned.X, pt.AtS)
		planned.Y = append(planned.Y, pt.Rate)
	}
	started := line{Name: "started", Class: "s-achieved"}
	missed := line{Name: "could not start", Class: "s-missed"}
	anyMissed := false
	planEnd := res.Scenario.Plan().Duration()
	for _, col := range cols {
		if col.From >= planEnd && planEnd > 0 {
			break // the drain after the plan: no visitor is due
		}
		var a, m int64
		for _, i := range col.Idx {
			a += res.Timeline[i].Arrivals
			m += res.Timeline[i].Missed
		}
		started.X = append(started.X, col.mid())
		started.Y = append(started.Y, float64(a)/col.Width.Seconds())
		missed.X = append(missed.X, col.mid())
		missed.Y = append(missed.Y, float64(m)/col.Width.Seconds())
		anyMissed = anyMissed || m > 0
	}
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
func requestChart(res *loadgen.Results) chart {
	cols := columns(res)
	perVisit := res.Scenario.RequestsPerVisitor()
	c := chart{
		Title:   "Requests answered per second",
		Label:   "Requests per second over the test: planned, answered and failed",
		XMax:    chartSpan(res),
		YFormat: rateTick,
		Marks:   phaseMarks(res),
	}
	answered := line{Name: "answered", Class: "s-achieved"}
	failed := line{Name: "failed", Class: "s-failed"}
	for _, col := range cols {
		var n, e int64
		for _, i := range col.Idx {
			n += res.Timeline[i].Requests
			e += res.Timeline[i].Errors
		}
		answered.X = append(answered.X, col.mid())
		answered.Y = append(answered.Y, float64(n)/col.Width.Seconds())
		failed.X = append(failed.X, col.mid())
		failed.Y = append(failed.Y, float64(e)/col.Width.Seconds())
	}
	if perVisit > 0 && len(res.Scenario.Curve) > 0 {
		planned := line{Name: "planned", Class: "s-planned", Dashed: true}
		for _, pt := range res.Scenario.Curve {
			planned.X = append(planned.X, pt.AtS)
			planned.Y = append(planned.Y, pt.Rate*perVisit)
		}
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
	return c
}

// latencyChart shows response time over the run (p50, p95, p99 of every
// request) with the goals of the whole-run latency rules.
func latencyChart(res *loadgen.Results, j Judgement) chart {
	cols := columns(res)
	c := chart{
		Title:   "Response time",
		Label:   "Response time over the test: p50, p95 and p99 of all requests",
		XMax:    chartSpan(res),
		YFormat: latencyTick,
		Marks:   phaseMarks(res),
		Note:    "Measured from when each request was due to be sent. p50: half of the requests were faster; p95: 95 in 100 were faster; p99: 99 in 100 were faster.",
	}
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
		if f.Unit == "ms" && f.Scope == "" && !f.NoData {
			c.Limits = append(c.Limits, limitLine{Y: f.Limit, Label: "goal: " + f.Rule})
		}
	}
	if len(c.Limits) > 0 {
		c.Legend = append(c.Legend, legendEntry{Name: "goal", Class: "limit", Kind: "limit"})
	}
	if !seen {
		c.Empty = "No request was answered, so there is no response time to show."
	}
	return withShade(c, failedSpans(j, func(m string) bool { return m != "error_rate" && m != "throughput" }))
}

// errorChart stacks failed requests per second by error class.
func errorChart(res *loadgen.Results, j Judgement) chart {
	cols := columns(res)
	c := chart{
		Title:   "Errors per second, by kind",
		Label:   "Failed requests per second over the test, stacked by kind of error",
		XMax:    chartSpan(res),
		YFormat: rateTick,
		Marks:   phaseMarks(res),
	}
	if res.Errors == 0 {
		c.Empty = "No request failed."
		return c
	}
	for _, col := range cols {
		c.BarAt = append(c.BarAt, col.From.Seconds())
	}
	if len(cols) > 0 {
		c.BarW = cols[0].Span.Seconds()
	}
	for _, class := range loadgen.ErrorClasses() {
		if res.Classes.Of(class) == 0 {
			continue
		}
		s := barSeries{Name: class.String(), Class: "e-" + class.String()}
		for _, col := range cols {
			var n int64
			for _, i := range col.Idx {
				n += res.Timeline[i].Classes.Of(class)
			}
			s.Values = append(s.Values, float64(n)/col.Width.Seconds())
		}
		c.Bars = append(c.Bars, s)
		c.Legend = append(c.Legend, legendEntry{Name: class.String(), Class: s.Class, Kind: "bar", Detail: class.Description()})
	}
	return withShade(c, failedSpans(j, func(m string) bool { return m == "error_rate" }))
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
	l := line{Name: "expected", Class: "s-expected"}
	for _, pt := range tp.Expected.Curve {
		l.X = append(l.X, pt.At.Seconds())
		l.Y = append(l.Y, float64(pt.Rate))
		c.XMax = math.Max(c.XMax, pt.At.Seconds())
	}
	c.Lines = []line{l}
	c.Legend = []legendEntry{{Name: "expected visitors per second", Class: "s-expected", Kind: "line"}}
	if phases := tp.Expected.Phases; len(phases) > 1 {
		for _, ph := range phases {
			c.Marks = append(c.Marks, mark{X: ph.Start.Seconds(), Name: ph.Name, End: (ph.Start + ph.Duration).Seconds()})
		}
	}
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
