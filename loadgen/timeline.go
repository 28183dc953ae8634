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

// append adds one tick's interval. A tick that falls inside the last
// interval (after coarsening made intervals wider than a tick) merges into
// it.
func (tl *timeline) append(iv Interval) {
	if n := len(tl.intervals); n > 0 && iv.Offset < tl.intervals[n-1].Offset+tl.width {
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
	a.Failed += b.Failed
	a.Requests += b.Requests
	a.Errors += b.Errors
	for c := range a.Classes {
		a.Classes[c] += b.Classes[c]
	}
	a.Signals.merge(b.Signals)
	for _, bk := range b.Keys {
		if i := keyPosition(a.Keys, bk.Key); i >= 0 {
			ak := &a.Keys[i]
			ak.addCounts(bk.counts())
			ak.latency.Merge(bk.latency)
			ak.service.Merge(bk.service)
			continue
		}
		a.Keys = append(a.Keys, bk)
	}
	sortIntervalKeys(a.Keys)
	return a
}

// counts and addCounts move an interval key's counts in and out of the
// recorder's per-step form.
func (ik *IntervalKey) counts() stepCounts {
	return stepCounts{requests: ik.Requests, errors: ik.Errors, generator: ik.GeneratorErrors, cutOff: ik.CutOff}
}

func (ik *IntervalKey) addCounts(c stepCounts) {
	ik.Requests += c.requests
	ik.Errors += c.errors
	ik.GeneratorErrors += c.generator
	ik.CutOff += c.cutOff
}

func keyPosition(keys []IntervalKey, key int) int {
	for i, k := range keys {
		if k.Key == key {
			return i
		}
	}
	return -1
}

func sortIntervalKeys(keys []IntervalKey) {
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j].Key < keys[j-1].Key; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
}

// intervalBuilder gathers one tick's measurements from every shard at the
// timeline's precision.
type intervalBuilder struct {
	layout  keyLayout
	steps   []IntervalKey // per flat step; histograms made on first use
	classes ClassCounts
	lag     Sparse
}

func newIntervalBuilder(kl keyLayout) *intervalBuilder {
	return &intervalBuilder{layout: kl, steps: make([]IntervalKey, kl.numSteps())}
}

// add takes a shard's bucket into the interval.
func (ib *intervalBuilder) add(b *bucket) {
	for k := range b.latency {
		c := b.steps[k]
		if c.requests == 0 {
			continue
		}
		ik := &ib.steps[k]
		if ik.latency == nil {
			ik.Key = ib.layout.stepKeys[k]
			ik.latency, ik.service = newIntervalHistogram(), newIntervalHistogram()
		}
		ik.latency.MergeFrom(b.latency[k])
		ik.service.MergeFrom(b.service[k])
		ik.addCounts(c)
	}
	for c := range ib.classes {
		ib.classes[c] += b.classes[c]
	}
	if b.lag.TotalCount() > 0 {
		if ib.lag.p == nil {
			ib.lag.p = newIntervalHistogram()
		}
		ib.lag.p.MergeFrom(b.lag)
	}
}

// build returns the interval, with each journey's and the all-request
// histograms merged from the steps', and the generator's signals.
func (ib *intervalBuilder) build(offset time.Duration, sig IntervalSignals) Interval {
	kl := ib.layout
	sig.Lag = ib.lag
	iv := Interval{Offset: offset, Classes: ib.classes, Signals: sig}
	merged := map[int]*IntervalKey{}
	into := func(key int, from IntervalKey) {
		ik, ok := merged[key]
		if !ok {
			ik = &IntervalKey{Key: key, latency: newIntervalHistogram(), service: newIntervalHistogram()}
			merged[key] = ik
		}
		ik.addCounts(from.counts())
		ik.latency.Merge(from.latency)
		ik.service.Merge(from.service)
	}
	for k, step := range ib.steps {
		if step.latency == nil {
			continue
		}
		into(0, step)
		into(kl.journeyKey[kl.stepJourney[k]], step)
	}
	for _, ik := range merged {
		iv.Keys = append(iv.Keys, *ik)
	}
	for _, step := range ib.steps {
		if step.latency != nil {
			iv.Keys = append(iv.Keys, step)
		}
	}
	sortIntervalKeys(iv.Keys)
	if all, ok := merged[0]; ok {
		iv.Requests, iv.Errors = all.Requests, all.Errors
	}
	return iv
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
