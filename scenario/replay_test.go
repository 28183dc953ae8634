package scenario

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseExport(t *testing.T) {
	t.Parallel()
	m := time.Minute
	type row struct {
		At       time.Duration
		Visitors float64
	}
	tests := []struct {
		name string
		csv  string
		want []row
	}{
		{"minutes", "0,10\n15,20\n30,30\n", []row{{0, 10}, {15 * m, 20}, {30 * m, 30}}},
		{"durations", "0s,10\n15m,20\n1h,30\n", []row{{0, 10}, {15 * m, 20}, {60 * m, 30}}},
		{"clock past midnight", "23:30,10\n23:45,20\n00:00,30\n00:15:00,40\n", []row{{0, 10}, {15 * m, 20}, {30 * m, 30}, {45 * m, 40}}},
		{"date and time", "2025-11-28 10:00,5\n2025-11-28 10:15,6\n", []row{{0, 5}, {15 * m, 6}}},
		{"RFC 3339 across days", "2025-11-28T23:00:00Z,5\n2025-11-29T01:00:00+01:00,6\n", []row{{0, 5}, {time.Hour, 6}}},
		{"header, comments, blank lines, BOM", "\ufeff# exported 2025-11-29\nTime,Sessions,Users\n\n10:00,1200,900\n10:15,1300,950\n", []row{{0, 1200}, {15 * m, 1300}}},
		{"semicolons", "Uhrzeit;Besucher\n10:00;12\n10:30;14\n", []row{{0, 12}, {30 * m, 14}}},
		{"tabs and grouped thousands", "time\tvisitors\n0\t\"12,345\"\n60\t1.5k\n", []row{{0, 12345}, {60 * m, 1500}}},
		{"quoted with commas", "time,visitors\n0,\"12,345\"\n10,\"1,000,000.5\"\n", []row{{0, 12345}, {10 * m, 1000000.5}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rows, err := parseExport(strings.NewReader(tc.csv))
			if err != nil {
				t.Fatalf("parseExport: %v", err)
			}
			var got []row
			for _, r := range rows {
				got = append(got, row{r.at, r.visitors})
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExportProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, csv, want string
	}{
		{"empty", "", "has no rows of time,visitors"},
		{"header only", "time,visitors\n", "has no rows of time,visitors"},
		{"one row", "time,visitors\n10:00,5\n", "line 2: has one row; the interval needs at least two (add the next interval's row, even with 0 visitors)"},
		{"one column", "10:00,5\n10:15\n", `line 2: expected two columns, time and visitors, found "10:15"`},
		{"not a number", "0,10\n15,lots\n", `line 2: "lots" is not a number of visitors`},
		{"negative", "0,10\n15,-3\n", `line 2: "-3" visitors is negative`},
		{"bad time", "0,10\nsoon,3\n", `line 2: cannot read time "soon" (use minutes (15), a duration (15m), a clock time (10:15) or a date and time (2025-11-28 10:15))`},
		{"mixed forms", "10:00,10\n15m,3\n", `line 2: time "15m" is written differently from the first row's (write every time the same way)`},
		{"unsorted", "10:15,10\n10:00,3\n", `line 2: time "10:00" is not after the row before it (sort the rows by time, one row per interval)`},
		{"repeated", "0,10\n0,3\n", `line 2: time "0" is not after the row before it (sort the rows by time, one row per interval)`},
		{"off the grid", "0,10\n10,3\n25,4\n", "line 3: the row is 25m after the first, not a whole number of 10m intervals (exports have one row per interval of equal length)"},
		{"nobody came", "0,0\n15,0\n", "every row has 0 visitors"},
		{"bad quoting", "0,10\n15,\"3\n", `line 2: extraneous or missing " in quoted-field`},
		{"too long", "0,1\n1,1\n10000000,1\n", "line 3: the export spans more than 100000 intervals of 1m (export coarser intervals)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rows, err := parseExport(strings.NewReader(tc.csv))
			if err == nil {
				_, _, _, err = exportCurve(rows)
			}
			if err == nil || err.Error() != tc.want {
				t.Errorf("error = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestExportCurve checks the replay's curve: missing rows count as nobody,
// the integral is the export's total, and the peak is in the busiest
// interval, at its middle.
func TestExportCurve(t *testing.T) {
	t.Parallel()
	rows, err := parseExport(strings.NewReader("0,900\n15,1800\n45,4500\n60,900\n"))
	if err != nil {
		t.Fatal(err)
	}
	cs, area, interval, err := exportCurve(rows)
	if err != nil {
		t.Fatal(err)
	}
	// 1/s, 2/s, nothing (the missing 30), 5/s, 1/s; relative to the peak of 5/s
	want := []corner{{0, 0.2}, {450, 0.2}, {1350, 0.4}, {2250, 0}, {3150, 1}, {4050, 0.2}, {4500, 0.2}}
	if diff := cmp.Diff(want, cs, cmp.AllowUnexported(corner{}), cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-12 })); diff != "" {
		t.Errorf("corners (-want +got):\n%s", diff)
	}
	if interval != 15*time.Minute || area != 8100.0/5 {
		t.Errorf("interval %s, area %v; want 15m, %v", interval, area, 8100.0/5)
	}
	plan := shapedPlan(cs, area, 8100, ShapeCustom, 0)
	if got := plan.Visitors(); math.Abs(got-8100) > 1e-9 {
		t.Errorf("Visitors() = %v, want 8100", got)
	}
	if rate, at := plan.Peak(); rate != 5 || at != 52*time.Minute+30*time.Second {
		t.Errorf("Peak() = %v at %s, want 5/s at 52m30s", rate, at)
	}
}

// TestLongExport checks an export longer than maxExportGroups intervals:
// it is replayed in groups of whole intervals, with the same total.
func TestLongExport(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	total := 0.0
	for i := range 2500 {
		v := 100 + 50*math.Sin(float64(i)/100)
		total += v
		fmt.Fprintf(&b, "%d,%g\n", i, v)
	}
	rows, err := parseExport(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	cs, area, _, err := exportCurve(rows)
	if err != nil {
		t.Fatal(err)
	}
	plan := shapedPlan(cs, area, total, ShapeCustom, 0)
	if n := len(plan.Curve); n > maxExportGroups+2 {
		t.Errorf("%d corners, want at most %d", n, maxExportGroups+2)
	}
	if got := plan.Visitors(); math.Abs(got-total) > 1e-9*total {
		t.Errorf("Visitors() = %v, want %v", got, total)
	}
	if got := plan.Duration(); got != 2500*time.Minute {
		t.Errorf("Duration() = %s, want 41h40m", got)
	}
}

// FuzzParseExport checks that no export makes the parser panic, and that
// every export it accepts becomes a curve of finite, non-negative rates in
// time order that integrates to the export's total.
func FuzzParseExport(f *testing.F) {
	for _, s := range []string{
		"0,10\n15,20\n", "23:30,10\n00:00,30\n", "time;visitors\n10:00;1\n10:30;2\n",
		"2025-11-28 10:00,5\n2025-11-28 10:15,6\n", "0,\"12,345\"\n1,1e308\n", "0,1\n1e300,1\n", "\ufeff#x\n0s,1\n1h,0\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rows, err := parseExport(strings.NewReader(s))
		if err != nil {
			return
		}
		cs, area, _, err := exportCurve(rows)
		if err != nil {
			return
		}
		total := 0.0
		for _, r := range rows {
			total += r.visitors
		}
		if math.IsInf(total, 0) || math.IsInf(area, 0) {
			return // beyond float64: the plan is meaningless, not a crash
		}
		for i, c := range cs {
			if math.IsNaN(c.v) || c.v < 0 || c.v > 1 || (i > 0 && c.t < cs[i-1].t) {
				t.Fatalf("corner %d = %+v after %+v", i, c, cs[max(0, i-1)])
			}
		}
		plan := shapedPlan(cs, area, total, ShapeCustom, 0)
		if got := plan.Visitors(); math.Abs(got-total) > 1e-6*total {
			t.Fatalf("Visitors() = %v, want %v", got, total)
		}
	})
}
