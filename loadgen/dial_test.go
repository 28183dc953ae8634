package loadgen

import (
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"
)

// TestRetireWarmResetsUnusedConnections pre-opens connections to a
// loopback listener, takes one, and retires the rest: none is handed out
// once they retire, each unused one ends with a reset (no TIME_WAIT on
// the generator's ports), and the one taken stays open.
func TestRetireWarmResetsUnusedConnections(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	const n = 20
	accepted := make(chan net.Conn, n)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	d := newDialer(nil, newSignals())
	addr := ln.Addr().String()
	d.preOpen(addr, false, nil, n, 5*time.Second)
	taken := d.takeWarm(addr)
	if taken == nil {
		t.Fatal("no pre-opened connection to take")
	}
	defer taken.Close()
	d.retireWarm()
	if c := d.takeWarm(addr); c != nil {
		c.Close()
		t.Fatal("a retired pre-opened connection was handed out")
	}
	resets, open := 0, 0
	for range n {
		c := <-accepted
		c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		_, err := c.Read(make([]byte, 1))
		switch {
		case errors.Is(err, syscall.ECONNRESET):
			resets++
		case errors.Is(err, io.EOF):
			t.Errorf("a retired connection closed with a FIN, want a reset")
		case errors.Is(err, syscall.ETIMEDOUT), isTimeout(err):
			open++
		default:
			t.Errorf("read: %v", err)
		}
		c.Close()
	}
	if resets != n-1 || open != 1 {
		t.Errorf("%d reset and %d open, want %d and 1", resets, open, n-1)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
