package loadgen

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"syscall"
	"time"
)

// visitorClient is the HTTP/1.1 client of one visitor that has its own
// connections (connection: visitor, and every closed-model visitor): it
// sends one request at a time, over one connection per host, kept alive
// across the visitor's steps and closed when the visit ends.
//
// It does what fasthttp's HostClient would, with fasthttp's own request
// writer and response parser, but holds no buffer while it waits. A
// HostClient pools its read and write buffers per HostClient, and
// sync.Pool keeps one per P: each visitor's client held a 16 KiB reader
// (one per CPU it had run on) and a 4 KiB writer, in flight or not, and
// a goroutine to expire its idle connections. Here the buffers come from
// pools shared by every visitor, the writer only while the request is
// written and the reader only once the answer's first bytes are in
// (head), so a visitor waiting for a slow target holds the 1 KiB head,
// its socket and its goroutine. A slow target with thousands of visitors
// in flight costs that many times less memory (docs/design.md, "A
// visitor's connections").
type visitorClient struct {
	factory *clientFactory
	hosts   hostTable[*visitorHost]
	wire
}

// wire is one request's exchange on a connection: it writes the request,
// reads the answer's head, and hands the body to the exchange. A visitor's
// own client has one; the shared pool's requests borrow one (wires)
// while they are in flight.
type wire struct {
	head   [headRead]byte // the answer's first bytes, read before a reader is taken
	pre    prefixReader   // head's bytes, then the connection's
	reader *bufio.Reader  // from readers while a response is read; nil otherwise
	host   *visitorHost   // the host of the response being read
	out    requestWriter  // what the pooled writer writes the request to
}

// requestWriter is the connection a request is written to. Its last
// bytes (the writer's final flush) go through writeAndAwait where the
// connection has one (ours, on Linux), which returns once the answer
// can be read, so reading it takes one system call, not two.
type requestWriter struct {
	conn  net.Conn
	last  bool          // the next Write carries the request's last bytes
	await answerAwaiter // conn, when it is one; nil otherwise
}

// answerAwaiter is a connection that can write a request's last bytes
// and return once its answer can be read (rawConn.writeAndAwait).
type answerAwaiter interface {
	writeAndAwait(p []byte) (int, error)
}

func (w *requestWriter) Write(p []byte) (int, error) {
	if w.last && w.await != nil {
		return w.await.writeAndAwait(p)
	}
	return w.conn.Write(p)
}

// headRead is how much of an answer is read before a pooled reader is
// taken: most short answers whole (nginx's default page is 850 bytes
// with its headers), so the reader then parses without another read.
const headRead = 1 << 10

// readBufferSize bounds a response's status line and headers: real
// sites send large ones (cookies, CSP). writeBufferSize is fasthttp's
// default; a longer request is written in several pieces.
const (
	readBufferSize  = 16 << 10
	writeBufferSize = 4 << 10
)

// The buffers every visitorClient borrows while it reads or writes.
var (
	readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, readBufferSize) }}
	writers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, writeBufferSize) }}
)

// visitorHost is a connection to one host: a visitor's own, or one of
// the shared pool's (shared), which the dialer opens differently (TCP
// keep-alive probes, pre-opened connections first, a FIN on close).
type visitorHost struct {
	addr   string
	isTLS  bool
	shared bool
	conn   net.Conn  // nil until dialed, and once closed
	set    time.Time // the deadline conn has, reads and writes; zero: none yet
	used   time.Time // when the shared pool last lent it (sharedHost.put)
}

func newVisitorClient(f *clientFactory) *visitorClient {
	return &visitorClient{factory: f}
}

// newVisitorHost is a visitor's connection entry for a host, dialed
// when its first request is sent.
func newVisitorHost(addr string, isTLS bool) *visitorHost {
	return &visitorHost{addr: addr, isTLS: isTLS}
}

func (c *visitorClient) do(ex *exchange) error {
	ex.resetResponse()
	h := ex.built.host
	if !ex.built.holds(c, ex) {
		uri := buildRequest(ex, c.factory.userAgent)
		h = c.hosts.get(uri.Scheme(), uri.Host(), newVisitorHost)
		if ex.static {
			ex.built.client, ex.built.host = c, h
		}
	}
	if err := c.send(c.factory, h, ex); err != nil {
		ex.built = builtRequest{} // build the next request afresh, whatever this one left in req
		return err
	}
	complete, err := ex.takeResponse(ex.resp)
	c.finish(ex, complete)
	return err
}

