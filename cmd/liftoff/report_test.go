package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// testEnv is an env with buffers for streams and an empty environment.
func testEnv() (*env, *bytes.Buffer, *bytes.Buffer) {
	var out, errs bytes.Buffer
	return &env{In: strings.NewReader(""), Out: &out, Err: &errs, Getenv: func(string) (string, bool) { return "", false }}, &out, &errs
}

// fixture is a results file from the report package's test data: real
// runs with a known verdict.
func fixture(name string) string {
	return filepath.Join("..", "..", "report", "testdata", name+".results.json")
}

// shortScenario is a three-second run against the simulated shop.
const shortScenario = `name: Byte for byte
target: sim:shop?capacity=2000&service=5ms
traffic:
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

func writeScenario(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "scenario.yaml")
	if err := os.WriteFile(path, []byte(shortScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

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
	scen := writeScenario(t, dir)
	outputs := []string{"results.json", "report.html", "junit.xml", "summary.md"}
	flags := func(prefix string) []string {
		return []string{"--json", filepath.Join(dir, prefix+outputs[0]), "--html", filepath.Join(dir, prefix+outputs[1]),
			"--junit", filepath.Join(dir, prefix+outputs[2]), "--markdown", filepath.Join(dir, prefix+outputs[3])}
	}

	e, runOut, runErr := testEnv()
	runCode := execute(t.Context(), append([]string{"run", scen, "--progress", "none"}, flags("run-")...), e)
	if runCode != exitGo && runCode != exitNoGo && runCode != exitInconclusive {
		t.Fatalf("run exited %d: %s", runCode, runErr)
	}

	e, reportOut, reportErr := testEnv()
	reportCode := execute(t.Context(), append([]string{"report", filepath.Join(dir, "run-results.json")}, flags("report-")...), e)
	if reportCode != runCode {
		t.Fatalf("report exited %d, run %d: %s", reportCode, runCode, reportErr)
	}
	if diff := cmp.Diff(runOut.String(), reportOut.String()); diff != "" {
		t.Errorf("report's terminal output differs from run's (-run +report):\n%s", diff)
	}
	for _, name := range outputs {
		ran, rendered := readFile(t, filepath.Join(dir, "run-"+name)), readFile(t, filepath.Join(dir, "report-"+name))
		if !bytes.Equal(ran, rendered) {
			t.Errorf("%s: report wrote %d bytes that differ from run's %d:\n%s", name, len(rendered), len(ran), cmp.Diff(string(ran), string(rendered)))
		}
	}
	if html := string(readFile(t, filepath.Join(dir, "run-report.html"))); !strings.Contains(html, "Byte for byte") || !strings.Contains(html, "<svg class=\"chart\"") {
		t.Errorf("the run's HTML report lacks its scenario or charts")
	}
}

// TestRunOutputWriteFailure: an output that cannot be written costs exit
// 4, after the terminal report has been printed and the other outputs
// written.
func TestRunOutputWriteFailure(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	scen := writeScenario(t, dir)
	blocked := filepath.Join(dir, "taken")
	if err := os.Mkdir(blocked, 0o755); err != nil {
		t.Fatal(err)
	}
	e, out, errs := testEnv()
	code := execute(t.Context(), []string{"run", scen, "--progress", "none", "--html", blocked, "--json", filepath.Join(dir, "r.json")}, e)
	if code != exitRuntime {
		t.Fatalf("exit %d, want %d: %s", code, exitRuntime, errs)
	}
	if !strings.Contains(out.String(), "SLO rules") || !strings.Contains(out.String(), ": the target") {
		t.Errorf("the terminal report was not printed:\n%s", out)
	}
	if !strings.Contains(errs.String(), "--html") || !strings.Contains(errs.String(), blocked) {
		t.Errorf("stderr does not say which output failed:\n%s", errs)
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
		{name: "output directory missing", args: []string{"report", fixture("go"), "--html", filepath.Join(dir, "no", "such", "x.html")}, code: exitUsage, stderr: "does not exist"},
		{name: "one file for two outputs", args: []string{"report", fixture("go"), "--html", filepath.Join(dir, "x"), "--markdown", filepath.Join(dir, "x")}, code: exitUsage, stderr: "both write"},
		{name: "output not writable", args: []string{"report", fixture("nogo"), "--junit", taken}, code: exitRuntime, stdout: "NO-GO", stderr: "--junit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, out, errs := testEnv()
			if code := execute(t.Context(), tc.args, e); code != tc.code {
				t.Fatalf("liftoff %s: exit %d, want %d\nstderr: %s", strings.Join(tc.args, " "), code, tc.code, errs)
			}
			if !strings.Contains(out.String(), tc.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tc.stdout, out)
			}
			if !strings.Contains(errs.String(), tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, errs)
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
	e, out, errs := testEnv()
	e.In = bytes.NewReader(readFile(t, fixture("nogo")))
	if code := execute(t.Context(), []string{"report", "-"}, e); code != exitNoGo {
		t.Fatalf("exit %d, want %d: %s", code, exitNoGo, errs)
	}
	if !strings.Contains(out.String(), "Product launch") {
		t.Errorf("report of standard input lacks the scenario:\n%s", out)
	}
}
