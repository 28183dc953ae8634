package loadgen

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/liftoff/liftoff/scenario"
)

// twoJourneys has steps and journeys at several indexes, so a tally key
// that mixed them up would show.
var twoJourneys = []scenario.Journey{
	{Name: "browse", Weight: 1, Steps: []scenario.Step{{Name: "GET /"}, {Name: "GET /cart"}}},
	{Name: "buy", Weight: 1, Steps: []scenario.Step{{Name: "GET /item"}, {Name: "POST /cart"}, {Name: "POST /pay"}}},
}

// foldEach folds e as fold did before the tally: each value recorded
// into its histogram by itself. It is what the tally must match.
func foldEach(r *recorder, e entry) {
	if e.flags&entryVisit != 0 {
		j := &r.totals.journeys[e.index]
		j.visits++
		if e.flags&entryVisitFailed != 0 {
			j.failed++
		}
		j.duration.record(int64(e.latency), 1)
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
		f := &r.totals.failures[e.class]
		f.Latency.record(int64(e.latency), 1)
		f.Service.record(int64(e.service), 1)
	} else {
		ik.latency.p.RecordValue(int64(e.latency))
		ik.service.p.RecordValue(int64(e.service))
	}
	if e.flags&entryOpen != 0 {
		ib.lag.record(fromMicros(int64(e.lag)), 1)
	}
}

// tallyCase builds a case's entries for a layout of steps steps and
// journeys journeys.
type tallyCase struct {
	name    string
	entries func(rng *rand.Rand, steps, journeys int) []entry
	wide    bool // spreads more keys over one drain than the tally holds: it must flush early
}

// requestEntry is a sent request of step k, succeeded unless class says
// otherwise.
func requestEntry(k int, latency, service uint32, class ErrorClass) entry {
	return entry{index: uint32(k), latency: latency, service: service, class: class, flags: entrySent}
}

var tallyCases = []tallyCase{
	{name: "clustered", entries: func(rng *rand.Rand, steps, _ int) []entry {
		var out []entry
		for range 5000 {
			service := 100 + uint32(rng.ExpFloat64()*40)
			out = append(out, requestEntry(rng.IntN(steps), service+rng.Uint32N(5), service, ClassNone))
		}
		return out
	}},
	{name: "widely spread", wide: true, entries: func(rng *rand.Rand, steps, _ int) []entry {
		var out []entry
		for range 20000 {
			out = append(out, requestEntry(rng.IntN(steps), 1+rng.Uint32N(uint32(histHighest)), rng.Uint32(), ClassNone))
		}
		return out
	}},
	{name: "one hot value", entries: func(_ *rand.Rand, _, _ int) []entry {
		// Counts past 255 and 65,535 widen a packed histogram's counts.
		return slices.Repeat([]entry{requestEntry(3, 250, 180, ClassNone)}, 70_000)
	}},
	{name: "extremes", entries: func(_ *rand.Rand, steps, _ int) []entry {
		var out []entry
		for k := range steps {
			for _, v := range []uint32{0, 1, 2047, 2048, 2049, uint32(histHighest), uint32(histHighest) + 1, math.MaxUint32} {
				out = append(out, requestEntry(k, v, v, ClassNone), requestEntry(k, v, math.MaxUint32-v, ClassNone))
			}
		}
		return out
	}},
	{name: "failed, cut off and unsent", entries: func(rng *rand.Rand, steps, _ int) []entry {
		var out []entry
		for i := range 3000 {
			class := ErrorClass(i % int(numClasses))
			e := requestEntry(rng.IntN(steps), 1+rng.Uint32N(3000), 1+rng.Uint32N(3000), class)
			if class == ClassTemplate {
				e = entry{index: e.index, class: class} // never sent: no timings
			}
			out = append(out, e)
		}
		return out
	}},
	{name: "visits", entries: func(rng *rand.Rand, _, journeys int) []entry {
		var out []entry
		for i := range 3000 {
			e := entry{index: uint32(rng.IntN(journeys)), latency: 500 + uint32(rng.ExpFloat64()*300), flags: entryVisit}
			if i%7 == 0 {
				e.flags |= entryVisitFailed
			}
			if i%500 == 0 {
				e.latency = []uint32{0, math.MaxUint32}[i/500%2]
			}
			out = append(out, e)
		}
		return out
	}},
	{name: "open with lag", entries: func(rng *rand.Rand, steps, journeys int) []entry {
		var out []entry
		for i := range 5000 {
			e := requestEntry(rng.IntN(steps), 0, 80+uint32(rng.ExpFloat64()*60), ClassNone)
			e.flags |= entryOpen
			e.lag = uint32(rng.ExpFloat64() * 10)
			switch i % 1000 {
			case 1:
				e.lag = math.MaxUint32
			case 2:
				e.lag = uint32(histHighest) + 1
			case 3:
				e.class = ClassTimeout // failed, and still lagged
			}
			e.latency = e.service + e.lag
			out = append(out, e, entry{index: uint32(rng.IntN(journeys)), latency: e.latency + 3, flags: entryVisit})
		}
		return out
	}},
	{name: "benchmark mix", entries: func(_ *rand.Rand, _, _ int) []entry {
		return append(foldEntries(3000, false, 2), foldEntries(3000, true, 3)...)
	}},
}

