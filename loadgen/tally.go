package loadgen

import "math"

// Folding a drain's log entries records two to four values a request
// (latency and service time, or a failure's; the lag; the visit's
// duration), and recording one value into a packed histogram costs a
// binary search over its populated buckets (PackedHistogram.sparseAdd,
// lowerBound), most of the fold's time. The values cluster: the 8,000
// requests a 50 ms drain folds at 165,000 a second fall in a few hundred
// buckets a histogram. So the fold tallies them first, counting how
// often each bucket of each histogram occurs in a table of its own, and
// records each bucket once with its count when the drain ends
// (RecordValues). A histogram holds a count per bucket and nothing else,
// and sums them in any order, so it ends the same, bit for bit, as if
// each value had been recorded alone (TestTallyFoldsAsEachValueAlone).
// A run's Distribution may turn dense a few values sooner or later than
// it did, which changes its form, not its values.

// tallyBits sizes the tally's table: 4,096 slots (48 KiB), reused from
// drain to drain. It is flushed early when half of them hold a key
// (tallyLimit), so probes stay short and values spread wide cost at
// most one record each, as before, but never more memory.
const (
	tallyBits  = 12
	tallySlots = 1 << tallyBits
	tallyLimit = tallySlots / 2
)

// tally counts keys (tallyKey) in an open-addressed table: a slot is
// empty when its count is 0.
type tally struct {
	keys   [tallySlots]uint64
	counts [tallySlots]uint32
	used   [tallyLimit]uint16 // the slots that hold a key, in the order they were filled
	n      int                // len(used)
	adds   uint32             // added since the last flush: no count can pass it
}

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

// flush calls record for each key with its count, in the order the keys
// first came, and empties the tally.
func (t *tally) flush(record func(key uint64, n int64)) {
	for _, i := range t.used[:t.n] {
		record(t.keys[i], int64(t.counts[i]))
		t.counts[i] = 0
	}
	t.n, t.adds = 0, 0
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
func (r *recorder) flushTally() { r.tally.flush(r.recordTallied) }

// recordTallied records n values of key's bucket into key's histogram,
// as fold did each value: a bucket's lowest value stands for any of its
// values.
func (r *recorder) recordTallied(key uint64, n int64) {
	v := bucketValue(int(key & (1<<keyBucketBits - 1)))
	index := key >> (keyBucketBits + keyKindBits)
	switch histKind(key >> keyBucketBits & (1<<keyKindBits - 1)) {
	case kindLatency:
		r.interval.steps[index].latency.p.RecordValues(v, n)
	case kindService:
		r.interval.steps[index].service.p.RecordValues(v, n)
	case kindLag:
		r.interval.lag.record(fromMicros(v), n) // clamped to the histogram's range, as each value was
	case kindVisit:
		r.totals.journeys[index].duration.record(v, n)
	case kindFailedLatency:
		r.totals.failures[index].Latency.record(v, n)
	case kindFailedService:
		r.totals.failures[index].Service.record(v, n)
	}
}
