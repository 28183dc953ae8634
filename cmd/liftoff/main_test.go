package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the progress goroutine and the
// test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type testIO struct {
	out, err *syncBuffer
	env      *env
}

func newTestIO(vars map[string]string) *testIO {
	tio := &testIO{out: &syncBuffer{}, err: &syncBuffer{}}
	tio.env = &env{In: strings.NewReader(""), Out: tio.out, Err: tio.err, Getenv: func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}}
	return tio
}

// liftoff runs the command line in process and returns the exit code.
func (tio *testIO) liftoff(ctx context.Context, args ...string) int {
	return execute(ctx, args, tio.env)
}

// writeScenario writes a scenario for target into a temp dir.
func writeScenario(t *testing.T, target, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "launch.yaml")
	src := "name: Spring launch\ntarget: " + target + "\n" + body
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func server(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

const shortPlan = `traffic:
  arrivals: uniform
  phases: [ { duration: 1s, rate: 20/s } ]
journeys:
  - name: browse
    steps: [ GET /, GET /products/1 ]
`

func TestRunVerdictsAndExitCodes(t *testing.T) {
	t.Parallel()
	ok := server(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
	failing := server(t, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "overloaded", http.StatusServiceUnavailable)
	})
	slow := server(t, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
		fmt.Fprint(w, "ok")
	})
	tests := []struct {
		name     string
		target   string
		body     string
		code     int
		verdict  string
		inOutput string
	}{
		// A limit far above a loopback answer: only a generator late by
		// a tenth of it (500ms) on 5 requests makes the run INCONCLUSIVE.
		{"go", ok, shortPlan + "slo: [ p95 < 5s, error_rate < 1% ]\n", exitGo, "GO", "GO: the target is ready for the planned traffic."},
		{"no-go", failing, shortPlan + "slo: [ error_rate < 1% ]\n", exitNoGo, "NO-GO", "The error rate was 100% (rule: error_rate < 1%), worst at 0s."},
		{"inconclusive", slow, strings.Replace(shortPlan, "arrivals: uniform", "arrivals: uniform\n  max_concurrency: 1", 1) + "slo: [ p95 < 1s ]\n", exitInconclusive, "INCONCLUSIVE", "The generator was the bottleneck"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			file := writeScenario(t, tc.target, tc.body)
			out := filepath.Join(t.TempDir(), "results.json")
			tio := newTestIO(nil)
			code := tio.liftoff(t.Context(), "run", file, "--json", out, "--progress", "none")
			if code != tc.code {
				t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, tio.out, tio.err)
			}
			if !strings.Contains(tio.out.String(), tc.inOutput) {
				t.Errorf("stdout does not contain %q:\n%s", tc.inOutput, tio.out)
			}
			var doc struct {
				Verdict  string
				Findings []struct {
					Rule     string
					Passed   bool
					Measured float64
					Limit    float64
				}
				Summary struct {
					Requests     int64
					ErrorRate    float64            `json:"error_rate"`
					PlannedRate  float64            `json:"planned_rate"`
					AchievedRate float64            `json:"achieved_rate"`
					LatencyMS    map[string]float64 `json:"latency_ms"`
					LagMS        map[string]float64 `json:"lag_ms"`
					Arrivals     map[string]int64
				}
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(data, &doc); err != nil {
				t.Fatal(err)
			}
			if doc.Verdict != tc.verdict {
				t.Errorf("results file verdict %q, want %q", doc.Verdict, tc.verdict)
			}
			for _, k := range []string{"p50", "p90", "p95", "p99", "p999", "max", "mean"} {
				if _, ok := doc.Summary.LatencyMS[k]; !ok {
					t.Errorf("summary.latency_ms.%s missing", k)
				}
			}
			for _, k := range []string{"planned", "started", "missed"} {
				if _, ok := doc.Summary.Arrivals[k]; !ok {
					t.Errorf("summary.arrivals.%s missing", k)
				}
			}
			if doc.Summary.PlannedRate != 40 {
				t.Errorf("summary.planned_rate = %v, want 40 (20 visitors/s × 2 steps)", doc.Summary.PlannedRate)
			}
			if len(doc.Findings) == 0 || doc.Findings[0].Rule == "" {
				t.Errorf("findings = %+v", doc.Findings)
			}
		})
	}
}

