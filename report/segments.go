package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/liftoff/liftoff/loadgen"
)

// A distributed run's segments (liftoff run --segment I/N) are judged
// twice over. The target's measurements are the merged ones: one run,
// one plan, the percentiles of every request. The generators are judged
// one by one, each on what its own process measured of itself
// (loadgen.Results.Segments): one segment that fell behind, missed
// arrivals or ran out of CPU limited the run, and the reason names it,
// even when the totals of the others would hide it. Segments that began
// apart (no --start-at, or a late pod) did not send the plan together:
// past the lag a rule can tell apart, that limits the run too.
//
// Results that cover only some segments (one segment's own file, or a
// merge with --allow-partial) are never GO: they tested part of the plan.

// segmentsHealth judges each segment's generator of merged results, and
// how far apart they started; whole-run numbers stay in h for display.
// The whole run's own limits hold only where no segment's does: a
// generator limit over the run is some segment's limit (a share past a
// threshold in the total is past it in one segment at least), except lag
// spread thin over many segments, which the run still shows.
func segmentsHealth(doc Document, h *Health) {
	res := doc.Results
	whole := *h
	h.Limited, h.Limits, h.Reasons, h.Warnings, h.WarningReasons = false, nil, nil, nil, nil
	for i, s := range res.Segments {
		view := Document{Results: res.SegmentView(i), Plan: doc.Plan.Share([]int{s.Segment.Index}, s.Segment.Count), Rules: doc.Rules}
		sh := processHealth(view)
		h.CPUShareMax = max(h.CPUShareMax, sh.CPUShareMax)
		h.Segments = append(h.Segments, SegmentHealth{Segment: s.Segment.String(), Host: s.Host, Limited: sh.Limited, Limits: sh.Limits, Warnings: sh.Warnings, StartDelay: s.StartDelay})
		for k, w := range sh.Warnings {
			h.warn(w, segmentName(s)+": "+sh.WarningReasons[k])
		}
		if !sh.Limited {
			continue
		}
		h.Limited = true
		for _, l := range sh.Limits {
			h.limit(l)
		}
		name := segmentName(s)
		for _, r := range sh.Reasons {
			h.Reasons = append(h.Reasons, name+": "+r)
		}
		if s.StartDelay > sh.LateAfter && sh.FellBehind() {
			h.Reasons = append(h.Reasons, fmt.Sprintf("%s began %s after the start it was given (--start-at), so its first arrivals left late: check that it was scheduled in time and that its clock is synchronised (NTP).",
				name, latency(s.StartDelay)))
		}
	}
	if first, last := startSpread(res.Segments); last.Started.Sub(first.Started) > whole.LateAfter {
		h.Limited = true
		h.limit(SignalLag)
		h.Reasons = append(h.Reasons, fmt.Sprintf(
			"The segments did not start together: %s started %s after %s, so the target never got the whole plan at once. Give every segment the same --start-at.",
			segmentName(last), latency(last.Started.Sub(first.Started)), segmentName(first)))
	}
	if whole.FellBehind() && !h.has(SignalLag) {
		h.Limited = true
		h.limit(SignalLag)
		h.Reasons = append(h.Reasons, fmt.Sprintf(
			"The generators fell behind: %s of the segments' requests (%s) left more than %s late, and their p99 lag was %s. Spread the load over more segments.",
			count(whole.Late), percent(whole.LateShare), latency(whole.LateAfter), latency(whole.LagP99)))
	}
}

// has reports whether signal s limited the run.
func (h Health) has(s Signal) bool {
	for _, l := range h.Limits {
		if l == s {
			return true
		}
	}
	return false
}

// startSpread returns the segments that started first and last.
func startSpread(runs []loadgen.SegmentRun) (first, last loadgen.SegmentRun) {
	first, last = runs[0], runs[0]
	for _, s := range runs[1:] {
		if s.Started.Before(first.Started) {
			first = s
		}
		if s.Started.After(last.Started) {
			last = s
		}
	}
	return first, last
}

// segmentName is "Segment 1/3 (pod-abc)", or "Segment 1/3" when its host
// is unknown.
func segmentName(s loadgen.SegmentRun) string {
	if s.Host == "" {
		return "Segment " + s.Segment.String()
	}
	return fmt.Sprintf("Segment %s (%s)", s.Segment, s.Host)
}

// partialReason says what part of a distributed run results cover, when
// they do not cover all of it.
func partialReason(res *loadgen.Results) string {
	indexes, n := res.Shares()
	if len(res.Segments) == 0 {
		on := ""
		if res.Host != "" {
			on = " (" + res.Host + ")"
		}
		return fmt.Sprintf("These are the results of segment %s%s of a distributed run: they cover its share of the plan only, so they cannot prove a GO. Merge every segment's results (liftoff merge) for the run's verdict.", res.Segment, on)
	}
	return fmt.Sprintf("These results merge %d of %d segments (missing: %s): they cover part of the plan only, so they cannot prove a GO.",
		len(indexes), n, strings.Join(missingSegments(indexes, n), ", "))
}

// missingSegments names the segments of n not among indexes, ten at most.
func missingSegments(indexes []int, n int) []string {
	have := map[int]bool{}
	for _, i := range indexes {
		have[i] = true
	}
	var out []string
	for i := range n {
		if !have[i] {
			if len(out) == 10 {
				return append(out, "…")
			}
			out = append(out, fmt.Sprintf("%d/%d", i, n))
		}
	}
	return out
}

// segmentsLine describes merged results' segments for people: "3 segments
// merged: 0/3 pod-a, 1/3 pod-b, 2/3 pod-c"; "" for a single process.
// One segment's own results say which it is.
func segmentsLine(res *loadgen.Results) string {
	if len(res.Segments) == 0 {
		if res.Segment.Whole() {
			return ""
		}
		s := "segment " + res.Segment.String() + " of a distributed run"
		if res.Host != "" {
			s += ", on " + res.Host
		}
		return s
	}
	_, n := res.Shares()
	var parts []string
	for i, s := range res.Segments {
		if i == 8 {
			parts = append(parts, fmt.Sprintf("and %d more", len(res.Segments)-i))
			break
		}
		p := s.Segment.String()
		if s.Host != "" {
			p += " " + s.Host
		}
		if s.StartDelay > 10*time.Millisecond {
			p += fmt.Sprintf(" (began %s late)", latency(s.StartDelay))
		}
		parts = append(parts, p)
	}
	return fmt.Sprintf("%d of %d segments merged: %s", len(res.Segments), n, strings.Join(parts, ", "))
}
