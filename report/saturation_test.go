package report

import (
	"testing"
	"time"

	"github.com/liftoff/liftoff/loadgen"
	"github.com/liftoff/liftoff/scenario"
)

// second is one timeline interval of a run built by hand: the successful
// requests of journey "shop", step "GET /" (latency and service time,
// one each), failed ones on top, visits by arrival, and the generator's
// signals.
type second struct {
	latency, service []time.Duration
	errors, timeouts int64
	arrivals, missed int64
	delay, sched     []time.Duration // probe wake-ups' lateness; runtime scheduling waits
	sharedConnect    []time.Duration
	cpu, runDelay    time.Duration // process CPU time; its threads' wait on CPU run queues
}

// same returns n copies of d.
func same(n int, d time.Duration) []time.Duration { return spread(n, d, d, 0) }

// withTail returns n values at base, the last tail of them at slow.
func withTail(n int, base, slow time.Duration, tail int) []time.Duration {
	return spread(n, base, slow, float64(tail)/float64(n))
}

// timelineRun builds Results from seconds, with phases (open at 100/s
// unless closed) covering them.
func timelineRun(seconds []second, closed bool) *loadgen.Results {
	n := len(seconds)
	phase := scenario.PhaseRecord{Name: "all", DurationS: float64(n), Rate: 100, RampTo: 100}
	curve := []scenario.PointRecord{{AtS: 0, Rate: 100}, {AtS: float64(n), Rate: 100}}
	if closed {
		phase = scenario.PhaseRecord{Name: "all", DurationS: float64(n), Concurrency: 20}
		curve = nil
	}
	res := &loadgen.Results{
		Scenario: scenario.Record{Name: "t", MaxConcurrency: 500, Phases: []scenario.PhaseRecord{phase}, Curve: curve,
			Journeys: []scenario.JourneyRecord{{Name: "shop", Weight: 1, Steps: []scenario.StepRecord{{Name: "GET /", Request: "GET /"}}}}},
		Elapsed: time.Duration(n) * time.Second, Ran: time.Duration(n) * time.Second, Interval: time.Second,
		Signals: loadgen.Signals{CPUs: 1, CPUKnown: true, RunDelayKnown: true},
	}
	var lat, svc []time.Duration
	var errs, lagged int64
	var delay, sched, conns []time.Duration
	for i, s := range seconds {
		iv := loadgen.Interval{Offset: time.Duration(i) * time.Second, Arrivals: s.arrivals, Missed: s.missed,
			Requests: int64(len(s.latency)) + s.errors, Errors: s.errors}
		iv.Classes[loadgen.ClassTimeout] = s.timeouts
		iv.Classes[loadgen.ClassStatus5xx] = s.errors - s.timeouts
		if !closed {
			iv.Completed = s.arrivals - s.errors
			iv.Failed = s.errors
		}
		for k := range 3 {
			iv.Keys = append(iv.Keys, loadgen.IntervalKeyOf(k, s.latency, s.service, s.errors))
		}
		var lags []time.Duration
		for j := range s.latency {
			lags = append(lags, s.latency[j]-s.service[j])
		}
		iv.Signals = loadgen.IntervalSignals{CPU: s.cpu, RunDelay: s.runDelay, Delay: loadgen.SparseOf(s.delay...), Sched: loadgen.SparseOf(s.sched...),
			Lag: loadgen.SparseOf(lags...), SharedConnect: loadgen.SparseOf(s.sharedConnect...)}
		res.Timeline = append(res.Timeline, iv)
		lat, svc = append(lat, s.latency...), append(svc, s.service...)
		errs += s.errors
		lagged += int64(len(s.latency))
		delay, sched, conns = append(delay, s.delay...), append(sched, s.sched...), append(conns, s.sharedConnect...)
		res.Signals.CPU += s.cpu
		res.Signals.RunDelay += s.runDelay
		res.Arrivals.Started += s.arrivals
		res.Arrivals.Missed += s.missed
		res.Classes[loadgen.ClassTimeout] += s.timeouts
		res.Classes[loadgen.ClassStatus5xx] += s.errors - s.timeouts
	}
	res.Signals.Delay, res.Signals.Sched, res.Signals.SharedConnect = loadgen.SparseOf(delay...), loadgen.SparseOf(sched...), loadgen.SparseOf(conns...)
	res.Arrivals.Planned = float64(res.Arrivals.Started + res.Arrivals.Missed)
	res.Arrivals.Completed = res.Arrivals.Started - errs
	res.Arrivals.Failed = errs
	if closed {
		res.Arrivals = loadgen.ArrivalCounts{}
		res.Closed = loadgen.ClosedCounts{Visitors: 20}
	}
	var timeouts []time.Duration
	for range res.Classes[loadgen.ClassTimeout] {
		timeouts = append(timeouts, time.Second)
	}
	res.Failures[loadgen.ClassTimeout] = loadgen.ClassTiming{Latency: loadgen.DistributionOf(timeouts...), Service: loadgen.DistributionOf(timeouts...)}
	lags := make([]time.Duration, len(lat))
	for i := range lat {
		lags[i] = lat[i] - svc[i]
	}
	key := func(k loadgen.Key) loadgen.KeyResult {
		return loadgen.KeyResult{Key: k, Requests: int64(len(lat)) + errs, Errors: errs,
			Latency: loadgen.DistributionOf(lat...), Service: loadgen.DistributionOf(svc...)}
	}
	res.Keys = []loadgen.KeyResult{key(loadgen.Key{}), key(loadgen.Key{Journey: "shop"}), key(loadgen.Key{Journey: "shop", Step: "GET /"})}
	res.Requests, res.Errors = res.Keys[0].Requests, errs
	if !closed {
		res.Lag = loadgen.DistributionOf(lags...)
	}
	return res
}

