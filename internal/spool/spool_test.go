package spool

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"testing"
)

// text is n bytes that are not all alike, so a slab out of place shows.
func text(n int) []byte {
	r := rand.New(rand.NewPCG(uint64(n), 7))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + r.IntN(26))
	}
	return b
}

// TestSpoolGivesBackWhatWasWritten writes in pieces of several sizes,
// below and past the limit, and reads back with Read and with WriteTo.
func TestSpoolGivesBackWhatWasWritten(t *testing.T) {
	tests := []struct {
		name        string
		size, piece int
		spilled     bool
	}{
		{"empty", 0, 1, false},
		{"a byte", 1, 1, false},
		{"under the limit, one write", 100 << 10, 100 << 10, false},
		{"slabs' edges", 3*slabSize + 1, slabSize - 1, false},
		{"past the limit, small writes", 1 << 20, 777, true},
		{"past the limit, one write", 1 << 20, 1 << 20, true},
	}
	for _, tc := range tests {
		for _, how := range []string{"Read", "WriteTo"} {
			t.Run(tc.name+"/"+how, func(t *testing.T) {
				t.Setenv("TMPDIR", t.TempDir())
				want := text(tc.size)
				s := &Spool{Limit: 256 << 10}
				for p := want; len(p) > 0; p = p[min(len(p), tc.piece):] {
					if n, err := s.Write(p[:min(len(p), tc.piece)]); err != nil || n != min(len(p), tc.piece) {
						t.Fatalf("Write = %d, %v", n, err)
					}
				}
				if got := s.file != nil; got != tc.spilled {
					t.Errorf("in a file: %v, want %v", got, tc.spilled)
				}
				if s.Len() != int64(tc.size) {
					t.Errorf("Len = %d, want %d", s.Len(), tc.size)
				}
				var got bytes.Buffer
				var err error
				if how == "Read" {
					_, err = io.Copy(&got, struct{ io.Reader }{s}) // Read, not WriteTo
				} else {
					_, err = s.WriteTo(&got)
				}
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got.Bytes(), want) {
					t.Fatalf("read back %d bytes, not the %d written", got.Len(), len(want))
				}
				if s.file != nil || s.Len() != 0 {
					t.Error("the file is still open after everything was read")
				}
				if left, _ := filepath.Glob(filepath.Join(os.Getenv("TMPDIR"), "*")); len(left) > 0 {
					t.Errorf("files left behind: %v", left)
				}
			})
		}
	}
}

// TestSpoolWithoutAFileStaysInMemory: where no temporary file can be
// made, the spool keeps everything in memory and loses nothing.
func TestSpoolWithoutAFileStaysInMemory(t *testing.T) {
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "missing"))
	want := text(1 << 20)
	s := &Spool{Limit: 64 << 10}
	for p := want; len(p) > 0; p = p[min(len(p), 1000):] {
		if _, err := s.Write(p[:min(len(p), 1000)]); err != nil {
			t.Fatal(err)
		}
	}
	if s.file != nil || !s.memOnly {
		t.Fatal("a spool without a temporary directory made a file")
	}
	got, err := io.ReadAll(s)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("read back %d bytes (%v), not the %d written", len(got), err, len(want))
	}
}

// TestSpoolSurvivesAFailingFile: when its temporary file fails (a full
// disk), the spool reads back what the file holds, goes on in memory,
// and loses no byte, the failed write's included.
func TestSpoolSurvivesAFailingFile(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reopens the open file read-only through /proc")
	}
	t.Setenv("TMPDIR", t.TempDir())
	want := text(1 << 20)
	s := &Spool{Limit: 64 << 10}
	p := want
	for ; s.file == nil; p = p[1000:] {
		s.Write(p[:1000])
	}
	// The same file, read-only: the next write fails, reading still works.
	ro, err := os.Open(fmt.Sprintf("/proc/self/fd/%d", s.file.Fd()))
	if err != nil {
		t.Skip(err)
	}
	s.file.Close()
	s.file = ro
	for ; len(p) > 0; p = p[min(len(p), 1000):] {
		if n, err := s.Write(p[:min(len(p), 1000)]); err != nil || n != min(len(p), 1000) {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	if s.file != nil || !s.memOnly {
		t.Fatal("the spool kept a file that failed")
	}
	got, err := io.ReadAll(s)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("read back %d bytes (%v), not the %d written", len(got), err, len(want))
	}
}

// TestSpoolPastItsLimitHoldsLittle writes 8 MiB: past the limit the
// spool's memory stays near the limit, where a bytes.Buffer would hold
// the 8 MiB and, while it doubled, more.
func TestSpoolPastItsLimitHoldsLittle(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	piece := text(4096)
	s := &Spool{}
	base := liveHeap()
	for range 2048 {
		s.Write(piece)
	}
	held := liveHeap() - base
	runtime.KeepAlive(s)
	if held > 2*DefaultLimit {
		t.Errorf("8 MiB spooled hold %d KiB of heap, want at most %d KiB", held>>10, 2*DefaultLimit>>10)
	}
	if n, err := s.WriteTo(io.Discard); err != nil || n != 8<<20 {
		t.Fatalf("WriteTo = %d, %v", n, err)
	}
}

// TestSpoolCloseRemovesItsFile: Close drops an unread spool's file.
func TestSpoolCloseRemovesItsFile(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	s := &Spool{Limit: 1024}
	s.Write(text(4096))
	if s.file == nil {
		t.Fatal("not in a file past its limit")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) > 0 {
		t.Errorf("files left behind: %v", left)
	}
	if n, err := s.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Errorf("Read after Close = %d, %v; want 0, EOF", n, err)
	}
}

// liveHeap is the heap a collection found live.
func liveHeap() int64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	return int64(sample[0].Value.Uint64())
}
