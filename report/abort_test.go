package report

import (
	"strings"
	"testing"
	"time"

	"github.com/liftoff/liftoff/loadgen"
	"github.com/liftoff/liftoff/scenario"
)

// liveSecond is one constructed interval of a run with one journey of one
// step: the requests that succeeded, with their latency and service
// time, and those that failed, by class.
type liveSecond struct {
	ok               int64
	latency, service time.Duration
	failed           int64
	class            loadgen.ErrorClass
	delay            time.Duration // how late the delay probe woke, once in the second
}

// ticksOf builds the Ticks of consecutive seconds from 0.
func ticksOf(seconds []liveSecond) []loadgen.Tick {
	keys := []loadgen.Key{{}, {Journey: "shop"}, {Journey: "shop", Step: "GET /"}}
	var out []loadgen.Tick
	for i, s := range seconds {
		lat, svc := make([]time.Duration, s.ok), make([]time.Duration, s.ok)
		for j := range lat {
			lat[j], svc[j] = s.latency, s.service
		}
		iv := loadgen.Interval{Offset: time.Duration(i) * time.Second, Requests: s.ok + s.failed, Errors: s.failed}
		for k := range keys {
			iv.Keys = append(iv.Keys, loadgen.IntervalKeyOf(k, lat, svc, s.failed))
		}
		class := s.class
		if class == loadgen.ClassNone {
			class = loadgen.ClassStatus5xx
		}
		iv.Classes[class] = s.failed
		if s.delay > 0 {
			iv.Signals.Delay = loadgen.SparseOf(s.delay)
		}
		out = append(out, loadgen.Tick{Offset: iv.Offset, Width: time.Second, Requests: iv.Requests, Errors: iv.Errors,
			Interval: iv, AllKeys: keys})
	}
	return out
}

