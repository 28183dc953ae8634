package loadgen

import (
	"sync"
	"sync/atomic"
	"time"

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

// Recording is split in two so that a key costs what it holds, whatever
// the number of shards. Visitors append one fixed-size entry per request
// or visit to their shard's log, which holds only what was recorded since
// the collector last took it (about 20 bytes a request). The collector
// folds the entries, once per interval, into the interval's packed
// histograms per step, and those into the run's totals per step; only
// keys that saw requests take histogram memory.

// entry is one request or finished visit, as a shard's log holds it.
type entry struct {
	latency uint32 // µs from the intended send; a visit's duration
	service uint32 // µs from the actual send
	lag     uint32 // µs from the intended to the actual send
	index   uint32 // flat step of a request, journey of a visit
	class   ErrorClass
	flags   uint8
}

const (
	entrySent        = 1 << iota // the request was sent, so it has timings
	entryOpen                    // its intended time came from the arrival schedule: its lag means something
	entryVisit                   // a finished visit, not a request
	entryVisitFailed             // the visit ended with a failed step
)

// chunkEntries is how many entries a log chunk holds: 10 KiB.
const chunkEntries = 512

// chunk is a piece of a shard's log.
type chunk struct {
	n       int
	entries [chunkEntries]entry
}

// chunkPool hands chunks between visitors and the collector: a visitor
// whose chunk is full leaves it here and takes an empty one; the collector
// takes the full ones and gives them back empty. Chunks are reused, so
// recording allocates nothing once the run has as many as one interval
// fills.
type chunkPool struct {
	mu   sync.Mutex
	free []*chunk
	full []*chunk
}

func (cp *chunkPool) get() *chunk {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	return cp.getLocked()
}

func (cp *chunkPool) getLocked() *chunk {
	if n := len(cp.free); n > 0 {
		c := cp.free[n-1]
		cp.free = cp.free[:n-1]
		return c
	}
	return new(chunk)
}

// handOver leaves a full chunk for the collector and returns an empty one.
func (cp *chunkPool) handOver(full *chunk) *chunk {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	cp.full = append(cp.full, full)
	return cp.getLocked()
}

// takeFull appends the full chunks to taken.
func (cp *chunkPool) takeFull(taken []*chunk) []*chunk {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	taken = append(taken, cp.full...)
	clear(cp.full)
	cp.full = cp.full[:0]
	return taken
}

// giveBack returns folded chunks, emptied.
func (cp *chunkPool) giveBack(chunks []*chunk) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	for _, c := range chunks {
		c.n = 0
		cp.free = append(cp.free, c)
	}
}

// shard is one lock-protected log. Each visitor records into the shard it
// was assigned (assignShard), so concurrent visitors rarely meet on a lock
// and no lock is global.
type shard struct {
	mu  sync.Mutex
	log *chunk
	_   [64]byte // keep neighbouring shards' locks off one cache line
}

// recorder owns all measurement state of a run. Visitors call record and
// recordVisit from any goroutine; collect and results run on the collector
// goroutine only.
type recorder struct {
	layout   keyLayout
	shards   []shard
	assigned atomic.Int64 // shards handed to visitors so far
	chunks   chunkPool

	// Collector-owned state.
	taken    []*chunk // the chunks being folded, kept for reuse
	tally    *tally   // the values being folded, counted per histogram and bucket (tally.go)
	interval *intervalBuilder
	totals   totals // the whole run
	timeline timeline
	examples exampleStore
	ledger   *arrivalLedger // the open model's visits by arrival; folded into the timeline at the end
}

// totals are the run's measurements that the timeline does not hold:
// requests counted per step, visits, and failed requests timed apart, per
// class (how fast a target answers 500 says nothing about how fast it
// serves, but a report can still show it). The run's latency, service
// time and lag histograms are summed from the timeline when the run ends
// (results), not kept here as well: kept, they grew for the whole run,
// each turning dense (184 KiB) as rare values arrived, 4.5 MB for a
// 10-step journey over an hour.
type totals struct {
	steps    []stepCounts    // per flat step
	journeys []journeyTotals // per journey
	classes  ClassCounts
	failures [numClasses]ClassTiming
}

