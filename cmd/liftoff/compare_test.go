package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCompare(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{name: "a run with itself", args: []string{"compare", fixture("go"), fixture("go")}, code: exitGo, stdout: "No regression beyond 10%."},
		{name: "GO to NO-GO", args: []string{"compare", fixture("go"), fixture("nogo")}, code: exitNoGo, stdout: "regressions beyond 10%"},
		{name: "NO-GO to GO", args: []string{"compare", fixture("nogo"), fixture("go")}, code: exitGo, stdout: "No regression"},
		{name: "huge tolerance", args: []string{"compare", fixture("go"), fixture("nogo"), "--max-regression", "100%"}, code: exitNoGo, stdout: "beyond 100%"},
		{name: "tolerance without percent sign", args: []string{"compare", fixture("go"), fixture("go"), "--max-regression", "0.1"}, code: exitUsage, stderr: "--max-regression"},
		{name: "one file", args: []string{"compare", fixture("go")}, code: exitUsage},
		{name: "missing file", args: []string{"compare", fixture("go"), filepath.Join(dir, "nope.json")}, code: exitUsage, stderr: "read results"},
		{name: "both from standard input", args: []string{"compare", "-", "-"}, code: exitUsage, stderr: "standard input"},
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
			if tc.code == exitNoGo && strings.Contains(tio.err.String(), "liftoff:") {
				t.Errorf("a regression printed an error:\n%s", tio.err)
			}
		})
	}
}

func TestCompareOutputs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	md, js := filepath.Join(dir, "compare.md"), filepath.Join(dir, "compare.json")
	tio := newTestIO(nil)
	if code := tio.liftoff(t.Context(), "compare", fixture("go"), fixture("nogo"), "--markdown", md, "--json", js); code != exitNoGo {
		t.Fatalf("exit %d, want %d: %s", code, exitNoGo, tio.err)
	}
	var parsed struct {
		Regressions int `json:"regressions"`
		Baseline    struct {
			Label string `json:"label"`
		} `json:"baseline"`
	}
	if err := json.Unmarshal(readFile(t, js), &parsed); err != nil {
		t.Fatalf("--json: %v", err)
	}
	if parsed.Regressions == 0 || parsed.Baseline.Label != fixture("go") {
		t.Errorf("--json: %d regressions, baseline %q; want some, and the baseline's file name", parsed.Regressions, parsed.Baseline.Label)
	}
	if data, err := os.ReadFile(md); err != nil || !strings.HasPrefix(string(data), "## ❌") {
		t.Errorf("--markdown: %v %.40q", err, data)
	}
}
