package loadgen

import (
	"sync"
	"sync/atomic"
	"time"
)

// DefaultMaxIntervals bounds the timeline. When a run outgrows it, adjacent
// intervals merge pairwise and the interval width doubles, so a three-hour
// run keeps the same memory as a half-hour one, at 8s instead of 1s
// resolution.
const DefaultMaxIntervals = 1800

// timeline is the run's per-interval series. It is owned by the collector.
type timeline struct {
	width     time.Duration
	max       int
	intervals []Interval
}

// append adds the measurements of the tick that started at offset. A tick
// that falls inside the last interval (after coarsening made intervals
// wider than a tick) merges into it.
func (tl *timeline) append(b *bucket, offset time.Duration, c tickCounts) {
	iv := Interval{Offset: offset, Arrivals: c.arrivals, Missed: c.missed, Completed: c.completed, Classes: b.classes}
	for k := range b.latency {
		if b.requests[k] == 0 {
			continue
		}
		ik := IntervalKey{Key: k, Requests: b.requests[k], Errors: b.errors[k],
			latency: newIntervalHistogram(), service: newIntervalHistogram()}
		ik.latency.MergeFrom(b.latency[k])
		ik.service.MergeFrom(b.service[k])
		iv.Keys = append(iv.Keys, ik)
	}
	iv.Requests, iv.Errors = b.requests[0], b.errors[0]
	if n := len(tl.intervals); n > 0 && offset < tl.intervals[n-1].Offset+tl.width {
		tl.intervals[n-1] = mergeIntervals(tl.intervals[n-1], iv)
		return
	}
	tl.intervals = append(tl.intervals, iv)
	if len(tl.intervals) > tl.max {
		tl.coarsen()
	}
}

// coarsen merges intervals pairwise and doubles the width.
func (tl *timeline) coarsen() {
	tl.width *= 2
	var out []Interval
	for _, iv := range tl.intervals {
		aligned := iv.Offset - iv.Offset%tl.width
		if n := len(out); n > 0 && out[n-1].Offset == aligned {
			out[n-1] = mergeIntervals(out[n-1], iv)
			continue
		}
		iv.Offset = aligned
		out = append(out, iv)
	}
	tl.intervals = out
}

// mergeIntervals adds b into a and returns a; a keeps its offset.
func mergeIntervals(a, b Interval) Interval {
	a.Arrivals += b.Arrivals
	a.Missed += b.Missed
	a.Completed += b.Completed
	a.Requests += b.Requests
	a.Errors += b.Errors
	for c := range a.Classes {
		a.Classes[c] += b.Classes[c]
	}
	for _, bk := range b.Keys {
		merged := false
		for i := range a.Keys {
			if a.Keys[i].Key == bk.Key {
				ak := &a.Keys[i]
				ak.Requests += bk.Requests
				ak.Errors += bk.Errors
				ak.latency.Merge(bk.latency)
				ak.service.Merge(bk.service)
				merged = true
				break
			}
		}
		if !merged {
			a.Keys = append(a.Keys, bk)
		}
	}
	return a
}

// maxExamples is how many error messages are kept per class.
const maxExamples = 5

// exampleStore keeps the first few error messages of each class. It is
// safe for concurrent use; once a class is full, adding costs one atomic
// load, so a storm of identical failures does not contend on its lock.
type exampleStore struct {
	full [numClasses]atomic.Bool
	mu   sync.Mutex
	msgs [numClasses][]string
}

// wants reports whether an example of class c would still be kept, so the
// caller can skip formatting a message nobody will read.
func (es *exampleStore) wants(c ErrorClass) bool { return !es.full[c].Load() }

// add keeps msg as an example of class c unless the class is full or
// already has the same message.
func (es *exampleStore) add(c ErrorClass, msg string) {
	if es.full[c].Load() {
		return
	}
	es.mu.Lock()
	defer es.mu.Unlock()
	for _, m := range es.msgs[c] {
		if m == msg {
			return
		}
	}
	es.msgs[c] = append(es.msgs[c], msg)
	if len(es.msgs[c]) >= maxExamples {
		es.full[c].Store(true)
	}
}

func (es *exampleStore) snapshot() [numClasses][]string {
	es.mu.Lock()
	defer es.mu.Unlock()
	var out [numClasses][]string
	for c := range es.msgs {
		out[c] = append([]string(nil), es.msgs[c]...)
	}
	return out
}
