package loadgen

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"
	"time"
)

// tcpPair returns the two ends of a loopback TCP connection, the first
// inside a fastConn.
func tcpPair(t *testing.T, owner *fastClient) (*fastConn, net.Conn) {
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
	fc := newFastConn(c, owner)
	t.Cleanup(func() { fc.Close(); peer.Close() })
	return fc, peer
}

// TestFastConnDeadline drives a connection through requests whose
// deadlines move on, as a looping visitor's do: the socket's deadline is
// never before a request's, nor more than the slack after it, and it
// moves once per slack or so, not once per request.
func TestFastConnDeadline(t *testing.T) {
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
			owner := &fastClient{slack: slack}
			fc, peer := tcpPair(t, owner)
			go io.Copy(io.Discard, peer)
			sets, last := 0, time.Time{}
			for i, d := range tc.deadlines {
				owner.deadline = base.Add(d)
				if _, err := fc.Write([]byte("x")); err != nil {
					t.Fatal(err)
				}
				if fc.set.Before(owner.deadline) || fc.set.Sub(owner.deadline) > slack {
					t.Fatalf("request %d: the socket's deadline is %v after the request's; want 0 to %v", i, fc.set.Sub(owner.deadline), slack)
				}
				if !fc.set.Equal(last) {
					sets++
					last = fc.set
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

// TestFastConnDeadlineHoldsTheRead checks that the deadline a fastConn
// sets when a request is written bounds the read of its answer too.
func TestFastConnDeadlineHoldsTheRead(t *testing.T) {
	t.Parallel()
	owner := &fastClient{deadline: time.Now().Add(50 * time.Millisecond), slack: time.Millisecond}
	fc, peer := tcpPair(t, owner)
	if _, err := fc.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(peer, make([]byte, 4)); err != nil {
		t.Fatal(err)
	}
	if _, err := fc.Read(make([]byte, 16)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read from a silent peer: %v, want the deadline's error", err)
	}
}

// TestKeptDeadlineStillTimesOut runs a looping visitor on one kept-alive
// connection against a target that answers its first requests, slowly
// enough that their deadlines move past the slack, and then freezes. The
// socket's deadline is then a kept one, set for an earlier request: the
// frozen request must still time out, and not before its timeout. (The
// upper bound, the timeout plus its slack, is TestFastConnDeadline's.)
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
