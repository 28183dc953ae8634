package loadgen

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"sync"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram geometry. Values are microseconds from 1µs to one hour, which
// covers any request, visit or lag a load test can see; longer values are
// clamped to the top so no sample is ever lost. Every histogram keeps
// three significant digits (0.1%), whole-run and timeline alike, so
// merging intervals is lossless and a windowed rule reads exactly what a
// whole-run rule reads of the same requests; two-digit intervals once
// read windows up to 0.7% low.
//
// Histograms are packed (hdr.PackedHistogram): only the buckets that hold
// values take memory, 4 bytes of index and 1 to 8 of count each, so a key
// that saw a few requests costs a few hundred bytes. A Distribution that
// gathers many buckets turns dense (denseAbove): 184 KiB, the most one
// histogram ever costs, and cheaper to add to.
const (
	histLowest       = 1
	histHighest      = int64(time.Hour / time.Microsecond)
	histDigits       = 3
	microsPerSeconds = float64(time.Second / time.Microsecond)
)

// The bucket layout of that geometry, as HdrHistogram defines it: 2,048
// sub-buckets (the smallest power of two above 2×10^3) per power of two,
// the lower half of each bucket after the first shared with the one
// before. Index i holds the values from valueOf(i), 1µs wide below
// 2,048µs and twice as wide with each power of two above.
// TestBucketIndexMatchesLibrary checks it against the library.
const (
	subBucketHalfMagnitude = 10
	subBucketHalfCount     = 1 << subBucketHalfMagnitude
	subBucketMask          = 2*subBucketHalfCount - 1
)

// countsLen is the number of buckets that hold values up to histHighest:
// 23,221. The library's dense array rounds up to 23,552 (184 KiB); the
// buckets past the highest value stay empty.
var countsLen = bucketIndex(histHighest) + 1

func newDenseHistogram() *hdr.Histogram { return hdr.New(histLowest, histHighest, histDigits) }

func newPackedHistogram() *hdr.PackedHistogram {
	return hdr.NewPacked(histLowest, histHighest, histDigits)
}

// packedFixedBytes is what an empty packed histogram takes: its header and
// its own copy of the geometry.
var packedFixedBytes = int64(newPackedHistogram().GetMemorySize())

// bucketIndex is the bucket of value v (1 ≤ v ≤ histHighest).
func bucketIndex(v int64) int {
	bucket := bits.Len64(uint64(v)|subBucketMask) - (subBucketHalfMagnitude + 1)
	sub := int(v >> bucket)
	return (bucket+1)<<subBucketHalfMagnitude + sub - subBucketHalfCount
}

// bucketValue is the lowest value of bucket i.
func bucketValue(i int) int64 {
	bucket := i>>subBucketHalfMagnitude - 1
	sub := i&(subBucketHalfCount-1) + subBucketHalfCount
	if bucket < 0 {
		sub -= subBucketHalfCount
		bucket = 0
	}
	return int64(sub) << bucket
}

// micros converts a duration to the histograms' unit, clamped to their
// range. Negative durations (a clock step) count as the lowest value.
func micros(d time.Duration) int64 {
	us := int64(d / time.Microsecond)
	switch {
	case us < histLowest:
		return histLowest
	case us > histHighest:
		return histHighest
	}
	return us
}

// fromMicros converts a histogram value back to a duration.
func fromMicros(us int64) time.Duration { return time.Duration(us) * time.Microsecond }

// The histogram wire format is HdrHistogram's standard V2 compressed
// encoding (base64 text starting "HISTF"), readable by the Java, C and Rust
// implementations and by hdr.Decode. The library's own encoder compresses
// at zlib's best level with a fresh writer each time (about 0.4ms and
// 0.9MB of garbage per histogram); a results file holds thousands of
// timeline histograms, so this encoder reuses pooled writers at the
// fastest level, writes from the packed buckets directly, and produces the
// same format.
const (
	v2EncodingCookie           = 0x1c849303 | 0x10
	v2CompressedEncodingCookie = 0x1c849304 | 0x10
	v2HeaderSize               = 40
)

var zlibWriters = sync.Pool{New: func() any {
	w, _ := zlib.NewWriterLevel(nil, zlib.BestSpeed) // only fails on an invalid level
	return w
}}

