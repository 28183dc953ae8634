package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/liftoff/liftoff/scenario"
)

// This file renders a scenario's traffic plan before anything is sent:
// `liftoff plan` (WritePlan, WritePlanJSON) and the one line `liftoff run`
// and `liftoff validate` print (PlanLine). The numbers are the trafficPlan
// the HTML report sets beside what a run achieved.

// WritePlan writes the plan for people: the campaign, expected and tested
// traffic, a chart of both, the phases of the test, and the data files
// the journeys read.
func WritePlan(w io.Writer, sc *scenario.Scenario) error {
	sum := sc.Record()
	tp := newTrafficPlan(sum, sc.Plan, sc.Expected)
	rpv := tp.RequestsPerVisitor
	out := &strings.Builder{}
	fmt.Fprintf(out, "%s → %s\n", sum.Name, sum.Target)
	if o := sum.Overrides.Flags(); len(o) > 0 {
		fmt.Fprintf(out, "overrides: %s\n", strings.Join(o, " "))
	}
	if c := sc.Traffic.Campaign; c != nil {
		fmt.Fprintf(out, "Campaign: %s, %s\n", c.Shape, c.Shape.Description())
		fmt.Fprintf(out, "  %s\n", campaignNumbers(c))
	}
	fmt.Fprintf(out, "\nExpected traffic\n")
	fmt.Fprintf(out, "  visitors   %s over %s\n", roundCount(tp.ExpectedVisitors), offset(tp.ExpectedLength))
	fmt.Fprintf(out, "  peak       %s at %s → %s\n", visitorsPerSecond(tp.ExpectedPeak), offset(tp.ExpectedPeakAt), requestsPerSecond(tp.ExpectedPeak*rpv))
	fmt.Fprintf(out, "  requests   %s (%s per visitor)\n", roundCount(tp.ExpectedVisitors*rpv), decimal(rpv))
	fmt.Fprintf(out, "Tested traffic (%s)\n", testedHow(tp))
	fmt.Fprintf(out, "  visitors   %s over %s\n", roundCount(tp.TestedVisitors), offset(tp.TestedLength))
	fmt.Fprintf(out, "  peak       %s at %s into the test → %s\n", visitorsPerSecond(tp.TestedPeak), offset(tp.TestedPeakAt), requestsPerSecond(tp.TestedPeak*rpv))
	fmt.Fprintf(out, "  requests   %s\n", roundCount(tp.TestedVisitors*rpv))
	if tp.Closed > 0 {
		fmt.Fprintf(out, "  looping    up to %s in closed-model phases, besides the arrivals\n", visitors(strconv.Itoa(tp.Closed)))
	}
	fmt.Fprintf(out, "\nA visitor is one arrival and runs one journey: requests = visitors × %s, the journeys' steps averaged by weight.\n\n", decimal(rpv))
	writePlanChart(out, tp)
	fmt.Fprintf(out, "\nPhases of the test\n")
	if _, err := io.WriteString(w, out.String()); err != nil {
		return err
	}
	if err := phaseTable(w, tp); err != nil {
		return err
	}
	data := sc.DataUses()
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
func campaignNumbers(c *scenario.Campaign) string {
	var size string
	switch {
	case c.Audience > 0:
		size = fmt.Sprintf("%s reached × %s response = %s visitors", roundCount(c.Audience), decimalPercent(float64(c.Response)), roundCount(c.Visitors))
	case c.Data != "":
		size = fmt.Sprintf("%s from %s: %s visitors in intervals of %s", c.Data, c.Start, roundCount(c.Visitors), offset(c.Interval))
	default:
		size = fmt.Sprintf("%s visitors", roundCount(c.Visitors))
	}
	s := fmt.Sprintf("%s over %s", size, offset(c.Duration))
	if c.Shape != scenario.ShapeSteady {
		s += fmt.Sprintf(", peak %s at %s", visitorsPerSecond(float64(c.PeakRate)), offset(c.PeakAt))
	}
	return s
}

// testedHow says what window and load factor do, in a parenthesis.
func testedHow(tp trafficPlan) string {
	var parts []string
	switch w := tp.Window; w.Kind {
	case scenario.WindowPeak:
		parts = append(parts, fmt.Sprintf("window %s: the busiest %s, %s → %s of the campaign", w, offset(w.Length), offset(tp.WindowFrom), offset(tp.WindowTo)))
	case scenario.WindowCompressed:
		parts = append(parts, fmt.Sprintf("window %s: the whole curve %s× faster, same peak rate", w, decimal(tp.compression())))
	default:
		parts = append(parts, "window full")
	}
	if lf := tp.LoadFactor; lf.Value() == 1 {
		parts = append(parts, "load factor 1x: rates as expected")
	} else {
		parts = append(parts, fmt.Sprintf("load factor %s: rates × %s", lf, decimal(lf.Value())))
	}
	if tp.Cap > 0 && tp.Cap == tp.TestedLength {
		parts = append(parts, fmt.Sprintf("cut at %s by %s", offset(tp.Cap), scenario.FlagDuration))
	}
	return strings.Join(parts, " · ")
}

// phaseTable lists the test's phases with what each sends, and where each
// falls in campaign time when the test is not the whole campaign.
func phaseTable(w io.Writer, tp trafficPlan) error {
	plan := tp.Tested
	campaignCol := !tp.Window.IsFull()
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
		row := []string{ph.Name, offset(ph.Start), offset(ph.Duration)}
		if ph.Closed() {
			row = append(row, fmt.Sprintf("%d looping", ph.Concurrency), "-", "-")
		} else {
			peak := float64(plan.MaxRateBetween(ph.Start, end))
			row = append(row, roundCount(plan.VisitorsBetween(ph.Start, end)), decimal(peak), decimal(peak*tp.RequestsPerVisitor))
		}
		if campaignCol {
			row = append(row, offset(tp.campaignTime(ph.Start))+" → "+offset(tp.campaignTime(end)))
		}
		if err := t.Append(row); err != nil {
			return err
		}
	}
	return t.Render()
}

