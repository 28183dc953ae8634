package simtarget

import "sync/atomic"

// Stats is a snapshot of what a Server has done since Start. Each field is
// read atomically, but the fields are not one consistent cut: while
// requests are in flight, Requests may already count a request that no
// other field counts yet. Once the shop is idle (or closed),
// Requests == Served + Rejected + Canceled.
type Stats struct {
	// Requests counts requests that entered the capacity model: every
	// request except GET /healthz.
	Requests int64
	// Served counts requests that completed their service time, whatever
	// the answer (200, 4xx, or an injected 500).
	Served int64
	// Rejected counts requests answered 503 at once because all
	// Workers+Queue slots were taken.
	Rejected int64
	// Injected counts requests answered 500 by ErrorRate after service.
	Injected int64
	// Canceled counts requests abandoned before their service ended: the
	// client went away, or the server closed.
	Canceled int64
	// Unauthorized counts 401 answers: a cart or checkout request without
	// a live bearer token, or a login with the wrong password.
	Unauthorized int64
	// Health counts GET /healthz answers, which bypass the capacity model.
	Health int64
	// Busy is how many requests hold a worker right now.
	Busy int64
	// Waiting is how many requests wait for a worker right now.
	Waiting int64
	// MaxQueue is the most requests that ever waited for a worker at once.
	MaxQueue int64
	// Routes counts arrivals per route, keyed by the ServeMux pattern that
	// matched, such as "GET /products/{id}" or "POST /api/login". It counts
	// every arrival, including those later rejected, so a test can check
	// that each step of a journey reached the shop. "/" counts unknown
	// paths (404); a pattern without a method, such as "/api/cart", counts
	// wrong methods (405). Every route is present, with 0 if never hit.
	Routes map[string]int64
}

// counters is the live form of Stats.
type counters struct {
	requests, served, rejected, injected, canceled atomic.Int64
	unauthorized, health                           atomic.Int64
	busy, waiting, maxQueue                        atomic.Int64
	// admitted is busy plus waiting, kept in one counter so admission is a
	// single atomic add.
	admitted atomic.Int64
	// routes is filled once by New and only read afterwards, so the map
	// itself needs no lock.
	routes map[string]*atomic.Int64
}

// noteWaiting raises maxQueue to n if n is higher.
func (c *counters) noteWaiting(n int64) {
	for {
		m := c.maxQueue.Load()
		if n <= m || c.maxQueue.CompareAndSwap(m, n) {
			return
		}
	}
}

// countRoute counts one arrival on pattern; patterns the shop did not
// register (the mux's redirects for unclean paths) are not counted.
func (c *counters) countRoute(pattern string) {
	if n, ok := c.routes[pattern]; ok {
		n.Add(1)
	}
}

func (c *counters) snapshot() Stats {
	s := Stats{
		Requests:     c.requests.Load(),
		Served:       c.served.Load(),
		Rejected:     c.rejected.Load(),
		Injected:     c.injected.Load(),
		Canceled:     c.canceled.Load(),
		Unauthorized: c.unauthorized.Load(),
		Health:       c.health.Load(),
		Busy:         c.busy.Load(),
		Waiting:      c.waiting.Load(),
		MaxQueue:     c.maxQueue.Load(),
		Routes:       make(map[string]int64, len(c.routes)),
	}
	for pattern, n := range c.routes {
		s.Routes[pattern] = n.Load()
	}
	return s
}
