package loadgen

import (
	"sync/atomic"
	"time"
)

// arrivalLedger counts the open model's visits by the interval in which
// they arrived: started or missed when they arrive, completed or failed
// when they end, which may be many intervals later (a journey that thinks
// for minutes). A throughput rule compares a stretch's visits that
// completed with the visits that arrived in it; counting a visit's
// outcome where it ended instead read a ramp's early phase as failing
// (its visits had not ended yet) and let a later phase pass on earlier
// visits' completions.
//
// The slots are fixed when the run starts, so a visit's end updates a
// slot long after the collector closed its interval, with one atomic add
// and no allocation. Their width is the timeline's interval, doubled
// until the plan fits in maxIntervals slots: the width the timeline
// coarsens to over the plan, so the ledger folds into it at the end
// (into) and its memory is bounded like the timeline's.
type arrivalLedger struct {
	began time.Time
	width time.Duration
	slots []ledgerSlot
}

type ledgerSlot struct {
	arrivals, missed, completed, failed atomic.Int64
}

func newArrivalLedger(began time.Time, plan, interval time.Duration, maxIntervals int) *arrivalLedger {
	width := interval
	for plan/width >= time.Duration(maxIntervals) {
		width *= 2
	}
	return &arrivalLedger{began: began, width: width, slots: make([]ledgerSlot, plan/width+1)}
}

// slot returns the slot of an arrival intended at t. Arrivals fall within
// the plan; a clock step is clamped into the first or last slot.
func (l *arrivalLedger) slot(t time.Time) *ledgerSlot {
	i := int(t.Sub(l.began) / l.width)
	return &l.slots[max(0, min(i, len(l.slots)-1))]
}

// arrive, miss and end count a visit intended at t: started, missed, or
// ended well (ok) or not. A nil ledger counts nothing, for dispatch tests
// that need none.
func (l *arrivalLedger) arrive(t time.Time) {
	if l != nil {
		l.slot(t).arrivals.Add(1)
	}
}

func (l *arrivalLedger) miss(t time.Time) {
	if l != nil {
		l.slot(t).missed.Add(1)
	}
}

func (l *arrivalLedger) end(t time.Time, ok bool) {
	switch {
	case l == nil:
	case ok:
		l.slot(t).completed.Add(1)
	default:
		l.slot(t).failed.Add(1)
	}
}

// into writes the ledger's counts into the timeline's intervals, of
// width: the ledger's or wider (a drain that pushed the timeline over its
// bound), so each interval takes one or more slots. The run is over, so
// no slot changes any more.
func (l *arrivalLedger) into(intervals []Interval, width time.Duration) []Interval {
	at := map[time.Duration]int{}
	for i, iv := range intervals {
		at[iv.Offset] = i
	}
	for j := range l.slots {
		s := &l.slots[j]
		arrivals, missed := s.arrivals.Load(), s.missed.Load()
		if arrivals == 0 && missed == 0 {
			continue
		}
		offset := time.Duration(j) * l.width
		offset -= offset % width
		i, ok := at[offset]
		if !ok { // no interval closed there (not while the collector runs); keep the counts all the same
			intervals = append(intervals, Interval{Offset: offset})
			sortIntervals(intervals)
			for k, iv := range intervals {
				at[iv.Offset] = k
			}
			i = at[offset]
		}
		iv := &intervals[i]
		iv.Arrivals += arrivals
		iv.Missed += missed
		iv.Completed += s.completed.Load()
		iv.Failed += s.failed.Load()
	}
	return intervals
}

func sortIntervals(ivs []Interval) {
	for i := 1; i < len(ivs); i++ {
		for j := i; j > 0 && ivs[j].Offset < ivs[j-1].Offset; j-- {
			ivs[j], ivs[j-1] = ivs[j-1], ivs[j]
		}
	}
}
