package report

import (
	"strings"
	"testing"
	"time"

	"github.com/liftoff/liftoff/loadgen"
	"github.com/liftoff/liftoff/scenario"
)

// spread returns n latencies: most at base, the top share at slow.
func spread(n int, base, slow time.Duration, slowShare float64) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = base
		if float64(i) >= float64(n)*(1-slowShare) {
			out[i] = slow
		}
	}
	return out
}

// results builds Results for one journey "shop" whose only step is "GET /":
// latency and service are the successful requests', and errors (of which
// the generator failed generatorErrors itself) come on top.
type results struct {
	latency, service []time.Duration
	errors           int64
	generatorErrors  int64
	started, missed  int64
	exhausted        int64 // of missed
	completed        int64
	cutOff           int64 // started visits an interrupt cut off before they ended
	lag              time.Duration
	lateLag          time.Duration // the lag of the last `late` requests, when late > 0
	late             int
	interrupted      bool
}

func (r results) build() *loadgen.Results {
	n := int64(len(r.latency)) + r.errors
	lat, svc := loadgen.DistributionOf(r.latency...), loadgen.DistributionOf(r.service...)
	key := func(k loadgen.Key) loadgen.KeyResult {
		return loadgen.KeyResult{Key: k, Requests: n, Errors: r.errors, GeneratorErrors: r.generatorErrors, Latency: lat, Service: svc}
	}
	var classes loadgen.ClassCounts
	classes[loadgen.ClassGenerator] = r.generatorErrors
	classes[loadgen.ClassStatus5xx] = r.errors - r.generatorErrors
	var lags []time.Duration
	for i := range n {
		lag := r.lag
		if int(i) >= int(n)-r.late {
			lag = r.lateLag
		}
		lags = append(lags, lag)
	}
	return &loadgen.Results{
		Scenario: scenario.Record{
			Name: "t", MaxConcurrency: 50,
			Phases:   []scenario.PhaseRecord{{Name: "peak", DurationS: 60, Rate: 100, RampTo: 100}},
			Curve:    []scenario.PointRecord{{AtS: 0, Rate: 100}, {AtS: 60, Rate: 100}},
			Journeys: []scenario.JourneyRecord{{Name: "shop", Weight: 1, Steps: []scenario.StepRecord{{Name: "GET /", Request: "GET /"}}}},
		},
		Elapsed:     time.Minute,
		Interrupted: r.interrupted,
		Interval:    time.Second,
		Arrivals: loadgen.ArrivalCounts{Planned: float64(r.started + r.missed), Started: r.started, Missed: r.missed, Completed: r.completed,
			Failed: r.started - r.cutOff - r.completed, Exhausted: r.exhausted},
		Requests: n,
		Errors:   r.errors,
		Classes:  classes,
		Keys:     []loadgen.KeyResult{key(loadgen.Key{}), key(loadgen.Key{Journey: "shop"}), key(loadgen.Key{Journey: "shop", Step: "GET /"})},
		Lag:      loadgen.DistributionOf(lags...),
	}
}

// judge judges res against rules written as a scenario writes them, read
// back from the record the way a results file holds them.
func judge(t *testing.T, res *loadgen.Results, rules ...string) Judgement {
	t.Helper()
	return document(t, res, rules...).Judgement
}

// document judges res against rules, as judge does, and returns the
// whole document.
func document(t *testing.T, res *loadgen.Results, rules ...string) Document {
	t.Helper()
	res.Scenario.SLO = rules
	return judged(t, res)
}

