package loadgen

import (
	"context"
	"iter"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/liftoff/liftoff/scenario"
)

// arrival is one visit to run: its number, when it should start, and
// what it does.
type arrival struct {
	seq      int64 // numbers the visits of a run from 1, across its segments; templates see it as {{ .visitor }}
	intended time.Time
	journey  int
	row      int // the data row the visit takes, when its journey has a data file
}

// dispatcher decides when visitors start and how many are in flight: the
// open model's arrivals (dispatch) and the closed model's looping
// visitors (closedPhases). What a visitor does is the function it is
// given, so the timing and the counting here run under testing/synctest
// without any HTTP, the way k6's arrival-rate executor hands iterations
// to whatever VU is free and vegeta's pacer feeds its workers.
type dispatcher struct {
	began    time.Time // the run's start: plan offsets count from here
	journeys []journeyPlan
	seed     uint64 // the scenario's seed: the journey mix repeats with it
	live     *counters
	ledger   *arrivalLedger // open-model visits by arrival interval; nil counts nothing
	segment  Segment        // the share of the run this process sends; zero: all of it
	// loopsFrom numbers closed-model visits past the whole schedule's
	// arrivals (wholeSchedule), so no segment's visit numbers collide.
	loopsFrom int64
	// cpu reads the process's CPU time, for the hand-off to tell a
	// saturated generator from a stuck target; nil (in tests of the
	// timing alone) never counts the process as saturated.
	cpu func() (time.Duration, bool)
	// fine is whether the scheduler wakes on time when the process is idle
	// (fineWake); off in tests of the timing alone, whose clock is not the
	// kernel's.
	fine bool

	busy  sync.WaitGroup // visits in flight; the run's end waits for them
	loops atomic.Int64   // closed-model visits this process started
}

