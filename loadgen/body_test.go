package loadgen

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/liftoff/liftoff/scenario"
)

// servers serves h over HTTP/1.1 and over HTTP/2 with prior knowledge
// (h2c): their URLs by the version a scenario names ("1.1", "2").
func servers(t testing.TB, h http.Handler) map[string]string {
	t.Helper()
	h1 := httptest.NewServer(h)
	t.Cleanup(h1.Close)
	h2c := httptest.NewUnstartedServer(h)
	h2c.Config.Protocols = new(http.Protocols)
	h2c.Config.Protocols.SetUnencryptedHTTP2(true)
	h2c.Start()
	t.Cleanup(h2c.Close)
	return map[string]string{"1.1": h1.URL, "2": h2c.URL}
}

// bodyServers serves GET /body?n=N&status=S with a chunked body of N
// bytes, over HTTP/1.1 and h2c.
func bodyServers(t testing.TB) map[string]string {
	t.Helper()
	chunk := bytes.Repeat([]byte("x"), 16<<10)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		if s, _ := strconv.Atoi(r.URL.Query().Get("status")); s != 0 {
			w.WriteHeader(s)
		}
		for n > 0 {
			m, err := w.Write(chunk[:min(n, len(chunk))])
			if err != nil {
				return
			}
			n -= m
		}
	})
	return servers(t, h)
}

// stepVisitor prepares one visitor of a one-journey scenario, to send its
// steps one by one. defaults is the inside of the defaults mapping.
func stepVisitor(t testing.TB, target, defaults, steps string) (*visitor, []stepPlan) {
	t.Helper()
	src := "name: t\ntarget: " + target + "\ndefaults: { " + defaults + " }\ntraffic:\n  phases: [ { duration: 1s, rate: 1/s } ]\njourneys:\n  - name: j\n    steps:\n" + steps
	sc, err := scenario.Parse(strings.NewReader(src), "t.yaml", scenario.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := newRun(New(Config{}), sc)
	if err != nil {
		t.Fatal(err)
	}
	v := r.newVisitor()
	t.Cleanup(func() { v.client.close(); v.release() })
	return v, r.journeys[0].steps
}

// TestLargeBodyCostsNoMemory receives a 64 MiB body that no check reads:
// the body is read as it arrives and dropped, so the visitor allocates a
// small fraction of it. (fasthttp used to buffer the whole body: an
// endless one cost all the memory it could get.)
func TestLargeBodyCostsNoMemory(t *testing.T) { // not parallel: it measures the heap
	const size = 64 << 20
	for version, target := range bodyServers(t) {
		v, steps := stepVisitor(t, target, "http: "+version, fmt.Sprintf("      - GET /body?n=%d\n", size))
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		res := v.step(&steps[0], nil)
		runtime.ReadMemStats(&after)
		if res.class != ClassNone {
			t.Fatalf("HTTP/%s: %v %s %v", version, res.class, res.detail, res.err)
		}
		alloc := after.TotalAlloc - before.TotalAlloc
		t.Logf("HTTP/%s: a %d MiB body allocated %d KiB", version, size>>20, alloc>>10)
		limit := uint64(size / 8)
		if raceDetector {
			limit = size / 2 // its pools keep nothing, and net/http's HTTP/2 frames feel it
		}
		if alloc > limit {
			t.Errorf("HTTP/%s: receiving a %d MiB body allocated %.1f MiB, want under %d MiB", version, size>>20, float64(alloc)/(1<<20), limit>>20)
		}
	}
}

// TestMaxBody checks what a step keeps of a body: up to max_body when
// a check reads it, nothing when none does, and the start of an error
// response for its example. A body longer than max_body fails the check,
// and the visitor's next request on a new connection goes through.
func TestMaxBody(t *testing.T) {
	t.Parallel()
	for version, target := range bodyServers(t) {
		t.Run("HTTP/"+version, func(t *testing.T) {
			t.Parallel()
			v, steps := stepVisitor(t, target, "http: "+version, `      - { name: exact, request: "GET /body?n=65536", max_body: 64KiB, expect: { body_contains: xxx } }
      - { name: over, request: "GET /body?n=65537", max_body: 64KiB, expect: { body_contains: xxx } }
      - { name: unread, request: "GET /body?n=1048576", max_body: 64KiB }
      - { name: error, request: "GET /body?n=1048576&status=500", max_body: 64KiB, expect: { body_contains: xxx } }
`)
			v.ex.wantSnippet = true
			tests := []struct {
				class   ErrorClass
				detail  string
				snippet int
			}{
				{ClassNone, "", 0},
				{ClassCheck, "the body is larger than max_body 64KiB, so its checks and captures cannot read it", 0},
				{ClassNone, "", 0},
				{ClassStatus5xx, "", snippetRead},
			}
			for round := range 2 { // the second round runs on connections opened after the closed ones
				for i, tc := range tests {
					v.ex.wantSnippet = true
					res := v.step(&steps[i], nil)
					if res.class != tc.class || res.detail != tc.detail || res.err != nil {
						t.Errorf("round %d, step %s: %v %q %v; want %v %q", round, steps[i].name, res.class, res.detail, res.err, tc.class, tc.detail)
					}
					if len(v.ex.snippet) != tc.snippet {
						t.Errorf("round %d, step %s: snippet of %d bytes, want %d", round, steps[i].name, len(v.ex.snippet), tc.snippet)
					}
					if cap(v.ex.respBody) > 128<<10 {
						t.Errorf("round %d, step %s: the visitor holds a %d KiB body buffer, want at most 128 KiB", round, steps[i].name, cap(v.ex.respBody)>>10)
					}
				}
			}
		})
	}
}

// rawServer is an HTTP/1.1 server that answers every request with the
// same bytes and allocates nothing per request, so that an allocation
// count in the test process is the client's.
func rawServer(t testing.TB, response []byte) string {
	t.Helper()
	return "http://" + serveEach(t, func(conn net.Conn) {
		r := bufio.NewReader(conn)
		for {
			for { // a GET without a body ends at its blank line
				line, err := r.ReadSlice('\n')
				if err != nil {
					return
				}
				if len(line) <= 2 {
					break
				}
			}
			if _, err := conn.Write(response); err != nil {
				return
			}
		}
	})
}

// serveEach listens on loopback and runs serve on each connection it
// accepts, closing it after; it returns the address.
func serveEach(t testing.TB, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				serve(conn)
			}()
		}
	}()
	return ln.Addr().String()
}

