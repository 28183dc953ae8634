//go:build linux

package loadgen

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/valyala/fasthttp"
)

// tcpDialer opens the run's TCP connections with the socket system calls
// themselves, without net.Dialer. At 8,000 visitors a second, each with a
// connection of its own, net.Dialer's generic path (a context and its
// timer per dial, the address formatted and parsed again, dual-stack
// machinery, and a getsockname and a getpeername per connection for
// LocalAddr and RemoteAddr) took 14–18% of the generator's CPU. This one
// resolves a host once (hostCache), and per connection makes a
// non-blocking socket, sets its options, connects, registers the socket
// with Go's poller (os.NewFile), and asks connect again whether it is
// done: on loopback it is by then, so nothing waits and no timer is set.
// Otherwise it waits for the socket to turn writable, through the poller,
// under the connect's deadline and the caller's context.
type tcpDialer struct {
	// keepAlive enables TCP keep-alive probes with net.Dialer's defaults
	// (the shared pool's long-lived connections). A visitor's connection
	// lives for one visit, and enabling them costs four setsockopt calls
	// per connection (2% of the CPU at 10,000 visitors/s).
	keepAlive bool
	// LocalAddr, when set, is the address connections bind to before
	// connecting; its port is left to the kernel. Tests use it to make a
	// connect fail the way it fails when no local port is left.
	LocalAddr *net.TCPAddr

	hosts hostCache
}

func newTCPDialer(keepAlive bool) *tcpDialer { return &tcpDialer{keepAlive: keepAlive} }

// net.Dialer's keep-alive defaults (net.KeepAliveConfig's zero values).
const (
	keepAliveIdle     = 15 // seconds
	keepAliveInterval = 15 // seconds
	keepAliveCount    = 9
)

// dial connects to addr (host:port) within timeout, or until ctx is done.
// A host with several addresses is dialed at each in turn, starting with
// the one after the last dial's, until one connects; a timeout ends the
// dial. The connection counts itself closed in counts on its first Close;
// counting it open is the caller's.
func (d *tcpDialer) dial(ctx context.Context, addr string, timeout time.Duration, counts *openConns) (net.Conn, error) {
	deadline := time.Now().Add(timeout)
	h, err := d.hosts.lookup(ctx, addr, deadline)
	if err != nil {
		return nil, err
	}
	n := uint32(len(h.addrs))
	i := h.next.Add(1)
	for range n {
		var c net.Conn
		c, err = d.connect(ctx, &h.addrs[i%n], deadline, counts)
		if err == nil {
			return c, nil
		}
		if errors.Is(err, fasthttp.ErrDialTimeout) || ctx.Err() != nil {
			return nil, err
		}
		i++
	}
	return nil, err
}

// connect opens one connection to t.
func (d *tcpDialer) connect(ctx context.Context, t *sockTarget, deadline time.Time, counts *openConns) (net.Conn, error) {
	if time.Until(deadline) <= 0 {
		return nil, dialError(t, fasthttp.ErrDialTimeout)
	}
	fd, err := syscall.Socket(t.family, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, syscall.IPPROTO_TCP)
	if err != nil {
		return nil, dialError(t, os.NewSyscallError("socket", err))
	}
	if err := d.prepare(fd, t); err != nil {
		syscall.Close(fd)
		return nil, dialError(t, err)
	}
	switch e := t.connect(fd); e {
	case 0, syscall.EISCONN, syscall.EINPROGRESS, syscall.EALREADY, syscall.EINTR:
	default:
		syscall.Close(fd)
		return nil, dialError(t, os.NewSyscallError("connect", e))
	}
	// From here the file owns the descriptor. Its name is only ever
	// printed in errors, which rawConn rewrites as net's.
	c := &rawConn{file: os.NewFile(uintptr(fd), "tcp"), remote: t.tcp}
	c.local.conn = c
	if err := c.awaitConnect(ctx, fd, t, deadline); err != nil {
		c.file.Close()
		return nil, err
	}
	c.counts.counts = counts
	return c, nil
}

// prepare sets a new socket's options, and binds it when d has a local
// address.
func (d *tcpDialer) prepare(fd int, t *sockTarget) error {
	// net.Dialer's default: a request goes out as soon as it is written.
	if err := syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1); err != nil {
		return os.NewSyscallError("setsockopt", err)
	}
	if d.keepAlive {
		for _, o := range [...]struct{ level, opt, v int }{
			{syscall.SOL_SOCKET, syscall.SO_KEEPALIVE, 1},
			{syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE, keepAliveIdle},
			{syscall.IPPROTO_TCP, syscall.TCP_KEEPINTVL, keepAliveInterval},
			{syscall.IPPROTO_TCP, syscall.TCP_KEEPCNT, keepAliveCount},
		} {
			if err := syscall.SetsockoptInt(fd, o.level, o.opt, o.v); err != nil {
				return os.NewSyscallError("setsockopt", err)
			}
		}
	}
	if d.LocalAddr == nil {
		return nil
	}
	var sa syscall.Sockaddr
	if ip4 := d.LocalAddr.IP.To4(); t.family == syscall.AF_INET && ip4 != nil {
		sa = &syscall.SockaddrInet4{Addr: [4]byte(ip4)}
	} else if t.family == syscall.AF_INET6 && ip4 == nil && len(d.LocalAddr.IP) == net.IPv6len {
		sa = &syscall.SockaddrInet6{Addr: [16]byte(d.LocalAddr.IP)}
	} else {
		return &net.AddrError{Err: "local address of another family", Addr: d.LocalAddr.String()}
	}
	if err := syscall.Bind(fd, sa); err != nil {
		return os.NewSyscallError("bind", err)
	}
	return nil
}

