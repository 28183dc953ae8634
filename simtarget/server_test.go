package simtarget

import (
	"crypto/tls"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestServerLifecycle(t *testing.T) {
	t.Parallel()
	s := New(Config{})
	if s.URL() != "" {
		t.Errorf("URL() before Start = %q, want \"\"", s.URL())
	}
	if err := s.Start(); err != nil {
		t.Fatalf("Start() error: %v", err)
	}
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") {
		t.Errorf("URL() = %q, want http://127.0.0.1:PORT", s.URL())
	}
	if err := s.Start(); err == nil || err.Error() != "start sim target: already started" {
		t.Errorf("second Start() error = %v, want \"start sim target: already started\"", err)
	}
	if s.Certificate() != nil || s.RootCAs() != nil {
		t.Errorf("a plain HTTP shop has a certificate")
	}
	s.Close()
	s.Close() // a second Close does nothing
	if err := s.Start(); err == nil || err.Error() != "start sim target: server is closed" {
		t.Errorf("Start() after Close error = %v, want \"start sim target: server is closed\"", err)
	}
	if _, err := http.Get(s.URL() + "/healthz"); err == nil {
		t.Errorf("GET /healthz after Close succeeded, want a connection error")
	}
	New(Config{}).Close() // closing a shop never started does nothing
}

func TestProtocols(t *testing.T) {
	t.Parallel()
	h2c := new(http.Protocols)
	h2c.SetUnencryptedHTTP2(true)
	plain := startShop(t, Config{Service: time.Microsecond})
	tlsShop := startShop(t, Config{Service: time.Microsecond, TLS: true})
	if !strings.HasPrefix(tlsShop.URL(), "https://127.0.0.1:") {
		t.Errorf("URL() of a TLS shop = %q, want https://127.0.0.1:PORT", tlsShop.URL())
	}
	// Each transport gets its own tls.Config: one with HTTP/2 adds "h2"
	// to the NextProtos of the config it is given.
	trusting := func() *tls.Config { return &tls.Config{RootCAs: tlsShop.RootCAs()} }

	tests := []struct {
		name      string
		shop      *Server
		transport *http.Transport
		wantProto string
	}{
		{"http/1.1 with keep-alive", plain, &http.Transport{}, "HTTP/1.1"},
		{"h2c with prior knowledge", plain, &http.Transport{Protocols: h2c}, "HTTP/2.0"},
		{"https http/1.1", tlsShop, &http.Transport{TLSClientConfig: trusting()}, "HTTP/1.1"},
		{"https h2 by alpn", tlsShop, &http.Transport{TLSClientConfig: trusting(), ForceAttemptHTTP2: true}, "HTTP/2.0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			client := &http.Client{Transport: tc.transport}
			t.Cleanup(client.CloseIdleConnections)
			for range 2 { // the second request reuses the connection
				resp, err := client.Get(tc.shop.URL() + "/api/products/1")
				if err != nil {
					t.Fatalf("GET /api/products/1 error: %v", err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || resp.Proto != tc.wantProto {
					t.Errorf("GET /api/products/1 = %d over %s, want 200 over %s", resp.StatusCode, resp.Proto, tc.wantProto)
				}
			}
		})
	}
	if cert := tlsShop.Certificate(); cert == nil || cert.VerifyHostname("127.0.0.1") != nil {
		t.Errorf("Certificate() = %v, want a certificate valid for 127.0.0.1", cert)
	}
}

// startShop starts a shop that the test closes when it ends.
func startShop(t *testing.T, cfg Config) *Server {
	t.Helper()
	s, err := Start(cfg)
	if err != nil {
		t.Fatalf("Start(%v) error: %v", cfg, err)
	}
	t.Cleanup(s.Close)
	return s
}

// get sends GET url and returns the status, headers and body.
func get(t *testing.T, client *http.Client, url string) (code int, header http.Header, body string) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s error: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", url, err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// burst sends n GETs of path at once and returns their statuses, sorted.
// Connections are opened beforehand where the transport keeps them, and
// all requests wait on one signal, so they reach the shop within a few
// milliseconds of each other.
func burst(t *testing.T, s *Server, n int, path string) []int {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n}}
	defer client.CloseIdleConnections()
	var warm sync.WaitGroup
	for range n {
		warm.Go(func() {
			if resp, err := client.Get(s.URL() + "/healthz"); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	warm.Wait()

	start := make(chan struct{})
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			resp, err := client.Get(s.URL() + path)
			if err != nil {
				t.Errorf("GET %s error: %v", path, err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			codes[i] = resp.StatusCode
		})
	}
	close(start)
	wg.Wait()
	slices.Sort(codes)
	return codes
}

// sendMany sends n GETs of path from workers concurrent clients and counts
// the answers by status.
func sendMany(t *testing.T, s *Server, n, workers int, path string) map[int]int {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	defer client.CloseIdleConnections()
	jobs := make(chan struct{}, n)
	for range n {
		jobs <- struct{}{}
	}
	close(jobs)
	var (
		mu    sync.Mutex
		codes = map[int]int{}
		wg    sync.WaitGroup
	)
	for range workers {
		wg.Go(func() {
			for range jobs {
				resp, err := client.Get(s.URL() + path)
				if err != nil {
					t.Errorf("GET %s error: %v", path, err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mu.Lock()
				codes[resp.StatusCode]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return codes
}

// waitFor polls the shop's Stats until cond holds, failing the test after
// ten seconds. It waits for a state, never for a duration, so a slow
// machine makes it slower but not wrong.
func waitFor(t *testing.T, s *Server, what string, cond func(Stats) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := s.Stats()
		if cond(st) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: gave up after 10s; Stats() = %+v", what, st)
		}
		time.Sleep(time.Millisecond)
	}
}
