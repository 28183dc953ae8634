package loadgen

import (
	"cmp"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/liftoff/liftoff/internal/spool"
)

// DefaultMaxIntervals bounds the timeline. When a run outgrows it, adjacent
// intervals merge pairwise and the interval width doubles, so a three-hour
// run's results keep as many intervals as a half-hour one's, at 8s
// instead of 1s resolution.
const DefaultMaxIntervals = 1800

// timeline is the run's per-interval series. It is owned by the collector.
//
// It holds one interval in memory, the newest, which the next tick may
// still fall into. The closed ones go to an intervalLog, encoded as the
// results file holds them: in memory while they are few, then in a
// temporary file, so a run's memory does not grow with its length. When
// the run outgrows max intervals the width doubles, and the intervals
// logged at the finer width merge into the wider ones when the results
// are built, as the run's intervals would have merged in memory.
type timeline struct {
	width time.Duration
	max   int
	keys  int // the run's keys, which the logged intervals' keys index

	last    Interval // the newest interval
	started bool     // last holds an interval
	log     intervalLog
	spans   []time.Duration // where the closed intervals fall at width, each start once: at most max+1
}

// append adds one tick's interval. A tick that falls inside the last
// interval (after coarsening made intervals wider than a tick) merges into
// it.
func (tl *timeline) append(iv Interval) {
	if tl.started && iv.Offset < tl.last.Offset+tl.width {
		tl.last = mergeIntervals(tl.last, iv)
		return
	}
	if tl.started {
		tl.log.write(tl.last)
		tl.spans = appendSpan(tl.spans, tl.aligned(tl.last.Offset))
	}
	tl.last, tl.started = iv, true
	for tl.count() > tl.max {
		tl.coarsen()
	}
}

// appendSpan adds a span's start to spans, in order, unless it is the
// last one there already.
func appendSpan(spans []time.Duration, start time.Duration) []time.Duration {
	if n := len(spans); n > 0 && spans[n-1] == start {
		return spans
	}
	return append(spans, start)
}

// count is the number of intervals the run has at width: the closed ones
// and the last, those that fall together counted once.
func (tl *timeline) count() int {
	n := len(tl.spans)
	if tl.started && (n == 0 || tl.spans[n-1] != tl.aligned(tl.last.Offset)) {
		n++
	}
	return n
}

// coarsen doubles the width: each pair of neighbouring spans becomes one.
func (tl *timeline) coarsen() {
	tl.width *= 2
	tl.last.Offset = tl.aligned(tl.last.Offset)
	spans := tl.spans[:0]
	for _, start := range tl.spans {
		spans = appendSpan(spans, tl.aligned(start))
	}
	tl.spans = spans
}

func (tl *timeline) aligned(off time.Duration) time.Duration { return off - off%tl.width }

// intervals returns the run's intervals at width, a multiple of the
// timeline's: the logged ones and the last, those that fall into one
// interval at that width merged, sealed (hist). Each interval is shown
// to each once, whole and before it is sealed, in order: the run's
// totals are summed from them. Reading the log back can fail (a disk
// error); what was read is returned with the error. The log is released.
func (tl *timeline) intervals(width time.Duration, each func(*Interval)) ([]Interval, error) {
	// At most one interval a span and the last: no slice grown by
	// doubling, where a long run's end holds its timeline.
	out := make([]Interval, 0, len(tl.spans)+1)
	store := &spool.Store{}
	done := func() {
		if n := len(out); n > 0 {
			each(&out[n-1])
			sealInterval(&out[n-1], store)
		}
	}
	add := func(iv Interval) {
		iv.Offset -= iv.Offset % width
		if n := len(out); n > 0 && out[n-1].Offset == iv.Offset {
			out[n-1] = mergeIntervals(out[n-1], iv)
			return
		}
		done()
		out = append(out, iv)
	}
	err := tl.log.each(tl.keys, func(iv Interval) { add(iv) })
	tl.log.close()
	if tl.started {
		add(tl.last)
	}
	done()
	return out, err
}

