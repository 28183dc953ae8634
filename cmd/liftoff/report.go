package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/liftoff/liftoff/report"
)

// reportOptions are the flags of report plus the injected env.
type reportOptions struct {
	env     *env
	file    string
	outputs outputOptions
}

func newReportCmd(e *env, runF func(*reportOptions) error) *cobra.Command {
	opts := &reportOptions{env: e}
	cmd := &cobra.Command{
		Use:   "report RESULTS",
		Short: "Re-render a run's reports from its results file",
		Long: `report reads a results file written by 'liftoff run --json' (or 'demo'),
judges it again against the SLO rules it records, prints the terminal
report and writes the outputs asked for: --html, --junit, --markdown and
--json. Every output is the same, byte for byte, as the run itself would
have written: nothing is re-measured and no clock is read. RESULTS may be
- for standard input.

Exit codes follow the verdict, as for run: 0 GO, 1 NO-GO, 3 INCONCLUSIVE;
2 when RESULTS cannot be read, holds what no run writes (counts that do
not add up, histograms of another geometry, more than 10,000 timeline
intervals, more than 256 MiB), or a flag or an output path is wrong; 4
when an output cannot be written. Outputs are written as for run.`,
		Example: `  liftoff demo --json results.json
  liftoff report results.json
  liftoff report results.json --html report.html --junit junit.xml --markdown summary.md`,
		Args: argsFor(1, 1, "a results file (the --json file of a run)", "liftoff report results.json"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.file = args[0]
			if runF != nil {
				return runF(opts)
			}
			return reportRun(opts)
		},
	}
	addOutputFlags(cmd, &opts.outputs)
	return cmd
}

func reportRun(opts *reportOptions) error {
	collectTightly() // reading, judging and writing results is all this does
	e := opts.env
	outs, err := opts.outputs.prepare(e, nil, namedPath{"the results file", opts.file})
	if err != nil {
		return err
	}
	doc, err := readResults(e, opts.file)
	if err != nil {
		return err
	}
	termErr := report.WriteTerminal(terminalStream(e, destinations(outs)...), doc)
	if err := errors.Join(writeOutputs(e, outs, doc), stdoutError(termErr)); err != nil {
		return err
	}
	if doc.Judgement.Verdict == report.Go {
		return nil
	}
	return &verdictError{verdict: doc.Judgement.Verdict}
}

// readResults reads and judges a results file ("-" is standard input). A
// file that cannot be read, or holds what no run writes, is the caller's
// mistake: a usage error naming the file.
func readResults(e *env, file string) (report.Document, error) {
	return readResultsWith(e, file, report.ReadJSON)
}

// readResultsWith opens a results file ("-" is standard input) and reads
// it with read; any failure is a usage error naming the file.
func readResultsWith[T any](e *env, file string, read func(io.Reader) (T, error)) (T, error) {
	var zero T
	in := e.In
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return zero, &usageError{err: fmt.Errorf("read results: %w", err)}
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.IsDir() {
			return zero, &usageError{err: fmt.Errorf("read results: %s is a directory", file)}
		}
		in = f
	}
	v, err := read(in)
	if err != nil {
		return zero, &usageError{err: fmt.Errorf("%s: %w", file, err)}
	}
	return v, nil
}
