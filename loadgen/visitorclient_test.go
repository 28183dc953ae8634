package loadgen

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// tcpPair returns the two ends of a loopback TCP connection, the first
// as a visitor's connection to a host.
func tcpPair(t *testing.T) (*visitorHost, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	peer := <-accepted
	if peer == nil {
		t.Fatal("accept failed")
	}
	h := &visitorHost{conn: c}
	t.Cleanup(func() { h.close(); peer.Close() })
	return h, peer
}

// TestVisitorDeadline drives a connection through requests whose
// deadlines move on, as a looping visitor's do: the socket's deadline is
// never before a request's, nor more than the slack after it, and it
// moves once per slack or so, not once per request.
func TestVisitorDeadline(t *testing.T) {
	t.Parallel()
	base := time.Now().Add(time.Hour) // far ahead: no write here may time out
	const slack = 10 * time.Millisecond
	for _, tc := range []struct {
		name      string
		deadlines []time.Duration // each request's, from base
		maxSets   int
	}{
		{"one request after another", steps(0, 100*time.Microsecond, 1000), 11},
		{"the same deadline", steps(0, 0, 50), 1},
		{"a shorter timeout brings it forward", []time.Duration{0, 5 * time.Millisecond, -time.Second, -time.Second + time.Millisecond}, 2},
		{"a pause past the slack", []time.Duration{0, time.Minute, time.Minute + time.Millisecond}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, _ := tcpPair(t)
			sets, last := 0, time.Time{}
			for i, d := range tc.deadlines {
				deadline := base.Add(d)
				if err := h.extend(deadline, slack); err != nil {
					t.Fatal(err)
				}
				if h.set.Before(deadline) || h.set.Sub(deadline) > slack {
					t.Fatalf("request %d: the socket's deadline is %v after the request's; want 0 to %v", i, h.set.Sub(deadline), slack)
				}
				if !h.set.Equal(last) {
					sets++
					last = h.set
				}
			}
			if sets > tc.maxSets {
				t.Errorf("the deadline was set %d times for %d requests, want at most %d", sets, len(tc.deadlines), tc.maxSets)
			}
		})
	}
}

// steps returns n offsets from start, every apart.
func steps(start, every time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = start + time.Duration(i)*every
	}
	return out
}

// TestVisitorDeadlineHoldsTheRead checks that the deadline set when a
// request is written bounds the read of its answer too.
func TestVisitorDeadlineHoldsTheRead(t *testing.T) {
	t.Parallel()
	h, peer := tcpPair(t)
	if err := h.extend(time.Now().Add(50*time.Millisecond), time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if _, err := h.conn.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(peer, make([]byte, 4)); err != nil {
		t.Fatal(err)
	}
	if _, err := h.conn.Read(make([]byte, 16)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read from a silent peer: %v, want the deadline's error", err)
	}
}

// TestKeptDeadlineStillTimesOut runs a looping visitor on one kept-alive
// connection against a target that answers its first requests, slowly
// enough that their deadlines move past the slack, and then freezes. The
// socket's deadline is then a kept one, set for an earlier request: the
// frozen request must still time out, and not before its timeout. (The
// upper bound, the timeout plus its slack, is TestVisitorDeadline's.)
func TestKeptDeadlineStillTimesOut(t *testing.T) {
	t.Parallel()
	const timeout = 200 * time.Millisecond
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if served.Add(1) > 10 {
			select { // frozen, until long after the timeout: a request that waits it out fails the test
			case <-time.After(20 * timeout):
			case <-r.Context().Done():
			}
			return
		}
		time.Sleep(5 * time.Millisecond)
	}))
	t.Cleanup(srv.Close)
	sc := load(t, srv.URL, fmt.Sprintf(`defaults: { timeout: %v }
traffic:
  phases: [ { duration: 600ms, concurrency: 1 } ]
journeys:
  - name: j
    steps: [ GET / ]
`, timeout))
	res := runScenario(t, sc, Config{})
	timeouts := res.Failures[ClassTimeout].Service
	if res.Requests-res.Errors != 10 || timeouts.Count() == 0 || timeouts.Count() != res.Errors {
		t.Fatalf("%d requests, %d errors (classes %v); want 10 answered, then timeouts", res.Requests, res.Errors, res.Classes)
	}
	if first := timeouts.AtRank(1); first < timeout {
		t.Errorf("a request timed out after %v, before its timeout of %v", first, timeout)
	}
}

// framingServer answers every request on loopback with answer's bytes, as
// they are, and closes the connection after them when closeAfter is set.
// It counts connections and requests.
type framingServer struct {
	url             string
	conns, requests atomic.Int64
}

func newFramingServer(t *testing.T, answer string, closeAfter bool) *framingServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	s := &framingServer{url: "http://" + ln.Addr().String()}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			s.conns.Add(1)
			go func() {
				defer conn.Close()
				br := bufio.NewReader(conn)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					io.Copy(io.Discard, req.Body)
					s.requests.Add(1)
					if _, err := io.WriteString(conn, answer); err != nil || closeAfter {
						return
					}
				}
			}()
		}
	}()
	return s
}

