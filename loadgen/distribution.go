package loadgen

import (
	"math"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Distribution is a latency distribution backed by an HDR histogram. The
// zero value is empty. Values are durations; the microsecond unit of the
// histograms stays inside this package.
//
// A distribution is held packed, so one that holds a few values (a step
// of a long journey, a failure class) takes a few hundred bytes, until
// merging others into it gathers more than denseAbove buckets: then it
// turns dense (184 KiB), where adding another costs its own buckets only,
// so summing a window of intervals stays linear. The two forms hold the
// same buckets and answer every query alike.
type Distribution struct {
	p *hdr.PackedHistogram // the values, packed; nil when empty or dense
	h *hdr.Histogram       // the values, dense; nil unless p outgrew denseAbove
}

// denseAbove is the number of populated buckets past which a merged
// distribution turns dense: packed, they take 10 to 24 KiB (a tenth of
// dense), and each merge into a packed histogram rewrites all of them.
const denseAbove = 2048

// packedDistribution returns a distribution holding a copy of p's values.
func packedDistribution(p *hdr.PackedHistogram) Distribution {
	if p == nil || p.TotalCount() == 0 {
		return Distribution{}
	}
	return Distribution{p: p.Clone()}
}

// Count is the number of recorded values.
func (d Distribution) Count() int64 {
	switch {
	case d.h != nil:
		return d.h.TotalCount()
	case d.p != nil:
		return d.p.TotalCount()
	}
	return 0
}

// valueAt is the library's value at percentile p, of either form.
func (d Distribution) valueAt(p float64) int64 {
	if d.h != nil {
		return d.h.ValueAtPercentile(p)
	}
	return d.p.ValueAtPercentile(p)
}

// Rank is the 1-based rank, among the values in ascending order, of
// percentile p (p > 0) as Percentile defines it; 0 when empty.
func (d Distribution) Rank(p float64) int64 {
	if n := d.Count(); n > 0 {
		return referenceRank(p, n)
	}
	return 0
}

// AtRank is the r-th smallest value (1-based), to the histogram's
// precision: the highest value equivalent to it, as Percentile reads
// values. It is 0 for a rank outside 1..Count.
func (d Distribution) AtRank(r int64) time.Duration {
	n := d.Count()
	if r < 1 || r > n {
		return 0
	}
	return fromMicros(d.valueAt(rankPercentile(r, n)))
}

// Percentile returns the value below which p percent of the values fall
// (p from 0 to 100), as the reference HdrHistogram implementations (Java,
// and JavaScript after it) define it: the highest value equivalent to the
// R-th smallest value, R = ceil(p × N / 100) with p one ulp lower, and at
// least 1. The Go library rounds R to the nearest integer instead, which
// reads a rank too low whenever the product's fraction is under one half
// (its p99.9 of 1,999 values is the 1,997th, the reference's the
// 1,998th). TestPercentileMatchesReference pins the definition.
func (d Distribution) Percentile(p float64) time.Duration {
	n := d.Count()
	if n == 0 {
		return 0
	}
	if p <= 0 {
		return fromMicros(d.valueAt(0))
	}
	return fromMicros(d.valueAt(rankPercentile(referenceRank(p, n), n)))
}

// referenceRank is the 1-based rank of percentile p among n values by the
// reference definition.
func referenceRank(p float64, n int64) int64 {
	p = min(100, math.Nextafter(p, math.Inf(-1)))
	r := int64(math.Ceil(p * float64(n) / 100))
	return max(1, min(n, r))
}

// rankPercentile is the percentile the Go library turns back into rank r
// of n: it computes int64(p/100 × n + 0.5), which is r for p = 100 r / n.
func rankPercentile(r, n int64) float64 { return 100 * float64(r) / float64(n) }

// Max is the largest value, to the histogram's precision.
func (d Distribution) Max() time.Duration {
	switch {
	case d.Count() == 0:
		return 0
	case d.h != nil:
		return fromMicros(d.h.Max())
	}
	return fromMicros(d.p.Max())
}

// Mean is the average value.
func (d Distribution) Mean() time.Duration {
	var mean float64
	switch {
	case d.Count() == 0:
		return 0
	case d.h != nil:
		mean = d.h.Mean()
	default:
		mean = d.p.Mean() // the same sum, in the same order, as the dense one
	}
	return time.Duration(mean * float64(time.Microsecond))
}

// Merge adds o's values to d.
func (d *Distribution) Merge(o Distribution) {
	switch {
	case o.Count() == 0:
	case o.h != nil:
		d.dense().Merge(o.h)
	default:
		d.mergePacked(o.p)
	}
}

// mergePacked adds a packed histogram's values to d; the two share their
// geometry, so nothing is lost.
func (d *Distribution) mergePacked(p *hdr.PackedHistogram) {
	switch {
	case p == nil || p.TotalCount() == 0:
	case d.h != nil:
		p.MergeInto(d.h)
	case d.p == nil:
		d.p = p.Clone()
	case int(d.p.Populated())+int(p.Populated()) > denseAbove:
		p.MergeInto(d.dense())
	default:
		d.p.Merge(p)
	}
}

// record adds n values of v microseconds, from the collector.
func (d *Distribution) record(v, n int64) {
	switch {
	case d.h != nil:
		d.h.RecordValues(v, n)
		return
	case d.p == nil:
		d.p = newPackedHistogram()
	case d.p.Populated() >= denseAbove:
		d.dense().RecordValues(v, n)
		return
	}
	d.p.RecordValues(v, n)
}

// dense turns d dense, and returns its histogram.
func (d *Distribution) dense() *hdr.Histogram {
	if d.h == nil {
		d.h = newDenseHistogram()
		if d.p != nil {
			d.p.MergeInto(d.h)
			d.p = nil
		}
	}
	return d.h
}

// settle turns a dense d packed, once nothing more is added to it: a
// run's totals are summed dense (each interval adds its buckets only) and
// kept packed, where they take 4 to 5 bytes a bucket that holds values
// rather than 184 KiB.
func (d *Distribution) settle() {
	if d.h != nil {
		d.p, d.h = d.packed(), nil
	}
}

// packed returns d's values packed: its own histogram, or a packed copy
// of a dense one.
func (d Distribution) packed() *hdr.PackedHistogram {
	if d.h == nil {
		return d.p
	}
	p := newPackedHistogram()
	p.MergeFrom(d.h)
	return p
}

// memory is what d takes.
func (d Distribution) memory() int {
	switch {
	case d.h != nil:
		return d.h.ByteSize()
	case d.p != nil:
		return d.p.GetMemorySize()
	}
	return 0
}

// Equal reports whether two distributions hold the same values.
func (d Distribution) Equal(o Distribution) bool {
	if d.Count() == 0 || o.Count() == 0 {
		return d.Count() == o.Count()
	}
	a, b := d.packed(), o.packed()
	if a.TotalCount() != b.TotalCount() || a.Populated() != b.Populated() {
		return false
	}
	type bucket struct{ v, c int64 }
	want := make([]bucket, 0, a.Populated())
	a.ForEachBucket(func(v, c int64) bool { want = append(want, bucket{v, c}); return true })
	i, equal := 0, true
	b.ForEachBucket(func(v, c int64) bool {
		equal = want[i] == bucket{v, c}
		i++
		return equal
	})
	return equal
}

// DistributionOf returns a distribution holding the given values, for
// tools and tests that build results by hand.
func DistributionOf(values ...time.Duration) Distribution {
	var d Distribution
	for _, v := range values {
		d.record(micros(v), 1)
	}
	return d
}

// CountAbove is the number of values above d, to the histogram's
// precision: a value counts when its whole bucket lies above d.
func (d Distribution) CountAbove(limit time.Duration) int64 {
	if d.Count() == 0 {
		return 0
	}
	us := int64(limit / time.Microsecond)
	var n int64
	d.packed().ForEachBucket(func(v, c int64) bool {
		if v > us {
			n += c
		}
		return true
	})
	return n
}
