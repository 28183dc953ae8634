// Package spool holds output rendered before it is written, or a file
// written before it is read back: bytes written once, then read once
// (Spool); and bytes appended once and read back any number of times
// (Store). Held in memory, a long run's results file, its reports and its
// timeline's histograms were most of the memory the run's end took; both
// keep up to a limit in memory, then move to a temporary file.
package spool

import (
	"errors"
	"io"
	"os"
)

// DefaultLimit is how many bytes a spool keeps in memory before it moves
// to a temporary file: a short run's results file and reports never touch
// the disk.
const DefaultLimit = 256 << 10

// slabSize is the unit memory grows by, where a bytes.Buffer doubles and
// copies: large enough that a write rarely spans two.
const slabSize = 64 << 10

// Spool is written, then read: once, each byte read being dropped (from
// memory at once, from the file when it is all read). Past Limit it moves
// to a temporary file, removed as soon as it is open (where the system
// allows) so that a killed process leaves nothing behind; when no file
// can be made, or the file fails (a full disk), it stays in memory,
// losing nothing. Close releases what is left.
type Spool struct {
	Limit int // bytes kept in memory before moving to a file; DefaultLimit when 0

	slabs   [][]byte // in memory: what is left to read
	size    int64    // bytes left to read
	file    *os.File // once moved: every byte left to read is in the file
	name    string   // the file's name, when it could not be removed while open
	written int64    // bytes in the file
	read    int64    // bytes of the file read
	memOnly bool     // a file could not be made or failed: memory only from here
}

// Write keeps p to be read. It fails only when a file it moved to failed
// and what the file held could not be read back.
func (s *Spool) Write(p []byte) (int, error) {
	if s.file != nil {
		n, err := s.file.Write(p)
		s.written += int64(n)
		s.size += int64(n)
		if err == nil {
			return n, nil
		}
		if err := s.unspill(); err != nil {
			return n, err
		}
		s.hold(p[n:])
		return len(p), nil
	}
	s.hold(p)
	if !s.memOnly && s.size > int64(limitOr(s.Limit)) {
		s.spill()
	}
	return len(p), nil
}

// limitOr is a Limit, DefaultLimit when 0.
func limitOr(limit int) int {
	if limit > 0 {
		return limit
	}
	return DefaultLimit
}

// hold appends p to the memory slabs.
func (s *Spool) hold(p []byte) {
	s.size += int64(len(p))
	s.slabs = appendSlabs(s.slabs, p)
}

// appendSlabs appends p to slabs, filling the last one before it adds
// another. Every slab but the last is full, so an offset's slab is
// offset / slabSize; and a slab is never reallocated, so its bytes stay
// where a reader found them.
func appendSlabs[T string | []byte](slabs [][]byte, p T) [][]byte {
	for len(p) > 0 {
		if len(slabs) == 0 || len(slabs[len(slabs)-1]) == slabSize {
			slabs = append(slabs, make([]byte, 0, slabSize))
		}
		last := &slabs[len(slabs)-1]
		k := min(len(p), slabSize-len(*last))
		*last = append(*last, p[:k]...)
		p = p[k:]
	}
	return slabs
}

// spill moves what memory holds to a temporary file. A spool that
// cannot make or write one stays in memory.
func (s *Spool) spill() {
	f, removed, err := slabsToFile(s.slabs, "liftoff-spool-*")
	if err != nil {
		s.memOnly = true
		return
	}
	if !removed {
		s.name = f.Name() // removed at Close instead
	}
	s.file, s.written, s.slabs = f, s.size, nil
}

// slabsToFile writes slabs to a new temporary file, which it removes
// while open where the system allows it (removed says so), so that a
// killed process leaves nothing behind. It fails, leaving nothing, when
// no file can be made or written.
func slabsToFile(slabs [][]byte, pattern string) (f *os.File, removed bool, err error) {
	f, err = os.CreateTemp("", pattern)
	if err != nil {
		return nil, false, err
	}
	removed = os.Remove(f.Name()) == nil
	for _, slab := range slabs {
		if _, err := f.Write(slab); err != nil {
			f.Close()
			if !removed {
				os.Remove(f.Name())
			}
			return nil, false, err
		}
	}
	return f, removed, nil
}

// unspill brings what the file holds back into memory after it failed.
func (s *Spool) unspill() error {
	f := s.file
	s.file, s.memOnly = nil, true
	defer s.closeFile(f)
	s.size = 0
	_, err := io.Copy(writerFunc(func(p []byte) (int, error) { s.hold(p); return len(p), nil }),
		io.NewSectionReader(f, 0, s.written))
	if err != nil {
		return errors.Join(errors.New("spool: the temporary file failed and cannot be read back"), err)
	}
	return nil
}

// Len is how many bytes are left to read.
func (s *Spool) Len() int64 { return s.size }

// Held is how many of those bytes memory holds: all of them until the
// spool moves to its file, none after (unless the file failed).
func (s *Spool) Held() int64 {
	if s.file != nil {
		return 0
	}
	return s.size
}

// Read reads what was written.
func (s *Spool) Read(p []byte) (int, error) {
	if s.file != nil {
		n, err := s.file.ReadAt(p[:min(int64(len(p)), s.written-s.read)], s.read)
		s.read += int64(n)
		s.size -= int64(n)
		if s.read == s.written {
			s.Close()
			return n, nil
		}
		if err != nil && n == 0 {
			return 0, err
		}
		return n, nil
	}
	if len(s.slabs) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.slabs[0])
	s.advance(n)
	return n, nil
}

// WriteTo writes what is left to read to w.
func (s *Spool) WriteTo(w io.Writer) (int64, error) {
	if s.file != nil {
		n, err := io.Copy(w, io.NewSectionReader(s.file, s.read, s.written-s.read))
		s.read += n
		s.size -= n
		if s.read == s.written {
			s.Close()
		}
		return n, err
	}
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

// advance drops the first n bytes in memory, which the first slab holds.
func (s *Spool) advance(n int) {
	s.size -= int64(n)
	if s.slabs[0] = s.slabs[0][n:]; len(s.slabs[0]) == 0 {
		s.slabs[0] = nil
		s.slabs = s.slabs[1:]
	}
}

// Close drops what is left to read and removes the file.
func (s *Spool) Close() error {
	f := s.file
	s.file, s.slabs, s.size = nil, nil, 0
	if f != nil {
		return s.closeFile(f)
	}
	return nil
}

func (s *Spool) closeFile(f *os.File) error {
	err := f.Close()
	if s.name != "" {
		os.Remove(s.name)
		s.name = ""
	}
	return err
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
