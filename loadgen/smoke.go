package loadgen

import (
	"context"
	"iter"
	"time"

	"github.com/liftoff/liftoff/scenario"
)

// A smoke test (scenario.Smoke: liftoff run --smoke) checks that every
// journey works before the load test does: one visitor per journey, all
// started at once, every step, check and capture as written, no think
// time and no planned traffic. Its visitors are open-model visitors like
// any other, so their requests are measured, counted and reported the
// same way.

// smoke starts one visitor per journey and returns; the run waits for
// them as it waits for any visit in flight.
func (d *dispatcher) smoke(ctx context.Context, start func(arrivals iter.Seq[arrival])) {
	none := make(chan arrival)
	close(none) // each visitor runs its one arrival and finds no other
	now := time.Now()
	for j := range d.journeys {
		if ctx.Err() != nil {
			return
		}
		// Each journey's first arrival: visit j+1, the file's first row.
		a, ok := d.newArrival(now, int64(j)+1, j, 0)
		if !ok { // a unique data file with no rows left
			d.live.miss(true)
			d.ledger.miss(now)
			continue
		}
		d.takeOff()
		d.live.arrivals.Add(1)
		d.ledger.arrive(now) // its visit's end counts where it arrived, as dispatch's do
		go start(d.visits(a, none))
	}
}

// withoutThink removes every pause from the journeys: a smoke test checks
// what each step does, not how a visitor paces them.
func withoutThink(journeys []journeyPlan) {
	for j := range journeys {
		for s := range journeys[j].steps {
			journeys[j].steps[s].think = scenario.Think{}
		}
	}
}
