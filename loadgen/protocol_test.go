package loadgen

import (
	"bufio"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// HTTP/2 frame types and error codes (RFC 9113) the refusing server uses.
const (
	h2Headers      = 0x1
	h2RSTStream    = 0x3
	h2Settings     = 0x4
	h2GoAway       = 0x7
	h2NoError      = 0x0
	h2RefusedError = 0x7
)

// refusingServer is an HTTP/2 server with prior knowledge (h2c) that
// refuses every request, as an overloaded or draining target does: with
// a GOAWAY that accepts no stream (last stream 0), or with RST_STREAM
// REFUSED_STREAM. It speaks just enough of the protocol to do that with
// raw frames, so no HTTP/2 library is needed. It counts the connections
// and the requests it saw.
type refusingServer struct {
	url      string
	conns    atomic.Int64
	requests atomic.Int64
}

func newRefusingServer(t *testing.T, goAway, overTLS bool) *refusingServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	s := &refusingServer{url: "http://" + ln.Addr().String()}
	if overTLS { // httptest's certificate, and h2 by ALPN
		cert := httptest.NewUnstartedServer(nil)
		cert.StartTLS()
		cfg := cert.TLS.Clone()
		cert.Close()
		cfg.NextProtos = []string{"h2"}
		ln = tls.NewListener(ln, cfg)
		s.url = "https://" + ln.Addr().String()
	}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			s.conns.Add(1)
			go s.serve(conn, goAway)
		}
	}()
	return s
}

func (s *refusingServer) serve(conn net.Conn, goAway bool) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	preface := make([]byte, len("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"))
	if _, err := io.ReadFull(r, preface); err != nil {
		return
	}
	writeFrame(conn, h2Settings, 0, 0, nil)
	for {
		var head [9]byte
		if _, err := io.ReadFull(r, head[:]); err != nil {
			return
		}
		length := int(head[0])<<16 | int(head[1])<<8 | int(head[2])
		typ, flags, stream := head[3], head[4], binary.BigEndian.Uint32(head[5:])&0x7fffffff
		if _, err := io.CopyN(io.Discard, r, int64(length)); err != nil {
			return
		}
		switch {
		case typ == h2Settings && flags&1 == 0:
			writeFrame(conn, h2Settings, 1, 0, nil) // acknowledge
		case typ == h2Headers:
			s.requests.Add(1)
			if goAway {
				writeFrame(conn, h2GoAway, 0, 0, binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, 0), h2NoError))
				time.Sleep(50 * time.Millisecond) // let the client read it before the close
				return
			}
			writeFrame(conn, h2RSTStream, 0, stream, binary.BigEndian.AppendUint32(nil, h2RefusedError))
		}
	}
}

func writeFrame(w io.Writer, typ, flags byte, stream uint32, payload []byte) {
	head := []byte{byte(len(payload) >> 16), byte(len(payload) >> 8), byte(len(payload)), typ, flags, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(head[5:], stream)
	w.Write(append(head, payload...))
}

// TestHTTP2RefusalsAreBoundedProtocolErrors sends one request to servers
// that refuse it. net/http alone retries a GOAWAY'd request on a new
// connection without end (thousands of connections until the timeout)
// and retries REFUSED_STREAM with growing pauses; both were reported as
// timeouts. An idempotent request is now tried twice at most and a POST
// once, the retry is counted, and the failure is a protocol error.
func TestHTTP2RefusalsAreBoundedProtocolErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		goAway, tls  bool
		step         string
		wantRequests int64
		wantRetries  int64
	}{
		{"GOAWAY, GET", true, false, "GET /", 2, 1},
		{"GOAWAY, POST", true, false, "POST /", 1, 0},
		{"GOAWAY over TLS, GET", true, true, "GET /", 2, 1},
		{"REFUSED_STREAM, GET", false, false, "GET /", 2, 1},
		{"REFUSED_STREAM, POST", false, false, "POST /", 1, 0},
		{"REFUSED_STREAM over TLS, GET", false, true, "GET /", 2, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newRefusingServer(t, tc.goAway, tc.tls)
			sc := load(t, srv.url, `defaults: { http: "2", timeout: 5s, tls: { insecure: true } }
traffic:
  arrivals: uniform
  phases: [ { duration: 100ms, rate: 10/s } ]
journeys:
  - name: j
    steps: [ "`+tc.step+`" ]
`)
			res := runScenario(t, sc, Config{})
			if res.Requests != 1 || res.Classes.Of(ClassProtocol) != 1 {
				t.Fatalf("requests %d, classes %v (%q); want 1 protocol error", res.Requests, res.Classes, res.Examples)
			}
			if got := srv.requests.Load(); got != tc.wantRequests {
				t.Errorf("the server saw the request %d times, want %d", got, tc.wantRequests)
			}
			if tc.goAway && srv.conns.Load() != tc.wantRequests {
				t.Errorf("the request opened %d connections, want %d", srv.conns.Load(), tc.wantRequests)
			}
			if res.Retries != tc.wantRetries {
				t.Errorf("retries %d, want %d", res.Retries, tc.wantRetries)
			}
			if ex := res.Examples[ClassProtocol]; len(ex) != 1 || !strings.Contains(ex[0], "HTTP/2") {
				t.Errorf("example %q should say what the target did", ex)
			}
		})
	}
}

