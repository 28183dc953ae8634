package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"go.yaml.in/yaml/v3"
)

// workflow is the part of a GitHub Actions workflow the repository's
// workflows use. It is decoded strictly, so a misspelt key fails here
// before it fails on GitHub.
type workflow struct {
	Name        string                 `yaml:"name"`
	On          yaml.Node              `yaml:"on"`
	Permissions map[string]string      `yaml:"permissions"`
	Env         map[string]string      `yaml:"env"`
	Jobs        map[string]workflowJob `yaml:"jobs"`
}

type workflowJob struct {
	RunsOn         string            `yaml:"runs-on"`
	TimeoutMinutes int               `yaml:"timeout-minutes"`
	Permissions    map[string]string `yaml:"permissions"`
	Needs          string            `yaml:"needs"`
	If             string            `yaml:"if"`
	Outputs        map[string]string `yaml:"outputs"`
	Env            map[string]string `yaml:"env"`
	Strategy       struct {
		FailFast *bool            `yaml:"fail-fast"`
		Matrix   map[string][]int `yaml:"matrix"`
	} `yaml:"strategy"`
	Steps []workflowStep `yaml:"steps"`
}

type workflowStep struct {
	Name string            `yaml:"name"`
	ID   string            `yaml:"id"`
	If   string            `yaml:"if"`
	Uses string            `yaml:"uses"`
	With map[string]string `yaml:"with"`
	Env  map[string]string `yaml:"env"`
	Run  string            `yaml:"run"`
}

// The repository's workflows: the example users copy, and the release.
var (
	exampleWorkflow = filepath.Join(moduleRoot, "examples", "github-actions", "liftoff.yml")
	segmentWorkflow = filepath.Join(moduleRoot, "examples", "github-actions", "segments.yml")
	releaseWorkflow = filepath.Join(moduleRoot, ".github", "workflows", "release.yml")
)

// readWorkflow decodes a workflow strictly and lints it with actionlint,
// which checks what GitHub checks and more: the expression syntax, the
// contexts an expression may use, the inputs of well-known actions, the
// runner labels. actionlint is a test-only dependency (the built binary's
// dependencies are checked in build_test.go).
func readWorkflow(t *testing.T, path string) workflow {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var w workflow
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&w); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	linter, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	problems, err := linter.Lint(path, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s:%d:%d: %s [%s]", path, p.Line, p.Column, p.Message, p.Kind)
	}
	return w
}

// steps returns the job's steps, failing when the workflow has no such job.
func (w workflow) steps(t *testing.T, job string) []workflowStep {
	t.Helper()
	j, ok := w.Jobs[job]
	if !ok {
		t.Fatalf("no job %q", job)
	}
	return j.Steps
}

// step returns the first step that matches and its index, failing when
// none does.
func step(t *testing.T, steps []workflowStep, what string, match func(workflowStep) bool) (workflowStep, int) {
	t.Helper()
	i := slices.IndexFunc(steps, match)
	if i < 0 {
		t.Fatalf("no step %s", what)
	}
	return steps[i], i
}

// liftoffLines are the liftoff command lines of a run script, split at
// the shell's && || ; and line breaks, with quotes dropped.
func liftoffLines(script string) [][]string {
	var out [][]string
	for _, part := range regexp.MustCompile(`&&|\|\||;|\n`).Split(script, -1) {
		words := strings.Fields(strings.NewReplacer(`"`, "", `'`, "").Replace(part))
		if len(words) > 0 && words[0] == "liftoff" {
			out = append(out, words)
		}
	}
	return out
}

