package loadgen

import (
	"iter"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/liftoff/liftoff/scenario"
)

// handoffLog is what the visitors of a hand-off test saw: per visit, how
// late it started after its intended time, and how many visitor
// goroutines ran at most at once.
type handoffLog struct {
	mu                  sync.Mutex
	lags                []time.Duration
	early               int
	visitors, mostAlive int
	started             map[int64]time.Time // by visit number
}

// visitor returns a start function whose visits each take d, and which
// counts a visit that starts before its intended time.
func (l *handoffLog) visitor(d time.Duration) func(iter.Seq[arrival]) {
	return func(arrivals iter.Seq[arrival]) {
		l.mu.Lock()
		l.visitors++
		l.mostAlive = max(l.mostAlive, l.visitors)
		l.mu.Unlock()
		defer func() {
			l.mu.Lock()
			l.visitors--
			l.mu.Unlock()
		}()
		for a := range arrivals {
			lag := time.Since(a.intended)
			l.mu.Lock()
			if lag < 0 {
				l.early++
			}
			l.lags = append(l.lags, lag)
			if l.started == nil {
				l.started = map[int64]time.Time{}
			}
			l.started[a.seq] = time.Now()
			l.mu.Unlock()
			time.Sleep(d)
		}
	}
}

// TestDispatchNeverEarlyAtHighRate dispatches Poisson arrivals at 40,000/s
// for 100ms to visitors that take 100µs to 5ms: no visit starts before
// its intended time, none is missed, and with the bubble's exact clock
// every visit starts on time unless it waited for a visitor.
func TestDispatchNeverEarlyAtHighRate(t *testing.T) {
	t.Parallel()
	for _, visit := range []time.Duration{100 * time.Microsecond, 5 * time.Millisecond} {
		t.Run(visit.String(), func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				d := newTestDispatcher()
				sched := NewSchedule(plan(pt(0, 40000), pt(100*time.Millisecond, 40000)), scenario.Poisson, 7)
				var log handoffLog
				d.dispatch(t.Context(), sched, 5000, log.visitor(visit))
				d.busy.Wait()
				c := d.live.total()
				if c.missed != 0 || int(c.arrivals) != len(log.lags) || c.arrivals < 3800 {
					t.Fatalf("%d arrivals, %d missed, %d visits ran; want about 4,000, none missed, all ran", c.arrivals, c.missed, len(log.lags))
				}
				if log.early != 0 {
					t.Errorf("%d visits started before their intended time", log.early)
				}
				late := 0
				for _, lag := range log.lags {
					if lag > 0 {
						late++
					}
				}
				// Short visits share a few visitors (an arrival may wait for one
				// to finish, its lag measured); long ones get a visitor each.
				if visit >= growthPeriod && late != 0 {
					t.Errorf("%d of %d visits started late, want none: visits of %v get a visitor at once", late, len(log.lags), visit)
				}
			})
		})
	}
}

// TestDispatchBurstAfterPause is the scheduler waking 100ms late at
// 10,000 arrivals/s (a pause of the whole process): the thousand arrivals
// due at once are all run, in order, by a pool that does not grow past
// what short visits need, instead of a goroutine and a connection each.
func TestDispatchBurstAfterPause(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		d := newTestDispatcher()
		d.began = d.began.Add(-100 * time.Millisecond)
		sched := NewSchedule(plan(pt(0, 10000), pt(200*time.Millisecond, 10000)), scenario.Uniform, 1)
		var log handoffLog
		d.dispatch(t.Context(), sched, 5000, log.visitor(100*time.Microsecond))
		d.busy.Wait()
		if c := d.live.total(); c.arrivals != 2000 || c.missed != 0 {
			t.Fatalf("%d arrivals and %d missed, want 2000 and 0", c.arrivals, c.missed)
		}
		if log.mostAlive > 4*minVisitors {
			t.Errorf("%d visitor goroutines at once for 100µs visits, want at most %d", log.mostAlive, 4*minVisitors)
		}
		if log.early != 0 {
			t.Errorf("%d visits started before their intended time", log.early)
		}
		// The backlog is served first in first out: no visit starts after
		// one that arrived later (visits that start at the same instant
		// may run in any order).
		for seq := int64(2); seq <= 2000; seq++ {
			if log.started[seq].Before(log.started[seq-1]) {
				t.Fatalf("visit %d started %v after visit %d", seq-1, log.started[seq-1].Sub(log.started[seq]), seq)
			}
		}
	})
}

