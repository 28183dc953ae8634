package main

import (
	"go/parser"
	"go/token"
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
// edge not listed here is a failure.
var allowedImports = map[string][]string{
	"scenario":    {},
	"loadgen":     {"scenario"},
	"report":      {"loadgen", "scenario"},
	"simtarget":   {},
	"examples":    {},
	"cmd/liftoff": {"examples", "loadgen", "report", "scenario", "simtarget"},
	// The golden-file helper imports nothing of liftoff, and no package may
	// import it: only _test.go files do, and this table reads no test file.
	"internal/golden": {},
}

func TestImportsFollowTheArchitecture(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..")
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var packages []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") && e.Name() != "cmd" && e.Name() != "docs" && e.Name() != "bench" && e.Name() != "testdata" {
			packages = append(packages, e.Name())
		}
	}
	packages = append(packages, "cmd/liftoff")
	for _, pkg := range packages {
		allowed, known := allowedImports[pkg]
		if !known {
			if hasGoFiles(t, filepath.Join(root, pkg)) {
				t.Errorf("package %s is not in the architecture table; DESIGN.md needs a reason for a new top-level package", pkg)
			}
			continue
		}
		for imp, file := range liftoffImports(t, filepath.Join(root, pkg)) {
			if !slices.Contains(allowed, imp) {
				t.Errorf("%s imports %s (in %s): not an allowed edge", pkg, imp, file)
			}
		}
	}
}

func hasGoFiles(t *testing.T, dir string) bool {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	return len(files) > 0
}

// liftoffImports returns the liftoff packages imported by dir's non-test
// Go files, each with a file that imports it.
func liftoffImports(t *testing.T, dir string) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	fset := token.NewFileSet()
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
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
