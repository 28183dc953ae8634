package report

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/liftoff/liftoff/scenario"
)

// The text chart's size in character cells. It is fixed, not the
// terminal's width, so the output is the same everywhere and
// golden-testable.
const (
	textChartWidth  = 60
	textChartHeight = 10
)

// Chart cells. Each column is one slice of campaign time; its height is the
// highest visitor rate in the slice, so no peak falls between columns.
const (
	cellBoth     = '█' // expected, and tested at least as high
	cellAbove    = '▓' // tested above the expected rate (load factor)
	cellExpected = '░' // expected, not tested (outside the window, or below it)
)

// writePlanChart draws the expected visitor rate over campaign time and
// the tested one over the same axis, as text: a peak window covers its
// stretch, a compressed test is stretched back to campaign time.
func writePlanChart(b *strings.Builder, tp trafficPlan) {
	exp, tested := tp.Expected, tp.Tested
	total, testLen := tp.ExpectedLength, tp.TestedLength
	if total <= 0 || tp.ExpectedPeak+tp.TestedPeak == 0 {
		return
	}
	var e, t [textChartWidth]float64
	top := 0.0
	for j := range textChartWidth {
		a, z := columnTime(total, j), columnTime(total, j+1)
		e[j] = float64(exp.MaxRateBetween(a, z))
		if ta, tz := tp.testTime(a), tp.testTime(z); tz > 0 && ta < testLen {
			t[j] = float64(tested.MaxRateBetween(max(ta, 0), min(tz, testLen)))
		}
		top = max(top, e[j], t[j])
	}
	fmt.Fprintf(b, "Visitors/s over the campaign's %s (requests/s = visitors/s × %s)\n", offset(total), decimal(tp.RequestsPerVisitor))
	labels := map[int]string{textChartHeight: decimal(top), textChartHeight / 2: decimal(top / 2)}
	lw := max(len(labels[textChartHeight]), len(labels[textChartHeight/2]), 1)
	used := map[rune]bool{}
	for r := textChartHeight; r >= 1; r-- {
		line := []rune(fmt.Sprintf("%*s ", lw, labels[r]))
		if labels[r] != "" {
			line = append(line, '┤')
		} else {
			line = append(line, '│')
		}
		for j := range textChartWidth {
			he, ht := chartCells(e[j], top), chartCells(t[j], top)
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
	fmt.Fprintf(b, "%*s ┼%s\n", lw, "0", strings.Repeat("─", textChartWidth))
	b.WriteString(strings.Repeat(" ", lw+2) + axisLabels(total) + "\n")
	var legend []string
	if used[cellBoth] {
		legend = append(legend, string(cellBoth)+" tested as expected")
	}
	if used[cellAbove] {
		legend = append(legend, fmt.Sprintf("%c tested above expected (load factor %s)", cellAbove, tp.LoadFactor))
	}
	if used[cellExpected] {
		legend = append(legend, string(cellExpected)+" expected, not tested")
	}
	fmt.Fprintf(b, "%s%s\n", strings.Repeat(" ", lw+2), strings.Join(legend, "  "))
	if tp.Window.Kind == scenario.WindowCompressed {
		fmt.Fprintf(b, "%sThe test replays the curve in %s; the chart stretches it back to campaign time.\n", strings.Repeat(" ", lw+2), offset(testLen))
	}
}

// columnTime is where column j starts in campaign time.
func columnTime(total time.Duration, j int) time.Duration {
	return time.Duration(float64(total) * float64(j) / textChartWidth)
}

// chartCells is how many rows a rate fills, rounded. Round numbers often land
// exactly on a half row; the nudge rounds them up everywhere, whatever the
// last bit of the arithmetic on this CPU.
func chartCells(v, top float64) int {
	if top <= 0 {
		return 0
	}
	return int(math.Round(v/top*textChartHeight + 1e-9))
}

// axisLabels puts the start, middle and end of campaign time under the
// chart's columns.
func axisLabels(total time.Duration) string {
	line := []rune(strings.Repeat(" ", textChartWidth+1))
	put := func(at int, s string) {
		for i, c := range []rune(s) {
			if at+i >= 0 && at+i < len(line) {
				line[at+i] = c
			}
		}
	}
	put(0, "0")
	mid := offset(total / 2)
	put(textChartWidth/2-len(mid)/2, mid)
	end := offset(total)
	put(textChartWidth+1-len(end), end)
	return strings.TrimRight(string(line), " ")
}
