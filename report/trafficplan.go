package report

import (
	"time"

	"github.com/liftoff/liftoff/scenario"
)

// trafficPlan is what a scenario's traffic adds up to before a request is
// sent, the tested beside the expected. `liftoff plan` shows it in full
// (WritePlan, WritePlanJSON), `liftoff run` sums it up in one line
// (PlanLine), and the reports set it beside what the run achieved, so all
// of them show the same numbers. Expected numbers are in campaign time,
// before window and load_factor; tested numbers are the test's. Arrivals
// are visitors, and each visitor runs one journey, so requests are
// visitors × RequestsPerVisitor.
type trafficPlan struct {
	Tested   scenario.Plan // the traffic the test sends, in test time
	Expected scenario.Plan // the campaign's expected traffic, in campaign time

	TestedPeak       float64       // visitors/s at the test plan's peak
	TestedPeakAt     time.Duration // when, after the test's start
	ExpectedPeak     float64       // visitors/s at the campaign's expected peak
	ExpectedPeakAt   time.Duration // when, after the campaign's start
	Factor           float64       // TestedPeak over ExpectedPeak; 1 when they are the same
	TestedVisitors   float64       // the integral of the tested visitor rate (Poisson arrivals scatter around it)
	ExpectedVisitors float64       // the integral of the expected visitor rate
	TestedLength     time.Duration
	ExpectedLength   time.Duration
	Closed           int // the most looping visitors of a closed-model phase; 0 when every phase is open-model

	RequestsPerVisitor float64             // steps per journey, averaged by journey weight
	LoadFactor         scenario.LoadFactor // tested rates are the expected ones times this
	Window             scenario.Window     // the part of the expected traffic that is tested
	WindowStart        time.Duration       // where the test's time 0 falls in campaign time
	WindowFrom         time.Duration       // campaign time at the test's start
	WindowTo           time.Duration       // campaign time at the test's end
	HasExpectation     bool                // the scenario scaled the campaign's expectation (load factor or window)
	Cap                time.Duration       // --duration's cap; 0 without one
	Shape              string              // the campaign's shape ("email-blast"); "" for a scenario of phases
}

// newTrafficPlan adds up the traffic a scenario describes: tested is the
// plan the test sends and expected the campaign's, which is tested again
// when the scenario does not shape it. rec gives the rest: the journeys,
// load factor and window.
func newTrafficPlan(rec scenario.Record, tested, expected scenario.Plan) trafficPlan {
	tp := trafficPlan{
		Tested:             tested,
		Expected:           expected,
		TestedVisitors:     tested.Visitors(),
		TestedLength:       tested.Duration(),
		ExpectedVisitors:   expected.Visitors(),
		ExpectedLength:     expected.Duration(),
		Closed:             tested.MaxConcurrency(),
		RequestsPerVisitor: rec.RequestsPerVisitor(),
		LoadFactor:         scenario.LoadFactor(rec.LoadFactor),
		WindowStart:        rec.WindowStart(),
		Factor:             1,
	}
	tp.Window, _ = scenario.ParseWindow(rec.Window) // the zero value, full, when the record has none
	peak, at := tested.Peak()
	tp.TestedPeak, tp.TestedPeakAt = float64(peak), at
	peak, at = expected.Peak()
	tp.ExpectedPeak, tp.ExpectedPeakAt = float64(peak), at
	if tp.ExpectedPeak > 0 {
		tp.Factor = tp.TestedPeak / tp.ExpectedPeak
	}
	tp.WindowFrom, tp.WindowTo = tp.campaignTime(0), tp.campaignTime(tp.TestedLength)
	if rec.Campaign != nil {
		tp.Shape = rec.Campaign.Shape
	}
	if rec.Overrides != nil {
		tp.Cap = scenario.Seconds(rec.Overrides.DurationS)
	}
	lf := rec.LoadFactor
	tp.HasExpectation = (lf > 0 && lf != 1) || len(rec.Expected) > 0 || (rec.Window != "" && rec.Window != string(scenario.WindowFull))
	return tp
}

// planOf is the traffic plan of a run, from the plans its Document
// decoded. A scenario made of phases has no separate expectation: what it
// tested is what it expected.
func planOf(doc Document) trafficPlan {
	return newTrafficPlan(doc.Results.Scenario, doc.Plan, doc.Expected)
}

// campaignTime maps an offset into the test to campaign time: shifted by
// a peak window's start, stretched back by a compressed window's factor.
func (tp trafficPlan) campaignTime(t time.Duration) time.Duration {
	if k := tp.compression(); k != 1 {
		return time.Duration(float64(t) * k)
	}
	return tp.WindowStart + t
}

// testTime is the inverse of campaignTime: where campaign time c falls in
// the test, before 0 or after TestedLength where the test does not cover
// it.
func (tp trafficPlan) testTime(c time.Duration) time.Duration {
	if k := tp.compression(); k != 1 {
		return time.Duration(float64(c) / k)
	}
	return c - tp.WindowStart
}

// compression is how many times faster than the test campaign time runs:
// a compressed window's expected length over the window's, 1 otherwise.
// It reads the window's length, not the tested plan's, so a test that
// --duration cut short keeps the same mapping.
func (tp trafficPlan) compression() float64 {
	w := tp.Window
	if w.Kind == scenario.WindowCompressed && w.Length > 0 && w.Length < tp.ExpectedLength {
		return float64(tp.ExpectedLength) / float64(w.Length)
	}
	return 1
}
