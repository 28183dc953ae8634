package loadgen

import (
	"fmt"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/liftoff/liftoff/scenario"
)

// A launch bigger than one machine runs as segments: N processes, each
// sending one share of the same plan (liftoff run --segment I/N), with no
// coordinator. They share nothing but the scenario, the seed and N.
//
// Arrival k of the whole plan's schedule (numbered from 0) belongs to
// segment k mod N: the simple form of k6's execution segments, striping.
// Every segment draws the whole schedule with the same seed and keeps its
// own arrivals, so the union of the N segments' arrivals is exactly what
// one process would send, ramps, Poisson noise and campaign curves
// included, and each segment's arrivals are spread over the whole plan
// rather than bunched in a slice of it. What an arrival does follows its
// number too, never the order a process dispatched it in: its journey is
// the whole schedule's pick for it, its visit number ({{ .visitor }}) is
// k+1, and its data row is how many earlier arrivals of the whole schedule
// picked the same journey. So the segments send the single process's
// visits, and no two share a unique row.
//
// Closed-model phases deal their looping visitors the same way: visitor v
// of a phase loops in segment v mod N, with the seed it has in a single
// process. Their visits come after every arrival of the whole schedule in
// visit numbers and data rows, striped by segment, so they too never
// collide across segments (loopArrival).

// MaxSegments bounds N: more segments than any engine runs, few enough
// that a merged results file stays small.
const MaxSegments = 10_000

// Segment is one share of a run that Count processes send together: the
// Index-th of Count, from 0. The zero value, like any Count of 1, is the
// whole run.
type Segment struct {
	Index int
	Count int
}

// ParseSegment reads a segment as the command line writes it: "I/N",
// with 0 <= I < N.
func ParseSegment(s string) (Segment, error) {
	i, n, ok := strings.Cut(s, "/")
	if !ok {
		return Segment{}, fmt.Errorf("segment %q: want INDEX/COUNT, as in 0/3 (the first of three)", s)
	}
	index, err1 := strconv.Atoi(i)
	count, err2 := strconv.Atoi(n)
	if err1 != nil || err2 != nil {
		return Segment{}, fmt.Errorf("segment %q: INDEX and COUNT are whole numbers, as in 0/3", s)
	}
	seg := Segment{Index: index, Count: count}
	return seg, seg.check()
}

func (s Segment) check() error {
	switch {
	case s.Count < 1 || s.Count > MaxSegments:
		return fmt.Errorf("segment %d/%d: the count must be from 1 to %d", s.Index, s.Count, MaxSegments)
	case s.Index < 0 || s.Index >= s.Count:
		return fmt.Errorf("segment %d/%d: the index must be from 0 to %d (segments count from 0)", s.Index, s.Count, s.Count-1)
	}
	return nil
}

// Whole reports whether the segment is the whole run.
func (s Segment) Whole() bool { return s.Count <= 1 }

// String is "I/N", as --segment takes it; "" for the whole run.
func (s Segment) String() string {
	if s.Whole() {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// owns reports whether item k (an arrival of the whole schedule, a looping
// visitor of a phase), dealt round-robin, is the segment's.
func (s Segment) owns(k int64) bool {
	return s.Whole() || k%int64(s.Count) == int64(s.Index)
}

// Of is the segment's share of n items dealt round-robin: looping
// visitors of a phase, the max_concurrency of the scenario.
func (s Segment) Of(n int) int {
	if s.Whole() {
		return n
	}
	return scenario.ShareOf(n, s.Index, s.Count)
}

// nth is the number, over every segment, of the segment's m-th item of a
// count dealt round-robin: its m-th looping visit, say.
func (s Segment) nth(m int64) int64 {
	if s.Whole() {
		return m
	}
	return m*int64(s.Count) + int64(s.Index)
}

// arrivalPicks chooses each arrival's journey in the order of the whole
// plan's schedule, and counts each journey's picks: the n-th arrival of
// the whole schedule to pick a journey takes its n-th data row. A segment
// picks for every arrival, its own and the others', so its journeys and
// rows are the single process's.
type arrivalPicks struct {
	picker *journeyPicker
	counts []int64 // each journey's picks so far
	next   int64   // the number of the next arrival to pick for
}

func newArrivalPicks(journeys []journeyPlan, seed uint64) *arrivalPicks {
	return &arrivalPicks{picker: newJourneyPicker(journeys, seed), counts: make([]int64, len(journeys))}
}

// at returns the journey of arrival k and how many earlier arrivals picked
// it. k never goes back.
func (p *arrivalPicks) at(k int64) (journey int, nth int64) {
	for ; p.next < k; p.next++ {
		p.counts[p.picker.next()]++
	}
	journey = p.picker.next()
	nth = p.counts[journey]
	p.counts[journey]++
	p.next++
	return journey, nth
}

// wholeSchedule counts the arrivals of the whole plan's schedule and each
// journey's picks among them, drawing what dispatch draws. Closed-model
// visits number their visits and take their rows past these, so the run
// computes it only when the plan has closed-model phases.
func wholeSchedule(plan scenario.Plan, arrivals scenario.Arrivals, seed uint64, journeys []journeyPlan) (total int64, perJourney []int64) {
	s := NewSchedule(plan, arrivals, seed)
	picks := newArrivalPicks(journeys, seed)
	for s.more() {
		picks.at(s.k)
		s.step()
	}
	return s.k, picks.counts
}

// rowPicker hands out a data file's rows. An open-model arrival takes the
// row its number in the journey's picks says (forArrival); closed-model
// visits take rows past every arrival's, dealt to segments round-robin
// (forLoop). It is safe for concurrent use.
type rowPicker struct {
	data *scenario.Data
	// loopFrom is the first row closed-model visits take: the count of
	// the whole schedule's arrivals that picked the journey.
	loopFrom int64
	loops    atomic.Int64 // rows this process's closed-model visits took
}

// forArrival returns the row of the nth arrival of the whole schedule to
// pick the journey; ok is false when a unique file has no such row.
func (p *rowPicker) forArrival(nth int64) (row int, ok bool) { return p.row(nth) }

// forLoop returns the row of the next closed-model visit of a process
// that sends segment seg.
func (p *rowPicker) forLoop(seg Segment) (row int, ok bool) {
	return p.row(p.loopFrom + seg.nth(p.loops.Add(1)-1))
}

// row returns the i-th row the journey's order gives.
func (p *rowPicker) row(i int64) (int, bool) {
	n := int64(len(p.data.Rows))
	switch p.data.Order {
	case scenario.Random:
		return mrand.IntN(int(n)), true
	case scenario.Unique:
		if i >= n {
			return 0, false
		}
		return int(i), true
	}
	return int(i % n), true
}
