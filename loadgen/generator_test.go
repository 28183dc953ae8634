package loadgen

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/liftoff/liftoff/scenario"
	"github.com/liftoff/liftoff/simtarget"
)

// load parses a scenario written for a test, pointed at target.
func load(t *testing.T, target, body string) *scenario.Scenario {
	t.Helper()
	src := "name: test\ntarget: " + target + "\n" + body
	sc, err := scenario.Parse(strings.NewReader(src), "test.yaml", scenario.Options{})
	if err != nil {
		t.Fatalf("scenario:\n%s\n%v", src, err)
	}
	return sc
}

func runScenario(t *testing.T, sc *scenario.Scenario, cfg Config) *Results {
	t.Helper()
	res, err := New(cfg).Run(t.Context(), sc)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}

func okServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestAchievedRateMatchesPlan drives a fast loopback target at a fixed
// uniform rate and checks counts, not wall time: every planned arrival
// started and sent its requests.
func TestAchievedRateMatchesPlan(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	sc := load(t, srv.URL, `traffic:
  arrivals: uniform
  phases: [ { duration: 2s, rate: 400/s } ]
journeys:
  - name: browse
    steps: [ GET /, GET /next ]
`)
	res := runScenario(t, sc, Config{})
	const planned = 800
	if res.Arrivals.Missed != 0 {
		t.Errorf("missed %d arrivals against a fast target", res.Arrivals.Missed)
	}
	if got := res.Arrivals.Started; got < planned*99/100 || got > planned {
		t.Errorf("started %d visitors, want %d within 1%%", got, planned)
	}
	if got, want := res.Requests, int64(2*planned); got < want*99/100 || got > want {
		t.Errorf("sent %d requests, want %d within 1%%", got, want)
	}
	if res.Errors != 0 {
		t.Errorf("%d errors: %v", res.Errors, res.Examples)
	}
	if got := res.Arrivals.Planned; got != planned {
		t.Errorf("Arrivals.Planned = %v, want %d", got, planned)
	}
	if res.Arrivals.Completed != res.Arrivals.Started {
		t.Errorf("completed %d of %d visits", res.Arrivals.Completed, res.Arrivals.Started)
	}
	if n := res.Lag.Count(); n != res.Requests {
		t.Errorf("lag recorded for %d of %d open-model requests", n, res.Requests)
	}
}

// TestStallShowsInTheTail freezes the target for 1s every 5s while the
// generator keeps sending at a fixed rate: the requests caught in the
// freeze wait for it, and because latency is measured from the intended
// send time, the p99 shows hundreds of milliseconds while the p50 does
// not.
func TestStallShowsInTheTail(t *testing.T) {
	t.Parallel()
	shop := startShop(t, simtarget.Config{Workers: 64, Service: 2 * time.Millisecond, Spread: -1, StallEvery: 5 * time.Second, StallFor: time.Second})
	sc := load(t, shop.URL(), `traffic:
  arrivals: uniform
  max_concurrency: 1000
  phases: [ { duration: 10s, rate: 100/s } ]
journeys:
  - name: browse
    steps: [ GET /api/products/1 ]
`)
	res := runScenario(t, sc, Config{})
	all := res.Keys[0].Latency
	if p99 := all.Percentile(99); p99 < 500*time.Millisecond {
		t.Errorf("p99 = %v, want at least 500ms: a tenth of the requests waited out a 1s freeze", p99)
	}
	if p50 := all.Percentile(50); p50 > 100*time.Millisecond {
		t.Errorf("p50 = %v, want the unstalled service time (a few ms)", p50)
	}
	if res.Errors != 0 {
		t.Errorf("%d errors: %v", res.Errors, res.Examples)
	}
}

