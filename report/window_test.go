package report

import (
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/liftoff/liftoff/scenario"
)

// findingFor returns the finding of rule text in j.
func findingFor(t *testing.T, j Judgement, rule string) Finding {
	t.Helper()
	for _, f := range j.Findings {
		if f.Rule.Text == rule {
			return f
		}
	}
	t.Fatalf("no finding for %q in %+v", rule, j.Findings)
	return Finding{}
}

// TestWindowedRuleCatchesLateCollapse runs a test whose last 20% fails
// completely: the target answers 500 to everything after its 160th of 200
// requests. Judged over the whole run, 20% errors pass a 25% limit and 80%
// of the visits completing passes a 75% limit; only the windowed rule sees
// the collapse, and it makes the verdict NO-GO and names the window. The
// rules count requests and visits, not time, so a busy machine cannot
// change the outcome.
func TestWindowedRuleCatchesLateCollapse(t *testing.T) {
	t.Parallel()
	srv := failingAfter(t, 160)
	res := run(t, `name: late collapse
target: http://127.0.0.1:1
traffic:
  arrivals: uniform
  phases:
    - { name: steady, duration: 5s, rate: 40/s }
journeys:
  - name: home
    steps: [ GET / ]
slo:
  - error_rate < 25%
  - throughput >= 75%
  - error_rate < 5% for 1s
`, srv.URL, 0)
	if res.Requests < 195 || res.Errors < 35 || res.Errors > 45 {
		t.Fatalf("run sent %d requests with %d errors; want about 200 with 40 failing", res.Requests, res.Errors)
	}
	doc, err := NewDocument(res)
	if err != nil {
		t.Fatal(err)
	}
	j := doc.Judgement
	if j.Verdict != NoGo {
		t.Fatalf("verdict %s, want NO-GO; reasons: %v", j.Verdict, j.Reasons)
	}
	for _, rule := range []string{"error_rate < 25%", "throughput >= 75%"} {
		if f := findingFor(t, j, rule); !f.Passed {
			t.Errorf("%s: failed with %v (%s); judged over the whole run it should pass", rule, f.Measured, f.Where)
		}
	}
	f := findingFor(t, j, "error_rate < 5% for 1s")
	switch {
	case f.Passed || !f.TargetFault:
		t.Fatalf("windowed rule: passed=%v target fault=%v, want a failure of the target", f.Passed, f.TargetFault)
	case f.Measured < 0.25:
		t.Errorf("windowed rule measured %v, want its worst window far above the whole run's 20%%", f.Measured)
	case f.From < 3*time.Second || f.To-f.From != time.Second:
		t.Errorf("worst window %v–%v, want a 1s window in the last 2s", f.From, f.To)
	}
	if want := fmt.Sprintf("in the window %s–%s", offset(f.From), offset(f.To)); f.Where != want {
		t.Errorf("Where = %q, want %q", f.Where, want)
	}
	if !strings.Contains(strings.Join(j.Reasons, " "), f.Where) {
		t.Errorf("reasons %q do not name the window %q", j.Reasons, f.Where)
	}
}

