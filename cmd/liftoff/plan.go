package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/spf13/cobra"

	"github.com/liftoff/liftoff/scenario"
)

type planOptions struct {
	env  *env
	file string
	json bool
}

func newPlanCmd(e *env, runF func(*planOptions) error) *cobra.Command {
	opts := &planOptions{env: e}
	cmd := &cobra.Command{
		Use:   "plan SCENARIO",
		Short: "Show the traffic a scenario expects and what its test will send, without sending anything",
		Long: `plan reads a scenario and shows, before anyone spends a minute on a test,
what its traffic adds up to: the expected visitors, the peak visitor rate and
when it comes, the request rate at the peak, what traffic.window and
traffic.load_factor make of it (what the test sends, for how long), a chart
of the expected traffic next to the tested, and the phases of the test.

Arrivals are visitors: each visitor runs one journey, so the request rate is
the visitor rate times the journeys' steps per visitor, averaged by weight.

--json prints the same numbers for scripts, with the curves.`,
		Example: `  liftoff plan examples/email-blast.yaml
  liftoff plan examples/tv-spot.yaml --json`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(_ *cobra.Command, args []string) error {
			opts.file = args[0]
			if runF != nil {
				return runF(opts)
			}
			return planRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, "print the plan as JSON on stdout instead of text")
	return cmd
}

func planRun(opts *planOptions) error {
	sc, err := loadScenario(opts.env, opts.file)
	if err != nil {
		return err
	}
	if opts.json {
		return writePlanJSON(opts.env.Out, sc.Record(), sc.DataUses())
	}
	return writePlan(opts.env.Out, sc.Record(), sc.DataUses())
}

// writePlan writes the plan for people: the campaign, expected and tested
// traffic, a chart of both, and the phases of the test.
func writePlan(w io.Writer, sum scenario.Record, data []scenario.DataUse) error {
	f := sum.Forecast()
	out := &strings.Builder{}
	fmt.Fprintf(out, "%s → %s\n", sum.Name, sum.Target)
	if c := sum.Campaign; c != nil {
		fmt.Fprintf(out, "Campaign: %s, %s\n", c.Shape, c.Description)
		if line := campaignNumbers(c); line != "" {
			fmt.Fprintf(out, "  %s\n", line)
		}
	}
	fmt.Fprintf(out, "\nExpected traffic\n")
	fmt.Fprintf(out, "  visitors   %s over %s\n", count(f.ExpectedVisitors), span(seconds(f.ExpectedDurationS)))
	fmt.Fprintf(out, "  peak       %s at %s → %s\n", visitorRate(f.PeakVisitorsPerS), span(seconds(f.PeakAtS)), requestRate(f.PeakRequestsPerS))
	fmt.Fprintf(out, "  requests   %s (%s per visitor)\n", count(f.ExpectedRequests), decimal(f.RequestsPerVisitor))
	fmt.Fprintf(out, "Tested traffic (%s)\n", testedHow(f))
	fmt.Fprintf(out, "  visitors   %s over %s\n", count(f.TestedVisitors), span(seconds(f.TestedDurationS)))
	fmt.Fprintf(out, "  peak       %s at %s into the test → %s\n", visitorRate(f.TestedPeakVisitorsPerS), span(seconds(f.TestedPeakAtS)), requestRate(f.TestedPeakRequestsPerS))
	fmt.Fprintf(out, "  requests   %s\n", count(f.TestedRequests))
	if f.LoopingVisitors > 0 {
		fmt.Fprintf(out, "  looping    up to %d visitors in closed-model phases, besides the arrivals\n", f.LoopingVisitors)
	}
	fmt.Fprintf(out, "\nA visitor is one arrival and runs one journey: requests = visitors × %s, the journeys' steps averaged by weight.\n\n", decimal(f.RequestsPerVisitor))
	writeChart(out, sum, f)
	fmt.Fprintf(out, "\nPhases of the test\n")
	if _, err := io.WriteString(w, out.String()); err != nil {
		return err
	}
	if err := phaseTable(w, sum, f); err != nil {
		return err
	}
	if len(data) == 0 {
		return nil
	}
	var d strings.Builder
	d.WriteString("\nData files\n")
	for _, u := range data {
		fmt.Fprintf(&d, "  %s\n", u)
	}
	_, err := io.WriteString(w, d.String())
	return err
}

// campaignNumbers restates the marketing numbers and what they add up to.
func campaignNumbers(c *scenario.CampaignRecord) string {
	var size string
	switch {
	case c.Audience > 0:
		size = fmt.Sprintf("%s reached × %s response = %s visitors", count(c.Audience), percent(c.Response), count(c.Visitors))
	case c.Data != "":
		size = fmt.Sprintf("%s from %s: %s visitors in intervals of %s", c.Data, c.DataStart, count(c.Visitors), span(seconds(c.IntervalS)))
	default:
		size = fmt.Sprintf("%s visitors", count(c.Visitors))
	}
	s := fmt.Sprintf("%s over %s", size, span(seconds(c.DurationS)))
	if c.Shape != string(scenario.ShapeSteady) {
		s += fmt.Sprintf(", peak %s at %s", visitorRate(c.PeakRate), span(seconds(c.PeakAtS)))
	}
	return s
}

// testedHow says what window and load factor do, in a parenthesis.
func testedHow(f scenario.Forecast) string {
	w, _ := scenario.ParseWindow(f.Window)
	var parts []string
	switch w.Kind {
	case scenario.WindowPeak:
		from := seconds(f.WindowStartS)
		parts = append(parts, fmt.Sprintf("window %s: the busiest %s, %s → %s of the campaign", w, span(w.Length), span(from), span(from+w.Length)))
	case scenario.WindowCompressed:
		parts = append(parts, fmt.Sprintf("window %s: the whole curve %s× faster, same peak rate", w, decimal(f.ExpectedDurationS/f.TestedDurationS)))
	default:
		parts = append(parts, "window full")
	}
	lf := scenario.LoadFactor(f.LoadFactor)
	if lf.Value() == 1 {
		parts = append(parts, "load factor 1x: rates as expected")
	} else {
		parts = append(parts, fmt.Sprintf("load factor %s: rates × %s", lf, decimal(lf.Value())))
	}
	return strings.Join(parts, " · ")
}

func phaseTable(w io.Writer, sum scenario.Record, f scenario.Forecast) error {
	plan := sum.Plan()
	campaignCol := f.Window != string(scenario.WindowFull)
	header := []string{"Phase", "Starts", "Lasts", "Visitors", "Peak visitors/s", "Peak requests/s"}
	aligns := []tw.Align{tw.AlignLeft, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight}
	if campaignCol {
		header = append(header, "Campaign time")
		aligns = append(aligns, tw.AlignRight)
	}
	t := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: aligns}),
		tablewriter.WithTrimSpace(tw.Off),
	)
	t.Header(header)
	for _, ph := range plan.Phases {
		end := ph.Start + ph.Duration
		row := []string{ph.Name, span(ph.Start), span(ph.Duration)}
		if ph.Closed() {
			row = append(row, fmt.Sprintf("%d looping", ph.Concurrency), "-", "-")
		} else {
			peak := float64(plan.MaxRateBetween(ph.Start, end))
			row = append(row, count(plan.VisitorsBetween(ph.Start, end)), decimal(peak), decimal(peak*f.RequestsPerVisitor))
		}
		if campaignCol {
			row = append(row, span(sum.CampaignTime(ph.Start))+" → "+span(sum.CampaignTime(end)))
		}
		if err := t.Append(row); err != nil {
			return err
		}
	}
	return t.Render()
}

