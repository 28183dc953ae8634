package loadgen

import (
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/liftoff/liftoff/scenario"
)

func TestParseSegment(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want Segment
		err  string
	}{
		{"0/3", Segment{0, 3}, ""},
		{"2/3", Segment{2, 3}, ""},
		{"0/1", Segment{0, 1}, ""},
		{"3/3", Segment{}, "the index must be from 0 to 2"},
		{"-1/3", Segment{}, "the index must be from 0 to 2"},
		{"0/0", Segment{}, "the count must be from 1 to 10000"},
		{"0/10001", Segment{}, "the count must be from 1 to 10000"},
		{"1", Segment{}, "want INDEX/COUNT"},
		{"a/3", Segment{}, "whole numbers"},
		{"1/3/4", Segment{}, "whole numbers"},
	} {
		got, err := ParseSegment(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseSegment(%q) = %v, %v; want an error with %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseSegment(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

// TestSegmentOfDealsEveryItemOnce: the shares of n items add up to n,
// and differ by one at most.
func TestSegmentOfDealsEveryItemOnce(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 2, 5, 7, 100, 5000} {
		for _, count := range []int{1, 2, 3, 7, 64} {
			sum, lo, hi := 0, n, 0
			for i := range count {
				share := Segment{i, count}.Of(n)
				sum += share
				lo, hi = min(lo, share), max(hi, share)
			}
			if sum != n || hi-lo > 1 {
				t.Errorf("%d items over %d segments: shares add up to %d, from %d to %d", n, count, sum, lo, hi)
			}
		}
	}
}

// campaignPlan is an email blast's tested plan: a campaign curve of many
// corners.
func campaignPlan(t *testing.T) scenario.Plan {
	t.Helper()
	return load(t, "http://127.0.0.1:1", `traffic:
  campaign: { shape: email-blast, audience: 40000, response: 5%, peak_at: 20m, duration: 3h }
journeys:
  - name: browse
    steps: [ GET / ]
`).Plan
}

type numbered struct {
	K  int64
	At time.Duration
}

// drain returns every arrival a schedule gives, with its number.
func drain(s *Schedule) []numbered {
	var out []numbered
	for {
		at, ok := s.Next()
		if !ok {
			return out
		}
		out = append(out, numbered{s.Index(), at})
	}
}

// TestSegmentsUnionIsTheWholeSchedule is the promise of --segment: the N
// segments' arrivals, put together, are exactly the single process's,
// the same instants to the nanosecond, each in one segment only, on
// uniform and Poisson plans, ramps, steps and a campaign curve.
func TestSegmentsUnionIsTheWholeSchedule(t *testing.T) {
	t.Parallel()
	plans := map[string]scenario.Plan{
		"constant":    plan(pt(0, 200), pt(5*time.Second, 200)),
		"ramp":        plan(pt(0, 0), pt(10*time.Second, 300)),
		"steps":       plan(pt(0, 50), pt(2*time.Second, 50), pt(2*time.Second, 400), pt(4*time.Second, 400), pt(4*time.Second, 10), pt(6*time.Second, 10)),
		"campaign":    campaignPlan(t),
		"no traffic":  plan(pt(0, 0), pt(time.Second, 0)),
		"single tick": plan(pt(0, 1), pt(time.Second, 1)),
	}
	for name, p := range plans {
		for _, arrivals := range []scenario.Arrivals{scenario.Uniform, scenario.Poisson} {
			whole := drain(NewSchedule(p, arrivals, 42))
			for k, a := range whole {
				if a.K != int64(k) {
					t.Fatalf("%s, %s: the whole schedule's arrival %d says it is number %d", name, arrivals, k, a.K)
				}
			}
			for _, n := range []int{1, 2, 3, 7} {
				var union []numbered
				counts := make([]int, n)
				for i := range n {
					seg := Segment{i, n}
					for _, a := range drain(NewSchedule(p, arrivals, 42).Segment(seg)) {
						if a.K%int64(n) != int64(i) {
							t.Errorf("%s, %s: segment %s sent arrival %d", name, arrivals, seg, a.K)
						}
						union = append(union, a)
						counts[i]++
					}
				}
				slices.SortFunc(union, func(a, b numbered) int { return int(a.K - b.K) })
				if diff := cmp.Diff(whole, union); diff != "" {
					t.Errorf("%s, %s, %d segments: union of the segments (-whole +union):\n%s", name, arrivals, n, diff)
				}
				if slices.Max(counts)-slices.Min(counts) > 1 {
					t.Errorf("%s, %s, %d segments: shares of %v arrivals", name, arrivals, n, counts)
				}
			}
		}
	}
}

// TestWholeScheduleCounts: what the closed model numbers its visits past
// is the whole schedule's count, and its picks per journey.
func TestWholeScheduleCounts(t *testing.T) {
	t.Parallel()
	p := plan(pt(0, 20), pt(3*time.Second, 80))
	journeys := []journeyPlan{{name: "a", weight: 3}, {name: "b", weight: 1}}
	total, picked := wholeSchedule(p, scenario.Poisson, 9, journeys)
	arrivals := drain(NewSchedule(p, scenario.Poisson, 9))
	picks := newArrivalPicks(journeys, 9)
	want := make([]int64, 2)
	for _, a := range arrivals {
		j, _ := picks.at(a.K)
		want[j]++
	}
	if total != int64(len(arrivals)) || !slices.Equal(picked, want) {
		t.Errorf("wholeSchedule = %d, %v; want %d, %v", total, picked, len(arrivals), want)
	}
}

// visit is what one test visitor ran: numbers and offsets, comparable
// across dispatchers that began at other instants.
type visit struct {
	Seq     int64
	At      time.Duration
	Journey int
	Row     int
}

// segmentJourneys are three journeys by weight; checkout takes unique
// rows, search sequential ones from a short file.
func segmentJourneys() []journeyPlan {
	rows := func(n int, order scenario.DataOrder) *rowPicker {
		d := &scenario.Data{Columns: []string{"id"}, Order: order}
		for i := range n {
			d.Rows = append(d.Rows, []string{fmt.Sprint(i)})
		}
		return &rowPicker{data: d}
	}
	return []journeyPlan{
		{name: "browse", weight: 5},
		{name: "search", weight: 3, rows: rows(7, scenario.Sequential)},
		{name: "checkout", weight: 2, rows: rows(150, scenario.Unique)},
	}
}

// dispatchVisits dispatches sched on a fresh dispatcher of seg and returns
// the visits it started, and the arrivals it counted as missed.
func dispatchVisits(t *testing.T, seg Segment, sched *Schedule) (visits []visit, missed int64) {
	d := newTestDispatcher(segmentJourneys()...)
	d.seed, d.segment = 5, seg
	var mu sync.Mutex
	d.dispatch(t.Context(), sched, 1000, func(arrivals iter.Seq[arrival]) {
		for a := range arrivals {
			mu.Lock()
			visits = append(visits, visit{a.seq, a.intended.Sub(d.began), a.journey, a.row})
			mu.Unlock()
		}
	})
	d.busy.Wait()
	return visits, d.live.total().missed
}

// TestSegmentsSendTheSingleProcessVisits dispatches a Poisson ramp whole
// and in three segments: together the segments start the very visits the
// single process starts (number, instant, journey, data row), no unique
// row twice, and miss the same arrivals when the unique file runs out.
func TestSegmentsSendTheSingleProcessVisits(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p := plan(pt(0, 100), pt(4*time.Second, 300))
		whole, wholeMissed := dispatchVisits(t, Segment{}, NewSchedule(p, scenario.Poisson, 5))
		if wholeMissed == 0 {
			t.Fatal("the unique file did not run out: the test does not cover it")
		}
		var union []visit
		var missed int64
		seen := map[int]Segment{}
		for i := range 3 {
			seg := Segment{i, 3}
			visits, m := dispatchVisits(t, seg, NewSchedule(p, scenario.Poisson, 5).Segment(seg))
			for _, v := range visits {
				if v.Journey != 2 {
					continue
				}
				if other, ok := seen[v.Row]; ok {
					t.Errorf("unique row %d taken by segments %s and %s", v.Row, other, seg)
				}
				seen[v.Row] = seg
			}
			union = append(union, visits...)
			missed += m
		}
		bySeq := func(a, b visit) int { return int(a.Seq - b.Seq) }
		slices.SortFunc(whole, bySeq)
		slices.SortFunc(union, bySeq)
		if diff := cmp.Diff(whole, union); diff != "" {
			t.Errorf("the segments' visits (-single process +segments):\n%s", diff)
		}
		if missed != wholeMissed {
			t.Errorf("the segments missed %d arrivals, the single process %d", missed, wholeMissed)
		}
	})
}

