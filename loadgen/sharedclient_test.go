package loadgen

import (
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"testing/synctest"
	"time"
)

// pooledConn is a connection for the shared pool's tests: one end of a
// pipe, and whether the pool closed it (the other end reads EOF).
func pooledConn(t *testing.T) (h *visitorHost, closed func() bool) {
	t.Helper()
	ours, theirs := net.Pipe()
	t.Cleanup(func() { ours.Close(); theirs.Close() })
	return &visitorHost{addr: "pipe", shared: true, conn: ours}, func() bool {
		theirs.SetReadDeadline(time.Now().Add(time.Millisecond))
		_, err := theirs.Read(make([]byte, 1))
		return errors.Is(err, io.EOF)
	}
}

// TestSharedPoolLendsLastReleasedFirst checks the pool's order: the
// connection released last is lent first (the warmest), new slots are
// given while the pool is below its size, and a slot whose connection
// failed frees its place.
func TestSharedPoolLendsLastReleasedFirst(t *testing.T) {
	p := &sharedHost{addr: "pipe", max: 3}
	deadline := time.Now().Add(time.Second)
	var lent []*visitorHost
	for range 3 {
		h, err := p.take(time.Now(), deadline)
		if err != nil || h.conn != nil || !h.shared {
			t.Fatalf("take below the pool's size: %+v, %v; want a new shared slot", h, err)
		}
		lent = append(lent, h)
	}
	a, _ := pooledConn(t)
	b, _ := pooledConn(t)
	lent[0].conn, lent[1].conn = a.conn, b.conn
	now := time.Now()
	p.put(lent[0], now)
	p.put(lent[1], now)
	p.put(lent[2], now) // its connection failed: nil
	if p.open != 2 || len(p.idle) != 2 {
		t.Fatalf("open %d, idle %d; want 2 and 2", p.open, len(p.idle))
	}
	if h, _ := p.take(time.Now(), deadline); h != lent[1] {
		t.Error("the pool did not lend the connection released last")
	}
	if h, _ := p.take(time.Now(), deadline); h != lent[0] {
		t.Error("the pool did not lend the connection released before it")
	}
	if h, _ := p.take(time.Now(), deadline); h.conn != nil || p.open != 3 {
		t.Errorf("a failed connection's place was not free: %+v, open %d", h, p.open)
	}
}

// TestSharedPoolWaitsUntilTheDeadline checks a full pool: a request
// waits for the first connection released, first come first served, and
// one that waits until its deadline fails as a timeout, leaving the
// pool's count whole.
func TestSharedPoolWaitsUntilTheDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &sharedHost{addr: "pipe", max: 1}
		h, _ := p.take(time.Now(), time.Now().Add(time.Second))
		c, _ := pooledConn(t)
		h.conn = c.conn

		got := make(chan *visitorHost, 2)
		for range 2 {
			go func() {
				w, err := p.take(time.Now(), time.Now().Add(time.Second))
				if err != nil {
					got <- nil
					return
				}
				got <- w
			}()
			synctest.Wait() // the first waits before the second
		}
		time.Sleep(100 * time.Millisecond)
		p.put(h, time.Now())
		if w := <-got; w != h {
			t.Fatalf("the first waiting request got %p, want the released connection %p", w, h)
		}
		time.Sleep(time.Second) // the second's deadline
		if w := <-got; w != nil {
			t.Fatal("a request waited past its deadline and got a connection")
		}
		if p.open != 1 || len(p.waiting) != 0 {
			t.Errorf("open %d, waiting %d; want 1 and 0", p.open, len(p.waiting))
		}

		_, err := p.take(time.Now(), time.Now().Add(time.Millisecond))
		if !errors.Is(err, errPoolBusy) || classifyError(err) != ClassTimeout {
			t.Errorf("a full pool's wait failed with %v (%v), want errPoolBusy, a timeout", err, classifyError(err))
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("%v is not a deadline", err)
		}
	})
}

