package loadgen

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
	"time"
	"unsafe"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/liftoff/liftoff/scenario"
)

func noRedact(s string) string { return s }

var oneJourney = []scenario.Journey{{Name: "browse", Weight: 1, Steps: []scenario.Step{{Name: "GET /"}, {Name: "GET /cart"}}}}

// footprint is the bytes the recorder holds for its measurements.
func (r *recorder) footprint() int {
	keys, timeline, logs := r.footprintParts()
	return keys + timeline + logs
}

// footprintParts splits the footprint three ways: what the run's keys
// hold (their totals and the interval being built), what the timeline
// holds (its newest interval, its log while in memory, where its closed
// intervals fall), and the shards' logs (their chunks).
func (r *recorder) footprintParts() (keys, timeline, logs int) {
	t := &r.totals
	keys = cap(t.steps)*int(unsafe.Sizeof(stepCounts{})) + cap(t.journeys)*int(unsafe.Sizeof(journeyTotals{}))
	for _, j := range t.journeys {
		keys += j.duration.memory()
	}
	for _, f := range t.failures {
		keys += f.Latency.memory() + f.Service.memory()
	}
	keys += cap(r.interval.steps)*int(unsafe.Sizeof(IntervalKey{})) + cap(r.interval.touched)*8
	for _, ik := range r.interval.steps {
		keys += ik.latency.memory() + ik.service.memory()
	}
	for _, ik := range r.timeline.last.Keys {
		timeline += ik.latency.memory() + ik.service.memory()
	}
	timeline += cap(r.timeline.last.Keys)*int(unsafe.Sizeof(IntervalKey{})) + int(r.timeline.log.spool.Held()) + cap(r.timeline.spans)*8
	r.chunks.mu.Lock()
	chunks := len(r.chunks.free) + len(r.chunks.full) + len(r.shards)
	r.chunks.mu.Unlock()
	return keys, timeline, chunks * int(unsafe.Sizeof(chunk{}))
}

// simulate records perTick requests per tick for ticks ticks, with latencies
// spread over four orders of magnitude, the way a struggling target's are.
func simulate(r *recorder, ticks, perTick int) {
	base := time.Unix(1_000_000, 0)
	for tick := range ticks {
		for i := range perTick {
			intended := base.Add(time.Duration(tick) * time.Second)
			latency := time.Duration(100+(i*7919+tick*104729)%5_000_000) * time.Microsecond
			r.record(i%len(r.shards), sample{journey: 0, step: i % 2, intended: intended, sent: intended, done: intended.Add(latency), open: true})
		}
		r.collect(time.Duration(tick)*time.Second, IntervalSignals{})
	}
}

// fullPacked is a packed histogram with every bucket populated: the
// most one interval key can ever hold.
func fullPacked() *hdr.PackedHistogram {
	p := newPackedHistogram()
	for i := range countsLen {
		p.RecordValue(bucketValue(i))
	}
	return p
}

// TestRecorderMemoryIsBoundedByGeometry runs the recorder through runs five
// and twenty times longer than its timeline holds. Closed intervals leave
// memory for the timeline's log, which moves to a file past spillAbove
// bytes, so memory stays under a bound set by histogram geometry and the
// log's threshold alone (the run's totals at most dense, one interval of
// full packed histograms), whatever the run's length, while every request
// is still counted and the results' timeline coarsens to its bound.
func TestRecorderMemoryIsBoundedByGeometry(t *testing.T) {
	t.Parallel()
	const maxIntervals = 20
	kl := newKeyLayout(oneJourney, noRedact)
	short := newRecorder(kl, 2, time.Second, maxIntervals)
	simulate(short, 5*maxIntervals, 50)
	long := newRecorder(kl, 2, time.Second, maxIntervals)
	simulate(long, 20*maxIntervals, 50)

	totals := newDenseHistogram().ByteSize() * (2*kl.numSteps() + kl.numJourneys() + 1 + 2*int(numClasses))
	bound := totals + len(kl.keys)*2*fullPacked().GetMemorySize() + 2*spillAbove + 8*int(unsafe.Sizeof(chunk{}))
	for name, r := range map[string]*recorder{"short": short, "long": long} {
		if got := r.footprint(); got > bound {
			t.Errorf("%s run: footprint %d bytes, above the geometry bound %d", name, got, bound)
		}
	}
	t.Logf("footprint: %d bytes after %d ticks, %d bytes after %d ticks; bound %d bytes", short.footprint(), 5*maxIntervals, long.footprint(), 20*maxIntervals, bound)
	if long.timeline.width != 32*time.Second || short.timeline.width != 8*time.Second {
		t.Errorf("interval widths = %v (long) and %v (short), want 32s and 8s", long.timeline.width, short.timeline.width)
	}
	for name, r := range map[string]*recorder{"short": short, "long": long} {
		res := mustResults(t, r)
		if n := len(res.Timeline); n > maxIntervals {
			t.Errorf("%s run: timeline holds %d intervals, more than its bound %d", name, n, maxIntervals)
		}
		if name == "long" {
			if got, want := res.Requests, int64(20*maxIntervals*50); got != want {
				t.Errorf("long run counted %d requests, want %d", got, want)
			}
		}
	}
}

