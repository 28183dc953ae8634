package loadgen

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
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

// acceptNone listens on 127.0.0.1 and accepts nothing: a connect
// completes into the listener's queue (thousands long), and nothing
// running in this process allocates for it.
func acceptNone(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String()
}

// closedPort is a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestDialErrorsClassifyAsBefore makes each way a connection fails
// happen for real, on loopback, to a connection from the run's dialer
// and to one from fasthttp's dialer (which the run's dialer replaced on
// Linux), and checks that the two errors are of one class: a refused
// connect, the peer's reset seen by a read and by a write, the peer's
// close, a read past its deadline, a read after the connection's own
// Close.
func TestDialErrorsClassifyAsBefore(t *testing.T) {
	t.Parallel()
	refused := closedPort(t)
	d := newDialer(nil, newSignals())
	before := fasthttp.TCPDialer{KeepAlive: -1}
	if _, err := d.dial(t.Context(), refused, time.Second, false, false, nil); classifyError(err) != ClassRefused {
		t.Errorf("dial to a closed port: %v, class %s; want refused", err, classifyError(err))
	}
	if _, err := before.DialTimeout(refused, time.Second); classifyError(err) != ClassRefused {
		t.Errorf("fasthttp's dial to a closed port: %v, class %s; want refused", err, classifyError(err))
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	tests := []struct {
		name string
		peer func(net.Conn)       // what the server does with its end
		fail func(net.Conn) error // what the client then does
		want ErrorClass
	}{
		{"reset, then a read", resetConn, readOne, ClassReset},
		{"reset, then writes", resetConn, writeMany, ClassReset},
		{"closed, then a read", func(c net.Conn) { c.Close() }, readOne, ClassReset},
		{"silent past the read deadline", func(net.Conn) {}, func(c net.Conn) error {
			c.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
			return readOne(c)
		}, ClassTimeout},
		{"a read after Close", func(net.Conn) {}, func(c net.Conn) error {
			c.Close()
			return readOne(c)
		}, ClassOther},
	}
	for _, tc := range tests {
		errs := map[string]error{}
		for _, who := range []string{"liftoff", "fasthttp"} {
			var c net.Conn
			var err error
			if who == "liftoff" {
				c, err = d.dial(t.Context(), ln.Addr().String(), time.Second, false, false, nil)
			} else {
				c, err = before.DialTimeout(ln.Addr().String(), time.Second)
			}
			if err != nil {
				t.Fatal(err)
			}
			srv, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			tc.peer(srv)
			errs[who] = tc.fail(c)
			c.Close()
			srv.Close()
		}
		if got, was := classifyError(errs["liftoff"]), classifyError(errs["fasthttp"]); got != tc.want || was != tc.want {
			t.Errorf("%s: %v (class %s), fasthttp's %v (class %s); want %s", tc.name, errs["liftoff"], got, errs["fasthttp"], was, tc.want)
		}
	}
	checkOpen(t, d, 0)
}

// resetConn closes c with a reset.
func resetConn(c net.Conn) {
	c.(*net.TCPConn).SetLinger(0)
	c.Close()
}

func readOne(c net.Conn) error {
	_, err := c.Read(make([]byte, 1))
	return err
}

// writeMany writes until a write fails: the first write after a reset
// can still succeed.
func writeMany(c net.Conn) error {
	for range 100 {
		if _, err := c.Write([]byte("GET / HTTP/1.1\r\n\r\n")); err != nil {
			return err
		}
		time.Sleep(time.Millisecond)
	}
	return nil
}

// TestDialTLSVisitorNegotiatesHTTP2 dials a visitor's connection over
// TLS, offering h2 as the HTTP/2 client does, to a TLS server on
// loopback that speaks h2: the connection is a *tls.Conn (net/http's
// sign of a connection to speak HTTP/2 on) that negotiated h2, carries
// bytes both ways, counts as open until closed, and closes with a reset,
// as every visitor's does. (TestOpenConnectionPeak runs HTTP/2 visitors
// over TLS through the whole generator.)
func TestDialTLSVisitorNegotiatesHTTP2(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(nil)
	srv.EnableHTTP2 = true
	srv.StartTLS() // for its certificate
	srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	served := make(chan error, 1)
	go func() {
		raw, err := ln.Accept()
		if err != nil {
			served <- err
			return
		}
		defer raw.Close()
		c := tls.Server(raw, &tls.Config{Certificates: srv.TLS.Certificates, NextProtos: []string{"h2"}})
		buf := make([]byte, 5)
		if _, err := io.ReadFull(c, buf); err != nil {
			served <- err
			return
		}
		c.Write(buf)
		// Below TLS, which reads the client's close_notify as its end:
		// how the TCP connection ends.
		_, err = io.Copy(io.Discard, raw)
		served <- err
	}()
	d := newDialer(&tls.Config{InsecureSkipVerify: true}, newSignals())
	c, err := d.dial(t.Context(), ln.Addr().String(), time.Second, true, false, h2ALPN)
	if err != nil {
		t.Fatal(err)
	}
	tc, ok := c.(*tls.Conn)
	if !ok {
		t.Fatalf("a TLS dial returned a %T", c)
	}
	if p := tc.ConnectionState().NegotiatedProtocol; p != "h2" {
		t.Errorf("negotiated %q, want h2", p)
	}
	checkOpen(t, d, 1)
	if _, err := c.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	echo := make([]byte, 5)
	if _, err := io.ReadFull(c, echo); err != nil || string(echo) != "hello" {
		t.Fatalf("echo %q, %v", echo, err)
	}
	c.Close()
	if err := <-served; !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("the connection ended with %v, want a reset", err)
	}
	checkOpen(t, d, 0)
}

// checkOpen checks how many of d's connections count as open.
func checkOpen(t *testing.T, d *dialer, want int64) {
	t.Helper()
	if open := d.signals.conns.open.Load(); open != want {
		t.Errorf("%d connections count as open, want %d", open, want)
	}
}
