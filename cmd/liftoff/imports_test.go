package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/liftoff/liftoff/"

// allowedImports is the architecture of DESIGN.md as a checked table: data
// flows scenario → loadgen → report → cmd, simtarget stands alone, and an
// edge not listed here is a failure. Sub-packages are rows of their own:
// scenario/har writes the scenario format, and only the command reads
// recordings.
var allowedImports = map[string][]string{
	"scenario":     {},
	"scenario/har": {"scenario"},
	"loadgen":      {"scenario", "internal/jsonstream", "internal/spool"},
	// Streams a run's intervals out live (OTLP, JSON lines): it reads
	// loadgen's Ticks and nothing reads it but the command, so the
	// OpenTelemetry SDK stays out of loadgen and the reports.
	"loadgen/stream": {"loadgen"},
	"report":         {"loadgen", "scenario", "internal/jsonstream"},
	// Orchestrates a probe's steps: each a scenario (ProbeStep) run by
	// the command's generator and judged by report, so it sits between
	// report and the command.
	"probe":       {"loadgen", "report", "scenario"},
	"simtarget":   {},
	"examples":    {},
	"cmd/liftoff": {"examples", "internal/spool", "loadgen", "loadgen/stream", "probe", "report", "scenario", "scenario/har", "simtarget"},
	// The golden-file helper imports nothing of liftoff, and no package may
	// import it: only _test.go files do, and this table reads no test file.
	"internal/golden": {},
	// The OTLP/HTTP receiver the streaming tests export to; test-only
	// like internal/golden.
	"internal/otlptest": {},
	// Reads a JSON object with one field too large to hold as text (a
	// results file's results, their timeline) piece by piece: a leaf that
	// loadgen and report read results files with.
	"internal/jsonstream": {},
	// Holds an output between its rendering and its writing, and a
	// timeline's sealed histograms (Store), in memory or, past a limit,
	// in a temporary file: a leaf the command and loadgen use.
	"internal/spool": {},
}

func TestImportsFollowTheArchitecture(t *testing.T) {
	t.Parallel()
	for _, problem := range architectureProblems(t, filepath.Join("..", ".."), allowedImports) {
		t.Error(problem)
	}
}

// TestArchitectureProblemsWalksSubPackages runs the check on small module
// trees, so a package nested at any depth is held to the table: a
// sub-package missing from it, an edge it does not list, and a row whose
// package is gone each fail.
func TestArchitectureProblemsWalksSubPackages(t *testing.T) {
	t.Parallel()
	table := map[string][]string{
		"a":   {},
		"a/b": {"a"},
		"c":   {"a", "a/b"},
	}
	tests := []struct {
		name  string
		files map[string]string // path → source
		want  []string
	}{
		{
			name: "every edge listed",
			files: map[string]string{
				"a/a.go":   "package a",
				"a/b/b.go": "package b\nimport _ \"" + module + "a\"",
				"c/c.go":   "package c\nimport (\n_ \"" + module + "a\"\n_ \"" + module + "a/b\"\n)",
			},
		},
		{
			name: "an edge from a sub-package the table does not list",
			files: map[string]string{
				"a/a.go":   "package a",
				"a/b/b.go": "package b\nimport _ \"" + module + "c\"",
				"c/c.go":   "package c",
			},
			want: []string{"a/b imports c (in b.go): not an allowed edge"},
		},
		{
			name: "an edge to a sub-package the table does not list",
			files: map[string]string{
				"a/a.go":   "package a\nimport _ \"" + module + "a/b\"",
				"a/b/b.go": "package b",
				"c/c.go":   "package c",
			},
			want: []string{"a imports a/b (in a.go): not an allowed edge"},
		},
		{
			name: "a sub-package not in the table",
			files: map[string]string{
				"a/a.go":     "package a",
				"a/b/b.go":   "package b",
				"a/b/d/d.go": "package d",
				"c/c.go":     "package c",
			},
			want: []string{"package a/b/d is not in the architecture table; DESIGN.md needs a reason for a new package"},
		},
		{
			name: "a row whose package is gone",
			files: map[string]string{
				"a/a.go": "package a",
				"c/c.go": "package c",
			},
			want: []string{"package a/b is in the architecture table but not in the tree"},
		},
		{
			name: "test files, testdata and hidden directories are not the architecture",
			files: map[string]string{
				"a/a.go":                "package a",
				"a/a_test.go":           "package a\nimport _ \"" + module + "c\"",
				"a/b/b.go":              "package b",
				"a/b/testdata/x/x.go":   "package x",
				".git/hooks/h/h.go":     "package h",
				"c/c.go":                "package c",
				"c/testdata/fuzz/f.go":  "package f",
				"c/.cache/stale/old.go": "package old",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			for name, src := range tc.files {
				path := filepath.Join(root, filepath.FromSlash(name))
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(src+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got := architectureProblems(t, root, table)
			if !slices.Equal(got, tc.want) {
				t.Errorf("problems:\n%q\nwant:\n%q", got, tc.want)
			}
		})
	}
}

// architectureProblems walks the module at root, sub-packages included,
// and lists every package the table does not name, every import of a
// liftoff package the table does not allow, and every row with no
// package, in a stable order.
func architectureProblems(t *testing.T, root string, allowed map[string][]string) []string {
	t.Helper()
	var problems []string
	found := map[string]bool{}
	err := filepath.WalkDir(root, func(dir string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if dir != root && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		imports := liftoffImports(t, dir)
		if imports == nil {
			return nil // no Go package here
		}
		rel, err := filepath.Rel(root, dir)
		if err != nil {
			return err
		}
		pkg := filepath.ToSlash(rel)
		found[pkg] = true
		edges, known := allowed[pkg]
		if !known {
			problems = append(problems, "package "+pkg+" is not in the architecture table; DESIGN.md needs a reason for a new package")
			return nil
		}
		for _, imp := range slices.Sorted(maps.Keys(imports)) {
			if !slices.Contains(edges, imp) {
				problems = append(problems, pkg+" imports "+imp+" (in "+imports[imp]+"): not an allowed edge")
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range slices.Sorted(maps.Keys(allowed)) {
		if !found[pkg] {
			problems = append(problems, "package "+pkg+" is in the architecture table but not in the tree")
		}
	}
	return problems
}

// liftoffImports returns the liftoff packages imported by dir's non-test
// Go files, each with a file that imports it; nil when dir holds no
// non-test Go file.
func liftoffImports(t *testing.T, dir string) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]string
	fset := token.NewFileSet()
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		f, err := parser.ParseFile(fset, file, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, spec := range f.Imports {
			path, _ := strconv.Unquote(spec.Path.Value)
			if rest, ok := strings.CutPrefix(path, module); ok {
				out[rest] = filepath.Base(file)
			}
		}
	}
	return out
}