// TestSharedPoolExpiresIdleConnections checks that the connection idle
// longest closes once it has idled maxIdle, before a server's keep-alive
// timeout would close it under a request, and that a closed client
// closes its idle connections and every lent one as it comes back.
func TestSharedPoolExpiresIdleConnections(t *testing.T) {
	p := &sharedHost{addr: "pipe", max: 3}
	c := &sharedClient{hosts: hostTable[*sharedHost]{plain: map[string]*sharedHost{"pipe": p}}}
	deadline := time.Now().Add(time.Second)
	// lend takes a slot and gives it a connection, as send would.
	lend := func() (h *visitorHost, closed func() bool) {
		h, _ = p.take(time.Now(), deadline)
		c, closed := pooledConn(t)
		h.conn = c.conn
		return h, closed
	}
	a, aClosed := lend()
	b, bClosed := lend()
	t0 := time.Now()
	p.put(a, t0)
	p.put(b, t0.Add(maxIdle))
	if aClosed() || p.open != 2 {
		t.Fatalf("a connection idle for maxIdle closed (open %d)", p.open)
	}
	b, _ = p.take(time.Now(), deadline)
	p.put(b, t0.Add(maxIdle+time.Millisecond))
	if !aClosed() || bClosed() || p.open != 1 || len(p.idle) != 1 {
		t.Fatalf("past maxIdle: a closed %v, b closed %v, open %d, idle %d; want a closed alone", aClosed(), bClosed(), p.open, len(p.idle))
	}

	b, _ = p.take(time.Now(), deadline) // lent when the run ends
	d, dClosed := lend()
	p.put(d, time.Now()) // idle when the run ends
	c.close()
	if !dClosed() || bClosed() {
		t.Fatalf("close: idle closed %v, lent closed %v; want the idle one only", dClosed(), bClosed())
	}
	p.put(b, time.Now())
	if !bClosed() || len(p.idle) != 0 || p.open != 0 {
		t.Errorf("a connection released after the client closed: closed %v, idle %d, open %d", bClosed(), len(p.idle), p.open)
	}
}

// TestSharedPoolClosesConnectionsIdleAfterAQuietSpell checks a request
// that comes after every idle connection went unused for maxIdle (a low
// rate, a gap in the plan): it gets a new connection, and the old ones
// close, since the server may have closed them already. With one
// connection, releasing it never finds an older one to expire, so before
// this was checked on taking, a 1/min plan lent the same connection after
// every minute of silence, past many servers' keep-alive (nginx 75 s).
func TestSharedPoolClosesConnectionsIdleAfterAQuietSpell(t *testing.T) {
	p := &sharedHost{addr: "pipe", max: 2}
	t0 := time.Now()
	deadline := t0.Add(time.Hour)
	a, _ := p.take(t0, deadline)
	b, _ := p.take(t0, deadline)
	ac, aClosed := pooledConn(t)
	bc, bClosed := pooledConn(t)
	a.conn, b.conn = ac.conn, bc.conn
	p.put(a, t0)
	p.put(b, t0.Add(time.Second))

	if h, _ := p.take(t0.Add(time.Second+maxIdle), deadline); h != b {
		t.Fatalf("a connection idle for exactly maxIdle was not lent (got %+v)", h)
	}
	p.put(b, t0.Add(time.Second+maxIdle))

	later := t0.Add(time.Second + 2*maxIdle + time.Millisecond)
	h, err := p.take(later, deadline)
	if err != nil || h.conn != nil {
		t.Fatalf("after a quiet spell of more than maxIdle: got %+v, %v; want a new connection's slot", h, err)
	}
	if !aClosed() || !bClosed() {
		t.Errorf("idle connections past maxIdle: a closed %v, b closed %v; want both closed", aClosed(), bClosed())
	}
	if p.open != 1 || len(p.idle) != 0 {
		t.Errorf("open %d, idle %d; want 1 (the new slot) and 0", p.open, len(p.idle))
	}
}

// TestSharedPoolLendsNothingPastTheDeadline checks a connection released
// at the very moment a waiting request's deadline passes: whichever
// happens first, the request times out (too late to be sent), and the
// connection is not lost to it but goes back to the pool.
func TestSharedPoolLendsNothingPastTheDeadline(t *testing.T) {
	for i := range 200 {
		synctest.Test(t, func(t *testing.T) {
			p := &sharedHost{addr: "pipe", max: 1}
			h, _ := p.take(time.Now(), time.Now().Add(time.Hour))
			c, closed := pooledConn(t)
			h.conn = c.conn
			deadline := time.Now().Add(time.Second)
			go func() {
				time.Sleep(time.Until(deadline))
				p.put(h, time.Now())
			}()
			w, err := p.take(time.Now(), deadline)
			if err == nil {
				t.Fatalf("round %d: a request got a connection at %v, its deadline %v (err %v)", i, time.Now(), deadline, err)
			}
			synctest.Wait()
			if p.open != 1 || len(p.idle) != 1 || len(p.waiting) != 0 || closed() || w != nil {
				t.Fatalf("round %d: open %d, idle %d, waiting %d, closed %v; want the connection idle in the pool", i, p.open, len(p.idle), len(p.waiting), closed())
			}
		})
	}
}