// judged is the document of res against the rules it records.
func judged(t *testing.T, res *loadgen.Results) Document {
	t.Helper()
	doc, err := NewDocument(res)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// checkJudgement compares a judgement with the verdict, the findings'
// outcomes (outcome) and a substring of the reasons a table case wants.
func checkJudgement(t *testing.T, j Judgement, verdict Verdict, findings []string, reason string) {
	t.Helper()
	if j.Verdict != verdict {
		t.Errorf("verdict = %s, want %s; reasons %q", j.Verdict, verdict, j.Reasons)
	}
	var got []string
	for _, f := range j.Findings {
		got = append(got, outcome(f))
	}
	if strings.Join(got, ",") != strings.Join(findings, ",") {
		t.Errorf("findings = %v, want %v (%+v)", got, findings, j.Findings)
	}
	if reason != "" && !strings.Contains(strings.Join(j.Reasons, "\n"), reason) {
		t.Errorf("reasons %q do not contain %q", j.Reasons, reason)
	}
}

func TestJudgement(t *testing.T) {
	t.Parallel()
	fast := spread(1000, 20*time.Millisecond, 40*time.Millisecond, 0.1)
	slow := spread(1000, 20*time.Millisecond, 900*time.Millisecond, 0.1)
	healthy := results{latency: fast, service: fast, started: 1000, completed: 1000, lag: time.Millisecond}
	tests := []struct {
		name     string
		res      results
		rules    []string
		verdict  Verdict
		findings []string // per rule: pass, FAIL (target fault), fail (not proven), nodata
		reason   string   // a substring of the reasons
	}{
		{
			name: "everything holds", res: healthy,
			rules:   []string{"p95 < 300ms", "error_rate < 1%", "throughput >= 99%"},
			verdict: Go, findings: []string{"pass", "pass", "pass"},
			reason: "All 3 SLO rules held, and the generator kept up with the plan.",
		},
		{
			name: "no rules still needs a healthy generator", res: healthy,
			verdict: Go, reason: "the scenario defines no SLO rules to judge",
		},
		{
			name: "slow target", res: results{latency: slow, service: slow, started: 1000, completed: 1000, lag: time.Millisecond},
			rules:   []string{"p95 < 300ms", "p50 < 300ms"},
			verdict: NoGo, findings: []string{"FAIL", "pass"},
			reason: "p95 latency was 900ms (rule: p95 < 300ms).",
		},
		{
			name: "errors", res: results{latency: fast[:950], service: fast[:950], errors: 50, started: 1000, completed: 950, lag: time.Millisecond},
			rules:   []string{"error_rate < 1%", "throughput >= 99%"},
			verdict: NoGo, findings: []string{"FAIL", "FAIL"},
			reason: "The error rate was 5% (rule: error_rate < 1%)",
		},
		{
			name:    "a tail the generator's lag explains is not the target's, though its health held over the run",
			res:     results{latency: spread(1000, 15*time.Millisecond, 315*time.Millisecond, 0.005), service: spread(1000, 15*time.Millisecond, 15*time.Millisecond, 0), started: 1000, completed: 1000, lag: time.Millisecond, lateLag: 300 * time.Millisecond, late: 5},
			rules:   []string{"p99.9 < 100ms", "max < 200ms", "p95 < 100ms"},
			verdict: Inconclusive, findings: []string{"fail", "fail", "pass"},
			reason: "p99.9 < 100ms failed over the run at 315ms, but on the target's own service time it was 15ms: the generator sent those requests late",
		},
		{
			name:    "a throughput shortfall of missed arrivals is the generator's, though under 0.1% of them",
			res:     results{latency: fast, service: fast, started: 9991, missed: 9, completed: 9991, lag: time.Millisecond},
			rules:   []string{"throughput >= 99.95%"},
			verdict: Inconclusive, findings: []string{"fail"},
			reason: "throughput >= 99.95% failed over the run against the scheduled visits, but the visits the generator started there met it: it could not start 9 of them",
		},
		{
			name: "fast failures judged by latency alone", res: results{errors: 1000, started: 1000, lag: time.Millisecond},
			rules:   []string{"p95 < 250ms"},
			verdict: NoGo, findings: []string{"nodata", "FAIL"},
			reason: "1,000 of 1,000 requests (100%) failed outside every error_rate rule (the run's failures: 1,000 5xx).",
		},
		{
			name: "an error_rate rule allows the share", res: results{latency: fast[:990], service: fast[:990], errors: 10, started: 1000, completed: 990, lag: time.Millisecond},
			rules:   []string{"p95 < 300ms", "error_rate < 5%"},
			verdict: Go, findings: []string{"pass", "pass"},
		},
		{
			name: "a journey's rule covers only that journey", res: results{latency: fast[:990], service: fast[:990], errors: 10, started: 1000, completed: 990, lag: time.Millisecond},
			rules:   []string{"other: error_rate < 50%", "shop/GET /: error_rate < 5%"},
			verdict: Inconclusive, findings: []string{"nodata", "pass"},
		},
		{
			name: "failures outside a journey's rule are judged against 0%", res: results{latency: fast[:990], service: fast[:990], errors: 10, started: 1000, completed: 990, lag: time.Millisecond},
			rules:   []string{"other: error_rate < 50%"},
			verdict: NoGo, findings: []string{"nodata", "FAIL"},
			reason: "10 of 1,000 requests (1%) failed outside every error_rate rule",
		},
		{
			name: "requests the generator failed itself are its own", res: results{latency: fast[:990], service: fast[:990], errors: 10, generatorErrors: 10, started: 1000, completed: 990, lag: time.Millisecond},
			rules:   []string{"p95 < 300ms", "error_rate < 0.5%"},
			verdict: Inconclusive, findings: []string{"pass", "pass"},
			reason: "The generator failed 10 of its 1,000 requests itself (1%), so the target never saw them: 10 because it ran out of local ports or file descriptors",
		},
		{
			name: "missed arrivals make a pass unproven", res: results{latency: fast, service: fast, started: 950, missed: 50, completed: 950, lag: time.Millisecond},
			rules:   []string{"p95 < 300ms"},
			verdict: Inconclusive, findings: []string{"pass"},
			reason: "could not start 50 of 1,000 arrivals (5%) because max_concurrency (50) visitors were already in flight",
		},
		{
			name: "a unique data file that runs out limits the run", res: results{latency: fast, service: fast, started: 900, missed: 100, exhausted: 100, completed: 900, lag: time.Millisecond},
			rules:   []string{"p95 < 300ms"},
			verdict: Inconclusive, findings: []string{"pass"},
			reason: "could not start 100 of 1,000 arrivals (10%) because a journey's unique data file had run out of rows",
		},
		{
			name: "a missed share under 0.1% is fine", res: results{latency: fast, service: fast, started: 9995, missed: 5, completed: 9995, lag: time.Millisecond},
			rules:   []string{"p95 < 300ms"},
			verdict: Go, findings: []string{"pass"},
		},
		{
			name: "lag alone makes the run inconclusive", res: results{latency: fast, service: fast, started: 1000, completed: 1000, lag: 40 * time.Millisecond},
			rules:   []string{"p95 < 300ms"},
			verdict: Inconclusive, findings: []string{"pass"},
			reason: "1,000 of its requests (100%) left more than 30ms late, and its p99 lag was 40ms",
		},
		{
			name:    "a latency failure the generator's lag explains is not the target's",
			res:     results{latency: slow, service: fast, started: 1000, completed: 1000, lag: 880 * time.Millisecond},
			rules:   []string{"p95 < 300ms"},
			verdict: Inconclusive, findings: []string{"fail"},
			reason: "p95 < 300ms failed over the run at 900ms, but on the target's own service time it was 40ms: the generator sent those requests late",
		},
		{
			name:    "a latency failure the service time confirms is the target's",
			res:     results{latency: slow, service: slow, started: 900, missed: 100, completed: 900, lag: time.Millisecond},
			rules:   []string{"p95 < 300ms"},
			verdict: NoGo, findings: []string{"FAIL"},
			reason: "measured on the target's own service time",
		},
		{
			name:    "throughput lost to missed arrivals is not the target's",
			res:     results{latency: fast, service: fast, started: 900, missed: 100, completed: 900, lag: time.Millisecond},
			rules:   []string{"throughput >= 99%"},
			verdict: Inconclusive, findings: []string{"fail"},
		},
		{
			name:    "throughput lost among started visits is the target's",
			res:     results{latency: fast[:900], service: fast[:900], errors: 100, started: 900, missed: 100, completed: 800, lag: time.Millisecond},
			rules:   []string{"throughput >= 99%", "error_rate < 1%"},
			verdict: NoGo, findings: []string{"FAIL", "FAIL"},
		},
		{
			name:    "interrupted with everything holding",
			res:     results{latency: fast, service: fast, started: 1000, completed: 1000, lag: time.Millisecond, interrupted: true},
			rules:   []string{"p95 < 300ms"},
			verdict: Inconclusive, findings: []string{"pass"},
			reason: "The run was interrupted after 1m of the planned 1m.",
		},
		{
			name:    "interrupted with the target failing",
			res:     results{latency: fast, service: fast, errors: 500, started: 1000, completed: 500, lag: time.Millisecond, interrupted: true},
			rules:   []string{"error_rate < 1%"},
			verdict: NoGo, findings: []string{"FAIL"},
		},
		{
			name:    "a scope with no data cannot be judged",
			res:     healthy,
			rules:   []string{"other: p95 < 300ms"},
			verdict: Inconclusive, findings: []string{"nodata"},
			reason: "other: p95 < 300ms could not be judged: nothing in its scope was measured.",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			checkJudgement(t, judge(t, tc.res.build(), tc.rules...), tc.verdict, tc.findings, tc.reason)
		})
	}
}