type journeyTotals struct {
	visits, failed int64
	duration       Distribution
}

func newRecorder(kl keyLayout, shards int, interval time.Duration, maxIntervals int) *recorder {
	r := &recorder{
		layout:   kl,
		shards:   make([]shard, shards),
		tally:    newTally(),
		interval: newIntervalBuilder(kl),
		totals:   totals{steps: make([]stepCounts, kl.numSteps()), journeys: make([]journeyTotals, kl.numJourneys())},
		timeline: timeline{width: interval, max: maxIntervals, keys: len(kl.keys), spans: make([]time.Duration, 0, maxIntervals+1)},
	}
	for i := range r.shards {
		r.shards[i].log = r.chunks.get()
	}
	return r
}

// assignShard returns the shard a new visitor records into. Visitors take
// the shards in turn.
func (r *recorder) assignShard() int {
	return int((r.assigned.Add(1) - 1) % int64(len(r.shards)))
}

// record logs one request's measurements in shard's log. It takes the
// shard's lock, writes one entry, and allocates nothing.
func (r *recorder) record(shard int, s sample) {
	e := entry{index: uint32(r.layout.step(s.journey, s.step)), class: s.class}
	if !s.unsent() {
		e.flags = entrySent
		e.latency = uint32(micros(s.done.Sub(s.intended)))
		e.service = uint32(micros(s.done.Sub(s.sent)))
		if s.open {
			e.flags |= entryOpen
			e.lag = uint32(micros(s.sent.Sub(s.intended)))
		}
	}
	r.add(shard, e)
}

// recordVisit logs one finished visit of journey j in shard's log.
func (r *recorder) recordVisit(shard, j int, d time.Duration, failed bool) {
	e := entry{index: uint32(j), latency: uint32(micros(d)), flags: entryVisit}
	if failed {
		e.flags |= entryVisitFailed
	}
	r.add(shard, e)
}

func (r *recorder) add(shard int, e entry) {
	sh := &r.shards[shard]
	sh.mu.Lock()
	c := sh.log
	c.entries[c.n] = e
	if c.n++; c.n == chunkEntries {
		sh.log = r.chunks.handOver(c)
	}
	sh.mu.Unlock()
}

// collect closes the interval that started at offset: it folds every
// shard's log into the interval and the run's counts, and appends the
// interval to the timeline with sig, the generator's signals in it.
// Visits are counted by the ledger, where they arrived, when the run
// ends. It returns the interval as built, before the timeline merges it
// anywhere: its lag is in its Signals, its visit counts are not yet.
func (r *recorder) collect(offset time.Duration, sig IntervalSignals) Interval {
	r.drain()
	ib, t := r.interval, &r.totals
	for _, k := range ib.touched {
		t.steps[k].add(ib.steps[k].counts())
	}
	for c, n := range ib.classes {
		t.classes[c] += n
	}
	built := ib.build(offset, sig)
	r.timeline.append(built)
	return built
}

// fold adds one entry to the interval being built, or to the run's
// totals for what the timeline does not hold: visits, failures' timings.
// Its values go to the tally, which records them into the histograms
// when the drain ends (flushTally).
func (r *recorder) fold(e entry) {
	if e.flags&entryVisit != 0 {
		j := &r.totals.journeys[e.index]
		j.visits++
		if e.flags&entryVisitFailed != 0 {
			j.failed++
		}
		r.tallyValue(kindVisit, e.index, int64(e.latency))
		return
	}
	ib := r.interval
	ik := ib.step(int(e.index))
	ik.Requests++
	failed := e.class.Failed()
	switch {
	case failed:
		ik.Errors++
		if e.class.Generator() {
			ik.GeneratorErrors++
		}
		ib.classes[e.class]++
	case e.class == ClassCutOff:
		ik.CutOff++
		ib.classes[e.class]++
	}
	if e.flags&entrySent == 0 {
		return
	}
	if failed {
		r.tallyValue(kindFailedLatency, uint32(e.class), int64(e.latency))
		r.tallyValue(kindFailedService, uint32(e.class), int64(e.service))
	} else {
		r.tallyValue(kindLatency, e.index, int64(e.latency))
		r.tallyValue(kindService, e.index, int64(e.service))
	}
	if e.flags&entryOpen != 0 {
		r.tallyValue(kindLag, 0, micros(fromMicros(int64(e.lag)))) // clamped, as Sparse.record clamps
	}
}