// TestDispatchGrowsWhenTargetStalls has fast visits for 50ms, then a
// target that takes 300ms: the waiting arrivals get visitors (the pool
// doubles once no visit ended for stuckAfter), so each request still
// leaves within about stuckAfter of its time instead of waiting for the
// stall to end.
func TestDispatchGrowsWhenTargetStalls(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		d := newTestDispatcher()
		stallAt := d.began.Add(50 * time.Millisecond)
		var log handoffLog
		runSlowingFrom(t, d, &log, stallAt, 300*time.Millisecond)
		worst := time.Duration(0)
		for _, lag := range log.lags {
			worst = max(worst, lag)
		}
		if want := stuckAfter + 5*growthPeriod; worst > want {
			t.Errorf("a visit started %v late, want at most %v while the target stalls", worst, want)
		}
	})
}

// TestDispatchMixedVisitLengths has nine in ten visits take 100µs and one
// in ten take 2s (a journey with think time), at 2,000 arrivals/s: the
// short visits set the pace, yet the visitors held by long visits are
// replaced, so no arrival waits long for a visitor.
func TestDispatchMixedVisitLengths(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		d := newTestDispatcher(journeyPlan{name: "hit", weight: 9}, journeyPlan{name: "browse", weight: 1})
		sched := NewSchedule(plan(pt(0, 20000), pt(200*time.Millisecond, 20000)), scenario.Poisson, 3)
		var log handoffLog
		short, long := log.visitor(100*time.Microsecond), log.visitor(2*time.Second)
		d.dispatch(t.Context(), sched, 5000, func(arrivals iter.Seq[arrival]) {
			short(func(yield func(arrival) bool) {
				for a := range arrivals {
					if a.journey == 1 {
						long(func(yield func(arrival) bool) { yield(a) })
						continue
					}
					if !yield(a) {
						return
					}
				}
			})
		})
		d.busy.Wait()
		if c := d.live.total(); c.missed != 0 || c.arrivals < 3800 {
			t.Fatalf("%d arrivals and %d missed, want about 4000 and 0", c.arrivals, c.missed)
		}
		worst := time.Duration(0)
		for _, lag := range log.lags {
			worst = max(worst, lag)
		}
		if worst > 5*growthPeriod {
			t.Errorf("a visit started %v late, want at most %v", worst, 5*growthPeriod)
		}
	})
}

// TestDispatchHoldsGrowthWhileCPUSaturated has visits slow down from 100µs
// to 30ms halfway (their answers wait for the generator's CPU) while the
// process reports all its CPUs busy: the pool does not grow for the queue
// that builds, as it would for a stalled target with the CPU idle
// (TestDispatchGrowsWhenTargetStalls), since more visitors would only make
// each request dearer. Every arrival is still served, none early.
func TestDispatchHoldsGrowthWhileCPUSaturated(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		d := newTestDispatcher()
		d.cpu = func() (time.Duration, bool) { // every CPU busy all along
			return time.Since(d.began) * time.Duration(usableCPUs()), true
		}
		slowFrom := d.began.Add(50 * time.Millisecond)
		var log handoffLog
		// The visitors alive just before the schedule ends: at its end the
		// arrivals still waiting each get one (handoff.close).
		aliveBeforeEnd := 0
		go func() {
			time.Sleep(time.Until(d.began.Add(195 * time.Millisecond)))
			log.mu.Lock()
			aliveBeforeEnd = log.mostAlive
			log.mu.Unlock()
		}()
		runSlowingFrom(t, d, &log, slowFrom, 30*time.Millisecond)
		if log.early > 0 {
			t.Errorf("%d visits started before their intended time", log.early)
		}
		if aliveBeforeEnd > 2*minVisitors {
			t.Errorf("%d visitors at once, want at most %d while the CPU is saturated", aliveBeforeEnd, 2*minVisitors)
		}
	})
}

// runSlowingFrom dispatches 2,000 uniform arrivals/s for 200ms to
// visitors whose visits take 100µs, and after each visit that ends past
// from, pause more: a target that stalls, or answers that wait. It waits
// for every visit to end and checks that each arrival was served.
func runSlowingFrom(t *testing.T, d *dispatcher, log *handoffLog, from time.Time, pause time.Duration) {
	t.Helper()
	sched := NewSchedule(plan(pt(0, 2000), pt(200*time.Millisecond, 2000)), scenario.Uniform, 1)
	fast := log.visitor(100 * time.Microsecond)
	d.dispatch(t.Context(), sched, 5000, func(arrivals iter.Seq[arrival]) {
		fast(func(yield func(arrival) bool) {
			for a := range arrivals {
				if !yield(a) {
					return
				}
				if time.Now().After(from) {
					time.Sleep(pause)
				}
			}
		})
	})
	d.busy.Wait()
	if c := d.live.total(); c.arrivals != 400 || c.missed != 0 {
		t.Fatalf("%d arrivals and %d missed, want 400 and 0", c.arrivals, c.missed)
	}
}
