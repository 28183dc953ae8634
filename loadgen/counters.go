package loadgen

import (
	"math"
	"sync/atomic"
	"time"

	"github.com/liftoff/liftoff/scenario"
)

// counters are a run's live counts, in one place: dispatch counts
// arrivals, visitors count visits and requests, and three readers share
// them: Progress at any time, the collector once per interval (take), and
// the Results at the end (total). Each count is a running total; an
// interval's count is the difference between two takes, so the intervals
// add up to the totals exactly, whatever the timing.
type counters struct {
	arrivals  atomic.Int64  // open-model visitors started
	missed    atomic.Int64  // open-model arrivals not started
	exhausted atomic.Int64  // of the missed, those a unique data file ran out for
	completed atomic.Int64  // open-model visits whose every step succeeded
	failed    atomic.Int64  // open-model visits that ended with a failed step
	requests  atomic.Int64  // requests of both models, sent or not
	errors    atomic.Int64  // of those, the failed ones
	inFlight  atomic.Int64  // visitors in flight now, both models
	rate      atomic.Uint64 // requests per second over the last interval, float64 bits
	looping   atomic.Int64  // closed-model visitors started
	stopped   atomic.Int64  // of them, those that stopped before their phase ended: their data ran out

	taken counts // the totals at the last take; the collector's alone
}

// counts is a plain copy of the counters' totals, or of their change over
// one interval.
type counts struct {
	arrivals, missed, exhausted, completed, failed, requests, errors int64
}

// miss counts an arrival the generator could not start; exhausted says
// why: its journey's unique data file ran out (else max_concurrency
// visitors were in flight).
func (c *counters) miss(exhausted bool) {
	c.missed.Add(1)
	if exhausted {
		c.exhausted.Add(1)
	}
}

// request counts one request, sent or not.
func (c *counters) request(failed bool) {
	c.requests.Add(1)
	if failed {
		c.errors.Add(1)
	}
}

// total returns the counts so far.
func (c *counters) total() counts {
	return counts{
		arrivals:  c.arrivals.Load(),
		missed:    c.missed.Load(),
		exhausted: c.exhausted.Load(),
		completed: c.completed.Load(),
		failed:    c.failed.Load(),
		requests:  c.requests.Load(),
		errors:    c.errors.Load(),
	}
}

// take returns the counts since the last take. Only the collector calls
// it, once per interval.
func (c *counters) take() counts {
	now := c.total()
	prev := c.taken
	c.taken = now
	return counts{
		arrivals:  now.arrivals - prev.arrivals,
		missed:    now.missed - prev.missed,
		exhausted: now.exhausted - prev.exhausted,
		completed: now.completed - prev.completed,
		failed:    now.failed - prev.failed,
		requests:  now.requests - prev.requests,
		errors:    now.errors - prev.errors,
	}
}

// setRate records the requests per second of the interval just closed.
func (c *counters) setRate(perSecond float64) { c.rate.Store(math.Float64bits(perSecond)) }

// Progress is a snapshot of a running generator for live display.
type Progress struct {
	Elapsed      time.Duration
	Total        time.Duration // planned length of the run
	Phase        string        // the phase running now
	PlannedRate  scenario.Rate // planned visitor rate now
	AchievedRate float64       // requests per second over the last interval
	Arrivals     int64         // visitors started so far
	Missed       int64         // arrivals not started: max_concurrency reached
	InFlight     int64         // visitors in flight now
	Requests     int64
	Errors       int64
	Stopping     bool // interrupted; waiting for visitors in flight
}

// Progress returns a snapshot of the run. It is safe to call at any time
// from any goroutine.
func (g *Generator) Progress() Progress {
	c := &g.live
	p := Progress{
		AchievedRate: math.Float64frombits(c.rate.Load()),
		Arrivals:     c.arrivals.Load(),
		Missed:       c.missed.Load(),
		InFlight:     c.inFlight.Load(),
		Requests:     c.requests.Load(),
		Errors:       c.errors.Load(),
		Stopping:     g.stopping.Load(),
	}
	if ns := g.started.Load(); ns != 0 {
		p.Elapsed = time.Since(time.Unix(0, ns))
	}
	if plan := g.planned.Load(); plan != nil {
		p.Total = plan.Duration()
		if i := plan.PhaseAt(p.Elapsed); i >= 0 {
			p.Phase = plan.Phases[i].Name
		}
		p.PlannedRate = plan.RateAt(p.Elapsed)
	}
	return p
}
