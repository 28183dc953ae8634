package loadgen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/liftoff/liftoff/internal/spool"
)

// Merging combines the results of a distributed run's segments into the
// results one process would have written, exactly: counts and classes add
// up, and HDR histograms merge without loss (every histogram of a run
// shares one geometry), so the merged percentiles are those of the union
// of the segments' requests. Timelines align on the plan's start: the
// segments of a run given --start-at share that instant, and each
// interval holds the same stretch of the plan in every segment.
//
// What each process measured of itself (lag, missed arrivals, CPU, its
// delays) stays apart too, in Results.Segments: a generator that could not
// keep up limits the run even when the others' numbers would hide it.
//
// Merging is associative and commutative: merged results merge again,
// and any grouping or order of the same segments gives the same bytes.
// Sums and histogram merges do not care; the rest is chosen so: the
// scenario record of the lowest segment, the earliest start, the longest
// run, error examples in sorted order, planned arrivals added up from the
// segments' own in segment order.

// SegmentRun is what merged results keep of one segment's process: who
// ran it, and what it measured of itself, which the report judges that
// generator's health on (report/health.go). The target's measurements are
// merged into the Results themselves.
type SegmentRun struct {
	Segment     Segment
	Host        string
	Version     string
	Started     time.Time
	StartDelay  time.Duration
	Elapsed     time.Duration
	Ran         time.Duration
	Interrupted bool
	Arrivals    ArrivalCounts
	Closed      ClosedCounts
	Requests    int64
	Classes     ClassCounts
	Lag         Sparse
	Signals     Signals
	CPU         []IntervalCPU // its CPU time per timeline interval, at the merged results' offsets
}

// IntervalCPU is a process's CPU time in one timeline interval.
type IntervalCPU struct {
	Offset time.Duration
	CPU    time.Duration
}

// Partial reports whether the results cover only some of a distributed
// run's segments: one segment's own results, or a merge that lacks some.
func (r *Results) Partial() bool {
	if len(r.Segments) > 0 {
		return len(r.Segments) < r.Segments[0].Segment.Count
	}
	return !r.Segment.Whole()
}

// Shares are the segments the results cover and how many the run had:
// nil and 0 for a single process's results.
func (r *Results) Shares() (indexes []int, count int) {
	if len(r.Segments) > 0 {
		for _, s := range r.Segments {
			indexes = append(indexes, s.Segment.Index)
		}
		return indexes, r.Segments[0].Segment.Count
	}
	if r.Segment.Whole() {
		return nil, 0
	}
	return []int{r.Segment.Index}, r.Segment.Count
}

// SegmentView is segment i's process as results of its own: its counts,
// lag and signals, its CPU over the timeline, no keys. The report judges a
// generator's health on it as on a single process's results.
func (r *Results) SegmentView(i int) *Results {
	s := r.Segments[i]
	v := &Results{Scenario: r.Scenario, Version: s.Version, Started: s.Started, Elapsed: s.Elapsed, Ran: s.Ran,
		Interrupted: s.Interrupted, Interval: r.Interval, Segment: s.Segment, Host: s.Host, StartDelay: s.StartDelay,
		Arrivals: s.Arrivals, Closed: s.Closed, Requests: s.Requests, Classes: s.Classes,
		Lag: s.Lag.Distribution(), Signals: s.Signals}
	for _, c := range s.CPU {
		v.Timeline = append(v.Timeline, Interval{Offset: c.Offset, Signals: IntervalSignals{CPU: c.CPU}})
	}
	return v
}

// Merger merges results files one at a time (Add), so memory holds the
// merged results and one file, however many segments there are.
type Merger struct {
	out    *Results
	count  int            // N, the run's segments
	from   map[int]string // each segment's input
	first  string         // the first input, which the others must match
	record []byte         // the first input's scenario record, its file name left out
	lowest int            // the lowest segment seen, whose record the results keep
	spans  map[time.Duration]*Interval
}

