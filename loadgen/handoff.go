package loadgen

import (
	"iter"
	"sync"
	"time"
)

// handoff gives the open model's arrivals to its visitor goroutines. An
// idle visitor stays parked on its own channel, and an arrival goes to
// the one parked last (its goroutine, buffers and connections are the
// warmest); when none is idle, a new visitor starts, up to the limit.
//
// Starting visitors has a pace, because of what happened without one:
// measured pinned to one core at 20,000 arrivals/s, a pause of a few
// milliseconds (a GC cycle, the machine's own scheduling) left a hundred
// arrivals due at once while the visitors that would have been idle had
// their answers waiting, unread, behind the scheduler. Each of those
// arrivals started a visitor, and each new visitor opened a connection:
// in under a second the run held 5,000 goroutines and 5,000
// connections, the dials took half a second at p99, and the generator
// missed arrivals at half its CPU.
//
// So a burst is served in order. At each look at the clock, visitors may
// start for as many arrivals as there are visitors already (or
// minGrowth, whichever is more); arrivals past that wait, first in first
// out, for the next visitor that becomes idle, and so do later arrivals
// while any wait. The waiting arrivals are in flight (the limit counts
// them), and their lag, and so their latency, runs from their intended
// time: the wait is measured, never hidden. If the queue has not shrunk
// after growthPeriod, the visitors are not keeping up (a target that
// answers slowly needs many): as many visitors again start for the
// arrivals waiting, so the pool doubles every growthPeriod until the
// queue shrinks.
type handoff struct {
	d     *dispatcher
	start func(arrivals iter.Seq[arrival])
	limit int

	mu       sync.Mutex
	idle     []chan arrival // parked visitors, each on its own channel; the last parked last
	waiting  arrivalQueue   // arrivals no visitor has taken yet, oldest first
	visitors int            // visitor goroutines started and not yet returned
	room     int            // visitors that may still start before the scheduler's next look at the clock
	closed   bool

	// The queue's length when it was last compared, and when; zero while
	// no arrival waits.
	checked time.Time
	backlog int
}

// minGrowth is how many visitors may start per look at the clock however
// few there are: a plan's first arrivals, or a small pool, grow at once.
const minGrowth = 16

// growthPeriod is how long arrivals wait for the visitors there are
// before more start for them, if the queue does not shrink.
const growthPeriod = time.Millisecond

func newHandoff(d *dispatcher, limit int, start func(iter.Seq[arrival])) *handoff {
	return &handoff{d: d, start: start, limit: limit, room: minGrowth}
}

// look is called each time the scheduler reads the clock (now): visitors
// may start again, and arrivals that waited growthPeriod without the
// queue shrinking get new ones.
func (h *handoff) look(now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	grown := max(h.visitors, minGrowth)
	h.room = grown
	switch {
	case h.waiting.len() == 0:
		h.checked = time.Time{}
	case h.checked.IsZero():
		h.checked, h.backlog = now, h.waiting.len()
	case now.Sub(h.checked) >= growthPeriod:
		if h.waiting.len() >= h.backlog {
			h.startWaiting(grown)
		}
		h.checked, h.backlog = now, h.waiting.len()
	}
}

// startWaiting starts a visitor for each arrival waiting for one, at most
// n, within the limit. The caller holds mu.
func (h *handoff) startWaiting(n int) {
	n = min(n, h.waiting.len(), h.limit-h.visitors)
	h.visitors += n
	for range n {
		a, _ := h.waiting.pop()
		go h.start(h.visits(a))
	}
}

// give hands arrival a to a visitor: an idle one, a new one, or the
// queue of arrivals waiting for one. It returns false, and hands it to
// no one, when limit arrivals are already in flight: the arrival is
// missed.
func (h *handoff) give(a arrival) bool {
	h.mu.Lock()
	if n := len(h.idle); n > 0 {
		next := h.idle[n-1]
		h.idle = h.idle[:n-1]
		h.mu.Unlock()
		h.d.takeOff()
		next <- a // buffered: never blocks
		return true
	}
	// No visitor is idle, so every visitor runs a visit: with the
	// arrivals waiting, that is what is in flight.
	if h.visitors+h.waiting.len() >= h.limit {
		h.mu.Unlock()
		return false
	}
	h.d.takeOff()
	if h.room > 0 && h.waiting.len() == 0 {
		h.room--
		h.visitors++
		h.mu.Unlock()
		go h.start(h.visits(a))
		return true
	}
	h.waiting.push(a)
	h.mu.Unlock()
	return true
}

// visits is one visitor's sequence of arrivals: first, then each arrival
// waiting for a visitor, or handed to it while it is parked, until the
// hand-off closes.
func (h *handoff) visits(first arrival) iter.Seq[arrival] {
	return func(yield func(arrival) bool) {
		var parked chan arrival // made the first time the visitor parks
		defer h.leave()
		for a := first; ; {
			more := yield(a)
			h.d.land()
			if !more {
				return
			}
			h.mu.Lock()
			if next, ok := h.waiting.pop(); ok {
				h.mu.Unlock()
				a = next
				continue
			}
			if h.closed {
				h.mu.Unlock()
				return
			}
			if parked == nil {
				parked = make(chan arrival, 1)
			}
			h.idle = append(h.idle, parked)
			h.mu.Unlock()
			var ok bool
			if a, ok = <-parked; !ok {
				return
			}
		}
	}
}

// leave counts a visitor goroutine out.
func (h *handoff) leave() {
	h.mu.Lock()
	h.visitors--
	h.mu.Unlock()
}

// close ends the hand-off when the schedule has no more arrivals (or the
// run stopped): parked visitors return, and busy ones return after
// their visit. Arrivals still waiting for a visitor were due and are in
// flight: each gets a visitor of its own now, up to the limit, since
// nothing is left to schedule that starting visitors could delay.
func (h *handoff) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for _, ch := range h.idle {
		close(ch)
	}
	h.idle = nil
	h.startWaiting(h.waiting.len())
}

// arrivalQueue is a first-in, first-out queue of arrivals on a ring that
// grows as needed and is reused, so a steady run queues without
// allocating.
type arrivalQueue struct {
	ring       []arrival
	head, size int
}

func (q *arrivalQueue) len() int { return q.size }

func (q *arrivalQueue) push(a arrival) {
	if q.size == len(q.ring) {
		grown := make([]arrival, max(16, 2*len(q.ring)))
		for i := range q.size {
			grown[i] = q.ring[(q.head+i)%len(q.ring)]
		}
		q.ring, q.head = grown, 0
	}
	q.ring[(q.head+q.size)%len(q.ring)] = a
	q.size++
}

func (q *arrivalQueue) pop() (arrival, bool) {
	if q.size == 0 {
		return arrival{}, false
	}
	a := q.ring[q.head]
	q.head = (q.head + 1) % len(q.ring)
	q.size--
	return a, true
}
