package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/liftoff/liftoff/report"
)

// githubActions is what a run does differently inside a GitHub Actions job
// (GITHUB_ACTIONS=true): it folds its progress log into a group, prints
// the verdict's reasons as ::error and ::warning annotations, and appends
// the Markdown summary to the job's page ($GITHUB_STEP_SUMMARY). Nil
// outside GitHub Actions; its methods do nothing then.
type githubActions struct {
	stepSummary string // the file to append the summary to; empty when unset
}

// detectGitHubActions reads the variables the runner sets for every step.
func detectGitHubActions(e *env) *githubActions {
	if v, _ := e.Getenv("GITHUB_ACTIONS"); v != "true" {
		return nil
	}
	path, _ := e.Getenv("GITHUB_STEP_SUMMARY")
	return &githubActions{stepSummary: path}
}

// group starts a collapsed group named title in the log w, when progress
// will be shown, and returns the function that ends it. The runner reads
// workflow commands from stderr as from stdout, so the group markers go
// where the progress lines go and stay in order with them.
func (g *githubActions) group(w io.Writer, progress, title string) (end func()) {
	if g == nil || progress == progressNone {
		return func() {}
	}
	fmt.Fprintln(w, report.WorkflowCommand("group", "", title))
	return func() { fmt.Fprintln(w, report.WorkflowCommand("endgroup", "", "")) }
}

// publish writes doc's annotations to w and appends its Markdown summary
// to the step summary file. The summary is appended, not replaced: other
// steps' summaries share the page. A summary that cannot be written is an
// output that failed, as a report file is.
func (g *githubActions) publish(w io.Writer, doc report.Document) error {
	if g == nil {
		return nil
	}
	if err := report.WriteAnnotations(w, doc); err != nil {
		return err
	}
	if g.stepSummary == "" {
		return nil
	}
	var md bytes.Buffer
	if err := report.WriteMarkdown(&md, doc); err != nil {
		return fmt.Errorf("render the step summary: %w", err)
	}
	return appendFile(g.stepSummary, md.Bytes())
}

// appendFile appends data to the file at path in one write.
func appendFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("write the step summary: %w", err)
	}
	_, werr := f.Write(data)
	if err := errors.Join(werr, f.Close()); err != nil {
		return fmt.Errorf("write the step summary %s: %w", path, err)
	}
	return nil
}