// Add merges the results read from the input called name (a file's
// name, for errors). It refuses results that do not belong with those
// added before: a single process's, another scenario or plan, another
// count of segments, a segment already added. A refused input changes
// nothing.
func (m *Merger) Add(name string, r *Results) error {
	runs, err := segmentRuns(name, r)
	if err != nil {
		return err
	}
	rec, err := comparableRecord(r)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if m.out == nil {
		m.first, m.record, m.count, m.lowest = name, rec, runs[0].Segment.Count, runs[0].Segment.Index
		m.from = map[int]string{}
		m.spans = map[time.Duration]*Interval{}
		m.out = &Results{Scenario: r.Scenario, Started: r.Started.UTC(), Interval: r.Interval,
			Keys: make([]KeyResult, len(r.Keys)), Journeys: make([]JourneyResult, len(r.Journeys)),
			Signals: Signals{CPUKnown: true, RunDelayKnown: true}}
		for i, k := range r.Keys {
			m.out.Keys[i].Key = k.Key
		}
		for i, j := range r.Journeys {
			m.out.Journeys[i].Name = j.Name
		}
	}
	if err := m.belongs(name, r, rec, runs); err != nil {
		return err
	}
	if r.Interval > m.out.Interval { // a coarser timeline: the merged one coarsens to it
		m.out.Interval = r.Interval
		m.recoarsen()
	}
	for _, s := range runs {
		m.from[s.Segment.Index] = name
		if s.Segment.Index < m.lowest {
			m.lowest = s.Segment.Index
			m.out.Scenario = r.Scenario
		}
	}
	m.out.Segments = append(m.out.Segments, runs...)
	m.sum(r)
	return nil
}

// belongs checks that r, holding runs, merges with the results added
// before.
func (m *Merger) belongs(name string, r *Results, rec []byte, runs []SegmentRun) error {
	if len(m.from) == 0 {
		return nil
	}
	o := m.out
	switch {
	case !bytes.Equal(rec, m.record):
		return fmt.Errorf("%s: %s", name, m.recordDifference(r))
	case runs[0].Segment.Count != m.count:
		return fmt.Errorf("%s is segment %s of %d segments, and %s of %d: the segments of one run share their count",
			name, runs[0].Segment, runs[0].Segment.Count, m.first, m.count)
	case !sameKeys(o, r):
		return fmt.Errorf("%s measured other journeys or steps than %s", name, m.first)
	}
	for _, s := range runs {
		if other, ok := m.from[s.Segment.Index]; ok {
			return fmt.Errorf("%s: segment %s is in %s already: each segment merges once", name, s.Segment, other)
		}
	}
	wide, narrow := max(r.Interval, o.Interval), min(r.Interval, o.Interval)
	if narrow <= 0 || wide%narrow != 0 || !isPowerOfTwo(int64(wide/narrow)) {
		return fmt.Errorf("%s has a timeline of %v intervals and %s of %v: they do not align", name, r.Interval, m.first, o.Interval)
	}
	return nil
}

func isPowerOfTwo(n int64) bool { return n > 0 && n&(n-1) == 0 }

// recordDifference says how r's scenario record differs from the first
// input's, in the words a user would look for.
func (m *Merger) recordDifference(r *Results) string {
	a, b := m.out.Scenario, r.Scenario
	switch {
	case a.Name != b.Name:
		return fmt.Sprintf("it tested scenario %q, and %s scenario %q: only segments of one run merge", b.Name, m.first, a.Name)
	case a.Target != b.Target:
		return fmt.Sprintf("it tested %s, and %s tested %s: only segments of one run merge", b.Target, m.first, a.Target)
	case a.Seed != b.Seed || a.Arrivals != b.Arrivals:
		return fmt.Sprintf("its arrivals (seed %d, %s) are not those of %s (seed %d, %s): the segments of one run share the seed", b.Seed, b.Arrivals, m.first, a.Seed, a.Arrivals)
	}
	ra, _ := json.Marshal(scenarioPlan(a))
	rb, _ := json.Marshal(scenarioPlan(b))
	if !bytes.Equal(ra, rb) {
		return fmt.Sprintf("its traffic plan is not that of %s (another --load-factor, --window or --duration?): the segments of one run send one plan", m.first)
	}
	return fmt.Sprintf("its scenario (journeys, rules, limits or overrides) is not that of %s: only segments of one run merge", m.first)
}

// segmentRuns are the segments r holds: its own process's, or those of
// results merged before. A single process's results hold none, and are
// refused.
func segmentRuns(name string, r *Results) ([]SegmentRun, error) {
	if len(r.Segments) > 0 {
		return r.Segments, nil
	}
	if r.Segment.Whole() {
		return nil, fmt.Errorf("%s holds the results of a single process, not of a segment: only the segments of one run (liftoff run --segment I/N) merge", name)
	}
	s := SegmentRun{Segment: r.Segment, Host: r.Host, Version: r.Version, Started: r.Started, StartDelay: r.StartDelay,
		Elapsed: r.Elapsed, Ran: r.Ran, Interrupted: r.Interrupted, Arrivals: r.Arrivals, Closed: r.Closed,
		Requests: r.Requests, Classes: r.Classes, Lag: sparseOf(r.Lag), Signals: r.Signals}
	for _, iv := range r.Timeline {
		s.CPU = append(s.CPU, IntervalCPU{Offset: iv.Offset, CPU: iv.Signals.CPU})
	}
	return []SegmentRun{s}, nil
}

