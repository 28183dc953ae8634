package spool

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// appendAll appends pieces of want, of sizes drawn from 1 to most bytes,
// and returns where each piece went.
func appendAll(t *testing.T, st *Store, want []byte, most int) (offs []int64, pieces [][]byte) {
	t.Helper()
	r := rand.New(rand.NewPCG(uint64(len(want)), uint64(most)))
	for p := want; len(p) > 0; {
		n := min(len(p), 1+r.IntN(most))
		off, err := st.Append(string(p[:n]))
		if err != nil {
			t.Fatalf("Append: %v", err)
		}
		offs, pieces = append(offs, off), append(pieces, p[:n])
		p = p[n:]
	}
	return offs, pieces
}

// readBack reads every piece back where Append put it, in an order of
// its own, and stops at the first that differs (t.Error: readers run on
// goroutines of their own too).
func readBack(t *testing.T, st *Store, offs []int64, pieces [][]byte) {
	t.Helper()
	order := rand.New(rand.NewPCG(1, 2)).Perm(len(pieces))
	for _, i := range order {
		got := make([]byte, len(pieces[i]))
		if err := st.ReadAt(got, offs[i]); err != nil {
			t.Errorf("ReadAt(%d bytes at %d): %v", len(got), offs[i], err)
			return
		}
		if string(got) != string(pieces[i]) {
			t.Errorf("piece %d (%d bytes at %d) reads back otherwise", i, len(got), offs[i])
			return
		}
	}
}

// TestStoreGivesBackEachPiece appends pieces of several sizes, below and
// past the limit and across the memory slabs' edges, and reads each back,
// in another order and more than once.
func TestStoreGivesBackEachPiece(t *testing.T) {
	tests := []struct {
		name       string
		size, most int
		inFile     bool
	}{
		{"a byte", 1, 1, false},
		{"under the limit", 100 << 10, 3000, false},
		{"slabs' edges", 3*slabSize + 1, slabSize + 7, false},
		{"past the limit", 1 << 20, 5000, true},
		{"past the limit, one piece", 1 << 20, 1 << 20, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("TMPDIR", t.TempDir())
			st := &Store{Limit: 256 << 10}
			offs, pieces := appendAll(t, st, text(tc.size), tc.most)
			if got := st.file != nil; got != tc.inFile {
				t.Errorf("in a file: %v, want %v", got, tc.inFile)
			}
			if st.Len() != int64(tc.size) {
				t.Errorf("Len = %d, want %d", st.Len(), tc.size)
			}
			readBack(t, st, offs, pieces)
			readBack(t, st, offs, pieces)
			if left, _ := filepath.Glob(filepath.Join(os.Getenv("TMPDIR"), "*")); len(left) > 0 {
				t.Errorf("files left behind while open: %v", left)
			}
		})
	}
}

// TestStoreRefusesReadsPastWhatItHolds: a read outside what was appended
// is an error, not bytes of something else.
func TestStoreRefusesReadsPastWhatItHolds(t *testing.T) {
	for _, limit := range []int{1 << 20, 16} { // in memory, in a file
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			t.Setenv("TMPDIR", t.TempDir())
			st := &Store{Limit: limit}
			st.Append("0123456789abcdefghij")
			for _, tc := range []struct {
				off int64
				n   int
			}{{-1, 2}, {19, 2}, {21, 0}, {0, 21}} {
				if err := st.ReadAt(make([]byte, tc.n), tc.off); err == nil {
					t.Errorf("ReadAt(%d bytes at %d) of 20 bytes: no error", tc.n, tc.off)
				}
			}
			got := make([]byte, 20)
			if err := st.ReadAt(got, 0); err != nil || string(got) != "0123456789abcdefghij" {
				t.Errorf("ReadAt(20 at 0) = %q, %v", got, err)
			}
		})
	}
}

// TestStoreWithoutAFileStaysInMemory: where no temporary file can be
// made, the store keeps everything in memory and loses nothing.
func TestStoreWithoutAFileStaysInMemory(t *testing.T) {
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "missing"))
	st := &Store{Limit: 64 << 10}
	offs, pieces := appendAll(t, st, text(1<<20), 4000)
	if st.file != nil || !st.noFile {
		t.Fatal("a store without a temporary directory made a file")
	}
	readBack(t, st, offs, pieces)
}

// TestStoreSurvivesAFailingFile: once its file fails (a full disk),
// Append says so, so the caller keeps that string itself, and everything
// appended before still reads back.
func TestStoreSurvivesAFailingFile(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reopens the open file read-only through /proc")
	}
	t.Setenv("TMPDIR", t.TempDir())
	st := &Store{Limit: 64 << 10}
	offs, pieces := appendAll(t, st, text(128<<10), 1000)
	if st.file == nil {
		t.Fatal("not in a file past its limit")
	}
	// The same file, read-only: the next write fails, reading still works.
	ro, err := os.Open(fmt.Sprintf("/proc/self/fd/%d", st.file.Fd()))
	if err != nil {
		t.Skip(err)
	}
	st.file.Close()
	st.file = ro
	for i := range 3 {
		if _, err := st.Append("more"); err == nil {
			t.Fatalf("Append %d to a failed file: no error", i)
		}
	}
	if st.Len() != 128<<10 {
		t.Errorf("Len = %d after failed appends, want %d", st.Len(), 128<<10)
	}
	readBack(t, st, offs, pieces)
}

// TestStorePastItsLimitHoldsLittle appends 8 MiB in histogram-sized
// pieces: past the limit the heap holds about the limit, not the 8 MiB.
func TestStorePastItsLimitHoldsLittle(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	piece := string(text(1500))
	st := &Store{}
	base := liveHeap()
	for range (8 << 20) / len(piece) {
		if _, err := st.Append(piece); err != nil {
			t.Fatal(err)
		}
	}
	held := liveHeap() - base
	runtime.KeepAlive(st)
	if held > 2*DefaultLimit {
		t.Errorf("8 MiB in a store hold %d KiB of heap, want at most %d KiB", held>>10, 2*DefaultLimit>>10)
	}
}

// TestStoreReadsWhileItIsAppended: the reports read a timeline's sealed
// histograms from several goroutines; reads and appends may interleave
// (run with -race).
func TestStoreReadsWhileItIsAppended(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	st := &Store{Limit: 32 << 10}
	first, firstPieces := appendAll(t, st, text(16<<10), 500)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 20 {
				readBack(t, st, first, firstPieces)
			}
		})
	}
	more := strings.Repeat("x", 100)
	for range 1000 { // crosses the limit while the readers read
		if _, err := st.Append(more); err != nil {
			t.Error(err)
		}
	}
	wg.Wait()
	if st.file == nil {
		t.Error("the store did not move to its file")
	}
}

// TestStoreFileClosesWhenUnreachable: a store is never closed by hand
// (the timeline it holds is garbage when no report reads it any more),
// so its file must close when the store is collected, or each run a test
// binary makes would keep a descriptor.
func TestStoreFileClosesWhenUnreachable(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("counts descriptors in /proc/self/fd")
	}
	t.Setenv("TMPDIR", t.TempDir())
	fds := func() int {
		entries, _ := os.ReadDir("/proc/self/fd")
		return len(entries)
	}
	before := fds()
	func() {
		st := &Store{Limit: 1024}
		st.Append(string(text(4096)))
		if st.file == nil {
			t.Fatal("not in a file past its limit")
		}
	}()
	// Cleanups run on their own goroutine after a collection.
	for range 100 {
		runtime.GC()
		if fds() <= before {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("%d descriptors open after the store was collected, %d before", fds(), before)
}
