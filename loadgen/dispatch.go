package loadgen

import (
	"context"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// arrival is one scheduled visitor.
type arrival struct {
	seq      int64 // numbers the visitors of a run from 1; templates see it as {{ .visitor }}
	intended time.Time
	journey  int
	row      int // the data row the visitor takes, when its journey has a data file
}

// schedule is the single scheduler goroutine of the open model. It waits
// for each arrival's intended time and hands the arrival to an idle
// visitor without blocking; when none is idle it starts one, and when
// max_concurrency visitors are already in flight it counts the arrival as
// missed. It never delays an arrival to wait for a visitor: a full pool is
// reported, not hidden.
func (r *run) schedule(ctx context.Context) {
	sched := NewSchedule(r.plan, r.sc.Traffic.Arrivals, r.sc.Traffic.Seed)
	pick := newJourneyPicker(r.journeys, r.sc.Traffic.Seed)
	limit := r.sc.Traffic.MaxConcurrency
	spawned := 0
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	done := ctx.Done()
	for {
		offset, _, ok := sched.Next()
		if !ok {
			return
		}
		intended := r.start.Add(offset)
		if wait := time.Until(intended); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-done:
				timer.Stop()
				return
			}
		} else {
			select {
			case <-done:
				return
			default:
			}
		}
		a := arrival{seq: r.visitorSeq.Add(1), intended: intended, journey: pick.next()}
		if rows := r.journeys[a.journey].rows; rows != nil {
			row, ok := rows.take()
			if !ok { // a unique data file ran out: the test data limits the run
				r.countMissed()
				r.exhausted.Add(1)
				continue
			}
			a.row = row
		}
		r.busy.Add(1)
		r.g.inFlight.Add(1)
		select {
		case r.idle <- a:
		default:
			if spawned < limit {
				spawned++
				go r.worker(r.nextVisitorID(), a)
			} else {
				r.g.inFlight.Add(-1)
				r.busy.Done()
				r.countMissed()
				continue
			}
		}
		r.g.arrivals.Add(1)
		r.tickArrivals.Add(1)
	}
}

// countMissed counts an arrival the generator could not start.
func (r *run) countMissed() {
	r.g.missed.Add(1)
	r.tickMissed.Add(1)
}

// worker is one open-model visitor goroutine: it runs the arrival it was
// started with, then waits for the next one until no more will come. Each
// arrival is a new visitor, so per-visitor connections are closed after
// every visit.
func (r *run) worker(id int, first arrival) {
	v := r.newVisitor(id)
	defer v.release()
	a := first
	for {
		switch v.visit(a, true) {
		case completed:
			r.completed.Add(1)
			r.tickCompleted.Add(1)
		case failed:
			r.failedVisits.Add(1)
			r.tickFailed.Add(1)
		}
		if r.shared == nil {
			v.client.close()
		}
		r.g.inFlight.Add(-1)
		r.busy.Done()
		select {
		case a = <-r.idle:
		case <-r.quit:
			return
		}
	}
}

// closedPhases runs each closed-model phase at its time: Concurrency
// visitors that loop their journeys until the phase ends. A looping
// visitor keeps its connections across its visits, as a returning user's
// browser does.
func (r *run) closedPhases(ctx context.Context) {
	for _, ph := range r.plan.Phases {
		if !ph.Closed() {
			continue
		}
		if !sleepUntil(ctx, r.start.Add(ph.Start)) {
			return
		}
		end := r.start.Add(ph.Start + ph.Duration)
		phaseCtx, cancel := context.WithDeadline(ctx, end)
		for i := range ph.Concurrency {
			r.busy.Add(1)
			r.g.inFlight.Add(1)
			go r.loop(phaseCtx, r.nextVisitorID(), r.sc.Traffic.Seed+uint64(i)+1)
		}
		<-phaseCtx.Done()
		cancel()
	}
}

// loop is one closed-model visitor: it starts its next visit as soon as
// the last one ends, until ctx is done.
func (r *run) loop(ctx context.Context, id int, seed uint64) {
	defer r.busy.Done()
	defer r.g.inFlight.Add(-1)
	v := r.newVisitor(id)
	defer v.release()
	defer v.client.close()
	pick := newJourneyPicker(r.journeys, seed)
	for ctx.Err() == nil {
		a := arrival{seq: r.visitorSeq.Add(1), intended: time.Now(), journey: pick.next()}
		if rows := r.journeys[a.journey].rows; rows != nil {
			row, ok := rows.take()
			if !ok { // a unique data file ran out
				return
			}
			a.row = row
		}
		if v.visit(a, false) == halted {
			return
		}
	}
}

var visitorIDs atomic.Int64

// nextVisitorID numbers visitors; the number picks the recording shard.
func (r *run) nextVisitorID() int { return int(visitorIDs.Add(1)) }

// sleepUntil waits until t; it returns false if ctx ended first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	wait := time.Until(t)
	if wait <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
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
