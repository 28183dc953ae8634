package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/liftoff/liftoff/internal/otlptest"
	"github.com/liftoff/liftoff/loadgen/stream"
)

// TestOutStreamsAddUpToTheResultsFile runs liftoff with --out to a real
// OTLP/HTTP receiver and to a JSON-lines file, and checks that the
// intervals each received add up to the requests the results file
// counts.
func TestOutStreamsAddUpToTheResultsFile(t *testing.T) {
	t.Parallel()
	rcv := otlptest.Start(t)
	target := server(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
	file := writeScenario(t, target, strings.Replace(shortPlan, "duration: 1s", "duration: 2500ms", 1))
	dir := t.TempDir()
	results, lines := filepath.Join(dir, "results.json"), filepath.Join(dir, "intervals.jsonl")
	tio := newTestIO(nil)
	code := tio.liftoff(t.Context(), "run", file, "--progress", "none", "--json", results,
		"--out", "otlp="+rcv.URL, "--out", "jsonl="+lines)
	// The verdict is not what this test is about: on a busy machine the
	// generator may fall behind (INCONCLUSIVE), and every count must
	// still add up.
	if code != exitGo && code != exitInconclusive {
		t.Fatalf("exit %d\n%s", code, tio.err)
	}
	var doc struct {
		Summary struct{ Requests int64 }
	}
	data, err := os.ReadFile(results)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	want := doc.Summary.Requests
	if want != 100 {
		t.Fatalf("the results file counts %d requests, want 100 (50 visitors × 2 steps)", want)
	}

	exports := rcv.Exports()
	var otlpSum, prev int64
	for _, ex := range exports {
		total := otlptest.SumOf(ex, stream.MetricRequests) // running totals: each export adds its interval
		otlpSum += total - prev
		prev = total
	}
	if otlpSum != want || len(exports) < 3 {
		t.Errorf("the receiver got %d exports adding up to %d requests, the results file %d", len(exports), otlpSum, want)
	}

	f, err := os.Open(lines)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var jsonlSum int64
	n := 0
	for sc := bufio.NewScanner(f); sc.Scan(); n++ {
		var l stream.Line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		jsonlSum += l.Requests
	}
	if jsonlSum != want || n != len(exports) {
		t.Errorf("%d JSON lines add up to %d requests; %d exports; the results file %d", n, jsonlSum, len(exports), want)
	}
	for _, msg := range []string{fmt.Sprintf("otlp %s/v1/metrics: %d intervals sent", rcv.URL, n), fmt.Sprintf("jsonl %s: %d intervals sent", lines, n)} {
		if !strings.Contains(tio.err.String(), msg) {
			t.Errorf("stderr lacks %q:\n%s", msg, tio.err)
		}
	}
}

// TestOutMistakes checks that a bad --out stops the run before anything
// is sent: a usage error (exit 2), or a JSONL file that cannot be
// created (exit 4).
func TestOutMistakes(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	target := server(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })
	file := writeScenario(t, target, shortPlan)
	dir := t.TempDir()
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--out", "otlp=localhost:4318"}, exitUsage, `--out otlp=localhost:4318: "localhost:4318" is not an http or https URL`},
		{[]string{"--out", "prometheus=http://localhost:9090"}, exitUsage, `unknown kind "prometheus"; use otlp=URL or jsonl=FILE`},
		{[]string{"--out", "intervals.jsonl"}, exitUsage, "--out intervals.jsonl: write otlp=URL or jsonl=FILE"},
		{[]string{"--json", filepath.Join(dir, "r.json"), "--out", "jsonl=" + filepath.Join(dir, "r.json")}, exitUsage, "are the same file"},
		{[]string{"--out", "jsonl=" + filepath.Join(dir, "missing", "i.jsonl")}, exitUsage, "missing does not exist"},
	}
	for _, tc := range tests {
		tio := newTestIO(nil)
		code := tio.liftoff(t.Context(), append([]string{"run", file, "--progress", "none"}, tc.args...)...)
		if code != tc.code || !strings.Contains(tio.err.String(), tc.want) {
			t.Errorf("%q: exit %d, want %d with %q:\n%s", tc.args, code, tc.code, tc.want, tio.err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the target received %d requests from runs that should not start", n)
	}
}

// TestOutToARefusingReceiver checks that a receiver that takes nothing
// makes the run exit 4 after its report, saying why; the verdict and the
// files are there all the same.
func TestOutToARefusingReceiver(t *testing.T) {
	t.Parallel()
	rcv := otlptest.Start(t)
	rcv.Refuse(http.StatusUnauthorized)
	target := server(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
	file := writeScenario(t, target, shortPlan)
	results := filepath.Join(t.TempDir(), "results.json")
	tio := newTestIO(nil)
	code := tio.liftoff(t.Context(), "run", file, "--progress", "none", "--json", results, "--out", "otlp="+rcv.URL)
	if code != exitRuntime {
		t.Fatalf("exit %d, want %d\n%s", code, exitRuntime, tio.err)
	}
	if !strings.Contains(tio.out.String(), "Spring launch → "+target) {
		t.Errorf("no report:\n%s", tio.out)
	}
	if _, err := os.Stat(results); err != nil {
		t.Errorf("results file: %v", err)
	}
	if want := "intervals sent; 0 failed"; strings.Contains(tio.err.String(), want) || !strings.Contains(tio.err.String(), "401") {
		t.Errorf("stderr does not say why:\n%s", tio.err)
	}
}
