package loadgen

import (
	"sync"
	"sync/atomic"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/liftoff/liftoff/scenario"
)

// sample is one measured request, passed by value so recording allocates
// nothing.
type sample struct {
	journey  int // journey ordinal
	step     int // step ordinal within the journey
	intended time.Time
	sent     time.Time
	done     time.Time
	class    ErrorClass
	open     bool // intended came from the arrival schedule, so lag means something
}

// keyLayout maps journey and step ordinals to histogram key indexes without
// building strings on the hot path: key 0 is every request, then each
// journey's key followed by its steps' keys.
type keyLayout struct {
	keys        []Key
	journeyBase []int // key index of each journey
}

func newKeyLayout(journeys []scenario.Journey) keyLayout {
	kl := keyLayout{keys: []Key{{}}}
	for _, j := range journeys {
		kl.journeyBase = append(kl.journeyBase, len(kl.keys))
		kl.keys = append(kl.keys, Key{Journey: j.Name})
		for _, st := range j.Steps {
			kl.keys = append(kl.keys, Key{Journey: j.Name, Step: st.Name})
		}
	}
	return kl
}

func (kl keyLayout) journeyKey(j int) int    { return kl.journeyBase[j] }
func (kl keyLayout) stepKey(j, s int) int    { return kl.journeyBase[j] + 1 + s }
func (kl keyLayout) numJourneys() int        { return len(kl.journeyBase) }
func (kl keyLayout) keyCount() int           { return len(kl.keys) }
func (kl keyLayout) keyOf(i int) Key         { return kl.keys[i] }
func (kl keyLayout) isJourneyKey(i int) bool { return i > 0 && kl.keys[i].Step == "" }

// bucket is one shard's measurements since the collector last took them.
type bucket struct {
	latency, service []*hdr.Histogram // per key
	requests, errors []int64          // per key
	classes          ClassCounts
	lag              *hdr.Histogram
	visits, failed   []int64 // per journey
	visitDuration    []*hdr.Histogram
}

func newBucket(kl keyLayout) *bucket {
	b := &bucket{
		requests: make([]int64, kl.keyCount()),
		errors:   make([]int64, kl.keyCount()),
		visits:   make([]int64, kl.numJourneys()),
		failed:   make([]int64, kl.numJourneys()),
		lag:      newTotalHistogram(),
	}
	for range kl.keyCount() {
		b.latency = append(b.latency, newTotalHistogram())
		b.service = append(b.service, newTotalHistogram())
	}
	for range kl.numJourneys() {
		b.visitDuration = append(b.visitDuration, newTotalHistogram())
	}
	return b
}

func (b *bucket) reset() {
	for i := range b.latency {
		if b.requests[i] > 0 {
			b.latency[i].Reset()
			b.service[i].Reset()
		}
		b.requests[i], b.errors[i] = 0, 0
	}
	for i := range b.visits {
		if b.visits[i] > 0 {
			b.visitDuration[i].Reset()
		}
		b.visits[i], b.failed[i] = 0, 0
	}
	if b.lag.TotalCount() > 0 {
		b.lag.Reset()
	}
	b.classes = ClassCounts{}
}

// shard is one lock-protected recording slot. Visitors record into the
// shard their id maps to, so concurrent visitors rarely meet on a lock and
// no lock is global. The collector swaps the current bucket for a spare
// under the lock and merges the full one outside it, so a visitor never
// waits for a merge.
type shard struct {
	mu    sync.Mutex
	cur   *bucket
	spare *bucket
	_     [64]byte // keep neighbouring shards' locks off one cache line
}

// recorder owns all measurement state of a run. Visitors call record and
// recordVisit from any goroutine; everything else runs on the collector
// goroutine.
type recorder struct {
	layout keyLayout
	shards []shard

	// Live counters for progress, updated by visitors.
	requests atomic.Int64
	errors   atomic.Int64

	// Collector-owned state.
	start    time.Time
	tick     *bucket // scratch: this interval's merge of every shard
	totals   *bucket // the whole run
	timeline timeline
	examples exampleStore
}