// encodePacked returns p in V2 compressed base64 form: each bucket's count
// in index order, a run of empty buckets as one negative number, trailing
// empty buckets left out.
func encodePacked(p *hdr.PackedHistogram) string {
	payload := make([]byte, v2HeaderSize, v2HeaderSize+3*int(p.Populated()))
	next := 0
	p.ForEachBucket(func(v, c int64) bool {
		i := bucketIndex(v)
		switch zeros := i - next; {
		case zeros == 1:
			payload = appendZigZag(payload, 0)
		case zeros > 1:
			payload = appendZigZag(payload, -int64(zeros))
		}
		payload = appendZigZag(payload, c)
		next = i + 1
		return true
	})
	binary.BigEndian.PutUint32(payload[0:], v2EncodingCookie)
	binary.BigEndian.PutUint32(payload[4:], uint32(len(payload)-v2HeaderSize))
	binary.BigEndian.PutUint32(payload[8:], 0) // normalizing index offset
	binary.BigEndian.PutUint32(payload[12:], histDigits)
	binary.BigEndian.PutUint64(payload[16:], histLowest)
	binary.BigEndian.PutUint64(payload[24:], uint64(histHighest))
	binary.BigEndian.PutUint64(payload[32:], math.Float64bits(1))

	var z bytes.Buffer
	z.Write(make([]byte, 8)) // cookie and length, filled in below
	w := zlibWriters.Get().(*zlib.Writer)
	w.Reset(&z)
	w.Write(payload) // writes to a bytes.Buffer cannot fail
	w.Close()
	zlibWriters.Put(w)
	out := z.Bytes()
	binary.BigEndian.PutUint32(out[0:], v2CompressedEncodingCookie)
	binary.BigEndian.PutUint32(out[4:], uint32(len(out)-8))
	return base64.StdEncoding.EncodeToString(out)
}

// appendZigZag appends v in the ZigZag LEB128-64b9B form of the V2 format:
// LEB128 for the first eight bytes, and a ninth byte holding eight bits.
func appendZigZag(buf []byte, v int64) []byte {
	u := uint64((v << 1) ^ (v >> 63))
	for i := 0; i < 8; i++ {
		if u < 0x80 {
			return append(buf, byte(u))
		}
		buf = append(buf, byte(u&0x7f|0x80))
		u >>= 7
	}
	return append(buf, byte(u))
}

// readZigZag reads one number written by appendZigZag from the start of
// buf, and its length; 0 when buf ends inside it.
func readZigZag(buf []byte) (int64, int) {
	var u uint64
	for i := 0; i < 9 && i < len(buf); i++ {
		if i == 8 {
			u |= uint64(buf[i]) << 56
			return int64(u>>1) ^ -int64(u&1), 9
		}
		u |= uint64(buf[i]&0x7f) << (7 * i)
		if buf[i] < 0x80 {
			return int64(u>>1) ^ -int64(u&1), i + 1
		}
	}
	return 0, 0
}

// decodePacked reads a histogram in the V2 compressed encoding, written
// by liftoff (or any HdrHistogram implementation, in liftoff's geometry),
// and charges b what it will keep before building it. The header is read
// before the payload is inflated, and only liftoff's geometry is
// accepted: a declared range is what a dense decoder allocates.
func (b *budget) decodePacked(s string) (*hdr.PackedHistogram, error) {
	if s == "" {
		return nil, errors.New("empty histogram")
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("decode histogram: %w", err)
	}
	return b.decodeRaw(raw)
}

// decodeText is decodePacked of text held as bytes, decoded into b's own
// buffer: a sealed histogram read from its store (hist.read).
func (b *budget) decodeText(text []byte) (*hdr.PackedHistogram, error) {
	if len(text) == 0 {
		return nil, errors.New("empty histogram")
	}
	if n := base64.StdEncoding.DecodedLen(len(text)); cap(b.raw) < n {
		b.raw = make([]byte, n)
	}
	n, err := base64.StdEncoding.Decode(b.raw[:cap(b.raw)], text)
	if err != nil {
		return nil, fmt.Errorf("decode histogram: %w", err)
	}
	return b.decodeRaw(b.raw[:n])
}