// TestPhaseScopedRule runs two phases against a target that starts
// failing with the second: the second phase's rule fails and says where,
// the first phase's rule passes, and the whole-run rule's worst interval
// lies in the failing phase.
func TestPhaseScopedRule(t *testing.T) {
	t.Parallel()
	// The warm-up sends 40 requests; the target fails from the 46th, a
	// quarter second into the peak. Which interval a request lands in
	// depends on when the collector runs, and the peak's first arrival,
	// at the boundary, may be answered before the warm-up's last interval
	// closes: it must not be a failure.
	srv := failingAfter(t, 45)
	res := run(t, `name: failing peak
target: http://127.0.0.1:1
traffic:
  arrivals: uniform
  phases:
    - { name: warm-up, duration: 2s, rate: 20/s }
    - { name: peak, duration: 2s, rate: 20/s }
journeys:
  - name: home
    steps: [ GET / ]
slo:
  - "phase warm-up: error_rate < 1%"
  - "phase peak: error_rate < 1%"
  - error_rate < 1%
`, srv.URL, 0)
	doc, err := NewDocument(res)
	if err != nil {
		t.Fatal(err)
	}
	j := doc.Judgement
	if j.Verdict != NoGo {
		t.Fatalf("verdict %s, want NO-GO; reasons: %v", j.Verdict, j.Reasons)
	}
	if f := findingFor(t, j, "phase warm-up: error_rate < 1%"); !f.Passed {
		t.Errorf("warm-up rule failed at %v (%s); the warm-up had no errors", f.Measured, f.Where)
	}
	peak := findingFor(t, j, "phase peak: error_rate < 1%")
	if peak.Passed || peak.Measured < 0.5 {
		t.Errorf("peak rule: passed=%v measured=%v, want a failure of most requests", peak.Passed, peak.Measured)
	}
	if peak.Rule.ScopeName() != "phase peak" || !strings.HasPrefix(peak.Where, "worst at ") || strings.Contains(peak.Where, "phase") || peak.From < 2*time.Second {
		t.Errorf("peak rule: scope %q, where %q (from %v); want the worst interval inside phase peak, named without repeating the phase", peak.Rule.ScopeName(), peak.Where, peak.From)
	}
	whole := findingFor(t, j, "error_rate < 1%")
	if whole.Passed || !strings.HasSuffix(whole.Where, "in phase peak") {
		t.Errorf("whole-run rule: passed=%v where %q, want a failure worst in phase peak", whole.Passed, whole.Where)
	}
}

// TestWindowsOverRecordedRun checks the windowing arithmetic on a real
// results file: windows slide by one interval within their scope; the
// run's last, partial interval counts as whole; a window longer than its
// scope judges the whole scope; the last phase keeps the drain after the
// plan's end.
func TestWindowsOverRecordedRun(t *testing.T) {
	t.Parallel()
	doc := fixture(t, "nogo") // phases warm-up 0–3s, launch 3–8s, peak 8–14s; 1s intervals
	res := doc.Results
	last := res.Timeline[len(res.Timeline)-1].Offset
	type window struct{ from, to time.Duration }
	slide := func(from, to, length time.Duration) []window {
		var out []window
		for s := from; s+length <= to; s += time.Second {
			out = append(out, window{s, s + length})
		}
		return out
	}
	tests := []struct {
		rule string
		want []window
	}{
		{"p95 < 1s for 2s", slide(0, last+time.Second, 2*time.Second)},
		{"phase launch: p95 < 1s for 2s", slide(3*time.Second, 8*time.Second, 2*time.Second)},
		{"phase launch: p95 < 1s for 1m", []window{{3 * time.Second, 8 * time.Second}}},
		{"phase peak: p95 < 1s", []window{{8 * time.Second, res.Elapsed}}},
		{"phase peak: p95 < 1s for 3s", slide(8*time.Second, last+time.Second, 3*time.Second)},
	}
	for _, tc := range tests {
		t.Run(tc.rule, func(t *testing.T) {
			r, err := scenario.ParseRule(tc.rule)
			if err != nil {
				t.Fatal(err)
			}
			var got []window
			for s := range stretchesFor(doc, r) {
				got = append(got, window{s.from, s.to})
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(window{})); diff != "" {
				t.Errorf("stretchesFor(%q) (-want +got):\n%s", tc.rule, diff)
			}
		})
	}
}

// TestPhaseShorterThanAnInterval judges a phase that lasts 300ms, less than
// the timeline's one-second intervals: the interval it falls in counts.
func TestPhaseShorterThanAnInterval(t *testing.T) {
	t.Parallel()
	srv := failingAfter(t, 1000)
	res := run(t, `name: blip
target: http://127.0.0.1:1
traffic:
  arrivals: uniform
  phases:
    - { name: before, duration: 1200ms, rate: 20/s }
    - { name: blip, duration: 300ms, rate: 20/s }
    - { name: after, duration: 1s, rate: 20/s }
journeys:
  - name: home
    steps: [ GET / ]
slo:
  - "phase blip: error_rate < 1%"
`, srv.URL, 0)
	doc, err := NewDocument(res)
	if err != nil {
		t.Fatal(err)
	}
	if f := findingFor(t, doc.Judgement, "phase blip: error_rate < 1%"); f.NoData || !f.Passed || f.Samples == 0 {
		t.Errorf("blip rule: %+v, want it judged (and passed) on the interval the phase falls in", f)
	}
}

