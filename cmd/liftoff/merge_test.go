package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/liftoff/liftoff/report"
)

// segmentBody is a two-second Poisson ramp for segment runs.
const segmentBody = `traffic:
  arrivals: poisson
  seed: 11
  phases: [ { name: ramp, duration: 2s, rate: 30/s, ramp_to: 60/s } ]
journeys:
  - name: browse
    steps: [ GET /, GET /products/1 ]
slo:
  - error_rate < 50%
`

// runSegmentsCLI runs the n segments of scenario scen in process, all at
// once on one --start-at, each writing dir/seg-I.json, and returns their
// exit codes.
func runSegmentsCLI(t *testing.T, scen, dir string, n int, extra ...string) []int {
	t.Helper()
	start := time.Now().Add(time.Second).UTC().Format(time.RFC3339Nano)
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		tio := newTestIO(nil)
		tio.env.Hostname = func() (string, error) { return fmt.Sprintf("pod-%d", i), nil }
		args := append([]string{"run", scen, "--progress", "none", "--segment", fmt.Sprintf("%d/%d", i, n), "--start-at", start,
			"--json", filepath.Join(dir, fmt.Sprintf("seg-%d.json", i))}, extra...)
		wg.Go(func() {
			codes[i] = tio.liftoff(t.Context(), args...)
			if codes[i] == exitUsage || codes[i] == exitRuntime {
				t.Errorf("segment %d exited %d: %s", i, codes[i], tio.err)
			}
		})
	}
	wg.Wait()
	return codes
}

