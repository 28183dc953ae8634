package main

import (
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
)

// TestOutputDestinations writes a results file through every kind of
// path an output may name: each is written where it should be, and
// nothing it names is replaced by something else.
func TestOutputDestinations(t *testing.T) {
	t.Parallel()
	type check func(t *testing.T, tio *testIO, path string)
	isJSON := func(t *testing.T, data []byte) {
		t.Helper()
		var doc struct{ Verdict string }
		if err := json.Unmarshal(data, &doc); err != nil || doc.Verdict != "NO-GO" {
			t.Errorf("not the results file (%v): %.80q", err, data)
		}
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) string // returns the path to give --json
		check check
	}{
		{"symlink to a file", func(t *testing.T, dir string) string {
			write(t, filepath.Join(dir, "real.json"), "old", 0o600)
			link := filepath.Join(dir, "link.json")
			if err := os.Symlink("real.json", link); err != nil {
				t.Fatal(err)
			}
			return link
		}, func(t *testing.T, _ *testIO, path string) {
			if fi, err := os.Lstat(path); err != nil || fi.Mode()&os.ModeSymlink == 0 {
				t.Errorf("the symlink was replaced: %v %v", fi.Mode(), err)
			}
			real := filepath.Join(filepath.Dir(path), "real.json")
			isJSON(t, readFile(t, real))
			if fi, _ := os.Stat(real); fi.Mode().Perm() != 0o600 {
				t.Errorf("the file's permissions became %v, want 0600 kept", fi.Mode().Perm())
			}
		}},
		{"FIFO", func(t *testing.T, dir string) string {
			fifo := filepath.Join(dir, "pipe")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Skip("no FIFOs here:", err)
			}
			got := make(chan []byte, 1)
			go func() {
				f, err := os.Open(fifo)
				if err != nil {
					got <- nil
					return
				}
				defer f.Close()
				data, _ := io.ReadAll(f)
				got <- data
			}()
			t.Cleanup(func() { isJSON(t, <-got) })
			return fifo
		}, func(t *testing.T, _ *testIO, path string) {
			if fi, err := os.Lstat(path); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
				t.Errorf("the FIFO was replaced: %v %v", fi.Mode(), err)
			}
		}},
		{"device", func(t *testing.T, dir string) string { return os.DevNull }, func(t *testing.T, _ *testIO, path string) {
			if fi, err := os.Lstat(path); err != nil || fi.Mode()&os.ModeDevice == 0 {
				t.Errorf("%s was replaced: %v %v", path, fi.Mode(), err)
			}
		}},
		{"standard output", func(t *testing.T, dir string) string { return "-" }, func(t *testing.T, tio *testIO, _ string) {
			isJSON(t, []byte(tio.out.String()))
			if !strings.Contains(tio.err.String(), "NO-GO: the target did not hold") {
				t.Errorf("the terminal report should go to standard error:\n%s", tio.err)
			}
		}},
		{"/dev/stdout", func(t *testing.T, dir string) string { return "/dev/stdout" }, func(t *testing.T, tio *testIO, _ string) {
			isJSON(t, []byte(tio.out.String()))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := tc.setup(t, t.TempDir())
			tio := newTestIO(nil)
			if code := tio.liftoff(t.Context(), "report", fixture("nogo"), "--json", path); code != exitNoGo {
				t.Fatalf("exit %d, want %d: %s", code, exitNoGo, tio.err)
			}
			tc.check(t, tio, path)
		})
	}
}

func write(t *testing.T, path, text string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
}

