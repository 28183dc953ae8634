//go:build linux

package loadgen

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// unanswered returns a loopback address whose connects never complete:
// a listener with a backlog of 0 that accepts nothing holds one
// connection in its queue, and Linux drops the SYNs of every later one,
// which keep trying until their dial gives up. The listener stops when t
// ends; accepting from fd makes room for one more.
func unanswered(t *testing.T) (addr string, fd int) {
	t.Helper()
	fd, addr = listenRaw(t, 0)
	t.Cleanup(func() { syscall.Close(fd) })
	filler, err := net.DialTimeout("tcp", addr, time.Second) // the one the queue holds
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { filler.Close() })
	return addr, fd
}

// TestDialTimesOut dials, as a visitor and for the shared pool, an
// address whose connect cannot complete: the dial gives up at its
// timeout, not before, with an error of class timeout, and leaves no
// connection counted open.
func TestDialTimesOut(t *testing.T) {
	t.Parallel()
	addr, _ := unanswered(t)
	d := newDialer(nil, newSignals())
	const timeout = 200 * time.Millisecond
	for _, shared := range []bool{false, true} {
		start := time.Now()
		c, err := d.dial(t.Context(), addr, timeout, false, shared, nil)
		waited := time.Since(start)
		if err == nil {
			c.Close()
			t.Fatalf("shared %v: a connect to a full backlog completed", shared)
		}
		if classifyError(err) != ClassTimeout {
			t.Errorf("shared %v: %v, class %s; want timeout", shared, err, classifyError(err))
		}
		if waited < timeout {
			t.Errorf("shared %v: gave up after %v, before the %v timeout", shared, waited, timeout)
		}
	}
	checkOpen(t, d, 0)
}

// TestDialStopsWhenItsContextIsDone cancels a dial whose connect cannot
// complete: it returns the context's error long before its own timeout
// (which the test would otherwise wait for) and counts nothing open. A
// context done before the dial starts stops it too.
func TestDialStopsWhenItsContextIsDone(t *testing.T) {
	t.Parallel()
	addr, _ := unanswered(t)
	d := newDialer(nil, newSignals())
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	if c, err := d.dial(ctx, addr, time.Minute, false, false, nil); !errors.Is(err, context.Canceled) {
		if c != nil {
			c.Close()
		}
		t.Errorf("a cancelled dial returned %v, want context.Canceled", err)
	}
	if c, err := d.dial(ctx, addr, time.Minute, false, true, nil); !errors.Is(err, context.Canceled) {
		if c != nil {
			c.Close()
		}
		t.Errorf("a dial with a cancelled context returned %v, want context.Canceled", err)
	}
	checkOpen(t, d, 0)
}

// TestDialWaitsForASlowConnect dials an address whose listener's queue
// is full, then makes room in it: the connect, whose first SYN was
// dropped, completes when the kernel sends it again (a second later), so
// the dial takes the path every connect to a remote target takes, waiting
// for the socket through the poller, and the connection it returns
// carries bytes.
func TestDialWaitsForASlowConnect(t *testing.T) {
	t.Parallel()
	addr, fd := unanswered(t)
	d := newDialer(nil, newSignals())
	time.AfterFunc(50*time.Millisecond, func() {
		if s, _, e := syscall.Syscall6(syscall.SYS_ACCEPT4, uintptr(fd), 0, 0, syscall.SOCK_CLOEXEC, 0, 0); e == 0 {
			syscall.Close(int(s)) // the filler: room for one
		}
	})
	c, err := d.dial(t.Context(), addr, 10*time.Second, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	checkOpen(t, d, 1)
	s, _, e := syscall.Syscall6(syscall.SYS_ACCEPT4, uintptr(fd), 0, 0, syscall.SOCK_CLOEXEC, 0, 0)
	if e != 0 {
		t.Fatal(e)
	}
	defer syscall.Close(int(s))
	if _, err := c.Write([]byte("hi")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2)
	if n, err := syscall.Read(int(s), buf); n != 2 || string(buf) != "hi" {
		t.Errorf("the server read %q, %v", buf[:max(n, 0)], err)
	}
}

// TestDialResolvesANameOnce dials a listener on 127.0.0.1 by the name
// localhost, twice, and by its IP literal: the name is resolved once and
// kept with the time it was resolved (it expires), the literal is kept
// without one (it never does).
func TestDialResolvesANameOnce(t *testing.T) {
	t.Parallel()
	if ips, err := net.LookupHost("localhost"); err != nil || !slices.Contains(ips, "127.0.0.1") {
		t.Skipf("localhost is not 127.0.0.1 here: %v %v", ips, err)
	}
	addr := acceptNone(t)
	_, port, _ := net.SplitHostPort(addr)
	d := newDialer(nil, newSignals())
	var first *resolvedHost
	for range 2 {
		c, err := d.dial(t.Context(), "localhost:"+port, time.Second, false, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
		v, _ := d.visitorTCP.hosts.hosts.Load("localhost:" + port)
		h, _ := v.(*resolvedHost)
		switch {
		case h == nil || h.resolved.IsZero():
			t.Fatalf("localhost kept as %+v", h)
		case first == nil:
			first = h
		case h != first:
			t.Error("localhost was resolved again")
		}
	}
	c, err := d.dial(t.Context(), addr, time.Second, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if v, _ := d.visitorTCP.hosts.hosts.Load(addr); v == nil || !v.(*resolvedHost).resolved.IsZero() {
		t.Errorf("the literal %s kept as %+v, want no resolution time", addr, v)
	}
}

// TestDialIPv6Loopback sends a request over a visitor's connection and
// one of the shared pool's to a server on [::1], given as an IPv6
// literal: the connection's remote address is the server's.
func TestDialIPv6Loopback(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })}
	go srv.Serve(ln)
	defer srv.Close()
	d := newDialer(nil, newSignals())
	for _, shared := range []bool{false, true} {
		c, err := d.dial(t.Context(), ln.Addr().String(), time.Second, false, shared, nil)
		if err != nil {
			t.Fatalf("shared %v: %v", shared, err)
		}
		if got, want := c.RemoteAddr().String(), ln.Addr().String(); got != want {
			t.Errorf("shared %v: remote address %s, want %s", shared, got, want)
		}
		req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/", nil)
		if err := req.Write(c); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("shared %v: status %d", shared, resp.StatusCode)
		}
		c.Close()
	}
	checkOpen(t, d, 0)
}

