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

// The tests in this file build the liftoff binary the ways it ships: from
// a git checkout, with scripts/release.sh, and with the Dockerfile's own
// build line. They use the same compile flags (CGO_ENABLED=0, -trimpath,
// GOOS=linux on the host's architecture), so the first one fills the build
// cache for the others, and they do not call t.Parallel: three links in a
// row cost less than three compilations of every dependency side by side.

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
// read from the binary's build info.
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
	want := "liftoff v1.2.3 (" + rev[:12] + ", modified, 2026-01-02T03:04:05Z)\n"
	for _, args := range [][]string{{"version"}, {"--version"}} {
		if got := command(t, repo, nil, bin, args...); got != want {
			t.Errorf("liftoff %s = %q, want %q", args[0], got, want)
		}
	}
}

// TestReleaseScriptBuildsOneTarget runs scripts/release.sh for the host's
// linux target, as CI does for every change, and checks what a release
// publishes: one archive named for the version and platform, holding a
// static binary that reports the version, and checksums that match.
func TestReleaseScriptBuildsOneTarget(t *testing.T) {
	needsLinuxBuild(t)
	dist := filepath.Join(t.TempDir(), "dist")
	command(t, moduleRoot, []string{"TARGETS=linux/" + runtime.GOARCH, "DIST=" + dist},
		"bash", filepath.Join("scripts", "release.sh"), "v9.8.7-rc.1")

	name := "liftoff_9.8.7-rc.1_linux_" + runtime.GOARCH
	entries, err := os.ReadDir(dist)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if want := []string{"checksums.txt", name + ".tar.gz"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("dist holds %q, want %q", got, want)
	}
	sums := command(t, dist, nil, "sha256sum", "--check", "--strict", "checksums.txt")
	if sums != name+".tar.gz: OK\n" {
		t.Errorf("sha256sum --check says %q", sums)
	}
	unpacked := t.TempDir()
	command(t, unpacked, nil, "tar", "-xzf", filepath.Join(dist, name+".tar.gz"))
	listing := command(t, unpacked, nil, "find", ".", "-type", "f")
	for _, file := range []string{"./" + name + "/liftoff", "./" + name + "/README.md"} {
		if !strings.Contains(listing, file+"\n") {
			t.Errorf("the archive lacks %s; it holds:\n%s", file, listing)
		}
	}
	bin := filepath.Join(unpacked, name, "liftoff")
	assertStatic(t, bin)
	if out := command(t, unpacked, nil, bin, "version"); !strings.HasPrefix(out, "liftoff v9.8.7-rc.1 (") {
		t.Errorf("liftoff version = %q, want the release version and the commit", out)
	}
}