// sealInterval seals an interval's histograms, its keys' and its
// signals', into store (hist.seal): every interval of a timeline into the
// timeline's one store.
func sealInterval(iv *Interval, store *spool.Store) {
	for i := range iv.Keys {
		iv.Keys[i].latency.seal(store)
		iv.Keys[i].service.seal(store)
	}
	sig := &iv.Signals
	for _, s := range []*Sparse{&sig.Delay, &sig.Sched, &sig.Lag, &sig.SharedConnect} {
		s.h.seal(store)
	}
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
	a.Keys = mergeKeys(a.Keys, b.Keys)
	return a
}

// mergeKeys merges two lists of interval keys, each in key order, into
// one: a key in both adds b's to a's.
func mergeKeys(a, b []IntervalKey) []IntervalKey {
	if len(b) == 0 {
		return a
	}
	sortIntervalKeys(a)
	sortIntervalKeys(b)
	out := make([]IntervalKey, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || (i < len(a) && a[i].Key < b[j].Key):
			out = append(out, a[i])
			i++
		case i == len(a) || b[j].Key < a[i].Key:
			out = append(out, b[j])
			j++
		default:
			ak := a[i]
			ak.addCounts(b[j].counts())
			ak.latency.open().Merge(b[j].latency.read())
			ak.service.open().Merge(b[j].service.read())
			out = append(out, ak)
			i++
			j++
		}
	}
	return out
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

// sortIntervalKeys puts keys in key order, as an interval holds them.
func sortIntervalKeys(keys []IntervalKey) {
	slices.SortFunc(keys, func(a, b IntervalKey) int { return cmp.Compare(a.Key, b.Key) })
}

// intervalBuilder gathers one tick's entries, per step, at the
// timeline's precision. Only the steps that saw requests in the tick take
// histograms.
type intervalBuilder struct {
	layout  keyLayout
	steps   []IntervalKey // per flat step; histograms made on first use
	touched []int         // the steps with histograms, in the order they were first used
	classes ClassCounts
	lag     Sparse
}

func newIntervalBuilder(kl keyLayout) *intervalBuilder {
	return &intervalBuilder{layout: kl, steps: make([]IntervalKey, kl.numSteps())}
}

// step returns flat step k's measurements in the interval.
func (ib *intervalBuilder) step(k int) *IntervalKey {
	ik := &ib.steps[k]
	if ik.latency.p == nil {
		ik.Key = ib.layout.stepKeys[k]
		ik.latency.p, ik.service.p = newPackedHistogram(), newPackedHistogram()
		ib.touched = append(ib.touched, k)
	}
	return ik
}

// build returns the interval, with each journey's and the all-request
// histograms merged from the steps', and the generator's signals. The
// interval takes the builder's histograms; the builder starts the next
// one empty.
func (ib *intervalBuilder) build(offset time.Duration, sig IntervalSignals) Interval {
	kl := ib.layout
	sig.Lag = ib.lag
	iv := Interval{Offset: offset, Classes: ib.classes, Signals: sig}
	merged := map[int]*IntervalKey{}
	into := func(key int, from *IntervalKey) {
		ik, ok := merged[key]
		if !ok {
			ik = &IntervalKey{Key: key}
			merged[key] = ik
		}
		ik.addCounts(from.counts())
		ik.latency.open().Merge(from.latency.p)
		ik.service.open().Merge(from.service.p)
	}
	for _, k := range ib.touched {
		step := &ib.steps[k]
		into(0, step)
		into(kl.journeyKey[kl.stepJourney[k]], step)
	}
	for _, ik := range merged {
		iv.Keys = append(iv.Keys, *ik)
	}
	for _, k := range ib.touched {
		iv.Keys = append(iv.Keys, ib.steps[k])
		ib.steps[k] = IntervalKey{}
	}
	sortIntervalKeys(iv.Keys)
	if all, ok := merged[0]; ok {
		iv.Requests, iv.Errors = all.Requests, all.Errors
	}
	ib.touched = ib.touched[:0]
	ib.classes = ClassCounts{}
	ib.lag = Sparse{}
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
