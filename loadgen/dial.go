package loadgen

import (
	"context"
	"crypto/tls"
	"math"
	"net"
	"sync"
	"time"

	"github.com/liftoff/liftoff/scenario"
)

// dialer opens every connection of a run, HTTP/1.1 and HTTP/2 alike: it
// dials, does the TLS handshake itself, and records how long the two took
// (the generator's connection-setup signal). For the shared pool it also
// opens connections before the clock starts (preOpen), so that a plan
// stepping from zero to thousands of requests a second does not measure
// the generator's own connection storm: measured at 8,000 arrivals/s, a
// pool opening its connections on demand put p99 at 350–520ms, all of it
// in the first second, against a target answering in 0.2ms.
type dialer struct {
	// tcp dials the shared pool's connections, resolving each host once
	// (a cache), with TCP keep-alive probes (tcpDialer, dial_linux.go).
	tcp *tcpDialer
	// visitorTCP dials visitors' connections the same way, without TCP
	// keep-alive probes: a connection that lives for one visit never
	// idles long enough for one, and enabling them costs four setsockopt
	// calls per connection (2% of the CPU at 10,000 visitors/s).
	visitorTCP *tcpDialer
	tlsConfig  *tls.Config // nil: the system's roots
	signals    *signals

	mu       sync.Mutex
	warm     map[string][]net.Conn // pre-opened for the shared pool, by address
	retiring bool                  // the pre-opened connections left are closing: none is handed out
}

func newDialer(tlsConfig *tls.Config, sig *signals) *dialer {
	return &dialer{tlsConfig: tlsConfig, signals: sig, tcp: newTCPDialer(true), visitorTCP: newTCPDialer(false)}
}

// dialTimeout bounds a TCP connect when the caller gives no timeout, and
// tlsHandshakeTimeout the TLS handshake after it, as net/http's defaults
// do. The handshake does not share the request's timeout: a busy
// generator's slow handshake would turn a certificate error into a
// timeout.
const (
	dialTimeout         = 10 * time.Second
	tlsHandshakeTimeout = 10 * time.Second
)

// dial opens a connection to addr (host:port) within timeout (0:
// dialTimeout), with TLS when isTLS, offering alpn to the server; ctx can
// cancel it. A shared pool's connection comes from the pre-opened ones
// while any are left. The setup time counts as the shared pool's or a
// visitor's.
func (d *dialer) dial(ctx context.Context, addr string, timeout time.Duration, isTLS, shared bool, alpn []string) (net.Conn, error) {
	if shared {
		if c := d.takeWarm(addr); c != nil {
			return c, nil
		}
	}
	return d.dialNew(ctx, addr, timeout, isTLS, shared, alpn)
}

// dialNew opens a new connection, as dial does when no pre-opened one is
// left.
func (d *dialer) dialNew(ctx context.Context, addr string, timeout time.Duration, isTLS, shared bool, alpn []string) (net.Conn, error) {
	start := time.Now()
	tcp := d.tcp
	if !shared {
		tcp = d.visitorTCP
	}
	c, err := d.open(ctx, tcp, addr, timeout, isTLS, alpn)
	if err != nil {
		return nil, err
	}
	d.signals.connected(time.Since(start), shared, false)
	if !shared {
		closeWithReset(c)
	}
	return c, nil
}

// closeWithReset makes a visitor's connection end with a reset when the
// generator closes it, after the visit, instead of a FIN that leaves the
// generator's end in TIME_WAIT for a minute. A machine has about 28,000
// local ports per target address: at 10,000 new visitors a second,
// TIME_WAIT would hold them all within three seconds and every later
// connect would fail (EADDRNOTAVAIL), unless the kernel may reuse them
// (net.ipv4.tcp_tw_reuse, on for loopback only by default). The visit's
// exchanges are complete when it closes, so the reset loses nothing. The
// shared pool's connections live for the run and close with a FIN.
func closeWithReset(c net.Conn) {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	if r, ok := c.(interface{ resetOnClose() }); ok { // tcpDialer's own (rawConn)
		r.resetOnClose()
		return
	}
	if cc, ok := c.(*countedConn); ok {
		c = cc.Conn
	}
	if tcp, ok := c.(*net.TCPConn); ok {
		tcp.SetLinger(0)
	}
}

// open dials addr with tcp and, when isTLS, completes the handshake; ctx
// can cancel the handshake, and on Linux the connect (tcpDialer). The
// connection counts as open (signals.conns) from its connect until its
// first Close; a connect that found no local port counts as such.
func (d *dialer) open(ctx context.Context, tcp *tcpDialer, addr string, timeout time.Duration, isTLS bool, alpn []string) (net.Conn, error) {
	if timeout <= 0 {
		timeout = dialTimeout
	}
	conns := &d.signals.conns
	c, err := tcp.dial(ctx, addr, timeout, conns)
	if err != nil {
		if portFailure(err) {
			conns.failed()
		}
		return nil, err
	}
	conns.opened()
	if !isTLS {
		return c, nil
	}
	cfg := d.tlsConfig.Clone()
	if cfg == nil {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" {
		cfg.ServerName, _, _ = net.SplitHostPort(addr)
	}
	cfg.NextProtos = alpn
	tc := tls.Client(c, cfg)
	hctx, cancel := context.WithTimeout(ctx, tlsHandshakeTimeout)
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		c.Close()
		return nil, err
	}
	return tc, nil
}