// TestWindowedAgreesWithWholeRun judges the same requests twice: over the
// whole run, and with a window longer than the run (and a phase that is
// the whole run), which measure the same requests again from the
// timeline. Each percentile must agree to the histograms' three
// significant digits (0.1%); the timeline once kept two digits and read
// such a window up to 0.7% low, so requests just over a limit passed in
// the window and failed over the run. Four percentiles make it unlikely
// that every one falls where two digits happen to read right.
func TestWindowedAgreesWithWholeRun(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Duration(280+n.Add(7)%40) * time.Millisecond) // 280ms to 319ms, spread
		w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	var rules []string
	for _, p := range []string{"p50", "p90", "p95", "p99"} {
		rules = append(rules, p+" < 300ms", p+" < 300ms for 1m", "phase steady: "+p+" < 300ms")
	}
	res := run(t, `name: slow answers
target: http://127.0.0.1:1
traffic:
  arrivals: uniform
  phases:
    - { name: steady, duration: 2s, rate: 20/s }
journeys:
  - name: home
    steps: [ GET / ]
slo: ["`+strings.Join(rules, `", "`)+`"]
`, srv.URL, 0)
	doc, err := NewDocument(res)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(rules); i += 3 {
		whole := findingFor(t, doc.Judgement, rules[i]).Measured
		for _, rule := range rules[i+1 : i+3] {
			if got := findingFor(t, doc.Judgement, rule).Measured; math.Abs(got-whole) > 0.001*whole {
				t.Errorf("%s measured %.3fms, %s %.3fms: more than 0.1%% apart", rule, got, rules[i], whole)
			}
		}
	}
}

// TestPhaseWindowsReachThePhaseEnd moves the recorded run's phase
// boundaries half a second into its intervals: a phase then ends inside
// an interval, and its windows must still reach that interval, or a burst
// of slow requests in the phase's last half second is never judged.
func TestPhaseWindowsReachThePhaseEnd(t *testing.T) {
	t.Parallel()
	doc := fixture(t, "nogo") // phases warm-up 0–3s, launch 3–8s, peak 8–14s; 1s intervals
	phases := append([]scenario.Phase(nil), doc.Plan.Phases...)
	phases[0].Duration += 500 * time.Millisecond // warm-up 0–3.5s
	phases[1].Start += 500 * time.Millisecond    // launch 3.5–8.5s
	phases[2].Start += 500 * time.Millisecond
	phases[2].Duration -= 500 * time.Millisecond
	doc.Plan.Phases = phases
	tests := []struct {
		rule       string
		firstFrom  time.Duration // the first window's start
		lastTo     time.Duration // the last window's end
		numWindows int
	}{
		{"phase warm-up: p95 < 1s for 1s", 0, 4 * time.Second, 4},              // reaches interval 3s–4s, where the phase ends
		{"phase launch: p95 < 1s for 2s", 3 * time.Second, 9 * time.Second, 5}, // starts in interval 3s–4s, ends with 8s–9s
	}
	for _, tc := range tests {
		r, err := scenario.ParseRule(tc.rule)
		if err != nil {
			t.Fatal(err)
		}
		ss := slices.Collect(stretchesFor(doc, r))
		if len(ss) != tc.numWindows || ss[0].from != tc.firstFrom || ss[len(ss)-1].to != tc.lastTo {
			var got []string
			for _, s := range ss {
				got = append(got, offset(s.from)+"–"+offset(s.to))
			}
			t.Errorf("%s: windows %v, want %d from %v to %v", tc.rule, got, tc.numWindows, tc.firstFrom, tc.lastTo)
		}
	}
}
