package main

import (
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// dockerfile is the part of the Dockerfile the test checks: the build
// stage's arguments and go build line, and what the final stage runs.
type dockerfile struct {
	stages    []string          // each FROM line's image
	args      map[string]string // the build stage's ARG defaults
	build     string            // the build stage's RUN line with go build
	copyFrom  string            // the path the final stage copies from the build stage
	copyTo    string            // where it puts it
	user      string            // the final stage's USER
	entry     string            // the final stage's ENTRYPOINT, as written
	finalBase string            // the final stage's image
}

// parseDockerfile reads the instructions this test relies on. Continued
// lines (a trailing backslash) are joined; comments are dropped.
func parseDockerfile(t *testing.T, src string) dockerfile {
	t.Helper()
	var lines []string
	var cur strings.Builder
	for _, raw := range strings.Split(src, "\n") {
		trimmed := strings.TrimSpace(raw)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && cur.Len() == 0) {
			continue
		}
		if cont, ok := strings.CutSuffix(trimmed, "\\"); ok {
			cur.WriteString(cont + " ")
			continue
		}
		cur.WriteString(trimmed)
		lines = append(lines, cur.String())
		cur.Reset()
	}
	d := dockerfile{args: map[string]string{}}
	for _, line := range lines {
		instr, rest, _ := strings.Cut(line, " ")
		rest = strings.TrimSpace(rest)
		final := len(d.stages) > 1
		switch strings.ToUpper(instr) {
		case "FROM":
			words := strings.Fields(rest)
			image := ""
			for _, w := range words {
				if !strings.HasPrefix(w, "--") {
					image = w
					break
				}
			}
			d.stages = append(d.stages, image)
			d.finalBase = image
		case "ARG":
			if !final {
				for _, a := range strings.Fields(rest) {
					name, value, _ := strings.Cut(a, "=")
					d.args[name] = value
				}
			}
		case "RUN":
			if !final && strings.Contains(rest, "go build") {
				d.build = rest
			}
		case "COPY":
			if final && strings.HasPrefix(rest, "--from=") {
				f := strings.Fields(rest)
				d.copyFrom, d.copyTo = f[1], f[2]
			}
		case "USER":
			d.user = rest
		case "ENTRYPOINT":
			d.entry = rest
		}
	}
	return d
}

// TestDockerfileBuildsAStaticBinary runs the Dockerfile's own go build line
// (base images cannot be pulled where the tests run) with its build
// arguments set, and checks what the image needs: a static binary, the
// version from the build arguments, the path the final stage copies, a
// minimal base with CA certificates, and a user that is not root.
func TestDockerfileBuildsAStaticBinary(t *testing.T) {
	needsLinuxBuild(t)
	src, err := os.ReadFile(filepath.Join(moduleRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	d := parseDockerfile(t, string(src))

	if len(d.stages) != 2 || !strings.HasPrefix(d.stages[0], "golang:") {
		t.Errorf("stages %q: want a golang build stage and a final stage", d.stages)
	}
	if !strings.HasPrefix(d.finalBase, "gcr.io/distroless/static") && d.finalBase != "scratch" {
		t.Errorf("final image %q: want distroless/static (CA certificates, no shell) or scratch", d.finalBase)
	}
	if d.user == "" || d.user == "root" || strings.HasPrefix(d.user, "0") {
		t.Errorf("USER %q: the image must not run as root", d.user)
	}
	if d.entry != `["`+d.copyTo+`"]` {
		t.Errorf("ENTRYPOINT %s does not run the binary the final stage copies to %s", d.entry, d.copyTo)
	}
	for _, flag := range []string{"CGO_ENABLED=0", "-trimpath", "-X main.buildVersion=$VERSION", "-X main.buildRevision=$REVISION"} {
		if !strings.Contains(d.build, flag) {
			t.Errorf("the build line lacks %s: %s", flag, d.build)
		}
	}
	if d.copyFrom == "" || !strings.Contains(d.build, "-o "+d.copyFrom+" ") {
		t.Fatalf("the final stage copies %q, which the build line does not write: %s", d.copyFrom, d.build)
	}

	bin := filepath.Join(t.TempDir(), "liftoff")
	line := strings.Replace(d.build, "-o "+d.copyFrom+" ", "-o "+bin+" ", 1)
	// What `docker build --build-arg …` on this machine would set, over
	// the defaults.
	args := maps.Clone(d.args)
	maps.Copy(args, map[string]string{
		"TARGETOS": "linux", "TARGETARCH": runtime.GOARCH, "VERSION": "v3.2.1",
		"REVISION": "0123456789abcdef0123456789abcdef01234567", "COMMIT_TIME": "2026-03-04T05:06:07Z",
	})
	var env []string
	for name, value := range args {
		env = append(env, name+"="+value)
	}
	command(t, moduleRoot, env, "sh", "-c", line)

	assertStatic(t, bin)
	want := "liftoff v3.2.1 (0123456789ab, 2026-03-04T05:06:07Z)\n"
	if got := command(t, moduleRoot, nil, bin, "version"); got != want {
		t.Errorf("liftoff version = %q, want %q", got, want)
	}
}
