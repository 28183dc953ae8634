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

// unsent reports whether the request was never sent: it could not be
// built, so it has no timings at all.
func (s sample) unsent() bool { return s.class == ClassTemplate }

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
// took them, or the run's totals. Latency and service time describe the
// requests that succeeded (and those cut off by the run's end, at their
// time so far); failed requests are counted here and timed apart, per
// class, in the recorder's failures.
type bucket struct {
	latency, service []*hdr.Histogram // per flat step
	steps            []stepCounts     // per flat step
	classes          ClassCounts
	lag              *hdr.Histogram
	visits, failed   []int64 // per journey
	visitDuration    []*hdr.Histogram
}

// stepCounts counts one step's requests by outcome.
type stepCounts struct {
	requests  int64 // every request, sent or not
	errors    int64 // the failed ones, whoever failed them
	generator int64 // of the errors, those the generator failed itself (ErrorClass.Generator)
	cutOff    int64 // still waiting for an answer when the run stopped; not errors
}

func (c *stepCounts) add(o stepCounts) {
	c.requests += o.requests
	c.errors += o.errors
	c.generator += o.generator
	c.cutOff += o.cutOff
}

func newBucket(kl keyLayout) *bucket {
	b := &bucket{
		steps:  make([]stepCounts, kl.numSteps()),
		visits: make([]int64, kl.numJourneys()),
		failed: make([]int64, kl.numJourneys()),
		lag:    newTotalHistogram(),
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
		if o.steps[k].requests > 0 {
			b.latency[k].Merge(o.latency[k])
			b.service[k].Merge(o.service[k])
			b.steps[k].add(o.steps[k])
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
		if b.steps[k].requests > 0 {
			b.latency[k].Reset()
			b.service[k].Reset()
		}
		b.steps[k] = stepCounts{}
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

	failures failureTimes // failed requests' timings, per class

	// Collector-owned state.
	totals   *bucket // the whole run
	timeline timeline
	examples exampleStore
	ledger   *arrivalLedger // the open model's visits by arrival; folded into the timeline at the end
}

// failureTimes keeps the timings of failed requests apart from the
// successful ones', per class over the whole run: how fast a target
// answers 500 says nothing about how fast it serves, but a report can
// still show it. Failures are rarer than successes, and a packed
// histogram takes memory only where values fall, so one lock for the run
// is enough.
type failureTimes struct {
	mu               sync.Mutex
	latency, service [numClasses]*hdr.PackedHistogram
}

func (f *failureTimes) record(class ErrorClass, latency, service int64) {
	f.mu.Lock()
	if f.latency[class] == nil {
		f.latency[class], f.service[class] = newIntervalHistogram(), newIntervalHistogram()
	}
	f.latency[class].RecordValue(latency)
	f.service[class].RecordValue(service)
	f.mu.Unlock()
}

// snapshot returns the timings per class; the run has ended.
func (f *failureTimes) snapshot() [numClasses]ClassTiming {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out [numClasses]ClassTiming
	for c := range f.latency {
		out[c] = ClassTiming{Latency: packedDistribution(f.latency[c]), Service: packedDistribution(f.service[c])}
	}
	return out
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
// shard's lock, records up to three values into fixed-size histograms, and
// allocates nothing. A failed request's timings go to the failures, per
// class, instead of the step's latency and service time, which describe
// the requests the target served.
func (r *recorder) record(shard int, s sample) {
	latency := micros(s.done.Sub(s.intended))
	service := micros(s.done.Sub(s.sent))
	k := r.layout.step(s.journey, s.step)
	failed := s.class.Failed()
	sent := !s.unsent()
	if failed && sent {
		r.failures.record(s.class, latency, service)
	}

	sh := &r.shards[shard]
	sh.mu.Lock()
	b := sh.cur
	if sent {
		if !failed {
			b.latency[k].RecordValue(latency)
			b.service[k].RecordValue(service)
		}
		if s.open {
			b.lag.RecordValue(micros(s.sent.Sub(s.intended)))
		}
	}
	c := &b.steps[k]
	c.requests++
	switch {
	case failed:
		c.errors++
		if s.class.Generator() {
			c.generator++
		}
		b.classes[s.class]++
	case s.class == ClassCutOff:
		c.cutOff++
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
// appends the interval to the timeline with sig, the generator's signals
// in it. Visits are counted by the ledger, where they arrived, when the
// run ends. It returns the interval as built, before the timeline merges
// it anywhere: its lag is in its Signals, its visit counts are not yet.
func (r *recorder) collect(offset time.Duration, sig IntervalSignals) Interval {
	iv := newIntervalBuilder(r.layout)
	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.Lock()
		full := sh.cur
		sh.cur, sh.spare = sh.spare, full
		sh.mu.Unlock()
		r.totals.add(full)
		iv.add(full)
		full.reset()
	}
	built := iv.build(offset, sig)
	r.timeline.append(built)
	return built
}

// results builds the Results of the run from the totals and the timeline.
// Journey and all-request histograms are merged from the steps'.
func (r *recorder) results() *Results {
	if r.ledger != nil {
		r.ledger.intoTimeline(&r.timeline)
		r.ledger = nil // folded once
	}
	kl, t := r.layout, r.totals
	res := &Results{Interval: r.timeline.width, Timeline: r.timeline.intervals}
	res.Keys = make([]KeyResult, len(kl.keys))
	for i, key := range kl.keys {
		res.Keys[i].Key = key
	}
	for k := range t.latency {
		c := t.steps[k]
		if c.requests == 0 {
			continue
		}
		for _, key := range []int{0, kl.journeyKey[kl.stepJourney[k]], kl.stepKeys[k]} {
			kr := &res.Keys[key]
			kr.Requests += c.requests
			kr.Errors += c.errors
			kr.GeneratorErrors += c.generator
			kr.CutOff += c.cutOff
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
	res.Failures = r.failures.snapshot()
	res.Examples = r.examples.snapshot()
	return res
}