// comparableRecord is r's scenario record as JSON without the scenario
// file's name: machines may keep the same file under other paths.
func comparableRecord(r *Results) ([]byte, error) {
	rec := r.Scenario
	rec.File = ""
	return json.Marshal(rec)
}

// scenarioPlan is the part of a record that is the traffic plan.
func scenarioPlan(rec any) any {
	b, _ := json.Marshal(rec)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	out := map[string]any{}
	for _, k := range []string{"phases", "curve", "expected", "expected_phases", "load_factor", "window", "window_start_s", "campaign"} {
		out[k] = m[k]
	}
	return out
}

func sameKeys(a, b *Results) bool {
	if len(a.Keys) != len(b.Keys) || len(a.Journeys) != len(b.Journeys) {
		return false
	}
	for i := range a.Keys {
		if a.Keys[i].Key != b.Keys[i].Key {
			return false
		}
	}
	for i := range a.Journeys {
		if a.Journeys[i].Name != b.Journeys[i].Name {
			return false
		}
	}
	return true
}

// sum adds r's measurements into the merged results.
func (m *Merger) sum(r *Results) {
	o := m.out
	if r.Started.Before(o.Started) {
		o.Started = r.Started.UTC()
	}
	o.Elapsed, o.Ran = max(o.Elapsed, r.Elapsed), max(o.Ran, r.Ran)
	if r.Interrupted && (!o.Interrupted || r.InterruptedAt < o.InterruptedAt) {
		o.InterruptedAt = r.InterruptedAt // the run delivered its whole load until the first interrupt
	}
	o.Interrupted = o.Interrupted || r.Interrupted
	if ab := r.Abort; ab != nil && (o.Abort == nil || ab.To < o.Abort.To || ab.To == o.Abort.To && ab.Rule < o.Abort.Rule) {
		// The first trip is the run's: segments share the start instant, so
		// its window is the merged run's too. Ties break on the rule so any
		// order of merging gives the same file.
		c := *ab
		o.Abort = &c
	}
	a, b := &o.Arrivals, r.Arrivals
	a.Started += b.Started
	a.Missed += b.Missed
	a.Completed += b.Completed
	a.Failed += b.Failed
	a.Exhausted += b.Exhausted
	o.Closed.Visitors += r.Closed.Visitors
	o.Closed.Stopped += r.Closed.Stopped
	o.Requests += r.Requests
	o.Errors += r.Errors
	o.Retries += r.Retries
	for c := range o.Classes {
		o.Classes[c] += r.Classes[c]
		o.Failures[c].Latency.Merge(r.Failures[c].Latency)
		o.Failures[c].Service.Merge(r.Failures[c].Service)
		o.Examples[c] = mergeExamples(o.Examples[c], r.Examples[c])
	}
	for i, k := range r.Keys {
		ok := &o.Keys[i]
		ok.Requests += k.Requests
		ok.Errors += k.Errors
		ok.GeneratorErrors += k.GeneratorErrors
		ok.CutOff += k.CutOff
		ok.Latency.Merge(k.Latency)
		ok.Service.Merge(k.Service)
	}
	for i, j := range r.Journeys {
		oj := &o.Journeys[i]
		oj.Visits += j.Visits
		oj.Failed += j.Failed
		oj.Duration.Merge(j.Duration)
	}
	o.Lag.Merge(r.Lag)
	mergeSignals(&o.Signals, r.Signals)
	for _, iv := range r.Timeline {
		m.addInterval(iv)
	}
}

// mergeSignals adds a process's signals over the run into s: CPUs and
// times add up (the report divides by the CPUs, or by the segments), and
// a signal is known only when every process knew it.
func mergeSignals(s *Signals, o Signals) {
	s.CPUs += o.CPUs
	s.CPU += o.CPU
	s.CPUKnown = s.CPUKnown && o.CPUKnown
	s.RunDelay += o.RunDelay
	s.RunDelayKnown = s.RunDelayKnown && o.RunDelayKnown
	s.Delay.merge(o.Delay)
	s.Sched.merge(o.Sched)
	s.VisitorConnect.merge(o.VisitorConnect)
	s.SharedConnect.merge(o.SharedConnect)
	s.PreOpened += o.PreOpened
	s.PreOpenTime += o.PreOpenTime
	// Each process has its own ports: the merged peak is the busiest
	// one's, against the narrowest range any knew.
	s.PeakConns = max(s.PeakConns, o.PeakConns)
	if o.LocalPorts > 0 && (s.LocalPorts == 0 || o.LocalPorts < s.LocalPorts) {
		s.LocalPorts = o.LocalPorts
	}
	s.PortFailures += o.PortFailures
}

