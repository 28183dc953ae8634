package spool

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
)

// Store holds byte strings appended once and read back any number of
// times, in any order, by the offset Append gave: a timeline's sealed
// histograms, which the reports read again and again, and which held in
// memory made a long run's end take memory in proportion to its length.
// Like a Spool it keeps up to Limit bytes in memory, then moves to a
// temporary file removed as soon as it is open; the file is closed when
// the Store is no longer reachable (the file is the Store's alone, and
// nothing is left to close by hand).
//
// When no file can be made the Store stays in memory. When its file fails
// (a full disk) Append says so and keeps nothing more: the caller holds
// that string itself, and what the file holds stays readable. A read
// that fails afterwards (an I/O error on the file) is reported by ReadAt.
// A Store is safe for concurrent use.
type Store struct {
	Limit int // bytes kept in memory before moving to a file; DefaultLimit when 0

	mu     sync.RWMutex
	slabs  [][]byte // in memory, until moved: every byte, from offset 0
	size   int64    // bytes appended
	file   *os.File // once moved: every byte appended
	failed error    // the file's write error: nothing more is appended
	noFile bool     // no file could be made: memory only
}

// Append keeps s and returns the offset ReadAt finds it at. It fails only
// after the Store's file failed; the Store keeps nothing more then.
func (st *Store) Append(s string) (int64, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.failed != nil {
		return 0, st.failed
	}
	off := st.size
	if st.file != nil {
		if n, err := st.file.WriteString(s); err != nil {
			// Bytes of a short write lie past size, where no offset
			// given out reaches.
			st.failed = fmt.Errorf("spool: the store's temporary file failed after %d bytes: %w", off+int64(n), err)
			return 0, st.failed
		}
		st.size += int64(len(s))
		return off, nil
	}
	st.slabs = appendSlabs(st.slabs, s)
	st.size += int64(len(s))
	if !st.noFile && st.size > int64(limitOr(st.Limit)) {
		st.spill()
	}
	return off, nil
}

// spill moves what memory holds to a temporary file; a Store that cannot
// make or write one stays in memory.
func (st *Store) spill() {
	f, removed, err := slabsToFile(st.slabs, "liftoff-store-*")
	if err != nil {
		st.noFile = true
		return
	}
	if !removed {
		// Removed when the Store is no longer reachable, after the
		// file's own cleanup closed it.
		runtime.AddCleanup(st, func(name string) { os.Remove(name) }, f.Name())
	}
	st.file, st.slabs = f, nil
}

// ReadAt fills p with the bytes appended at off.
func (st *Store) ReadAt(p []byte, off int64) error {
	st.mu.RLock()
	defer st.mu.RUnlock()
	if off < 0 || off+int64(len(p)) > st.size {
		return fmt.Errorf("spool: bytes %d to %d read from a store of %d", off, off+int64(len(p)), st.size)
	}
	if st.file != nil {
		if _, err := st.file.ReadAt(p, off); err != nil {
			return errors.Join(errors.New("spool: the store's temporary file cannot be read"), err)
		}
		return nil
	}
	for len(p) > 0 {
		slab := st.slabs[off/slabSize][off%slabSize:]
		n := copy(p, slab)
		p, off = p[n:], off+int64(n)
	}
	return nil
}

// Len is how many bytes were appended.
func (st *Store) Len() int64 {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return st.size
}
