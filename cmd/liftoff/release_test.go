package main

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// linkTimeVars are the variables a release build sets with -X: taking
// their addresses ties the names below to version.go at compile time.
var linkTimeVars = map[string]*string{
	"main.buildVersion":  &buildVersion,
	"main.buildRevision": &buildRevision,
	"main.buildTime":     &buildTime,
}

// TestEveryBuildSetsTheSameLinkTimeVars reads the -X flags of the three
// release builds (the Dockerfile, .goreleaser.yaml, scripts/release.sh)
// and checks each sets every link-time variable, and nothing else: a
// renamed variable would otherwise leave one build saying "dev".
func TestEveryBuildSetsTheSameLinkTimeVars(t *testing.T) {
	t.Parallel()
	want := slices.Sorted(maps.Keys(linkTimeVars))
	setX := regexp.MustCompile(`-X ([\w.]+)=`)
	for _, file := range []string{"Dockerfile", ".goreleaser.yaml", filepath.Join("scripts", "release.sh")} {
		src, err := os.ReadFile(filepath.Join(moduleRoot, file))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range setX.FindAllStringSubmatch(string(src), -1) {
			got = append(got, m[1])
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s sets %q with -X, want %q", file, got, want)
		}
		for _, flag := range []string{"CGO_ENABLED=0", "-trimpath", "-buildvcs=false"} {
			if !strings.Contains(string(src), flag) {
				t.Errorf("%s does not build with %s", file, flag)
			}
		}
	}
}

// goreleaserConfig is the part of .goreleaser.yaml the releases rely on.
type goreleaserConfig struct {
	Version int `yaml:"version"`
	Builds  []struct {
		Main    string   `yaml:"main"`
		Env     []string `yaml:"env"`
		Goos    []string `yaml:"goos"`
		Goarch  []string `yaml:"goarch"`
		Ldflags []string `yaml:"ldflags"`
	} `yaml:"builds"`
	Archives []struct {
		Formats         []string `yaml:"formats"`
		NameTemplate    string   `yaml:"name_template"`
		WrapInDirectory bool     `yaml:"wrap_in_directory"`
		FormatOverrides []struct {
			Goos    string   `yaml:"goos"`
			Formats []string `yaml:"formats"`
		} `yaml:"format_overrides"`
	} `yaml:"archives"`
	Checksum struct {
		NameTemplate string `yaml:"name_template"`
		Algorithm    string `yaml:"algorithm"`
	} `yaml:"checksum"`
}

// TestGoReleaserConfig checks .goreleaser.yaml builds what scripts/release.sh
// builds: the six platforms, archives named and laid out the same way, and
// SHA-256 checksums. Where GoReleaser is installed (it is a large tool, so
// CI does not install it; `go install
// github.com/goreleaser/goreleaser/v2@v2.15.1`), `goreleaser check`
// validates the whole file too.
func TestGoReleaserConfig(t *testing.T) {
	t.Parallel()
	path := filepath.Join(moduleRoot, ".goreleaser.yaml")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c goreleaserConfig
	if err := yaml.Unmarshal(src, &c); err != nil {
		t.Fatal(err)
	}
	if c.Version != 2 || len(c.Builds) != 1 || len(c.Archives) != 1 {
		t.Fatalf("want a version 2 config with one build and one archive: %+v", c)
	}
	b, a := c.Builds[0], c.Archives[0]
	if b.Main != "./cmd/liftoff" {
		t.Errorf("builds[0].main = %q, want ./cmd/liftoff", b.Main)
	}
	if !slices.Equal(b.Goos, []string{"linux", "darwin", "windows"}) || !slices.Equal(b.Goarch, []string{"amd64", "arm64"}) {
		t.Errorf("builds for %v × %v, want linux, darwin, windows × amd64, arm64", b.Goos, b.Goarch)
	}
	if a.NameTemplate != "{{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}" || !a.WrapInDirectory {
		t.Errorf("archives are named %q (wrapped: %v); scripts/release.sh names them liftoff_VERSION_OS_ARCH, in a folder of that name", a.NameTemplate, a.WrapInDirectory)
	}
	if !slices.Equal(a.Formats, []string{"tar.gz"}) || len(a.FormatOverrides) != 1 || a.FormatOverrides[0].Goos != "windows" || !slices.Equal(a.FormatOverrides[0].Formats, []string{"zip"}) {
		t.Errorf("archive formats %v, overrides %+v: want tar.gz, zip for windows", a.Formats, a.FormatOverrides)
	}
	if c.Checksum.Algorithm != "sha256" || c.Checksum.NameTemplate != "checksums.txt" {
		t.Errorf("checksums %+v: want sha256 in checksums.txt", c.Checksum)
	}

	goreleaser, err := exec.LookPath("goreleaser")
	if err != nil {
		t.Log("goreleaser is not installed: checked the fields the release relies on, not the whole file")
		return
	}
	out := command(t, moduleRoot, nil, goreleaser, "check")
	t.Logf("goreleaser check:\n%s", out)
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
