package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestSegmentWorkflow checks the segmented workflow does what its
// comments and the README say: a matrix of SEGMENTS jobs, one per
// index, each running its segment from the common start the first job
// chose and keeping its results as an artifact; a merge job that runs
// whatever became of them, gathers every segment's artifact and merges
// them. Every liftoff command line names existing commands and flags.
func TestSegmentWorkflow(t *testing.T) {
	t.Parallel()
	w := readWorkflow(t, segmentWorkflow)
	n, err := strconv.Atoi(w.Env["SEGMENTS"])
	if err != nil {
		t.Fatalf("SEGMENTS %q: %v", w.Env["SEGMENTS"], err)
	}
	seg, ok := w.Jobs["segment"]
	if !ok {
		t.Fatal("no job segment")
	}
	var want []int
	for i := range n {
		want = append(want, i)
	}
	if got := seg.Strategy.Matrix["index"]; !slices.Equal(got, want) {
		t.Errorf("the matrix runs indexes %v, want %v for %d segments", got, want, n)
	}
	if seg.Strategy.FailFast == nil || *seg.Strategy.FailFast {
		t.Error("the matrix fails fast: one segment's failure would cancel the others")
	}
	if seg.Needs != "start" || !strings.Contains(w.Jobs["start"].Outputs["at"], "steps.at.outputs.at") || seg.Env["START_AT"] != "${{ needs.start.outputs.at }}" {
		t.Errorf("the segments do not take their --start-at from the start job (needs %q, START_AT %q)", seg.Needs, seg.Env["START_AT"])
	}
	if seg.Env["INDEX"] != "${{ matrix.index }}" {
		t.Errorf("INDEX is %q, not the matrix index", seg.Env["INDEX"])
	}
	run, _ := step(t, seg.Steps, "that runs a segment", func(s workflowStep) bool { return strings.Contains(s.Run, "liftoff run ") })
	for _, flag := range []string{`--segment "$INDEX/$SEGMENTS"`, `--start-at "$START_AT"`, `--json "seg-$INDEX.json"`} {
		if !strings.Contains(run.Run, flag) {
			t.Errorf("the segment's liftoff run lacks %s:\n%s", flag, run.Run)
		}
	}
	upload, _ := step(t, seg.Steps, "that uploads the segment's results", func(s workflowStep) bool { return strings.HasPrefix(s.Uses, "actions/upload-artifact@") })
	if upload.With["name"] != "liftoff-segment-${{ matrix.index }}" || upload.With["path"] != "seg-${{ matrix.index }}.json" || !strings.HasPrefix(upload.If, "always()") {
		t.Errorf("the segment's upload: name %q, path %q, if %q", upload.With["name"], upload.With["path"], upload.If)
	}

	merge, ok := w.Jobs["merge"]
	if !ok {
		t.Fatal("no job merge")
	}
	if merge.Needs != "segment" || !strings.HasPrefix(merge.If, "always()") {
		t.Errorf("the merge job needs %q if %q: it must run after the segments, whatever became of them", merge.Needs, merge.If)
	}
	download, downloadAt := step(t, merge.Steps, "that downloads the segments", func(s workflowStep) bool { return strings.HasPrefix(s.Uses, "actions/download-artifact@") })
	if download.With["pattern"] != "liftoff-segment-*" || download.With["merge-multiple"] != "true" {
		t.Errorf("the merge downloads %q (merge-multiple %q): want every segment's artifact in one directory", download.With["pattern"], download.With["merge-multiple"])
	}
	mergeStep, mergeAt := step(t, merge.Steps, "that merges", func(s workflowStep) bool { return strings.Contains(s.Run, "liftoff merge ") })
	if !strings.Contains(mergeStep.Run, fmt.Sprintf("liftoff merge %s/seg-*.json", download.With["path"])) || !strings.Contains(mergeStep.Run, "--markdown") {
		t.Errorf("the merge step does not merge the downloaded segments:\n%s", mergeStep.Run)
	}
	if strings.Contains(mergeStep.Run, "||") || mergeStep.If != "" {
		t.Error("the merge step hides the verdict: the job must fail on NO-GO or INCONCLUSIVE")
	}
	if downloadAt > mergeAt {
		t.Error("the merge runs before the download")
	}

	e := newTestIO(nil).env
	for _, job := range w.Jobs {
		for _, s := range job.Steps {
			for _, words := range liftoffLines(s.Run) {
				if err := commandLineProblem(e, words); err != nil {
					t.Errorf("step %q: %q: %v", s.Name, strings.Join(words, " "), err)
				}
			}
		}
	}
}
