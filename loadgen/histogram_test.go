package loadgen

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

func TestEncodeHistogramIsStandardV2(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		values []int64
	}{
		{"empty", nil},
		{"one value", []int64{1234}},
		{"spread", func() []int64 {
			r := rand.New(rand.NewPCG(1, 2))
			var v []int64
			for range 20000 {
				v = append(v, int64(r.ExpFloat64()*5000)+1)
			}
			return v
		}()},
		{"extremes", []int64{1, histHighest, histHighest, 2}},
		{"large counts", func() []int64 {
			v := make([]int64, 0, 300000)
			for range 300000 {
				v = append(v, 777)
			}
			return v
		}()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newDenseHistogram()
			p := newPackedHistogram()
			for _, v := range tc.values {
				if err := h.RecordValue(v); err != nil {
					t.Fatal(err)
				}
				p.RecordValue(v)
			}
			decoded, err := hdr.Decode([]byte(encodePacked(p)))
			if err != nil {
				t.Fatalf("the library cannot decode our encoding: %v", err)
			}
			if !decoded.Equals(h) {
				t.Fatalf("decoded histogram differs: count %d max %d, want count %d max %d",
					decoded.TotalCount(), decoded.Max(), h.TotalCount(), h.Max())
			}
			// The library's own encoder writes the same histogram in the same
			// format: ours decodes it to the same values.
			lib, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
			if err != nil {
				t.Fatal(err)
			}
			fromLib, err := newBudget().decodePacked(string(lib))
			if err != nil {
				t.Fatalf("cannot decode the library's encoding: %v", err)
			}
			if d := (Distribution{p: fromLib}); !d.Equal(Distribution{h: h}) && h.TotalCount() > 0 {
				t.Fatalf("library encoding decodes differently: count %d, want %d", fromLib.TotalCount(), h.TotalCount())
			}
		})
	}
}

// TestBucketIndexMatchesLibrary checks bucketIndex and bucketValue, which
// the encoder and decoder use to walk packed buckets, against the
// library's own layout: bucket i's lowest value lands in the library's
// counts at i, the value just below the next bucket is equivalent to it,
// and the next bucket's is not.
func TestBucketIndexMatchesLibrary(t *testing.T) {
	t.Parallel()
	h := newDenseHistogram()
	for i := range countsLen {
		v := bucketValue(i)
		if got := bucketIndex(v); got != i {
			t.Fatalf("bucketIndex(bucketValue(%d) = %d) = %d", i, v, got)
		}
		if err := h.RecordValues(v, int64(i)+1); err != nil {
			t.Fatalf("bucket %d: %v", i, err)
		}
		if i+1 < countsLen {
			next := bucketValue(i + 1)
			if bucketIndex(next-1) != i || !h.ValuesAreEquivalent(v, next-1) || h.ValuesAreEquivalent(v, next) {
				t.Fatalf("bucket %d: values %d to %d disagree with the library", i, v, next-1)
			}
		}
	}
	counts := h.Export().Counts
	if len(counts) < countsLen {
		t.Fatalf("the library has %d buckets, countsLen %d", len(counts), countsLen)
	}
	for i, c := range counts {
		if want := int64(i) + 1; c != want && (i < countsLen || c != 0) {
			t.Fatalf("the library holds bucket %d's value in bucket with count %d", i, c)
		}
	}
	if bucketIndex(histHighest) != countsLen-1 {
		t.Errorf("the highest value is in bucket %d, want the last, %d", bucketIndex(histHighest), countsLen-1)
	}
}

func TestMicrosClamps(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   time.Duration
		want int64
	}{
		{-time.Second, 1},
		{0, 1},
		{1500 * time.Nanosecond, 1},
		{250 * time.Millisecond, 250000},
		{2 * time.Hour, histHighest},
	}
	for _, tc := range tests {
		if got := micros(tc.in); got != tc.want {
			t.Errorf("micros(%v) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestZigZagMatchesV2(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   int64
		want []byte
	}{
		{0, []byte{0}},
		{1, []byte{2}},
		{-1, []byte{1}},
		{63, []byte{126}},
		{64, []byte{0x80, 0x01}},
		{-3, []byte{5}},
		{1 << 62, []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80}},
	}
	for _, tc := range tests {
		got := appendZigZag(nil, tc.in)
		if string(got) != string(tc.want) {
			t.Errorf("appendZigZag(%d) = %x, want %x", tc.in, got, tc.want)
		}
	}
}

