package loadgen

import (
	"iter"
	"sync"
	"time"
)

// handoff gives the open model's arrivals to its visitor goroutines. An
// idle visitor stays parked on its own channel, and an arrival goes to
// the one parked last (its goroutine, buffers and connections are the
// warmest).
//
// When no visitor is idle, what happens depends on how long visits take.
// Visits that take longer than growthPeriod (think time, a target that
// answers slowly) need as many visitors as the rate times their length:
// a new visitor starts for the arrival at once, up to the limit, unless
// the scheduler itself is growthPeriod late. Lateness is the generator's
// CPU or a pause of the process, which more goroutines make worse: those
// arrivals wait for the visitors there are, and so do the visits that
// were in flight across the pause, whose lengths include it. Visits
// shorter than that (one fast request) mean a busy visitor is free again
// within a visit's length, so the arrival waits for it, first in first
// out, instead of starting one: on one core, "no visitor is idle" mostly
// means the visitors' answers have arrived and wait, unread, behind the
// Go scheduler. Starting a visitor for each such arrival was measured
// pinned to one core at 20,000 arrivals/s: after a pause of a few
// milliseconds (a GC cycle, the machine's own scheduling), every new
// goroutine made the run queue, and so the wait for the next idle
// visitor, longer, until the run held 5,000 goroutines and 5,000
// connections, the dials took half a second at p99, and the generator
// missed arrivals at half its CPU.
//
// The waiting arrivals are in flight (the limit counts them), and their
// lag, and so their latency, runs from their intended time: the wait is
// measured, never hidden. If the queue has not shrunk after growthPeriod,
// more visitors start for the arrivals waiting, as many again as there
// are, so the pool doubles every growthPeriod until the queue shrinks:
// at the first growth for a queue, after each growth that made visits
// end faster, and whenever no visit ended for stuckAfter (the target
// stopped answering; its requests must still leave on time). A growth
// that did not make visits end faster (by growthGain) says the
// generator's CPU is what limits, and more visitors would only open more
// connections: growth, and starting visitors for slow visits, then hold
// for holdFor. Measured after a 240ms stall at 20,000 arrivals/s,
// doubling on the queue alone opened 4,000 connections in 10ms and held
// 5,000 in flight, missing arrivals, for seconds. That is also why
// growth waits while the scheduler wakes late.
type handoff struct {
	d     *dispatcher
	start func(arrivals iter.Seq[arrival])
	limit int

	mu       sync.Mutex
	idle     []chan arrival // parked visitors, each on its own channel; the last parked last
	waiting  arrivalQueue   // arrivals no visitor has taken yet, oldest first
	visitors int            // visitor goroutines started and not yet returned
	// slowVisits is whether most of the last visitWindowSize visits took
	// growthPeriod or longer; a median, so the few visits in flight
	// during a pause of the whole process do not make it so.
	slowVisits bool
	window     visitWindow
	closed     bool

	// The queue's length when it was last compared, and when; zero while
	// no arrival waits. ended counts the visits that ended, endedThen
	// its value when the queue was compared.
	checked   time.Time
	backlog   int
	ended     int64
	endedThen int64
	// endRate is how fast visits ended (per second) in the period before
	// the queue's last growth; zero before its first.
	endRate float64
	// lastEnd is when a visit last ended; hold, until when the pool only
	// grows for a stuck queue, after a growth that did not help.
	lastEnd time.Time
	hold    time.Time
	// busy is whether the process used busyShare of its CPUs or more in
	// the last growthPeriod or longer, as of cpuAt, when it had used
	// cpuThen.
	busy    bool
	cpuAt   time.Time
	cpuThen time.Duration
}

// growthGain is how much faster visits must end after a growth for the
// pool to grow again.
const growthGain = 1.1

// stuckAfter is how long no visit may end, arrivals waiting, before the
// pool grows whatever it did before: the target stopped answering. It
// is longer than the Go runtime's 10ms between polls of the network
// from a busy thread, so answers that arrived but were not yet read do
// not count as none.
const stuckAfter = 20 * time.Millisecond

// holdFor is how long growth stays off after a growth that did not make
// visits end faster: the generator's CPU limits.
const holdFor = 100 * time.Millisecond

// busyShare is the share of its CPUs above which the process counts as
// saturated: growth then holds, even for a queue that looks stuck.
const busyShare = 0.9

// minVisitors is how many visitors start without waiting however short
// the visits: a plan's first arrivals, or a small pool, grow at once.
const minVisitors = 16

// growthPeriod is the visit length above which an arrival no idle
// visitor takes starts a new one, and how long a queue of arrivals may
// go without shrinking before more visitors start for it.
const growthPeriod = time.Millisecond

func newHandoff(d *dispatcher, limit int, start func(iter.Seq[arrival])) *handoff {
	// Visits count as slow until some have ended: a journey with think
	// time starts a visitor per arrival from the first.
	return &handoff{d: d, start: start, limit: limit, slowVisits: true}
}

