package loadgen

import (
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/liftoff/liftoff/internal/spool"
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

// TestIntervalLogGivesBackEachInterval logs intervals below and past its
// memory limit, where no file can be made, and reads every one back as
// it was logged. Past the limit memory keeps nothing of the log, and no
// directory lists its file. (How the spool survives a file that fails
// is internal/spool's to test.)
func TestIntervalLogGivesBackEachInterval(t *testing.T) {
	tests := []struct {
		name      string
		intervals int
		noDisk    bool
		held      bool // memory holds the log
	}{
		{"a few, in memory", 3, false, true},
		{"past the limit, in a file", 60, false, false},
		{"past the limit, no disk", 60, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Setenv("TMPDIR", dir)
			if tc.noDisk {
				t.Setenv("TMPDIR", filepath.Join(dir, "missing"))
			}
			want := loggedIntervals(tc.intervals)
			l := intervalLog{spool: spool.Spool{Limit: testSpill}}
			for _, iv := range want {
				l.write(iv)
			}
			if held := l.spool.Held() > 0; held != tc.held {
				t.Errorf("memory holds %d bytes of the log, want it held: %v", l.spool.Held(), tc.held)
			}
			if left, _ := filepath.Glob(filepath.Join(dir, "*")); runtime.GOOS != "windows" && len(left) > 0 {
				t.Errorf("the log's file is listed while open: %v", left)
			}
			sameIntervals(t, want, readLog(t, &l))
			l.close()
		})
	}
}
