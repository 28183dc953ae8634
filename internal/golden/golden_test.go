package golden

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB that keeps its failures instead of failing.
type recorder struct {
	testing.TB
	errors []string
	fatal  bool
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	r.fatal = true
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.golden")
	if err := os.WriteFile(path, []byte("line one\nline two\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		path  string
		got   string
		want  []string // substrings of the one failure; none: it passes
		fatal bool
	}{
		{name: "same bytes pass", path: path, got: "line one\nline two\n"},
		{name: "a difference fails with a diff and the command", path: path, got: "line one\nline 2\n",
			want: []string{path + " differs", "line two", "line 2", "go test ./internal/golden -update"}},
		{name: "a missing trailing newline is a difference", path: path, got: "line one\nline two",
			want: []string{"differs"}},
		{name: "a missing file stops the test and says how to write it", path: filepath.Join(dir, "none.golden"), got: "x",
			want: []string{"none.golden", "write it with go test ./internal/golden -update"}, fatal: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{TB: t}
			Check(r, tc.path, []byte(tc.got))
			if len(tc.want) == 0 {
				if len(r.errors) > 0 {
					t.Fatalf("Check failed: %q", r.errors)
				}
				return
			}
			if len(r.errors) != 1 || r.fatal != tc.fatal {
				t.Fatalf("Check reported %q (fatal %v), want one failure (fatal %v)", r.errors, r.fatal, tc.fatal)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.errors[0], w) {
					t.Errorf("failure %q does not contain %q", r.errors[0], w)
				}
			}
		})
	}
}

// TestUpdate checks that -update writes the golden file, creating its
// directory, and that the file then passes.
func TestUpdate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new", "out.golden")
	if err := flag.Set("update", "true"); err != nil {
		t.Fatal(err)
	}
	r := &recorder{TB: t}
	Check(r, path, []byte("fresh\n"))
	if err := flag.Set("update", "false"); err != nil {
		t.Fatal(err)
	}
	if len(r.errors) > 0 {
		t.Fatalf("Check with -update failed: %q", r.errors)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "fresh\n" {
		t.Fatalf("golden file holds %q (%v), want the output", b, err)
	}
	Check(r, path, []byte("fresh\n"))
	if len(r.errors) > 0 {
		t.Fatalf("the written file does not pass: %q", r.errors)
	}
}
