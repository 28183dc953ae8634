package loadgen

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/liftoff/liftoff/scenario"
)

// exchange is one request and what came back. A visitor reuses one
// exchange for all its steps, so sending allocates as little as it can.
type exchange struct {
	// request
	method  string
	url     string // absolute
	headers []scenario.Header
	cookie  string // the Cookie header: the step's own cookies, then the jar's for this URL
	body    []byte
	timeout time.Duration // what is left of the step's timeout
	// deadline is when the step's timeout ends: a visitorClient sets it
	// on the socket itself.
	deadline time.Time

	// what the visitor needs back
	wantBody       bool     // keep the response body in respBody
	maxBody        int      // when wantBody: the most of it to keep (the step's max_body)
	captureHeaders []string // copy these response headers into headerValues
	// wantSnippet asks for the start of an error response's body, for an
	// error example; the visitor sets it only while examples are wanted.
	wantSnippet bool

	// response
	status       int
	respBody     []byte   // when wantBody, or the snippet's bytes; valid until the next request
	bodyTooLarge bool     // when wantBody: the body was longer than maxBody, and respBody holds its start
	snippet      []byte   // when wantSnippet and the status is 4xx or 5xx: the start of the body
	location     string   // the Location header of a 3xx
	setCookies   []string // Set-Cookie headers
	headerValues []string // one per captureHeaders name; "" when absent

	// fasthttp buffers owned by the visitor goroutine, reused across its
	// requests whichever client sends them.
	req  *fasthttp.Request
	resp *fasthttp.Response

	// static is set (build) while the request's method, URL, headers and
	// body are values that never change once made: a static step's own,
	// and what a redirect makes of them. Comparing them by identity then
	// tells whether req, as built for the last request, is this one.
	static bool
	built  builtRequest // what req holds, when static: the client sends it again as it is
}

// builtRequest is what a visitor's fasthttp request was built from, by
// which client, and where that client sends it. A looping visitor sends
// the same static step again and again; rebuilding the request each time
// (reset, set the URL, parse it again, set each header) took about 4% of
// a closed-model run's CPU, for the same bytes.
type builtRequest struct {
	client      httpClient
	pool        *sharedHost  // a sharedClient's
	host        *visitorHost // a visitorClient's
	method, url string
	cookie      string
	headers     []scenario.Header
	body        []byte
}

// holds reports whether b is ex's request as c would build it.
func (b *builtRequest) holds(c httpClient, ex *exchange) bool {
	return ex.static && b.client == c && b.method == ex.method && b.url == ex.url && b.cookie == ex.cookie &&
		sameArray(b.headers, ex.headers) && sameArray(b.body, ex.body)
}

// sameArray reports whether a and b are the same elements of the same
// array (not merely equal ones).
func sameArray[T any](a, b []T) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// snippetRead is how much of an error response's body is read for an
// error example: far more than the example shows, so that a secret the
// target echoes is redacted whole before the example is cut.
const snippetRead = 4 << 10

// resetResponse clears the last response before a request.
func (ex *exchange) resetResponse() {
	ex.status = 0
	ex.respBody = ex.respBody[:0]
	ex.bodyTooLarge = false
	ex.snippet = nil
	ex.location = ""
	ex.setCookies = ex.setCookies[:0]
	ex.headerValues = ex.headerValues[:0]
}

// httpClient sends requests over a set of connections. A visitor that
// models a browser gets its own client (its own connections, closed when
// the visit ends); in shared mode all visitors use one.
type httpClient interface {
	// do sends ex and fills in its response. The body is streamed: read to
	// its end and discarded, so the connection can be reused, except for
	// what ex asks to keep (readBody). An error means no complete response
	// arrived.
	do(ex *exchange) error
	// close releases the client's idle connections.
	close()
}

// clientFactory builds the clients of a run.
type clientFactory struct {
	version   scenario.HTTPVersion
	tlsConfig *tls.Config
	userAgent string
	// maxConns bounds a shared client's connections per host: open-model
	// visitors (max_concurrency) plus the largest closed-model phase,
	// because a phase's last visitors may overlap the next phase's.
	maxConns int
	// dialer opens every connection and times its setup.
	dialer *dialer
	// retries counts requests sent a second time (a kept-alive
	// connection closed before answering, wire.send, and HTTP/2 refusals
	// in stdClient.do).
	retries atomic.Int64
}