// planFile is the JSON `liftoff plan --json` prints: the traffic plan's
// numbers at the top level, then the campaign, and both plans in full.
// Expected times are campaign time; tested times are the test's. The JSON
// names are a contract for scripts.
type planFile struct {
	Name   string `json:"name"`
	Target string `json:"target"`

	ExpectedVisitors  float64 `json:"expected_visitors"`   // the integral of the expected visitor rate
	ExpectedDurationS float64 `json:"expected_duration_s"` // how long the expected traffic lasts
	PeakVisitorsPerS  float64 `json:"peak_visitors_per_s"` // the highest expected visitor rate
	PeakAtS           float64 `json:"peak_at_s"`           // when it comes, seconds after the campaign's start

	RequestsPerVisitor float64 `json:"requests_per_visitor"` // steps per journey, averaged by journey weight
	PeakRequestsPerS   float64 `json:"peak_requests_per_s"`  // peak_visitors_per_s × requests_per_visitor
	ExpectedRequests   float64 `json:"expected_requests"`    // expected_visitors × requests_per_visitor

	LoadFactor   float64 `json:"load_factor"`    // tested rates are the expected ones times this
	Window       string  `json:"window"`         // "full", "peak 15m" or "compressed 10m"
	WindowStartS float64 `json:"window_start_s"` // where the test starts in campaign time, seconds

	TestedVisitors         float64 `json:"tested_visitors"`            // visitors the test sends (Poisson arrivals scatter around it)
	TestedDurationS        float64 `json:"tested_duration_s"`          // how long the test runs
	TestedPeakVisitorsPerS float64 `json:"tested_peak_visitors_per_s"` // the highest visitor rate the test sends
	TestedPeakAtS          float64 `json:"tested_peak_at_s"`           // when, seconds after the test's start
	TestedPeakRequestsPerS float64 `json:"tested_peak_requests_per_s"` // tested_peak_visitors_per_s × requests_per_visitor
	TestedRequests         float64 `json:"tested_requests"`            // tested_visitors × requests_per_visitor

	// LoopingVisitors is the most visitors a closed-model phase keeps
	// looping at once; absent when every phase is open-model.
	LoopingVisitors int `json:"looping_visitors,omitempty"`

	Campaign       *scenario.CampaignRecord `json:"campaign,omitempty"`
	Phases         []scenario.PhaseRecord   `json:"phases"`          // the test's phases
	Curve          []scenario.PointRecord   `json:"curve"`           // the test's visitor rate
	ExpectedPhases []scenario.PhaseRecord   `json:"expected_phases"` // the campaign's phases
	Expected       []scenario.PointRecord   `json:"expected"`        // the expected visitor rate
	Data           []scenario.DataUse       `json:"data,omitempty"`  // journeys' data files against the plan
	// Overrides are the command line's changes to the scenario (--target,
	// -e names, --load-factor, --window, --duration, --seed); absent
	// without any.
	Overrides *scenario.OverrideRecord `json:"overrides,omitempty"`
}

