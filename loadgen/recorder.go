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
	unsent   bool // the request could not be built: it counts as a failed request, with no timings
}

// keyLayout maps journey and step ordinals to indexes without building
// strings on the hot path. Requests are recorded per step only; the
// journey and all-request histograms are merged from the steps' when an
// interval closes and when the run ends, which HDR histograms do without
// loss.
//
// Result keys (Results.Keys) are numbered: 0 for every request, then each
// journey followed by its steps.
type keyLayout struct {
	keys        []Key
	journeyKey  []int // result key of each journey
	stepBase    []int // flat step index of each journey's first step
	stepJourney []int // journey of each flat step
	stepKeys    []int // result key of each flat step
}

// Names pass through redact, so no secret becomes a key a report shows.
func newKeyLayout(journeys []scenario.Journey, redact func(string) string) keyLayout {
	kl := keyLayout{keys: []Key{{}}}
	for j, jr := range journeys {
		kl.journeyKey = append(kl.journeyKey, len(kl.keys))
		kl.keys = append(kl.keys, Key{Journey: redact(jr.Name)})
		kl.stepBase = append(kl.stepBase, len(kl.stepKeys))
		for _, st := range jr.Steps {
			kl.stepJourney = append(kl.stepJourney, j)
			kl.stepKeys = append(kl.stepKeys, len(kl.keys))
			kl.keys = append(kl.keys, Key{Journey: redact(jr.Name), Step: redact(st.Name)})
		}
	}
	return kl
}

func (kl keyLayout) step(j, s int) int { return kl.stepBase[j] + s }
func (kl keyLayout) numSteps() int     { return len(kl.stepKeys) }
func (kl keyLayout) numJourneys() int  { return len(kl.journeyKey) }

// bucket holds measurements per step: one shard's since the collector last
// took them, or the run's totals.
type bucket struct {
	latency, service []*hdr.Histogram // per flat step
	requests, errors []int64          // per flat step
	classes          ClassCounts
	lag              *hdr.Histogram
	visits, failed   []int64 // per journey
	visitDuration    []*hdr.Histogram
}

