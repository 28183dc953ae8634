package loadgen

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// segmentPlan is a short two-journey plan for segment runs.
const segmentPlan = `traffic:
  arrivals: poisson
  seed: 7
  phases: [ { duration: 1s, rate: 40/s, ramp_to: 80/s } ]
journeys:
  - name: browse
    weight: 3
    steps: [ GET /, GET /products/1 ]
  - name: buy
    weight: 1
    steps: [ GET /cart ]
`

// runSegments runs the n segments of body against target at once, on one
// start instant, and returns their results in segment order.
func runSegments(t *testing.T, target, body string, n int) []*Results {
	t.Helper()
	start := time.Now().Add(300 * time.Millisecond)
	out := make([]*Results, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		sc := load(t, target, body)
		wg.Go(func() {
			out[i], errs[i] = New(Config{Segment: Segment{i, n}, StartAt: start}).Run(t.Context(), sc)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	for i, r := range out {
		r.Host = "host-" + string(rune('a'+i))
	}
	return out
}

func mergeAll(t *testing.T, partial bool, parts ...*Results) *Results {
	t.Helper()
	var m Merger
	for i, r := range parts {
		if err := m.Add("part"+string(rune('0'+i)), r); err != nil {
			t.Fatal(err)
		}
	}
	res, err := m.Result(partial)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func encoded(t *testing.T, r *Results) string {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// reread is r encoded and decoded, as a results file passes it on.
func reread(t *testing.T, r *Results) *Results {
	t.Helper()
	var out Results
	if err := json.Unmarshal([]byte(encoded(t, r)), &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

// TestMergeIsExact merges three segments run against a loopback target:
// counts are the sums, the histograms the union of the segments', the
// max the largest segment's, the plan the whole plan's, and every
// segment keeps its own process's account.
func TestMergeIsExact(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	segs := runSegments(t, srv.URL, segmentPlan, 3)
	res := mergeAll(t, false, reread(t, segs[2]), reread(t, segs[0]), reread(t, segs[1]))

	var requests, started, visits int64
	var union Distribution
	var segMax time.Duration
	for _, s := range segs {
		requests += s.Requests
		started += s.Arrivals.Started
		visits += s.Journeys[0].Visits
		union.Merge(s.Keys[0].Latency)
		segMax = max(segMax, s.Keys[0].Latency.Max())
	}
	if res.Requests != requests || res.Arrivals.Started != started || res.Journeys[0].Visits != visits {
		t.Errorf("merged %d requests, %d started, %d browse visits; the segments %d, %d, %d",
			res.Requests, res.Arrivals.Started, res.Journeys[0].Visits, requests, started, visits)
	}
	if !res.Keys[0].Latency.Equal(union) || res.Keys[0].Latency.Max() != segMax {
		t.Errorf("merged latency holds %d values to %v; the union %d to %v",
			res.Keys[0].Latency.Count(), res.Keys[0].Latency.Max(), union.Count(), segMax)
	}
	for _, p := range []float64{50, 90, 99, 99.9} {
		if got, want := res.Keys[0].Latency.Percentile(p), union.Percentile(p); got != want {
			t.Errorf("p%v = %v, the union's %v", p, got, want)
		}
	}
	whole := load(t, srv.URL, segmentPlan).Plan.Visitors()
	if d := res.Arrivals.Planned - whole; d > 1e-9 || d < -1e-9 {
		t.Errorf("planned %v arrivals, the whole plan %v", res.Arrivals.Planned, whole)
	}
	var perInterval int64
	for _, iv := range res.Timeline {
		perInterval += iv.Arrivals + iv.Missed
	}
	if perInterval != res.Arrivals.Scheduled() {
		t.Errorf("the timeline counts %d arrivals, the run %d", perInterval, res.Arrivals.Scheduled())
	}
	if !res.Started.Equal(segs[0].Started) || res.Partial() {
		t.Errorf("merged start %v (segments %v), partial %v", res.Started, segs[0].Started, res.Partial())
	}
	var hosts []string
	for i, s := range res.Segments {
		if s.Segment != (Segment{i, 3}) || s.Requests != segs[i].Requests || s.Lag.Count() != segs[i].Lag.Count() {
			t.Errorf("segments[%d] is %s with %d requests and %d lags, want %d/3's %d and %d", i, s.Segment, s.Requests, s.Lag.Count(), i, segs[i].Requests, segs[i].Lag.Count())
		}
		hosts = append(hosts, s.Host)
	}
	if !slices.Equal(hosts, []string{"host-a", "host-b", "host-c"}) {
		t.Errorf("hosts %v", hosts)
	}
	if a, b := encoded(t, res), encoded(t, reread(t, res)); a != b {
		t.Error("merged results do not survive their file")
	}
}

// TestMergeIsAssociative: merge(merge(a,b),c) = merge(a,merge(b,c)) =
// merge(a,b,c), in any order, to the byte. The inputs are read back from
// their files, as liftoff merge reads them: a file keeps durations to the
// microsecond, so a sum of rounded values is what every grouping adds.
func TestMergeIsAssociative(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	s := runSegments(t, srv.URL, segmentPlan, 3)
	a, b, c := reread(t, s[0]), reread(t, s[1]), reread(t, s[2])
	want := encoded(t, mergeAll(t, false, a, b, c))
	for name, got := range map[string]*Results{
		"(a,b),c":         mergeAll(t, false, mergeAll(t, true, a, b), c),
		"a,(b,c)":         mergeAll(t, false, a, mergeAll(t, true, b, c)),
		"c,(a,b) re-read": mergeAll(t, false, reread(t, c), reread(t, mergeAll(t, true, a, b))),
		"b,c,a":           mergeAll(t, false, b, c, a),
		"(c,a),b":         mergeAll(t, false, mergeAll(t, true, c, a), b),
	} {
		if enc := encoded(t, got); enc != want {
			t.Errorf("merge %s differs from merge(a,b,c)", name)
		}
	}
	if got := encoded(t, mergeAll(t, false, a, b, c)); got != want {
		t.Error("merging changed its inputs")
	}
}

// TestMergeKeepsTheFirstAbort: a segment that an abort rule stopped makes
// the merged run an aborted one, whose rule is the earliest trip, in any
// order of merging.
func TestMergeKeepsTheFirstAbort(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	s := runSegments(t, srv.URL, segmentPlan, 3)
	a, b, c := reread(t, s[0]), reread(t, s[1]), reread(t, s[2])
	b.Interrupted, b.Abort = true, &Abort{Rule: "p95 > 1s for 5s", Measured: 1500, Samples: 40, From: 300 * time.Millisecond, To: 900 * time.Millisecond}
	c.Interrupted, c.Abort = true, &Abort{Rule: "error_rate > 50% for 5s", Measured: 0.6, Samples: 50, From: 100 * time.Millisecond, To: 700 * time.Millisecond}
	for name, got := range map[string]*Results{
		"a,b,c":   mergeAll(t, false, a, b, c),
		"c,b,a":   mergeAll(t, false, c, b, a),
		"(a,b),c": mergeAll(t, false, mergeAll(t, true, a, b), c),
	} {
		if got.Abort == nil || *got.Abort != *c.Abort {
			t.Errorf("merge %s: abort %+v, want the earliest, %+v", name, got.Abort, c.Abort)
		}
		if !got.Interrupted {
			t.Errorf("merge %s is not interrupted", name)
		}
	}
	if got := mergeAll(t, false, a, reread(t, s[1]), reread(t, s[2])); got.Abort != nil {
		t.Errorf("no segment aborted, the merge says %+v", got.Abort)
	}
}

// TestMergeRefuses: inputs that do not belong together are refused,
// naming the input, and leave the merge as it was.
func TestMergeRefuses(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	s := runSegments(t, srv.URL, segmentPlan, 3)
	four := runSegments(t, srv.URL, segmentPlan, 4)
	other := runSegments(t, srv.URL, strings.Replace(segmentPlan, "seed: 7", "seed: 8", 1), 3)
	renamed := reread(t, s[1])
	renamed.Scenario.Name = "Another launch"
	replanned := reread(t, s[1])
	replanned.Scenario.Curve[1].Rate = 90
	single := runScenario(t, load(t, srv.URL, segmentPlan), Config{})

	tests := []struct {
		name string
		add  *Results
		want string
	}{
		{"a duplicate segment", s[0], "part1: segment 0/3 is in part0 already"},
		{"another count", four[1], "part1 is segment 1/4 of 4 segments, and part0 of 3"},
		{"another seed", other[1], "part1: its arrivals (seed 8, poisson) are not those of part0 (seed 7, poisson)"},
		{"another scenario", renamed, `part1: it tested scenario "Another launch", and part0 scenario "test"`},
		{"another plan", replanned, "part1: its traffic plan is not that of part0"},
		{"a single process", single, "part1 holds the results of a single process, not of a segment"},
	}
	for _, tc := range tests {
		var m Merger
		if err := m.Add("part0", s[0]); err != nil {
			t.Fatal(err)
		}
		before := encoded(t, m.out)
		err := m.Add("part1", tc.add)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.want)
		}
		if encoded(t, m.out) != before {
			t.Errorf("%s: the refused input changed the merge", tc.name)
		}
	}
	var m Merger
	if err := m.Add("solo", single); err == nil || !strings.Contains(err.Error(), "solo holds the results of a single process") {
		t.Errorf("a single process first: %v", err)
	}
}

// TestMergeMissingSegments: a missing segment is an error naming it,
// unless the caller allows a partial result, which says it is partial.
func TestMergeMissingSegments(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	s := runSegments(t, srv.URL, segmentPlan, 3)
	var m Merger
	for i, r := range []*Results{s[0], s[2]} {
		if err := m.Add("part"+string(rune('0'+i)), r); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.Result(false); err == nil || !strings.Contains(err.Error(), "segment 1/3 of 3 missing") {
		t.Errorf("Result without segment 1: %v", err)
	}
	res, err := m.Result(true)
	if err != nil {
		t.Fatal(err)
	}
	if idx, n := res.Shares(); !res.Partial() || !slices.Equal(idx, []int{0, 2}) || n != 3 {
		t.Errorf("partial %v, shares %v of %d; want segments 0 and 2 of 3", res.Partial(), idx, n)
	}
	if !s[1].Partial() {
		t.Error("one segment's own results are not partial")
	}
}

// TestMergedFileChecks: merged results whose segments do not add up to
// the totals are refused as a file no merge writes.
func TestMergedFileChecks(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	s := runSegments(t, srv.URL, segmentPlan, 2)
	res := mergeAll(t, false, s...)
	res.Segments[1].Requests++
	var out Results
	err := json.Unmarshal([]byte(encoded(t, res)), &out)
	if err == nil || !strings.Contains(err.Error(), "are not the merged") {
		t.Errorf("decoding inflated segment counts: %v", err)
	}
	res.Segments[1].Requests--
	res.Segments[1].Segment = Segment{0, 2}
	if err := json.Unmarshal([]byte(encoded(t, res)), &out); err == nil || !strings.Contains(err.Error(), "twice or out of order") {
		t.Errorf("decoding a segment twice: %v", err)
	}
}
