package loadgen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strconv"
	"testing"
	"time"
	"unsafe"

	"github.com/liftoff/liftoff/scenario"
)

// The recorder's memory, measured on the live heap with synthetic
// recording: a fake clock, realistic latencies, no network. The numbers
// are for the report, and bench/memory.sh checks the model against a real
// run's RSS.

// journeyOf returns one journey of n steps.
func journeyOf(n int) []scenario.Journey {
	j := scenario.Journey{Name: "har", Weight: 1}
	for i := range n {
		j.Steps = append(j.Steps, scenario.Step{Name: "GET /page/" + strconv.Itoa(i)})
	}
	return []scenario.Journey{j}
}

// feed records what rate requests per second of a journey of steps steps
// would record for seconds seconds, closing one interval a second, and
// calls each every sampleEvery seconds. Latencies are log-normal around a
// median that differs per step (8 to 80 ms, σ 0.6): the spread a real
// target's answers have, which is what sparse histograms pay for. Each
// visit's steps record in turn, into the visit's shard.
func feed(r *recorder, steps, rate, seconds, sampleEvery int, each func(second int)) {
	rng := rand.New(rand.NewPCG(uint64(steps), uint64(rate)))
	base := time.Unix(1_000_000, 0)
	step, shard := 0, r.assignShard()
	visitStart := base
	for sec := range seconds {
		for i := range rate {
			intended := base.Add(time.Duration(sec)*time.Second + time.Duration(i)*time.Second/time.Duration(rate))
			median := float64(8+72*(step%10)/9) * float64(time.Millisecond)
			service := time.Duration(median * math.Exp(0.6*rng.NormFloat64()))
			lag := time.Duration(rng.ExpFloat64() * float64(200*time.Microsecond))
			sent := intended.Add(lag)
			r.record(shard, sample{journey: 0, step: step, intended: intended, sent: sent, done: sent.Add(service), open: true})
			if step++; step == steps {
				r.recordVisit(shard, 0, sent.Add(service).Sub(visitStart), false)
				step, shard, visitStart = 0, r.assignShard(), intended
			}
		}
		r.collect(time.Duration(sec)*time.Second, IntervalSignals{})
		if each != nil && sampleEvery > 0 && (sec+1)%sampleEvery == 0 {
			each(sec + 1)
		}
	}
}

// liveHeap is the heap's live bytes after two full collections: the
// second drops what sync.Pools (zlib writers) cached, which a run's
// process gives back alike.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// heapAbove is the live heap above before.
func heapAbove(before uint64) uint64 {
	h := liveHeap()
	return h - min(h, before)
}

// BenchmarkRecorderHeap records the live heap a run's recorder holds: for
// journeys of 1, 100 and 2,000 steps at 100 requests a second for a
// minute, and for a 10-step journey at 1,000 requests a second for 1 and
// 10 minutes, sampled every 10 seconds while recording (run-peak, and
// that per key) and once more with the results built (with-results: the
// whole timeline decoded, as the reports need it), above the heap before
// the recorder existed.
//
//	go test -run '^$' -bench RecorderHeap -benchtime 1x ./loadgen
func BenchmarkRecorderHeap(b *testing.B) {
	for _, tc := range []struct {
		steps, rate, seconds int
	}{
		{1, 100, 60}, {100, 100, 60}, {2000, 100, 60}, {2000, 2000, 60},
		{10, 1000, 60}, {10, 1000, 600},
	} {
		b.Run(fmt.Sprintf("steps=%d/rate=%d/seconds=%d", tc.steps, tc.rate, tc.seconds), func(b *testing.B) {
			for b.Loop() {
				before := liveHeap()
				var peak uint64
				r := newRecorder(newKeyLayout(journeyOf(tc.steps), noRedact), max(2, runtime.GOMAXPROCS(0)), time.Second, DefaultMaxIntervals)
				feed(r, tc.steps, tc.rate, tc.seconds, 10, func(int) { peak = max(peak, heapAbove(before)) })
				res := mustResults(b, r)
				withResults := heapAbove(before)
				runtime.KeepAlive(res)
				b.ReportMetric(float64(peak)/(1<<20), "run-peak-MiB")
				b.ReportMetric(float64(withResults)/(1<<20), "with-results-MiB")
				b.ReportMetric(float64(peak)/float64(tc.steps+2), "run-B/key")
			}
		})
	}
}