// TestExampleWorkflow checks the example workflow does what the README
// says: installs liftoff with go install, runs a scenario that validates,
// keeps the HTML report and the results file as an artifact even when the
// verdict fails the job, fetches the last main-branch run's artifact of
// that name and compares with it. Every liftoff command line in it names
// existing commands and flags.
func TestExampleWorkflow(t *testing.T) {
	t.Parallel()
	w := readWorkflow(t, exampleWorkflow)
	var on map[string]yaml.Node
	if err := w.On.Decode(&on); err != nil {
		t.Fatal(err)
	}
	if _, ok := on["pull_request"]; !ok {
		t.Error("the workflow does not run on pull requests")
	}
	if push, ok := on["push"]; !ok || !strings.Contains(nodeText(t, push), "main") {
		t.Error("the workflow does not run on pushes to main, which make the baseline")
	}
	if w.Permissions["actions"] != "read" {
		t.Error("permissions lack actions: read, which downloading another run's artifact needs")
	}
	steps := w.steps(t, "load-test")

	step(t, steps, "that sets up Go", func(s workflowStep) bool { return strings.HasPrefix(s.Uses, "actions/setup-go@") })
	step(t, steps, "that installs liftoff with go install", func(s workflowStep) bool {
		return strings.Contains(s.Run, "go install \"github.com/liftoff/liftoff/cmd/liftoff@")
	})
	_, smokeAt := step(t, steps, "that runs a smoke test", func(s workflowStep) bool {
		return strings.Contains(s.Run, "liftoff run ") && strings.Contains(s.Run, " --smoke")
	})
	run, runAt := step(t, steps, "that runs liftoff run", func(s workflowStep) bool {
		return strings.Contains(s.Run, "liftoff run ") && !strings.Contains(s.Run, " --smoke")
	})
	if smokeAt > runAt {
		t.Error("the smoke test runs after the load test: it is the load test's pre-flight")
	}
	for _, want := range []string{"--json results.json", "--html report.html"} {
		if !strings.Contains(run.Run, want) {
			t.Errorf("liftoff run lacks %s: %s", want, run.Run)
		}
	}
	upload, _ := step(t, steps, "that uploads the reports", func(s workflowStep) bool { return strings.HasPrefix(s.Uses, "actions/upload-artifact@") })
	if !strings.HasPrefix(upload.If, "always()") {
		t.Errorf("the upload runs if %q: a NO-GO fails the run step, and its reports are the ones most needed", upload.If)
	}
	for _, file := range []string{"results.json", "report.html"} {
		if !strings.Contains(upload.With["path"], file) {
			t.Errorf("the artifact does not hold %s: %q", file, upload.With["path"])
		}
	}
	artifact := upload.With["name"]
	fetch, fetchAt := step(t, steps, "that downloads the last main-branch results", func(s workflowStep) bool { return strings.Contains(s.Run, "gh run download") })
	if !strings.Contains(fetch.Run, "--branch main") || !strings.Contains(fetch.Run, "--name "+artifact+" ") || fetch.Env["GH_TOKEN"] == "" {
		t.Errorf("the baseline step does not download artifact %q of a main-branch run with a token:\n%s", artifact, fetch.Run)
	}
	compare, compareAt := step(t, steps, "that compares", func(s workflowStep) bool { return strings.Contains(s.Run, "liftoff compare ") })
	if !strings.Contains(compare.Run, "liftoff compare baseline/results.json results.json") || !strings.Contains(compare.If, "steps."+fetch.ID+".outputs.found == 'true'") {
		t.Errorf("the compare step (if %q) does not compare the downloaded baseline with this run:\n%s", compare.If, compare.Run)
	}
	if fetchAt > runAt || runAt > compareAt {
		t.Error("steps out of order: fetch the baseline, run, then compare")
	}

	e := newTestIO(nil).env
	for _, s := range steps {
		for _, words := range liftoffLines(s.Run) {
			if err := commandLineProblem(e, words); err != nil {
				t.Errorf("step %q: %q: %v", s.Name, strings.Join(words, " "), err)
			}
		}
	}
	scenarioFile := filepath.Join(moduleRoot, filepath.FromSlash(w.Env["SCENARIO"]))
	tio := newTestIO(nil)
	if code := tio.liftoff(t.Context(), "validate", scenarioFile); code != exitGo {
		t.Errorf("the workflow's scenario %s does not validate:\n%s", w.Env["SCENARIO"], tio.err)
	}
}

// TestReleaseWorkflow checks the tag-driven release: it runs on v* tags,
// GoReleaser builds .goreleaser.yaml at a pinned version, and the image is
// built from the Dockerfile with the build arguments the Dockerfile
// declares.
func TestReleaseWorkflow(t *testing.T) {
	t.Parallel()
	w := readWorkflow(t, releaseWorkflow)
	if got := nodeText(t, w.On); !strings.Contains(got, "tags") || !strings.Contains(got, "v*") {
		t.Errorf("the release runs on %s, want pushed v* tags", got)
	}
	gr, _ := step(t, w.steps(t, "archives"), "that runs GoReleaser", func(s workflowStep) bool {
		return strings.HasPrefix(s.Uses, "goreleaser/goreleaser-action@")
	})
	if !regexp.MustCompile(`^v2\.\d+\.\d+$`).MatchString(gr.With["version"]) || !strings.HasPrefix(gr.With["args"], "release") {
		t.Errorf("GoReleaser runs %q at version %q: want release at a pinned v2 version", gr.With["args"], gr.With["version"])
	}
	build, _ := step(t, w.steps(t, "image"), "that builds the image", func(s workflowStep) bool {
		return strings.HasPrefix(s.Uses, "docker/build-push-action@")
	})
	src, err := os.ReadFile(filepath.Join(moduleRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	declared := parseDockerfile(t, string(src)).args
	var given []string
	for _, line := range strings.Split(strings.TrimSpace(build.With["build-args"]), "\n") {
		name, _, _ := strings.Cut(strings.TrimSpace(line), "=")
		given = append(given, name)
		if _, ok := declared[name]; !ok {
			t.Errorf("build-arg %s is not an ARG of the Dockerfile", name)
		}
	}
	for _, name := range []string{"VERSION", "REVISION", "COMMIT_TIME"} {
		if !slices.Contains(given, name) {
			t.Errorf("the image build does not set %s", name)
		}
	}
}

// nodeText is a YAML node written back as text, for a loose look at a
// key (on:) whose shape varies.
func nodeText(t *testing.T, n yaml.Node) string {
	t.Helper()
	out, err := yaml.Marshal(&n)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}
