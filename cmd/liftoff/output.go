package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/liftoff/liftoff/internal/spool"
	"github.com/liftoff/liftoff/report"
)

// render runs a renderer into a spool, so a failed render never leaves a
// partial file. A large output (a long run's results file) moves from
// memory to a temporary file as it grows: rendered at the end of a run,
// when memory peaks. The caller closes the spool.
func render(write func(io.Writer) error) (*spool.Spool, error) {
	s := &spool.Spool{}
	if err := write(s); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// outputOptions are the report files run, demo and report can write,
// besides the terminal report they always print.
type outputOptions struct {
	json     string
	junit    string
	markdown string
	html     string
}

// addOutputFlags binds the output flags.
func addOutputFlags(cmd *cobra.Command, o *outputOptions) {
	f := cmd.Flags()
	f.StringVar(&o.json, "json", "", "write the results file (JSON: verdict, summary, histograms) to `FILE` (- for standard output)")
	f.StringVar(&o.junit, "junit", "", "write JUnit XML to `FILE`: one test case per SLO rule, one for the generator's health")
	f.StringVar(&o.markdown, "markdown", "", "write a Markdown summary to `FILE`, for a pull-request comment or a CI job summary")
	f.StringVar(&o.html, "html", "", "write the self-contained HTML report to `FILE`")
}

// output is one requested file and its renderer.
type output struct {
	flag, path string
	write      func(io.Writer, report.Document) error
}

func (o outputOptions) list() []output {
	all := []output{
		{"--json", o.json, report.WriteJSON},
		{"--junit", o.junit, report.WriteJUnit},
		{"--markdown", o.markdown, report.WriteMarkdown},
		{"--html", o.html, report.WriteHTML},
	}
	var out []output
	for _, w := range all {
		if w.path != "" {
			out = append(out, w)
		}
	}
	return out
}

// prepare decides where each output goes and checks it can be written
// there (see destination), before a run spends its time: an output that
// cannot be written fails the command at once, not after the run.
// also are more files the command writes (a stream's JSONL file),
// checked with the outputs; inputs are the files the command reads, which
// no output may replace.
func (o outputOptions) prepare(e *env, also []namedPath, inputs ...namedPath) ([]preparedOutput, error) {
	outs := o.list()
	paths := append(outputPaths(outs), also...)
	dests, err := resolveDestinations(e, paths, inputs)
	if err != nil {
		return nil, err
	}
	prepared := make([]preparedOutput, len(outs))
	for i, w := range outs {
		prepared[i] = preparedOutput{destination: dests[i], write: w.write}
	}
	return prepared, nil
}

// outputPaths names each output's path by its flag, for
// resolveDestinations.
func outputPaths(outs []output) []namedPath {
	var paths []namedPath
	for _, w := range outs {
		paths = append(paths, namedPath{w.flag, w.path})
	}
	return paths
}

func destinations(outs []preparedOutput) []destination {
	ds := make([]destination, len(outs))
	for i, o := range outs {
		ds[i] = o.destination
	}
	return ds
}

// preparedOutput is an output whose destination has been checked.
type preparedOutput struct {
	destination
	write func(io.Writer, report.Document) error
}

// terminalStream is where the terminal report goes: standard output,
// unless an output file takes it (--json -), then standard error.
func terminalStream(e *env, dests ...destination) io.Writer {
	for _, d := range dests {
		if d.stream == e.Out {
			return e.Err
		}
	}
	return e.Out
}

// writeOutputs renders doc into every requested file. It tries every one,
// so one bad path does not cost the others, and returns their errors
// joined. Each file is written whole or not at all.
func writeOutputs(e *env, outs []preparedOutput, doc report.Document) error {
	var errs []error
	for _, o := range outs {
		errs = append(errs, writeRendered(e, o.destination, func(w io.Writer) error { return o.write(w, doc) }))
	}
	return errors.Join(errs...)
}

// writeRendered renders one output into a spool, so a failed render never
// leaves a partial file, writes it to d and says so on standard error.
func writeRendered(e *env, d destination, renderTo func(io.Writer) error) error {
	data, err := render(renderTo)
	if err != nil {
		return fmt.Errorf("render %s for %s: %w", d.path, d.flag, err)
	}
	defer data.Close()
	if err := d.write(data); err != nil {
		return err // names the file: "write PATH: …"
	}
	fmt.Fprintf(e.Err, "%s written to %s\n", strings.TrimPrefix(d.flag, "--"), d.path)
	return nil
}

// stdoutError marks a report that could not be written to standard
// output (a closed pipe, a full disk): the output files are written all
// the same, and the command exits 4.
func stdoutError(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("write the report to standard output: %w", err)
}
