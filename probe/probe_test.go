package probe

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/liftoff/liftoff/loadgen"
	"github.com/liftoff/liftoff/report"
	"github.com/liftoff/liftoff/scenario"
	"github.com/liftoff/liftoff/simtarget"
)

// shop starts the simulated shop with a known capacity: constant service
// times (spread 0) so that, offered evenly spaced arrivals, it queues
// nothing below workers/service requests/s, and above it fills a queue
// as deep as its workers within a step, then refuses the excess. Service
// times are long so that the rules' limits are too, and a busy machine's
// scheduling hiccups stay below the lateness that counts against the
// generator (a tenth of the tightest latency limit).
func shop(t *testing.T, workers int, service time.Duration) *simtarget.Server {
	t.Helper()
	srv, err := simtarget.Start(simtarget.Config{Workers: workers, Service: service, Spread: -1, Queue: workers})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

func parse(t *testing.T, url, body string) *scenario.Scenario {
	t.Helper()
	sc, err := scenario.Parse(strings.NewReader("name: probe test\ntarget: "+url+"\n"+body), "probe.yaml", scenario.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// generator runs each step with a real generator over loopback.
func generator(ctx context.Context, sc *scenario.Scenario) (*loadgen.Results, error) {
	return loadgen.New(loadgen.Config{}).Run(ctx, sc)
}

// TestKneeIsTheCapacity probes the simulated shop at two capacities. A
// visit is one request, so the knee's factor × the peak visitor rate must
// land within 15% of the shop's analytic capacity (workers / service
// time), the probe must name the target as its limit and the rule that
// broke, and a 2× requirement must pass or fail with it.
func TestKneeIsTheCapacity(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		workers  int
		verdict2 report.Verdict // against --require 2x
	}{
		{"100/s", 20, report.Go},  // knee 2.5×
		{"160/s", 32, report.Go},  // knee 4×
		{"50/s", 10, report.NoGo}, // knee 1.25×: ready, but not twice over
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			const service = 200 * time.Millisecond
			srv := shop(t, tc.workers, service)
			capacity := float64(tc.workers) / service.Seconds()
			sc := parse(t, srv.URL(), `traffic:
  arrivals: uniform
  phases: [ { name: launch, duration: 1m, rate: 40/s } ]
journeys:
  - name: browse
    steps: [ GET /products/1 ]
slo:
  - p95 < 350ms
  - error_rate < 1%
`)
			var seen []string
			res := judged(t, func() (*Result, error) {
				seen = nil
				return Run(t.Context(), sc, Config{Step: 2 * time.Second, Max: 10, Require: 2, OnStep: func(s *Step) {
					if s.Doc != nil {
						seen = append(seen, fmt.Sprintf("%s %s p95 %s err %s %q", FormatFactor(s.Factor), s.Outcome, FormatMS(s.Summary.LatencyMS.P95), FormatPercent(s.Summary.ErrorRate), s.Doc.Judgement.Reasons))
					}
				}}, generator)
			})
			t.Logf("steps:\n%s", strings.Join(seen, "\n"))
			if res.LimitedBy != ByTarget || res.Knee == nil || res.Breaking == nil {
				t.Fatalf("limited by %s, knee %v, breaking %v; want the target, with both (reasons %q)", res.LimitedBy, res.Knee, res.Breaking, res.Reasons)
			}
			kneeRate := res.Knee.Factor * 40
			if math.Abs(kneeRate-capacity)/capacity > 0.15 {
				t.Errorf("knee at %s = %.0f visitors/s, want within 15%% of the capacity %.0f/s", FormatFactor(res.Knee.Factor), kneeRate, capacity)
			}
			if gap := res.Breaking.Factor/res.Knee.Factor - 1; gap > DefaultPrecision+1e-9 && res.Breaking.Factor != climbAfter(res.Knee.Factor) {
				t.Errorf("knee %s and break %s are %.0f%% apart, want within the precision", FormatFactor(res.Knee.Factor), FormatFactor(res.Breaking.Factor), gap*100)
			}
			if res.Breaking.Rule == "" || res.Degraded != "browse/GET /products/1" {
				t.Errorf("breaking rule %q, degraded first %q; want a rule, and the one step", res.Breaking.Rule, res.Degraded)
			}
			if res.Verdict != tc.verdict2 {
				t.Errorf("verdict %s against 2x with headroom %s, want %s", res.Verdict, FormatFactor(res.Headroom()), tc.verdict2)
			}
			for _, s := range res.Steps {
				if s.Outcome == Broke && s.Factor < res.Knee.Factor || s.Outcome == Held && s.Factor > res.Breaking.Factor {
					t.Errorf("step %s %s, with the knee at %s and the break at %s", FormatFactor(s.Factor), s.Outcome, FormatFactor(res.Knee.Factor), FormatFactor(res.Breaking.Factor))
				}
			}
			// The climb stops at its first break: no step runs past it.
			firstBreak := 0.0
			for _, s := range res.Steps {
				if s.Outcome == Broke && !s.Bisect {
					firstBreak = s.Factor
				}
				if firstBreak > 0 && s.Factor > firstBreak {
					t.Errorf("a step ran at %s, past the climb's first break at %s: the probe drove the target further than needed", FormatFactor(s.Factor), FormatFactor(firstBreak))
				}
			}
		})
	}
}

