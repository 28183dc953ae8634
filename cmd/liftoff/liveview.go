package main

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/liftoff/liftoff/loadgen"
	"github.com/liftoff/liftoff/scenario"
)

// liveView is what the progress display knows about a run: the
// generator's snapshot (Progress, polled at any time) and its last closed
// intervals (Ticks, handed over by the collector once an interval). The
// rates, the error rate and the p95 come from the closed intervals, so
// planned and achieved compare like with like, over the same seconds and
// in the same unit. Nothing here touches the hot path: visitors never
// see the display, and the collector only appends a summary under a lock
// the display holds for microseconds.
type liveView struct {
	plan    scenario.Plan
	timeout time.Duration // a request's timeout: what a run past its plan waits on at most

	mu     sync.Mutex
	recent []intervalSummary // the last recentIntervals closed intervals, oldest first
	ended  time.Duration     // where the last closed interval ended
}

// recentIntervals is how many closed intervals the live rates, error rate
// and p95 cover: five seconds at the default resolution, the plain log's
// period, so each plain line sums up the seconds since the last.
const recentIntervals = 5

// intervalSummary is what the display keeps of a Tick.
type intervalSummary struct {
	span               time.Duration // the run time its counts cover
	planned            float64       // open-model arrivals the plan expected in it
	started, missed    int64
	requests, failures int64
	latency            []loadgen.Bucket // all requests' (successful ones), read-only
}

// newLiveView makes the view of a run of sc, or of one segment of it: a
// segment's plan is its share of the scenario's, as its generator's
// snapshot and Ticks are.
func newLiveView(sc *scenario.Scenario, seg loadgen.Segment) *liveView {
	return &liveView{plan: sc.Plan.Share([]int{seg.Index}, seg.Count), timeout: sc.Defaults.Timeout}
}

