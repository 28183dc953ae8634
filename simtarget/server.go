package simtarget

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Server is a simulated shop listening on a real TCP port of 127.0.0.1.
// Like httptest.Server, it is made with New and started with Start (or
// both at once with the package function Start), and stopped with Close.
type Server struct {
	cfg     Config // defaults applied
	mux     *http.ServeMux
	shop    *shop
	stats   counters
	seq     atomic.Uint64 // numbers the requests that reach the capacity model
	workers chan struct{} // a semaphore: one element per request in service

	mu       sync.Mutex // guards the fields below and the Add side of handlers
	srv      *http.Server
	url      string
	started  time.Time // freezes are timed from here (monotonic clock)
	closed   bool
	cancel   context.CancelFunc
	handlers sync.WaitGroup // requests inside ServeHTTP, so Close can wait for them
	served   chan struct{}  // closed when srv.Serve has returned
	cert     *x509.Certificate
}

// New returns a shop with the knobs of cfg, not yet listening. cfg is
// checked by Start.
func New(cfg Config) *Server {
	s := &Server{cfg: cfg.withDefaults()}
	s.stats.routes = make(map[string]*atomic.Int64)
	s.shop = newShop(&s.stats)
	s.mux = s.shop.routes(func(pattern string) { s.stats.routes[pattern] = new(atomic.Int64) })
	return s
}

// Start is New followed by Server.Start.
func Start(cfg Config) (*Server, error) {
	s := New(cfg)
	if err := s.Start(); err != nil {
		return nil, err
	}
	return s, nil
}

// Start checks the Config, listens on a random port of 127.0.0.1 and starts
// serving in the background. It serves HTTP/1.1 with keep-alive and
// unencrypted HTTP/2 (h2c with prior knowledge); with Config.TLS, HTTPS
// with HTTP/1.1 and HTTP/2 negotiated by ALPN instead.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return errors.New("start sim target: server is closed")
	case s.srv != nil:
		return errors.New("start sim target: already started")
	}
	if err := s.cfg.validate(); err != nil {
		return fmt.Errorf("start sim target: %w", err)
	}
	s.workers = make(chan struct{}, s.cfg.Workers)

	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	scheme := "http"
	var tlsConfig *tls.Config
	if s.cfg.TLS {
		cert, err := selfSigned()
		if err != nil {
			return fmt.Errorf("start sim target: %w", err)
		}
		s.cert = cert.Leaf
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		protocols.SetHTTP2(true)
		scheme = "https"
	} else {
		protocols.SetUnencryptedHTTP2(true)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("start sim target: listen on 127.0.0.1: %w", err)
	}
	// Every request context derives from ctx, so Close can end the wait
	// of every queued or stalled request at once.
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.srv = &http.Server{
		Handler:           http.HandlerFunc(s.serveHTTP),
		Protocols:         protocols,
		TLSConfig:         tlsConfig,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		// A library never logs; the load tester sees failures as its own
		// errors, so the server's complaints about them are noise.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	s.url = scheme + "://" + ln.Addr().String()
	s.started = time.Now()
	s.served = make(chan struct{})
	go func() {
		defer close(s.served)
		if s.cfg.TLS {
			_ = s.srv.ServeTLS(ln, "", "")
		} else {
			_ = s.srv.Serve(ln)
		}
	}()
	return nil
}

// URL is the base URL of the shop, such as "http://127.0.0.1:41234", or ""
// before Start.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// Close stops the listener, closes every connection, ends every request in
// the queue or in service (they count as Canceled) and returns when all
// request handlers have returned. It does not wait for service times or
// freezes to run out. Calling it again, or on a Server never started, does
// nothing.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	if s.srv == nil {
		return
	}
	s.cancel()
	_ = s.srv.Close()
	<-s.served
	s.handlers.Wait()
}

// Stats returns a snapshot of the shop's counters.
func (s *Server) Stats() Stats {
	return s.stats.snapshot()
}

// Certificate returns the self-signed certificate of a TLS shop, or nil if
// the shop serves plain HTTP or has not started.
func (s *Server) Certificate() *x509.Certificate {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cert
}

// RootCAs returns a pool holding only Certificate, for a client's
// tls.Config.RootCAs, or nil if the shop serves plain HTTP or has not
// started.
func (s *Server) RootCAs() *x509.CertPool {
	cert := s.Certificate()
	if cert == nil {
		return nil
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}

// serveHTTP is the outermost handler: it counts the route, lets GET
// /healthz past the capacity model and sends everything else through it
// before the shop answers.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.enter() {
		writePage(w, http.StatusServiceUnavailable, "The shop is closing.")
		return
	}
	defer s.handlers.Done()

	_, pattern := s.mux.Handler(r)
	s.stats.countRoute(pattern)
	if pattern == healthPattern {
		s.stats.health.Add(1)
	} else if !s.shape(w, r) {
		return
	}
	s.mux.ServeHTTP(w, r)
}

// enter registers a running handler unless Close has begun. Taking the
// lock makes handlers.Add and Close's handlers.Wait never race, which
// sync.WaitGroup forbids.
func (s *Server) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.handlers.Add(1)
	return true
}
