package loadgen

import (
	"fmt"
	"os"
	"sync"
	"time"
)

// sharedClient is the HTTP/1.1 client every visitor shares (connection:
// shared): per host, a pool of kept-alive connections, at most conns of
// them, each lent to one request at a time. It sends and reads as a
// visitor's own client does (wire), so the two modes differ only in who
// owns the connection. It replaced fasthttp's HostClient, which cost the
// open model at 40,000 arrivals/s about a tenth of its CPU beyond the
// socket calls (two deadline timers moved and the clock read several
// times per request, its pool's bookkeeping, a goroutine expiring idle
// connections), and could not tell a kept-alive connection from a new
// one when deciding to retry.
//
// Connections are lent last in, first out: the one released last is the
// warmest, and when fewer are needed than are open the rest stay idle
// until maxIdle expires them (as one is released, or as a request after
// a quiet spell finds them all that old). A request that finds every
// connection lent and the pool at its size waits, first come first
// served, for one to be released, until its own deadline.
type sharedClient struct {
	factory *clientFactory
	conns   int

	mu     sync.Mutex
	hosts  hostTable[*sharedHost]
	closed bool
}

// sharedHost is the shared pool's connections to one host.
type sharedHost struct {
	addr  string
	isTLS bool
	max   int

	mu      sync.Mutex
	idle    []*visitorHost      // connections not lent, the last released last
	open    int                 // connections lent, idle or being dialed
	waiting []chan *visitorHost // requests waiting for a connection, oldest first
	closed  bool                // the run ended: released connections close
}

// maxIdle is how long a pooled connection may go unused before the pool
// closes it, before a server's keep-alive timeout does: a connection the
// server closed costs the request that takes it a retry.
const maxIdle = 30 * time.Second

// wires lends the shared pool's requests what a request in flight needs
// to read its answer.
var wires = sync.Pool{New: func() any { return new(wire) }}

func newSharedClient(f *clientFactory, conns int) *sharedClient {
	return &sharedClient{factory: f, conns: conns}
}

// hostFor returns the pool for a request's scheme and host.
func (c *sharedClient) hostFor(scheme, host []byte) *sharedHost {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hosts.get(scheme, host, func(addr string, isTLS bool) *sharedHost {
		return &sharedHost{addr: addr, isTLS: isTLS, max: c.conns, closed: c.closed}
	})
}

func (c *sharedClient) do(ex *exchange) error {
	ex.resetResponse()
	p := ex.built.pool
	if !ex.built.holds(c, ex) {
		uri := buildRequest(ex, c.factory.userAgent)
		p = c.hostFor(uri.Scheme(), uri.Host())
		if ex.static {
			ex.built.client, ex.built.pool = c, p
		}
	}
	start := ex.deadline.Add(-ex.timeout)
	h, err := p.take(start, ex.deadline)
	if err != nil {
		return err
	}
	w := wires.Get().(*wire)
	if err = w.send(c.factory, h, ex); err != nil {
		ex.built = builtRequest{} // build the next request afresh, whatever this one left in req
	} else {
		var complete bool
		complete, err = ex.takeResponse(ex.resp)
		w.finish(ex, complete)
	}
	wires.Put(w)
	p.put(h, start)
	return err
}

// errPoolBusy is the error of a request that waited until its deadline
// for a connection of the shared pool: every one stayed lent to a
// request the target had not answered.
var errPoolBusy = fmt.Errorf("%w: every connection of the shared pool stayed busy", os.ErrDeadlineExceeded)

// take lends a connection to a request started at start: the idle one
// released last, else a new one (dialed by send) while the pool is below
// its size, else the first one released while the request waits, until
// deadline. Idle connections unused for maxIdle are closed first, not
// lent: after a quiet spell (a low rate, a gap in the plan) the server
// may have closed them, and the request would pay a retry, or fail if
// it cannot be retried.
func (p *sharedHost) take(start, deadline time.Time) (*visitorHost, error) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 && start.Sub(p.idle[n-1].used) > maxIdle {
		// The one released last idled too long: so did every other.
		expired := p.idle
		p.idle = nil
		p.open -= n
		p.mu.Unlock()
		for _, h := range expired {
			h.close()
		}
		p.mu.Lock()
	}
	if n := len(p.idle); n > 0 {
		h := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return h, nil
	}
	if p.open < p.max {
		p.open++
		p.mu.Unlock()
		return &visitorHost{addr: p.addr, isTLS: p.isTLS, shared: true}, nil
	}
	ch := make(chan *visitorHost, 1)
	p.waiting = append(p.waiting, ch)
	p.mu.Unlock()

	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case h := <-ch:
		if time.Now().Before(deadline) {
			return h, nil
		}
		p.put(h, deadline) // released as its time ran out: see below
		return nil, errPoolBusy
	case <-t.C:
	}
	p.mu.Lock()
	for i, w := range p.waiting {
		if w == ch {
			p.waiting = append(p.waiting[:i], p.waiting[i+1:]...)
			p.mu.Unlock()
			return nil, errPoolBusy
		}
	}
	p.mu.Unlock()
	// Released to this request as its time ran out: too late to send it,
	// so the connection goes to the next request, and this one times out.
	p.put(<-ch, deadline)
	return nil, errPoolBusy
}

// put takes back a connection lent at used (or the slot of one that
// failed, closed): to the oldest waiting request, else to the idle ones.
// The pool's longest idle connection closes once it has idled maxIdle.
func (p *sharedHost) put(h *visitorHost, used time.Time) {
	p.mu.Lock()
	if len(p.waiting) > 0 {
		ch := p.waiting[0]
		p.waiting[0] = nil
		p.waiting = p.waiting[1:]
		p.mu.Unlock()
		ch <- h // buffered: never blocks; a closed slot is dialed anew by its taker
		return
	}
	if h.conn == nil || p.closed {
		p.open--
		p.mu.Unlock()
		h.close()
		return
	}
	h.used = used
	p.idle = append(p.idle, h)
	var expired *visitorHost
	if oldest := p.idle[0]; used.Sub(oldest.used) > maxIdle {
		expired = oldest
		p.idle = append(p.idle[:0], p.idle[1:]...)
		p.open--
	}
	p.mu.Unlock()
	if expired != nil {
		expired.close()
	}
}

// close closes the idle connections, and every lent one as it comes back:
// the run is over.
func (c *sharedClient) close() {
	c.mu.Lock()
	c.closed = true
	var pools []*sharedHost
	c.hosts.each(func(p *sharedHost) { pools = append(pools, p) })
	c.mu.Unlock()
	for _, p := range pools {
		p.mu.Lock()
		p.closed = true
		idle := p.idle
		p.open -= len(idle)
		p.idle = nil
		p.mu.Unlock()
		for _, h := range idle {
			h.close()
		}
	}
}
