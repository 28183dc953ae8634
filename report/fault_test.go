package report

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
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
	doc, err := NewDocument(res)
	if err != nil {
		t.Fatal(err)
	}
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