func (f *clientFactory) newClient(shared bool) httpClient {
	conns := 6 // what a browser opens per host
	if shared {
		conns = f.maxConns
	}
	switch {
	case f.version == scenario.HTTP2:
		return newStdClient(f, conns, shared)
	case shared:
		return newSharedClient(f, conns)
	}
	return newVisitorClient(f)
}

// hostAddr is the address of a URL's host: with its port, or the
// scheme's.
func hostAddr(host []byte, isTLS bool) string {
	addr := string(host)
	if _, _, err := net.SplitHostPort(addr); err != nil {
		if isTLS {
			return addr + ":443"
		}
		return addr + ":80"
	}
	return addr
}

// hostTable is an HTTP/1.1 client's entry per host it sends to (a
// visitor's connection, the shared pool's connections), http and https
// apart. Lookups index the maps with string(bytes), which Go does without
// allocating, so the common case (the target's host, again) costs no
// garbage.
type hostTable[T any] struct {
	plain, tls map[string]T
}

// get returns the entry for a URL's scheme and host, made by open the
// first time.
func (t *hostTable[T]) get(scheme, host []byte, open func(addr string, isTLS bool) T) T {
	isTLS := string(scheme) == "https"
	m := &t.plain
	if isTLS {
		m = &t.tls
	}
	if v, ok := (*m)[string(host)]; ok {
		return v
	}
	v := open(hostAddr(host, isTLS), isTLS)
	if *m == nil {
		*m = map[string]T{}
	}
	(*m)[string(host)] = v
	return v
}

// each calls f with every entry.
func (t *hostTable[T]) each(f func(T)) {
	for _, v := range t.plain {
		f(v)
	}
	for _, v := range t.tls {
		f(v)
	}
}

// idempotent reports whether a request with this method may be sent twice
// (RFC 9110, section 9.2.2).
func idempotent[S ~string | ~[]byte](method S) bool {
	switch string(method) {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions, http.MethodTrace:
		return true
	}
	return false
}

// buildRequest makes ex's fasthttp request anew, with userAgent unless
// the step sets its own, and returns its URL. It remembers what it built
// from when that never changes (exchange.static), for the client to note
// where it sent it: the next request the same can be sent as it is.
func buildRequest(ex *exchange, userAgent string) *fasthttp.URI {
	req := ex.req
	req.Reset()
	req.SetRequestURI(ex.url)
	req.Header.SetMethod(ex.method)
	for _, h := range ex.headers {
		switch {
		case strings.EqualFold(h.Name, "Host"):
			req.Header.SetHost(h.Value)
			req.UseHostHeader = true // else fasthttp writes the URL's host
		case !strings.EqualFold(h.Name, "Cookie"): // ex.cookie holds the step's own cookies too
			req.Header.Set(h.Name, h.Value)
		}
	}
	if ex.cookie != "" {
		req.Header.Set("Cookie", ex.cookie)
	}
	if len(ex.body) > 0 {
		req.SetBodyRaw(ex.body)
	}
	if userAgent != "" && len(req.Header.UserAgent()) == 0 {
		req.Header.SetUserAgent(userAgent)
	}
	uri := req.URI()
	uri.DisablePathNormalizing = true // the step's path goes as written
	if len(uri.Username()) > 0 && req.Header.Peek("Authorization") != nil {
		// fasthttp would replace the step's own header with the URL's
		// user:password; the explicit header wins, as in net/http.
		uri.SetUsername("")
		uri.SetPassword("")
	}
	ex.built = builtRequest{}
	if ex.static {
		ex.built = builtRequest{method: ex.method, url: ex.url, cookie: ex.cookie, headers: ex.headers, body: ex.body}
	}
	return uri
}