func TestTimelineCountsEveryRequestOnce(t *testing.T) {
	t.Parallel()
	r := newRecorder(newKeyLayout(oneJourney, noRedact), 3, time.Second, 7)
	simulate(r, 30, 11)
	res := mustResults(t, r)
	var sum int64
	for _, iv := range res.Timeline {
		sum += iv.Requests
		var keySum int64
		for _, ik := range iv.Keys {
			if ik.Key == 0 {
				keySum = ik.Latency().Count()
			}
		}
		if keySum != iv.Requests {
			t.Errorf("interval at %v: histogram holds %d values, counter says %d", iv.Offset, keySum, iv.Requests)
		}
	}
	if sum != res.Requests || sum != 30*11 {
		t.Errorf("timeline sums to %d requests, totals %d, want %d", sum, res.Requests, 30*11)
	}
	for i := 1; i < len(res.Timeline); i++ {
		if res.Timeline[i].Offset-res.Timeline[i-1].Offset != res.Interval {
			t.Errorf("intervals %d and %d are %v apart, want %v", i-1, i, res.Timeline[i].Offset-res.Timeline[i-1].Offset, res.Interval)
		}
	}
}

// TestDrainingChangesNothing: the collector folds the visitors' logs in
// bites between interval ends (drain) so that closing an interval is short;
// the results must be byte for byte those of folding once per interval, and
// a drain must leave no entry behind in any shard.
func TestDrainingChangesNothing(t *testing.T) {
	t.Parallel()
	record := func(drainEvery int) *Results {
		r := newRecorder(newKeyLayout(oneJourney, noRedact), 3, time.Second, 60)
		base := time.Unix(1_000_000, 0)
		for tick := range 5 {
			for i := range 5000 {
				intended := base.Add(time.Duration(tick)*time.Second + time.Duration(i)*time.Microsecond)
				latency := time.Duration(100+(i*7919+tick*104729)%5_000_000) * time.Microsecond
				r.record(i%len(r.shards), sample{journey: 0, step: i % 2, intended: intended, sent: intended, done: intended.Add(latency), open: true})
				if drainEvery > 0 && i%drainEvery == drainEvery-1 {
					r.drain()
					for s := range r.shards {
						if n := r.shards[s].log.n; n != 0 {
							t.Fatalf("shard %d holds %d entries after a drain", s, n)
						}
					}
					if n := len(r.chunks.full); n != 0 {
						t.Fatalf("%d full chunks wait after a drain", n)
					}
				}
			}
			r.collect(time.Duration(tick)*time.Second, IntervalSignals{})
		}
		return mustResults(t, r)
	}
	want := encodedResults(t, record(0))
	for _, every := range []int{1, 7, 1000, 4999} {
		if got := encodedResults(t, record(every)); got != want {
			t.Errorf("draining every %d entries changed the results", every)
		}
	}
}

func encodedResults(t *testing.T, r *Results) string {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func BenchmarkRecord(b *testing.B) {
	r := newRecorder(newKeyLayout(oneJourney, noRedact), 8, time.Second, DefaultMaxIntervals)
	now := time.Now()
	s := sample{journey: 0, step: 1, intended: now, sent: now.Add(20 * time.Microsecond), done: now.Add(3 * time.Millisecond), open: true}
	shard := r.assignShard() // every goroutine on one shard: the lock's worst case
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r.record(shard, s)
		}
	})
}

