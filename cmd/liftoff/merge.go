package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/liftoff/liftoff/loadgen"
	"github.com/liftoff/liftoff/report"
)

// mergeOptions are the flags of merge plus the injected env.
type mergeOptions struct {
	env          *env
	files        []string
	allowPartial bool
	outputs      outputOptions
}

func newMergeCmd(e *env, runF func(*mergeOptions) error) *cobra.Command {
	opts := &mergeOptions{env: e}
	cmd := &cobra.Command{
		Use:   "merge RESULTS...",
		Short: "Merge the results of a distributed run's segments and judge the whole run",
		Long: `merge reads the results files of the segments of one distributed run
('liftoff run --segment I/N --json seg-I.json' on each of N machines) and
combines them exactly, as one process with the whole plan would have
written them: counts and error classes add up, latency histograms merge
without loss (the merged percentiles and max are those of every request),
and the timelines align on the plan's common start (--start-at). The
verdict is judged again from the merged data; each segment's generator is
judged on its own, so one segment that could not keep up (or began late)
makes the run INCONCLUSIVE, and the reason names it and its host.

It prints the terminal report and writes --json, --html, --junit and
--markdown exactly as 'liftoff report' renders them; the merged --json
file is a results file that report, compare and merge itself read.
Merging is associative: merged files merge again with more segments.
Under GitHub Actions it writes the Markdown summary to the job's page and
annotates failed rules, as run does.

The files must belong together: the same scenario and plan, the same
seed, distinct segments of the same N. A file that does not (another
scenario, a segment twice, a single process's results, a truncated file)
is an error naming it, and nothing is written. A missing segment is an
error too, unless --allow-partial: the results then say which segments
are missing and are never GO.

Exit codes: 0 GO, 1 NO-GO, 3 INCONCLUSIVE; 2 when a file cannot be read
or does not belong, a segment is missing, or a flag or an output path is
wrong; 4 when an output cannot be written.`,
		Example: `  liftoff merge seg-*.json --json all.json --html all.html --junit all.xml --markdown all.md
  liftoff merge seg-0.json seg-2.json --allow-partial --markdown partial.md`,
		Args: argsFor(1, -1, "the results files of a run's segments", "liftoff merge seg-*.json"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.files = args
			if runF != nil {
				return runF(opts)
			}
			return mergeRun(opts)
		},
	}
	addOutputFlags(cmd, &opts.outputs)
	cmd.Flags().BoolVar(&opts.allowPartial, "allow-partial", false, "merge even when segments are missing: the results say which, and are never GO")
	return cmd
}

func mergeRun(opts *mergeOptions) error {
	collectTightly() // reading, judging and writing results is all this does
	e := opts.env
	inputs := make([]namedPath, len(opts.files))
	stdin := 0
	for i, f := range opts.files {
		inputs[i] = namedPath{"a results file", f}
		if f == "-" {
			stdin++
		}
	}
	if stdin > 1 {
		return usagef("standard input (-) can be only one of the files")
	}
	outs, err := opts.outputs.prepare(e, nil, inputs...)
	if err != nil {
		return err
	}
	// One file at a time: memory holds the merge so far and one file.
	var m loadgen.Merger
	for _, f := range opts.files {
		res, err := readResultsWith(e, f, report.ReadResults)
		if err != nil {
			return err
		}
		if err := m.Add(f, res); err != nil {
			return &usageError{err: err}
		}
	}
	merged, err := m.Result(opts.allowPartial)
	if err != nil {
		return &usageError{err: err}
	}
	doc, err := judge(merged)
	if err != nil {
		return err
	}
	termErr := report.WriteTerminal(terminalStream(e, destinations(outs)...), doc)
	gha := detectGitHubActions(e) // the job summary and annotations, as run writes them
	if err := errors.Join(writeOutputs(e, outs, doc), gha.publish(e.Err, doc), stdoutError(termErr)); err != nil {
		return err
	}
	if doc.Judgement.Verdict == report.Go {
		return nil
	}
	return &verdictError{verdict: doc.Judgement.Verdict}
}
