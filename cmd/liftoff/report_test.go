package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fixture is a results file from the report package's test data: real
// runs with a known verdict.
func fixture(name string) string {
	return filepath.Join("..", "..", "report", "testdata", name+".results.json")
}

// shortBody is a three-second run against the simulated shop (the
// scenario's name and target come from writeScenario).
const shortBody = `traffic:
  arrivals: poisson
  seed: 3
  phases:
    - { name: warm-up, duration: 1s, rate: 10/s }
    - { name: peak, duration: 2s, rate: 30/s }
journeys:
  - name: browse
    steps: [ GET /, GET /products/1 ]
slo:
  - error_rate < 50%
  - phase peak: error_rate < 50% for 1s
`

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestReportReproducesRun runs a real short test that writes every
// output, then renders them again with 'liftoff report' from the results
// file: every file, and the terminal report, must be the same byte for
// byte, and so must the exit code.
func TestReportReproducesRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	scen := writeScenario(t, "sim:shop?capacity=2000&service=5ms", shortBody)
	outputs := []string{"results.json", "report.html", "junit.xml", "summary.md"}
	flags := func(prefix string) []string {
		return []string{"--json", filepath.Join(dir, prefix+outputs[0]), "--html", filepath.Join(dir, prefix+outputs[1]),
			"--junit", filepath.Join(dir, prefix+outputs[2]), "--markdown", filepath.Join(dir, prefix+outputs[3])}
	}

	ran := newTestIO(nil)
	runCode := ran.liftoff(t.Context(), append([]string{"run", scen, "--progress", "none"}, flags("run-")...)...)
	if runCode != exitGo && runCode != exitNoGo && runCode != exitInconclusive {
		t.Fatalf("run exited %d: %s", runCode, ran.err)
	}

	rendered := newTestIO(nil)
	reportCode := rendered.liftoff(t.Context(), append([]string{"report", filepath.Join(dir, "run-results.json")}, flags("report-")...)...)
	if reportCode != runCode {
		t.Fatalf("report exited %d, run %d: %s", reportCode, runCode, rendered.err)
	}
	if diff := cmp.Diff(ran.out.String(), rendered.out.String()); diff != "" {
		t.Errorf("report's terminal output differs from run's (-run +report):\n%s", diff)
	}
	for _, name := range outputs {
		ran, rendered := readFile(t, filepath.Join(dir, "run-"+name)), readFile(t, filepath.Join(dir, "report-"+name))
		if !bytes.Equal(ran, rendered) {
			t.Errorf("%s: report wrote %d bytes that differ from run's %d:\n%s", name, len(rendered), len(ran), cmp.Diff(string(ran), string(rendered)))
		}
	}
	if html := string(readFile(t, filepath.Join(dir, "run-report.html"))); !strings.Contains(html, "Spring launch") || !strings.Contains(html, "<svg class=\"chart\"") {
		t.Errorf("the run's HTML report lacks its scenario or charts")
	}
}

// TestRunWritesOtherOutputsWhenOneFails: an output that cannot be
// written (a full device, which no check before the run can tell) costs
// exit 4, after the terminal report has been printed and the other
// outputs written.
func TestRunWritesOtherOutputsWhenOneFails(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	scen := writeScenario(t, "sim:shop?capacity=2000&service=5ms", shortBody)
	blocked := fullDevice(t)
	tio := newTestIO(nil)
	code := tio.liftoff(t.Context(), "run", scen, "--progress", "none", "--html", blocked, "--json", filepath.Join(dir, "r.json"))
	if code != exitRuntime {
		t.Fatalf("exit %d, want %d: %s", code, exitRuntime, tio.err)
	}
	// Any verdict will do: the point is that the report was printed. (A
	// loaded machine can make the generator late, and the run
	// INCONCLUSIVE.)
	out := tio.out.String()
	if !strings.Contains(out, "SLO rules") || !(strings.Contains(out, "\nGO: ") || strings.Contains(out, "\nNO-GO: ") || strings.Contains(out, "\nINCONCLUSIVE: ")) {
		t.Errorf("the terminal report was not printed:\n%s", out)
	}
	if !strings.Contains(tio.err.String(), "write "+blocked) {
		t.Errorf("stderr does not say which output failed:\n%s", tio.err)
	}
	if _, err := os.Stat(filepath.Join(dir, "r.json")); err != nil {
		t.Errorf("the other output was not written: %v", err)
	}
}

func TestReportExitCodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.json")
	if err := os.WriteFile(garbage, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	taken := filepath.Join(dir, "taken")
	if err := os.Mkdir(taken, 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		code    int
		stdout  string // a line the terminal report must hold
		stderr  string
		written string // a file that must exist afterwards
	}{
		{name: "GO", args: []string{"report", fixture("go")}, code: exitGo, stdout: "GO: the target is ready"},
		{name: "NO-GO", args: []string{"report", fixture("nogo")}, code: exitNoGo, stdout: "NO-GO: the target did not hold"},
		{name: "INCONCLUSIVE", args: []string{"report", fixture("inconclusive")}, code: exitInconclusive, stdout: "INCONCLUSIVE"},
		{name: "outputs", args: []string{"report", fixture("go"), "--html", filepath.Join(dir, "a.html"), "--markdown", filepath.Join(dir, "a.md")},
			code: exitGo, stderr: "html written to", written: filepath.Join(dir, "a.html")},
		{name: "missing file", args: []string{"report", filepath.Join(dir, "nope.json")}, code: exitUsage, stderr: "read results"},
		{name: "not a results file", args: []string{"report", garbage}, code: exitUsage, stderr: "garbage.json"},
		{name: "no argument", args: []string{"report"}, code: exitUsage},
		{name: "output directory missing", args: []string{"report", fixture("go"), "--html", filepath.Join(dir, "no", "such", "x.html")}, code: exitUsage,
			stderr: "--html " + filepath.Join(dir, "no", "such", "x.html") + ": directory " + filepath.Join(dir, "no", "such") + " does not exist"},
		{name: "one file for two outputs", args: []string{"report", fixture("go"), "--html", filepath.Join(dir, "x"), "--markdown", filepath.Join(dir, "x")}, code: exitUsage, stderr: "are the same file"},
		{name: "output is a directory", args: []string{"report", fixture("nogo"), "--junit", taken}, code: exitUsage, stderr: "--junit " + taken + ": is a directory; name a file in it"},
		{name: "output device full", args: []string{"report", fixture("nogo"), "--junit", "/dev/full"}, code: exitRuntime, stdout: "NO-GO", stderr: "write /dev/full: no space left on device"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tio := newTestIO(nil)
			if code := tio.liftoff(t.Context(), tc.args...); code != tc.code {
				t.Fatalf("liftoff %s: exit %d, want %d\nstderr: %s", strings.Join(tc.args, " "), code, tc.code, tio.err)
			}
			if !strings.Contains(tio.out.String(), tc.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tc.stdout, tio.out)
			}
			if !strings.Contains(tio.err.String(), tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, tio.err)
			}
			if tc.written != "" {
				if _, err := os.Stat(tc.written); err != nil {
					t.Errorf("output not written: %v", err)
				}
			}
		})
	}
}

func TestReportReadsStandardInput(t *testing.T) {
	t.Parallel()
	tio := newTestIO(nil)
	tio.env.In = bytes.NewReader(readFile(t, fixture("nogo")))
	if code := tio.liftoff(t.Context(), "report", "-"); code != exitNoGo {
		t.Fatalf("exit %d, want %d: %s", code, exitNoGo, tio.err)
	}
	if !strings.Contains(tio.out.String(), "Product launch") {
		t.Errorf("report of standard input lacks the scenario:\n%s", tio.out)
	}
}
