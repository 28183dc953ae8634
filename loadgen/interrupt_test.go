package loadgen

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// TestInterruptRecordsRequestsInFlight stalls the target after its first
// 10 requests and interrupts the run, once 10 more wait, with a 300ms
// grace: every request
// that reached the target is in the results, the stalled ones cut off
// with their latency so far (at least the grace), counted as requests but
// not as errors. Dropped, they were the run's slowest requests, and the
// results held only the 10 fast ones.
func TestInterruptRecordsRequestsInFlight(t *testing.T) {
	t.Parallel()
	seen, stalled, srv := stallingServer(t, 10, 20) // at 20 requests, ten wait: time to interrupt
	sc := load(t, srv.URL, `defaults: { timeout: 30s }
traffic:
  arrivals: uniform
  phases: [ { duration: 10m, rate: 50/s } ]
journeys:
  - name: j
    steps: [ GET / ]
`)
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-stalled
		cancel()
	}()
	res, err := New(Config{Grace: 300 * time.Millisecond}).Run(ctx, sc)
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("Run error = %v, want ErrInterrupted", err)
	}
	reached := seen.Load()
	cut := res.Classes.Of(ClassCutOff)
	if reached <= 10 || res.Requests != reached || cut != reached-10 {
		t.Fatalf("the target saw %d requests; the results hold %d, %d of them cut off; want all, and all but the first 10 cut off", reached, res.Requests, cut)
	}
	k := res.Keys[0]
	if res.Errors != 0 || k.CutOff != cut || k.Latency.Count() != reached {
		t.Errorf("errors %d, cut off %d, latencies %d; a cut-off request is not an error, and its latency so far counts", res.Errors, k.CutOff, k.Latency.Count())
	}
	if max := k.Latency.Max(); max < 300*time.Millisecond {
		t.Errorf("max latency %v, want at least the 300ms grace the stalled requests waited", max)
	}
	if res.Arrivals.Ended() != 10 {
		t.Errorf("%d visits ended, want the 10 answered: the cut-off visits did not end", res.Arrivals.Ended())
	}
}

// TestInterruptWhileTheLastVisitsFinish: Ctrl-C after the plan ended,
// while visits still wait on a stalled target, stops the run after the
// grace period, as any interrupt does, instead of waiting out their
// timeouts; the plan counts whole.
func TestInterruptWhileTheLastVisitsFinish(t *testing.T) {
	t.Parallel()
	_, stalled, srv := stallingServer(t, 5, 10) // at 10 requests every planned arrival has been sent
	sc := load(t, srv.URL, `defaults: { timeout: 60s }
traffic:
  arrivals: uniform
  phases: [ { duration: 200ms, rate: 50/s } ]
journeys:
  - name: j
    steps: [ GET / ]
`)
	ctx, cancel := context.WithCancel(t.Context())
	began := time.Now()
	go func() {
		<-stalled
		time.Sleep(time.Until(began.Add(400 * time.Millisecond))) // past the plan's end
		cancel()
	}()
	res, err := New(Config{Grace: 200 * time.Millisecond}).Run(ctx, sc)
	if !errors.Is(err, ErrInterrupted) || !res.Interrupted {
		t.Fatalf("Run error = %v, interrupted %v; want ErrInterrupted", err, res.Interrupted)
	}
	if res.Ran != 200*time.Millisecond || res.Arrivals.Started != 10 {
		t.Errorf("ran %v with %d arrivals; want the whole 200ms plan, 10 arrivals", res.Ran, res.Arrivals.Started)
	}
	if cut := res.Classes.Of(ClassCutOff); cut != 5 || res.Errors != 0 {
		t.Errorf("%d cut off, %d errors; want the 5 stalled requests cut off, none an error", cut, res.Errors)
	}
}

// TestInterruptedPlanExcludesTheGrace interrupts a 50/s plan after 500ms,
// with visits still in flight for the second of grace: the planned
// arrivals and the achieved rate count the half second of plan that ran,
// not the grace after it.
func TestInterruptedPlanExcludesTheGrace(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	sc := load(t, srv.URL, `traffic:
  arrivals: uniform
  phases: [ { duration: 10m, rate: 50/s } ]
journeys:
  - name: j
    steps: [ GET / ]
`)
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	res, err := New(Config{Grace: time.Second}).Run(ctx, sc)
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("Run error = %v, want ErrInterrupted", err)
	}
	if res.Elapsed < res.Ran+time.Second {
		t.Fatalf("the run took %v with %v of plan, want the full second of grace after the interrupt", res.Elapsed, res.Ran)
	}
	// The interrupt comes at most 500ms after the start (the context's
	// clock starts before the run's, the more so on a busy machine), a
	// little later if the machine is slow to deliver it: at most about 25
	// visitors. The second of grace would add 50.
	if p, want := res.Arrivals.Planned, 50*res.Ran.Seconds(); res.Ran > 800*time.Millisecond || p > 40 || p < want-1 || p > want+1 {
		t.Errorf("planned %v arrivals over %v of plan, want 50/s over at most about 500ms", p, res.Ran)
	}
	if got, want := res.AchievedRate(), float64(res.Requests)/res.Ran.Seconds(); got != want {
		t.Errorf("achieved rate %v, want requests over the plan that ran: %v", got, want)
	}
}

// stallingServer answers its first answered requests at once and stalls
// every later one until the test ends; stalled closes when the server has
// seen signalAt requests.
func stallingServer(t *testing.T, answered, signalAt int64) (seen *atomic.Int64, stalled <-chan struct{}, srv *httptest.Server) {
	t.Helper()
	seen = new(atomic.Int64)
	release, signal := make(chan struct{}), make(chan struct{})
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := seen.Add(1)
		if n == signalAt {
			close(signal)
		}
		if n > answered {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	return seen, signal, srv
}