// awaitConnect returns once the connect of fd (c's socket) has
// completed: nil when it connected, its error when it failed, a timeout
// at deadline, or ctx's error when ctx is done first.
//
// connect itself says how a connect under way is going: EALREADY while it
// is, 0 (or EISCONN) once it has connected, its error once it has failed.
// A readiness check (SO_ERROR) cannot tell "under way" from "connected"
// without a getpeername as well. The first ask costs no wait: on loopback
// the connect has completed by the time the first call returns.
func (c *rawConn) awaitConnect(ctx context.Context, fd int, t *sockTarget, deadline time.Time) error {
	result := t.connect(fd)
	if underWay(result) {
		var err error
		if result, err = c.waitConnect(ctx, t, deadline); err != nil {
			return dialError(t, err)
		}
	}
	if result != 0 && result != syscall.EISCONN {
		return dialError(t, os.NewSyscallError("connect", result))
	}
	return nil
}

// underWay reports whether connect's answer means it is still connecting.
func underWay(e syscall.Errno) bool {
	return e == syscall.EALREADY || e == syscall.EINPROGRESS || e == syscall.EINTR
}

// waitConnect waits, through the poller, until the connect has completed
// and returns connect's last answer; or until the deadline passes
// (fasthttp.ErrDialTimeout, as fasthttp's dialer reports it) or ctx is
// done (ctx's error).
func (c *rawConn) waitConnect(ctx context.Context, t *sockTarget, deadline time.Time) (syscall.Errno, error) {
	sc, err := c.file.SyscallConn()
	if err != nil {
		return 0, err
	}
	if err := c.file.SetWriteDeadline(deadline); err != nil {
		return 0, err
	}
	var stop func() bool
	if ctx.Done() != nil {
		stop = context.AfterFunc(ctx, func() { c.file.SetWriteDeadline(aLongTimeAgo) })
	}
	var result syscall.Errno
	err = sc.Write(func(fd uintptr) bool {
		result = t.connect(int(fd))
		return !underWay(result)
	})
	if stop != nil && !stop() {
		// ctx is done, and its function has moved or is moving the
		// deadline: the connection is not handed out.
		return 0, ctx.Err()
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return 0, fasthttp.ErrDialTimeout
	}
	if err != nil {
		return 0, err
	}
	return result, c.file.SetWriteDeadline(time.Time{})
}

// aLongTimeAgo is a deadline that has passed: setting it wakes a wait.
var aLongTimeAgo = time.Unix(1, 0)

// dialError is a failed dial's error as net.Dialer words it.
func dialError(t *sockTarget, err error) error {
	return &net.OpError{Op: "dial", Net: "tcp", Addr: t.tcp, Err: err}
}

// sockTarget is one address of a host, kept as connect takes it.
type sockTarget struct {
	tcp    *net.TCPAddr // what RemoteAddr returns: shared by every connection to it
	family int
	// sa holds a syscall.RawSockaddrInet4 or RawSockaddrInet6, written
	// once: connect only reads it, so connections share it.
	sa    unsafe.Pointer
	saLen uintptr
}

func newSockTarget(a *net.TCPAddr) sockTarget {
	t := sockTarget{tcp: a}
	port := [2]byte{byte(a.Port >> 8), byte(a.Port)} // network byte order
	if ip4 := a.IP.To4(); ip4 != nil {
		sa := &syscall.RawSockaddrInet4{Family: syscall.AF_INET, Addr: [4]byte(ip4)}
		*(*[2]byte)(unsafe.Pointer(&sa.Port)) = port
		t.family, t.sa, t.saLen = syscall.AF_INET, unsafe.Pointer(sa), unsafe.Sizeof(*sa)
		return t
	}
	sa := &syscall.RawSockaddrInet6{Family: syscall.AF_INET6, Addr: [16]byte(a.IP.To16()), Scope_id: zoneIndex(a.Zone)}
	*(*[2]byte)(unsafe.Pointer(&sa.Port)) = port
	t.family, t.sa, t.saLen = syscall.AF_INET6, unsafe.Pointer(sa), unsafe.Sizeof(*sa)
	return t
}

