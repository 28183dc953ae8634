package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"
)

func TestStampOf(t *testing.T) {
	t.Parallel()
	checkout := &debug.BuildInfo{
		Main: debug.Module{Path: "github.com/liftoff/liftoff", Version: "v0.0.0-20261130215545-a4d960936e1c+dirty"},
		Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "a4d960936e1cbd299f7c2577f354fa58c9b8519f"},
			{Key: "vcs.time", Value: "2026-11-30T21:55:45Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	tests := []struct {
		name                    string
		info                    *debug.BuildInfo
		version, revision, when string // link-time values
		want                    string
	}{
		{name: "no build info", want: "dev"},
		{name: "go run without VCS data", info: &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, want: "dev"},
		{name: "go install module@version", info: &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}}, want: "v1.4.0"},
		{name: "a modified checkout", info: checkout, want: "v0.0.0-20261130215545-a4d960936e1c (a4d960936e1c, modified, 2026-11-30T21:55:45Z)"},
		{
			name: "a clean tagged checkout",
			info: &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}, Settings: []debug.BuildSetting{
				{Key: "vcs.revision", Value: "0123456789abcdef"}, {Key: "vcs.time", Value: "2026-01-02T04:04:05+01:00"}, {Key: "vcs.modified", Value: "false"},
			}},
			want: "v1.4.0 (0123456789ab, 2026-01-02T03:04:05Z)",
		},
		{name: "a release build", info: &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, version: "v2.0.0", revision: "fedcba9876543210fedcba", when: "2026-05-06T07:08:09Z", want: "v2.0.0 (fedcba987654, 2026-05-06T07:08:09Z)"},
		{name: "link-time values win over build info", info: checkout, version: "v2.0.0", revision: "fedcba", want: "v2.0.0 (fedcba, modified, 2026-11-30T21:55:45Z)"},
		{name: "a link-time time that is no time is ignored", version: "v2.0.0", when: "yesterday", want: "v2.0.0"},
		{name: "a short revision stays whole", version: "v2.0.0", revision: "abc", want: "v2.0.0 (abc)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := stampOf(tc.info, tc.version, tc.revision, tc.when).String(); got != tc.want {
				t.Errorf("stampOf(…).String() = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestVersionCommandAndFlagAgree checks that `liftoff version` and
// `liftoff --version` print the same line, the one the results file
// records.
func TestVersionCommandAndFlagAgree(t *testing.T) {
	t.Parallel()
	var lines []string
	for _, args := range [][]string{{"version"}, {"--version"}} {
		tio := newTestIO(nil)
		if code := tio.liftoff(t.Context(), args...); code != exitGo {
			t.Fatalf("liftoff %s: exit %d\n%s", args[0], code, tio.err)
		}
		lines = append(lines, tio.out.String())
	}
	want := "liftoff " + versionLine() + "\n"
	for i, got := range lines {
		if got != want {
			t.Errorf("output %d = %q, want %q", i, got, want)
		}
	}
}

// TestResultsRecordTheVersion checks that a run sends the version in its
// User-Agent and records the version line in the results file and the
// reports rendered from it. It sets the link-time values, so it does not
// run in parallel with other tests.
func TestResultsRecordTheVersion(t *testing.T) {
	saved := [3]string{buildVersion, buildRevision, buildTime}
	t.Cleanup(func() { buildVersion, buildRevision, buildTime = saved[0], saved[1], saved[2] })
	buildVersion, buildRevision, buildTime = "v7.7.7", "abcdef0123456789", "2026-07-07T07:07:07Z"
	const line = "v7.7.7 (abcdef012345, 2026-07-07T07:07:07Z)"

	var agent atomic.Value
	target := server(t, func(w http.ResponseWriter, r *http.Request) {
		agent.Store(r.UserAgent())
		fmt.Fprint(w, "ok")
	})
	file := writeScenario(t, target, shortPlan+"slo: [ error_rate < 1%, p95 < 10s ]\n")
	dir := t.TempDir()
	results, summary := filepath.Join(dir, "results.json"), filepath.Join(dir, "summary.md")
	tio := newTestIO(nil)
	if code := tio.liftoff(t.Context(), "run", file, "--json", results, "--markdown", summary, "--progress", "none"); code != exitGo {
		t.Fatalf("exit %d\n%s", code, tio.err)
	}
	if got := agent.Load(); got != "liftoff/v7.7.7" {
		t.Errorf("User-Agent %q, want liftoff/v7.7.7", got)
	}
	src, err := os.ReadFile(results)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Liftoff string }
	if err := json.Unmarshal(src, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Liftoff != line {
		t.Errorf("results file: liftoff = %q, want %q", doc.Liftoff, line)
	}
	md, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "liftoff "+line) {
		t.Errorf("the Markdown summary does not name liftoff %s:\n%s", line, md)
	}
}
