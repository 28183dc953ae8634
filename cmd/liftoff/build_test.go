package main

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// The tests that build the liftoff binary the ways it ships (from a git
// checkout here, with scripts/release.sh in release_test.go, with the
// Dockerfile's own build line in dockerfile_test.go) use the same compile
// flags: CGO_ENABLED=0, -trimpath, GOOS=linux on the host's architecture.
// So the first one fills the build cache for the others, and they do not
// call t.Parallel: three links in a row cost less than three compilations
// of every dependency side by side.

// moduleRoot is the repository root, seen from this package's directory.
var moduleRoot = filepath.Join("..", "..")

// needsLinuxBuild skips where the binary built for linux cannot run, and
// in -short mode: each build takes seconds.
func needsLinuxBuild(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	if runtime.GOOS != "linux" {
		t.Skip("runs a linux binary")
	}
}

// command runs name with args in dir and returns its combined output,
// failing the test with that output when it fails.
func command(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// assertStatic fails unless the ELF file at path needs no dynamic loader
// and no shared library, so it runs on scratch or distroless/static.
func assertStatic(t *testing.T, path string) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		switch p.Type {
		case elf.PT_INTERP:
			t.Errorf("%s has a PT_INTERP program header: it needs a dynamic loader", path)
		case elf.PT_DYNAMIC:
			t.Errorf("%s has a PT_DYNAMIC program header: it is dynamically linked", path)
		}
	}
	libs, err := f.ImportedLibraries()
	if err != nil {
		t.Fatal(err)
	}
	if len(libs) > 0 {
		t.Errorf("%s needs shared libraries (DT_NEEDED): %v", path, libs)
	}
}

// TestBuildFromCheckoutRecordsRevision copies the module into a fresh git
// repository, tags a commit, leaves a change uncommitted, builds with VCS
// stamping on (this machine's go env may turn it off) and checks the
// version line: the tag, the commit, "modified" and the commit's time, all
// read from the binary's build info. It also checks, with go version -m,
// that no test-only dependency is linked into the binary.
func TestBuildFromCheckoutRecordsRevision(t *testing.T) {
	needsLinuxBuild(t)
	repo := t.TempDir()
	files := strings.Split(strings.TrimSpace(command(t, moduleRoot, nil, "git", "ls-files", "-co", "--exclude-standard")), "\n")
	for _, name := range files {
		src, err := os.ReadFile(filepath.Join(moduleRoot, name))
		if os.IsNotExist(err) {
			continue // deleted in the worktree, not yet in the index
		}
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(repo, name)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git := []string{"-c", "user.name=liftoff test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"}
	dates := []string{"GIT_AUTHOR_DATE=2026-01-02T03:04:05Z", "GIT_COMMITTER_DATE=2026-01-02T03:04:05Z"}
	command(t, repo, nil, "git", "init", "-q")
	command(t, repo, nil, "git", "add", "-A")
	command(t, repo, dates, "git", append(git, "commit", "-q", "-m", "release")...)
	command(t, repo, nil, "git", append(git, "tag", "v1.2.3")...)
	rev := strings.TrimSpace(command(t, repo, nil, "git", "rev-parse", "HEAD"))
	if err := os.WriteFile(filepath.Join(repo, "notes.txt"), []byte("uncommitted\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	bin := filepath.Join(t.TempDir(), "liftoff")
	command(t, repo, []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=" + runtime.GOARCH},
		"go", "build", "-trimpath", "-buildvcs=true", "-o", bin, "./cmd/liftoff")
	// Test-only dependencies stay out of the binary.
	deps := command(t, repo, nil, "go", "version", "-m", bin)
	for _, testOnly := range []string{"github.com/rhysd/actionlint", "github.com/google/go-cmp", "k8s.io/api", "k8s.io/apimachinery"} {
		if strings.Contains(deps, "\t"+testOnly+"\t") {
			t.Errorf("the binary links %s, a test-only dependency:\n%s", testOnly, deps)
		}
	}
	if !strings.Contains(deps, "\tgithub.com/spf13/cobra\t") {
		t.Errorf("go version -m lists no dependencies the binary has:\n%s", deps)
	}

	want := "liftoff v1.2.3 (" + rev[:12] + ", modified, 2026-01-02T03:04:05Z)\n"
	for _, args := range [][]string{{"version"}, {"--version"}} {
		if got := command(t, repo, nil, bin, args...); got != want {
			t.Errorf("liftoff %s = %q, want %q", args[0], got, want)
		}
	}
}