// TestErrorClasses makes a real target fail in each way a transport can
// see and checks each failure lands in its class.
func TestErrorClasses(t *testing.T) {
	t.Parallel()
	closed := httptest.NewServer(http.NotFoundHandler())
	refusedURL := closed.URL
	closed.Close() // nothing listens on this port any more

	mux := http.NewServeMux()
	mux.HandleFunc("/500", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		fmt.Fprint(w, "<html><body><h1>Internal   Server\nError</h1></body></html>")
	})
	mux.HandleFunc("/404", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/reset", func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.(*net.TCPConn).SetLinger(0) // RST instead of FIN
			conn.Close()
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	tlsSrv := httptest.NewUnstartedServer(http.NotFoundHandler())
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake failures are the point
	tlsSrv.StartTLS()                                   // its certificate is not trusted
	t.Cleanup(tlsSrv.Close)

	tests := []struct {
		name   string
		target string
		path   string
		want   ErrorClass
		inMsg  string
	}{
		{"refused", refusedURL, "/", ClassRefused, "refused"},
		{"5xx", srv.URL, "/500", ClassStatus5xx, "status 500: <html><body><h1>Internal Server Error</h1></body></html>"},
		{"4xx", srv.URL, "/404", ClassStatus4xx, "status 404"},
		{"timeout", srv.URL, "/slow", ClassTimeout, "timeout"},
		{"reset", srv.URL, "/reset", ClassReset, ""},
		{"tls", tlsSrv.URL, "/", ClassTLS, "certificate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// Only the timeout case wants its requests to time out: the
			// others get a limit no busy machine reaches on loopback.
			timeout := "5s"
			if tc.want == ClassTimeout {
				timeout = "200ms"
			}
			sc := load(t, tc.target, `defaults: { timeout: `+timeout+` }
traffic:
  arrivals: uniform
  phases: [ { duration: 1s, rate: 5/s } ]
journeys:
  - name: j
    steps: [ GET `+tc.path+`, GET /never ]
`)
			res := runScenario(t, sc, Config{})
			if got := res.Classes.Of(tc.want); got != 5 || res.Errors != 5 {
				t.Fatalf("class %s: %d, errors %d, want 5 of 5 (classes %v, examples %q)", tc.want, got, res.Errors, res.Classes, res.Examples)
			}
			// A failed step ends the visit: the second step never ran.
			if res.Requests != 5 || res.Journeys[0].Failed != 5 {
				t.Errorf("requests %d, failed visits %d; want 5 and 5", res.Requests, res.Journeys[0].Failed)
			}
			if ex := res.Examples[tc.want]; len(ex) == 0 || !strings.Contains(ex[0], tc.inMsg) {
				t.Errorf("examples of %s = %q, want one containing %q", tc.want, ex, tc.inMsg)
			}
			// Latency describes successful requests; failures are timed
			// apart, per class.
			if n := res.Keys[0].Latency.Count(); n != 0 {
				t.Errorf("%d failed requests in the latency histogram, want none", n)
			}
			if n := res.Failures[tc.want].Service.Count(); n != 5 {
				t.Errorf("%d requests timed in class %s, want 5", n, tc.want)
			}
		})
	}
}

func TestInterruptReturnsPartialResults(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	sc := load(t, srv.URL, `traffic:
  phases: [ { duration: 10m, rate: 50/s } ]
journeys:
  - name: j
    steps: [ GET / ]
`)
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(500*time.Millisecond, cancel)
	res, err := New(Config{Grace: time.Second}).Run(ctx, sc)
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("Run error = %v, want ErrInterrupted", err)
	}
	if !res.Interrupted || res.Requests == 0 {
		t.Fatalf("partial results: interrupted %v, %d requests; want interrupted with requests", res.Interrupted, res.Requests)
	}
	if res.Arrivals.Planned > 200 {
		t.Errorf("Arrivals.Planned = %v, want only the part of the plan that ran", res.Arrivals.Planned)
	}
}

// TestClosedModel runs looping visitors: no schedule, so no lag and no
// arrivals, and each visitor keeps its connection across its visits.
func TestClosedModel(t *testing.T) {
	t.Parallel()
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	sc := load(t, srv.URL, `traffic:
  phases: [ { duration: 500ms, concurrency: 4 } ]
journeys:
  - name: j
    steps: [ GET /, GET /again ]
`)
	res := runScenario(t, sc, Config{})
	if res.Requests < 40 || res.Errors != 0 {
		t.Fatalf("requests %d errors %d, want many requests and no errors", res.Requests, res.Errors)
	}
	if res.Lag.Count() != 0 || res.Arrivals.Started != 0 {
		t.Errorf("closed model recorded lag %d and arrivals %d; want none", res.Lag.Count(), res.Arrivals.Started)
	}
	if got := conns.Load(); got != 4 {
		t.Errorf("server saw %d connections, want 4: one per looping visitor", got)
	}
}

