package loadgen

import (
	"net"
	"time"
)

// fastConn is a connection as the fasthttp client (fastClient) uses it.
// fasthttp sets the socket's write and read deadlines on every request,
// and each set moves a runtime timer: a cost a generator running flat
// out on one core notices (docs/design.md, "Request deadlines"). A
// fastConn of a client that sends one request at a time (not shared)
// sets the deadline itself, when the request is written, and only when
// the one the socket has would not do: a deadline already set at most
// slack past the request's stays. So a connection busy with one request after another
// moves its timer once per slack instead of twice per request, and a
// request times out at its deadline or up to slack later, never sooner
// (slack: deadlineSlack).
type fastConn struct {
	net.Conn
	owner *fastClient // nil for a shared client's: fasthttp sets the deadlines
	set   time.Time   // the deadline the socket has, reads and writes; zero: none yet
}

// deadlineSlack is the share of a request's timeout that its deadline
// may fall late: 1/64, 78ms of the default 5s timeout.
const deadlineSlack = 64

func newFastConn(c net.Conn, owner *fastClient) *fastConn {
	return &fastConn{Conn: c, owner: owner}
}

func (c *fastConn) Write(p []byte) (int, error) {
	if o := c.owner; o != nil {
		if err := c.extend(o.deadline, o.slack); err != nil {
			return 0, err
		}
	}
	return c.Conn.Write(p)
}

// extend gives the socket deadline d, unless the one it has already
// falls from d to slack past it; then it sets d plus slack, so the
// requests that follow keep it for a while.
func (c *fastConn) extend(d time.Time, slack time.Duration) error {
	if !c.set.Before(d) && c.set.Sub(d) <= slack {
		return nil
	}
	c.set = d.Add(slack)
	return c.Conn.SetDeadline(c.set)
}

// Handshake tells fasthttp that a TLS connection's handshake is done: it
// handshakes a connection of a TLS host that has no Handshake method.
// The dialer did it already (loadgen/dial.go).
func (c *fastConn) Handshake() error {
	if tc, ok := c.Conn.(interface{ Handshake() error }); ok {
		return tc.Handshake()
	}
	return nil
}

// SetReadDeadline and SetWriteDeadline are fasthttp's. A connection with
// an owner keeps its own deadline: fasthttp, given no timeout, only
// clears a new connection's, before its first request is written and
// again before its answer is read.
func (c *fastConn) SetReadDeadline(t time.Time) error {
	if c.owner != nil {
		return nil
	}
	return c.Conn.SetReadDeadline(t)
}

func (c *fastConn) SetWriteDeadline(t time.Time) error {
	if c.owner != nil {
		return nil
	}
	return c.Conn.SetWriteDeadline(t)
}