// TestTallyFoldsAsEachValueAlone folds each case's entries through the
// recorder, whose tally counts each bucket's values and merges them into
// the histograms when a drain ends or the tally fills, and one value at
// a time (foldEach): the histograms must be the same, every bucket's
// count, percentile, minimum and maximum, count width, and so must the
// results built from them. Entries are drained in bites of several
// sizes, the tally reused from drain to drain.
func TestTallyFoldsAsEachValueAlone(t *testing.T) {
	t.Parallel()
	kl := newKeyLayout(twoJourneys, noRedact)
	for _, tc := range tallyCases {
		for _, bite := range []int{1, 511, 4096, math.MaxInt} {
			rng := rand.New(rand.NewPCG(uint64(bite), 7))
			entries := tc.entries(rng, kl.numSteps(), kl.numJourneys())
			if tc.wide && distinctKeys(entries) <= 2*tallyLimit {
				t.Fatalf("%s: %d keys, too few to fill the tally twice", tc.name, distinctKeys(entries))
			}
			got := newRecorder(kl, 1, time.Second, DefaultMaxIntervals)
			want := newRecorder(kl, 1, time.Second, DefaultMaxIntervals)
			for rest := entries; len(rest) > 0; {
				n := min(bite, len(rest))
				logEntries(got, rest[:n])
				got.drain()
				rest = rest[n:]
			}
			for _, e := range entries {
				foldEach(want, e)
			}
			name := tc.name
			if bite < len(entries) {
				name += ", drained every " + strconv.Itoa(bite)
			}
			compareFolded(t, name, got, want)
			got.collect(0, IntervalSignals{})
			want.collect(0, IntervalSignals{})
			if g, w := encodedResults(t, mustResults(t, got)), encodedResults(t, mustResults(t, want)); g != w {
				t.Errorf("%s: the results differ from recording each value alone", name)
			}
		}
	}
}

// distinctKeys is how many histogram buckets entries touch, as the
// tally keys them.
func distinctKeys(entries []entry) int {
	keys := map[uint64]bool{}
	for _, e := range entries {
		keys[tallyKey(kindLatency, e.index, int64(e.latency))] = true
		keys[tallyKey(kindService, e.index, int64(e.service))] = true
	}
	return len(keys)
}

// compareFolded checks that got's interval and totals hold what want's
// do.
func compareFolded(t *testing.T, name string, got, want *recorder) {
	t.Helper()
	gi, wi := got.interval, want.interval
	if !slices.Equal(gi.touched, wi.touched) {
		t.Errorf("%s: steps touched %v, want %v", name, gi.touched, wi.touched)
	}
	if gi.classes != wi.classes {
		t.Errorf("%s: classes %v, want %v", name, gi.classes, wi.classes)
	}
	for k := range wi.steps {
		g, w := &gi.steps[k], &wi.steps[k]
		if g.counts() != w.counts() || g.Key != w.Key {
			t.Errorf("%s: step %d counts %+v, want %+v", name, k, g.counts(), w.counts())
		}
		comparePacked(t, name+": step "+strconv.Itoa(k)+" latency", g.latency.p, w.latency.p)
		comparePacked(t, name+": step "+strconv.Itoa(k)+" service", g.service.p, w.service.p)
	}
	comparePacked(t, name+": lag", gi.lag.h.read(), wi.lag.h.read())
	for j := range want.totals.journeys {
		g, w := &got.totals.journeys[j], &want.totals.journeys[j]
		if g.visits != w.visits || g.failed != w.failed {
			t.Errorf("%s: journey %d visits %d (%d failed), want %d (%d)", name, j, g.visits, g.failed, w.visits, w.failed)
		}
		comparePacked(t, name+": journey "+strconv.Itoa(j)+" durations", g.duration.packed(), w.duration.packed())
	}
	for c := range want.totals.failures {
		g, w := &got.totals.failures[c], &want.totals.failures[c]
		comparePacked(t, name+": "+ErrorClass(c).String()+" latency", g.Latency.packed(), w.Latency.packed())
		comparePacked(t, name+": "+ErrorClass(c).String()+" service", g.Service.packed(), w.Service.packed())
	}
}

var checkedPercentiles = []float64{0, 0.1, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100}

