package loadgen

import (
	"fmt"
	"time"

	"github.com/liftoff/liftoff/scenario"
)

// The results file's segment fields: "segment" ({"index": I, "count": N})
// on a segment's own results, and "segments" on merged results, one object
// per segment's process, in segment order.

type segmentFile struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// segmentRunFile is SegmentRun: what a segment's process measured of
// itself. Times are microseconds; lag is a histogram as elsewhere; cpu
// lists [offset_us, cpu_us] per timeline interval.
type segmentRunFile struct {
	Segment      segmentFile      `json:"segment"`
	Host         string           `json:"host,omitempty"`
	Liftoff      string           `json:"liftoff,omitempty"`
	Started      time.Time        `json:"started"`
	StartDelayUS int64            `json:"start_delay_us,omitempty"`
	ElapsedUS    int64            `json:"elapsed_us"`
	RanUS        int64            `json:"ran_us"`
	Interrupted  bool             `json:"interrupted,omitempty"`
	Arrivals     arrivalsFile     `json:"arrivals"`
	Closed       closedFile       `json:"closed"`
	Requests     int64            `json:"requests"`
	Classes      map[string]int64 `json:"classes,omitempty"`
	Lag          string           `json:"lag,omitempty"`
	Generator    signalsFile      `json:"generator"`
	CPU          [][2]int64       `json:"cpu_us,omitempty"`
}

// segmentRunList is the merged results' segments as a file holds them,
// decoded up to MaxSegments.
type segmentRunList []segmentRunFile

func (l *segmentRunList) UnmarshalJSON(data []byte) error {
	out, err := decodeList[segmentRunFile](data, MaxSegments, "segments", "segments")
	*l = out
	return err
}

func encodeSegment(s Segment) *segmentFile {
	if s.Whole() {
		return nil
	}
	return &segmentFile{Index: s.Index, Count: s.Count}
}

func decodeSegment(f *segmentFile) (Segment, error) {
	if f == nil {
		return Segment{}, nil
	}
	s := Segment{Index: f.Index, Count: f.Count}
	if err := s.check(); err != nil || s.Whole() {
		return Segment{}, fmt.Errorf("segment %d/%d: not a segment of a run of 2 to %d", f.Index, f.Count, MaxSegments)
	}
	return s, nil
}

func encodeSegmentRuns(runs []SegmentRun) segmentRunList {
	var out segmentRunList
	for _, s := range runs {
		f := segmentRunFile{Segment: *encodeSegment(s.Segment), Host: s.Host, Liftoff: s.Version, Started: s.Started,
			StartDelayUS: s.StartDelay.Microseconds(), ElapsedUS: s.Elapsed.Microseconds(), RanUS: s.Ran.Microseconds(),
			Interrupted: s.Interrupted, Arrivals: arrivalsFile(s.Arrivals), Closed: closedFile(s.Closed),
			Requests: s.Requests, Classes: classMap(s.Classes), Lag: encodeSparse(s.Lag), Generator: encodeSignals(s.Signals)}
		if len(f.Classes) == 0 {
			f.Classes = nil
		}
		for _, c := range s.CPU {
			f.CPU = append(f.CPU, [2]int64{c.Offset.Microseconds(), c.CPU.Microseconds()})
		}
		out = append(out, f)
	}
	return out
}

func decodeSegmentRuns(list segmentRunList, b *budget) ([]SegmentRun, error) {
	var out []SegmentRun
	for i, f := range list {
		s := SegmentRun{Host: scenario.Printable(f.Host), Version: scenario.Printable(f.Liftoff), Started: f.Started,
			StartDelay: time.Duration(f.StartDelayUS) * time.Microsecond, Elapsed: time.Duration(f.ElapsedUS) * time.Microsecond,
			Ran: time.Duration(f.RanUS) * time.Microsecond, Interrupted: f.Interrupted,
			Arrivals: ArrivalCounts(f.Arrivals), Closed: ClosedCounts(f.Closed), Requests: f.Requests}
		var err error
		if s.Segment, err = decodeSegment(&f.Segment); err != nil {
			return nil, fmt.Errorf("segments[%d]: %w", i, err)
		}
		if s.Classes, err = parseClassMap(f.Classes); err != nil {
			return nil, fmt.Errorf("segments[%d]: %w", i, err)
		}
		if s.Lag, err = decodeSparse(f.Lag, b); err != nil {
			return nil, fmt.Errorf("segments[%d].lag: %w", i, err)
		}
		if s.Signals, err = decodeSignals(f.Generator, b); err != nil {
			return nil, fmt.Errorf("segments[%d].%w", i, err)
		}
		if len(f.CPU) > MaxTimelineIntervals {
			return nil, fmt.Errorf("segments[%d]: more than the %d intervals a timeline holds", i, MaxTimelineIntervals)
		}
		for _, c := range f.CPU {
			s.CPU = append(s.CPU, IntervalCPU{Offset: time.Duration(c[0]) * time.Microsecond, CPU: time.Duration(c[1]) * time.Microsecond})
		}
		out = append(out, s)
	}
	return out, nil
}

// checkSegments reports segment fields no run or merge writes: merged
// segments of different counts, out of order or twice, counts that are
// not the merged totals' parts, a segment's own implausible counts.
func (r *Results) checkSegments(bad func(format string, args ...any)) {
	if len(r.Segments) == 0 {
		return
	}
	if !r.Segment.Whole() {
		bad("merged results are not one segment's (%s)", r.Segment)
	}
	var requests, started, missed int64
	for i, s := range r.Segments {
		a := s.Arrivals
		switch {
		case s.Segment.Count != r.Segments[0].Segment.Count:
			bad("segments[%d] is segment %s, of another count than segments[0] (%s)", i, s.Segment, r.Segments[0].Segment)
		case i > 0 && s.Segment.Index <= r.Segments[i-1].Segment.Index:
			bad("segments[%d]: segment %s twice or out of order", i, s.Segment)
		case s.Requests < 0 || a.Started < 0 || a.Missed < 0 || a.Exhausted < 0 || a.Exhausted > a.Missed ||
			a.Completed < 0 || a.Failed < 0 || a.Completed+a.Failed > a.Started || s.Closed.Stopped < 0 || s.Closed.Stopped > s.Closed.Visitors ||
			s.Elapsed < 0 || s.Ran < 0 || s.StartDelay < 0 || s.Signals.CPUs < 0 || s.Signals.CPU < 0 || s.Lag.Count() > s.Requests:
			bad("segments[%d]: counts that no run measures", i)
		}
		for _, c := range s.CPU {
			if c.CPU < 0 {
				bad("segments[%d]: negative CPU time", i)
			}
		}
		requests += s.Requests
		started += a.Started
		missed += a.Missed
	}
	if requests != r.Requests || started != r.Arrivals.Started || missed != r.Arrivals.Missed {
		bad("the segments' %d requests, %d started and %d missed arrivals are not the merged %d, %d and %d",
			requests, started, missed, r.Requests, r.Arrivals.Started, r.Arrivals.Missed)
	}
}
