package loadgen

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
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
	body    []byte
	timeout time.Duration

	// wantSnippet asks for the start of an error response's body, for an
	// error example; the visitor sets it only while examples are wanted.
	wantSnippet bool

	// response
	status  int
	snippet []byte

	// fasthttp buffers owned by the visitor goroutine, reused across its
	// requests whichever client sends them.
	req  *fasthttp.Request
	resp *fasthttp.Response
}

// httpClient sends requests over a set of connections. A visitor that
// models a browser gets its own client (its own connections, closed when
// the visit ends); in shared mode all visitors use one.
type httpClient interface {
	// do sends ex and fills in its response. The body is read to the end
	// and discarded, so the connection can be reused. An error means no
	// complete response arrived.
	do(ex *exchange) error
	// close releases the client's idle connections.
	close()
}

// clientFactory builds the clients of a run.
type clientFactory struct {
	version   scenario.HTTPVersion
	tlsConfig *tls.Config
	userAgent string
	maxConns  int // per host, for shared clients
}

func (f *clientFactory) newClient(shared bool) httpClient {
	conns := 6 // what a browser opens per host
	if shared {
		conns = f.maxConns
	}
	if f.version == scenario.HTTP2 {
		return newStdClient(f, conns)
	}
	return &fastClient{factory: f, conns: conns, shared: shared}
}

// fastClient speaks HTTP/1.1 through fasthttp, which measured about 2.5×
// the request rate of a tuned net/http client on this project's benchmark
// (see DEPENDENCIES.md and bench/). It keeps one fasthttp.HostClient per
// host the visitor talks to.
type fastClient struct {
	factory *clientFactory
	conns   int
	shared  bool

	mu    sync.Mutex // only taken by shared clients
	hosts map[string]*fasthttp.HostClient
}

func (c *fastClient) hostClient(scheme, host string) *fasthttp.HostClient {
	key := scheme + "://" + host
	if c.shared {
		c.mu.Lock()
		defer c.mu.Unlock()
	}
	if hc, ok := c.hosts[key]; ok {
		return hc
	}
	isTLS := scheme == "https"
	addr := host
	if _, _, err := net.SplitHostPort(host); err != nil {
		addr = host + ":80"
		if isTLS {
			addr = host + ":443"
		}
	}
	hc := &fasthttp.HostClient{
		Addr:                          addr,
		IsTLS:                         isTLS,
		TLSConfig:                     c.factory.tlsConfig,
		MaxConns:                      c.conns,
		Name:                          c.factory.userAgent,
		ReadBufferSize:                16 << 10, // real sites send large headers (cookies, CSP)
		MaxIdleConnDuration:           30 * time.Second,
		DisableHeaderNamesNormalizing: true,
		DisablePathNormalizing:        true,
		RetryIfErr:                    retryStaleConnection,
	}
	if c.hosts == nil {
		c.hosts = map[string]*fasthttp.HostClient{}
	}
	c.hosts[key] = hc
	return hc
}

// retryStaleConnection retries a request once when the server closed a
// kept-alive connection before answering, which is how idle connections
// expire and what browsers retry too. Every other failure is the target's
// answer and is counted, never retried. Only idempotent methods are
// retried, as net/http does.
func retryStaleConnection(req *fasthttp.Request, attempts int, err error) (resetTimeout, retry bool) {
	idempotent := req.Header.IsGet() || req.Header.IsHead() || req.Header.IsPut() || req.Header.IsDelete() || req.Header.IsOptions()
	stale := errors.Is(err, io.EOF) || errors.Is(err, fasthttp.ErrConnectionClosed)
	return false, idempotent && stale && attempts == 1
}

func (c *fastClient) do(ex *exchange) error {
	req, resp := ex.req, ex.resp
	req.Reset()
	req.SetRequestURI(ex.url)
	req.Header.SetMethod(ex.method)
	for _, h := range ex.headers {
		if strings.EqualFold(h.Name, "Host") {
			req.Header.SetHost(h.Value)
			continue
		}
		req.Header.Set(h.Name, h.Value)
	}
	if len(ex.body) > 0 {
		req.SetBodyRaw(ex.body)
	}
	uri := req.URI()
	hc := c.hostClient(string(uri.Scheme()), string(uri.Host()))
	err := hc.DoTimeout(req, resp, ex.timeout)
	if err != nil {
		return err
	}
	ex.status = resp.StatusCode()
	ex.snippet = ex.snippet[:0]
	if ex.wantSnippet && ex.status >= 400 {
		b := resp.Body()
		ex.snippet = append(ex.snippet, b[:min(len(b), maxSnippet+8)]...)
	}
	return nil
}

func (c *fastClient) close() {
	if c.shared {
		c.mu.Lock()
		defer c.mu.Unlock()
	}
	for _, hc := range c.hosts {
		hc.CloseIdleConnections()
	}
}

// stdClient speaks HTTP/2 through net/http: over TLS with ALPN for https
// targets, and with prior knowledge (h2c) for http targets.
type stdClient struct {
	transport *http.Transport
	client    *http.Client
	userAgent string
}

func newStdClient(f *clientFactory, conns int) *stdClient {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     f.tlsConfig,
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
	return &stdClient{transport: tr, userAgent: f.userAgent, client: &http.Client{
		Transport: tr,
		// Redirects are the visitor's business, not the transport's.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (c *stdClient) do(ex *exchange) error {
	ctx, cancel := context.WithTimeout(context.Background(), ex.timeout)
	defer cancel()
	var body io.Reader
	if len(ex.body) > 0 {
		body = bytes.NewReader(ex.body)
	}
	req, err := http.NewRequestWithContext(ctx, ex.method, ex.url, body)
	if err != nil {
		return err
	}
	for _, h := range ex.headers {
		if strings.EqualFold(h.Name, "Host") {
			req.Host = h.Value
			continue
		}
		req.Header.Set(h.Name, h.Value)
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return err
	}
	defer resp.Body.Close()
	ex.status = resp.StatusCode
	ex.snippet = ex.snippet[:0]
	if ex.wantSnippet && ex.status >= 400 {
		buf := make([]byte, maxSnippet+8)
		n, _ := io.ReadFull(resp.Body, buf)
		ex.snippet = append(ex.snippet, buf[:n]...)
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	return nil
}

func (c *stdClient) close() { c.transport.CloseIdleConnections() }