// TestClosedPhasesSplitVisitors runs closedPlan's looping visitors in
// three segments: each starts visitors i with i mod 3 its index, with the
// single process's seeds, and together they start the same visitors.
func TestClosedPhasesSplitVisitors(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		loops := func(seg Segment) []loopRun {
			d := newTestDispatcher()
			d.seed, d.segment = 100, seg
			var log loopLog
			d.closedPhases(t.Context(), closedPlan, log.loop(d))
			d.busy.Wait()
			return log.sorted()
		}
		whole := loops(Segment{})
		var union []loopRun
		for i := range 3 {
			got := loops(Segment{i, 3})
			for _, l := range got {
				if v := int(l.Seed - 101); v%3 != i {
					t.Errorf("segment %d/3 started visitor %d", i, v)
				}
			}
			union = append(union, got...)
		}
		byStart := func(a, b loopRun) int {
			if a.Start != b.Start {
				return int(a.Start - b.Start)
			}
			return int(a.Seed) - int(b.Seed)
		}
		slices.SortFunc(union, byStart)
		if diff := cmp.Diff(whole, union); diff != "" {
			t.Errorf("looping visitors (-single process +segments):\n%s", diff)
		}
	})
}

// TestLoopVisitsComeAfterTheSchedule: closed-model visits number their
// visits and take unique rows past every arrival of the whole schedule,
// striped by segment, so no two segments, and no arrival, share one.
func TestLoopVisitsComeAfterTheSchedule(t *testing.T) {
	t.Parallel()
	seqs, rows := map[int64]bool{}, map[int]bool{}
	for i := range 3 {
		journeys := segmentJourneys()
		journeys[2].rows.loopFrom = 40 // the whole schedule's arrivals picked checkout 40 times
		d := newTestDispatcher(journeys...)
		d.segment, d.loopsFrom = Segment{i, 3}, 100
		for range 20 {
			a, ok := d.loopArrival(time.Now(), 2)
			if !ok {
				t.Fatalf("segment %d/3 ran out of rows", i)
			}
			if a.seq <= 100 || a.row < 40 || seqs[a.seq] || rows[a.row] {
				t.Errorf("segment %d/3: visit %d took row %d: within the schedule's, or taken already", i, a.seq, a.row)
			}
			seqs[a.seq], rows[a.row] = true, true
		}
	}
	if len(rows) != 60 || !rows[40] || !rows[99] {
		t.Errorf("the closed-model visits took rows %v, want 40 to 99", slices.Sorted(func(yield func(int) bool) {
			for r := range rows {
				if !yield(r) {
					return
				}
			}
		}))
	}
	// 150 rows: the 111th closed-model visit (row 150) finds none left.
	journeys := segmentJourneys()
	journeys[2].rows.loopFrom = 40
	d := newTestDispatcher(journeys...)
	for n := 1; ; n++ {
		if _, ok := d.loopArrival(time.Now(), 2); !ok {
			if n != 111 {
				t.Errorf("visit %d found no row; want the 111th", n)
			}
			break
		}
	}
}
