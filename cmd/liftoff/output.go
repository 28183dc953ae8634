package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/liftoff/liftoff/report"
)

// writeFileAtomic writes data to path whole or not at all: it writes a
// temporary file beside path and renames it into place, so a reader (or a
// CI step) never sees half a report, and a failed write leaves any old
// file untouched.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// render runs a renderer into memory, so a failed render never leaves a
// partial file.
func render(write func(*bytes.Buffer) error) ([]byte, error) {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
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
	f.StringVar(&o.json, "json", "", "write the results file (JSON: verdict, summary, histograms) to `FILE`")
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

// check catches one path given to two outputs before a run spends its
// time: the second write would silently replace the first.
func (o outputOptions) check() error {
	seen := map[string]string{}
	for _, w := range o.list() {
		clean := filepath.Clean(w.path)
		if other, ok := seen[clean]; ok {
			return usagef("%s and %s both write %s", other, w.flag, w.path)
		}
		seen[clean] = w.flag
	}
	return nil
}

// writeOutputs renders doc into every requested file. It tries every one,
// so one bad path does not cost the others, and returns their errors
// joined. Each file is written whole or not at all.
func writeOutputs(e *env, o outputOptions, doc report.Document) error {
	var errs []error
	for _, w := range o.list() {
		data, err := render(func(b *bytes.Buffer) error { return w.write(b, doc) })
		if err != nil {
			errs = append(errs, fmt.Errorf("render %s for %s: %w", w.path, w.flag, err))
			continue
		}
		if err := writeFileAtomic(w.path, data); err != nil {
			errs = append(errs, err) // names the file: "write PATH: …"
			continue
		}
		fmt.Fprintf(e.Err, "%s written to %s\n", strings.TrimPrefix(w.flag, "--"), w.path)
	}
	return errors.Join(errs...)
}
