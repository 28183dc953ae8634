// Package golden compares a test's output with a golden file, byte for
// byte, or rewrites the file when the test binary runs with -update:
//
//	go test ./report -update
//
// It is the one golden-file helper of the module. Only tests import it
// (cmd/liftoff's import test keeps it out of the binary), so go-cmp, which
// draws its diffs, stays a test-only dependency.
package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files instead of comparing with them")

// Check compares got with the golden file at path (relative to the test's
// package directory), or writes got to it with -update. A difference
// fails t with a -want +got diff and the command that accepts the change.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (write it with %s)", err, command())
		return
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs from the output (-want +got; accept with %s):\n%s", path, command(), cmp.Diff(string(want), string(got)))
	}
}

// command is the go test command that rewrites the golden files of the
// package under test: "go test ./report -update". Tests run in their
// package's directory; the module root is the nearest go.mod above it.
func command() string {
	pkg := "."
	if dir, err := os.Getwd(); err == nil {
		for root := dir; ; root = filepath.Dir(root) {
			if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
				if rel, err := filepath.Rel(root, dir); err == nil && rel != "." {
					pkg = "./" + filepath.ToSlash(rel)
				}
				break
			}
			if filepath.Dir(root) == root {
				break
			}
		}
	}
	return strings.Join([]string{"go test", pkg, "-update"}, " ")
}