// mergeExamples keeps the first maxExamples distinct messages of both
// lists in sorted order: whichever way segments are grouped, the same
// messages stay.
func mergeExamples(a, b []string) []string {
	if len(b) == 0 {
		return a
	}
	out := slices.Concat(a, b)
	slices.Sort(out)
	out = slices.Compact(out)
	return out[:min(len(out), maxExamples)]
}

// addInterval merges one interval of an input into the merged timeline,
// at its offset, coarsened to the merged width. The interval's histograms
// are copied: inputs stay as they were.
func (m *Merger) addInterval(iv Interval) {
	at := iv.Offset - iv.Offset%m.out.Interval
	acc, ok := m.spans[at]
	if !ok {
		acc = &Interval{Offset: at}
		m.spans[at] = acc
	}
	*acc = mergeIntervals(*acc, cloneKeys(iv))
}

// recoarsen regroups the merged timeline at a wider interval.
func (m *Merger) recoarsen() {
	old := m.spans
	m.spans = map[time.Duration]*Interval{}
	for _, iv := range old {
		m.addInterval(*iv)
	}
}

// cloneKeys returns iv with copies of its keys' histograms, which
// mergeIntervals may keep in its result.
func cloneKeys(iv Interval) Interval {
	keys := make([]IntervalKey, len(iv.Keys))
	for i, k := range iv.Keys {
		k.latency, k.service = k.latency.clone(), k.service.clone()
		keys[i] = k
	}
	iv.Keys = keys
	return iv
}

// sparseOf keeps a whole-run distribution in a packed histogram of the
// same geometry: a merged file holds one per segment.
func sparseOf(d Distribution) Sparse {
	if d.Count() == 0 {
		return Sparse{}
	}
	if d.h != nil {
		return Sparse{h: hist{p: d.packed()}} // a copy already
	}
	return Sparse{h: hist{p: d.p.Clone()}}
}

// Result returns the merged results. Every segment of the run must have
// been added, unless allowPartial: then the results cover those added
// (Partial), and the report never calls them GO.
func (m *Merger) Result(allowPartial bool) (*Results, error) {
	if m.out == nil {
		return nil, fmt.Errorf("nothing to merge")
	}
	o := m.out
	sort.Slice(o.Segments, func(i, j int) bool { return o.Segments[i].Segment.Index < o.Segments[j].Segment.Index })
	if missing := m.missing(); len(missing) > 0 && !allowPartial {
		return nil, fmt.Errorf("segment%s %s of %d missing: merge every segment's results, or pass --allow-partial for a partial result (never GO)",
			plural(len(missing)), strings.Join(missing, ", "), m.count)
	}
	o.Arrivals.Planned = 0
	for _, s := range o.Segments {
		o.Arrivals.Planned += s.Arrivals.Planned
	}
	o.Timeline = make([]Interval, 0, len(m.spans))
	store := &spool.Store{}
	for _, iv := range m.spans {
		sealInterval(iv, store)
		o.Timeline = append(o.Timeline, *iv)
	}
	slices.SortFunc(o.Timeline, func(a, b Interval) int { return int(a.Offset - b.Offset) })
	if len(o.Timeline) > MaxTimelineIntervals {
		return nil, fmt.Errorf("the merged timeline would have %d intervals, more than the %d a results file holds: did the segments run at such different times?", len(o.Timeline), MaxTimelineIntervals)
	}
	for i := range o.Segments {
		o.Segments[i].CPU = coarsenCPU(o.Segments[i].CPU, o.Interval)
	}
	if err := o.checkCounts(); err != nil {
		return nil, fmt.Errorf("the merged results do not add up (a bug): %w", err)
	}
	return o, nil
}

// missing names the run's segments not added, "2/3" each; a long list is
// cut short.
func (m *Merger) missing() []string {
	var out []string
	for i := range m.count {
		if _, ok := m.from[i]; !ok {
			if len(out) == 10 {
				return append(out, "…")
			}
			out = append(out, Segment{Index: i, Count: m.count}.String())
		}
	}
	return out
}

// coarsenCPU adds a process's CPU times up per interval of width.
func coarsenCPU(cpu []IntervalCPU, width time.Duration) []IntervalCPU {
	var out []IntervalCPU
	for _, c := range cpu {
		at := c.Offset - c.Offset%width
		if n := len(out); n > 0 && out[n-1].Offset == at {
			out[n-1].CPU += c.CPU
			continue
		}
		out = append(out, IntervalCPU{Offset: at, CPU: c.CPU})
	}
	return out
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