// TestConnectionModes counts the target's connections: each open-model
// visitor opens its own, like a new browser; shared mode pools them. Over
// TLS as well as plain HTTP/1.1.
func TestConnectionModes(t *testing.T) {
	t.Parallel()
	// How many connections the shared pool opens depends on how many
	// requests overlap, and on a busy machine (CI under -race, a TLS
	// handshake taking longer than the 50 ms between arrivals) they may
	// overlap several deep: a fixed small bound failed there with 7. What
	// tells the modes apart is that shared mode lends one visitor's
	// connection to another, so it opens fewer than one per visitor.
	pooled := func(n int64) bool { return n >= 1 && n < 20 }
	for _, tc := range []struct {
		mode string
		tls  bool
		want func(n int64) bool
		desc string
	}{
		{"visitor", false, func(n int64) bool { return n == 20 }, "20 (one per visitor)"},
		{"shared", false, pooled, "fewer than the 20 visitors (pooled)"},
		{"visitor", true, func(n int64) bool { return n == 20 }, "20 (one per visitor)"},
		{"shared", true, pooled, "fewer than the 20 visitors (pooled)"},
	} {
		t.Run(fmt.Sprintf("%s/tls=%v", tc.mode, tc.tls), func(t *testing.T) {
			t.Parallel()
			var conns atomic.Int64
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.ProtoMajor != 1 {
					w.WriteHeader(http.StatusHTTPVersionNotSupported)
				}
				fmt.Fprint(w, "ok")
			}))
			srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
				if s == http.StateNew {
					conns.Add(1)
				}
			}
			if tc.tls {
				srv.StartTLS()
			} else {
				srv.Start()
			}
			t.Cleanup(srv.Close)
			sc := load(t, srv.URL, `defaults: { connection: `+tc.mode+`, tls: { insecure: true } }
traffic:
  arrivals: uniform
  phases: [ { duration: 1s, rate: 20/s } ]
journeys:
  - name: j
    steps: [ GET /, GET /two, GET /three ]
`)
			res := runScenario(t, sc, Config{})
			if res.Requests != 60 || res.Errors != 0 {
				t.Fatalf("requests %d errors %d, want 60 and 0", res.Requests, res.Errors)
			}
			if n := conns.Load(); !tc.want(n) {
				t.Errorf("server saw %d connections, want %s", n, tc.desc)
			}
		})
	}
}

// TestHTTP2 checks both HTTP/2 paths against real servers: h2 over TLS
// with ALPN, and h2c with prior knowledge.
func TestHTTP2(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	protos := map[string]int{}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		protos[r.Proto]++
		mu.Unlock()
		fmt.Fprint(w, "ok")
	})
	tlsSrv := httptest.NewUnstartedServer(handler)
	tlsSrv.EnableHTTP2 = true
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)
	h2c := httptest.NewUnstartedServer(handler)
	h2c.Config.Protocols = new(http.Protocols)
	h2c.Config.Protocols.SetUnencryptedHTTP2(true)
	h2c.Start()
	t.Cleanup(h2c.Close)

	for _, target := range []string{tlsSrv.URL, h2c.URL} {
		sc := load(t, target, `defaults: { http: "2" }
traffic:
  arrivals: uniform
  phases: [ { duration: 500ms, rate: 20/s } ]
journeys:
  - name: j
    steps: [ GET / ]
`)
		pool := tlsSrv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
		tlsConfig := &tls.Config{RootCAs: pool}
		res := runScenario(t, sc, Config{TLSConfig: tlsConfig})
		if res.Requests != 10 || res.Errors != 0 {
			t.Fatalf("%s: requests %d errors %d (%v), want 10 and 0", target, res.Requests, res.Errors, res.Examples)
		}
		if tlsConfig.NextProtos != nil { // the transports wrote to it: they share it and race
			t.Errorf("%s: the run changed the caller's TLS config (NextProtos %q)", target, tlsConfig.NextProtos)
		}
	}
	if protos["HTTP/2.0"] != 20 || len(protos) != 1 {
		t.Errorf("server saw protocols %v, want 20 HTTP/2.0 requests", protos)
	}
}