// planDoc is the JSON `liftoff plan --json` prints: the forecast's numbers
// at the top level, then the campaign, and both plans in full. Expected
// times are campaign time; tested times are the test's.
type planDoc struct {
	Name   string `json:"name"`
	Target string `json:"target"`
	scenario.Forecast
	Campaign       *scenario.CampaignRecord `json:"campaign,omitempty"`
	Phases         []scenario.PhaseRecord   `json:"phases"`          // the test's phases
	Curve          []scenario.PointRecord   `json:"curve"`           // the test's visitor rate
	ExpectedPhases []scenario.PhaseRecord   `json:"expected_phases"` // the campaign's phases
	Expected       []scenario.PointRecord   `json:"expected"`        // the expected visitor rate
	Data           []scenario.DataUse       `json:"data,omitempty"`  // journeys' data files against the plan
}

func writePlanJSON(w io.Writer, sum scenario.Record, data []scenario.DataUse) error {
	exp := sum.ExpectedPlan()
	doc := planDoc{
		Data: data,
		Name: sum.Name, Target: sum.Target, Forecast: sum.Forecast(),
		Phases: phasesJSON(sum.Plan().Phases), Curve: curveJSON(sum.Plan().Curve),
		ExpectedPhases: phasesJSON(exp.Phases), Expected: curveJSON(exp.Curve),
	}
	if sum.Campaign != nil {
		c := *sum.Campaign
		doc.Campaign = &c
		roundAll(&c.Audience, &c.Response, &c.Visitors, &c.PeakRate, &c.PeakAtS, &c.DurationS, &c.IntervalS)
	}
	f := &doc.Forecast
	roundAll(&f.ExpectedVisitors, &f.ExpectedDurationS, &f.PeakVisitorsPerS, &f.PeakAtS, &f.RequestsPerVisitor,
		&f.PeakRequestsPerS, &f.ExpectedRequests, &f.LoadFactor, &f.WindowStartS, &f.TestedVisitors,
		&f.TestedDurationS, &f.TestedPeakVisitorsPerS, &f.TestedPeakAtS, &f.TestedPeakRequestsPerS, &f.TestedRequests)
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

func phasesJSON(phases []scenario.Phase) []scenario.PhaseRecord {
	out := []scenario.PhaseRecord{}
	for _, ph := range phases {
		ps := scenario.PhaseRecord{Name: ph.Name, StartS: ph.Start.Seconds(), DurationS: ph.Duration.Seconds(),
			Rate: float64(ph.Rate), RampTo: float64(ph.RampTo), Concurrency: ph.Concurrency}
		roundAll(&ps.StartS, &ps.DurationS, &ps.Rate, &ps.RampTo)
		out = append(out, ps)
	}
	return out
}

func curveJSON(curve []scenario.Point) []scenario.PointRecord {
	out := []scenario.PointRecord{}
	for _, pt := range curve {
		ps := scenario.PointRecord{AtS: pt.At.Seconds(), Rate: float64(pt.Rate)}
		roundAll(&ps.AtS, &ps.Rate)
		out = append(out, ps)
	}
	return out
}

// roundAll keeps nine significant digits of each number, so the last bits
// of floating-point arithmetic, which differ between CPUs that fuse
// multiply-adds (arm64) and those that do not (amd64), never show.
func roundAll(vs ...*float64) {
	for _, p := range vs {
		*p, _ = strconv.ParseFloat(strconv.FormatFloat(*p, 'g', 9, 64), 64)
	}
}

// count formats a number of visitors or requests, rounded, with thousands
// separators: 24,000.
func count(v float64) string {
	if v < 0 {
		return "-" + count(-v)
	}
	s := strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// decimal formats a rate or a ratio with three significant digits, and
// whole numbers from 100 up: 0.25, 14.4, 864, 1,234.
func decimal(v float64) string {
	switch a := math.Abs(v); {
	case a >= 100:
		return count(v)
	case a >= 10:
		return trimZeros(strconv.FormatFloat(v, 'f', 1, 64))
	case a >= 1:
		return trimZeros(strconv.FormatFloat(v, 'f', 2, 64))
	case a == 0:
		return "0"
	}
	return trimZeros(strconv.FormatFloat(v, 'g', 3, 64))
}

func trimZeros(s string) string {
	if !strings.Contains(s, ".") || strings.ContainsAny(s, "eE") {
		return s
	}
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}

// visitorRate formats a visitor rate per second, and per minute when that
// reads better, as marketing counts: "14.4 visitors/s (864/min)".
func visitorRate(perSecond float64) string {
	s := decimal(perSecond) + " visitors/s"
	if perSecond < 100 && perSecond > 0 {
		s += " (" + decimal(perSecond*60) + "/min)"
	}
	return s
}

func requestRate(perSecond float64) string { return decimal(perSecond) + " requests/s" }

func percent(ratio float64) string { return decimal(ratio*100) + "%" }

// span formats a duration as people read a plan.
func span(d time.Duration) string { return scenario.FormatSpan(d) }

func seconds(s float64) time.Duration { return time.Duration(math.Round(s * float64(time.Second))) }
