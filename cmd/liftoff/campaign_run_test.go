package main

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/liftoff/liftoff/loadgen"
	"github.com/liftoff/liftoff/scenario"
	"github.com/liftoff/liftoff/simtarget"
)

// TestCampaignRunSendsPlannedVisitors runs a campaign against the
// simulated shop on loopback and checks that the generator starts the
// visitors the plan promised. The hour-long flash sale is compressed into
// four seconds, which keeps its shape and peak rate (182 visitors/s) and
// sends 400 visitors (360,000 × 4s/1h).
//
// Arrivals are Poisson, so the count scatters around the plan with
// standard deviation √N = 20; the test allows 4σ = 80, which a correct
// generator misses once in about 16,000 seeds. The seed is fixed, so the
// count is the same on every run.
func TestCampaignRunSendsPlannedVisitors(t *testing.T) {
	t.Parallel()
	const src = `name: Compressed flash sale
target: sim:shop?capacity=5000&service=1ms&spread=0
traffic:
  campaign:
    shape: flash-sale
    visitors: 360000
    peak_at: 5m
    duration: 1h
  window: compressed 4s
  seed: 11
journeys:
  - name: home
    steps: [ GET / ]
`
	sc, err := scenario.Parse(strings.NewReader(src), "run.yaml", scenario.Options{})
	if err != nil {
		t.Fatal(err)
	}
	planned := sc.Plan.Visitors()
	if math.Abs(planned-400) > 1e-6 {
		t.Fatalf("the plan promises %v visitors, want 400", planned)
	}
	cfg, err := simtarget.ParseSpec(sc.Target.Sim)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := simtarget.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	sc.Target.URL = srv.URL()

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	res, err := loadgen.New(loadgen.Config{}).Run(ctx, sc)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	a := res.Arrivals
	tolerance := 4 * math.Sqrt(planned)
	t.Logf("started %d visitors of %v planned (± %v)", a.Started, planned, tolerance)
	if got := float64(a.Started); math.Abs(got-planned) > tolerance {
		t.Errorf("started %d visitors, want %v ± %v (4σ of Poisson arrivals)", a.Started, planned, tolerance)
	}
	if a.Missed != 0 {
		t.Errorf("missed %d arrivals; max_concurrency is far above what this plan needs", a.Missed)
	}
	if res.Requests != a.Started {
		t.Errorf("%d requests from %d visitors of a one-step journey", res.Requests, a.Started)
	}
	if res.Scenario.Campaign == nil || res.Scenario.Window != "compressed 4s" || len(res.Scenario.Expected) == 0 {
		t.Errorf("the results do not record the campaign: campaign %v, window %q, %d expected corners",
			res.Scenario.Campaign, res.Scenario.Window, len(res.Scenario.Expected))
	}
}
