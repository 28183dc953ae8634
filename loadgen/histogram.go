package loadgen

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"sync"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram geometry. Values are microseconds from 1µs to one hour, which
// covers any request, visit or lag a load test can see; longer values are
// clamped to the top so no sample is ever lost. Every histogram keeps
// three significant digits (0.1%): whole-run histograms dense, timeline
// intervals packed (only the buckets that hold values take memory). The
// two share their geometry, so merging intervals is lossless and a
// windowed rule reads exactly what a whole-run rule reads of the same
// requests; two-digit intervals once read windows up to 0.7% low.
const (
	histLowest       = 1
	histHighest      = int64(time.Hour / time.Microsecond)
	totalDigits      = 3
	intervalDigits   = totalDigits
	microsPerSeconds = float64(time.Second / time.Microsecond)
)

func newTotalHistogram() *hdr.Histogram { return hdr.New(histLowest, histHighest, totalDigits) }

func newIntervalHistogram() *hdr.PackedHistogram {
	return hdr.NewPacked(histLowest, histHighest, intervalDigits)
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
// timeline histograms, so this encoder reuses pooled writers at the fastest
// level and produces the same format.
const (
	v2EncodingCookie           = 0x1c849303 | 0x10
	v2CompressedEncodingCookie = 0x1c849304 | 0x10
	v2HeaderSize               = 40
)

var zlibWriters = sync.Pool{New: func() any {
	w, _ := zlib.NewWriterLevel(nil, zlib.BestSpeed) // only fails on an invalid level
	return w
}}

// encodeHistogram returns h in V2 compressed base64 form.
func encodeHistogram(h *hdr.Histogram) string {
	snap := h.Export()
	counts := snap.Counts
	last := len(counts) - 1
	for last >= 0 && counts[last] == 0 {
		last--
	}
	counts = counts[:last+1]

	payload := make([]byte, v2HeaderSize, v2HeaderSize+len(counts))
	for i := 0; i < len(counts); {
		c := counts[i]
		i++
		if c == 0 {
			zeros := int64(1)
			for i < len(counts) && counts[i] == 0 {
				zeros++
				i++
			}
			if zeros > 1 {
				c = -zeros
			}
		}
		payload = appendZigZag(payload, c)
	}
	binary.BigEndian.PutUint32(payload[0:], v2EncodingCookie)
	binary.BigEndian.PutUint32(payload[4:], uint32(len(payload)-v2HeaderSize))
	binary.BigEndian.PutUint32(payload[8:], 0) // normalizing index offset
	binary.BigEndian.PutUint32(payload[12:], uint32(snap.SignificantFigures))
	binary.BigEndian.PutUint64(payload[16:], uint64(snap.LowestTrackableValue))
	binary.BigEndian.PutUint64(payload[24:], uint64(snap.HighestTrackableValue))
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

// decodeHistogram reads a histogram written by encodeHistogram (or by any
// HdrHistogram implementation's V2 compressed encoder).
func decodeHistogram(s string) (*hdr.Histogram, error) {
	if s == "" {
		return nil, fmt.Errorf("empty histogram")
	}
	h, err := hdr.Decode([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("decode histogram: %w", err)
	}
	return h, nil
}

// encodePacked encodes a timeline histogram in the same wire format.
func encodePacked(p *hdr.PackedHistogram) string {
	d := hdr.New(p.LowestTrackableValue(), p.HighestTrackableValue(), int(p.SignificantFigures()))
	p.MergeInto(d)
	return encodeHistogram(d)
}

// decodePacked reads a timeline histogram, within b.
func decodePacked(s string, b *budget) (*hdr.PackedHistogram, error) {
	if s == "" {
		return nil, fmt.Errorf("empty histogram")
	}
	if err := b.checkHistogram(s, intervalGeometry, false); err != nil {
		return nil, err
	}
	p, err := hdr.DecodePacked([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("decode histogram: %w", err)
	}
	return p, nil
}