// TestOutputsRefusedBeforeTheRun gives outputs that cannot be written, or
// that would destroy something: each is a usage error (exit 2) before
// the first request, and the files involved are as they were.
func TestOutputsRefusedBeforeTheRun(t *testing.T) {
	t.Parallel()
	var requests atomic.Int64
	target := server(t, func(w http.ResponseWriter, r *http.Request) { requests.Add(1) })
	scen := writeScenario(t, target, shortPlan)
	dir := t.TempDir()
	existing := filepath.Join(dir, "a.json")
	write(t, existing, "keep me", 0o644)
	if err := os.Symlink("a.json", filepath.Join(dir, "link.json")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(".", filepath.Join(dir, "here")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("nowhere.json", filepath.Join(dir, "dangling.json")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		flags  []string
		stderr string
	}{
		{"a directory", []string{"--json", dir}, "--json " + dir + ": is a directory; name a file in it"},
		{"a missing directory", []string{"--html", filepath.Join(dir, "no", "r.html")}, "directory " + filepath.Join(dir, "no") + " does not exist"},
		{"one file twice", []string{"--json", existing, "--html", filepath.Join(dir, "x", "..", "a.json")}, "are the same file"},
		{"one file through a symlink", []string{"--json", existing, "--markdown", filepath.Join(dir, "link.json")}, "are the same file"},
		{"a new file through a symlinked directory", []string{"--json", filepath.Join(dir, "new.json"), "--junit", filepath.Join(dir, "here", "new.json")}, "are the same file"},
		{"the scenario", []string{"--json", scen}, "is the scenario (" + scen + "): writing it would replace it"},
		{"a dangling symlink", []string{"--json", filepath.Join(dir, "dangling.json")}, "is a symlink to a file that does not exist"},
		{"standard output twice", []string{"--json", "-", "--markdown", "/dev/stdout"}, "standard output takes one output"},
	}
	if os.Geteuid() != 0 { // root writes a read-only file all the same
		readOnly := filepath.Join(dir, "ro.json")
		write(t, readOnly, "keep me", 0o444)
		tests = append(tests, struct {
			name   string
			flags  []string
			stderr string
		}{"a read-only file", []string{"--json", readOnly}, "is not writable"})
	}
	for _, tc := range tests {
		tio := newTestIO(nil)
		code := tio.liftoff(t.Context(), append([]string{"run", scen, "--progress", "none"}, tc.flags...)...)
		if code != exitUsage || !strings.Contains(tio.err.String(), tc.stderr) {
			t.Errorf("%s: exit %d, stderr:\n%s\nwant exit %d and %q", tc.name, code, tio.err, exitUsage, tc.stderr)
		}
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("the target got %d requests; outputs are checked before the first", n)
	}
	if got := string(readFile(t, existing)); got != "keep me" {
		t.Errorf("an existing file became %q", got)
	}
	if !strings.HasPrefix(string(readFile(t, scen)), "name: Spring launch") {
		t.Error("the scenario was overwritten")
	}
}

// failingWriter is a standard output that takes nothing: a closed pipe or
// a full disk.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, syscall.EPIPE }

// TestOutputsOutliveStandardOutput: when standard output fails, the
// output files are written all the same, and the command exits 4.
func TestOutputsOutliveStandardOutput(t *testing.T) {
	t.Parallel()
	target := server(t, func(w http.ResponseWriter, r *http.Request) {})
	for _, args := range [][]string{
		{"run", writeScenario(t, target, shortPlan), "--progress", "none"},
		{"report", fixture("go")},
	} {
		out := filepath.Join(t.TempDir(), "r.json")
		tio := newTestIO(nil)
		tio.env.Out = failingWriter{}
		code := tio.liftoff(t.Context(), append(args, "--json", out)...)
		if code != exitRuntime || !strings.Contains(tio.err.String(), "write the report to standard output: broken pipe") {
			t.Errorf("%s: exit %d, stderr:\n%s\nwant %d and the failure", args[0], code, tio.err, exitRuntime)
		}
		if _, err := os.Stat(out); err != nil {
			t.Errorf("%s: the results file was not written: %v", args[0], err)
		}
	}
}

// TestInsecureIsLoud runs against a target whose certificate nobody
// trusts: --insecure gets through, with a warning before the run and the
// caveat in the reports.
func TestInsecureIsLoud(t *testing.T) {
	t.Parallel()
	srv := tlsServer(t)
	scen := writeScenario(t, srv, shortPlan+"slo: [ error_rate < 1% ]\n")
	out := filepath.Join(t.TempDir(), "r.json")
	tio := newTestIO(nil)
	// GO, or INCONCLUSIVE on a machine too busy to keep up: not NO-GO.
	if code := tio.liftoff(t.Context(), "run", scen, "--progress", "none", "--insecure", "--json", out); code != exitGo && code != exitInconclusive {
		t.Fatalf("exit %d, want %d:\n%s\n%s", code, exitGo, tio.out, tio.err)
	}
	if !strings.Contains(tio.err.String(), "WARNING: TLS certificates are not verified") {
		t.Errorf("no warning before the run:\n%s", tio.err)
	}
	if !strings.Contains(tio.out.String(), "TLS certificates were not verified") {
		t.Errorf("the terminal report does not say so:\n%s", tio.out)
	}
	var doc struct {
		Summary struct{ Errors int64 }
		Results struct {
			Scenario struct {
				TLSInsecure bool `json:"tls_insecure"`
			}
		}
	}
	if err := json.Unmarshal(readFile(t, out), &doc); err != nil || !doc.Results.Scenario.TLSInsecure || doc.Summary.Errors != 0 {
		t.Errorf("the results file should record tls_insecure and no errors (%v): %+v", err, doc)
	}
	tio = newTestIO(nil)
	if code := tio.liftoff(t.Context(), "run", scen, "--progress", "none", "--json", out); code != exitNoGo {
		t.Errorf("without --insecure: exit %d, want %d (every request a TLS error)", code, exitNoGo)
	}
}

func tlsServer(t *testing.T) string {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are the point
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestResultsFileProblemsAreUsageErrors reads results files that no run
// wrote: exit 2, naming the file and the problem.
func TestResultsFileProblemsAreUsageErrors(t *testing.T) {
	t.Parallel()
	var doc map[string]any
	if err := json.Unmarshal(readFile(t, fixture("nogo")), &doc); err != nil {
		t.Fatal(err)
	}
	doc["results"].(map[string]any)["errors"] = -3
	data, _ := json.Marshal(doc)
	bad := filepath.Join(t.TempDir(), "edited.json")
	write(t, bad, string(data), 0o644)
	tio := newTestIO(nil)
	code := tio.liftoff(t.Context(), "report", bad)
	if code != exitUsage || !strings.Contains(tio.err.String(), bad+": read results file: counts that no run measures: errors is negative (-3)") {
		t.Errorf("exit %d, stderr:\n%s", code, tio.err)
	}
}

// TestTargetCredentialsInValidate: validate shows no part of the target
// URL's password, and warns when the scenario's own Authorization header
// is sent instead.
func TestTargetCredentialsInValidate(t *testing.T) {
	t.Parallel()
	file := writeScenario(t, "https://shop:s3cr3t-pw@shop.example.com", "defaults: { headers: { Authorization: Bearer t0ken-value } }\n"+shortPlan)
	tio := newTestIO(nil)
	if code := tio.liftoff(t.Context(), "validate", file); code != exitGo {
		t.Fatalf("exit %d: %s", code, tio.err)
	}
	all := tio.out.String() + tio.err.String()
	if strings.Contains(all, "s3cr3t") || strings.Contains(all, "t0ken") {
		t.Errorf("validate shows a secret:\n%s", all)
	}
	if want := "warning: " + file + ":2: target: the target URL's user:password is not sent: defaults.headers sets Authorization, which wins"; !strings.Contains(tio.err.String(), want) {
		t.Errorf("stderr:\n%s\nwant %s", tio.err, want)
	}
}
