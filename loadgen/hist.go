package loadgen

import (
	"fmt"
	"math"
	"sync"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/liftoff/liftoff/internal/spool"
)

// hist is one of a timeline interval's histograms. While the interval is
// built and merged it is packed (p). Once the interval is closed for good
// (the run's results are built, or a results file read), it is sealed:
// held as the results file encodes it (V2 compressed, base64) and decoded
// afresh each time it is read. A timeline's histograms take about a tenth
// of their packed size so, and the reports that read them decode one
// interval at a time. Writing a sealed interval to a results file writes
// the same text it was read from.
//
// The encodings of a timeline are most of what its results hold (three
// quarters of an hour's results file), so a timeline sealed with a store
// (sealInterval) keeps them there, not in the heap: past a few hundred
// KiB in a temporary file, which makes the memory a run's end and a
// report take the same for a ten-minute run as for a one-minute one.
type hist struct {
	p     *hdr.PackedHistogram // open: the values; nil when sealed or empty
	enc   string               // sealed in memory, or the text an open histogram was read from
	store *spool.Store         // sealed in a store: the text is its n bytes at off
	off   int64
	n     int32
	count int64 // sealed: how many values the text holds
}

// Count is the number of values.
func (h hist) Count() int64 {
	if h.p != nil {
		return h.p.TotalCount()
	}
	return h.count
}

// sealed says whether h holds an encoding and no open histogram.
func (h hist) sealed() bool { return h.p == nil && (h.enc != "" || h.store != nil) }

// read returns the values, packed: h's own histogram while it is open, a
// fresh copy decoded from its encoding once sealed, nil when empty. The
// caller must not change it.
func (h hist) read() *hdr.PackedHistogram {
	if !h.sealed() {
		return h.p
	}
	b := decoders.Get().(*budget)
	defer decoders.Put(b)
	b.left = math.MaxInt64 // sealed text was decoded once already, within its budget
	var p *hdr.PackedHistogram
	var err error
	if h.store != nil {
		if cap(b.text) < int(h.n) {
			b.text = make([]byte, h.n)
		}
		if err = h.store.ReadAt(b.text[:h.n], h.off); err == nil {
			p, err = b.decodeText(b.text[:h.n])
		}
	} else {
		p, err = b.decodePacked(h.enc)
	}
	if err != nil { // a sealed histogram was encoded here, or decoded once already
		panic(fmt.Sprintf("loadgen: a sealed histogram can no longer be read: %v", err))
	}
	return p
}

// decoders are the zlib readers and payload buffers sealed histograms
// decode with, reused: a report reads the same intervals many times.
var decoders = sync.Pool{New: func() any { return &budget{} }}

// open returns h's histogram to change, unsealing it, and making an empty
// one when it has none.
func (h *hist) open() *hdr.PackedHistogram {
	switch {
	case h.p != nil:
	case h.sealed():
		h.p = h.read()
	default:
		h.p = newPackedHistogram()
	}
	h.enc, h.store, h.off, h.n, h.count = "", nil, 0, 0, 0
	return h.p
}

// seal drops the packed form, keeping the encoding: in store when there
// is one (where a store that failed leaves it in memory), else in memory.
// An encoding already known (the text a results file held) is kept as it
// is.
func (h *hist) seal(store *spool.Store) {
	if h.p == nil {
		return
	}
	if h.enc == "" {
		h.enc = encodePacked(h.p)
	}
	h.count = h.p.TotalCount()
	h.p = nil
	if store != nil {
		if off, err := store.Append(h.enc); err == nil {
			h.store, h.off, h.n, h.enc = store, off, int32(len(h.enc)), ""
		}
	}
}

// encoded is the histogram as the results file holds it.
func (h hist) encoded() string {
	switch {
	case h.p != nil:
		if h.enc != "" {
			return h.enc
		}
		return encodePacked(h.p)
	case h.enc != "":
		return h.enc
	case h.store != nil:
		text := make([]byte, h.n)
		if err := h.store.ReadAt(text, h.off); err != nil {
			panic(fmt.Sprintf("loadgen: a sealed histogram can no longer be read: %v", err))
		}
		return string(text)
	}
	return encodePacked(newPackedHistogram())
}

// clone returns a copy that shares nothing h may change.
func (h hist) clone() hist {
	if h.p != nil {
		h.p = h.p.Clone()
	}
	return h
}

// memory is what h holds in the heap; text in a store is the store's.
func (h hist) memory() int {
	if h.p != nil {
		return h.p.GetMemorySize()
	}
	return len(h.enc)
}