// WritePlanJSON writes the plan for scripts: the numbers WritePlan shows,
// with both curves in full, every number kept to nine significant digits.
func WritePlanJSON(w io.Writer, sc *scenario.Scenario) error {
	sum := sc.Record()
	tp := newTrafficPlan(sum, sc.Plan, sc.Expected)
	rpv := tp.RequestsPerVisitor
	doc := planFile{
		Name: sum.Name, Target: sum.Target,
		ExpectedVisitors: tp.ExpectedVisitors, ExpectedDurationS: tp.ExpectedLength.Seconds(),
		PeakVisitorsPerS: tp.ExpectedPeak, PeakAtS: tp.ExpectedPeakAt.Seconds(),
		RequestsPerVisitor: rpv, PeakRequestsPerS: tp.ExpectedPeak * rpv, ExpectedRequests: tp.ExpectedVisitors * rpv,
		LoadFactor: tp.LoadFactor.Value(), Window: tp.Window.String(), WindowStartS: tp.WindowStart.Seconds(),
		TestedVisitors: tp.TestedVisitors, TestedDurationS: tp.TestedLength.Seconds(),
		TestedPeakVisitorsPerS: tp.TestedPeak, TestedPeakAtS: tp.TestedPeakAt.Seconds(),
		TestedPeakRequestsPerS: tp.TestedPeak * rpv, TestedRequests: tp.TestedVisitors * rpv,
		LoopingVisitors: tp.Closed,
		Data:            sc.DataUses(),
		Overrides:       sum.Overrides,
	}
	roundAll(&doc.ExpectedVisitors, &doc.ExpectedDurationS, &doc.PeakVisitorsPerS, &doc.PeakAtS, &doc.RequestsPerVisitor,
		&doc.PeakRequestsPerS, &doc.ExpectedRequests, &doc.LoadFactor, &doc.WindowStartS, &doc.TestedVisitors,
		&doc.TestedDurationS, &doc.TestedPeakVisitorsPerS, &doc.TestedPeakAtS, &doc.TestedPeakRequestsPerS, &doc.TestedRequests)
	if sum.Campaign != nil {
		c := *sum.Campaign
		roundAll(&c.Audience, &c.Response, &c.Visitors, &c.PeakRate, &c.PeakAtS, &c.DurationS, &c.IntervalS)
		doc.Campaign = &c
	}
	expPhases, expCurve := sum.ExpectedPhases, sum.Expected
	if len(expCurve) == 0 {
		expPhases, expCurve = sum.Phases, sum.Curve // the test sends the expected traffic
	}
	doc.Phases, doc.Curve = roundedPhases(sum.Phases), roundedCurve(sum.Curve)
	doc.ExpectedPhases, doc.Expected = roundedPhases(expPhases), roundedCurve(expCurve)
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// roundedPhases copies phases with their numbers rounded by roundAll; an
// empty list stays a list.
func roundedPhases(phases []scenario.PhaseRecord) []scenario.PhaseRecord {
	out := []scenario.PhaseRecord{}
	for _, ps := range phases {
		roundAll(&ps.StartS, &ps.DurationS, &ps.Rate, &ps.RampTo)
		out = append(out, ps)
	}
	return out
}

// roundedCurve copies a curve with its numbers rounded by roundAll.
func roundedCurve(curve []scenario.PointRecord) []scenario.PointRecord {
	out := []scenario.PointRecord{}
	for _, pt := range curve {
		roundAll(&pt.AtS, &pt.Rate)
		out = append(out, pt)
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

// PlanLine says in one line what a run is about to send: for a campaign,
// what it expects and what window and load factor make of it; then the
// test's visitors, length and peak. WritePlan shows it in full.
func PlanLine(sc *scenario.Scenario) string {
	sum := sc.Record()
	tp := newTrafficPlan(sum, sc.Plan, sc.Expected)
	s := "plan: "
	if c := sc.Traffic.Campaign; c != nil {
		s += fmt.Sprintf("%s campaign, %s visitors over %s", c.Shape, roundCount(tp.ExpectedVisitors), offset(tp.ExpectedLength))
		if c.Shape != scenario.ShapeSteady {
			s += fmt.Sprintf(", peak %s/s at %s", decimal(tp.ExpectedPeak), offset(tp.ExpectedPeakAt))
		}
		s += " · "
	}
	s += "testing "
	if !tp.Window.IsFull() || tp.LoadFactor.Value() != 1 {
		s += fmt.Sprintf("%s at %s: ", tp.Window, tp.LoadFactor)
	}
	n := len(tp.Tested.Phases)
	s += fmt.Sprintf("%s in %d phase%s", offset(tp.TestedLength), n, pluralS(n))
	if tp.TestedVisitors > 0 {
		s += fmt.Sprintf(", ~%s, peak %s (~%s)", visitors(roundCount(tp.TestedVisitors)),
			perSecondOf(decimal(tp.TestedPeak), "visitor"), requestsPerSecond(tp.TestedPeak*tp.RequestsPerVisitor))
	}
	if tp.Closed > 0 {
		s += fmt.Sprintf(", up to %d looping visitor%s", tp.Closed, pluralS(tp.Closed))
	}
	return s + fmt.Sprintf(" · a visitor runs one journey: requests = visitors × %s", decimal(tp.RequestsPerVisitor))
}
