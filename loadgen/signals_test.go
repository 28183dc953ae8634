package loadgen

import (
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/liftoff/liftoff/scenario"
)

// TestGeneratorRecordsItsSignals runs a second of traffic in each
// connection mode and checks the generator's own signals: the delay probe
// woke all along, every interval has its CPU time and probe samples,
// every connection the target saw was timed, each visitor's own, and the
// shared pool opened its first one before the clock started.
func TestGeneratorRecordsItsSignals(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"visitor", "shared"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			var conns atomic.Int64
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
			srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
				if s == http.StateNew {
					conns.Add(1)
				}
			}
			srv.Start()
			t.Cleanup(srv.Close)
			sc := load(t, srv.URL, `defaults: { connection: `+mode+` }
traffic:
  arrivals: uniform
  phases: [ { duration: 1s, rate: 20/s } ]
journeys:
  - name: j
    steps: [ GET / ]
`)
			res := runScenario(t, sc, Config{Interval: 250 * time.Millisecond})
			sig := res.Signals
			if sig.CPUs < 1 || sig.CPUs > runtime.NumCPU() {
				t.Errorf("CPUs = %d, want 1..%d", sig.CPUs, runtime.NumCPU())
			}
			// The probe sleeps 2ms at a time: a second holds hundreds of
			// wake-ups, dozens on a machine busy enough to make each 20ms
			// late.
			if n := sig.Delay.Count(); n < 20 {
				t.Errorf("the delay probe woke %d times in a second", n)
			}
			if runtime.GOOS == "linux" && (!sig.CPUKnown || sig.CPU <= 0) {
				t.Errorf("CPU time %v (known %v), want some", sig.CPU, sig.CPUKnown)
			}
			var probes int64
			var cpu time.Duration
			for _, iv := range res.Timeline {
				probes += iv.Signals.Delay.Count()
				cpu += iv.Signals.CPU
				if iv.Requests > 0 && iv.Signals.Lag.Count() == 0 {
					t.Errorf("interval at %v: %d requests, no lag recorded", iv.Offset, iv.Requests)
				}
			}
			if probes != sig.Delay.Count() || cpu != sig.CPU {
				t.Errorf("intervals add up to %d probes and %v CPU, the run to %d and %v", probes, cpu, sig.Delay.Count(), sig.CPU)
			}
			switch mode {
			case "visitor":
				if n := sig.VisitorConnect.Count(); n != 20 || sig.PreOpened != 0 {
					t.Errorf("%d visitor connections timed, %d pre-opened; want 20 and 0", n, sig.PreOpened)
				}
			case "shared": // a slow machine overlaps requests, and the pool grows
				if n := conns.Load(); sig.PreOpened != 1 || sig.PreOpened+sig.SharedConnect.Count() != n || sig.VisitorConnect.Count() != 0 {
					t.Errorf("shared pool: %d pre-opened, %d opened during the run, %d visitor connections; the target saw %d",
						sig.PreOpened, sig.SharedConnect.Count(), sig.VisitorConnect.Count(), n)
				}
			}
		})
	}
}

// TestWarmConnections sizes the shared pool's pre-opened connections:
// the plan's first seconds' concurrency at warmLatency per request.
func TestWarmConnections(t *testing.T) {
	t.Parallel()
	step := plan(pt(0, 8000), pt(time.Minute, 8000))
	ramp := plan(pt(0, 0), pt(time.Minute, 6000)) // 200/s by 2s
	closed := scenario.Plan{Phases: []scenario.Phase{{Start: 0, Duration: time.Minute, Concurrency: 50}}}
	tests := []struct {
		name  string
		plan  scenario.Plan
		http2 bool
		pool  int
		want  int
	}{
		{"a step to 8,000/s", step, false, 5000, 400},
		{"capped by the pool", step, false, 100, 100},
		{"a ramp's first seconds", ramp, false, 5000, 10},
		{"a closed phase's visitors", closed, false, 5000, 50},
		{"HTTP/2 multiplexes", step, true, 5000, 1},
	}
	for _, tc := range tests {
		if got := warmConnections(tc.plan, tc.http2, tc.pool); got != tc.want {
			t.Errorf("%s: %d connections, want %d", tc.name, got, tc.want)
		}
	}
}
