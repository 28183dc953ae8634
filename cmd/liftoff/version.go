package main

import (
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// Release builds set these at link time (the Dockerfile, .goreleaser.yaml
// and scripts/release.sh all do):
//
//	-ldflags "-X main.buildVersion=v1.2.3 -X main.buildRevision=<commit> -X main.buildTime=<RFC 3339>"
//
// Each one set wins over what the Go toolchain recorded in the binary.
var (
	buildVersion  = ""
	buildRevision = ""
	buildTime     = ""
)

// buildStamp is what one binary knows about where it came from.
type buildStamp struct {
	Version  string    // v1.2.3, a pseudo-version, or "dev"
	Revision string    // the VCS commit; empty when unknown
	Time     time.Time // the commit's time; zero when unknown
	Modified bool      // built from a checkout with uncommitted changes
}

// readBuildStamp reads the toolchain's build info and applies the
// link-time values over it.
func readBuildStamp() buildStamp {
	info, _ := debug.ReadBuildInfo()
	return stampOf(info, buildVersion, buildRevision, buildTime)
}

// stampOf derives the stamp from build info (nil when the binary has
// none) and the link-time values. `go install module@v1.2.3` records the
// module version; a build in a git checkout records the pseudo-version
// Go derives from the tags (with "+dirty" for uncommitted changes) and the
// vcs.* settings; `go run` in a tree without VCS data records "(devel)".
func stampOf(info *debug.BuildInfo, version, revision, when string) buildStamp {
	s := buildStamp{Version: "dev"}
	if info != nil {
		if v := info.Main.Version; v != "" && v != "(devel)" {
			s.Version = v
		}
		for _, kv := range info.Settings {
			switch kv.Key {
			case "vcs.revision":
				s.Revision = kv.Value
			case "vcs.time":
				s.Time, _ = time.Parse(time.RFC3339, kv.Value)
			case "vcs.modified":
				s.Modified = kv.Value == "true"
			}
		}
	}
	if version != "" {
		s.Version = version
	}
	if revision != "" {
		s.Revision = revision
	}
	if when != "" {
		if t, err := time.Parse(time.RFC3339, when); err == nil {
			s.Time = t
		}
	}
	// Go marks a modified checkout in the version too; the stamp says it
	// once, in words.
	if v, dirty := strings.CutSuffix(s.Version, "+dirty"); dirty {
		s.Version, s.Modified = v, true
	}
	return s
}

// String is the version line's text after "liftoff ", which the results
// file records: "v1.2.3 (a4d960936e1c, 2026-11-30T21:55:45Z)", with
// ", modified" after the revision for a build with uncommitted changes.
func (s buildStamp) String() string {
	var extra []string
	if s.Revision != "" {
		extra = append(extra, shortRevision(s.Revision))
	}
	if s.Modified {
		extra = append(extra, "modified")
	}
	if !s.Time.IsZero() {
		extra = append(extra, s.Time.UTC().Format(time.RFC3339))
	}
	if len(extra) == 0 {
		return s.Version
	}
	return s.Version + " (" + strings.Join(extra, ", ") + ")"
}

// shortRevision keeps the 12 hex digits a pseudo-version uses: enough to
// find the commit.
func shortRevision(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}

// version is the bare version, for the User-Agent header ("liftoff/v1.2.3").
func version() string { return readBuildStamp().Version }

// versionLine is what `liftoff version`, `liftoff --version` and the
// results file's "liftoff" field say.
func versionLine() string { return readBuildStamp().String() }

func newVersionCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print liftoff's version, the commit it was built from and the commit's time",
		Long: `version prints the version line that every results file and report records:
the release (v1.2.3), or for a build from a git checkout the version Go
derives from its tags, then the commit, "modified" when the checkout had
uncommitted changes, and the commit's time. liftoff --version prints the
same line.`,
		Example: `  liftoff version`,
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintf(e.Out, "liftoff %s\n", versionLine())
			return err
		},
	}
}
