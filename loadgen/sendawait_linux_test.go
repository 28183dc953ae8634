//go:build linux

package loadgen

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// awaitConn dials a loopback server that runs serve on each connection,
// with the run's own dialer, so the connection is a *rawConn.
func awaitConn(t *testing.T, serve func(net.Conn)) *rawConn {
	t.Helper()
	c, err := newDialer(nil, newSignals()).dial(t.Context(), serveEach(t, serve), time.Second, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	rc, ok := c.(*rawConn)
	if !ok {
		t.Fatalf("the dialer made a %T, want a *rawConn", c)
	}
	return rc
}

// pollFd is Linux's struct pollfd, for poll(2).
type pollFd struct {
	fd      int32
	events  int16
	revents int16
}

const pollIn = 0x1 // POLLIN

// readable reports whether c has something to read now.
func readable(t *testing.T, c *rawConn) bool {
	t.Helper()
	sys, err := c.file.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var ready bool
	sys.Control(func(fd uintptr) {
		fds := []pollFd{{fd: int32(fd), events: pollIn}}
		n, _, _ := syscall.Syscall(syscall.SYS_POLL, uintptr(unsafe.Pointer(&fds[0])), 1, 0)
		ready = n == 1 && fds[0].revents&pollIn != 0
	})
	return ready
}

// TestWriteAndAwaitSeesEveryAnswer sends thousands of requests to a
// server that answers each one at once, so that many answers arrive
// before the writer could have parked: each must end the wait (had the
// poller's readiness been reset after the write, one would hang until
// the deadline), and the answer must be there to read when it returns.
func TestWriteAndAwaitSeesEveryAnswer(t *testing.T) {
	t.Parallel()
	answer := []byte("HTTP/1.1 204 No Content\r\n\r\n")
	c := awaitConn(t, func(c net.Conn) {
		buf := make([]byte, 64)
		for {
			if _, err := io.ReadFull(c, buf[:4]); err != nil {
				return
			}
			c.Write(answer)
		}
	})
	got := make([]byte, len(answer))
	for i := range 3000 {
		start := time.Now()
		c.SetDeadline(start.Add(2 * time.Second))
		if n, err := c.writeAndAwait([]byte("ping")); n != 4 || err != nil {
			t.Fatalf("request %d: wrote %d, %v", i, n, err)
		}
		if waited := time.Since(start); waited > time.Second {
			t.Fatalf("request %d: the wait missed an answer and ended at the deadline (%v)", i, waited)
		}
		if !readable(t, c) {
			t.Fatalf("request %d: writeAndAwait returned before the answer could be read", i)
		}
		if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, answer) {
			t.Fatalf("request %d: read %q, %v", i, got, err)
		}
	}
}

// TestWriteAndAwaitLargeRequest writes more than the socket's buffers
// hold to a server that reads only after a pause: what the first write
// leaves goes as any write does, in order, and the answer still comes.
func TestWriteAndAwaitLargeRequest(t *testing.T) {
	t.Parallel()
	req := bytes.Repeat([]byte("0123456789abcdef"), 1<<18) // 4 MiB
	received := make(chan []byte, 1)
	c := awaitConn(t, func(c net.Conn) {
		time.Sleep(100 * time.Millisecond)
		got := make([]byte, len(req))
		if _, err := io.ReadFull(c, got); err != nil {
			received <- nil
			return
		}
		received <- got
		c.Write([]byte("ok"))
	})
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if n, err := c.writeAndAwait(req); n != len(req) || err != nil {
		t.Fatalf("wrote %d of %d, %v", n, len(req), err)
	}
	if got := <-received; !bytes.Equal(got, req) {
		t.Fatal("the server received the request altered")
	}
	buf := make([]byte, 2)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "ok" {
		t.Fatalf("answer %q, %v", buf, err)
	}
}

// TestWriteAndAwaitLeavesTimeoutsAndErrorsToTheRead checks the ends a
// wait can have besides an answer: a target that never answers (the wait
// ends at the read deadline, and the read reports the timeout), one that
// closes (the read sees the end), and a connection already past its
// deadline (nothing is written; the error says timeout).
func TestWriteAndAwaitLeavesTimeoutsAndErrorsToTheRead(t *testing.T) {
	t.Parallel()
	t.Run("no answer", func(t *testing.T) {
		t.Parallel()
		c := awaitConn(t, func(c net.Conn) { io.Copy(io.Discard, c) })
		start := time.Now() // before the deadline is set: a pause between the two cannot fail the test
		c.SetDeadline(time.Now().Add(100 * time.Millisecond))
		if n, err := c.writeAndAwait([]byte("ping")); n != 4 || err != nil {
			t.Fatalf("wrote %d, %v", n, err)
		}
		if waited := time.Since(start); waited < 100*time.Millisecond {
			t.Errorf("the wait ended after %v, before the deadline", waited)
		}
		_, err := c.Read(make([]byte, 1))
		if !errors.Is(err, os.ErrDeadlineExceeded) || classifyError(err) != ClassTimeout {
			t.Errorf("the read after the wait: %v, want a timeout", err)
		}
	})
	t.Run("closed", func(t *testing.T) {
		t.Parallel()
		c := awaitConn(t, func(c net.Conn) { io.ReadFull(c, make([]byte, 4)) })
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.writeAndAwait([]byte("ping")); err != nil {
			t.Fatal(err)
		}
		if n, err := c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
			t.Errorf("read %d, %v; want the end of the connection", n, err)
		}
	})
	t.Run("past its deadline", func(t *testing.T) {
		t.Parallel()
		received := make(chan int, 1)
		c := awaitConn(t, func(c net.Conn) {
			n, _ := io.Copy(io.Discard, c)
			received <- int(n)
		})
		c.SetDeadline(time.Now().Add(-time.Second))
		n, err := c.writeAndAwait([]byte("ping"))
		if n != 0 || classifyError(err) != ClassTimeout {
			t.Errorf("wrote %d, %v; want nothing written, a timeout", n, err)
		}
		c.Close()
		if got := <-received; got != 0 {
			t.Errorf("the server received %d bytes", got)
		}
	})
}

// TestNewConnectionRequestAllocations counts what a visitor's request on
// a connection of its own allocates, dial and close included: writing
// inside the wait takes the socket's RawConn and its callback on the
// stack, so it adds nothing to the dial's and the response's.
func TestNewConnectionRequestAllocations(t *testing.T) { // not parallel: AllocsPerRun needs the process to itself
	if raceDetector {
		t.Skip("the race detector's sync.Pool keeps nothing: allocation counts mean nothing")
	}
	v, steps := stepVisitor(t, rawServer(t, []byte("HTTP/1.1 204 No Content\r\n\r\n")), "http: 1.1", "      - GET /\n")
	visit := func() {
		if res := v.step(&steps[0], nil); res.class != ClassNone {
			t.Fatal(res.class, res.detail, res.err)
		}
		v.client.close() // the visit ends: its connection closes
	}
	visit()
	if allocs := testing.AllocsPerRun(50, visit); allocs > newConnectionAllocs {
		t.Errorf("%v allocations per request on a new connection, want at most %d", allocs, newConnectionAllocs)
	}
}

// newConnectionAllocs is what a visitor's request on a new connection
// allocates, dial and close included (measured; TestDialAllocations
// bounds the dial's share). Storing the socket's RawConn and its
// callback per connection made it 15.
const newConnectionAllocs = 13