// send writes ex's request on h's connection, dialing one when it has
// none, and reads the answer's status line and headers; the body is left
// to read (exchange.takeResponse), then finish. A kept-alive connection
// that the server closed before answering is how an idle connection
// expires: an idempotent request then goes once more on a new one, as
// browsers do, and the retry is counted. A new connection's failure is
// the target's answer, never retried.
func (c *wire) send(f *clientFactory, h *visitorHost, ex *exchange) error {
	for retry := false; ; retry = true {
		reused := h.conn != nil
		if !reused && h.shared && !retry {
			// A connection the shared pool opened before the run has
			// idled since, like a kept-alive one: a server may have
			// closed it. A retry takes a new one.
			if conn := f.dialer.takeWarm(h.addr); conn != nil {
				h.conn, h.set, reused = conn, time.Time{}, true
			}
		}
		if !reused {
			conn, err := f.dialer.dialNew(context.Background(), h.addr, max(time.Until(ex.deadline), time.Nanosecond), h.isTLS, h.shared, nil)
			if err != nil {
				return err
			}
			h.conn, h.set = conn, time.Time{}
		}
		answered, err := c.roundTrip(h, ex)
		if err == nil {
			return nil
		}
		h.close()
		if answered || !reused || !idempotent(ex.method) || !closedBeforeAnswer(err) {
			return err
		}
		f.retries.Add(1)
	}
}

// closedBeforeAnswer reports whether err says the server closed the
// connection, or reset it, before a byte of the answer came.
func closedBeforeAnswer(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// errClosedBeforeAnswer is what a request gets when its connection
// closes before the answer's first byte (and no retry is due).
var errClosedBeforeAnswer = errors.New("the server closed the connection before answering")

// roundTrip writes the request and reads the answer's head. answered
// says whether any byte of the answer came before an error.
func (c *wire) roundTrip(h *visitorHost, ex *exchange) (answered bool, err error) {
	req, resp := ex.req, ex.resp
	if err := h.extend(ex.deadline, ex.timeout/deadlineSlack); err != nil {
		return false, err
	}
	c.out = requestWriter{conn: h.conn}
	c.out.await, _ = h.conn.(answerAwaiter)
	bw := writers.Get().(*bufio.Writer)
	bw.Reset(&c.out)
	err = req.Write(bw)
	if err == nil {
		c.out.last = true
		err = bw.Flush()
	}
	bw.Reset(nil)
	writers.Put(bw)
	c.out = requestWriter{}
	if err != nil {
		return false, err
	}

	// Wait for the answer holding no reader: most of a visitor's time in
	// flight is spent here.
	n, err := h.conn.Read(c.head[:])
	if n == 0 {
		if err == io.EOF {
			err = fmt.Errorf("%w: %w", errClosedBeforeAnswer, io.EOF)
		}
		return false, cmp.Or(err, io.ErrNoProgress)
	}
	c.pre = prefixReader{buf: c.head[:n], r: h.conn}
	c.reader = readers.Get().(*bufio.Reader)
	c.reader.Reset(&c.pre)
	c.host = h
	resp.Reset()
	resp.StreamBody = true
	resp.SkipBody = req.Header.IsHead()
	if err := resp.Read(c.reader); err != nil {
		c.release()
		return true, err
	}
	return true, nil
}

// finish ends the response that send read the head of: the body stream
// and the reader go back to their pools, and the connection stays open
// for the next request only when the body was read to its end,
// neither side asked to close, and nothing came after the answer.
func (c *wire) finish(ex *exchange, complete bool) {
	h := c.host
	ex.resp.CloseBodyStream()
	leftover := c.reader.Buffered() > 0 || c.pre.pending()
	c.release()
	if !complete || leftover || ex.resp.ConnectionClose() || ex.req.ConnectionClose() {
		h.close()
	}
}

// release gives the reader back and forgets the response's connection.
func (c *wire) release() {
	c.reader.Reset(nil)
	readers.Put(c.reader)
	c.reader, c.host = nil, nil
	c.pre = prefixReader{}
}

// close closes the visitor's connections: its visit ended.
func (c *visitorClient) close() { c.hosts.each((*visitorHost).close) }

func (h *visitorHost) close() {
	if h.conn != nil {
		h.conn.Close()
		h.conn = nil
	}
}

// deadlineSlack is the share of a request's timeout that its deadline
// may fall late: 1/64, 78ms of the default 5s timeout.
const deadlineSlack = 64

// extend gives the socket deadline d, unless the one it has already
// falls from d to slack past it; then it sets d plus slack, so the
// requests that follow keep it for a while. Setting a deadline moves a
// runtime timer, a cost a generator running flat out on one core
// notices (docs/design.md, "Request deadlines"): a connection busy with
// one request after another moves its timer once per slack instead of
// twice per request, and a request times out at its deadline or up to
// slack later, never sooner. The deadline bounds the request's write,
// and the read of its answer and body.
func (h *visitorHost) extend(d time.Time, slack time.Duration) error {
	if !h.set.Before(d) && h.set.Sub(d) <= slack {
		return nil
	}
	h.set = d.Add(slack)
	return h.conn.SetDeadline(h.set)
}

// prefixReader reads buf, then r.
type prefixReader struct {
	buf []byte
	r   io.Reader
}

func (p *prefixReader) Read(b []byte) (int, error) {
	if len(p.buf) > 0 {
		n := copy(b, p.buf)
		p.buf = p.buf[n:]
		return n, nil
	}
	return p.r.Read(b)
}

// pending reports whether bytes of buf are still unread.
func (p *prefixReader) pending() bool { return len(p.buf) > 0 }