// BenchmarkFold measures the collector's fold (drain) per log entry, as
// the generator's benchmarks log them: one-step visits, each request
// followed by its visit's entry, a drain of 4,096 requests (50 ms at
// 80,000 a second, bench/max-throughput.yaml on one core here), a new
// interval every 20 drains. Latencies spread as that run's did. "open"
// adds each request's lag behind its arrival.
func BenchmarkFold(b *testing.B) {
	for _, open := range []bool{false, true} {
		name := map[bool]string{false: "closed", true: "open"}[open]
		b.Run(name, func(b *testing.B) {
			entries := foldEntries(4096, open, 1)
			r := newRecorder(newKeyLayout(oneStep, noRedact), 1, time.Second, DefaultMaxIntervals)
			b.ReportAllocs()
			drains := 0
			for b.Loop() {
				if drains%20 == 0 {
					b.StopTimer()
					r.interval = newIntervalBuilder(r.layout)
					b.StartTimer()
				}
				logEntries(r, entries)
				r.drain()
				drains++
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(drains*len(entries)), "ns/entry")
		})
	}
}

var oneStep = []scenario.Journey{{Name: "hit", Weight: 1, Steps: []scenario.Step{{Name: "GET /"}}}}

// foldEntries returns the log entries of requests one-step visits made,
// each request followed by its visit's: service times spread as in a
// closed-model run flat out on one core (median 0.36 ms, p90 1.1 ms),
// one in a hundred anywhere up to 20 ms, latencies a few µs longer; for
// the open model, a lag of some 10 µs, one in two hundred up to 2 ms.
func foldEntries(requests int, open bool, seed uint64) []entry {
	rng := rand.New(rand.NewPCG(seed, 0))
	us := func(mean float64) uint32 { return uint32(rng.ExpFloat64() * mean) }
	out := make([]entry, 0, 2*requests)
	for range requests {
		service := uint32(1 + 360*math.Exp(0.87*rng.NormFloat64()))
		if rng.IntN(100) == 0 {
			service = 1 + rng.Uint32N(20_000)
		}
		e := entry{service: service, latency: service + rng.Uint32N(4), flags: entrySent}
		if open {
			e.flags |= entryOpen
			e.lag = 1 + us(10)
			if rng.IntN(200) == 0 {
				e.lag = 1 + rng.Uint32N(2_000)
			}
			e.latency = e.service + e.lag
		}
		out = append(out, e, entry{latency: e.latency + 2, flags: entryVisit})
	}
	return out
}

// logEntries hands entries to r's collector in full chunks, as visitors
// leave them.
func logEntries(r *recorder, entries []entry) {
	for len(entries) > 0 {
		c := r.chunks.get()
		c.n = copy(c.entries[:], entries)
		entries = entries[c.n:]
		r.chunks.mu.Lock()
		r.chunks.full = append(r.chunks.full, c)
		r.chunks.mu.Unlock()
	}
}

// TestTimelineKeepsWholeRunPrecision records the same requests into the
// run's totals and its timeline: the intervals, merged, hold exactly the
// whole-run histogram, so a windowed rule reads what a whole-run rule
// reads. Values near 300ms fall in two-digit buckets 2ms wide, whose
// lowest value a merge would record.
func TestTimelineKeepsWholeRunPrecision(t *testing.T) {
	t.Parallel()
	r := newRecorder(newKeyLayout(oneJourney, noRedact), 2, time.Second, DefaultMaxIntervals)
	base := time.Unix(1_000_000, 0)
	for tick := range 3 {
		for i := range 100 {
			intended := base.Add(time.Duration(tick) * time.Second)
			latency := 299*time.Millisecond + time.Duration(i*23)*time.Microsecond
			r.record(i%2, sample{journey: 0, step: i % 2, intended: intended, sent: intended, done: intended.Add(latency), open: true})
		}
		r.collect(time.Duration(tick)*time.Second, IntervalSignals{})
	}
	res := mustResults(t, r)
	for k := range res.Keys {
		var merged Distribution
		for _, iv := range res.Timeline {
			if ik, ok := iv.Key(k); ok {
				merged.Merge(ik.Latency())
			}
		}
		whole := res.Keys[k].Latency
		if !merged.Equal(whole) {
			t.Errorf("key %v: the intervals merged (p95 %v) differ from the whole run (p95 %v)", res.Keys[k].Key, merged.Percentile(95), whole.Percentile(95))
		}
	}
}

// mustResults builds r's results, failing the test when its timeline
// cannot be read back.
func mustResults(tb testing.TB, r *recorder) *Results {
	tb.Helper()
	res, err := r.results()
	if err != nil {
		tb.Fatal(err)
	}
	return res
}
