package probe

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/liftoff/liftoff/internal/golden"
	"github.com/liftoff/liftoff/report"
	"github.com/liftoff/liftoff/scenario"
)

// recorded reads one of report's recorded results files as a step's
// judged document.
func recorded(t *testing.T, name string) *report.Document {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "report", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := report.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	return &doc
}

// goldenResult is a probe made of recorded runs: 1×, 2× and the bisected
// 2.5× held (a GO run), 3× broke (a NO-GO run). The numbers inside each
// step are the recordings', not a real curve's; what the golden files
// pin is the layout and the contract's fields.
func goldenResult(t *testing.T) *Result {
	t.Helper()
	sc, err := scenario.Parse(strings.NewReader(`name: Spring sale email blast
target: http://127.0.0.1:8080
traffic:
  campaign: { shape: email-blast, audience: 400000, response: 6%, peak_at: 20m, duration: 3h }
journeys:
  - name: browse
    steps: [ GET / ]
`), "golden.yaml", scenario.Options{})
	if err != nil {
		t.Fatal(err)
	}
	peak, phase := sc.PeakPhase()
	w, err := scenario.ParseWhatIf("audience=2M")
	if err != nil {
		t.Fatal(err)
	}
	r := &Result{Scenario: sc.Name, PeakPhase: phase, Peak: peak, Shape: "email-blast", PerVisit: 1,
		Config: Config{Require: 2, WhatIfs: []scenario.WhatIf{w}}.withDefaults()}
	for i, st := range []struct {
		factor float64
		file   string
	}{{1, "go.results.json"}, {1.5, "go.results.json"}, {2, "go.results.json"}, {3, "nogo.results.json"}, {2.5, "go.results.json"}} {
		doc := recorded(t, st.file)
		s := &Step{Index: i + 1, Factor: st.factor, Bisect: i == 4, Visitors: float64(peak) * st.factor, Duration: 30 * time.Second,
			Doc: doc, Summary: report.Summarize(*doc), Outcome: Held}
		if doc.Judgement.Verdict == report.NoGo {
			s.Outcome = Broke
			s.Rule, s.Measured = breakingRule(doc.Judgement)
		}
		r.Steps = append(r.Steps, s)
	}
	r.finish(sc)
	return r
}

// TestGoldenOutputs pins every output of a probe; -update rewrites them.
func TestGoldenOutputs(t *testing.T) {
	t.Parallel()
	r := goldenResult(t)
	if r.Knee == nil || r.Knee.Factor != 2.5 || r.Breaking == nil || r.Breaking.Factor != 3 || r.Verdict != report.Go || r.LimitedBy != ByTarget {
		t.Fatalf("knee %v, break %v, verdict %s, limited by %s; want 2.5x, 3x, GO, target", r.Knee, r.Breaking, r.Verdict, r.LimitedBy)
	}
	for name, write := range map[string]func(io.Writer, *Result) error{
		"terminal.txt": WriteTerminal, "probe.json": WriteJSON, "summary.md": WriteMarkdown, "junit.xml": WriteJUnit, "probe.html": WriteHTML,
	} {
		var b bytes.Buffer
		if err := write(&b, r); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		golden.Check(t, filepath.Join("testdata", "golden", name), b.Bytes())
	}
}

// TestHTMLFirstScreen checks the page opens with the answer in plain
// words and draws the expected peak and the knee on the chart.
func TestHTMLFirstScreen(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := WriteHTML(&b, goldenResult(t)); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	first := strings.Index(page, "<h1>Ready for 2.5× the expected email-blast peak</h1>")
	chart := strings.Index(page, `<svg class="chart"`)
	if first < 0 || chart < first {
		t.Errorf("the page does not open with the answer before the chart (h1 at %d, chart at %d)", first, chart)
	}
	for _, want := range []string{`class="peak"`, `class="knee"`, "knee 2.5x", `class="p95"`, `class="errors"`, "<script"} {
		has := strings.Contains(page, want)
		if has != (want != "<script") {
			t.Errorf("page contains %q: %v", want, has)
		}
	}
}