// dispatch is the open model's one scheduler goroutine. It waits for
// each arrival's intended time on sched and hands the arrival to a
// visitor without blocking (handoff): an idle one, a new one (a goroutine
// running start), or, while visitors are starting at their pace, the
// queue of arrivals waiting for one. When limit arrivals are already in
// flight it counts the arrival as missed: a full pool is reported, not
// hidden. It returns when the schedule ends or ctx is done; the visitors
// then finish what they run and return.
//
// An arrival is never handed off before its intended time, and each
// look at the clock serves every arrival due by then: at 40,000
// arrivals/s, one timer wake-up (late by up to the timer's resolution,
// a millisecond when the process is idle) starts all those that fell
// due in the meantime, instead of one wake-up and one hand-off each
// behind the last. How late each request leaves is its lag, recorded.
//
// start is one visitor's life: it runs every arrival the sequence yields
// (the first at once, the later ones as they are handed to it while it is
// idle), and returns when the sequence ends. An arrival is in flight from
// its hand-off until start's loop body returns.
//
// sched is the schedule of this process's arrivals (its segment's, when it
// sends one); each arrival's journey, visit number and data row follow its
// number in the whole schedule (sched.Index), so segments send what one
// process would.
func (d *dispatcher) dispatch(ctx context.Context, sched *Schedule, limit int, start func(arrivals iter.Seq[arrival])) {
	picks := newArrivalPicks(d.journeys, d.seed)
	h := newHandoff(d, limit, start)
	defer h.close()
	var wait sleeper
	if d.fine {
		wait.fine = newFineWake()
	}
	defer wait.stop()
	done := ctx.Done()
	now := time.Now()
	for {
		offset, ok := sched.Next()
		if !ok {
			return
		}
		intended := d.began.Add(offset)
		for now.Before(intended) { // never early: each arrival leaves at or after its time
			wake := intended
			if h.pending() { // judge the queue's growth between sparse arrivals too
				wake = minTime(wake, now.Add(growthPeriod))
			}
			if !wait.until(wake, done) {
				return
			}
			now = time.Now()
			h.look(now, now.Sub(wake) >= growthPeriod)
		}
		select {
		case <-done:
			return
		default:
		}
		k := sched.Index()
		journey, nth := picks.at(k)
		a, ok := d.newArrival(intended, k+1, journey, nth)
		if !ok { // a unique data file ran out: the test data limits the run
			d.live.miss(true)
			d.ledger.miss(intended)
			continue
		}
		if !h.give(a) {
			d.live.miss(false)
			d.ledger.miss(intended)
			continue
		}
		d.live.arrivals.Add(1)
		d.ledger.arrive(intended)
	}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// single is the sequence of one arrival, for a visitor that runs one
// visit and returns (a smoke test's).
func (d *dispatcher) single(a arrival) iter.Seq[arrival] {
	return func(yield func(arrival) bool) {
		yield(a)
		d.land()
	}
}

// closedPhases starts each closed-model phase at its time: Concurrency
// visitors, each running loop with its own seed until the phase ends (its
// ctx's deadline) or the run stops. A segment starts its share of them:
// visitor i when i mod N is its index, with the seed visitor i has in a
// single process. It returns when the last closed phase ends or ctx is
// done.
func (d *dispatcher) closedPhases(ctx context.Context, phases []scenario.Phase, loop func(ctx context.Context, seed uint64)) {
	var wait sleeper
	defer wait.stop()
	for _, ph := range phases {
		if !ph.Closed() {
			continue
		}
		if !wait.until(d.began.Add(ph.Start), ctx.Done()) {
			return
		}
		phaseCtx, cancel := context.WithDeadline(ctx, d.began.Add(ph.Start+ph.Duration))
		for i := range ph.Concurrency {
			if !d.segment.owns(int64(i)) {
				continue
			}
			d.takeOff()
			go func() {
				defer d.land()
				loop(phaseCtx, d.seed+uint64(i)+1)
			}()
		}
		<-phaseCtx.Done()
		cancel()
	}
}

// newArrival makes visit seq of journey, the nth of the whole schedule's
// arrivals to pick it, and takes its data row; ok is false when the
// journey's unique data file has no row for it.
func (d *dispatcher) newArrival(intended time.Time, seq int64, journey int, nth int64) (a arrival, ok bool) {
	a = arrival{seq: seq, intended: intended, journey: journey}
	if rows := d.journeys[journey].rows; rows != nil {
		if a.row, ok = rows.forArrival(nth); !ok {
			return a, false
		}
	}
	return a, true
}

// loopArrival makes a closed-model visitor's next visit: numbered, and
// given a row, past the whole schedule's arrivals, striped by segment.
func (d *dispatcher) loopArrival(intended time.Time, journey int) (a arrival, ok bool) {
	a = arrival{seq: d.loopsFrom + d.segment.nth(d.loops.Add(1)-1) + 1, intended: intended, journey: journey}
	if rows := d.journeys[journey].rows; rows != nil {
		if a.row, ok = rows.forLoop(d.segment); !ok {
			return a, false
		}
	}
	return a, true
}

// takeOff and land count a visit into and out of flight.
func (d *dispatcher) takeOff() {
	d.busy.Add(1)
	d.live.inFlight.Add(1)
}

func (d *dispatcher) land() {
	d.live.inFlight.Add(-1)
	d.busy.Done()
}

// sleeper pauses one goroutine until a point in time, on one reused
// timer: a goroutine that waits again and again (the scheduler, a
// visitor between steps) makes no timer per wait.
type sleeper struct {
	timer *time.Timer
	fine  *fineWake // nil: waits end when the runtime's poller next looks (idle: in whole milliseconds)
	// armed is when fine fires, as last armed; zero before.
	armed time.Time
}

// fineBelow is the wait under which a sleeper with a fineWake arms it: a
// millisecond's rounding matters to waits this short only.
const fineBelow = 2 * time.Millisecond

// fineSlack is the shortest wait a fineWake is armed for: an idle process
// wakes up to that late for a shorter one, and the arrivals due by then
// leave together, one wake-up for them all.
// Measured on one core at 40,000 arrivals/s, interleaved: waking for each
// arrival (no slack) cost 30-45% more CPU per request; 500µs cost none
// measurable and halved lag p90 (1.1ms to 0.5ms) and p50 (to 120µs).
const fineSlack = 500 * time.Microsecond

// until waits until t; it returns false if done closed first. When t has
// passed it returns at once, false only if done is already closed.
func (s *sleeper) until(t time.Time, done <-chan struct{}) bool {
	now := time.Now()
	d := t.Sub(now)
	if d <= 0 {
		select {
		case <-done:
			return false
		default:
			return true
		}
	}
	if s.timer == nil {
		s.timer = time.NewTimer(d)
	} else {
		s.timer.Reset(d)
	}
	if s.fine != nil && d < fineBelow {
		// A wait may end from t to fineSlack after now. The fineWake
		// already armed for a moment in that span serves this wait too,
		// so at a high rate it is armed once per fineSlack, not once per
		// wait (at 40,000 arrivals/s, 21,000 system calls a second).
		// Armed before t, it would wake the poller too soon, for nothing.
		latest := now.Add(max(d, fineSlack))
		if s.armed.Before(t) || s.armed.After(latest) {
			s.fine.arm(latest.Sub(now))
			s.armed = latest
		}
	}
	select {
	case <-s.timer.C:
		return true
	case <-done:
		s.timer.Stop()
		return false
	}
}

func (s *sleeper) stop() {
	if s.timer != nil {
		s.timer.Stop()
	}
	s.fine.close()
}

// journeyPicker chooses journeys by weight with its own seeded source, so
// a fixed seed repeats the journey mix.
type journeyPicker struct {
	cumulative []int
	total      int
	rng        *rand.Rand
}

func newJourneyPicker(journeys []journeyPlan, seed uint64) *journeyPicker {
	p := &journeyPicker{rng: rand.New(rand.NewPCG(seed, seed+0x632be59bd9b4e019))}
	for _, j := range journeys {
		p.total += j.weight
		p.cumulative = append(p.cumulative, p.total)
	}
	return p
}

func (p *journeyPicker) next() int {
	if len(p.cumulative) == 1 {
		return 0
	}
	x := p.rng.IntN(p.total)
	for i, c := range p.cumulative {
		if x < c {
			return i
		}
	}
	return len(p.cumulative) - 1
}
