package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/liftoff/liftoff/loadgen"
)

// completionIndexVar is where a Kubernetes Indexed Job tells each pod its
// index: --segment auto/N reads it.
const completionIndexVar = "JOB_COMPLETION_INDEX"

// segmentOptions are run's flags for one segment of a distributed run.
type segmentOptions struct {
	segment string // "I/N", "auto/N" or ""
	startAt string // RFC 3339 or ""
}

func addSegmentFlags(cmd *cobra.Command, o *segmentOptions) {
	f := cmd.Flags()
	f.StringVar(&o.segment, "segment", "", "send the I-th of N shares of the plan (I from 0), as one of N machines; auto/N takes I from $"+completionIndexVar+" (Kubernetes Indexed Jobs)")
	f.StringVar(&o.startAt, "start-at", "", "start the plan at this wall-clock instant (RFC 3339, as in 2026-12-01T10:00:00Z), the same for every segment; clocks must agree (NTP)")
}

// config returns the segment and start instant the flags ask for.
func (o *segmentOptions) config(e *env) (seg loadgen.Segment, startAt time.Time, err error) {
	if o.segment != "" {
		spec := o.segment
		if index, count, ok := strings.Cut(spec, "/"); ok && index == "auto" {
			v, set := e.Getenv(completionIndexVar)
			if !set || v == "" {
				return seg, startAt, usagef("--segment %s takes the index from $%s, which is not set: give the index itself, as in --segment 0/%s", spec, completionIndexVar, count)
			}
			if _, err := strconv.Atoi(v); err != nil {
				return seg, startAt, usagef("--segment %s: $%s is %q, not an index", spec, completionIndexVar, v)
			}
			spec = v + "/" + count
		}
		if seg, err = loadgen.ParseSegment(spec); err != nil {
			return seg, startAt, usagef("--segment: %v", err)
		}
	}
	if o.startAt != "" {
		if startAt, err = time.Parse(time.RFC3339, o.startAt); err != nil {
			return seg, startAt, usagef("--start-at %q: want an RFC 3339 instant, as in 2026-12-01T10:00:00Z", o.startAt)
		}
	}
	return seg, startAt, nil
}

// waitingLine tells the person at the terminal why nothing happens yet.
func waitingLine(seg loadgen.Segment, startAt time.Time) string {
	what := "the plan"
	if !seg.Whole() {
		what = "segment " + seg.String()
	}
	if startAt.IsZero() {
		if seg.Whole() {
			return ""
		}
		return fmt.Sprintf("Sending %s now; without --start-at the other segments start when they do.\n", what)
	}
	return fmt.Sprintf("Waiting to start %s at %s.\n", what, startAt.UTC().Format(time.RFC3339Nano))
}
