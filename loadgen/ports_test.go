package loadgen

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestParsePortRange reads the kernel's ephemeral port range.
func TestParsePortRange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"32768\t60999\n", 28232, true}, // Linux's default, as the file holds it
		{"1024 65535", 64512, true},
		{"40000 40000", 1, true},
		{"60999 32768", 0, false}, // upside down
		{"0 100", 0, false},
		{"32768 70000", 0, false}, // not a port
		{"32768", 0, false},
		{"32768 60999 1", 0, false},
		{"-1 60999", 0, false},
		{"", 0, false},
	}
	for _, tc := range tests {
		if got, ok := parsePortRange([]byte(tc.in)); got != tc.want || ok != tc.ok {
			t.Errorf("parsePortRange(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// FuzzParsePortRange: whatever the file holds, the range read is a count
// of ports there can be, or nothing.
func FuzzParsePortRange(f *testing.F) {
	for _, s := range []string{"32768\t60999\n", "1 65535", "9 8", "x y"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		n, ok := parsePortRange(b)
		if ok != (n > 0) || n < 0 || n > maxLocalPorts {
			t.Fatalf("parsePortRange(%q) = %d, %v", b, n, ok)
		}
	})
}

// TestOpenConnectionPeak runs visitors that all hold their connection at
// once (the target answers none until every one has asked), over
// HTTP/1.1 and HTTP/2, and checks the generator's peak of open
// connections against what the target saw open at once: the same, each
// visitor's one. After their visits, during a quiet phase, no connection
// stays open.
func TestOpenConnectionPeak(t *testing.T) {
	t.Parallel()
	const visitors = 8
	for _, version := range []string{"1.1", "2"} {
		t.Run("HTTP/"+version, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var open, peak int
			var asked atomic.Int64
			all := make(chan struct{})
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if asked.Add(1) == visitors {
					close(all)
				}
				select { // every visitor holds its connection until all have one
				case <-all:
				case <-time.After(10 * time.Second):
				}
				w.Write([]byte("ok"))
			}))
			srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
				mu.Lock()
				defer mu.Unlock()
				switch s {
				case http.StateNew:
					open++
					peak = max(peak, open)
				case http.StateClosed, http.StateHijacked:
					open--
				}
			}
			srv.EnableHTTP2 = true
			srv.StartTLS()
			t.Cleanup(srv.Close)
			sc := load(t, srv.URL, `defaults: { connection: visitor, http: "`+version+`", timeout: 15s, tls: { insecure: true } }
traffic:
  arrivals: uniform
  phases: [ { duration: 100ms, rate: 80/s }, { duration: 3s, rate: 0/s } ]
journeys:
  - name: j
    steps: [ GET / ]
`)
			res := runScenario(t, sc, Config{Interval: 100 * time.Millisecond})
			mu.Lock()
			seen := peak
			mu.Unlock()
			if res.Requests != visitors || res.Errors != 0 {
				t.Fatalf("%d requests, %d errors (%v); want %d and none", res.Requests, res.Errors, res.Classes, visitors)
			}
			if got := res.Signals.PeakConns; got != visitors || seen != visitors {
				t.Errorf("peak of open connections %d, the target saw %d at once; want %d", got, seen, visitors)
			}
			var highest int64
			for _, iv := range res.Timeline {
				highest = max(highest, iv.Signals.PeakConns)
			}
			if highest != res.Signals.PeakConns {
				t.Errorf("the intervals' highest peak is %d, the run's %d", highest, res.Signals.PeakConns)
			}
			if last := res.Timeline[len(res.Timeline)-1]; last.Signals.PeakConns != 0 {
				t.Errorf("the last interval, at %v, after every visit, had %d connections open; want 0", last.Offset, last.Signals.PeakConns)
			}
			if res.Signals.PortFailures != 0 {
				t.Errorf("%d port failures on loopback", res.Signals.PortFailures)
			}
		})
	}
}

// TestNoLocalPortIsAPortFailure makes a real connect fail with
// EADDRNOTAVAIL, as it does when the generator has no local port left
// (binding a local address the machine does not have gets the same
// answer from the kernel), and checks that the dialer counts it as a port
// failure, in the interval and over the run, and that its request's
// error is the generator's. A refused connect is not a port failure, and
// a connection that opened and closed leaves none open.
func TestNoLocalPortIsAPortFailure(t *testing.T) {
	t.Parallel()
	sig := newSignals()
	d := newDialer(nil, sig)
	d.visitorTCP.LocalAddr = &net.TCPAddr{IP: net.ParseIP("192.0.2.1")} // TEST-NET-1: never a local address
	_, err := d.dial(context.Background(), "127.0.0.1:1", time.Second, false, false, nil)
	if !errors.Is(err, syscall.EADDRNOTAVAIL) {
		t.Skipf("this kernel answered %v, not EADDRNOTAVAIL", err)
	}
	if c := classifyError(err); c != ClassGenerator {
		t.Errorf("a connect without a local port is class %s, want generator", c)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := ln.Addr().String()
	ln.Close() // nothing listens there now: connects are refused
	if _, err := d.dial(context.Background(), refused, time.Second, false, true, nil); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial to a closed port: %v, want connection refused", err)
	}
	ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := d.dial(context.Background(), ln.Addr().String(), time.Second, false, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	c.Close() // a second close counts nothing

	peak, failures := sig.conns.take()
	if peak != 1 || failures != 1 {
		t.Errorf("interval: peak %d, %d port failures; want 1 and 1", peak, failures)
	}
	if peak, failures := sig.conns.take(); peak != 0 || failures != 0 {
		t.Errorf("next interval: peak %d, %d port failures; want 0 and 0 (nothing open, nothing failed)", peak, failures)
	}
	run := sig.totals()
	if run.PeakConns != 1 || run.PortFailures != 1 || sig.conns.open.Load() != 0 {
		t.Errorf("run: peak %d, %d port failures, %d still open; want 1, 1, 0", run.PeakConns, run.PortFailures, sig.conns.open.Load())
	}
}