// TestPercentileMatchesReference pins the percentile definition to the
// reference HdrHistogram implementations (Java's getValueAtPercentile,
// which HdrHistogramJS follows): the value at percentile p is the highest
// value equivalent to the R-th smallest recorded value, where R is
// ceil(p × N / 100) with p taken one ulp lower, and at least 1. The Go
// library rounds R to the nearest integer instead, which reads one value
// lower whenever p × N / 100 has a fraction under one half: a p99.9 of
// 1,999 values is the 1,998th there, not the 1,997th. The values here are
// whole microseconds below 2,048, which three significant digits hold
// exactly, so the R-th value is R µs.
func TestPercentileMatchesReference(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n    int     // values 1µs, 2µs, … n µs
		p    float64 // percentile
		rank int64   // the reference's R
	}{
		{n: 1999, p: 99.9, rank: 1998}, // 1997.001 rounds up
		{n: 1999, p: 99, rank: 1980},   // 1979.01
		{n: 1999, p: 50, rank: 1000},   // 999.5
		{n: 1000, p: 99.9, rank: 999},  // exactly 999: the ulp keeps it from becoming 1000
		{n: 200, p: 99.5, rank: 199},   // exactly 199
		{n: 200, p: 99.9, rank: 200},   // 199.8
		{n: 10, p: 51, rank: 6},        // 5.1
		{n: 10, p: 50, rank: 5},        // exactly 5
		{n: 3, p: 50, rank: 2},         // 1.5
		{n: 3, p: 99, rank: 3},         // 2.97
		{n: 1, p: 0.1, rank: 1},        // at least the first value
		{n: 7, p: 100, rank: 7},
	}
	for _, tc := range tests {
		values := make([]time.Duration, tc.n)
		for i := range values {
			values[i] = time.Duration(i+1) * time.Microsecond
		}
		d := DistributionOf(values...)
		if got, want := d.Percentile(tc.p), time.Duration(tc.rank)*time.Microsecond; got != want {
			t.Errorf("p%v of 1..%dµs = %v, want %v (rank %d)", tc.p, tc.n, got, want, tc.rank)
		}
	}
}

// FuzzDecodeHistogram feeds the histogram decoder V2 payloads (the bytes
// zlib holds: header and counts), compressed here so the fuzzer reaches
// the counts rather than the checksum. Whatever it accepts holds the
// counts the payload declares, costs no more than it was charged, and
// encodes to a string that decodes to the same buckets.
func FuzzDecodeHistogram(f *testing.F) {
	for _, values := range [][]int64{nil, {1}, {1, 2, 2, 2047, 2048, 5000, histHighest}} {
		p := newPackedHistogram()
		for _, v := range values {
			p.RecordValue(v)
		}
		f.Add(inflateHistogram(f, encodePacked(p)))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		var z bytes.Buffer
		w := zlib.NewWriter(&z)
		w.Write(payload)
		w.Close()
		raw := make([]byte, 8, 8+z.Len())
		binary.BigEndian.PutUint32(raw, v2CompressedEncodingCookie)
		binary.BigEndian.PutUint32(raw[4:], uint32(z.Len()))
		s := base64.StdEncoding.EncodeToString(append(raw, z.Bytes()...))

		b := &budget{left: 64 << 20}
		p, err := b.decodePacked(s)
		if err != nil {
			return
		}
		if charged := 64<<20 - b.left; int64(p.GetMemorySize()) > charged {
			t.Fatalf("a histogram of %d bytes was charged %d", p.GetMemorySize(), charged)
		}
		var sum int64
		p.ForEachBucket(func(_, c int64) bool { sum += c; return true })
		if sum != p.TotalCount() {
			t.Fatalf("buckets sum to %d, the total is %d", sum, p.TotalCount())
		}
		again, err := newBudget().decodePacked(encodePacked(p))
		if err != nil {
			t.Fatalf("a decoded histogram does not decode again: %v", err)
		}
		if !(Distribution{p: p}).Equal(Distribution{p: again}) {
			t.Fatal("a decoded histogram encodes to different buckets")
		}
	})
}

// inflateHistogram returns the V2 payload inside an encoded histogram.
func inflateHistogram(tb testing.TB, s string) []byte {
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		tb.Fatal(err)
	}
	zr, err := zlib.NewReader(bytes.NewReader(raw[8:]))
	if err != nil {
		tb.Fatal(err)
	}
	payload, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatal(err)
	}
	return payload
}
