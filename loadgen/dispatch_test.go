package loadgen

import (
	"context"
	"iter"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/liftoff/liftoff/scenario"
)

// The tests here run dispatch, the closed phases and the collector inside
// a synctest bubble: time is the bubble's, so a plan of seconds runs in
// microseconds and every instant is exact. Visitors are plain functions
// that sleep; HTTP is left to the loopback tests.

// newTestDispatcher returns a dispatcher of one journey that begins now.
func newTestDispatcher(journeys ...journeyPlan) *dispatcher {
	if len(journeys) == 0 {
		journeys = []journeyPlan{{name: "browse", weight: 1}}
	}
	return &dispatcher{began: time.Now(), journeys: journeys, live: &counters{}}
}

// tenPerSecond is one second of uniform arrivals at 10/s: at 50ms,
// 150ms, …, 950ms.
func tenPerSecond() *Schedule {
	return NewSchedule(plan(pt(0, 10), pt(time.Second, 10)), scenario.Uniform, 1)
}

// visitLog is what a test's visitors saw: the arrivals they ran, and how
// many visitor goroutines dispatch started.
type visitLog struct {
	mu       sync.Mutex
	ran      []arrival
	visitors int
}

// visitFor returns a start function whose visits each take d. Each visit
// checks it began at its arrival's intended time.
func (l *visitLog) visitFor(t *testing.T, d time.Duration) func(iter.Seq[arrival]) {
	return func(arrivals iter.Seq[arrival]) {
		l.mu.Lock()
		l.visitors++
		l.mu.Unlock()
		for a := range arrivals {
			if late := time.Since(a.intended); late != 0 {
				t.Errorf("visit %d started %v after its intended time", a.seq, late)
			}
			l.mu.Lock()
			l.ran = append(l.ran, a)
			l.mu.Unlock()
			time.Sleep(d)
		}
	}
}

func (l *visitLog) seqs() []int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []int64
	for _, a := range l.ran {
		out = append(out, a.seq)
	}
	slices.Sort(out)
	return out
}

func TestDispatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		visit    time.Duration // how long each visit takes
		limit    int           // max_concurrency
		started  []int64       // the visits that ran, by number
		visitors int           // visitor goroutines started
	}{
		{
			name:     "instant visits: one idle visitor runs every arrival",
			visit:    0,
			limit:    100,
			started:  []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
			visitors: 1,
		},
		{
			name:     "250ms visits overlap three deep: three visitors, reused",
			visit:    250 * time.Millisecond,
			limit:    100,
			started:  []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
			visitors: 3,
		},
		{
			name:     "at max_concurrency an arrival is missed, and a visitor idle again takes the next",
			visit:    250 * time.Millisecond,
			limit:    2,
			started:  []int64{1, 2, 4, 5, 7, 8, 10},
			visitors: 2,
		},
		{
			name:     "visits longer than the plan: all but the first three are missed, none delayed",
			visit:    2 * time.Second,
			limit:    3,
			started:  []int64{1, 2, 3},
			visitors: 3,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				d := newTestDispatcher()
				var log visitLog
				d.dispatch(t.Context(), tenPerSecond(), tc.limit, log.visitFor(t, tc.visit))
				if got := time.Since(d.began); got != 950*time.Millisecond {
					t.Errorf("dispatch returned at %v, want 950ms: right after the last arrival", got)
				}
				d.busy.Wait()

				if diff := cmp.Diff(tc.started, log.seqs()); diff != "" {
					t.Errorf("visits that ran (-want +got):\n%s", diff)
				}
				for _, a := range log.ran {
					if want := d.began.Add(time.Duration(a.seq-1)*100*time.Millisecond + 50*time.Millisecond); !a.intended.Equal(want) {
						t.Errorf("visit %d intended at %v, want %v", a.seq, a.intended.Sub(d.began), want.Sub(d.began))
					}
				}
				if log.visitors != tc.visitors {
					t.Errorf("dispatch started %d visitors, want %d", log.visitors, tc.visitors)
				}
				c := d.live.total()
				if c.arrivals != int64(len(tc.started)) || c.missed != 10-c.arrivals || c.exhausted != 0 {
					t.Errorf("counted %d arrivals, %d missed, %d exhausted; want %d, %d, 0", c.arrivals, c.missed, c.exhausted, len(tc.started), 10-len(tc.started))
				}
				if n := d.live.inFlight.Load(); n != 0 {
					t.Errorf("%d visits in flight after every visit ended", n)
				}
			})
		})
	}
}