// BenchmarkTimelineHeap logs the live heap of a 10-step journey's
// recorder at 1,000 requests a second, minute by minute for an hour: the
// timeline's memory over a long run.
//
//	go test -run '^$' -bench TimelineHeap -benchtime 1x -v ./loadgen
func BenchmarkTimelineHeap(b *testing.B) {
	for b.Loop() {
		before := liveHeap()
		r := newRecorder(newKeyLayout(journeyOf(10), noRedact), max(2, runtime.GOMAXPROCS(0)), time.Second, DefaultMaxIntervals)
		var first, last uint64
		feed(r, 10, 1000, 3600, 60, func(sec int) {
			h := heapAbove(before)
			if sec == 60 {
				first = h
			}
			last = h
			b.Logf("minute %2d: live heap %6.2f MiB", sec/60, float64(h)/(1<<20))
		})
		runtime.KeepAlive(r)
		b.ReportMetric(float64(first)/(1<<20), "1min-MiB")
		b.ReportMetric(float64(last)/(1<<20), "60min-MiB")
	}
}

// TestJourneyMemoryPerKey records one visitor walking journeys of 100 and
// 2,000 steps (a HAR import's size) into recorders of 2 and 64 shards,
// and counts what the keys hold: the run's totals and the interval being
// built. A key a visitor reached a few times costs about a kilobyte,
// whatever the shard count; dense histograms per key and shard once cost
// 1.7 MB a step.
func TestJourneyMemoryPerKey(t *testing.T) {
	t.Parallel()
	const perKeyBound = 1536 // bytes
	for _, steps := range []int{100, 2000} {
		var perShards []int
		for _, shards := range []int{2, 64} {
			r := newRecorder(newKeyLayout(journeyOf(steps), noRedact), shards, time.Second, DefaultMaxIntervals)
			feed(r, steps, 100, 3*steps/100, 0, nil) // each step three times
			keys, timeline, logs := r.footprintParts()
			n := len(r.layout.keys)
			t.Logf("%d steps, %d shards: keys %d bytes (%d a key), timeline %d, shards' logs %d", steps, shards, keys, keys/n, timeline, logs)
			if keys > perKeyBound*n {
				t.Errorf("%d steps, %d shards: the keys hold %d bytes, %d a key, more than %d", steps, shards, keys, keys/n, perKeyBound)
			}
			if logs > (shards+4)*int(unsafe.Sizeof(chunk{})) {
				t.Errorf("%d steps, %d shards: the shards' logs hold %d bytes, more than a chunk a shard and a few", steps, shards, logs)
			}
			if res := mustResults(t, r); res.Requests != int64(3*steps) || res.Journeys[0].Visits != 3 {
				t.Errorf("%d steps: %d requests and %d visits recorded, want %d and 3", steps, res.Requests, res.Journeys[0].Visits, 3*steps)
			}
			perShards = append(perShards, keys)
		}
		if perShards[0] != perShards[1] {
			t.Errorf("%d steps: the keys hold %d bytes with 2 shards, %d with 64", steps, perShards[0], perShards[1])
		}
	}
}