// TestVisitorClientAnswers sends a visitor's three steps to targets that
// answer in each of HTTP/1.1's framings, and some that misbehave, and
// checks what the visitor's own client made of them: every answer read
// whole, and the connection kept for the next step only when the answer
// allows it and nothing but the answer came on it.
func TestVisitorClientAnswers(t *testing.T) {
	t.Parallel()
	const ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
	for _, tc := range []struct {
		name       string
		answer     string
		closeAfter bool
		method     string
		wantConns  int64
		wantErrors int64
	}{
		{"content length", ok, false, "GET", 1, 0},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n3\r\n!!!\r\n0\r\n\r\n", false, "GET", 1, 0},
		{"until the connection closes", "HTTP/1.1 200 OK\r\n\r\nok", true, "GET", 3, 0},
		{"connection: close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", true, "GET", 3, 0},
		{"HTTP/1.0", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", true, "GET", 3, 0},
		{"interim answer first", "HTTP/1.1 100 Continue\r\n\r\n" + ok, false, "GET", 1, 0},
		{"no body for HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", false, "HEAD", 1, 0},
		{"no body for 204", "HTTP/1.1 204 No Content\r\n\r\n", false, "GET", 1, 0},
		{"headers longer than the head", "HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("a", 8<<10) + "\r\nContent-Length: 2\r\n\r\nok", false, "GET", 1, 0},
		{"body longer than the head", "HTTP/1.1 200 OK\r\nContent-Length: 40000\r\n\r\n" + strings.Repeat("b", 40000), false, "GET", 1, 0},
		{"bytes after the answer", ok + "GARBAGE", false, "GET", 3, 0},
		{"headers longer than the read buffer", "HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("a", readBufferSize) + "\r\nContent-Length: 2\r\n\r\nok", false, "GET", 3, 3},
		{"body shorter than its length", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok", true, "GET", 3, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newFramingServer(t, tc.answer, tc.closeAfter)
			v, steps := stepVisitor(t, srv.url, "connection: visitor", fmt.Sprintf("      - %[1]s /1\n      - %[1]s /2\n      - %[1]s /3\n", tc.method))
			errs := int64(0)
			for i := range steps {
				if res := v.step(&steps[i], nil); res.err != nil {
					errs++
				}
			}
			v.client.close()
			if srv.requests.Load() != 3 || srv.conns.Load() != tc.wantConns || errs != tc.wantErrors {
				t.Errorf("%d requests over %d connections, %d failed; want 3 over %d, %d failed", srv.requests.Load(), srv.conns.Load(), errs, tc.wantConns, tc.wantErrors)
			}
		})
	}
}

// TestVisitorInFlightHoldsNoReadBuffer holds visitors in flight against a
// target that reads their requests and does not answer, and weighs the
// heap each one holds: a visitor waiting for its answer holds its head
// (headRead), not a read buffer, so thousands in flight against a slow
// target cost little. (Each visitor's fasthttp HostClient held a 16 KiB
// reader per CPU it had run on and a 4 KiB writer: 25 KiB a visitor on
// one CPU, measured, 45 KiB on two.)
func TestVisitorInFlightHoldsNoReadBuffer(t *testing.T) { // not parallel: it weighs the heap
	const visitors = 200
	release := make(chan struct{})
	var received atomic.Int64
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() { // the target's side allocates little per connection: the heap is the visitors'
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				var buf [512]byte
				for n := 0; !strings.HasSuffix(string(buf[:n]), "\r\n\r\n"); {
					m, err := conn.Read(buf[n:])
					if err != nil {
						return
					}
					n += m
				}
				received.Add(1)
				<-release
			}()
		}
	}()
	sc := load(t, "http://"+ln.Addr().String(), "defaults: { connection: visitor, timeout: 30s }\ntraffic:\n  phases: [ { duration: 1s, rate: 1/s } ]\njourneys:\n  - name: j\n    steps: [ GET / ]\n")
	r, err := newRun(New(Config{}), sc)
	if err != nil {
		t.Fatal(err)
	}
	var before, during runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	done := make(chan struct{}, visitors)
	for range visitors {
		go func() {
			v := r.newVisitor()
			v.step(&r.journeys[0].steps[0], nil)
			v.client.close()
			v.release()
			done <- struct{}{}
		}()
	}
	for received.Load() < visitors {
		time.Sleep(time.Millisecond)
	}
	runtime.GC()
	runtime.ReadMemStats(&during)
	close(release) // the visitors end, and a next run of the test weighs only its own
	for range visitors {
		<-done
	}
	perVisitor := (int64(during.HeapAlloc) - int64(before.HeapAlloc)) / visitors
	t.Logf("%d B of heap per visitor in flight", perVisitor)
	if perVisitor > 12<<10 {
		t.Errorf("a visitor in flight holds %d B of heap; want at most %d (no read buffer while it waits)", perVisitor, 12<<10)
	}
}