// TestStaleConnectionRetry checks the HTTP/1.1 retry: a request whose
// kept-alive connection the server closes before answering (how an idle
// connection expires) is sent once more, on a new connection, if it is
// idempotent, and the retry is counted. A visitor's own client knows a
// new connection from a kept-alive one, and a new one's failure is the
// target's answer: never retried. The shared pool's first connection
// was opened before the run and idled since, as a kept-alive one does:
// its failure is retried once, on a new connection, whose own failure
// is not; a later visit's new connection is not retried either
// (fasthttp's pool, which could not tell, retried it: 4 connections).
func TestStaleConnectionRetry(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		connection  string
		steps       string
		answer      int // requests answered on each connection before it closes on the next
		visits      int
		wantResets  int64
		wantConns   int64
		wantRetries int64
	}{
		{"visitor, kept-alive, GET", "visitor", "GET /a, GET /b", 1, 1, 0, 2, 1},
		{"visitor, kept-alive, POST", "visitor", "GET /a, POST /b", 1, 1, 1, 1, 0},
		{"visitor, new connection, GET", "visitor", "GET /", 0, 1, 1, 1, 0},
		{"shared, new connection, GET", "shared", "GET /", 0, 1, 1, 2, 1},
		{"shared, new connection, POST", "shared", "POST /", 0, 1, 1, 1, 0},
		{"shared, two visits, new connections, GET", "shared", "GET /", 0, 2, 2, 3, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ln.Close() })
			var conns atomic.Int64
			go func() {
				for {
					conn, err := ln.Accept()
					if err != nil {
						return
					}
					conns.Add(1)
					go func() {
						defer conn.Close()
						br := bufio.NewReader(conn)
						for range tc.answer {
							req, err := http.ReadRequest(br)
							if err != nil {
								return
							}
							io.Copy(io.Discard, req.Body)
							io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
						}
						br.ReadSlice('\n') // the next request line, then nothing
					}()
				}
			}()
			sc := load(t, "http://"+ln.Addr().String(), "defaults: { connection: "+tc.connection+" }\ntraffic:\n  arrivals: uniform\n  phases: [ { duration: "+fmt.Sprint(tc.visits*100)+"ms, rate: 10/s } ]\njourneys:\n  - name: j\n    steps: [ "+tc.steps+" ]\n")
			res := runScenario(t, sc, Config{})
			if res.Classes.Of(ClassReset) != tc.wantResets || res.Errors != tc.wantResets || conns.Load() != tc.wantConns || res.Retries != tc.wantRetries {
				t.Errorf("classes %v, %d connections, %d retries; want %d resets, %d and %d", res.Classes, conns.Load(), res.Retries, tc.wantResets, tc.wantConns, tc.wantRetries)
			}
		})
	}
}

// TestInsecureTLS runs against a server whose certificate nobody trusts:
// a TLS error, unless the scenario turns verification off, which the
// results record.
func TestInsecureTLS(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.EnableHTTP2 = true
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake failures are the point
	srv.StartTLS()
	t.Cleanup(srv.Close)
	for _, version := range []string{"1.1", "2"} {
		for _, insecure := range []bool{false, true} {
			sc := load(t, srv.URL, fmt.Sprintf("defaults: { http: %q, tls: { insecure: %v } }\ntraffic:\n  arrivals: uniform\n  phases: [ { duration: 100ms, rate: 10/s } ]\njourneys:\n  - name: j\n    steps: [ GET / ]\n", version, insecure))
			res := runScenario(t, sc, Config{})
			wantTLSErrors := int64(1)
			if insecure {
				wantTLSErrors = 0
			}
			if res.Requests != 1 || res.Errors != wantTLSErrors || res.Classes.Of(ClassTLS) != wantTLSErrors {
				t.Errorf("HTTP/%s, insecure %v: %d requests, classes %v; want %d TLS errors", version, insecure, res.Requests, res.Classes, wantTLSErrors)
			}
			if res.Scenario.TLSInsecure != insecure {
				t.Errorf("HTTP/%s: the results record tls_insecure %v, want %v", version, res.Scenario.TLSInsecure, insecure)
			}
		}
	}
}
