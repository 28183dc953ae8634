package report

import (
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/liftoff/liftoff/scenario"
)

// TestFastFailuresAreNeverGo: a target that answers every request 500 in
// a few milliseconds, judged by a latency rule alone. Latency describes
// successful requests, so the rule has nothing to judge, and failed
// requests that no error_rate rule allows make the run NO-GO.
func TestFastFailuresAreNeverGo(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "database is gone", http.StatusInternalServerError)
	}))
	t.Cleanup(srv.Close)
	res := run(t, `name: fast failures
target: http://127.0.0.1:1
traffic:
  arrivals: uniform
  phases: [ { duration: 1s, rate: 100/s } ]
journeys:
  - name: home
    steps: [ GET / ]
slo: [ p95 < 250ms ]
`, srv.URL, 0)
	if res.Errors != res.Requests || res.Requests < 95 {
		t.Fatalf("%d requests, %d errors; want about 100, all failed", res.Requests, res.Errors)
	}
	doc := judged(t, res)
	j := doc.Judgement
	if j.Verdict != NoGo {
		t.Fatalf("verdict %s, want NO-GO: every request failed; reasons %q", j.Verdict, j.Reasons)
	}
	if !strings.Contains(strings.Join(j.Reasons, "\n"), "outside every error_rate rule") {
		t.Errorf("reasons %q do not say the failures are outside every error_rate rule", j.Reasons)
	}
	if p95 := findingFor(t, j, "p95 < 250ms"); !p95.NoData {
		t.Errorf("p95 rule measured %v on %d samples; latency covers successful requests, of which there were none", p95.Measured, p95.Samples)
	}
}

// TestThroughputCountsVisitsWhereTheyArrived runs visits that think for
// 2s between their two steps, over two phases. Every visit of phase a
// completes, but 2s after it arrived, in phase b's time; every visit of
// phase b fails at its second step, after the plan has ended. Throughput
// counts each visit's outcome where it arrived: phase a served all its
// visitors and phase b none. Counted where visits ended, phase a read
// almost 0% (its visits had not ended yet) and phase b read over 100%,
// capped at 100%, which hid that all its visitors failed.
func TestThroughputCountsVisitsWhereTheyArrived(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v, _ := strconv.Atoi(r.URL.Query().Get("v")); v > 40 { // the visitors of phase b
			http.Error(w, "sold out", http.StatusInternalServerError)
			return
		}
		w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	res := run(t, `name: think time
target: http://127.0.0.1:1
traffic:
  arrivals: uniform
  phases:
    - { name: a, duration: 2s, rate: 20/s }
    - { name: b, duration: 1s, rate: 20/s }
journeys:
  - name: buy
    steps:
      - { request: GET /, think: 2s }
      - "GET /pay?v={{ .visitor }}"
slo:
  - "phase a: throughput >= 99%"
  - "phase b: throughput >= 99%"
  - "error_rate < 50%"
`, srv.URL, 0)
	if a := res.Arrivals; a.Started != 60 || a.Completed != 40 || a.Failed != 20 {
		t.Fatalf("arrivals %+v; want 60 started, 40 completed, 20 failed", a)
	}
	doc := judged(t, res)
	if f := findingFor(t, doc.Judgement, "phase a: throughput >= 99%"); !f.Passed || f.Measured != 1 {
		t.Errorf("phase a: passed=%v, measured %v; every visit that arrived in it completed", f.Passed, f.Measured)
	}
	if f := findingFor(t, doc.Judgement, "phase b: throughput >= 99%"); f.Passed || f.Measured != 0 || !f.TargetFault {
		t.Errorf("phase b: passed=%v, measured %v, target fault %v; every visit that arrived in it failed", f.Passed, f.Measured, f.TargetFault)
	}
}

// TestClosedModelDataThatRunsOut gives 5 looping visitors a unique data
// file of 10 rows: they send 10 requests and stop long before the 2s
// phase ends. The target never saw the load the phase meant, so the run
// cannot be GO, and the verdict says the data ran out.
func TestClosedModelDataThatRunsOut(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	t.Cleanup(srv.Close)
	var rows strings.Builder
	rows.WriteString("email\n")
	for i := range 10 {
		fmt.Fprintf(&rows, "customer%d@example.com\n", i)
	}
	res := runWith(t, `name: soak
target: http://127.0.0.1:1
traffic:
  phases: [ { name: soak, duration: 2s, concurrency: 5 } ]
journeys:
  - name: login
    data: customers.csv
    order: unique
    steps: [ "GET /login?u={{ .row.email }}" ]
slo: [ p95 < 1s ]
`, srv.URL, 0, scenario.Options{FS: fstest.MapFS{"customers.csv": {Data: []byte(rows.String())}}})
	if res.Requests != 10 {
		t.Fatalf("%d requests, want one per row: 10", res.Requests)
	}
	doc := judged(t, res)
	j := doc.Judgement
	if j.Verdict != Inconclusive {
		t.Fatalf("verdict %s, want INCONCLUSIVE; reasons %q", j.Verdict, j.Reasons)
	}
	if want := "looping visitors stopped before their phase ended"; !strings.Contains(strings.Join(j.Reasons, "\n"), want) {
		t.Errorf("reasons %q do not say %q", j.Reasons, want)
	}
}

// TestAchievedRateExcludesTheDrain ramps to 100 visitors/s over 2s
// against a target that answers in 300ms: every visit is delivered, so
// the achieved rate is the planned one. Counted over the whole run, the
// drain after the plan (the last answers) read it about 13% low.
func TestAchievedRateExcludesTheDrain(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
		w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	res := run(t, `name: ramp
target: http://127.0.0.1:1
traffic:
  arrivals: uniform
  phases: [ { duration: 2s, rate: 0/s, ramp_to: 100/s } ]
journeys:
  - name: home
    steps: [ GET / ]
`, srv.URL, 0)
	doc := judged(t, res)
	s := Summarize(doc)
	if res.Arrivals.Started != 100 || res.Elapsed < 2200*time.Millisecond {
		t.Fatalf("%d visitors over %v; want 100, and the drain after the plan", res.Arrivals.Started, res.Elapsed)
	}
	if math.Abs(s.AchievedRate-s.PlannedRate) > 0.02*s.PlannedRate {
		t.Errorf("achieved %.1f/s against %.1f/s planned, with every visit delivered", s.AchievedRate, s.PlannedRate)
	}
}
