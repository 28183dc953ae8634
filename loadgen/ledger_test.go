package loadgen

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestLedgerFoldsIntoTheTimeline counts one visit arriving every second
// of a 35s plan, every third one failing, into a ledger sized for a
// 10-interval timeline (4s slots), and folds it into timelines of two
// lengths: one that ran the plan and coarsened to 4s itself, and one
// interrupted after 6s, still at 1s, which coarsens to the ledger's 4s.
// Each interval holds the visits that arrived in it.
func TestLedgerFoldsIntoTheTimeline(t *testing.T) {
	t.Parallel()
	began := time.Unix(1_000_000, 0)
	count := func(upTo int) *arrivalLedger {
		l := newArrivalLedger(began, 35*time.Second, time.Second, 10)
		for s := range upTo {
			at := began.Add(time.Duration(s)*time.Second + 500*time.Millisecond)
			l.arrive(at)
			l.end(at, s%3 != 0)
		}
		return l
	}
	type counts struct{ Offset, Arrivals, Completed, Failed int64 }
	fold := func(l *arrivalLedger, ticks int) []counts {
		tl := timeline{width: time.Second, max: 10}
		for i := range ticks {
			tl.append(Interval{Offset: time.Duration(i) * time.Second})
		}
		width := max(tl.width, l.width)
		intervals, err := tl.intervals(width, func(*Interval) {})
		if err != nil {
			t.Fatal(err)
		}
		var out []counts
		for _, iv := range l.into(intervals, width) {
			out = append(out, counts{int64(iv.Offset / time.Second), iv.Arrivals, iv.Completed, iv.Failed})
		}
		return out
	}
	if l := count(0); l.width != 4*time.Second || len(l.slots) != 9 {
		t.Fatalf("ledger of %d slots of %v, want 9 of 4s", len(l.slots), l.width)
	}
	whole := []counts{{0, 4, 2, 2}, {4, 4, 3, 1}, {8, 4, 3, 1}, {12, 4, 2, 2}, {16, 4, 3, 1}, {20, 4, 3, 1}, {24, 4, 2, 2}, {28, 4, 3, 1}, {32, 3, 2, 1}, {36, 0, 0, 0}}
	if diff := cmp.Diff(whole, fold(count(35), 37)); diff != "" {
		t.Errorf("whole run (-want +got):\n%s", diff)
	}
	interrupted := []counts{{0, 4, 2, 2}, {4, 2, 2, 0}}
	if diff := cmp.Diff(interrupted, fold(count(6), 6)); diff != "" {
		t.Errorf("interrupted run (-want +got):\n%s", diff)
	}
}