// connect asks the kernel to connect fd to t, or how that is going.
func (t *sockTarget) connect(fd int) syscall.Errno {
	_, _, e := syscall.Syscall(syscall.SYS_CONNECT, uintptr(fd), uintptr(t.sa), t.saLen)
	return e
}

// zoneIndex is the interface index an IPv6 zone names, 0 for none.
func zoneIndex(zone string) uint32 {
	if zone == "" {
		return 0
	}
	if ifi, err := net.InterfaceByName(zone); err == nil {
		return uint32(ifi.Index)
	}
	var n uint32
	for _, c := range zone {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + uint32(c-'0')
	}
	return n
}

// rawConn is a connection tcpDialer opened: a socket in Go's poller
// (an os.File), counted open until its first Close. Its errors read as
// net's (*net.OpError over the system call's error), so they classify
// and print as those of a *net.TCPConn.
type rawConn struct {
	file   *os.File
	remote *net.TCPAddr
	local  localAddr
	counts closeCounter
	await  awaitState // writeAndAwait's
}

func (c *rawConn) Read(b []byte) (int, error) {
	n, err := c.file.Read(b)
	if err != nil && err != io.EOF {
		err = c.opError("read", err)
	}
	return n, err
}

func (c *rawConn) Write(b []byte) (int, error) {
	n, err := c.file.Write(b)
	if err != nil {
		err = c.opError("write", err)
	}
	return n, err
}

func (c *rawConn) Close() error {
	c.counts.close()
	if err := c.file.Close(); err != nil {
		return c.opError("close", err)
	}
	return nil
}

func (c *rawConn) SetDeadline(t time.Time) error { return c.deadlineError(c.file.SetDeadline(t)) }
func (c *rawConn) SetReadDeadline(t time.Time) error {
	return c.deadlineError(c.file.SetReadDeadline(t))
}
func (c *rawConn) SetWriteDeadline(t time.Time) error {
	return c.deadlineError(c.file.SetWriteDeadline(t))
}
func (c *rawConn) RemoteAddr() net.Addr { return c.remote }

// LocalAddr is the connection's address on this machine. fasthttp asks
// for it on every response and nothing here reads it, so it is an
// address that looks itself up (getsockname) when first printed.
func (c *rawConn) LocalAddr() net.Addr { return &c.local }

// SyscallConn gives the socket to code that makes system calls on it
// (syscall.Conn), as a *net.TCPConn does.
func (c *rawConn) SyscallConn() (syscall.RawConn, error) { return c.file.SyscallConn() }

// resetOnClose makes Close send a reset rather than a FIN
// (closeWithReset).
func (c *rawConn) resetOnClose() {
	sc, err := c.file.SyscallConn()
	if err != nil {
		return
	}
	sc.Control(func(fd uintptr) {
		syscall.SetsockoptLinger(int(fd), syscall.SOL_SOCKET, syscall.SO_LINGER, &syscall.Linger{Onoff: 1, Linger: 0})
	})
}

func (c *rawConn) deadlineError(err error) error {
	if err != nil {
		return c.opError("set", err)
	}
	return nil
}

// opError words an os.File's error (*os.PathError) as net does a TCP
// connection's.
func (c *rawConn) opError(op string, err error) error {
	if pe, ok := err.(*os.PathError); ok {
		err = pe.Err
	}
	switch e := err.(type) {
	case syscall.Errno:
		err = os.NewSyscallError(op, e)
	default:
		if errors.Is(err, os.ErrClosed) {
			err = net.ErrClosed
		}
	}
	return &net.OpError{Op: op, Net: "tcp", Source: c.local.lookup(), Addr: c.remote, Err: err}
}

// localAddr is a connection's local address, looked up when first asked
// for while the connection is open.
type localAddr struct {
	conn *rawConn
	once sync.Once
	addr *net.TCPAddr // nil: unknown (asked for first after Close)
}

func (a *localAddr) Network() string { return "tcp" }

func (a *localAddr) String() string {
	if ta := a.lookup(); ta != nil {
		return ta.String()
	}
	return "<unknown>"
}

// lookup returns the address, nil when it is unknown.
func (a *localAddr) lookup() net.Addr {
	a.once.Do(func() {
		sc, err := a.conn.file.SyscallConn()
		if err != nil {
			return
		}
		sc.Control(func(fd uintptr) {
			switch sa, _ := syscall.Getsockname(int(fd)); sa := sa.(type) {
			case *syscall.SockaddrInet4:
				a.addr = &net.TCPAddr{IP: net.IP(sa.Addr[:]).To16(), Port: sa.Port}
			case *syscall.SockaddrInet6:
				a.addr = &net.TCPAddr{IP: net.IP(sa.Addr[:]), Port: sa.Port}
			}
		})
	})
	if a.addr == nil {
		return nil
	}
	return a.addr
}