// TestResultsRoundTrip encodes the results of a real run and decodes them:
// the decoded results encode to the same bytes.
func TestResultsRoundTrip(t *testing.T) {
	t.Parallel()
	shop := startShop(t, simtarget.Config{ErrorRate: 0.1, Seed: 3})
	sc := load(t, shop.URL(), `traffic:
  phases: [ { duration: 1500ms, rate: 100/s } ]
journeys:
  - name: browse
    weight: 3
    steps: [ GET /, GET /products/1 ]
  - name: search
    steps: [ "GET /api/search?q=shoes" ]
slo: [ p95 < 1s ]
`)
	res := runScenario(t, sc, Config{Interval: 250 * time.Millisecond})
	if len(res.Timeline) < 5 || res.Errors == 0 {
		t.Fatalf("timeline %d intervals, %d errors; want several intervals and some injected errors", len(res.Timeline), res.Errors)
	}
	first, err := res.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var back Results
	if err := back.UnmarshalJSON(first); err != nil {
		t.Fatal(err)
	}
	second, err := back.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if string(first) != string(second) {
		t.Fatalf("round trip changed the encoding:\nfirst  %.300s\nsecond %.300s", first, second)
	}
	if !back.Keys[0].Latency.Equal(res.Keys[0].Latency) {
		t.Error("decoded latency histogram differs")
	}
	if s, b := res.Signals, back.Signals; s.PeakConns == 0 || b.PeakConns != s.PeakConns || b.LocalPorts != s.LocalPorts || b.PortFailures != s.PortFailures {
		t.Errorf("local ports: measured peak %d of %d ports, %d failures; decoded %d of %d, %d", s.PeakConns, s.LocalPorts, s.PortFailures, b.PeakConns, b.LocalPorts, b.PortFailures)
	}
}

func TestDecodeRejectsBadInput(t *testing.T) {
	t.Parallel()
	empty := hist{}.encoded()
	tests := []struct {
		name, in, want string
	}{
		{"not json", "{", "read results: unexpected EOF"},
		{"future version", `{"version": 3}`, "read results: results schema version 3 is newer than this liftoff reads (version 2); use a newer liftoff"},
		{"older version", `{"version": 1, "liftoff": "v0.3.0"}`, "read results: results schema version 1 (written by liftoff v0.3.0) is older than this liftoff reads (version 2): its latency figures include failed requests"},
		{"bad histogram", `{"version": 2, "keys": [{"requests": 1, "latency": "HISTFAAAbad"}]}`, "read results: keys[0].latency: decode histogram: "},
		{"unknown class", `{"version": 2, "classes": {"gremlins": 3}}`, `read results: unknown error class "gremlins"`},
		{"unknown failure class", `{"version": 2, "failures": {"ok": {}}}`, `read results: unknown error class "ok" in failures`},
		{"timeline key out of range", `{"version": 2, "timeline": [{"keys": [{"key": 4, "latency": "` + empty + `", "service": "` + empty + `"}]}]}`, "read results: timeline[0]: key 4 does not exist"},
		{"timeline key negative", `{"version": 2, "timeline": [{"keys": [{"key": -1}]}]}`, "read results: timeline[0]: key -1 does not exist"},
	}
	for _, tc := range tests {
		_, err := Decode(strings.NewReader(tc.in))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: Decode error = %v, want prefix %q", tc.name, err, tc.want)
		}
	}
}

// TestRunLastsThePlan ends with a quiet stretch: the run lasts the plan's
// length, not until its last arrival.
func TestRunLastsThePlan(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	sc := load(t, srv.URL, `traffic:
  arrivals: uniform
  phases: [ { duration: 200ms, rate: 20/s }, { duration: 800ms, rate: 0/s } ]
journeys:
  - name: j
    steps: [ GET / ]
`)
	res := runScenario(t, sc, Config{})
	if res.Requests != 4 || res.Elapsed < time.Second {
		t.Errorf("requests %d over %v; want 4 over at least the plan's 1s", res.Requests, res.Elapsed)
	}
}