// onInterval is the generator's OnInterval hook: it keeps a summary of
// the Tick and returns at once.
func (v *liveView) onInterval(t loadgen.Tick) {
	s := intervalSummary{planned: t.Planned, started: t.Arrivals, missed: t.Missed, requests: t.Requests, failures: t.Errors}
	if len(t.Keys) > 0 && t.Keys[0].Key == (loadgen.Key{}) {
		s.latency = slices.Clone(t.Keys[0].Latency) // other hooks see the Tick too
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	end := t.Offset + t.Width
	s.span = end - v.ended
	v.ended = end
	v.recent = append(v.recent, s)
	if len(v.recent) > recentIntervals {
		v.recent = slices.Delete(v.recent, 0, len(v.recent)-recentIntervals)
	}
}

// hook is the view's OnInterval hook; nil for no view (no progress shown),
// so the collector builds no Ticks for it.
func (v *liveView) hook() func(loadgen.Tick) {
	if v == nil {
		return nil
	}
	return v.onInterval
}

// liveStatus is one moment of the display: the snapshot, with rates over
// the recent closed intervals.
type liveStatus struct {
	loadgen.Progress
	Window            time.Duration // the run time the recent figures cover; 0 before the first interval closes
	Started, Planned  float64       // visitors per second started, and planned, over Window
	RequestRate       float64       // requests per second over Window
	Requests          int64         // requests over Window
	ErrorShare        float64       // failed requests over Requests
	P95               time.Duration // of the successful requests over Window
	HasP95            bool
	Looping           int64         // a closed-model phase runs now, planning this many visitors that loop; none arrive
	Timeout           time.Duration // a request's timeout
	HasPlannedVisitor bool          // the plan schedules arrivals in Window
}

// status combines p with the recent intervals.
func (v *liveView) status(p loadgen.Progress) liveStatus {
	s := liveStatus{Progress: p, Timeout: v.timeout}
	if i := v.plan.PhaseAt(min(p.Elapsed, v.plan.Duration())); i >= 0 && p.Elapsed < v.plan.Duration() {
		s.Looping = int64(v.plan.Phases[i].Concurrency)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	var planned float64
	var started, failures int64
	var latency []loadgen.Bucket
	for _, r := range v.recent {
		s.Window += r.span
		planned += r.planned
		started += r.started
		s.Requests += r.requests
		failures += r.failures
		latency = append(latency, r.latency...)
	}
	if s.Window <= 0 {
		return s
	}
	secs := s.Window.Seconds()
	s.Started, s.Planned, s.RequestRate = float64(started)/secs, planned/secs, float64(s.Requests)/secs
	s.HasPlannedVisitor = planned > 0
	if s.Requests > 0 {
		s.ErrorShare = float64(failures) / float64(s.Requests)
	}
	s.P95, s.HasP95 = percentile(latency, 95)
	return s
}

// percentile reads the q-th percentile of merged buckets: the lowest
// value of the bucket that holds rank ceil(q×N/100), as the reports read
// a histogram's.
func percentile(buckets []loadgen.Bucket, q float64) (time.Duration, bool) {
	var n int64
	for _, b := range buckets {
		n += b.Count
	}
	if n == 0 {
		return 0, false
	}
	sorted := slices.Clone(buckets)
	slices.SortFunc(sorted, func(a, b loadgen.Bucket) int { return int(a.Value - b.Value) })
	rank := max(1, int64(math.Ceil(q*float64(n)/100)))
	var seen int64
	for _, b := range sorted {
		if seen += b.Count; seen >= rank {
			return b.Value, true
		}
	}
	return sorted[len(sorted)-1].Value, true
}

// overSlack is how far past its planned length a run may go before the
// display says so: the last interval's visitors finishing, and the
// display's own clock, which counts whole seconds.
const overSlack = time.Second

// Over is how far the run has gone past its planned length, once that is
// more than overSlack.
func (s liveStatus) Over() time.Duration {
	if s.Total <= 0 || s.Elapsed-s.Total < overSlack {
		return 0
	}
	return s.Elapsed - s.Total
}

// sofar is the run time the clock shows: the planned length at most, until
// the run is past it.
func (s liveStatus) sofar() time.Duration {
	if s.Total > 0 && s.Over() == 0 {
		return min(s.Elapsed, s.Total)
	}
	return s.Elapsed
}

// clockText is where the run is: "01:23 of 03:00 (46%)", or past its
// plan: "03:12, past the planned 03:00 by 00:12".
func (s liveStatus) clockText() string {
	switch {
	case s.Total <= 0:
		return clock(s.Elapsed)
	case s.Over() > 0:
		return fmt.Sprintf("%s, past the planned %s by %s", clock(s.Elapsed), clock(s.Total), clock(s.Over()))
	}
	gone := s.sofar().Truncate(time.Second) // as the clock shows it, so the two agree
	return fmt.Sprintf("%s of %s (%d%%)", clock(gone), clock(s.Total), int(100*gone/s.Total))
}

// waiting says what a run that is not sending its plan any more waits
// for: an interrupted run's grace period, or the visitors still in
// flight after the plan's end (a target that hangs keeps them there up
// to a request's timeout).
func (s liveStatus) waiting() string {
	switch {
	case s.Stopping:
		return fmt.Sprintf("stopping: no new visitors, waiting for %s in flight", visitorCount(s.InFlight))
	case s.Over() > 0 && s.Timeout > 0:
		return fmt.Sprintf("the plan is over, waiting for %s in flight (a request gives up after %s)", visitorCount(s.InFlight), scenario.FormatDuration(s.Timeout))
	case s.Over() > 0:
		return fmt.Sprintf("the plan is over, waiting for %s in flight", visitorCount(s.InFlight))
	}
	return ""
}

// facts are the live figures: visitors started against planned (per
// second, over the recent intervals, with the share), requests per
// second, the error rate, the p95 and the visitors in flight.
func (s liveStatus) facts() string {
	var parts []string
	if w := s.waiting(); w != "" {
		parts = append(parts, w)
	}
	switch {
	case s.Looping > 0:
		parts = append(parts, fmt.Sprintf("looping visitors %d of %d planned (%s)", s.InFlight, s.Looping, share(float64(s.InFlight)/float64(s.Looping))))
	case s.Window > 0 && s.HasPlannedVisitor:
		parts = append(parts, fmt.Sprintf("visitors %s of %s planned (%s)", perSecond(s.Started), perSecond(s.Planned), share(s.Started/s.Planned)))
	case s.Window > 0 && s.Started > 0:
		parts = append(parts, fmt.Sprintf("visitors %s, none planned", perSecond(s.Started)))
	case s.Window == 0 && s.PlannedRate > 0:
		parts = append(parts, fmt.Sprintf("visitors %s planned", perSecond(float64(s.PlannedRate))))
	}
	if s.Window > 0 {
		parts = append(parts, "requests "+perSecond(s.RequestRate))
		if s.Requests > 0 {
			parts = append(parts, "errors "+share(s.ErrorShare))
		}
		if s.HasP95 {
			parts = append(parts, "p95 "+scenario.FormatLatency(s.P95))
		}
	}
	if s.Looping == 0 && s.waiting() == "" {
		parts = append(parts, fmt.Sprintf("%d in flight", s.InFlight))
	}
	if s.Missed > 0 {
		parts = append(parts, fmt.Sprintf("%d could not start", s.Missed))
	}
	return strings.Join(parts, " · ")
}

// plainLine is one line of the plain log: "[01:23 of 03:00 (46%)] peak ·
// visitors 58/s of 72/s planned (81%) · requests 160/s · errors 0.4% ·
// p95 138ms · 12 in flight".
func (s liveStatus) plainLine() string {
	phase := ""
	if s.Phase != "" && s.Over() == 0 {
		phase = s.Phase + " · "
	}
	return fmt.Sprintf("[%s] %s%s", s.clockText(), phase, s.facts())
}

// perSecond formats a live rate: "58/s", "2.5/s".
func perSecond(v float64) string {
	if v >= 10 {
		return fmt.Sprintf("%.0f/s", v)
	}
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.1f", v), "0"), ".") + "/s"
}

// share formats a 0..1 ratio as a percentage with the digits a live view
// needs: "0%", "0.25%", "19.9%", "100%".
func share(r float64) string {
	p := 100 * r
	switch {
	case p == 0 || p >= 99.95 && p <= 100.05:
		return fmt.Sprintf("%.0f%%", p)
	case p < 1:
		return fmt.Sprintf("%.2f%%", p)
	case p < 99.95:
		return fmt.Sprintf("%.1f%%", p)
	}
	return fmt.Sprintf("%.0f%%", p)
}

// visitorCount is "1 visitor" or "40 visitors".
func visitorCount(n int64) string {
	if n == 1 {
		return "1 visitor"
	}
	return fmt.Sprintf("%d visitors", n)
}