// takeResponse copies from resp what the visitor needs (status,
// Location, Set-Cookie, captured headers) and reads its body (readBody).
// complete says whether the body was read to its end, so that its
// connection may carry another request; a body longer than the step
// keeps is not, and fails the step's checks, not the request.
func (ex *exchange) takeResponse(resp *fasthttp.Response) (complete bool, err error) {
	ex.status = resp.StatusCode()
	if ex.status >= 300 && ex.status < 400 {
		ex.location = string(resp.Header.Peek("Location"))
	}
	for _, v := range resp.Header.Cookies() {
		ex.setCookies = append(ex.setCookies, string(v))
	}
	for _, name := range ex.captureHeaders {
		ex.headerValues = append(ex.headerValues, string(resp.Header.Peek(name)))
	}
	body := resp.BodyStream()
	if body == nil { // HEAD, 204 and 304 have none
		return true, nil
	}
	if err := ex.readBody(body); err != nil {
		return false, err
	}
	return !ex.bodyTooLarge, nil
}

// stdClient speaks HTTP/2 through net/http: over TLS with ALPN for https
// targets, and with prior knowledge (h2c) for http targets.
type stdClient struct {
	transport *http.Transport
	client    *http.Client
	userAgent string
	retries   *atomic.Int64 // the factory's count
}

// newStdClient returns a client with its own transport. A transport writes
// its ALPN protocols into its TLS config, so each gets its own copy:
// visitors' transports never race on the caller's config. The run's
// dialer opens its connections, TLS included, so their setup is timed.
func newStdClient(f *clientFactory, conns int, shared bool) *stdClient {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         dialUnlessRefused(f.dialer, false, shared, nil),
		DialTLSContext:      dialUnlessRefused(f.dialer, true, shared, h2ALPN),
		TLSClientConfig:     f.tlsConfig.Clone(),
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   true,
		TLSHandshakeTimeout: 10 * time.Second,
	}
	tr.Protocols = new(http.Protocols)
	tr.Protocols.SetHTTP2(true)
	tr.Protocols.SetUnencryptedHTTP2(true)
	return &stdClient{transport: tr, userAgent: f.userAgent, retries: &f.retries, client: &http.Client{
		Transport: tr,
		// Redirects are the visitor's business, not the transport's.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (c *stdClient) do(ex *exchange) error {
	ex.resetResponse()
	ctx, cancel := context.WithTimeout(context.Background(), ex.timeout)
	defer cancel()
	ctx, refuse := context.WithCancelCause(ctx)
	defer refuse(nil)
	ctx = c.boundRetries(ctx, ex.method, refuse)
	var body io.Reader
	if len(ex.body) > 0 {
		body = bytes.NewReader(ex.body)
	}
	req, err := http.NewRequestWithContext(ctx, ex.method, ex.url, body)
	if err != nil {
		return err
	}
	for _, h := range ex.headers {
		switch {
		case strings.EqualFold(h.Name, "Host"):
			req.Host = h.Value
		case !strings.EqualFold(h.Name, "Cookie"): // ex.cookie holds the step's own cookies too
			req.Header.Set(h.Name, h.Value)
		}
	}
	if ex.cookie != "" {
		req.Header.Set("Cookie", ex.cookie)
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		if cause := context.Cause(ctx); errors.Is(cause, errHTTP2Refused) {
			return cause
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return err
	}
	defer resp.Body.Close() // without reading on after a body too large: that resets the stream
	ex.status = resp.StatusCode
	if ex.status >= 300 && ex.status < 400 {
		ex.location = resp.Header.Get("Location")
	}
	ex.setCookies = append(ex.setCookies, resp.Header.Values("Set-Cookie")...)
	for _, name := range ex.captureHeaders {
		ex.headerValues = append(ex.headerValues, resp.Header.Get(name))
	}
	return ex.readBody(resp.Body)
}

func (c *stdClient) close() { c.transport.CloseIdleConnections() }

// h2ALPN is what an HTTP/2 client offers in its TLS handshake.
var h2ALPN = []string{"h2", "http/1.1"}

// errHTTP2Refused marks a request the target refused at the HTTP/2 level
// more often than liftoff retries it.
var errHTTP2Refused = errors.New("the target refused the request on HTTP/2 (GOAWAY or REFUSED_STREAM)")

// boundRetries bounds what net/http does when an HTTP/2 target refuses a
// request. On its own it retries a request refused by GOAWAY on a new
// connection, and again, without limit: one request against a target
// that sends GOAWAY to every connection opened thousands of connections
// until its timeout, a storm against a target that is already refusing.
// It retries REFUSED_STREAM up to six times with pauses of 1s, 2s, 4s…
// Neither can be configured, but each attempt asks for a connection
// (GetConn) and is given one (GotConn): the trace counts them and cancels
// the request, with errHTTP2Refused as the cause, before a third attempt
// of an idempotent request or a second one of any other. net/http lets a
// dial it started finish after its request is cancelled, so the dialer
// (dialUnlessRefused) opens nothing for a request stopped this way. After
// a second REFUSED_STREAM, net/http pauses a second before the attempt
// that is cancelled. The one retry is counted.
func (c *stdClient) boundRetries(ctx context.Context, method string, refuse context.CancelCauseFunc) context.Context {
	tries := int64(1)
	if idempotent(method) {
		tries = 2
	}
	a := &attempts{}
	stop := func() {
		a.stopped.Store(true)
		if tries == 1 {
			refuse(fmt.Errorf("%w; a %s is not sent twice", errHTTP2Refused, method))
			return
		}
		refuse(fmt.Errorf("%w, and again when retried once", errHTTP2Refused))
	}
	ctx = context.WithValue(ctx, attemptsKey{}, a)
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GetConn: func(string) {
			if a.got.Load() >= tries {
				stop()
			}
		},
		GotConn: func(httptrace.GotConnInfo) {
			switch n := a.got.Add(1); {
			case n > tries:
				stop()
			case n > 1:
				c.retries.Add(1)
			}
		},
	})
}