func outcome(f Finding) string {
	switch {
	case f.Passed:
		return "pass"
	case f.NoData:
		return "nodata"
	case f.TargetFault:
		return "FAIL"
	}
	return "fail"
}

func TestFindingValues(t *testing.T) {
	t.Parallel()
	res := results{latency: spread(990, 20*time.Millisecond, 900*time.Millisecond, 0.1), started: 1000, completed: 990, errors: 10, lag: time.Millisecond}
	res.service = res.latency
	j := judge(t, res.build(), "shop/GET /: p95 < 300ms", "error_rate < 0.5%")
	p95, errRate := j.Findings[0], j.Findings[1]
	if p95.Rule.ScopeName() != "shop/GET /" || p95.Rule.MetricName() != "p95" || p95.Unit() != UnitMS || p95.Limit != 300 || p95.Samples != 990 {
		t.Errorf("p95 finding = %+v", p95)
	}
	if p95.Measured < 899 || p95.Measured > 901 {
		t.Errorf("p95 measured %v ms, want 900 within the histogram's precision", p95.Measured)
	}
	if errRate.Measured != 0.01 || errRate.Limit != 0.005 || errRate.Unit() != UnitRatio || errRate.Basis != BasisRequests {
		t.Errorf("error rate finding = %+v", errRate)
	}
}