// TestDispatchCountsInFlight looks at the counters mid-run: in flight
// never passes max_concurrency.
func TestDispatchCountsInFlight(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		d := newTestDispatcher()
		var log visitLog
		go d.dispatch(t.Context(), tenPerSecond(), 2, log.visitFor(t, 250*time.Millisecond))
		for _, at := range []struct {
			offset             time.Duration
			inFlight, arrivals int64
			missed             int64
		}{
			{100 * time.Millisecond, 1, 1, 0},
			{200 * time.Millisecond, 2, 2, 0},
			{300 * time.Millisecond, 1, 2, 1}, // the first visit ended at 300ms
			{360 * time.Millisecond, 2, 3, 1},
			{1500 * time.Millisecond, 0, 7, 3},
		} {
			time.Sleep(time.Until(d.began.Add(at.offset)))
			synctest.Wait()
			if got := d.live.inFlight.Load(); got != at.inFlight {
				t.Errorf("at %v: %d in flight, want %d", at.offset, got, at.inFlight)
			}
			if c := d.live.total(); c.arrivals != at.arrivals || c.missed != at.missed {
				t.Errorf("at %v: %d arrivals and %d missed, want %d and %d", at.offset, c.arrivals, c.missed, at.arrivals, at.missed)
			}
		}
	})
}

// TestDispatchUniqueDataRunsOut gives 3 unique rows to 10 arrivals: the
// first three take a row each, and the other seven are missed for want
// of data, not of visitors.
func TestDispatchUniqueDataRunsOut(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		rows := &rowPicker{data: &scenario.Data{Columns: []string{"email"}, Rows: [][]string{{"a"}, {"b"}, {"c"}}, Order: scenario.Unique}}
		d := newTestDispatcher(journeyPlan{name: "checkout", weight: 1, rows: rows})
		var log visitLog
		d.dispatch(t.Context(), tenPerSecond(), 100, log.visitFor(t, 0))
		d.busy.Wait()
		var got []int
		for _, a := range log.ran {
			got = append(got, a.row)
		}
		if diff := cmp.Diff([]int{0, 1, 2}, got); diff != "" {
			t.Errorf("rows taken (-want +got):\n%s", diff)
		}
		if c := d.live.total(); c.arrivals != 3 || c.missed != 7 || c.exhausted != 7 {
			t.Errorf("counted %d arrivals, %d missed, %d exhausted; want 3, 7, 7", c.arrivals, c.missed, c.exhausted)
		}
	})
}

// TestDispatchStopsWhenCancelled cancels at 420ms: dispatch returns then,
// the visits in flight finish, and nothing starts after.
func TestDispatchStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		d := newTestDispatcher()
		ctx, cancel := context.WithTimeout(t.Context(), 420*time.Millisecond)
		defer cancel()
		var log visitLog
		d.dispatch(ctx, tenPerSecond(), 100, log.visitFor(t, time.Second))
		if got := time.Since(d.began); got != 420*time.Millisecond {
			t.Errorf("dispatch returned at %v, want 420ms", got)
		}
		time.Sleep(5 * time.Second)
		d.busy.Wait()
		if diff := cmp.Diff([]int64{1, 2, 3, 4}, log.seqs()); diff != "" {
			t.Errorf("visits that ran (-want +got):\n%s", diff)
		}
		if c := d.live.total(); c.arrivals != 4 || c.missed != 0 {
			t.Errorf("counted %d arrivals and %d missed, want 4 and 0", c.arrivals, c.missed)
		}
	})
}

// loopLog is what a test's closed-model visitors saw.
type loopLog struct {
	mu    sync.Mutex
	loops []loopRun
}

type loopRun struct {
	Seed       uint64
	Start, End time.Duration // from the dispatcher's beginning
	Err        string        // why the loop's ctx ended
}

// loop returns a closed-model visitor that records when it ran.
func (l *loopLog) loop(d *dispatcher) func(context.Context, uint64) {
	return func(ctx context.Context, seed uint64) {
		start := time.Since(d.began)
		<-ctx.Done()
		l.mu.Lock()
		l.loops = append(l.loops, loopRun{Seed: seed, Start: start, End: time.Since(d.began), Err: ctx.Err().Error()})
		l.mu.Unlock()
	}
}

func (l *loopLog) sorted() []loopRun {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.SortedFunc(slices.Values(l.loops), func(a, b loopRun) int {
		if a.Start != b.Start {
			return int(a.Start - b.Start)
		}
		return int(a.Seed) - int(b.Seed)
	})
}