// starvedAttempts is how many times a test probes again when its probe
// ended on the generator's ceiling where it expected the target's.
const starvedAttempts = 3

// judged runs a probe that should find the target's limit. On a machine
// so busy that the generator itself falls behind at these modest rates
// (its requests leaving tens of milliseconds late), the probe rightly
// ends INCONCLUSIVE, naming the generator, and proves nothing of the
// knee: the test then probes again, and after starvedAttempts skips
// with the generator's own account rather than fail on the machine.
func judged(t *testing.T, probe func() (*Result, error)) *Result {
	t.Helper()
	var reasons []string
	for range starvedAttempts {
		res, err := probe()
		if err != nil {
			t.Fatal(err)
		}
		if !starved(res) {
			return res
		}
		reasons = res.Reasons
	}
	t.Skipf("the machine starved the generator on %d probes; the last said: %q", starvedAttempts, reasons)
	return nil
}

// starved reports whether the generator limited any step of res: the
// climb's (the probe then ends on it) or the bisection's (which then
// stops short of the precision).
func starved(res *Result) bool {
	for _, s := range res.Steps {
		// An unjudged step is one whose failure the generator's own delay
		// may explain: it stops a bisection short of the precision.
		if s.Outcome == Limited || s.Outcome == Unjudged {
			return true
		}
	}
	return false
}

// climbAfter is the ladder's next factor after f: when the knee is a
// ladder step and the break the next one, the bisection may have found
// nothing in between that differs by more than the precision.
func climbAfter(f float64) float64 {
	for _, l := range ladder {
		if l > f {
			return l
		}
	}
	return 0
}

// TestGeneratorCeilingIsInconclusive caps the generator at 4 visitors in
// flight against a shop that answers in 50ms with room for 64: the
// generator cannot start more than 80 visitors/s, the shop could serve
// over 1000. The probe must end INCONCLUSIVE, name the generator and its
// ceiling, and report no break.
func TestGeneratorCeilingIsInconclusive(t *testing.T) {
	t.Parallel()
	srv := shop(t, 64, 50*time.Millisecond)
	sc := parse(t, srv.URL(), `traffic:
  arrivals: uniform
  max_concurrency: 4
  phases: [ { duration: 1m, rate: 40/s } ]
journeys:
  - name: browse
    steps: [ GET /products/1 ]
slo:
  - p95 < 500ms
`)
	res, err := Run(t.Context(), sc, Config{Step: 2 * time.Second, Max: 8, Require: 2}, generator)
	if err != nil {
		t.Fatal(err)
	}
	if res.LimitedBy != ByGenerator || res.Breaking != nil || res.Verdict == report.NoGo {
		t.Fatalf("limited by %s, breaking %v, verdict %s; want the generator, no break, not NO-GO (reasons %q)", res.LimitedBy, res.Breaking, res.Verdict, res.Reasons)
	}
	if res.GeneratorCeiling <= 0 || res.GeneratorCeiling > 90 {
		t.Errorf("generator ceiling %.0f/s, want at most about 80/s", res.GeneratorCeiling)
	}
	if !strings.Contains(strings.Join(res.Reasons, " "), "the generator's ceiling was reached at") {
		t.Errorf("reasons %q do not name the generator's ceiling", res.Reasons)
	}
	last := res.Steps[len(res.Steps)-1]
	if last.Outcome != Limited {
		t.Errorf("last step %s, want generator-limited", last.Outcome)
	}
}

func TestClimb(t *testing.T) {
	for _, tc := range []struct {
		max  float64
		want []float64
	}{
		{10, []float64{1, 1.5, 2, 3, 5, 8, 10}},
		{8, []float64{1, 1.5, 2, 3, 5, 8}},
		{1, []float64{1}},
		{1.2, []float64{1, 1.2}},
	} {
		if got := climb(tc.max); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("climb(%v) = %v, want %v", tc.max, got, tc.want)
		}
	}
}

func TestNextBisect(t *testing.T) {
	for _, tc := range []struct {
		lo, hi, precision float64
		want              float64
		ok                bool
	}{
		{2, 3, 0.1, 2.5, true},
		{2.5, 3, 0.1, 2.75, true},
		{2.5, 2.75, 0.1, 0, false}, // exactly 10% apart
		{0, 1, 0.1, 0.5, true},     // even 1× broke
		{0, 0.12, 0.1, 0, false},   // below MinFactor
		{5, 8, 0.5, 6.5, true},
		{5, 7, 0.5, 0, false},
	} {
		got, ok := nextBisect(tc.lo, tc.hi, tc.precision)
		if got != tc.want || ok != tc.ok {
			t.Errorf("nextBisect(%v, %v, %v) = %v, %v; want %v, %v", tc.lo, tc.hi, tc.precision, got, ok, tc.want, tc.ok)
		}
	}
}
