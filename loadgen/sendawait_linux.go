package loadgen

import (
	"syscall"
)

// awaitState is what writeAndAwait hands its poller callback: the bytes
// to write, how many went, and the write's error.
type awaitState struct {
	pending []byte
	sent    int
	err     error
}

// writeAndAwait writes p, a request's last bytes, and returns once the
// socket has something to read (its answer, a close, an error) or the
// read deadline passed, so that the read that follows finds the answer
// there instead of a read finding nothing first: one system call less a
// request, about a twentieth of a closed-model run's CPU.
//
// A plain write then a wait would miss a quick answer: before it parks,
// Go's poller forgets any readiness the socket had, and an answer that
// came between the write and the wait would never be seen. Here the
// write happens inside the wait (syscall.RawConn.Read runs its callback
// after that reset and before parking), so the answer can only come
// after it and always wakes the wait.
//
// What the socket's buffer does not take at once goes as any write does,
// and then the read that follows waits as it would have. A failed wait
// (the deadline, a close) is left to that read to report.
func (c *rawConn) writeAndAwait(p []byte) (int, error) {
	a := &c.await
	sys, err := c.file.SyscallConn() // on the stack, as the callback: nothing allocated
	if err != nil {
		return c.Write(p)
	}
	a.pending, a.sent, a.err = p, 0, nil
	_ = sys.Read(c.awaitStep) // a failed wait: the read that follows says why
	n := a.sent
	err = a.err
	a.pending, a.err = nil, nil
	switch {
	case err != nil && err != syscall.EAGAIN:
		return n, c.opError("write", err)
	case n < len(p): // the socket's buffer is full, or the wait failed before writing
		m, err := c.Write(p[n:])
		return n + m, err
	}
	return n, nil
}

// awaitStep is writeAndAwait's callback: on its first call it writes
// and asks to wait (false); called again, the socket is readable.
func (c *rawConn) awaitStep(fd uintptr) bool {
	a := &c.await
	if a.sent == len(a.pending) || a.err != nil {
		return true
	}
	for a.sent < len(a.pending) {
		n, err := syscall.Write(int(fd), a.pending[a.sent:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			a.err = err
			return true
		}
		a.sent += n
	}
	return false
}