// closedPlan has an open phase, then 3 looping visitors for 1s, then 2
// for 500ms.
var closedPlan = []scenario.Phase{
	{Name: "warm", Start: 0, Duration: time.Second, Rate: 5, RampTo: 5},
	{Name: "hold", Start: time.Second, Duration: time.Second, Concurrency: 3},
	{Name: "more", Start: 2 * time.Second, Duration: 500 * time.Millisecond, Concurrency: 2},
}

// TestClosedPhases starts each closed phase's visitors at its start and
// stops them at its end, each with its own seed.
func TestClosedPhases(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		d := newTestDispatcher()
		d.seed = 100
		var log loopLog
		done := make(chan struct{})
		go func() {
			defer close(done)
			d.closedPhases(t.Context(), closedPlan, log.loop(d))
		}()
		for _, at := range []struct {
			offset   time.Duration
			inFlight int64
		}{{500 * time.Millisecond, 0}, {1500 * time.Millisecond, 3}, {2250 * time.Millisecond, 2}} {
			time.Sleep(time.Until(d.began.Add(at.offset)))
			synctest.Wait()
			if got := d.live.inFlight.Load(); got != at.inFlight {
				t.Errorf("at %v: %d visitors in flight, want %d", at.offset, got, at.inFlight)
			}
		}
		<-done
		if got := time.Since(d.began); got != 2500*time.Millisecond {
			t.Errorf("closedPhases returned at %v, want 2.5s: the last phase's end", got)
		}
		d.busy.Wait()
		const deadline = "context deadline exceeded"
		want := []loopRun{
			{101, time.Second, 2 * time.Second, deadline},
			{102, time.Second, 2 * time.Second, deadline},
			{103, time.Second, 2 * time.Second, deadline},
			{101, 2 * time.Second, 2500 * time.Millisecond, deadline},
			{102, 2 * time.Second, 2500 * time.Millisecond, deadline},
		}
		if diff := cmp.Diff(want, log.sorted()); diff != "" {
			t.Errorf("looping visitors (-want +got):\n%s", diff)
		}
	})
}

// TestClosedPhasesStopWhenCancelled cancels in the first closed phase:
// its visitors stop then, and the next phase never starts.
func TestClosedPhasesStopWhenCancelled(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		d := newTestDispatcher()
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(1500*time.Millisecond, cancel)
		var log loopLog
		d.closedPhases(ctx, closedPlan, log.loop(d))
		if got := time.Since(d.began); got != 1500*time.Millisecond {
			t.Errorf("closedPhases returned at %v, want 1.5s", got)
		}
		d.busy.Wait()
		want := []loopRun{
			{1, time.Second, 1500 * time.Millisecond, context.Canceled.Error()},
			{2, time.Second, 1500 * time.Millisecond, context.Canceled.Error()},
			{3, time.Second, 1500 * time.Millisecond, context.Canceled.Error()},
		}
		if diff := cmp.Diff(want, log.sorted()); diff != "" {
			t.Errorf("looping visitors (-want +got):\n%s", diff)
		}
	})
}

