package main

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/liftoff/liftoff/scenario"
)

// The chart's size in character cells. It is fixed, not the terminal's
// width, so the output is the same everywhere and golden-testable.
const (
	chartWidth  = 60
	chartHeight = 10
)

// Chart cells. Each column is one slice of campaign time; its height is the
// highest visitor rate in the slice, so no peak falls between columns.
const (
	cellBoth     = '█' // expected, and tested at least as high
	cellAbove    = '▓' // tested above the expected rate (load factor)
	cellExpected = '░' // expected, not tested (outside the window, or below it)
)

// writeChart draws the expected visitor rate over campaign time and the
// tested one over the same axis: a peak window covers its stretch, a
// compressed test is stretched back to campaign time.
func writeChart(b *strings.Builder, sum scenario.Record, f scenario.Forecast) {
	exp, tested := sum.ExpectedPlan(), sum.Plan()
	total, testLen := exp.Duration(), tested.Duration()
	if total <= 0 || f.PeakVisitorsPerS+f.TestedPeakVisitorsPerS == 0 {
		return
	}
	w, _ := scenario.ParseWindow(f.Window)
	testTime := func(c time.Duration) time.Duration {
		if w.Kind == scenario.WindowCompressed {
			return time.Duration(float64(c) * float64(testLen) / float64(total))
		}
		return c - seconds(f.WindowStartS)
	}
	var e, t [chartWidth]float64
	top := 0.0
	for j := range chartWidth {
		a, z := colTime(total, j), colTime(total, j+1)
		e[j] = float64(exp.MaxRateBetween(a, z))
		if ta, tz := testTime(a), testTime(z); tz > 0 && ta < testLen {
			t[j] = float64(tested.MaxRateBetween(max(ta, 0), min(tz, testLen)))
		}
		top = max(top, e[j], t[j])
	}
	fmt.Fprintf(b, "Visitors/s over the campaign's %s (requests/s = visitors/s × %s)\n", span(total), decimal(f.RequestsPerVisitor))
	labels := map[int]string{chartHeight: decimal(top), chartHeight / 2: decimal(top / 2)}
	lw := max(len(labels[chartHeight]), len(labels[chartHeight/2]), 1)
	used := map[rune]bool{}
	for r := chartHeight; r >= 1; r-- {
		line := []rune(fmt.Sprintf("%*s ", lw, labels[r]))
		if labels[r] != "" {
			line = append(line, '┤')
		} else {
			line = append(line, '│')
		}
		for j := range chartWidth {
			he, ht := cells(e[j], top), cells(t[j], top)
			c := ' '
			switch {
			case r <= min(he, ht):
				c = cellBoth
			case r <= ht:
				c = cellAbove
			case r <= he:
				c = cellExpected
			}
			used[c] = true
			line = append(line, c)
		}
		b.WriteString(strings.TrimRight(string(line), " ") + "\n")
	}
	fmt.Fprintf(b, "%*s ┼%s\n", lw, "0", strings.Repeat("─", chartWidth))
	b.WriteString(strings.Repeat(" ", lw+2) + axisLabels(total) + "\n")
	var legend []string
	if used[cellBoth] {
		legend = append(legend, string(cellBoth)+" tested as expected")
	}
	if used[cellAbove] {
		legend = append(legend, fmt.Sprintf("%c tested above expected (load factor %s)", cellAbove, scenario.LoadFactor(f.LoadFactor)))
	}
	if used[cellExpected] {
		legend = append(legend, string(cellExpected)+" expected, not tested")
	}
	fmt.Fprintf(b, "%s%s\n", strings.Repeat(" ", lw+2), strings.Join(legend, "  "))
	if w.Kind == scenario.WindowCompressed {
		fmt.Fprintf(b, "%sThe test replays the curve in %s; the chart stretches it back to campaign time.\n", strings.Repeat(" ", lw+2), span(testLen))
	}
}

// colTime is where column j starts in campaign time.
func colTime(total time.Duration, j int) time.Duration {
	return time.Duration(float64(total) * float64(j) / chartWidth)
}

// cells is how many rows a rate fills, rounded. Round numbers often land
// exactly on a half row; the nudge rounds them up everywhere, whatever the
// last bit of the arithmetic on this CPU.
func cells(v, top float64) int {
	if top <= 0 {
		return 0
	}
	return int(math.Round(v/top*chartHeight + 1e-9))
}

// axisLabels puts the start, middle and end of campaign time under the
// chart's columns.
func axisLabels(total time.Duration) string {
	line := []rune(strings.Repeat(" ", chartWidth+1))
	put := func(at int, s string) {
		for i, c := range []rune(s) {
			if at+i >= 0 && at+i < len(line) {
				line[at+i] = c
			}
		}
	}
	put(0, "0")
	mid := span(total / 2)
	put(chartWidth/2-len(mid)/2, mid)
	end := span(total)
	put(chartWidth+1-len(end), end)
	return strings.TrimRight(string(line), " ")
}