// starved is a second of a generator starved of CPU, as measured pinned
// to one core beside three busy loops: its probe woke 9–40ms late, so
// the answers it read waited as long.
func starved() []time.Duration {
	return append(append(same(60, 9*time.Millisecond), same(30, 20*time.Millisecond)...), same(10, 40*time.Millisecond)...)
}

// calm is a second of an idle generator: its probe woke within 0.1ms.
func calm() []time.Duration { return same(400, 80*time.Microsecond) }

// seconds returns n copies of s.
func seconds(n int, s second) []second {
	out := make([]second, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// TestWhoseFaultUnderStarvation judges runs whose generator was starved,
// slow to connect, or busy, against targets that were fast, slow or
// failing: the verdict is never NO-GO for what the generator's own delays
// can explain, and still NO-GO where the failure stands on the target.
func TestWhoseFaultUnderStarvation(t *testing.T) {
	t.Parallel()
	fast := second{latency: withTail(100, 400*time.Microsecond, 36*time.Millisecond, 3), service: withTail(100, 300*time.Microsecond, 35*time.Millisecond, 3),
		arrivals: 100, delay: starved(), cpu: 250 * time.Millisecond, runDelay: 750 * time.Millisecond}
	slow := second{latency: same(100, 205*time.Millisecond), service: same(100, 200*time.Millisecond), arrivals: 100, delay: starved(),
		cpu: 250 * time.Millisecond, runDelay: 750 * time.Millisecond}
	tight := second{latency: same(100, 15*time.Millisecond), service: same(100, 15*time.Millisecond), arrivals: 100, delay: calm(), runDelay: time.Millisecond}
	failing := fast
	failing.errors = 100
	failing.latency, failing.service = nil, nil
	tests := []struct {
		name     string
		seconds  []second
		closed   bool
		unknown  bool // the kernel does not report the process's run-queue wait
		rules    []string
		verdict  Verdict
		findings []string
		cause    Signal // of the first finding
		reason   string
	}{
		{
			name: "a fast target read through a starved generator", seconds: seconds(10, fast),
			rules: []string{"p99 < 10ms", "error_rate < 1%"}, verdict: Inconclusive, findings: []string{"fail", "pass"}, cause: SignalDelay,
			reason: "p99 < 10ms failed over the run at 36ms (35ms on the target's service time), but the generator itself was delayed by up to 42ms there (its process waiting for a CPU, or its goroutines for their turn), which can explain all of it.",
		},
		{
			name: "a target 20 times slower than the limit under the same starvation", seconds: seconds(10, slow),
			rules: []string{"p99 < 10ms"}, verdict: NoGo, findings: []string{"FAIL"},
			reason: "p99 latency was 205ms (rule: p99 < 10ms)",
		},
		{
			name: "a failing target under the same starvation", seconds: seconds(10, failing),
			rules: []string{"p99 < 10ms", "error_rate < 1%"}, verdict: NoGo, findings: []string{"nodata", "FAIL"},
			reason: "The error rate was 100% (rule: error_rate < 1%)",
		},
		{
			name: "a millisecond of delay cannot explain a 250ms failure", seconds: seconds(10, second{latency: same(100, 300*time.Millisecond), service: same(100, 299*time.Millisecond), arrivals: 100, delay: same(200, time.Millisecond)}),
			rules: []string{"p95 < 250ms"}, verdict: NoGo, findings: []string{"FAIL"},
		},
		{
			name: "nor cost a GO", seconds: seconds(10, second{latency: same(100, 100*time.Millisecond), service: same(100, 99*time.Millisecond), arrivals: 100, delay: same(200, 30*time.Millisecond)}),
			rules: []string{"p95 < 250ms"}, verdict: Go, findings: []string{"pass"},
		},
		{
			name: "a calm generator leaves a tight limit's failure on the target", seconds: seconds(10, tight),
			rules: []string{"p99 < 10ms"}, verdict: NoGo, findings: []string{"FAIL"},
		},
		{
			name: "unless the kernel cannot say the generator waited for no CPU", seconds: seconds(10, tight), unknown: true,
			rules: []string{"p99 < 10ms"}, verdict: Inconclusive, findings: []string{"fail"}, cause: SignalDelay,
		},
		{
			name: "a window the generator's lag explains",
			seconds: append(append(seconds(3, second{latency: same(100, 15*time.Millisecond), service: same(100, 14*time.Millisecond), arrivals: 100, delay: calm()}),
				second{latency: withTail(100, 15*time.Millisecond, 315*time.Millisecond, 20), service: same(100, 14*time.Millisecond), arrivals: 100, delay: calm()}),
				seconds(6, second{latency: same(100, 15*time.Millisecond), service: same(100, 14*time.Millisecond), arrivals: 100, delay: calm()})...),
			rules: []string{"p95 < 100ms for 2s"}, verdict: Inconclusive, findings: []string{"fail"}, cause: SignalLag,
			reason: "in the window 2s–4s at 315ms, but on the target's own service time it was 14ms",
		},
		{
			name: "the shared pool's connection storm in the first second",
			seconds: append([]second{{latency: withTail(200, 400*time.Microsecond, 350*time.Millisecond, 40), service: withTail(200, 300*time.Microsecond, 350*time.Millisecond, 40),
				arrivals: 200, delay: calm(), sharedConnect: same(40, 340*time.Millisecond)}},
				seconds(9, second{latency: same(100, 400*time.Microsecond), service: same(100, 300*time.Microsecond), arrivals: 100, delay: calm()})...),
			rules: []string{"p99 < 50ms"}, verdict: Inconclusive, findings: []string{"fail"}, cause: SignalConnections,
			reason: "the generator's shared pool was opening connections there, taking up to 340ms each",
		},
		{
			name: "timeouts while the generator was starved past half the timeout",
			seconds: seconds(5, second{latency: same(99, time.Millisecond), service: same(99, time.Millisecond), errors: 1, timeouts: 1, arrivals: 100,
				delay: append(calm(), 700*time.Millisecond)}),
			rules: []string{"error_rate < 0.5%"}, verdict: Inconclusive, findings: []string{"fail"}, cause: SignalDelay,
			reason: "were timeouts while the generator's own delays reached half the request timeout",
		},
		{
			name:    "the same timeouts from a calm generator are the target's",
			seconds: seconds(5, second{latency: same(99, time.Millisecond), service: same(99, time.Millisecond), errors: 1, timeouts: 1, arrivals: 100, delay: calm()}),
			rules:   []string{"error_rate < 0.5%"}, verdict: NoGo, findings: []string{"FAIL"},
		},
		{
			name: "a window that held while the generator missed its arrivals",
			seconds: append(seconds(5, second{latency: same(100, time.Millisecond), service: same(100, time.Millisecond), arrivals: 100, delay: calm()}),
				second{latency: same(50, time.Millisecond), service: same(50, time.Millisecond), arrivals: 50, missed: 50, delay: calm()}),
			rules: []string{"p95 < 100ms for 1s"}, verdict: Inconclusive, findings: []string{"pass"}, cause: SignalMissed,
			reason: "p95 < 100ms for 1s held, but in the window 5s–6s the generator could not start 50 of 100 arrivals (50%)",
		},
		{
			name:    "a closed model looping as fast as the generator's CPU allows",
			seconds: seconds(5, second{latency: same(1000, time.Millisecond), service: same(1000, time.Millisecond), delay: calm(), cpu: 970 * time.Millisecond}),
			closed:  true, rules: []string{"p95 < 100ms"}, verdict: Inconclusive, findings: []string{"pass"},
			reason: "The generator was the bottleneck of phase all: its process kept 97% of its 1 CPU busy",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := timelineRun(tc.seconds, tc.closed)
			res.Signals.RunDelayKnown = !tc.unknown
			j := judge(t, res, tc.rules...)
			checkJudgement(t, j, tc.verdict, tc.findings, tc.reason)
			if tc.cause != SignalNone && (len(j.Findings) == 0 || j.Findings[0].Cause != tc.cause) {
				t.Errorf("cause = %v, want %v", j.Findings[0].Cause, tc.cause)
			}
			for _, f := range j.Findings {
				if !f.Passed && !f.TargetFault && f.Cause == SignalNone && !f.NoData {
					t.Errorf("%s failed, not on the target's account, without a cause", f.Rule.Text)
				}
			}
		})
	}
}