func newRecorder(kl keyLayout, shards int, interval time.Duration, maxIntervals int) *recorder {
	r := &recorder{
		layout:   kl,
		shards:   make([]shard, shards),
		tick:     newBucket(kl),
		totals:   newBucket(kl),
		timeline: timeline{width: interval, max: maxIntervals},
	}
	for i := range r.shards {
		r.shards[i].cur = newBucket(kl)
		r.shards[i].spare = newBucket(kl)
	}
	return r
}

// record adds one request's measurements. It takes one shard lock, records
// into fixed-size histograms, and allocates nothing.
func (r *recorder) record(visitor int, s sample) {
	latency := micros(s.done.Sub(s.intended))
	service := micros(s.done.Sub(s.sent))
	keys := [3]int{0, r.layout.journeyKey(s.journey), r.layout.stepKey(s.journey, s.step)}
	failed := s.class != ClassNone

	sh := &r.shards[visitor%len(r.shards)]
	sh.mu.Lock()
	b := sh.cur
	for _, k := range keys {
		b.latency[k].RecordValue(latency)
		b.service[k].RecordValue(service)
		b.requests[k]++
		if failed {
			b.errors[k]++
		}
	}
	if s.open {
		b.lag.RecordValue(micros(s.sent.Sub(s.intended)))
	}
	if failed {
		b.classes[s.class]++
	}
	sh.mu.Unlock()

	r.requests.Add(1)
	if failed {
		r.errors.Add(1)
	}
}

// recordVisit adds one finished visit of journey j.
func (r *recorder) recordVisit(visitor, j int, d time.Duration, failed bool) {
	sh := &r.shards[visitor%len(r.shards)]
	sh.mu.Lock()
	b := sh.cur
	b.visits[j]++
	if failed {
		b.failed[j]++
	}
	b.visitDuration[j].RecordValue(micros(d))
	sh.mu.Unlock()
}

// tickCounts are the open model's visitor counts of one interval.
type tickCounts struct{ arrivals, missed, completed int64 }

// collect closes the interval that started at offset: it takes every
// shard's bucket, adds it to the run's totals and appends it to the
// timeline.
func (r *recorder) collect(offset time.Duration, c tickCounts) {
	t := r.tick
	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.Lock()
		full := sh.cur
		sh.cur, sh.spare = sh.spare, full
		sh.mu.Unlock()
		t.add(full)
		full.reset()
	}
	r.totals.add(t)
	r.timeline.append(t, offset, c)
	t.reset()
}

// add merges o into b.
func (b *bucket) add(o *bucket) {
	for k := range b.latency {
		if o.requests[k] > 0 {
			b.latency[k].Merge(o.latency[k])
			b.service[k].Merge(o.service[k])
			b.requests[k] += o.requests[k]
			b.errors[k] += o.errors[k]
		}
	}
	for j := range b.visits {
		if o.visits[j] > 0 {
			b.visitDuration[j].Merge(o.visitDuration[j])
			b.visits[j] += o.visits[j]
			b.failed[j] += o.failed[j]
		}
	}
	if o.lag.TotalCount() > 0 {
		b.lag.Merge(o.lag)
	}
	for c := range b.classes {
		b.classes[c] += o.classes[c]
	}
}

// results builds the Results of the run from the totals and the timeline.
func (r *recorder) results() *Results {
	res := &Results{Interval: r.timeline.width, Timeline: r.timeline.intervals}
	t := r.totals
	for k := range t.latency {
		kr := KeyResult{Key: r.layout.keyOf(k), Requests: t.requests[k], Errors: t.errors[k]}
		if t.requests[k] > 0 {
			kr.Latency = Distribution{h: t.latency[k].Clone()}
			kr.Service = Distribution{h: t.service[k].Clone()}
		}
		res.Keys = append(res.Keys, kr)
	}
	for j := range t.visits {
		jr := JourneyResult{Name: r.layout.keyOf(r.layout.journeyKey(j)).Journey, Visits: t.visits[j], Failed: t.failed[j]}
		if t.visits[j] > 0 {
			jr.Duration = Distribution{h: t.visitDuration[j].Clone()}
		}
		res.Journeys = append(res.Journeys, jr)
	}
	if t.lag.TotalCount() > 0 {
		res.Lag = Distribution{h: t.lag.Clone()}
	}
	res.Requests = t.requests[0]
	res.Errors = t.errors[0]
	res.Classes = t.classes
	res.Examples = r.examples.snapshot()
	return res
}