// TestResponseAllocations counts what the HTTP/1.1 client allocates per
// request: fasthttp's stream of the body (a wrapper and its closures), and
// nothing that grows with the body, read or dropped.
func TestResponseAllocations(t *testing.T) { // not parallel: AllocsPerRun needs the process to itself
	if raceDetector {
		t.Skip("the race detector's sync.Pool keeps nothing: allocation counts mean nothing")
	}
	chunked := func(n int) []byte {
		var b bytes.Buffer
		b.WriteString("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
		for ; n > 0; n -= 8 << 10 {
			fmt.Fprintf(&b, "%x\r\n%s\r\n", min(n, 8<<10), bytes.Repeat([]byte("x"), min(n, 8<<10)))
		}
		b.WriteString("0\r\n\r\n")
		return b.Bytes()
	}
	bodies := []struct {
		name     string
		response []byte
	}{
		{"empty", []byte("HTTP/1.1 204 No Content\r\n\r\n")},
		{"2KiB", []byte("HTTP/1.1 200 OK\r\nContent-Length: 2048\r\n\r\n" + strings.Repeat("x", 2048))},
		{"1MiB chunked", chunked(1 << 20)},
	}
	for _, connection := range []string{"visitor", "shared"} {
		for _, body := range bodies {
			for _, check := range []string{"GET /", "{ request: GET /, expect: { body_contains: x } }"} {
				if len(body.response) < 100 && check != "GET /" {
					continue // nothing to check
				}
				v, steps := stepVisitor(t, rawServer(t, body.response), "http: 1.1, connection: "+connection, "      - "+check+"\n")
				st := &steps[0]
				send := func() {
					if res := v.step(st, nil); res.class != ClassNone {
						t.Fatal(res.class, res.detail, res.err)
					}
				}
				send()
				if allocs := testing.AllocsPerRun(50, send); allocs > streamAllocs {
					t.Errorf("%s, %s, %s connection: %v allocations per request, want at most %d", body.name, check, connection, allocs, streamAllocs)
				}
			}
		}
	}
}

// streamAllocs is what fasthttp allocates to stream one response body.
const streamAllocs = 4
