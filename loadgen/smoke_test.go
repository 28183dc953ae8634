package loadgen

import (
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/liftoff/liftoff/scenario"
)

// recordingServer answers 200 to everything and 500 to paths starting
// with /fail, and keeps every request line it received.
func recordingServer(t *testing.T) (*httptest.Server, func() []string) {
	t.Helper()
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Method+" "+r.URL.Path)
		mu.Unlock()
		if strings.HasPrefix(r.URL.Path, "/fail") {
			w.WriteHeader(http.StatusInternalServerError)
		}
		fmt.Fprint(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Sorted(slices.Values(got))
	}
}

// TestSmokeSendsOneVisitorPerJourney runs a smoke test of a scenario
// whose plan would send thousands of visitors, mostly to one journey, and
// whose journeys pause 30s between steps: the target receives each step
// of each journey exactly once, with no pause.
func TestSmokeSendsOneVisitorPerJourney(t *testing.T) {
	t.Parallel()
	srv, received := recordingServer(t)
	src := "name: smoke\ntarget: " + srv.URL + `
traffic:
  phases: [ { duration: 10m, rate: 1000/s } ]
journeys:
  - name: browse
    weight: 99
    steps:
      - { request: GET /, think: 30s }
      - GET /products/7
  - name: checkout
    weight: 1
    steps:
      - { request: POST /api/cart, expect: { status: 200 } }
`
	sc, err := scenario.Parse(strings.NewReader(src), "smoke.yaml", scenario.Options{Overrides: scenario.Overrides{Smoke: true}})
	if err != nil {
		t.Fatal(err)
	}
	res := runScenario(t, sc, Config{})
	want := []string{"GET /", "GET /products/7", "POST /api/cart"}
	if got := received(); !slices.Equal(got, want) {
		t.Errorf("the target received %q, want %q", got, want)
	}
	if a := res.Arrivals; a.Started != 2 || a.Planned != 2 || a.Completed != 2 || a.Missed != 0 {
		t.Errorf("arrivals = %+v, want 2 planned, started and completed", a)
	}
	var arrived, completed int64
	for _, iv := range res.Timeline {
		arrived, completed = arrived+iv.Arrivals, completed+iv.Completed
	}
	if arrived != 2 || completed != 2 {
		t.Errorf("the timeline counts %d visits arrived and %d completed, want the 2 where they arrived", arrived, completed)
	}
	for _, j := range res.Journeys {
		if j.Visits != 1 {
			t.Errorf("journey %s: %d visits, want 1", j.Name, j.Visits)
		}
		if d := j.Duration.Max(); d >= 30*time.Second {
			t.Errorf("journey %s took %v: the smoke test kept its think time", j.Name, d)
		}
	}
	if res.Scenario.Overrides == nil || !res.Scenario.IsSmoke() || len(res.Scenario.Phases) != 0 {
		t.Errorf("record: overrides %+v, phases %v", res.Scenario.Overrides, res.Scenario.Phases)
	}
}

// TestTicksAddUpToResults checks that the intervals OnInterval receives
// count every request, arrival and lag value of the run exactly once, in
// the same keys as the Results.
func TestTicksAddUpToResults(t *testing.T) {
	t.Parallel()
	srv, _ := recordingServer(t)
	sc := load(t, srv.URL, `traffic:
  arrivals: uniform
  phases: [ { duration: 2500ms, rate: 80/s } ]
journeys:
  - name: browse
    weight: 3
    steps: [ GET /, GET /products/1 ]
  - name: broken
    steps: [ GET /fail ]
`)
	// A segment's ticks plan its share, as its results do.
	for _, seg := range []Segment{{}, {Index: 1, Count: 2}} {
		t.Run(fmt.Sprintf("segment %d of %d", seg.Index, seg.Count), func(t *testing.T) {
			t.Parallel()
			var ticks []Tick // the collector appends; Run's return orders it before the reads
			res := runScenario(t, sc, Config{Interval: 500 * time.Millisecond, Segment: seg, OnInterval: func(tk Tick) { ticks = append(ticks, tk) }})
			if len(ticks) < 5 {
				t.Fatalf("%d ticks over a 2.5s run of 500ms intervals", len(ticks))
			}
			var requests, errs, arrivals, lag int64
			var planned float64
			perKey := map[Key]int64{}
			latency, service := map[Key]int64{}, map[Key]int64{}
			for i, tk := range ticks {
				// A collector the machine stalled past a tick closes the next
				// interval where the clock is, so offsets may skip, never repeat.
				if tk.Offset%(500*time.Millisecond) != 0 || i > 0 && tk.Offset <= ticks[i-1].Offset || tk.Width != 500*time.Millisecond || !tk.Began.Equal(res.Started) {
					t.Errorf("tick %d: offset %v, width %v, began %v", i, tk.Offset, tk.Width, tk.Began)
				}
				requests += tk.Requests
				errs += tk.Errors
				arrivals += tk.Arrivals
				planned += tk.Planned
				for _, b := range tk.Lag {
					lag += b.Count
				}
				if len(tk.Interval.Keys) != len(tk.Keys) || tk.Interval.Offset != tk.Offset || tk.Interval.Requests != tk.Requests || tk.Interval.Arrivals != tk.Arrivals {
					t.Errorf("tick %d: its interval holds %d keys, offset %v, %d requests, %d arrivals; the tick %d, %v, %d, %d",
						i, len(tk.Interval.Keys), tk.Interval.Offset, tk.Interval.Requests, tk.Interval.Arrivals, len(tk.Keys), tk.Offset, tk.Requests, tk.Arrivals)
				}
				for j, k := range tk.Keys {
					if j == 0 && k.Key != (Key{}) {
						t.Errorf("tick %d: first key %v, want every request", i, k.Key)
					}
					if j < len(tk.Interval.Keys) {
						ik := tk.Interval.Keys[j]
						if tk.AllKeys[ik.Key] != k.Key || ik.Requests != k.Requests || ik.Latency().Count() != bucketCount(k.Latency) {
							t.Errorf("tick %d: interval key %v (%d requests, %d latencies), tick key %v (%d, %d)",
								i, tk.AllKeys[ik.Key], ik.Requests, ik.Latency().Count(), k.Key, k.Requests, bucketCount(k.Latency))
						}
						service[k.Key] += ik.Service().Count()
					}
					perKey[k.Key] += k.Requests
					for _, b := range k.Latency {
						latency[k.Key] += b.Count
					}
				}
			}
			if requests != res.Requests || errs != res.Errors || arrivals != res.Arrivals.Started || lag != res.Lag.Count() {
				t.Errorf("ticks add up to %d requests, %d errors, %d arrivals, %d lag values; results: %d, %d, %d, %d",
					requests, errs, arrivals, lag, res.Requests, res.Errors, res.Arrivals.Started, res.Lag.Count())
			}
			if math.Abs(planned-res.Arrivals.Planned) > 1e-6 {
				t.Errorf("ticks plan %v arrivals, results %v", planned, res.Arrivals.Planned)
			}
			for _, kr := range res.Keys {
				if perKey[kr.Key] != kr.Requests || latency[kr.Key] != kr.Latency.Count() || service[kr.Key] != kr.Service.Count() {
					t.Errorf("key %v: ticks hold %d requests, %d latencies and %d service times, results %d, %d and %d",
						kr.Key, perKey[kr.Key], latency[kr.Key], service[kr.Key], kr.Requests, kr.Latency.Count(), kr.Service.Count())
				}
			}
		})
	}
}

func bucketCount(bs []Bucket) int64 {
	var n int64
	for _, b := range bs {
		n += b.Count
	}
	return n
}