// preOpen opens n connections to addr for the shared pool before the run
// starts, at most 64 at a time, within budget. Connections that fail to
// open are left to the run, which opens them on demand and counts their
// errors.
func (d *dialer) preOpen(addr string, isTLS bool, alpn []string, n int, budget time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	start := time.Now()
	slots := make(chan struct{}, 64)
	var wg sync.WaitGroup
	for range n {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			t := time.Now()
			c, err := d.open(ctx, d.tcp, addr, budget, isTLS, alpn)
			if err != nil {
				return
			}
			d.signals.connected(time.Since(t), true, true)
			d.mu.Lock()
			if d.warm == nil {
				d.warm = map[string][]net.Conn{}
			}
			d.warm[addr] = append(d.warm[addr], c)
			d.mu.Unlock()
		})
	}
	wg.Wait()
	d.signals.mu.Lock()
	d.signals.run.PreOpenTime = time.Since(start)
	d.signals.mu.Unlock()
}

// takeWarm hands out a pre-opened connection to addr, or nil once they
// are retiring.
func (d *dialer) takeWarm(addr string) net.Conn {
	d.mu.Lock()
	defer d.mu.Unlock()
	cs := d.warm[addr]
	if len(cs) == 0 || d.retiring {
		return nil
	}
	c := cs[len(cs)-1]
	d.warm[addr] = cs[:len(cs)-1]
	return c
}

// retireWarm closes the pre-opened connections nobody took, after the
// plan's first seconds, before a server closes them for idling, which
// would fail the request that took one. It closes warmCloseBatch at a
// time, a millisecond apart, each with a reset: closing them all at once
// stalled a run on one core at 40,000 arrivals/s for 20-30ms (about
// 2,000 closes of 10µs), which was its lag p99; a reset leaves none of
// the generator's ports in TIME_WAIT, and a connection that never
// carried a request loses nothing by it.
func (d *dialer) retireWarm() {
	d.mu.Lock()
	d.retiring = true
	d.mu.Unlock()
	for d.closeWarmBatch(warmCloseBatch) {
		time.Sleep(time.Millisecond)
	}
}

// warmCloseBatch is how many unused pre-opened connections retireWarm
// closes at a time.
const warmCloseBatch = 2

// closeWarm closes the pre-opened connections still unused at once: the
// run is over.
func (d *dialer) closeWarm() { d.closeWarmBatch(math.MaxInt) }

// closeWarmBatch closes up to n of the pre-opened connections, and
// reports whether any are left.
func (d *dialer) closeWarmBatch(n int) (more bool) {
	var batch []net.Conn
	d.mu.Lock()
	for addr, cs := range d.warm {
		k := min(n-len(batch), len(cs))
		batch = append(batch, cs[:k]...)
		if d.warm[addr] = cs[k:]; len(d.warm[addr]) == 0 {
			delete(d.warm, addr)
		}
		if len(batch) == n {
			break
		}
	}
	more = len(d.warm) > 0
	d.mu.Unlock()
	for _, c := range batch {
		closeWithReset(c)
		c.Close()
	}
	return more
}

// untilDeadline is the time left before ctx's deadline, or 0 for none.
func untilDeadline(ctx context.Context) time.Duration {
	if d, ok := ctx.Deadline(); ok {
		return max(time.Until(d), time.Nanosecond)
	}
	return 0
}

// warmFor is how long after the start the shared pool takes pre-opened
// connections: the plan's first seconds.
const warmFor = 2 * time.Second

// warmLatency is the answer time pre-opening sizes the pool for: enough
// connections for each request of the plan's first seconds to hold one
// this long. A slower target needs more, which the pool opens as it
// would have; a faster one leaves some unused until warmFor.
const warmLatency = 50 * time.Millisecond

// preOpenBudget bounds how long pre-opening may delay the start.
const preOpenBudget = 10 * time.Second

// warmConnections is how many connections the shared pool opens before
// the clock starts: its requests' concurrency over the plan's first
// seconds, at the highest visitor rate there and warmLatency each, plus
// one per looping visitor of a closed phase starting then; at least one,
// at most the pool's size. HTTP/2 multiplexes on one connection.
func warmConnections(plan scenario.Plan, http2 bool, poolSize int) int {
	if http2 {
		return 1
	}
	n := int(math.Ceil(float64(plan.MaxRateBetween(0, warmFor)) * warmLatency.Seconds()))
	for _, ph := range plan.Phases {
		if ph.Closed() && ph.Start < warmFor {
			n += ph.Concurrency
		}
	}
	return max(1, min(n, poolSize))
}