// results builds the Results of the run from the totals and the timeline:
// each key's latency and service time, and the lag, are the sums of the
// timeline's, which hold every request once, at the same precision.
// Journey and all-request counts are summed from the steps'. When the
// timeline cannot be read back whole, the error says so and the
// histograms cover what was read.
func (r *recorder) results() (*Results, error) {
	width := r.timeline.width
	if r.ledger != nil {
		width = max(width, r.ledger.width)
	}
	kl, t := r.layout, &r.totals
	res := &Results{Interval: width}
	res.Keys = make([]KeyResult, len(kl.keys))
	for i, key := range kl.keys {
		res.Keys[i].Key = key
	}
	intervals, err := r.timeline.intervals(width, func(iv *Interval) {
		for _, ik := range iv.Keys {
			kr := &res.Keys[ik.Key]
			kr.Latency.mergePacked(ik.latency.read())
			kr.Service.mergePacked(ik.service.read())
		}
		res.Lag.mergePacked(iv.Signals.Lag.h.read())
	})
	for i := range res.Keys {
		res.Keys[i].Latency.settle()
		res.Keys[i].Service.settle()
	}
	res.Lag.settle()
	if r.ledger != nil {
		intervals = r.ledger.into(intervals, width)
	}
	res.Timeline = intervals
	for k, c := range t.steps {
		if c.requests == 0 {
			continue
		}
		for _, key := range []int{0, kl.journeyKey[kl.stepJourney[k]], kl.stepKeys[k]} {
			kr := &res.Keys[key]
			kr.Requests += c.requests
			kr.Errors += c.errors
			kr.GeneratorErrors += c.generator
			kr.CutOff += c.cutOff
		}
	}
	for j := range t.journeys {
		jt := &t.journeys[j]
		jr := JourneyResult{Name: kl.keys[kl.journeyKey[j]].Journey, Visits: jt.visits, Failed: jt.failed}
		jr.Duration.Merge(jt.duration)
		jr.Duration.settle()
		res.Journeys = append(res.Journeys, jr)
	}
	res.Requests = res.Keys[0].Requests
	res.Errors = res.Keys[0].Errors
	res.Classes = t.classes
	for c, f := range t.failures {
		res.Failures[c].Latency.Merge(f.Latency)
		res.Failures[c].Service.Merge(f.Service)
		res.Failures[c].Latency.settle()
		res.Failures[c].Service.settle()
	}
	res.Examples = r.examples.snapshot()
	return res, err
}

// drain folds what the visitors have logged so far into the interval
// being built. The collector calls it between interval ends too (every
// drainEvery), so the fold at an interval's end is short: folding a whole
// interval at once at 40,000 requests a second held the one core for
// 10-20 ms each second, and every arrival due meanwhile left that late.
func (r *recorder) drain() {
	taken := r.taken[:0]
	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.Lock()
		if sh.log.n > 0 {
			taken = append(taken, sh.log)
			sh.log = r.chunks.get()
		}
		sh.mu.Unlock()
	}
	taken = r.chunks.takeFull(taken)
	for _, c := range taken {
		for _, e := range c.entries[:c.n] {
			r.fold(e)
		}
	}
	r.flushTally()
	r.chunks.giveBack(taken)
	clear(taken)
	r.taken = taken[:0]
}