// TestInterruptGrace interrupts a run while its one request waits on a
// target that does not answer within the request's timeout. Without a
// grace period (Grace 0, --grace 0s) the run stops at once and the
// request is not waited for; with one, the run waits it out, and the
// moment of the interrupt excludes that wait. Either way the request is
// recorded cut off at the halt, with its latency so far: counted, not an
// error.
func TestInterruptGrace(t *testing.T) {
	t.Parallel()
	for _, grace := range []time.Duration{0, 300 * time.Millisecond} {
		arrived := make(chan struct{}, 1)
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			arrived <- struct{}{}
			<-release
		}))
		sc := load(t, srv.URL, `defaults: { timeout: 2s }
traffic:
  arrivals: uniform
  phases: [ { duration: 10m, rate: 10/s } ]
  max_concurrency: 1
journeys:
  - name: j
    steps: [ GET / ]
`)
		ctx, cancel := context.WithCancel(t.Context())
		go func() { <-arrived; cancel() }()
		res, err := New(Config{Grace: grace}).Run(ctx, sc)
		close(release)
		srv.Close()
		if !errors.Is(err, ErrInterrupted) || !res.Interrupted {
			t.Fatalf("grace %v: Run error %v, interrupted %v; want interrupted", grace, err, res.Interrupted)
		}
		if k := res.Keys[0]; res.Requests != 1 || res.Errors != 0 || k.CutOff != 1 || k.Latency.Max() < grace {
			t.Errorf("grace %v: %d requests, %d errors, %d cut off, latency up to %v; want the one in flight cut off after the grace",
				grace, res.Requests, res.Errors, k.CutOff, k.Latency.Max())
		}
		if res.InterruptedAt <= 0 || res.Elapsed-res.InterruptedAt < grace {
			t.Errorf("grace %v: interrupted at %v of %v; want the grace period between them", grace, res.InterruptedAt, res.Elapsed)
		}
	}
}

// TestVisitorConnectionEndsWithReset is a visitor's own connection seen
// from the server: after the answer, the generator closes it with a
// reset, so its end does not wait in TIME_WAIT (a port held for a minute
// per visitor); the shared pool's connection closes with a FIN.
func TestVisitorConnectionEndsWithReset(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		connection string
		reset      bool
	}{
		{"visitor", true},
		{"shared", false},
	} {
		t.Run(tc.connection, func(t *testing.T) {
			t.Parallel()
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			// ended gets how each connection that served a request ended.
			ended := make(chan error, 10)
			serve := func(conn net.Conn) {
				defer conn.Close()
				buf := make([]byte, 4096)
				var req []byte
				for !strings.Contains(string(req), "\r\n\r\n") {
					n, err := conn.Read(buf)
					if err != nil {
						return // a pre-opened connection the run closed unused
					}
					req = append(req, buf[:n]...)
				}
				io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
				_, err := conn.Read(buf) // what ends the connection
				ended <- err
			}
			go func() {
				for {
					conn, err := ln.Accept()
					if err != nil {
						return
					}
					go serve(conn)
				}
			}()
			sc := load(t, "http://"+ln.Addr().String(), `defaults: { connection: `+tc.connection+` }
traffic:
  phases: [ { duration: 100ms, rate: 10/s } ]
journeys:
  - name: one
    steps: [ GET / ]
`)
			res := runScenario(t, sc, Config{})
			if res.Requests == 0 || res.Errors != 0 {
				t.Fatalf("%d requests, %d errors (%v); want some and none", res.Requests, res.Errors, res.Examples)
			}
			err = <-ended // the run closed the shared pool at its end
			if gotReset := errors.Is(err, syscall.ECONNRESET); gotReset != tc.reset {
				t.Errorf("the connection ended with %v; want a reset: %v", err, tc.reset)
			}
		})
	}
}