// TestCollectorCountsEachInterval runs the collector beside a dispatch
// whose visits outlast the plan at max_concurrency 3: each 100ms interval
// of the timeline holds exactly its own arrivals and missed arrivals, and
// each visit's outcome counts where the visit arrived, a second before it
// ended; they add up to the totals, and Progress shows the live counts
// and the achieved rate.
func TestCollectorCountsEachInterval(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		g := New(Config{Interval: 100 * time.Millisecond})
		began := time.Now()
		ledger := newArrivalLedger(began, time.Second, g.cfg.Interval, g.cfg.MaxIntervals)
		r := &run{
			dispatcher: dispatcher{began: began, journeys: []journeyPlan{{name: "browse", weight: 1}}, live: &g.live, ledger: ledger},
			g:          g,
			cfg:        g.cfg,
			rec:        newRecorder(newKeyLayout(oneJourney, noRedact), 2, g.cfg.Interval, g.cfg.MaxIntervals),
			signals:    newSignals(),
		}
		r.rec.ledger = ledger
		stop, done := make(chan struct{}), make(chan struct{})
		go r.collectLoop(stop, done)

		type seen struct {
			Arrivals, Missed, InFlight, Requests int64
			AchievedRate                         float64
		}
		var progress []seen
		progressDone := make(chan struct{})
		go func() {
			defer close(progressDone)
			for _, offset := range []time.Duration{120 * time.Millisecond, 320 * time.Millisecond, 1220 * time.Millisecond} {
				time.Sleep(time.Until(r.began.Add(offset)))
				p := g.Progress()
				progress = append(progress, seen{p.Arrivals, p.Missed, p.InFlight, p.Requests, p.AchievedRate})
			}
		}()

		r.dispatch(t.Context(), tenPerSecond(), 3, func(arrivals iter.Seq[arrival]) {
			for a := range arrivals {
				r.live.request(false)
				time.Sleep(time.Second)
				r.live.completed.Add(1)
				r.ledger.end(a.intended, true)
			}
		})
		r.busy.Wait()
		close(stop)
		<-done
		<-progressDone

		type interval struct{ Arrivals, Missed, Completed int64 }
		var got []interval
		for i, iv := range mustResults(t, r.rec).Timeline {
			if want := time.Duration(i) * 100 * time.Millisecond; iv.Offset != want {
				t.Errorf("interval %d at %v, want %v", i, iv.Offset, want)
			}
			got = append(got, interval{iv.Arrivals, iv.Missed, iv.Completed})
		}
		want := []interval{
			{1, 0, 1}, {1, 0, 1}, {1, 0, 1}, // arrivals at 50, 150 and 250ms start, and complete a second later
			{0, 1, 0}, {0, 1, 0}, {0, 1, 0}, {0, 1, 0}, {0, 1, 0}, {0, 1, 0}, {0, 1, 0}, // the other seven find three in flight
			{0, 0, 0}, {0, 0, 0}, {0, 0, 0}, // the visits end at 1050, 1150 and 1250ms; nothing arrives
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("timeline (-want +got):\n%s", diff)
		}
		wantProgress := []seen{
			{Arrivals: 1, InFlight: 1, Requests: 1, AchievedRate: 10},
			{Arrivals: 3, InFlight: 3, Requests: 3, AchievedRate: 10},
			{Arrivals: 3, Missed: 7, InFlight: 1, Requests: 3, AchievedRate: 0},
		}
		if diff := cmp.Diff(wantProgress, progress); diff != "" {
			t.Errorf("progress (-want +got):\n%s", diff)
		}
		if c := r.live.total(); c.arrivals != 3 || c.missed != 7 || c.completed != 3 {
			t.Errorf("totals: %d arrivals, %d missed, %d completed; want 3, 7, 3", c.arrivals, c.missed, c.completed)
		}
	})
}

// TestDispatchAllocatesNothingPerArrival dispatches ten times the
// arrivals for the same allocations: what dispatch allocates is per run
// (its channel, picker and visitor goroutines), never per arrival.
func TestDispatchAllocatesNothingPerArrival(t *testing.T) { // not parallel: AllocsPerRun needs the process to itself
	synctest.Test(t, func(t *testing.T) {
		allocs := func(length time.Duration) float64 {
			p := plan(pt(0, 100), pt(length, 100))
			return testing.AllocsPerRun(10, func() {
				d := newTestDispatcher()
				d.dispatch(t.Context(), NewSchedule(p, scenario.Uniform, 1), 10, func(arrivals iter.Seq[arrival]) {
					for range arrivals {
					}
				})
				d.busy.Wait()
			})
		}
		if short, long := allocs(time.Second), allocs(10*time.Second); long != short {
			t.Errorf("dispatching 100 arrivals allocates %v times, 1,000 arrivals %v times; want the same", short, long)
		}
	})
}

// BenchmarkDispatch measures the scheduler's own cost per arrival. Every
// arrival is already due, so dispatch never sleeps: it only hands arrivals
// to idle visitors, starts visitors up to the limit, and counts misses.
func BenchmarkDispatch(b *testing.B) {
	length := time.Duration(b.N) * time.Millisecond // b.N arrivals at 1,000/s
	d := newTestDispatcher()
	d.began = time.Now().Add(-length - time.Second)
	sched := NewSchedule(plan(pt(0, 1000), pt(length, 1000)), scenario.Uniform, 1)
	b.ReportAllocs()
	b.ResetTimer()
	d.dispatch(b.Context(), sched, 4, func(arrivals iter.Seq[arrival]) {
		for range arrivals {
		}
	})
	d.busy.Wait()
	b.StopTimer()
	if c := d.live.total(); c.arrivals+c.missed != int64(b.N) {
		b.Fatalf("%d arrivals and %d missed, want %d in all", c.arrivals, c.missed, b.N)
	}
}