// comparePacked checks that two histograms hold the same values: every
// bucket's count, the total, the minimum and maximum, the percentiles.
func comparePacked(t *testing.T, name string, got, want *hdr.PackedHistogram) {
	t.Helper()
	if got == nil || want == nil {
		if (got == nil || got.TotalCount() == 0) != (want == nil || want.TotalCount() == 0) {
			t.Errorf("%s: one histogram is empty and the other is not", name)
		}
		return
	}
	if got.TotalCount() != want.TotalCount() || got.Populated() != want.Populated() {
		t.Errorf("%s: %d values in %d buckets, want %d in %d", name, got.TotalCount(), got.Populated(), want.TotalCount(), want.Populated())
		return
	}
	if got.Min() != want.Min() || got.Max() != want.Max() || got.CountWidth() != want.CountWidth() {
		t.Errorf("%s: min %d, max %d, count width %d; want %d, %d, %d", name, got.Min(), got.Max(), got.CountWidth(), want.Min(), want.Max(), want.CountWidth())
	}
	if g, w := got.ValueAtPercentilesSlice(checkedPercentiles), want.ValueAtPercentilesSlice(checkedPercentiles); !slices.Equal(g, w) {
		t.Errorf("%s: percentiles %v, want %v", name, g, w)
	}
	if g, w := packedBuckets(got), packedBuckets(want); !slices.Equal(g, w) {
		t.Errorf("%s: buckets differ", name)
	}
}

func packedBuckets(p *hdr.PackedHistogram) [][2]int64 {
	var out [][2]int64
	p.ForEachBucket(func(v, c int64) bool { out = append(out, [2]int64{v, c}); return true })
	return out
}

// TestTallyFlushesBeforeACountOverflows: a tally counts in 32 bits, so
// it is full once it has counted as many values as a count can hold.
func TestTallyFlushesBeforeACountOverflows(t *testing.T) {
	t.Parallel()
	tl := newTally()
	tl.add(1)
	tl.adds = math.MaxUint32 - 2
	if tl.add(1) {
		t.Fatal("full before any count could overflow")
	}
	if !tl.add(1) {
		t.Fatal("not full with a count of 2^32-1 reached")
	}
	var got int64
	tl.flush(func(_ uint64, values *hdr.PackedHistogram) { got += values.TotalCount() })
	if got != 3 || tl.n != 0 || tl.adds != 0 || tl.counts != [tallySlots]uint32{} {
		t.Errorf("flushed %d values, left %d keys, %d adds", got, tl.n, tl.adds)
	}
}

// TestDrainAllocatesNothing: once the interval's histograms hold the
// buckets a drain's values fall in, draining allocates nothing, the
// tally included.
func TestDrainAllocatesNothing(t *testing.T) { // not parallel: AllocsPerRun needs the process to itself
	if raceDetector {
		t.Skip("the race detector's allocations")
	}
	r := newRecorder(newKeyLayout(oneStep, noRedact), 1, time.Second, DefaultMaxIntervals)
	entries := append(foldEntries(4000, false, 4), foldEntries(4000, true, 5)...)
	for range 2 {
		logEntries(r, entries)
		r.drain()
	}
	if allocs := testing.AllocsPerRun(20, func() {
		logEntries(r, entries)
		r.drain()
	}); allocs != 0 {
		t.Errorf("a drain allocates %v times", allocs)
	}
}

// TestRadixSortOrdersByKey: flush builds each histogram's buckets in
// order from radixSort's words, which must come out ordered by their
// key, whatever its width, the slot below it left as it was.
func TestRadixSortOrdersByKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		keys func(rng *rand.Rand) uint64
	}{
		{"one key", func(*rand.Rand) uint64 { return 0 }},
		{"buckets of one histogram", func(rng *rand.Rand) uint64 { return tallyKey(kindLatency, 0, rng.Int64N(histHighest)) }},
		{"a few histograms", func(rng *rand.Rand) uint64 {
			return tallyKey(histKind(rng.IntN(6)), rng.Uint32N(40), rng.Int64N(5000))
		}},
		{"the widest keys", func(rng *rand.Rand) uint64 {
			return tallyKey(histKind(rng.IntN(6)), math.MaxUint32-rng.Uint32N(3), int64(rng.Uint32()))
		}},
	} {
		rng := rand.New(rand.NewPCG(1, 2))
		var words []uint64
		var top uint64
		for i := range tallyLimit {
			key := tc.keys(rng)
			top = max(top, key)
			words = append(words, key<<tallyBits|uint64(i))
		}
		want := slices.Clone(words)
		slices.SortStableFunc(want, func(a, b uint64) int { return cmp.Compare(a>>tallyBits, b>>tallyBits) })
		if got := radixSort(words, make([]uint64, len(words)), top); !slices.Equal(got, want) {
			t.Errorf("%s: not in key order, or a slot moved away from its key", tc.name)
		}
	}
}
