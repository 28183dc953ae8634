package loadgen

import (
	"fmt"
	"math"
	"sync"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// hist is one of a timeline interval's histograms. While the interval is
// built and merged it is packed (p). Once the interval is closed for good
// (the run's results are built, or a results file read), it is sealed:
// held as the results file encodes it (V2 compressed, base64) and decoded
// afresh each time it is read. A timeline's histograms take about a tenth
// of their packed size so: an hour of a 10-step journey at 1,000 requests
// a second holds 8 MB sealed, against 36 MB packed, and the reports that
// read it decode one interval at a time. Writing a sealed interval to a
// results file writes the same text it was read from.
type hist struct {
	p     *hdr.PackedHistogram // open: the values; nil when sealed or empty
	enc   string               // sealed: the values as encodePacked writes them
	count int64                // sealed: how many values enc holds
}

// Count is the number of values.
func (h hist) Count() int64 {
	if h.p != nil {
		return h.p.TotalCount()
	}
	return h.count
}

// read returns the values, packed: h's own histogram while it is open, a
// fresh copy decoded from its encoding once sealed, nil when empty. The
// caller must not change it.
func (h hist) read() *hdr.PackedHistogram {
	if h.p != nil || h.enc == "" {
		return h.p
	}
	b := decoders.Get().(*budget)
	defer decoders.Put(b)
	b.left = math.MaxInt64 // sealed text was decoded once already, within its budget
	p, err := b.decodePacked(h.enc)
	if err != nil { // a sealed histogram was encoded here, or decoded once already
		panic(fmt.Sprintf("loadgen: a sealed histogram no longer decodes: %v", err))
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
	case h.enc != "":
		h.p = h.read()
	default:
		h.p = newPackedHistogram()
	}
	h.enc, h.count = "", 0
	return h.p
}

// seal drops the packed form, keeping the encoding. An encoding already
// known (the text a results file held) is kept as it is.
func (h *hist) seal() {
	if h.p == nil {
		return
	}
	if h.enc == "" {
		h.enc = encodePacked(h.p)
	}
	h.count = h.p.TotalCount()
	h.p = nil
}

// encoded is the histogram as the results file holds it.
func (h hist) encoded() string {
	switch {
	case h.enc != "":
		return h.enc
	case h.p != nil:
		return encodePacked(h.p)
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

// memory is what h holds.
func (h hist) memory() int {
	if h.p != nil {
		return h.p.GetMemorySize()
	}
	return len(h.enc)
}
