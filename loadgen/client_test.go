package loadgen

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestReusedRequestIsTheStepsRequest sends one visitor's steps in an
// order that makes the HTTP/1.1 client reuse the request it built last
// (the same static step again) and rebuild it (another step, a cookie
// the jar gained or lost, a redirect, a failed request), and checks what
// the target received each time: a reused request must be exactly what
// building it afresh would have sent.
func TestReusedRequestIsTheStepsRequest(t *testing.T) {
	t.Parallel()
	var (
		mu   sync.Mutex
		got  []string
		drop = true // the first request to /flaky is cut off
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, fmt.Sprintf("%s %s x=%q cookie=%q body=%q", r.Method, r.URL.Path, r.Header.Get("X-Step"), r.Header.Get("Cookie"), body))
		cut := r.URL.Path == "/flaky" && drop
		drop = drop && !cut
		mu.Unlock()
		switch r.URL.Path {
		case "/set":
			http.SetCookie(w, &http.Cookie{Name: "a", Value: "1", Path: "/"})
		case "/redir":
			http.Redirect(w, r, "/target", http.StatusFound)
		case "/flaky":
			if cut {
				conn, _, _ := w.(http.Hijacker).Hijack()
				conn.Close()
			}
		}
	}))
	t.Cleanup(srv.Close)
	v, steps := stepVisitor(t, srv.URL, "http: 1.1", `      - { request: GET /plain, headers: { X-Step: plain } }
      - { request: POST /form, body: "a=1" }
      - GET /set
      - GET /redir
      - { request: POST /flaky, headers: { X-Step: flaky } }
      - GET /same
      - DELETE /same
      - { name: same a, request: GET /same, headers: { X-Step: a } }
      - { name: same b, request: GET /same, headers: { X-Step: b } }
`)
	send := func(s int) {
		t.Helper()
		v.step(&steps[s], nil)
	}
	const (
		plain  = `GET /plain x="plain" cookie="" body=""`
		form   = `POST /form x="" cookie="" body="a=1"`
		plainC = `GET /plain x="plain" cookie="a=1" body=""`
	)
	var want []string
	for _, s := range []struct {
		step   int
		newJar bool // a new visit: the jar is dropped
		sent   []string
	}{
		{0, false, []string{plain}},
		{0, false, []string{plain}},
		{1, false, []string{form}},
		{1, false, []string{form}},
		{0, false, []string{plain}},
		{2, false, []string{`GET /set x="" cookie="" body=""`}},
		{0, false, []string{plainC}},
		{0, false, []string{plainC}},
		{0, true, []string{plain}},
		{3, false, []string{`GET /redir x="" cookie="" body=""`, `GET /target x="" cookie="" body=""`}},
		{3, false, []string{`GET /redir x="" cookie="" body=""`, `GET /target x="" cookie="" body=""`}},
		{0, false, []string{plain}},
		// POST is not retried: the cut-off one fails, and the next is sent whole.
		{4, false, []string{`POST /flaky x="flaky" cookie="" body=""`}},
		{4, false, []string{`POST /flaky x="flaky" cookie="" body=""`}},
		{0, false, []string{plain}},
		// The same URL: only the method differs, then only a header.
		{5, false, []string{`GET /same x="" cookie="" body=""`}},
		{6, false, []string{`DELETE /same x="" cookie="" body=""`}},
		{5, false, []string{`GET /same x="" cookie="" body=""`}},
		{7, false, []string{`GET /same x="a" cookie="" body=""`}},
		{8, false, []string{`GET /same x="b" cookie="" body=""`}},
		{8, false, []string{`GET /same x="b" cookie="" body=""`}},
	} {
		if s.newJar {
			v.jar = nil
		}
		send(s.step)
		want = append(want, s.sent...)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the target received:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
