package main

import "io"

// spool is an output rendered in memory before it goes anywhere, so that a
// failed render never leaves a partial file. It grows a slab at a time,
// where a bytes.Buffer doubles: a results file of N bytes takes N, not up
// to 3N while the doubling copies, and it is rendered at the end of a run,
// when memory peaks. It is read once, after it is written, and each slab
// is dropped as soon as it has been read.
type spool struct {
	slabs [][]byte
	size  int
}

// slabSize is the spool's unit of growth: large enough that a write rarely
// spans two, small enough that the last one's unused part does not count.
const slabSize = 64 << 10

func (s *spool) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if len(s.slabs) == 0 || len(s.slabs[len(s.slabs)-1]) == slabSize {
			s.slabs = append(s.slabs, make([]byte, 0, slabSize))
		}
		last := &s.slabs[len(s.slabs)-1]
		k := min(len(p), slabSize-len(*last))
		*last = append(*last, p[:k]...)
		p = p[k:]
	}
	s.size += n
	return n, nil
}

// Len is how many bytes are left to read.
func (s *spool) Len() int { return s.size }

// Read reads what was written, dropping each slab once it has been read.
func (s *spool) Read(p []byte) (int, error) {
	if len(s.slabs) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.slabs[0])
	s.advance(n)
	return n, nil
}

// WriteTo writes what is left to read to w, dropping each slab once
// written.
func (s *spool) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for len(s.slabs) > 0 {
		n, err := w.Write(s.slabs[0])
		total += int64(n)
		s.advance(n)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// advance drops the first n bytes left to read, which the first slab holds.
func (s *spool) advance(n int) {
	s.size -= n
	if s.slabs[0] = s.slabs[0][n:]; len(s.slabs[0]) == 0 {
		s.slabs[0] = nil
		s.slabs = s.slabs[1:]
	}
}