// TestDialKeepAliveOnlyForTheSharedPool reads the options of the sockets
// the dialer opened: TCP_NODELAY on both, keep-alive probes only on the
// shared pool's, and a visitor's closes with a reset (SO_LINGER 0).
func TestDialKeepAliveOnlyForTheSharedPool(t *testing.T) {
	t.Parallel()
	addr := acceptNone(t)
	d := newDialer(nil, newSignals())
	for _, shared := range []bool{false, true} {
		c, err := d.dial(t.Context(), addr, time.Second, false, shared, nil)
		if err != nil {
			t.Fatal(err)
		}
		sc, err := c.(syscall.Conn).SyscallConn() // as a *net.TCPConn's
		if err != nil {
			t.Fatal(err)
		}
		var noDelay, keepAlive int
		var linger *syscall.Linger
		sc.Control(func(fd uintptr) {
			noDelay, _ = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_NODELAY)
			keepAlive, _ = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_KEEPALIVE)
			linger, _ = getLinger(int(fd))
		})
		c.Close()
		if noDelay == 0 || (keepAlive != 0) != shared {
			t.Errorf("shared %v: TCP_NODELAY %d, SO_KEEPALIVE %d", shared, noDelay, keepAlive)
		}
		if reset := linger != nil && linger.Onoff == 1 && linger.Linger == 0; reset == shared {
			t.Errorf("shared %v: SO_LINGER %+v", shared, linger)
		}
	}
}

// TestDialAllocations counts what opening and closing a visitor's
// connection allocates (28 through fasthttp's dialer and net.Dialer).
func TestDialAllocations(t *testing.T) { // not parallel: AllocsPerRun needs the process to itself
	addr := acceptNone(t)
	d := newDialer(nil, newSignals())
	allocs := testing.AllocsPerRun(100, func() {
		c, err := d.dial(context.Background(), addr, time.Second, false, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
	})
	if allocs > dialAllocs {
		t.Errorf("%v allocations per dial and close, want at most %d", allocs, dialAllocs)
	}
}

// dialAllocs is what a visitor's dial and close allocate: the
// connection, and the os.File (two objects) that puts its socket in Go's
// poller.
const dialAllocs = 3

// getLinger reads fd's SO_LINGER, which package syscall has no getter for.
func getLinger(fd int) (*syscall.Linger, error) {
	var l syscall.Linger
	size := uint32(unsafe.Sizeof(l))
	_, _, e := syscall.Syscall6(syscall.SYS_GETSOCKOPT, uintptr(fd), syscall.SOL_SOCKET, syscall.SO_LINGER,
		uintptr(unsafe.Pointer(&l)), uintptr(unsafe.Pointer(&size)), 0)
	if e != 0 {
		return nil, e
	}
	return &l, nil
}

// BenchmarkDial opens and closes a visitor's connection to a loopback
// listener, which accepts and closes it in the same loop with bare system
// calls: only the dialer allocates, and the listener's queue never fills
// whatever the scheduler does.
//
//	go test ./loadgen -run '^$' -bench Dial -benchtime 20000x
func BenchmarkDial(b *testing.B) {
	fd, addr := listenRaw(b, 1024)
	defer syscall.Close(fd)
	if err := syscall.SetNonblock(fd, true); err != nil {
		b.Fatal(err)
	}
	d := newDialer(nil, newSignals())
	b.ReportAllocs()
	for b.Loop() {
		c, err := d.dial(context.Background(), addr, time.Second, false, false, nil)
		if err != nil {
			b.Fatal(err)
		}
		c.Close()
		for { // what is in the listener's queue
			s, _, e := syscall.Syscall6(syscall.SYS_ACCEPT4, uintptr(fd), 0, 0, syscall.SOCK_CLOEXEC, 0, 0)
			if e != 0 {
				break
			}
			syscall.Close(int(s))
		}
	}
}

// listenRaw makes a blocking socket listening on 127.0.0.1 with backlog,
// with system calls alone; closing it is the caller's.
func listenRaw(tb testing.TB, backlog int) (fd int, addr string) {
	tb.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		tb.Fatal(err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		syscall.Close(fd)
		tb.Fatal(err)
	}
	if err := syscall.Listen(fd, backlog); err != nil {
		syscall.Close(fd)
		tb.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		syscall.Close(fd)
		tb.Fatal(err)
	}
	return fd, (&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: sa.(*syscall.SockaddrInet4).Port}).String()
}
