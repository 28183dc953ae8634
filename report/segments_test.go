package report

import (
	"strings"
	"testing"
	"time"

	"github.com/liftoff/liftoff/loadgen"
)

// mergedFixture merges n copies of the GO fixture's results as the n
// segments of one run, on hosts pod-0…; change edits segment i's results
// first. Only the first copies (keep of n) are merged.
func mergedFixture(t *testing.T, n, keep int, change func(i int, r *loadgen.Results)) Document {
	t.Helper()
	var m loadgen.Merger
	for i := range keep {
		r := fixture(t, "go").Results
		r.Segment, r.Host = loadgen.Segment{Index: i, Count: n}, "pod-"+string(rune('0'+i))
		if change != nil {
			change(i, r)
		}
		if err := m.Add(r.Host, r); err != nil {
			t.Fatal(err)
		}
	}
	res, err := m.Result(keep < n)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := NewDocument(res)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestSegmentsJudgedApart: the generators of a merged run are judged one
// by one. One that could not keep up makes the run INCONCLUSIVE with its
// name, even when the others' numbers would hide it in the totals; a late
// start is named too; a partial merge is never GO.
func TestSegmentsJudgedApart(t *testing.T) {
	t.Parallel()
	if v := fixture(t, "go").Judgement.Verdict; v != Go {
		t.Fatalf("the go fixture is %s", v)
	}
	tests := []struct {
		name    string
		n, keep int
		change  func(i int, r *loadgen.Results)
		verdict Verdict
		want    []string // in the reasons
		not     []string // nowhere in the reasons
	}{
		{name: "every segment kept up", n: 3, keep: 3, verdict: Go, not: []string{"Segment"}},
		{
			name: "one segment missed arrivals", n: 4, keep: 4, verdict: Inconclusive,
			change: func(i int, r *loadgen.Results) {
				if i == 2 {
					r.Arrivals.Missed = r.Arrivals.Started // half of its arrivals; an eighth of the run's
				}
			},
			want: []string{"Segment 2/4 (pod-2): "},
			not:  []string{"Segment 0/4", "Segment 1/4", "Segment 3/4"},
		},
		{
			name: "one segment started a second late", n: 2, keep: 2, verdict: Inconclusive,
			change: func(i int, r *loadgen.Results) {
				if i == 1 {
					r.Started = r.Started.Add(time.Second)
				}
			},
			want: []string{"The segments did not start together: Segment 1/2 (pod-1) started 1000ms after Segment 0/2 (pod-0)"},
		},
		{
			// Each machine has its own ports: the segment that came close
			// is named, and a warning leaves the verdict as it was.
			name: "one segment near its local ports", n: 2, keep: 2, verdict: Go,
			change: func(i int, r *loadgen.Results) {
				r.Signals.LocalPorts, r.Signals.PeakConns = 28232, 1000
				if i == 1 {
					r.Signals.PeakConns = 25000
				}
			},
			want: []string{"Segment 1/2 (pod-1): The generator came close to running out of local ports: 25,000 connections were open"},
			not:  []string{"Segment 0/2"},
		},
		{name: "a segment missing", n: 3, keep: 2, verdict: Inconclusive, want: []string{"merge 2 of 3 segments (missing: 2/3)"}},
	}
	for _, tc := range tests {
		doc := mergedFixture(t, tc.n, tc.keep, tc.change)
		j := doc.Judgement
		reasons := strings.Join(j.Reasons, "\n")
		if j.Verdict != tc.verdict {
			t.Errorf("%s: %s, want %s:\n%s", tc.name, j.Verdict, tc.verdict, reasons)
		}
		for _, w := range tc.want {
			if !strings.Contains(reasons, w) {
				t.Errorf("%s: the reasons lack %q:\n%s", tc.name, w, reasons)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(reasons, w) {
				t.Errorf("%s: the reasons name %q:\n%s", tc.name, w, reasons)
			}
		}
		if len(j.Health.Segments) != tc.keep {
			t.Errorf("%s: %d segments judged, want %d", tc.name, len(j.Health.Segments), tc.keep)
		}
	}
}

// TestOneSegmentIsNeverGo: one segment's own results tested a share of
// the plan only, and say which.
func TestOneSegmentIsNeverGo(t *testing.T) {
	t.Parallel()
	r := fixture(t, "go").Results
	r.Segment, r.Host = loadgen.Segment{Index: 1, Count: 3}, "pod-1"
	doc, err := NewDocument(r)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Judgement.Verdict == Go || !strings.Contains(strings.Join(doc.Judgement.Reasons, "\n"), "segment 1/3 (pod-1) of a distributed run") {
		t.Errorf("%s: %q", doc.Judgement.Verdict, doc.Judgement.Reasons)
	}
}
