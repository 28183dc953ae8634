package report

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestStarvedGenerator starves the generator of CPU in-process, as
// bench/starved.sh does with a core shared with busy loops: GOMAXPROCS 1,
// and more busy goroutines than that one P. Against a fast target the
// verdict is never NO-GO: GO, or INCONCLUSIVE with a reason that names
// the generator. Against a target that truly fails, answering 500 or 20
// times slower than the limit, it is still NO-GO, because that evidence
// stands on what the target did.
//
// Not parallel: GOMAXPROCS is the process's, and a package running
// alongside keeps the machine's other cores. It costs one core for about
// seven seconds.
func TestStarvedGenerator(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	stop := make(chan struct{})
	var busy sync.WaitGroup
	for range 3 {
		busy.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				for i := 0; i < 100_000; i++ { // spin; the runtime preempts it every 10ms
				}
			}
		})
	}
	defer busy.Wait()
	defer close(stop)

	target := func(h http.HandlerFunc) string {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return srv.URL
	}
	fast := target(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	failing := target(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "broken", http.StatusInternalServerError) })
	slow := target(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(2 * time.Second) // 20 times the 100ms limit
		w.Write([]byte("ok"))
	})
	const plan = `name: starved
target: http://127.0.0.1:1
traffic:
  arrivals: uniform
  phases: [ { duration: 1500ms, rate: 60/s } ]
journeys:
  - name: home
    steps: [ GET / ]
`
	tests := []struct {
		name, target, rules string
		noGo                bool
		// slowBy is how far over the limit a slow target's answers were,
		// which only a generator delayed a quarter of it can explain.
		slowBy time.Duration
	}{
		{"a fast target", fast, "slo: [ p99 < 5ms, p95 < 2ms, max < 10ms, error_rate < 1% ]\n", false, 0},
		{"a failing target", failing, "slo: [ p99 < 5ms, error_rate < 1% ]\n", true, 0},
		{"a target 20 times slower than the limit", slow, "slo: [ p99 < 100ms, error_rate < 1% ]\n", true, 1900 * time.Millisecond},
	}
	for _, tc := range tests {
		res := run(t, plan+tc.rules, tc.target, 0)
		j := judged(t, res).Judgement
		h := j.Health
		t.Logf("%s: %s; own delay p99 %v, max %v; lag p99 %v; limited by %v", tc.name, j.Verdict, h.DelayP99, h.DelayMax, h.LagP99, h.Limits)
		switch {
		case tc.slowBy > 0 && j.Verdict == Inconclusive && 4*(h.DelayMax+2*time.Millisecond) >= tc.slowBy:
			// The machine was so loaded that the generator's own delays
			// could explain even this: then INCONCLUSIVE is right.
			t.Logf("%s: the generator's delays (up to %v) could explain %v over the limit", tc.name, h.DelayMax, tc.slowBy)
		case tc.noGo && j.Verdict != NoGo:
			t.Errorf("%s under a starved generator: %s, want NO-GO; reasons %q", tc.name, j.Verdict, j.Reasons)
		case !tc.noGo && j.Verdict == NoGo:
			t.Errorf("%s under a starved generator: NO-GO; reasons %q", tc.name, j.Reasons)
		case j.Verdict == Inconclusive && (!strings.Contains(strings.Join(j.Reasons, "\n"), "generator") || len(h.Limits) == 0):
			t.Errorf("%s: INCONCLUSIVE without naming the generator's signals (limits %v): %q", tc.name, h.Limits, j.Reasons)
		}
	}
}