// decodeRaw decodes a V2 compressed encoding, its base64 text decoded.
func (b *budget) decodeRaw(raw []byte) (*hdr.PackedHistogram, error) {
	var err error
	if len(raw) < 8 || binary.BigEndian.Uint32(raw)&^0xf0 != v2CompressedEncodingCookie&^0xf0 {
		return nil, errors.New("decode histogram: not an HdrHistogram V2 compressed encoding")
	}
	if n := binary.BigEndian.Uint32(raw[4:]); uint64(n) > uint64(len(raw)-8) {
		return nil, fmt.Errorf("decode histogram: %d bytes of compressed counts declared, %d present", n, len(raw)-8)
	} else {
		raw = raw[:8+n]
	}
	if b.zr == nil {
		b.zr, err = zlib.NewReader(bytes.NewReader(raw[8:]))
	} else {
		err = b.zr.(zlib.Resetter).Reset(bytes.NewReader(raw[8:]), nil)
	}
	if err != nil {
		return nil, fmt.Errorf("decode histogram: %w", err)
	}
	var head [v2HeaderSize]byte
	if _, err := io.ReadFull(b.zr, head[:]); err != nil {
		return nil, fmt.Errorf("decode histogram header: %w", err)
	}
	if binary.BigEndian.Uint32(head[0:])&^0xf0 != v2EncodingCookie&^0xf0 {
		return nil, errors.New("decode histogram: not an HdrHistogram V2 encoding")
	}
	digits := int32(binary.BigEndian.Uint32(head[12:]))
	lowest := int64(binary.BigEndian.Uint64(head[16:]))
	highest := int64(binary.BigEndian.Uint64(head[24:]))
	if digits != histDigits || lowest != histLowest || highest != histHighest {
		return nil, fmt.Errorf("histogram of values %d to %d with %d significant digits; liftoff writes %d to %d with %d",
			lowest, highest, digits, histLowest, histHighest, histDigits)
	}
	// A payload holds at most one number of nine bytes per bucket.
	size := int64(binary.BigEndian.Uint32(head[4:]))
	if size > int64(countsLen)*9 {
		return nil, fmt.Errorf("decode histogram: a payload of %d bytes for %d buckets", size, countsLen)
	}
	if int64(cap(b.payload)) < size+1 {
		b.payload = make([]byte, size+1)
	}
	payload := b.payload[:size+1]
	if n, err := io.ReadFull(b.zr, payload); (err != io.ErrUnexpectedEOF && err != io.EOF) || int64(n) != size {
		// Reading one byte past the payload finds trailing data, and
		// reaching the end checks the zlib checksum.
		return nil, fmt.Errorf("decode histogram: the payload is not the %d bytes its header says", size)
	}
	payload = payload[:size]
	populated, largest, err := scanPayload(payload)
	if err != nil {
		return nil, err
	}
	if err := b.spend(packedBytes(populated, largest)); err != nil {
		return nil, err
	}
	p := newPackedHistogram()
	for i, pos := 0, 0; pos < len(payload); {
		c, n := readZigZag(payload[pos:])
		pos += n
		switch {
		case c < 0:
			i += int(-c)
		case c > 0:
			p.RecordValues(bucketValue(i), c) // in range and in total: scanPayload checked
			i++
		default:
			i++
		}
	}
	return p, nil
}

// scanPayload checks a V2 payload against liftoff's geometry and returns
// how many buckets hold values and the largest count.
func scanPayload(payload []byte) (populated int, largest int64, err error) {
	var total int64
	for i, pos := 0, 0; pos < len(payload); {
		c, n := readZigZag(payload[pos:])
		if n == 0 {
			return 0, 0, errors.New("decode histogram: the payload ends inside a number")
		}
		pos += n
		switch {
		case c < 0:
			if c == math.MinInt64 || -c > int64(countsLen-i) {
				return 0, 0, fmt.Errorf("decode histogram: a run of %d empty buckets past the last", -c)
			}
			i += int(-c)
			continue
		case i >= countsLen:
			return 0, 0, fmt.Errorf("decode histogram: more than the %d buckets of its geometry", countsLen)
		case c > 0:
			if c > math.MaxInt64-total {
				return 0, 0, errors.New("decode histogram: its counts add up past 2^63")
			}
			total += c
			populated++
			largest = max(largest, c)
		}
		i++
	}
	return populated, largest, nil
}

// packedBytes bounds what a packed histogram of populated buckets takes,
// its largest count being largest: the header, 4 bytes of index and the
// count's width per bucket, and as much again for the slack its arrays
// grow with.
func packedBytes(populated int, largest int64) int64 {
	width := int64(8)
	switch {
	case largest <= math.MaxUint8:
		width = 1
	case largest <= math.MaxUint16:
		width = 2
	case largest <= math.MaxUint32:
		width = 4
	}
	return packedFixedBytes + 2*int64(populated)*(4+width)
}
