package report

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/liftoff/liftoff/loadgen"
	"github.com/liftoff/liftoff/scenario"
)

// emailBlast is a campaign whose numbers are known: 400,000 reached × 6% =
// 24,000 visitors over 3h, peaking 20m in; each visitor sends 2 requests.
func emailBlast(t *testing.T, traffic ...string) *scenario.Scenario {
	t.Helper()
	src := "target: sim:shop\ntraffic:\n  campaign: { shape: email-blast, audience: 400000, response: 6%, peak_at: 20m, duration: 3h }\n"
	for _, line := range traffic {
		src += "  " + line + "\n"
	}
	src += "journeys:\n  - name: browse\n    steps: [GET /, GET /products/1]\n"
	sc, err := scenario.Parse(strings.NewReader(src), "c.yaml", scenario.Options{})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return sc
}

// TestTrafficPlan checks the numbers `liftoff plan` and the reports share:
// the expectation, what window and load factor make of it, and that a
// results file's record gives the numbers the scenario itself gives.
func TestTrafficPlan(t *testing.T) {
	t.Parallel()
	sc := emailBlast(t, "window: peak 15m", "load_factor: 2x")
	sum := sc.Record()
	tp := newTrafficPlan(sum, sc.Plan, sc.Expected)
	near := func(got, want float64) bool { return math.Abs(got-want) <= 1e-6*max(1, math.Abs(want)) }
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"expected visitors", tp.ExpectedVisitors, 24000},
		{"expected peak at (s)", tp.ExpectedPeakAt.Seconds(), 1200},
		{"expected length (s)", tp.ExpectedLength.Seconds(), 3 * 3600},
		{"tested length (s)", tp.TestedLength.Seconds(), 900},
		{"window start (s)", tp.WindowStart.Seconds(), 687},
		{"requests per visitor", tp.RequestsPerVisitor, 2},
		{"factor", tp.Factor, 2},
		{"load factor", tp.LoadFactor.Value(), 2},
	} {
		if !near(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if !tp.HasExpectation || tp.Shape != "email-blast" || tp.Window.String() != "peak 15m" {
		t.Errorf("HasExpectation %v, shape %q, window %s; want true, email-blast, peak 15m", tp.HasExpectation, tp.Shape, tp.Window)
	}
	if tp.WindowFrom != 687*time.Second || tp.WindowTo != 687*time.Second+15*time.Minute {
		t.Errorf("window %s → %s, want 11m27s → 26m27s", tp.WindowFrom, tp.WindowTo)
	}
	// A report reads the plans back from the results file's record, as
	// NewDocument decodes them.
	doc, err := NewDocument(&loadgen.Results{Scenario: sum})
	if err != nil {
		t.Fatal(err)
	}
	if rec := planOf(doc); rec.ExpectedVisitors != tp.ExpectedVisitors ||
		rec.TestedVisitors != tp.TestedVisitors || rec.TestedPeak != tp.TestedPeak || rec.WindowTo != tp.WindowTo {
		t.Errorf("from the record: %+v\nfrom the scenario: %+v", rec, tp)
	}

	// A scenario that tests the campaign as expected has no separate
	// expectation.
	plain := emailBlast(t)
	tp = newTrafficPlan(plain.Record(), plain.Plan, plain.Expected)
	if tp.HasExpectation || tp.Factor != 1 || tp.TestedVisitors != tp.ExpectedVisitors {
		t.Errorf("plain campaign: HasExpectation %v, factor %v, tested %v of expected %v; want false, 1, equal", tp.HasExpectation, tp.Factor, tp.TestedVisitors, tp.ExpectedVisitors)
	}
}

// TestCampaignTime checks the mapping between the test's time and the
// campaign's, both ways: a peak window shifts it, a compressed one
// stretches it, and testTime undoes campaignTime.
func TestCampaignTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		window string
		at     time.Duration
		want   time.Duration
	}{
		{"window: full", 5 * time.Minute, 5 * time.Minute},
		{"window: peak 15m", 5 * time.Minute, 16*time.Minute + 27*time.Second},
		{"window: compressed 18m", 5 * time.Minute, 50 * time.Minute},
		{"window: compressed 18m", 18 * time.Minute, 3 * time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.window+" at "+tc.at.String(), func(t *testing.T) {
			t.Parallel()
			sc := emailBlast(t, tc.window)
			tp := newTrafficPlan(sc.Record(), sc.Plan, sc.Expected)
			if got := tp.campaignTime(tc.at); got != tc.want {
				t.Errorf("campaignTime(%s) = %s, want %s", tc.at, got, tc.want)
			}
			if got := tp.testTime(tc.want); got != tc.at {
				t.Errorf("testTime(%s) = %s, want %s", tc.want, got, tc.at)
			}
		})
	}
}