// attempts are one request's tries at a connection (boundRetries).
type attempts struct {
	got     atomic.Int64
	stopped atomic.Bool
}

type attemptsKey struct{}

// dialUnlessRefused dials for a request, through the run's dialer, unless
// boundRetries stopped it; the dial's context keeps the request's values,
// not its cancellation.
func dialUnlessRefused(d *dialer, isTLS, shared bool, alpn []string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, _, addr string) (net.Conn, error) {
		if a, ok := ctx.Value(attemptsKey{}).(*attempts); ok && a.stopped.Load() {
			return nil, errHTTP2Refused
		}
		return d.dial(ctx, addr, untilDeadline(ctx), isTLS, shared, alpn)
	}
}

// readBody reads a response body to its end and keeps only what the
// visitor asks for: up to maxBody bytes for checks and captures, or the
// start of an error response for an example. It reads one byte past
// maxBody, so that a body of exactly maxBody is not too large, and stops
// there: the caller closes the connection instead of reading the rest.
// Everything else is discarded as it arrives, through io.Discard's pooled
// buffer, so memory does not grow with the body.
func (ex *exchange) readBody(body io.Reader) error {
	keep := 0
	switch {
	case ex.wantBody:
		keep = ex.maxBody + 1
	case ex.wantSnippet && ex.status >= 400:
		keep = snippetRead
	}
	if keep > 0 {
		var err error
		if ex.respBody, err = readPrefix(ex.respBody[:0], body, keep); err != nil {
			return err
		}
		if ex.wantSnippet && ex.status >= 400 {
			ex.snippet = ex.respBody[:min(len(ex.respBody), snippetRead)]
		}
		if ex.wantBody && len(ex.respBody) > ex.maxBody {
			ex.respBody, ex.bodyTooLarge = ex.respBody[:ex.maxBody], true
			return nil
		}
	}
	_, err := io.Copy(io.Discard, body)
	return err
}

// readPrefix appends to buf what r yields until r ends or buf holds limit
// bytes. buf grows as the body does, so a small body costs a small
// buffer; a visitor reuses it for its next request.
func readPrefix(buf []byte, r io.Reader, limit int) ([]byte, error) {
	for len(buf) < limit {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):min(cap(buf), limit)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}