// pending reports whether arrivals wait for a visitor: the scheduler
// then looks at the clock at least every growthPeriod, so that the
// queue's growth is judged even between sparse arrivals.
func (h *handoff) pending() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.waiting.len() > 0
}

// look is called each time the scheduler reads the clock (now) after a
// wait: when arrivals waited growthPeriod without the queue shrinking,
// more visitors start for them. Not when the scheduler woke
// growthPeriod late (late): the process was paused or short of CPU,
// which is why visits did not end, and more goroutines would make it
// worse; the queue is judged afresh from then.
func (h *handoff) look(now time.Time, late bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.gaugeCPU(now)
	switch {
	case h.waiting.len() == 0:
		h.checked, h.endRate = time.Time{}, 0
		return
	case h.checked.IsZero(), late:
	case now.Sub(h.checked) >= growthPeriod:
		if h.waiting.len() >= h.backlog {
			rate := float64(h.ended-h.endedThen) / now.Sub(h.checked).Seconds()
			helped := h.endRate == 0 || rate >= growthGain*h.endRate
			stuck := h.lastEnd.IsZero() || now.Sub(h.lastEnd) >= stuckAfter
			switch {
			case h.busy:
				h.hold = now.Add(holdFor)
			case stuck || helped && now.After(h.hold):
				h.startWaiting(max(h.visitors, minVisitors))
				h.endRate = max(rate, 1)
			case !helped:
				h.hold = now.Add(holdFor)
			}
		}
	default:
		return
	}
	h.checked, h.backlog, h.endedThen = now, h.waiting.len(), h.ended
}

// gaugeCPU updates busy, at most once per growthPeriod: whether the
// process used busyShare of its CPUs or more since the last reading.
// Then visits end late because their answers wait for the CPU, not for
// the target, and more visitors would only add connections and
// goroutines, each making every request dearer: neither a queue that
// looks stuck nor slow visits start any, and growth holds. Measured
// pinned to one core at 40,000 arrivals/s: a few milliseconds' stall at
// the start grew the pool to 5,000 visitors and connections, a request
// then cost twice the CPU (28µs instead of 14µs), and the run never
// caught up. A frozen target leaves the CPU idle, so its queue still
// grows the pool. The caller holds mu.
func (h *handoff) gaugeCPU(now time.Time) {
	if h.d.cpu == nil || now.Sub(h.cpuAt) < growthPeriod {
		return
	}
	cpu, ok := h.d.cpu()
	if !ok {
		return
	}
	if !h.cpuAt.IsZero() {
		h.busy = float64(cpu-h.cpuThen) >= busyShare*float64(usableCPUs())*float64(now.Sub(h.cpuAt))
		if h.busy {
			h.hold = now.Add(holdFor)
		}
	}
	h.cpuAt, h.cpuThen = now, cpu
}

// startWaiting starts a visitor for each arrival waiting for one, at most
// n, within the limit. The caller holds mu.
func (h *handoff) startWaiting(n int) {
	n = max(0, min(n, h.waiting.len(), h.limit-h.visitors))
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
	if h.waiting.len() == 0 && (h.visitors < minVisitors || h.slowVisits && h.onTime(a)) {
		h.visitors++
		h.mu.Unlock()
		go h.start(h.visits(a))
		return true
	}
	h.waiting.push(a)
	h.mu.Unlock()
	return true
}

// onTime reports whether a new visitor may start for a: the scheduler
// hands it over within growthPeriod of its time, and growth is not held.
// The caller holds mu.
func (h *handoff) onTime(a arrival) bool {
	now := time.Now()
	return now.Sub(a.intended) < growthPeriod && now.After(h.hold)
}

// visits is one visitor's sequence of arrivals: first, then each arrival
// waiting for a visitor, or handed to it while it is parked, until the
// hand-off closes.
func (h *handoff) visits(first arrival) iter.Seq[arrival] {
	return func(yield func(arrival) bool) {
		var parked chan arrival // made the first time the visitor parks
		defer h.leave()
		for a := first; ; {
			began := time.Now()
			more := yield(a)
			end := time.Now()
			h.d.land()
			if !more {
				return
			}
			took := end.Sub(began)
			h.mu.Lock()
			h.ended++
			h.lastEnd = end
			if full, slow := h.window.add(took >= growthPeriod); full {
				h.slowVisits = slow
			}
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

// visitWindow counts visits by whether they were slow, visitWindowSize at a
// time.
type visitWindow struct{ n, slow int }

const visitWindowSize = 32

// add counts one visit; when the window is full it says whether most of
// its visits were slow, and starts the next.
func (w *visitWindow) add(slow bool) (full, mostlySlow bool) {
	w.n++
	if slow {
		w.slow++
	}
	if w.n < visitWindowSize {
		return false, false
	}
	mostlySlow = 2*w.slow > w.n
	*w = visitWindow{}
	return true, mostlySlow
}