func readDoc(t *testing.T, path string) report.Document {
	t.Helper()
	doc, err := report.ReadJSON(bytes.NewReader(readFile(t, path)))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestMergeSegments runs three segments against a loopback target on one
// --start-at, merges them, and checks the merged run: its counts are the
// segments' sums, its plan the single process's, every output is what
// 'liftoff report' renders from the merged file, byte for byte, and
// compare reads it.
func TestMergeSegments(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	scen := writeScenario(t, server(t, func(w http.ResponseWriter, r *http.Request) {}), segmentBody)
	runSegmentsCLI(t, scen, dir, 3)
	single := newTestIO(nil)
	if code := single.liftoff(t.Context(), "run", scen, "--progress", "none", "--json", filepath.Join(dir, "single.json")); code == exitUsage || code == exitRuntime {
		t.Fatalf("the single process exited %d: %s", code, single.err)
	}

	outputs := []string{"all.json", "all.html", "all.xml", "all.md"}
	flags := func(prefix string) []string {
		return []string{"--json", filepath.Join(dir, prefix+outputs[0]), "--html", filepath.Join(dir, prefix+outputs[1]),
			"--junit", filepath.Join(dir, prefix+outputs[2]), "--markdown", filepath.Join(dir, prefix+outputs[3])}
	}
	segs, _ := filepath.Glob(filepath.Join(dir, "seg-*.json"))
	merged := newTestIO(nil)
	mergeCode := merged.liftoff(t.Context(), append(append([]string{"merge"}, segs...), flags("merge-")...)...)
	if mergeCode == exitUsage || mergeCode == exitRuntime {
		t.Fatalf("merge exited %d: %s", mergeCode, merged.err)
	}
	rendered := newTestIO(nil)
	if code := rendered.liftoff(t.Context(), append([]string{"report", filepath.Join(dir, "merge-all.json")}, flags("report-")...)...); code != mergeCode {
		t.Fatalf("report of the merged file exited %d, merge %d: %s", code, mergeCode, rendered.err)
	}
	if diff := cmp.Diff(merged.out.String(), rendered.out.String()); diff != "" {
		t.Errorf("report's terminal output differs from merge's (-merge +report):\n%s", diff)
	}
	for _, name := range outputs {
		if a, b := readFile(t, filepath.Join(dir, "merge-"+name)), readFile(t, filepath.Join(dir, "report-"+name)); !bytes.Equal(a, b) {
			t.Errorf("%s: report renders the merged file differently from merge:\n%s", name, cmp.Diff(string(a), string(b)))
		}
	}

	all, one := readDoc(t, filepath.Join(dir, "merge-all.json")), readDoc(t, filepath.Join(dir, "single.json"))
	var requests int64
	for _, s := range segs {
		requests += readDoc(t, s).Results.Requests
	}
	if all.Results.Requests != requests {
		t.Errorf("merged %d requests, the segments %d", all.Results.Requests, requests)
	}
	if all.Results.Arrivals.Planned != one.Results.Arrivals.Planned || all.Results.Arrivals.Scheduled() != one.Results.Arrivals.Scheduled() {
		t.Errorf("merged plan: %v planned, %d scheduled; the single process %v, %d", all.Results.Arrivals.Planned, all.Results.Arrivals.Scheduled(),
			one.Results.Arrivals.Planned, one.Results.Arrivals.Scheduled())
	}
	// What the target did is the same in both; a loaded machine may make
	// either generator late, which only ever makes a verdict INCONCLUSIVE.
	if v, w := all.Judgement.Verdict, one.Judgement.Verdict; v != w && v != report.Inconclusive && w != report.Inconclusive {
		t.Errorf("merged verdict %s, the single process %s", v, w)
	}
	for i, h := range all.Judgement.Health.Segments {
		if want := fmt.Sprintf("pod-%d", i); h.Host != want || h.Segment != fmt.Sprintf("%d/3", i) {
			t.Errorf("segment health %d is %s on %q, want %d/3 on %q", i, h.Segment, h.Host, i, want)
		}
	}
	cmp := newTestIO(nil)
	if code := cmp.liftoff(t.Context(), "compare", filepath.Join(dir, "single.json"), filepath.Join(dir, "merge-all.json")); code == exitUsage || code == exitRuntime {
		t.Errorf("compare of the single and the merged run exited %d: %s", code, cmp.err)
	}
}

// TestMergeRefusesBadInput: files that do not belong together, or are not
// whole, are a usage error naming the file, and nothing is written.
func TestMergeRefusesBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target := server(t, func(w http.ResponseWriter, r *http.Request) {})
	short := strings.Replace(segmentBody, "duration: 2s", "duration: 1s", 1)
	runSegmentsCLI(t, writeScenario(t, target, short), dir, 3)
	other := t.TempDir()
	runSegmentsCLI(t, writeScenario(t, target, strings.Replace(short, "name: browse", "name: look", 1)), other, 2)
	single := filepath.Join(dir, "single.json")
	if code := newTestIO(nil).liftoff(t.Context(), "run", writeScenario(t, target, short), "--progress", "none", "--json", single); code == exitUsage || code == exitRuntime {
		t.Fatalf("single run exited %d", code)
	}
	whole := readFile(t, filepath.Join(dir, "seg-2.json"))
	truncated := filepath.Join(dir, "truncated.json")
	if err := os.WriteFile(truncated, whole[:len(whole)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	seg := func(i int) string { return filepath.Join(dir, fmt.Sprintf("seg-%d.json", i)) }

	tests := []struct {
		name  string
		files []string
		want  string
	}{
		{"another scenario", []string{seg(0), seg(1), filepath.Join(other, "seg-1.json")}, filepath.Join(other, "seg-1.json")},
		{"a duplicate segment", []string{seg(0), seg(1), seg(1), seg(2)}, seg(1) + ": segment 1/3 is in " + seg(1) + " already"},
		{"a missing segment", []string{seg(0), seg(2)}, "segment 1/3 of 3 missing"},
		{"a single process", []string{seg(0), single, seg(1), seg(2)}, single + " holds the results of a single process"},
		{"a truncated file", []string{seg(0), seg(1), truncated}, truncated + ": "},
	}
	for _, tc := range tests {
		out := filepath.Join(t.TempDir(), "out")
		tio := newTestIO(nil)
		code := tio.liftoff(t.Context(), append([]string{"merge", "--json", out + ".json", "--html", out + ".html", "--markdown", out + ".md"}, tc.files...)...)
		if code != exitUsage || !strings.Contains(tio.err.String(), tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d and %q", tc.name, code, tio.err, exitUsage, tc.want)
		}
		if tio.out.String() != "" {
			t.Errorf("%s: printed a report:\n%s", tc.name, tio.out)
		}
		for _, ext := range []string{".json", ".html", ".md"} {
			if _, err := os.Stat(out + ext); err == nil {
				t.Errorf("%s: wrote %s", tc.name, out+ext)
			}
		}
	}

	tio := newTestIO(nil)
	partial := filepath.Join(t.TempDir(), "partial.json")
	code := tio.liftoff(t.Context(), "merge", "--allow-partial", "--json", partial, seg(2), seg(0))
	if code == exitGo || code == exitUsage || !strings.Contains(tio.out.String(), "missing: 1/3") {
		t.Errorf("--allow-partial: exit %d, want a verdict that is not GO naming segment 1/3:\n%s%s", code, tio.out, tio.err)
	}
	var file struct {
		Verdict string `json:"verdict"`
	}
	if err := json.Unmarshal(readFile(t, partial), &file); err != nil || file.Verdict == "GO" {
		t.Errorf("the partial results file: verdict %q, %v", file.Verdict, err)
	}
}