func newBucket(kl keyLayout) *bucket {
	b := &bucket{
		requests: make([]int64, kl.numSteps()),
		errors:   make([]int64, kl.numSteps()),
		visits:   make([]int64, kl.numJourneys()),
		failed:   make([]int64, kl.numJourneys()),
		lag:      newTotalHistogram(),
	}
	for range kl.numSteps() {
		b.latency = append(b.latency, newTotalHistogram())
		b.service = append(b.service, newTotalHistogram())
	}
	for range kl.numJourneys() {
		b.visitDuration = append(b.visitDuration, newTotalHistogram())
	}
	return b
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

func (b *bucket) reset() {
	for k := range b.latency {
		if b.requests[k] > 0 {
			b.latency[k].Reset()
			b.service[k].Reset()
		}
		b.requests[k], b.errors[k] = 0, 0
	}
	for j := range b.visits {
		if b.visits[j] > 0 {
			b.visitDuration[j].Reset()
		}
		b.visits[j], b.failed[j] = 0, 0
	}
	if b.lag.TotalCount() > 0 {
		b.lag.Reset()
	}
	b.classes = ClassCounts{}
}

// shard is one lock-protected recording slot. Each visitor records into
// the shard it was assigned (assignShard), so concurrent visitors rarely
// meet on a lock and no lock is global. The collector swaps the current bucket for a spare
// under the lock and merges the full one outside it, so a visitor never
// waits for a merge.
type shard struct {
	mu    sync.Mutex
	cur   *bucket
	spare *bucket
	_     [64]byte // keep neighbouring shards' locks off one cache line
}

// recorder owns all measurement state of a run. Visitors call record and
// recordVisit from any goroutine; collect and results run on the collector
// goroutine only.
type recorder struct {
	layout   keyLayout
	shards   []shard
	assigned atomic.Int64 // shards handed to visitors so far

	// Collector-owned state.
	intervalLag bool    // collect returns each interval's lag (Config.OnInterval is set)
	totals      *bucket // the whole run
	timeline    timeline
	examples    exampleStore
}

func newRecorder(kl keyLayout, shards int, interval time.Duration, maxIntervals int) *recorder {
	r := &recorder{
		layout:   kl,
		shards:   make([]shard, shards),
		totals:   newBucket(kl),
		timeline: timeline{width: interval, max: maxIntervals},
	}
	for i := range r.shards {
		r.shards[i].cur = newBucket(kl)
		r.shards[i].spare = newBucket(kl)
	}
	return r
}

// assignShard returns the shard a new visitor records into. Visitors take
// the shards in turn.
func (r *recorder) assignShard() int {
	return int((r.assigned.Add(1) - 1) % int64(len(r.shards)))
}

// record adds one request's measurements to shard's bucket. It takes the
// shard's lock, records three values into fixed-size histograms, and
// allocates nothing.
func (r *recorder) record(shard int, s sample) {
	latency := micros(s.done.Sub(s.intended))
	service := micros(s.done.Sub(s.sent))
	k := r.layout.step(s.journey, s.step)
	failed := s.class != ClassNone

	sh := &r.shards[shard]
	sh.mu.Lock()
	b := sh.cur
	if !s.unsent {
		b.latency[k].RecordValue(latency)
		b.service[k].RecordValue(service)
		if s.open {
			b.lag.RecordValue(micros(s.sent.Sub(s.intended)))
		}
	}
	b.requests[k]++
	if failed {
		b.errors[k]++
		b.classes[s.class]++
	}
	sh.mu.Unlock()
}

// recordVisit adds one finished visit of journey j to shard's bucket.
func (r *recorder) recordVisit(shard, j int, d time.Duration, failed bool) {
	sh := &r.shards[shard]
	sh.mu.Lock()
	b := sh.cur
	b.visits[j]++
	if failed {
		b.failed[j]++
	}
	b.visitDuration[j].RecordValue(micros(d))
	sh.mu.Unlock()
}

// collect closes the interval that started at offset: it takes every
// shard's bucket, adds it to the run's totals and to the interval, and
// appends the interval to the timeline with c, the interval's counts. It
// returns the interval as built, before the timeline merges it anywhere,
// and, when intervalLag is set, the interval's lag.
func (r *recorder) collect(offset time.Duration, c counts) (Interval, *hdr.PackedHistogram) {
	iv := newIntervalBuilder(r.layout)
	var lag *hdr.PackedHistogram
	if r.intervalLag {
		lag = newIntervalHistogram()
	}
	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.Lock()
		full := sh.cur
		sh.cur, sh.spare = sh.spare, full
		sh.mu.Unlock()
		r.totals.add(full)
		iv.add(full)
		if lag != nil && full.lag.TotalCount() > 0 {
			lag.MergeFrom(full.lag)
		}
		full.reset()
	}
	built := iv.build(offset, c)
	r.timeline.append(built)
	return built, lag
}

// results builds the Results of the run from the totals and the timeline.
// Journey and all-request histograms are merged from the steps'.
func (r *recorder) results() *Results {
	kl, t := r.layout, r.totals
	res := &Results{Interval: r.timeline.width, Timeline: r.timeline.intervals}
	res.Keys = make([]KeyResult, len(kl.keys))
	for i, key := range kl.keys {
		res.Keys[i].Key = key
	}
	for k := range t.latency {
		if t.requests[k] == 0 {
			continue
		}
		for _, key := range []int{0, kl.journeyKey[kl.stepJourney[k]], kl.stepKeys[k]} {
			kr := &res.Keys[key]
			kr.Requests += t.requests[k]
			kr.Errors += t.errors[k]
			kr.Latency.Merge(Distribution{h: t.latency[k]})
			kr.Service.Merge(Distribution{h: t.service[k]})
		}
	}
	for j := range t.visits {
		jr := JourneyResult{Name: kl.keys[kl.journeyKey[j]].Journey, Visits: t.visits[j], Failed: t.failed[j]}
		jr.Duration.Merge(Distribution{h: t.visitDuration[j]})
		res.Journeys = append(res.Journeys, jr)
	}
	res.Lag.Merge(Distribution{h: t.lag})
	res.Requests = res.Keys[0].Requests
	res.Errors = res.Keys[0].Errors
	res.Classes = t.classes
	res.Examples = r.examples.snapshot()
	return res
}
