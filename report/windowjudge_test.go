package report

import (
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/liftoff/liftoff/loadgen"
	"github.com/liftoff/liftoff/scenario"
)

// denseHistogram is what one distribution takes once merging turns it
// dense (past 2,048 populated buckets).
const denseHistogram = 184 << 10

// TestWindowsJudgedInBoundedMemory judges and renders a run whose every
// second holds latencies and service times spread over more than 1,024
// buckets each, so every 2-second window sums two dense histograms. The
// rules fail in every window, on the generator's account and on the
// target's, so every consumer of the windows runs: the worst window, the
// failing ones examined worst first, the first failure and the shaded
// spans. After every stretch summed, the live heap (after a collection)
// must stay within a few windows' histograms: all of the run's windows
// kept at once, as a list of them did, take 240 × 2 × 184 KiB (86 MB).
// Not parallel: it weighs the whole heap.
func TestWindowsJudgedInBoundedMemory(t *testing.T) {
	const seconds = 240
	res := spreadRun(seconds)
	res.Scenario.SLO = []string{
		"p99 < 2ms for 2s", // latency fails everywhere, service time holds: the generator's lag
		"p99 < 1ms for 2s", // both fail: the target's
		"p99 < 1ms",        // over the run: its worst interval
	}
	judgeAndRender(t, spreadRun(3), res.Scenario.SLO) // what the first render builds once (its templates) is not the windows'
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC() // the second empties sync.Pools' victim caches too
	runtime.ReadMemStats(&ms)
	base, peak, summed := ms.HeapAlloc, ms.HeapAlloc, 0
	testHookSummed = func() {
		summed++
		runtime.GC()
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapAlloc)
	}
	t.Cleanup(func() { testHookSummed = nil })

	doc := judgeAndRender(t, res, res.Scenario.SLO)
	testHookSummed = nil

	if summed < 2*(seconds-1) {
		t.Fatalf("%d stretches summed, want at least the %d windows of the two windowed rules", summed, 2*(seconds-1))
	}
	const limit = 16 * denseHistogram
	if grew := int64(peak) - int64(base); grew > limit {
		t.Errorf("the live heap grew by %.1f MB while judging %d windows; want at most %.1f MB (%d dense histograms)",
			float64(grew)/(1<<20), seconds-1, float64(limit)/(1<<20), limit/denseHistogram)
	}
	// The judgement itself, so the bound is not met by judging nothing.
	want := []struct {
		rule        string
		targetFault bool
		cause       Signal
	}{
		{"p99 < 2ms for 2s", false, SignalLag},
		{"p99 < 1ms for 2s", true, SignalNone},
		{"p99 < 1ms", true, SignalNone},
	}
	for _, w := range want {
		f := findingFor(t, doc.Judgement, w.rule)
		if f.Passed || f.NoData || f.TargetFault != w.targetFault || f.Cause != w.cause {
			t.Errorf("%s: passed=%v no data=%v target fault=%v cause=%v, want a failure with target fault=%v cause=%v",
				w.rule, f.Passed, f.NoData, f.TargetFault, f.Cause, w.targetFault, w.cause)
		}
	}
}

// judgeAndRender judges res against rules and renders it every way.
func judgeAndRender(t *testing.T, res *loadgen.Results, rules []string) Document {
	t.Helper()
	doc := document(t, res, rules...)
	for _, r := range renderers {
		if err := r.write(io.Discard, doc); err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
	}
	return doc
}

// spreadRun builds the results of a run of n seconds at 1,100 requests a
// second, of one journey "shop" with one step, each second the same:
// latencies of 1ms to 2.1ms and service times of 0.5ms to 1.6ms, one
// microsecond apart, so each second's histograms populate more than 1,024
// buckets and any two seconds' merged turn dense.
func spreadRun(n int) *loadgen.Results {
	const perSecond = 1100
	var lat, svc []time.Duration
	for i := range perSecond {
		lat = append(lat, time.Millisecond+time.Duration(i)*time.Microsecond)
		svc = append(svc, 500*time.Microsecond+time.Duration(i)*time.Microsecond)
	}
	phase := scenario.PhaseRecord{Name: "all", DurationS: float64(n), Rate: perSecond, RampTo: perSecond}
	res := &loadgen.Results{
		Scenario: scenario.Record{Name: "spread", MaxConcurrency: 500, Phases: []scenario.PhaseRecord{phase},
			Curve:    []scenario.PointRecord{{AtS: 0, Rate: perSecond}, {AtS: float64(n), Rate: perSecond}},
			Journeys: []scenario.JourneyRecord{{Name: "shop", Weight: 1, Steps: []scenario.StepRecord{{Name: "GET /", Request: "GET /"}}}}},
		Elapsed: time.Duration(n) * time.Second, Ran: time.Duration(n) * time.Second, Interval: time.Second,
		Signals: loadgen.Signals{CPUs: 1, CPUKnown: true, RunDelayKnown: true},
	}
	second := loadgen.DistributionOf(lat...)
	service := loadgen.DistributionOf(svc...)
	var all, allService loadgen.Distribution
	for i := range n {
		res.Timeline = append(res.Timeline, loadgen.Interval{Offset: time.Duration(i) * time.Second,
			Arrivals: perSecond, Completed: perSecond, Requests: perSecond,
			Keys: []loadgen.IntervalKey{loadgen.IntervalKeyOf(0, lat, svc, 0)}})
		all.Merge(second)
		allService.Merge(service)
	}
	requests := int64(n * perSecond)
	res.Keys = []loadgen.KeyResult{{Key: loadgen.Key{}, Requests: requests, Latency: all, Service: allService}}
	res.Requests = requests
	res.Arrivals = loadgen.ArrivalCounts{Planned: float64(requests), Started: requests, Completed: requests}
	return res
}

// TestWorstWindowTheGeneratorsNextTheTargets fails a windowed rule in two
// windows: the worst (second 3, 315ms) only on latency, the generator's
// lag, and a milder one (second 7, 200ms) on the target's service time
// too. The failures are examined worst first and the first that stands on
// the target names the finding, so it is the target's, in the milder
// window, at that window's value: judged from what the pass kept of a
// window that is not the worst.
func TestWorstWindowTheGeneratorsNextTheTargets(t *testing.T) {
	t.Parallel()
	fine := second{latency: same(100, 15*time.Millisecond), service: same(100, 14*time.Millisecond), arrivals: 100, delay: calm()}
	lagged := fine
	lagged.latency = withTail(100, 15*time.Millisecond, 315*time.Millisecond, 20)
	slow := fine
	slow.latency = withTail(100, 15*time.Millisecond, 200*time.Millisecond, 20)
	slow.service = withTail(100, 14*time.Millisecond, 199*time.Millisecond, 20)
	run := append(seconds(3, fine), lagged, fine, fine, fine, slow, fine, fine)

	j := judge(t, timelineRun(run, false), "p95 < 100ms for 1s")
	checkJudgement(t, j, NoGo, []string{"FAIL"}, "")
	f := j.Findings[0]
	// About 200ms: on latency, or on service time (199ms) when the lag
	// marks the generator limited; not the worst window's 315ms.
	if f.From != 7*time.Second || f.To != 8*time.Second || f.Measured < 190 || f.Measured > 210 {
		t.Errorf("finding names %v–%v at %vms, want the window 7s–8s at about 200ms", f.From, f.To, f.Measured)
	}
	if want := "in the window 7s–8s"; f.Where != want {
		t.Errorf("Where = %q, want %q", f.Where, want)
	}
}