func TestRunInterrupted(t *testing.T) {
	t.Parallel()
	target := server(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
	file := writeScenario(t, target, "traffic:\n  phases: [ { duration: 10m, rate: 20/s } ]\njourneys:\n  - name: b\n    steps: [ GET / ]\nslo: [ p95 < 1s ]\n")
	out := filepath.Join(t.TempDir(), "partial.json")
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(700*time.Millisecond, cancel)
	tio := newTestIO(nil)
	code := tio.liftoff(ctx, "run", file, "--json", out, "--progress", "none", "--grace", "1s")
	if code != exitInterrupted {
		t.Fatalf("exit code %d, want %d\n%s\n%s", code, exitInterrupted, tio.out, tio.err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("partial results were not written: %v", err)
	}
	var doc struct {
		Verdict     string
		Interrupted bool
		Summary     struct{ Requests int64 }
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if !doc.Interrupted || doc.Summary.Requests == 0 || doc.Verdict != "INCONCLUSIVE" {
		t.Errorf("partial results: %+v, want interrupted, some requests, INCONCLUSIVE", doc)
	}
	if !strings.Contains(tio.out.String(), "(interrupted)") || !strings.Contains(tio.out.String(), "The run was interrupted after") {
		t.Errorf("terminal report does not say it was interrupted:\n%s", tio.out)
	}
}

func TestRunOutputFailureIsRuntimeError(t *testing.T) {
	t.Parallel()
	target := server(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
	file := writeScenario(t, target, shortPlan)
	tio := newTestIO(nil)
	full := fullDevice(t)
	code := tio.liftoff(t.Context(), "run", file, "--json", full, "--progress", "none")
	if code != exitRuntime {
		t.Fatalf("exit code %d, want %d\n%s", code, exitRuntime, tio.err)
	}
	// Any verdict will do: the point is that the report was printed (a
	// loaded machine can make the generator late and the run INCONCLUSIVE).
	if out := tio.out.String(); !strings.Contains(out, "\nGO: ") && !strings.Contains(out, "\nINCONCLUSIVE: ") {
		t.Errorf("the terminal report should still be printed:\n%s", out)
	}
	if !strings.Contains(tio.err.String(), "liftoff: write "+full) {
		t.Errorf("stderr does not name the file that failed:\n%s", tio.err)
	}
}

// fullDevice is a device that takes no byte: writing there fails after
// every check before the run has passed.
func fullDevice(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full here")
	}
	return "/dev/full"
}

func TestValidate(t *testing.T) {
	t.Parallel()
	good := writeScenario(t, "sim:shop", shortPlan)
	bad := writeScenario(t, "sim:shop?capacity=lots", "traffic:\n  phases: [ { duration: 1m, rate: 10/sec } ]\njourneys:\n  - name: b\n    steps: [ get / ]\n")
	badSim := writeScenario(t, "sim:shop?capacity=lots", shortPlan)
	withToken := writeScenario(t, "sim:shop", "defaults:\n  headers: { Authorization: \"Bearer ${SHOP_TOKEN}\" }\n"+shortPlan)
	missingData := writeScenario(t, "sim:shop", "traffic:\n  phases: [ { duration: 1s, rate: 1/s } ]\njourneys:\n  - name: b\n    data: customers.csv\n    steps: [ GET / ]\n")
	missingCampaign := writeScenario(t, "sim:shop", "traffic:\n  campaign:\n    shape: custom\n    data: last-year.csv\njourneys:\n  - name: b\n    steps: [ GET / ]\n")
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr []string
	}{
		{"valid", []string{"validate", good}, exitGo, good + `: ok · "Spring launch" · 1 journey · plan: testing 1s in 1 phase, ~20 visitors, peak 20 visitors/s (~40 requests/s)`, nil},
		{"every problem with its line", []string{"validate", bad}, exitUsage, "", []string{
			bad + `:4:35: traffic.phases[0].rate: unknown unit "sec" in rate "10/sec" (rates are N/s, N/min or N/h)`,
			bad + `:7:14: journeys[0].steps[0]: "get" is not an HTTP method (methods are upper case: GET)`,
			"2 problems found",
		}},
		{"bad simulated shop parameters", []string{"validate", badSim}, exitUsage, "", []string{
			badSim + `:2: target: sim target "sim:shop?capacity=lots": capacity "lots": want requests per second above 0, such as 300 (see 'The simulated shop' in the README for its parameters)`,
		}},
		{"missing file", []string{"validate", "/no/such/file.yaml"}, exitUsage, "", []string{"liftoff: cannot read scenario /no/such/file.yaml: no such file or directory"}},
		{"missing file to run", []string{"run", "/no/such/file.yaml"}, exitUsage, "", []string{"liftoff: cannot read scenario /no/such/file.yaml: no such file or directory"}},
		{"missing file to plan", []string{"plan", "/no/such/file.yaml"}, exitUsage, "", []string{"liftoff: cannot read scenario /no/such/file.yaml: no such file or directory"}},
		{"a directory for a file", []string{"validate", os.TempDir()}, exitUsage, "", []string{"liftoff: cannot read scenario " + os.TempDir() + ": is a directory"}},
		{"missing data file", []string{"validate", missingData}, exitUsage, "", []string{missingData + `:7:11: journeys[0].data: cannot read data file "customers.csv": no such file or directory (data files are relative to the scenario file)`}},
		{"missing campaign data file", []string{"validate", missingCampaign}, exitUsage, "", []string{missingCampaign + `:6:11: traffic.campaign.data: cannot read data file "last-year.csv": no such file or directory (data files are relative to the scenario file)`}},
		{"an unset variable a request sends is a warning", []string{"validate", withToken}, exitGo, withToken + ": ok", []string{
			"warning: " + withToken + ":4:29: defaults.headers.Authorization: environment variable SHOP_TOKEN is not set; run needs it for a value a request sends (export SHOP_TOKEN before liftoff run)",
		}},
		{"plan warns too", []string{"plan", withToken}, exitGo, "", []string{"warning: " + withToken + ":4:29: defaults.headers.Authorization: environment variable SHOP_TOKEN is not set; run needs it for a value a request sends (export SHOP_TOKEN before liftoff run)"}},
		{"run refuses it", []string{"run", withToken, "--progress", "none"}, exitUsage, "", []string{
			withToken + ":4:29: defaults.headers.Authorization: environment variable SHOP_TOKEN is not set (export SHOP_TOKEN, or write ${SHOP_TOKEN:-default})",
		}},
		{"no file", []string{"validate"}, exitUsage, "", []string{"liftoff: validate needs one or more scenario files, as in: liftoff validate launch.yaml", "run 'liftoff --help' for usage"}},
		{"run with no file", []string{"run"}, exitUsage, "", []string{"liftoff: run needs a scenario file, as in: liftoff run launch.yaml", "run 'liftoff --help' for usage"}},
		{"plan with no file", []string{"plan"}, exitUsage, "", []string{"liftoff: plan needs a scenario file, as in: liftoff plan launch.yaml"}},
		{"run with two files", []string{"run", good, good}, exitUsage, "", []string{"liftoff: run takes a scenario file, and got 2 arguments: " + good + " " + good}},
		{"report with no file", []string{"report"}, exitUsage, "", []string{"liftoff: report needs a results file (the --json file of a run), as in: liftoff report results.json"}},
		{"compare with one file", []string{"compare", "a.json"}, exitUsage, "", []string{"liftoff: compare needs two results files, the baseline and the current run, as in: liftoff compare baseline.json current.json"}},
		{"unknown flag", []string{"run", good, "--jsn", "x"}, exitUsage, "", []string{"liftoff: unknown flag: --jsn"}},
		{"unknown command", []string{"rnu", good}, exitUsage, "", []string{`liftoff: unknown command "rnu" for "liftoff"`, "run 'liftoff --help' for usage"}},
		{"bad progress mode", []string{"run", good, "--progress", "fancy"}, exitUsage, "", []string{`liftoff: --progress "fancy": use auto, bars, plain or none`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tio := newTestIO(nil)
			code := tio.liftoff(t.Context(), tc.args...)
			if code != tc.code {
				t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, tio.out, tio.err)
			}
			if tc.stdout != "" && !strings.Contains(tio.out.String(), tc.stdout) {
				t.Errorf("stdout:\n%s\nwant it to contain:\n%s", tio.out, tc.stdout)
			}
			for _, line := range tc.stderr {
				if !strings.Contains(tio.err.String(), line+"\n") {
					t.Errorf("stderr:\n%s\nwant the line:\n%s", tio.err, line)
				}
			}
		})
	}
}

// TestSecretsNeverPrinted sends a ${VAR} token to a target that echoes it
// back in its error pages: neither the terminal, nor stderr, nor any output
// file (results, HTML, JUnit, Markdown) may show it.
func TestSecretsNeverPrinted(t *testing.T) {
	t.Parallel()
	const secret = "tok-5f3c9a1e-very-secret"
	target := server(t, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "<html>denied for "+r.Header.Get("Authorization")+" at "+r.URL.String()+"</html>", http.StatusForbidden)
	})
	file := writeScenario(t, target, `defaults:
  headers: { Authorization: "Bearer ${SHOP_TOKEN}" }
traffic:
  phases: [ { duration: 500ms, rate: 10/s } ]
journeys:
  - name: b
    steps: [ "GET /account?token=${SHOP_TOKEN}" ]
slo: [ error_rate < 1% ]
`)
	dir := t.TempDir()
	outputs := map[string]string{"--json": "results.json", "--html": "report.html", "--junit": "junit.xml", "--markdown": "summary.md"}
	args := []string{"run", file, "--progress", "plain"}
	for flag, name := range outputs {
		args = append(args, flag, filepath.Join(dir, name))
	}
	tio := newTestIO(map[string]string{"SHOP_TOKEN": secret})
	code := tio.liftoff(t.Context(), args...)
	if code != exitNoGo {
		t.Fatalf("exit code %d, want %d\n%s\n%s", code, exitNoGo, tio.out, tio.err)
	}
	texts := map[string]string{"stdout": tio.out.String(), "stderr": tio.err.String()}
	for _, name := range outputs {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		texts[name] = string(data)
	}
	for name, text := range texts {
		if strings.Contains(text, secret) {
			t.Errorf("%s shows the secret:\n%s", name, text)
		}
	}
	if !strings.Contains(tio.out.String(), "[redacted]") {
		t.Errorf("the error example should show where the secret was redacted:\n%s", tio.out)
	}
}

// TestDemo runs the demo as a newcomer would: it needs no files and no
// network, finishes, and prints a verdict consistent with its exit code.
func TestDemo(t *testing.T) {
	t.Parallel()
	tio := newTestIO(nil)
	code := tio.liftoff(t.Context(), "demo", "--progress", "plain")
	want := map[int]string{exitGo: "GO:", exitNoGo: "NO-GO:", exitInconclusive: "INCONCLUSIVE:"}[code]
	if want == "" {
		t.Fatalf("demo exit code %d\nstdout:\n%s\nstderr:\n%s", code, tio.out, tio.err)
	}
	if !strings.Contains(tio.out.String(), "\n"+want) {
		t.Errorf("exit code %d but stdout has no %q verdict line:\n%s", code, want, tio.out)
	}
	if code != exitGo {
		t.Logf("the demo said %s on this machine (expected GO on an idle one):\n%s", want, tio.out)
	}
}
