package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/liftoff/liftoff/internal/golden"
)

// A scenario whose names hold what workflow commands must escape: a comma
// and a colon in the rule's scope, a percent sign in the rules.
const actionsScenario = `name: "Spring launch, 50% off"
target: TARGET
traffic:
  arrivals: uniform
  phases: [ { duration: 1s, rate: 20/s } ]
journeys:
  - name: browse, buy
    steps: [ GET /, GET /products/1 ]
slo: [ "browse, buy: error_rate < 1%", p95 < 1s ]
`

// runInActions runs the scenario against a loopback target answering
// status, as a GitHub Actions step would, and returns the test's streams
// and the paths of the step summary (which already holds an earlier step's
// summary) and of the --markdown file.
func runInActions(t *testing.T, status int, extraEnv map[string]string, args ...string) (tio *testIO, code int, summary, markdown string) {
	t.Helper()
	target := server(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(status) })
	dir := t.TempDir()
	file := filepath.Join(dir, "launch.yaml")
	if err := os.WriteFile(file, []byte(strings.Replace(actionsScenario, "TARGET", target, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	summary, markdown = filepath.Join(dir, "step-summary.md"), filepath.Join(dir, "summary.md")
	if err := os.WriteFile(summary, []byte(earlierStep), 0o644); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary}
	for k, v := range extraEnv {
		vars[k] = v
	}
	tio = newTestIO(vars)
	code = tio.liftoff(t.Context(), append([]string{"run", file, "--markdown", markdown}, args...)...)
	return tio, code, summary, markdown
}

const earlierStep = "### An earlier step's summary\n\n"

// workflowCommands are the lines of out that the runner reads as commands.
func workflowCommands(out string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(out, "\n") {
		if strings.HasPrefix(line, "::") {
			b.WriteString(line)
		}
	}
	return b.String()
}

// TestGitHubActions runs a NO-GO and a GO as GitHub Actions steps. Both
// fold the progress log into a group and append exactly the Markdown
// summary to the step summary, after what an earlier step wrote there;
// only the NO-GO writes annotations. The commands are compared with
// golden files byte for byte.
func TestGitHubActions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		code   int
	}{
		{"no-go", http.StatusServiceUnavailable, exitNoGo},
		{"go", http.StatusOK, exitGo},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tio, code, summary, markdown := runInActions(t, tc.status, nil, "--progress", "plain")
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstderr:\n%s", code, tc.code, tio.err)
			}
			commands := workflowCommands(tio.err.String())
			golden.Check(t, filepath.Join("testdata", "TestGitHubActions", tc.name+".golden"), []byte(commands))
			if strings.Contains(commands, "::error") != (tc.code == exitNoGo) || strings.Contains(commands, "::warning") {
				t.Errorf("annotations:\n%s", commands)
			}
			if out := workflowCommands(tio.out.String()); out != "" {
				t.Errorf("workflow commands on stdout, where the report goes:\n%s", out)
			}
			md, err := os.ReadFile(markdown)
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(summary)
			if err != nil {
				t.Fatal(err)
			}
			if want := earlierStep + string(md); string(got) != want {
				t.Errorf("step summary:\n%s\nwant the earlier step's, then the Markdown summary:\n%s", got, want)
			}
		})
	}
}

// TestGitHubActionsOnlyInActions checks that nothing changes outside
// GitHub Actions, even where GITHUB_STEP_SUMMARY happens to be set, and
// that no progress means no empty group.
func TestGitHubActionsOnlyInActions(t *testing.T) {
	t.Parallel()
	t.Run("outside", func(t *testing.T) {
		t.Parallel()
		tio, code, summary, _ := runInActions(t, http.StatusServiceUnavailable, map[string]string{"GITHUB_ACTIONS": "false"}, "--progress", "plain")
		if code != exitNoGo {
			t.Fatalf("exit %d, want %d\n%s", code, exitNoGo, tio.err)
		}
		if commands := workflowCommands(tio.err.String()); commands != "" {
			t.Errorf("workflow commands outside GitHub Actions:\n%s", commands)
		}
		if got, _ := os.ReadFile(summary); string(got) != earlierStep {
			t.Errorf("the step summary changed outside GitHub Actions:\n%s", got)
		}
	})
	t.Run("no progress", func(t *testing.T) {
		t.Parallel()
		tio, code, _, _ := runInActions(t, http.StatusServiceUnavailable, nil, "--progress", "none")
		if code != exitNoGo {
			t.Fatalf("exit %d, want %d\n%s", code, exitNoGo, tio.err)
		}
		if commands := workflowCommands(tio.err.String()); strings.Contains(commands, "group::") || !strings.Contains(commands, "::error ") {
			t.Errorf("want the annotations and no group:\n%s", commands)
		}
	})
}

// TestGitHubActionsSummaryCannotBeWritten checks that a step summary that
// cannot be written fails the run as an output would (exit 4), while the
// annotations and the other outputs are still written.
func TestGitHubActionsSummaryCannotBeWritten(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "no such dir", "summary.md")
	tio, code, _, markdown := runInActions(t, http.StatusServiceUnavailable, map[string]string{"GITHUB_STEP_SUMMARY": missing}, "--progress", "none")
	if code != exitRuntime {
		t.Fatalf("exit %d, want %d\n%s", code, exitRuntime, tio.err)
	}
	if !strings.Contains(tio.err.String(), "liftoff: write the step summary: open "+missing) {
		t.Errorf("stderr does not name the summary file:\n%s", tio.err)
	}
	if !strings.Contains(workflowCommands(tio.err.String()), "::error ") {
		t.Errorf("no annotations:\n%s", tio.err)
	}
	if _, err := os.Stat(markdown); err != nil {
		t.Errorf("the --markdown file was not written: %v", err)
	}
}