// TestTimelineMemoryIsFlat records a 10-step journey at 100 requests a
// second into a timeline of at most 60 intervals whose log keeps 16 KiB
// in memory, for four times as many ticks, and counts what the timeline
// holds in memory at each tick: once the log moved to a file, it grows
// only by the newest interval's extra ticks as the width doubles (twice
// here; once in an hour of 1 s ticks, at 30 minutes), whatever the run's
// length, and the results still hold every request in at most 60
// intervals. bench/memory.sh measures a real run's RSS.
func TestTimelineMemoryIsFlat(t *testing.T) {
	t.Parallel()
	const maxIntervals, ticks = 60, 240
	r := newRecorder(newKeyLayout(journeyOf(10), noRedact), 4, time.Second, maxIntervals)
	r.timeline.log.spool.Limit = 16 << 10
	var first, most int
	feed(r, 10, 100, ticks, 1, func(sec int) {
		_, timeline, _ := r.footprintParts()
		if sec == maxIntervals {
			first = timeline
			if held := r.timeline.log.spool.Held(); held > 0 {
				t.Fatalf("the timeline's log is still in memory after %d ticks (%d bytes)", sec, held)
			}
		}
		most = max(most, timeline)
	})
	t.Logf("timeline: %d bytes after %d ticks, at most %d to %d", first, maxIntervals, most, ticks)
	// What stays in memory is the newest interval, which holds up to four
	// ticks once the width doubled twice, and where the closed intervals
	// fall, maxIntervals of 8 bytes from the start: a bound whatever the
	// run's length.
	if bound := 4 * first; most > bound {
		t.Errorf("the timeline grew from %d bytes after %d ticks to %d, more than %d", first, maxIntervals, most, bound)
	}
	res := mustResults(t, r)
	if len(res.Timeline) > maxIntervals || res.Interval != 4*time.Second {
		t.Errorf("%d intervals of %v, want at most %d of 4s", len(res.Timeline), res.Interval, maxIntervals)
	}
	var sum int64
	for _, iv := range res.Timeline {
		sum += iv.Requests
	}
	if sum != 100*ticks || res.Requests != 100*ticks {
		t.Errorf("the timeline holds %d requests and the totals %d, want %d", sum, res.Requests, 100*ticks)
	}
}

// TestRunMemoryDoesNotGrowWithNewValues records a 10-step journey whose
// answers keep taking times never seen before (a target drifting slower),
// tick after tick, and counts what the recorder holds for the whole run
// after 30 ticks and after 300: the same. The run's histograms are summed
// from the timeline when the run ends; kept whole as well, each step's
// grew with every new value until it turned dense (184 KiB), and a long
// run's memory grew with it for an hour (4.5 MB for 10 steps). The sums
// must still hold every request, as the timeline does.
func TestRunMemoryDoesNotGrowWithNewValues(t *testing.T) {
	t.Parallel()
	const steps, perStep, ticks = 10, 20, 300
	r := newRecorder(newKeyLayout(journeyOf(steps), noRedact), 2, time.Second, DefaultMaxIntervals)
	base := time.Unix(1_000_000, 0)
	var early int
	for tick := range ticks {
		for i := range perStep {
			for s := range steps {
				intended := base.Add(time.Duration(tick) * time.Second)
				// A value no earlier tick recorded: buckets fill one by one.
				took := time.Duration(1000+tick*perStep*steps+i*steps+s) * time.Microsecond
				r.record(0, sample{journey: 0, step: s, intended: intended, sent: intended, done: intended.Add(took), open: true})
			}
			r.recordVisit(0, 0, time.Second, false)
		}
		r.collect(time.Duration(tick)*time.Second, IntervalSignals{})
		keys, _, _ := r.footprintParts()
		if tick+1 == 30 {
			early = keys
		}
		if tick+1 == ticks && keys > early+early/20 {
			t.Errorf("the run's keys hold %d bytes after %d ticks, %d after 30: they grew with the values' spread", keys, ticks, early)
		}
	}
	res := mustResults(t, r)
	for k, kr := range res.Keys {
		var want Distribution
		for _, iv := range res.Timeline {
			if ik, ok := iv.Key(k); ok {
				ik.MergeLatencyInto(&want)
			}
		}
		if kr.Latency.Count() != kr.Requests || !kr.Latency.Equal(want) {
			t.Errorf("key %v: %d latencies of %d requests, or not the timeline's sum", kr.Key, kr.Latency.Count(), kr.Requests)
		}
	}
	if res.Lag.Count() != ticks*perStep*steps {
		t.Errorf("the run's lag holds %d values, want %d", res.Lag.Count(), ticks*perStep*steps)
	}
}

