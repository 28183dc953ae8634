package loadgen

import (
	"bytes"
	"errors"
	"net"
	"os"
	"strconv"
	"sync/atomic"
	"syscall"
)

// A connection holds one of the generator's local ports from its connect
// until it closes (a visitor's closes with a reset, so not a moment
// longer: closeWithReset). The kernel picks the port from its ephemeral
// range, and one local address may use each port once per target
// address: with Linux's default range (32768–60999) that is 28,232
// connections open at once to one target address. A launch test whose
// visitors hold their connections through think times can need more than
// that from one machine; past it every connect fails with EADDRNOTAVAIL
// before it reaches the target. So the generator counts its open
// connections, their peak, and the connects that found no port.

// portRangeFile is where Linux keeps the ephemeral port range.
const portRangeFile = "/proc/sys/net/ipv4/ip_local_port_range"

// localPorts is how many ephemeral ports the kernel hands out per target
// address, read from the range it uses; 0 where it cannot say (another
// platform, or a file it cannot read). Ports reserved inside the range
// (ip_local_reserved_ports) are not subtracted.
func localPorts() int64 {
	b, err := os.ReadFile(portRangeFile)
	if err != nil {
		return 0
	}
	n, _ := parsePortRange(b)
	return n
}

// parsePortRange reads "low high" (as ip_local_port_range holds it) and
// returns how many ports the range holds, or false when it is not a
// range of ports.
func parsePortRange(b []byte) (int64, bool) {
	fields := bytes.Fields(b)
	if len(fields) != 2 {
		return 0, false
	}
	lo, err1 := strconv.ParseUint(string(fields[0]), 10, 16)
	hi, err2 := strconv.ParseUint(string(fields[1]), 10, 16)
	if err1 != nil || err2 != nil || lo == 0 || hi < lo {
		return 0, false
	}
	return int64(hi-lo) + 1, true
}

// portFailure reports whether a connect failed for want of a local port.
func portFailure(err error) bool { return errors.Is(err, syscall.EADDRNOTAVAIL) }

// openConns counts the connections the dialer holds open, and their peak
// in the current interval and over the run. Lock-free: every dial and
// every close passes here.
type openConns struct {
	open     atomic.Int64
	interval atomic.Int64 // the peak since the last take
	run      atomic.Int64 // the peak over the run
	noPort   atomic.Int64 // connects that found no local port, since the last take
	noPorts  atomic.Int64 // the same over the run
}

// opened counts a connection in, and raises the peaks.
func (o *openConns) opened() {
	n := o.open.Add(1)
	raise(&o.interval, n)
	raise(&o.run, n)
}

// failed counts a connect that found no local port.
func (o *openConns) failed() {
	o.noPort.Add(1)
	o.noPorts.Add(1)
}

// closed counts a connection out.
func (o *openConns) closed() { o.open.Add(-1) }

// take returns the interval's peak and port failures since the last take;
// the next interval's peak starts at the connections open now.
func (o *openConns) take() (peak, noPort int64) {
	peak = o.interval.Swap(o.open.Load())
	raise(&o.interval, o.open.Load()) // a connection opened between the two reads
	return peak, o.noPort.Swap(0)
}

// raise makes p at least n.
func raise(p *atomic.Int64, n int64) {
	for {
		old := p.Load()
		if n <= old || p.CompareAndSwap(old, n) {
			return
		}
	}
}

// closeCounter counts its connection closed on the connection's first
// Close.
type closeCounter struct {
	counts *openConns // nil: not counted
	done   atomic.Bool
}

func (c *closeCounter) close() {
	if c.counts != nil && c.done.CompareAndSwap(false, true) {
		c.counts.closed()
	}
}

// countedConn is a connection the dialer opened through net.Dialer
// (tcpDialer where it has no system calls of its own), counted open
// until its first Close. It wraps the TCP connection, under TLS when
// there is TLS, so the connection handed out is still a *tls.Conn where
// net/http looks for one (ALPN's choice of HTTP/2). It is the one
// allocation counting adds to such a dial.
type countedConn struct {
	net.Conn
	counts closeCounter
}

func (c *countedConn) Close() error {
	c.counts.close()
	return c.Conn.Close()
}
