//go:build !linux

package loadgen

import (
	"context"
	"net"
	"time"

	"github.com/valyala/fasthttp"
)

// tcpDialer opens the run's TCP connections through fasthttp's dialer
// (net.Dialer, with fasthttp's DNS cache); on Linux it makes the system
// calls itself (dial_linux.go). Its Concurrency stays 0 (unlimited):
// fasthttp's default dialer queues past 1,000 dials at once, which would
// add the generator's own wait to connect times.
type tcpDialer struct {
	fasthttp.TCPDialer
}

// newTCPDialer returns a dialer whose connections send TCP keep-alive
// probes, or none: a visitor's connection lives for one visit, and
// enabling them costs four setsockopt calls per connection.
func newTCPDialer(keepAlive bool) *tcpDialer {
	d := &tcpDialer{}
	if !keepAlive {
		d.KeepAlive = -1
	}
	return d
}

// dial connects to addr (host:port) within timeout; ctx cannot cancel the
// connect. The connection counts itself closed in counts on its first
// Close; counting it open is the caller's.
func (d *tcpDialer) dial(_ context.Context, addr string, timeout time.Duration, counts *openConns) (net.Conn, error) {
	c, err := d.DialTimeout(addr, timeout)
	if err != nil {
		return nil, err
	}
	return &countedConn{Conn: c, counts: closeCounter{counts: counts}}, nil
}