// repeat is n copies of s.
func repeat(n int, s liveSecond) []liveSecond {
	out := make([]liveSecond, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func liveSeconds(parts ...[]liveSecond) []liveSecond {
	var out []liveSecond
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// TestAbortJudge feeds constructed intervals to the judge, one at a
// time, and checks when (if ever) each rule trips. A rule trips only on a
// whole window, with enough requests, and only on what the target did.
func TestAbortJudge(t *testing.T) {
	t.Parallel()
	fine := liveSecond{ok: 50, latency: 10 * time.Millisecond, service: 10 * time.Millisecond}
	failing := liveSecond{ok: 10, latency: 10 * time.Millisecond, service: 10 * time.Millisecond, failed: 40}
	slow := liveSecond{ok: 50, latency: 3 * time.Second, service: 3 * time.Second}
	lagging := liveSecond{ok: 50, latency: 3 * time.Second, service: 10 * time.Millisecond} // sent late: the generator's lag
	// A generator stalled 1.5s in each second may have read every answer
	// past half the 2s timeout: its timeouts may be its own.
	starved := liveSecond{ok: 28, latency: 10 * time.Millisecond, service: 10 * time.Millisecond, failed: 32, class: loadgen.ClassTimeout, delay: 1500 * time.Millisecond}
	timeouts := starved
	timeouts.delay = 0
	quiet := liveSecond{failed: 3}
	tests := []struct {
		name    string
		rule    string
		seconds []liveSecond
		trips   time.Duration // the end of the window that trips; 0: never
		from    time.Duration
	}{
		{"errors trip once they pass the limit over the window", "error_rate > 50% for 3s",
			liveSeconds(repeat(10, fine), repeat(10, failing)), 12 * time.Second, 9 * time.Second},
		{"a window needs all its seconds", "error_rate > 50% for 5s",
			repeat(4, failing), 0, 0},
		{"a window of one second", "error_rate > 50% for 1s",
			liveSeconds(repeat(3, fine), repeat(3, failing)), 4 * time.Second, 3 * time.Second},
		{"a healthy target never trips", "error_rate > 50% for 2s",
			repeat(20, fine), 0, 0},
		{"latency the target's own service time shows", "p99 > 1s for 2s",
			liveSeconds(repeat(5, fine), repeat(5, slow)), 6 * time.Second, 4 * time.Second},
		{"latency that only the generator's lag made", "p99 > 1s for 2s",
			liveSeconds(repeat(5, fine), repeat(10, lagging)), 0, 0},
		{"a journey scope", "shop: p99 > 1s for 2s",
			liveSeconds(repeat(5, fine), repeat(5, slow)), 6 * time.Second, 4 * time.Second},
		{"a quiet window has too few requests to judge", "error_rate > 50% for 2s",
			repeat(10, quiet), 0, 0},
		{"timeouts of a starved generator are not the target's", "error_rate > 50% for 2s",
			liveSeconds(repeat(3, fine), repeat(6, starved)), 0, 0},
		{"timeouts of a calm generator are the target's", "error_rate > 50% for 2s",
			liveSeconds(repeat(3, fine), repeat(6, timeouts)), 5 * time.Second, 3 * time.Second},
		{"a phase rule waits for its phase", "phase surge: error_rate > 50% for 2s",
			repeat(12, failing), 9 * time.Second, 7 * time.Second},
		{"a phase rule ends with its phase", "phase warm-up: error_rate > 50% for 2s",
			liveSeconds(repeat(7, fine), repeat(5, failing)), 0, 0},
		{"a rule on being too fast", "p50 < 20ms for 2s",
			repeat(4, fine), 2 * time.Second, 0},
	}
	plan := scenario.Plan{Phases: []scenario.Phase{
		{Name: "warm-up", Duration: 7 * time.Second, Rate: 50, RampTo: 50},
		{Name: "surge", Start: 7 * time.Second, Duration: time.Minute, Rate: 50, RampTo: 50},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := scenario.ParseRule(tc.rule)
			if err != nil {
				t.Fatal(err)
			}
			sc := &scenario.Scenario{Plan: plan, Defaults: scenario.Defaults{Timeout: 2 * time.Second}, Abort: []scenario.Rule{r}}
			aj := NewAbortJudge(sc)
			var got *loadgen.Abort
			for _, tick := range ticksOf(tc.seconds) {
				if got = aj.Observe(tick); got != nil {
					break
				}
			}
			switch {
			case tc.trips == 0 && got != nil:
				t.Fatalf("tripped %+v, want no abort", got)
			case tc.trips == 0:
			case got == nil:
				t.Fatalf("never tripped, want a trip at %v", tc.trips)
			case got.To != tc.trips || got.From != tc.from || got.Rule != r.Text:
				t.Fatalf("tripped %s over %v–%v, want %s over %v–%v", got.Rule, got.From, got.To, r.Text, tc.from, tc.trips)
			case got.Samples < minTroubleSamples:
				t.Errorf("tripped on %d samples", got.Samples)
			}
		})
	}
}

// TestAbortJudgeWaitsOutAStalledCollector: a collector that closed an
// interval late leaves a gap in the offsets; a window across the gap is
// not judged on part of its data, and the next whole one trips.
func TestAbortJudgeWaitsOutAStalledCollector(t *testing.T) {
	t.Parallel()
	failing := liveSecond{ok: 10, latency: time.Millisecond, service: time.Millisecond, failed: 40}
	ticks := ticksOf(repeat(6, failing))
	ticks = append(ticks[:2], ticks[3:]...) // the interval at 2s was never closed on its own
	r, _ := scenario.ParseRule("error_rate > 50% for 2s")
	aj := NewAbortJudge(&scenario.Scenario{Abort: []scenario.Rule{r}})
	var trips []time.Duration
	for _, tick := range ticks {
		if a := aj.Observe(tick); a != nil {
			trips = append(trips, a.To)
		}
	}
	want := []time.Duration{2 * time.Second, 5 * time.Second, 6 * time.Second}
	if len(trips) != len(want) || trips[0] != want[0] || trips[1] != want[1] || trips[2] != want[2] {
		t.Errorf("tripped at %v, want %v: not on the window 2s–4s, which misses 2s–3s", trips, want)
	}
}

// TestAbortedRunIsNoGo judges results an abort stopped: NO-GO with the
// abort's sentence first, whatever the SLO rules said, and the results
// file carries it through a round trip.
func TestAbortedRunIsNoGo(t *testing.T) {
	t.Parallel()
	res := &loadgen.Results{
		Scenario:    scenario.Record{Name: "aborted", Phases: []scenario.PhaseRecord{{Name: "steady", DurationS: 300, Rate: 10}}, SLO: []string{"p95 < 5s"}, Abort: []string{"error_rate > 50% for 30s"}},
		Elapsed:     45 * time.Second,
		Ran:         42 * time.Second,
		Interval:    time.Second,
		Interrupted: true, InterruptedAt: 42 * time.Second,
		Requests: 100, Errors: 60,
		Keys:  []loadgen.KeyResult{{Requests: 100, Errors: 60}},
		Abort: &loadgen.Abort{Rule: "error_rate > 50% for 30s", Measured: 0.6, Samples: 100, From: 12 * time.Second, To: 42 * time.Second},
	}
	res.Classes[loadgen.ClassStatus5xx] = 60
	doc, err := NewDocument(res)
	if err != nil {
		t.Fatal(err)
	}
	j := doc.Judgement
	want := "An abort rule stopped the run at 42s of the planned 5m to protect the target: the error rate was 60% over 12s–42s (abort rule: error_rate > 50% for 30s)."
	if j.Verdict != NoGo || j.Aborted == nil || len(j.Reasons) == 0 || j.Reasons[0] != want {
		t.Fatalf("verdict %s, reasons %q; want NO-GO led by %q", j.Verdict, j.Reasons, want)
	}
	for _, r := range j.Reasons {
		if strings.Contains(r, "interrupted") {
			t.Errorf("an aborted run reads as interrupted: %q", r)
		}
	}
	var b strings.Builder
	if err := WriteJSON(&b, doc); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if a := back.Judgement.Aborted; a == nil || *a != *j.Aborted {
		t.Errorf("read back abort %+v, want %+v", a, j.Aborted)
	}
	if !strings.Contains(b.String(), `"aborted": true`) {
		t.Error(`the results file does not say "aborted": true`)
	}
}
