package loadgen

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// loggedIntervals returns n intervals of a 3-step journey, with requests
// in every key, as a collector would log them.
func loggedIntervals(n int) []Interval {
	r := newRecorder(newKeyLayout(journeyOf(3), noRedact), 2, time.Second, DefaultMaxIntervals)
	var out []Interval
	base := time.Unix(1_000_000, 0)
	for tick := range n {
		for i := range 30 {
			intended := base.Add(time.Duration(tick) * time.Second)
			class := ClassNone
			if i%7 == 0 {
				class = ClassStatus5xx
			}
			done := intended.Add(time.Duration(1000+i*i*37+tick) * time.Microsecond)
			r.record(i%2, sample{journey: 0, step: i % 3, intended: intended, sent: intended, done: done, class: class, open: true})
		}
		out = append(out, r.collect(time.Duration(tick)*time.Second, IntervalSignals{}))
	}
	return out
}

// readLog returns what l gives back.
func readLog(t *testing.T, l *intervalLog) []Interval {
	t.Helper()
	var got []Interval
	if err := l.each(5, func(iv Interval) { got = append(got, iv) }); err != nil {
		t.Fatal(err)
	}
	return got
}

// sameIntervals compares intervals by what the results file holds.
func sameIntervals(t *testing.T, want, got []Interval) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d intervals read back, want %d", len(got), len(want))
	}
	for i := range want {
		if diff := cmp.Diff(encodeInterval(want[i]), encodeInterval(got[i])); diff != "" {
			t.Fatalf("interval %d (-want +got):\n%s", i, diff)
		}
	}
}

// testSpill is the log's memory limit in these tests: a few intervals.
const testSpill = 8 << 10

// TestIntervalLogSpillsToAFile logs more intervals than its limit holds
// in memory: the log moves to a temporary file that no directory lists
// any more, memory keeps nothing of it, and every interval reads back as
// it was logged.
func TestIntervalLogSpillsToAFile(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	want := loggedIntervals(60)
	l := intervalLog{limit: testSpill}
	for _, iv := range want {
		l.write(iv)
	}
	if l.file == nil || len(l.mem) != 0 {
		t.Fatalf("after %d intervals the log holds %d bytes in memory and no file (limit %d)", len(want), len(l.mem), l.limit)
	}
	if left, _ := filepath.Glob(filepath.Join(os.Getenv("TMPDIR"), "*")); runtime.GOOS != "windows" && len(left) > 0 {
		t.Errorf("the log's file is listed while open: %v", left)
	}
	sameIntervals(t, want, readLog(t, &l))
	l.close()
}

// TestIntervalLogStaysInMemoryWithoutADisk logs into a log that cannot
// make its file (TMPDIR does not exist): it keeps everything in memory,
// and the run loses nothing.
func TestIntervalLogStaysInMemoryWithoutADisk(t *testing.T) {
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "missing"))
	want := loggedIntervals(60)
	l := intervalLog{limit: testSpill}
	for _, iv := range want {
		l.write(iv)
	}
	if l.file != nil || l.unusable == nil {
		t.Fatalf("the log has a file in a directory that does not exist")
	}
	sameIntervals(t, want, readLog(t, &l))
}

// TestIntervalLogSurvivesAFailingDisk makes the log's file fail after it
// spilled (as a full disk does): the log reads back what the file holds,
// continues in memory, and loses no interval.
func TestIntervalLogSurvivesAFailingDisk(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reopens the open file read-only through /proc")
	}
	t.Setenv("TMPDIR", t.TempDir())
	want := loggedIntervals(60)
	l := intervalLog{limit: testSpill}
	i := 0
	for ; l.file == nil; i++ {
		l.write(want[i])
	}
	l.write(want[i])
	i++
	// The same file, read-only: the next write fails, reading still works.
	ro, err := os.Open(fmt.Sprintf("/proc/self/fd/%d", l.file.Fd()))
	if err != nil {
		t.Skip(err)
	}
	l.file.Close()
	l.file = ro
	for ; i < len(want); i++ {
		l.write(want[i])
	}
	if l.file != nil || l.unusable == nil {
		t.Fatal("the log kept a file that failed")
	}
	sameIntervals(t, want, readLog(t, &l))
}
