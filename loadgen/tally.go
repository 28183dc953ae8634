package loadgen

import (
	"math"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Folding a drain's log entries records two to four values a request
// (latency and service time, or a failure's; the lag; the visit's
// duration), and recording one value into a packed histogram searches
// its populated buckets (PackedHistogram.sparseAdd, lowerBound) and, for
// a bucket not there yet, shifts the ones after it: most of the fold's
// time. The values cluster: a drain's 4,000 to 8,000 requests fall in a
// few hundred to a couple of thousand buckets a histogram. So the fold
// tallies them first, counting how often each bucket of each histogram
// occurs in a table of its own, and when the drain ends (flush) builds a
// packed histogram of each histogram's buckets, in order, and merges it
// into that histogram in one pass (PackedHistogram.Merge). A histogram
// holds a count per bucket and nothing else, and sums them in any order,
// so it ends the same, bit for bit, as if each value had been recorded
// alone (TestTallyFoldsAsEachValueAlone). A run's Distribution may turn
// dense a few values sooner or later than it did, which changes its
// form, not its values.
//
// BenchmarkFold, latencies spread as a closed-model run's flat out on
// one core: 94 ns an entry before, 31 after (open model, with lag: 115
// and 35); such a run's drain went from 2.0% of its CPU to 0.6%.

// tallyBits sizes the tally's table: 8,192 slots, reused from drain to
// drain (168 KiB with flush's buffers). A flush costs a pass over each
// histogram it merges into, however few values it brings, so the table
// holds what a whole drain of a fast run brings: 3,900 keys in
// BenchmarkFold, where 4,096 slots made it flush twice a drain and fold
// twice as slowly. It is flushed early when half of the slots hold a key
// (tallyLimit), so probes stay short and memory bounded however wide
// the values spread.
const (
	tallyBits  = 13
	tallySlots = 1 << tallyBits
	tallyLimit = tallySlots / 2
)

// tally counts keys (tallyKey) in an open-addressed table: a slot is
// empty when its count is 0.
type tally struct {
	keys    [tallySlots]uint64
	counts  [tallySlots]uint32
	used    [tallyLimit]uint16    // the slots that hold a key, in the order they were filled
	n       int                   // len(used)
	adds    uint32                // added since the last flush: no count can pass it
	sorted  [2][tallyLimit]uint64 // flush's: each used slot's key and slot, in key order
	buckets *hdr.PackedHistogram
}

func newTally() *tally { return &tally{buckets: newPackedHistogram()} }

// add counts key once more and reports whether the tally is full: it
// must be flushed before the next add.
func (t *tally) add(key uint64) (full bool) {
	i := key * 0x9e3779b97f4a7c15 >> (64 - tallyBits) // Fibonacci hashing: neighbouring buckets land apart
	for t.counts[i] != 0 && t.keys[i] != key {
		i = (i + 1) & (tallySlots - 1)
	}
	if t.counts[i] == 0 {
		t.keys[i] = key
		t.used[t.n] = uint16(i)
		t.n++
	}
	t.counts[i]++
	t.adds++
	return t.n == tallyLimit || t.adds == math.MaxUint32
}

// flush calls merge once for each histogram the tally counted values of,
// with a packed histogram of them, and empties the tally. The buckets
// are sorted first, so that the histogram of them is built in order and
// merged in one pass (PackedHistogram.Merge), where recording each
// bucket would search for it and shift the buckets after it.
func (t *tally) flush(merge func(hist uint64, values *hdr.PackedHistogram)) {
	words, spare := t.sorted[0][:t.n], t.sorted[1][:t.n]
	var top uint64
	for j, i := range t.used[:t.n] {
		words[j] = t.keys[i]<<tallyBits | uint64(i) // a key takes 50 bits at most
		top = max(top, t.keys[i])
	}
	sorted := radixSort(words, spare, top)
	for len(sorted) > 0 {
		hist := sorted[0] >> (tallyBits + keyBucketBits)
		t.buckets.Reset()
		for len(sorted) > 0 && sorted[0]>>(tallyBits+keyBucketBits) == hist {
			i := sorted[0] & (tallySlots - 1)
			bucket := int(sorted[0] >> tallyBits & (1<<keyBucketBits - 1))
			t.buckets.RecordValues(bucketValue(bucket), int64(t.counts[i]))
			t.counts[i] = 0
			sorted = sorted[1:]
		}
		merge(hist, t.buckets)
	}
	t.n, t.adds = 0, 0
}

// radixSort sorts words by their bits above tallyBits, the highest of
// which top holds, a byte at a time (least significant first), moving
// them between words and spare; it returns whichever holds them sorted.
// The keys of a run's histograms take two to four bytes, so it takes
// two to four linear passes: slices.Sort, a dozen comparisons a key,
// took as long as the rest of the flush.
func radixSort(words, spare []uint64, top uint64) []uint64 {
	for shift := tallyBits; top>>(shift-tallyBits) != 0; shift += 8 {
		var at [256]int
		for _, w := range words {
			at[w>>shift&0xff]++
		}
		sum := 0
		for d, n := range at {
			at[d], sum = sum, sum+n
		}
		for _, w := range words {
			d := w >> shift & 0xff
			spare[at[d]] = w
			at[d]++
		}
		words, spare = spare, words
	}
	return words
}

// histKind is which of the histograms fold records into a tally key
// names; its index (tallyKey) says whose.
type histKind uint8

const (
	kindLatency       histKind = iota // the interval's, of step index
	kindService                       // the interval's, of step index
	kindLag                           // the interval's
	kindVisit                         // the run's visit durations, of journey index
	kindFailedLatency                 // the run's, of failure class index
	kindFailedService                 // the run's, of failure class index
)

// A tally key packs a histogram and one of its buckets: the index above
// the kind above the bucket. A uint32 value's bucket takes 15 bits.
const (
	keyBucketBits = 15
	keyKindBits   = 3
)

func tallyKey(kind histKind, index uint32, v int64) uint64 {
	return uint64(index)<<(keyBucketBits+keyKindBits) | uint64(kind)<<keyBucketBits | uint64(bucketIndex(v))
}

// tallyValue counts one value of µs for the histogram kind of index,
// flushing the tally when it is full.
func (r *recorder) tallyValue(kind histKind, index uint32, v int64) {
	if r.tally.add(tallyKey(kind, index, v)) {
		r.flushTally()
	}
}

// flushTally records what the tally counted into the histograms. The
// collector calls it at the end of each drain, before anything reads
// them.
func (r *recorder) flushTally() { r.tally.flush(r.mergeTallied) }

// mergeTallied adds values, the tally's of one histogram (hist: its
// kind and index), to that histogram.
func (r *recorder) mergeTallied(hist uint64, values *hdr.PackedHistogram) {
	index := hist >> keyKindBits
	switch histKind(hist & (1<<keyKindBits - 1)) {
	case kindLatency:
		r.interval.steps[index].latency.p.Merge(values)
	case kindService:
		r.interval.steps[index].service.p.Merge(values)
	case kindLag:
		r.interval.lag.h.open().Merge(values)
	case kindVisit:
		mergeInto(&r.totals.journeys[index].duration, values)
	case kindFailedLatency:
		mergeInto(&r.totals.failures[index].Latency, values)
	case kindFailedService:
		mergeInto(&r.totals.failures[index].Service, values)
	}
}

// mergeInto adds values to d. An empty d takes a histogram of its own
// first: Distribution.mergePacked would clone values, count width and
// all, which the tally reuses.
func mergeInto(d *Distribution, values *hdr.PackedHistogram) {
	if d.p == nil && d.h == nil {
		d.p = newPackedHistogram()
	}
	d.mergePacked(values)
}
