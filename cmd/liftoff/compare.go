package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/liftoff/liftoff/report"
	"github.com/liftoff/liftoff/scenario"
)

// compareOptions are the flags of compare plus the injected env.
type compareOptions struct {
	env           *env
	baseline      string
	current       string
	maxRegression string
	markdown      string
	json          string
}

// defaultMaxRegression is the tolerance when --max-regression is not given.
const defaultMaxRegression = "10%"

func newCompareCmd(e *env, runF func(*compareOptions) error) *cobra.Command {
	opts := &compareOptions{env: e}
	cmd := &cobra.Command{
		Use:   "compare BASELINE CURRENT",
		Short: "Compare a run's results with a baseline run's, metric by metric",
		Long: `compare reads two results files (from 'liftoff run --json') and shows, for
every SLO rule and for every journey and step (p50, p95, p99, error rate,
throughput), the baseline value, the current value and the change.

A metric regresses when it got worse by more than --max-regression,
relative to the baseline (latency and error rate going up, throughput
going down), and by more than a noise floor (1ms of latency, 0.1
percentage point of a ratio). Keys with fewer than 20 requests, and
throughput when the two runs planned different traffic, are shown but not
judged. Comparing a run with itself shows no change.

Results files are checked before they are trusted, as for report.
Outputs are checked before anything is read and written as for run
(- is standard output).

Exit codes: 0 no regression beyond the tolerance, 1 one or more
regressions, 2 usage error, a bad output path, or a results file that
cannot be read or holds what no run writes, 4 an output file or standard
output could not be written.`,
		Example: `  liftoff demo --json baseline.json
  liftoff demo --json current.json
  liftoff compare baseline.json current.json
  liftoff compare baseline.json current.json --max-regression 5% --markdown compare.md --json compare.json`,
		Args: argsFor(2, 2, "two results files, the baseline and the current run", "liftoff compare baseline.json current.json"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.baseline, opts.current = args[0], args[1]
			if runF != nil {
				return runF(opts)
			}
			return compareRun(opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.maxRegression, "max-regression", defaultMaxRegression, "how much worse a metric may get, relative to the baseline, before compare exits 1")
	f.StringVar(&opts.markdown, "markdown", "", "write the comparison as Markdown to `FILE` (- for standard output)")
	f.StringVar(&opts.json, "json", "", "write the comparison as JSON to `FILE` (- for standard output)")
	return cmd
}

// regressionError carries "a metric regressed" to exit code 1. The
// comparison has said which, so execute prints nothing for it.
type regressionError struct{ count int }

func (e *regressionError) Error() string { return fmt.Sprintf("%d regressions", e.count) }

func compareRun(opts *compareOptions) error {
	collectTightly() // reading, judging and writing results is all this does
	tolerance, err := scenario.ParseRatio(opts.maxRegression)
	if err != nil {
		return usagef("--max-regression %q: %v", opts.maxRegression, err)
	}
	if opts.baseline == "-" && opts.current == "-" {
		return usagef("only one of BASELINE and CURRENT can be standard input")
	}
	e := opts.env
	writers := map[string]func(io.Writer, report.Comparison) error{"--markdown": report.WriteComparisonMarkdown, "--json": report.WriteComparisonJSON}
	var asked []namedPath
	for _, o := range []namedPath{{"--markdown", opts.markdown}, {"--json", opts.json}} {
		if o.path != "" {
			asked = append(asked, o)
		}
	}
	dests, err := resolveDestinations(e, asked, []namedPath{{"the baseline", opts.baseline}, {"the current results", opts.current}})
	if err != nil {
		return err
	}
	base, err := readResults(e, opts.baseline)
	if err != nil {
		return err
	}
	cur, err := readResults(e, opts.current)
	if err != nil {
		return err
	}
	c := report.Compare(base, cur, opts.baseline, opts.current, float64(tolerance))
	errs := []error{stdoutError(report.WriteComparisonTerminal(terminalStream(e, dests...), c))}
	for _, d := range dests {
		write := writers[d.flag]
		errs = append(errs, writeRendered(e, d, func(w io.Writer) error { return write(w, c) }))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if n := len(c.Regressions()); n > 0 {
		return &regressionError{count: n}
	}
	return nil
}