// TestTimelineIsHeldAsItsFileHoldsIt builds a 10-step journey's results
// (two minutes at 1,000 requests a second), and reads them back from their
// file, and weighs the heap each holds against the file's size: about
// under twice that. A timeline's histograms are kept sealed, as the file
// encodes them, and decoded one at a time when read, and the run's totals
// are kept packed; decoded whole, with dense totals, they took four to
// six times the file's size, which for a long run was the end of the
// run's memory peak (156 MB at the end of a 10-minute run that ran in 30).
func TestTimelineIsHeldAsItsFileHoldsIt(t *testing.T) {
	r := newRecorder(newKeyLayout(journeyOf(10), noRedact), 2, time.Second, DefaultMaxIntervals)
	feed(r, 10, 1000, 120, 0, nil)
	res := mustResults(t, r)
	r = nil
	var file bytes.Buffer
	if err := res.Encode(&file); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		results func() *Results
	}{
		{"built at the run's end", func() *Results { return res }},
		{"read from its file", func() *Results {
			got, err := Decode(bytes.NewReader(file.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			return got
		}},
	} {
		got := tc.results()
		res = nil
		held := liveHeap()
		runtime.KeepAlive(got)
		got = nil
		held -= min(held, liveHeap())
		t.Logf("%s: %d KiB held for a file of %d KiB", tc.name, held>>10, file.Len()>>10)
		if held > 2*uint64(file.Len()) {
			t.Errorf("%s: the results hold %d KiB, more than twice their file's %d KiB", tc.name, held>>10, file.Len()>>10)
		}
	}
}

// TestResultsKeepTheirHistogramsOutOfTheHeap builds the results of a
// 10-minute run of a one-step journey at 2,000 requests a second, and
// reads them back from their file: the timeline's sealed histograms, nine
// tenths of such a file, are kept in a store's temporary file, so the
// heap the timeline holds is what its intervals count, well under the
// histograms' text. Held in the heap, the text made a run's end and a
// report take memory in proportion to the run's length (6.4 MiB here,
// against 1.1 MiB). What was stored reads back whole: the results write
// the same file again.
func TestResultsKeepTheirHistogramsOutOfTheHeap(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	r := newRecorder(newKeyLayout(journeyOf(1), noRedact), 2, time.Second, DefaultMaxIntervals)
	feed(r, 1, 2000, 600, 0, nil)
	built := mustResults(t, r)
	r = nil
	file, err := json.Marshal(built)
	if err != nil {
		t.Fatal(err)
	}
	var text int
	for _, iv := range built.Timeline {
		for _, ik := range iv.Keys {
			text += len(ik.latency.encoded()) + len(ik.service.encoded())
		}
		text += len(iv.Signals.Lag.h.encoded())
	}
	for _, how := range []string{"built", "read"} {
		res := built
		if how == "read" {
			res = nil
			if res, err = DecodeResults(json.NewDecoder(bytes.NewReader(file))); err != nil {
				t.Fatal(err)
			}
		}
		built = nil
		with := liveHeap()
		again, err := json.Marshal(res)
		if err != nil || !bytes.Equal(again, file) {
			t.Fatalf("%s: the results do not write the same file again (%v)", how, err)
		}
		res.Timeline = nil
		held := int(with) - int(liveHeap())
		t.Logf("%s: the timeline of %d bytes of results file holds %d KiB of heap; their histograms' text is %d KiB", how, len(file), held>>10, text>>10)
		if held > text/4 {
			t.Errorf("%s: the timeline holds %d KiB of heap, more than a quarter of their histograms' %d KiB of text", how, held>>10, text>>10)
		}
	}
}
