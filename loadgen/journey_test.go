package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/liftoff/liftoff/scenario"
	"github.com/liftoff/liftoff/simtarget"
)

// loadFS parses a scenario whose data files live in files.
func loadFS(t *testing.T, target, body string, files fstest.MapFS) *scenario.Scenario {
	t.Helper()
	src := "name: test\ntarget: " + target + "\n" + body
	sc, err := scenario.Parse(strings.NewReader(src), "test.yaml", scenario.Options{FS: files})
	if err != nil {
		t.Fatalf("scenario:\n%s\n%v", src, err)
	}
	return sc
}

func startShop(t *testing.T, cfg simtarget.Config) *simtarget.Server {
	t.Helper()
	shop, err := simtarget.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(shop.Close)
	return shop
}

func customers(n int) fstest.MapFS {
	var b strings.Builder
	b.WriteString("email,password\n")
	for i := range n {
		fmt.Fprintf(&b, "customer%d@example.com,secret%d\n", i, i)
	}
	return fstest.MapFS{"customers.csv": {Data: []byte(b.String())}}
}

// TestThreeJourneys runs the shop's real flows: browsing, signing up, and a
// checkout that logs in, captures the token, uses the session cookie, fills
// the cart and pays. Every step succeeds only if captures and cookies really
// flow, and each journey gets its weight's share of visitors.
func TestThreeJourneys(t *testing.T) {
	t.Parallel()
	shop := startShop(t, simtarget.Config{Workers: 256, Service: time.Millisecond})
	sc := loadFS(t, shop.URL(), `traffic:
  arrivals: uniform
  seed: 11
  phases: [ { duration: 4s, rate: 150/s } ]
journeys:
  - name: browse
    weight: 70
    steps:
      - GET /
      - "GET /products/{{ randInt 1 1000 }}"
  - name: signup
    weight: 20
    steps:
      - name: signup
        request: POST /api/signup
        json: { email: "user{{ .visitor }}@example.com", password: "pw-{{ .visitor }}" }
        expect: { status: 201 }
  - name: checkout
    weight: 10
    data: customers.csv
    order: unique
    steps:
      - name: login
        request: POST /api/login
        json: { email: "{{ .row.email }}", password: "{{ .row.password }}" }
        capture: { token: "json:$.token", user: "json:$.user.id" }
      - name: account
        request: GET /account
        expect: { status: 200, body_contains: Your account }
      - name: cart
        request: POST /api/cart
        headers: { Authorization: "Bearer {{ .token }}" }
        json: { product_id: "{{ randInt 1 1000 }}", qty: "{{ randInt 2 2 }}" }
        expect: { json: { "$.items[0].qty": 2, "$.count": 2 } }
      - name: checkout
        request: POST /api/checkout
        headers: { Authorization: "Bearer {{ .token }}" }
        expect: { status: 201 }
        capture: { order: "json:$.order_id" }
`, customers(1000))
	res := runScenario(t, sc, Config{})
	if res.Errors != 0 {
		t.Fatalf("%d errors: %v %q", res.Errors, res.Classes, res.Examples)
	}
	const visitors = 600
	weights := map[string]float64{"browse": 0.7, "signup": 0.2, "checkout": 0.1}
	for _, j := range res.Journeys {
		p := weights[j.Name]
		// The journey mix is multinomial: 4 standard deviations of a share.
		tol := 4 * math.Sqrt(p*(1-p)/visitors)
		if share := float64(j.Visits) / visitors; math.Abs(share-p) > tol {
			t.Errorf("journey %s got %.3f of visitors, want %.2f ± %.3f", j.Name, share, p, tol)
		}
	}
	checkout := res.Journeys[2]
	for _, step := range []string{"login", "account", "cart", "checkout"} {
		k := res.KeyIndex(Key{Journey: "checkout", Step: step})
		if k < 0 || res.Keys[k].Requests != checkout.Visits {
			t.Errorf("step checkout/%s: key %d, want %d requests (one per checkout visit)", step, k, checkout.Visits)
		}
	}
	routes := shop.Stats().Routes
	if got := routes["POST /api/checkout"]; got != checkout.Visits {
		t.Errorf("the shop saw %d checkouts, want %d", got, checkout.Visits)
	}
	if got := routes["GET /account"]; got != checkout.Visits || routes["GET /login"] != 0 {
		t.Errorf("the shop saw %d account pages and %d log-in pages; every visitor should have had the session cookie", got, routes["GET /login"])
	}
}

// TestWithoutTheTokenCheckoutFails sends the checkout without the captured
// token: the shop refuses it, and the failure lands on that step.
func TestWithoutTheTokenCheckoutFails(t *testing.T) {
	t.Parallel()
	shop := startShop(t, simtarget.Config{})
	sc := load(t, shop.URL(), `traffic:
  arrivals: uniform
  phases: [ { duration: 500ms, rate: 20/s } ]
journeys:
  - name: checkout
    steps:
      - name: login
        request: POST /api/login
        json: { email: a@example.com, password: x }
        capture: { token: "json:$.token" }
      - name: cart
        request: POST /api/cart
        json: { product_id: 1, qty: 1 }
      - name: pay
        request: POST /api/checkout
`)
	res := runScenario(t, sc, Config{})
	cart := res.Keys[res.KeyIndex(Key{Journey: "checkout", Step: "cart"})]
	if cart.Requests != 10 || cart.Errors != 10 || res.Classes.Of(ClassStatus4xx) != 10 {
		t.Fatalf("cart step: %d requests, %d errors, 4xx %d; want all 10 refused", cart.Requests, cart.Errors, res.Classes.Of(ClassStatus4xx))
	}
	if pay := res.Keys[res.KeyIndex(Key{Journey: "checkout", Step: "pay"})]; pay.Requests != 0 {
		t.Errorf("the pay step ran %d times after a failed step, want 0", pay.Requests)
	}
	if ex := res.Examples[ClassStatus4xx]; len(ex) == 0 || !strings.Contains(ex[0], "status 401") {
		t.Errorf("4xx examples = %q", ex)
	}
}

// TestCookiesFlow logs in through the page flow: without the session cookie
// the account page redirects to the log-in page (followed, same host), and
// the check on the account page fails.
func TestCookiesFlow(t *testing.T) {
	t.Parallel()
	shop := startShop(t, simtarget.Config{})
	for _, tc := range []struct {
		name, login string
		want        ErrorClass
	}{
		{"with the cookie", "      - { request: POST /api/login, json: { email: a@example.com, password: x } }\n", ClassNone},
		{"without it", "", ClassCheck},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sc := load(t, shop.URL(), `defaults: { connection: shared }
traffic:
  arrivals: uniform
  phases: [ { duration: 500ms, rate: 20/s } ]
journeys:
  - name: account
    steps:
`+tc.login+`      - { request: GET /account, expect: { body_contains: Your account } }
`)
			res := runScenario(t, sc, Config{})
			if tc.want == ClassNone && res.Errors != 0 {
				t.Fatalf("%d errors: %q", res.Errors, res.Examples)
			}
			if tc.want != ClassNone {
				if res.Classes.Of(tc.want) != 10 {
					t.Fatalf("classes %v, want 10 %s", res.Classes, tc.want)
				}
				if ex := res.Examples[ClassCheck]; len(ex) == 0 || !strings.Contains(ex[0], `/login?next=/account: status 200: the body does not contain "Your account"`) {
					t.Errorf("check examples = %q, want the followed redirect and the failed check", ex)
				}
			}
		})
	}
}

// TestFailureClasses puts template, capture and check failures each in its
// class, with an example that says what went wrong.
func TestFailureClasses(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"status": "ok", "items": [{"id": 7}]}`)
	}))
	t.Cleanup(srv.Close)
	tests := []struct {
		name, step string
		class      ErrorClass
		example    string
	}{
		{"template", `{ request: "GET /p/{{ randInt 9 1 }}" }`, ClassTemplate, "j/GET /p/{{ randInt 9 1 }}: template /p/{{ randInt 9 1 }}: error calling randInt: the second number (1) must not be below the first (9)"},
		{"capture", `{ request: GET /api, capture: { id: "json:$.items[1].id" } }`, ClassCheck, "status 200: capture id: $.items[1].id found nothing in the response"},
		{"capture regex", `{ request: GET /api, capture: { id: "regex:id=(\\d+)" } }`, ClassCheck, `capture id: id=(\d+) matched nothing in the response`},
		{"status check", `{ request: GET /api, expect: { status: 201 } }`, ClassCheck, "status 200: status 200, expected 201"},
		{"json check", `{ request: GET /api, expect: { json: { "$.status": fine } } }`, ClassCheck, `$.status is "ok", expected "fine"`},
		{"unexpected 404 keeps its class", `{ request: GET /missing, expect: { status: 2xx } }`, ClassStatus4xx, "status 404"},
		{"expected 404 is fine", `{ request: GET /missing, expect: { status: 404 } }`, ClassNone, ""},
		{"max duration", `{ request: GET /api, expect: { max_duration: 1us } }`, ClassCheck, "max_duration 0.00ms"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sc := load(t, srv.URL, `traffic:
  arrivals: uniform
  phases: [ { duration: 500ms, rate: 10/s } ]
journeys:
  - name: j
    steps:
      - `+tc.step+`
`)
			res := runScenario(t, sc, Config{})
			if tc.class == ClassNone {
				if res.Errors != 0 {
					t.Fatalf("%d errors: %q", res.Errors, res.Examples)
				}
				return
			}
			if got := res.Classes.Of(tc.class); got != 5 || res.Errors != 5 {
				t.Fatalf("class %s: %d of %d errors (%v), want 5", tc.class, got, res.Errors, res.Classes)
			}
			if ex := res.Examples[tc.class]; len(ex) == 0 || !strings.Contains(ex[0], tc.example) {
				t.Errorf("examples = %q, want one containing %q", ex, tc.example)
			}
		})
	}
}

// TestRedirectsStayOnTheTarget follows a redirect on the target's host, but
// not one to another host: a load test sends load only where it was
// pointed.
func TestRedirectsStayOnTheTarget(t *testing.T) {
	t.Parallel()
	var elsewhere atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	t.Cleanup(other.Close)
	var landed atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/here":
			http.Redirect(w, r, "/landing", http.StatusSeeOther)
		case "/away":
			http.Redirect(w, r, other.URL+"/x", http.StatusFound)
		case "/landing":
			if r.Method != http.MethodGet {
				http.Error(w, "want GET after 303", http.StatusMethodNotAllowed)
				return
			}
			landed.Add(1)
		}
	}))
	t.Cleanup(srv.Close)
	sc := load(t, srv.URL, `traffic:
  arrivals: uniform
  phases: [ { duration: 500ms, rate: 10/s } ]
journeys:
  - name: j
    steps:
      - { request: POST /here, body: "a=1", expect: { status: 200 } }
      - { request: GET /away, expect: { status: 302 } }
`)
	res := runScenario(t, sc, Config{})
	if res.Errors != 0 || res.Requests != 10 {
		t.Fatalf("requests %d errors %d (%q), want 10 and 0", res.Requests, res.Errors, res.Examples)
	}
	if landed.Load() != 5 || elsewhere.Load() != 0 {
		t.Errorf("landing page saw %d GETs (want 5), the other host %d requests (want 0)", landed.Load(), elsewhere.Load())
	}
}

// TestThinkTime pauses 200ms between steps: the pause counts in the visit's
// duration, not in the next request's latency.
func TestThinkTime(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	sc := load(t, srv.URL, `defaults: { think: 200ms }
traffic:
  arrivals: uniform
  phases: [ { duration: 500ms, rate: 10/s } ]
journeys:
  - name: j
    steps: [ GET /a, GET /b ]
`)
	res := runScenario(t, sc, Config{})
	if d := res.Journeys[0].Duration.Percentile(50); d < 200*time.Millisecond {
		t.Errorf("visit p50 = %v, want at least the 200ms think time", d)
	}
	second := res.Keys[res.KeyIndex(Key{Journey: "j", Step: "GET /b"})]
	if p := second.Latency.Percentile(50); p > 100*time.Millisecond {
		t.Errorf("second step latency p50 = %v, want the request alone, not the think time", p)
	}
}

// TestUniqueDataRunsOut gives 3 rows to 10 visitors: the other 7 cannot
// start and count as missed, so the verdict cannot be GO.
func TestUniqueDataRunsOut(t *testing.T) {
	t.Parallel()
	var emails atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Query().Get("u"), "customer") {
			emails.Add(1)
		}
	}))
	t.Cleanup(srv.Close)
	sc := loadFS(t, srv.URL, `traffic:
  arrivals: uniform
  phases: [ { duration: 1s, rate: 10/s } ]
journeys:
  - name: j
    data: customers.csv
    order: unique
    steps: [ "GET /?u={{ .row.email }}" ]
`, customers(3))
	res := runScenario(t, sc, Config{})
	if res.Arrivals.Started != 3 || res.Arrivals.Missed != 7 || res.Arrivals.Exhausted != 7 || emails.Load() != 3 {
		t.Errorf("started %d, missed %d, server saw %d rows; want 3, 7, 3", res.Arrivals.Started, res.Arrivals.Missed, emails.Load())
	}
}

func TestBuildRequests(t *testing.T) { // not parallel: AllocsPerRun needs the process to itself
	sc := loadFS(t, "http://127.0.0.1:1", `defaults: { headers: { X-Campaign: spring } }
traffic:
  phases: [ { duration: 1s, rate: 1/s } ]
journeys:
  - name: j
    data: customers.csv
    steps:
      - name: json
        request: POST /api/login
        json: { email: "{{ .row.email }}", n: "{{ randInt 3 3 }}", tag: "x{{ randInt 3 3 }}", ok: true, list: [1, "two"], q: "say \"hi\"" }
      - name: form
        request: "POST /login?from={{ .visitor }}"
        form: { user: "{{ .row.email }}", note: "a b&c" }
        query: { page: "2", q: "{{ .row.email }}" }
      - name: raw
        request: PUT /raw
        headers: { Content-Type: text/plain, X-Campaign: autumn }
        body: "hello {{ .row.email }}"
      - GET /static
`, customers(1))
	journeys, err := planJourneys(sc)
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]any{scenario.VarVisitor: int64(42), scenario.VarRow: sc.Journeys[0].Data.Row(0)}
	type request struct {
		url, body string
		headers   []string
	}
	want := []request{
		{"http://127.0.0.1:1/api/login", `{"email":"customer0@example.com","n":3,"tag":"x3","ok":true,"list":[1,"two"],"q":"say \"hi\""}`,
			[]string{"X-Campaign: spring", "Content-Type: application/json"}},
		{"http://127.0.0.1:1/login?from=42&page=2&q=customer0%40example.com", "user=customer0%40example.com&note=a+b%26c",
			[]string{"X-Campaign: spring", "Content-Type: application/x-www-form-urlencoded"}},
		{"http://127.0.0.1:1/raw", "hello customer0@example.com", []string{"Content-Type: text/plain", "X-Campaign: autumn"}},
		{"http://127.0.0.1:1/static", "", []string{"X-Campaign: spring"}},
	}
	var bufs requestBuffers
	for i, sp := range journeys[0].steps {
		var ex exchange
		if err := sp.build(&ex, &bufs, vars); err != nil {
			t.Fatalf("step %s: %v", sp.name, err)
		}
		got := request{url: ex.url, body: string(ex.body)}
		for _, h := range ex.headers {
			got.headers = append(got.headers, h.Name+": "+h.Value)
		}
		if fmt.Sprint(got) != fmt.Sprint(want[i]) {
			t.Errorf("step %s:\n got %+v\nwant %+v", sp.name, got, want[i])
		}
	}
	if !journeys[0].steps[3].static || journeys[0].steps[0].static {
		t.Error("only the untemplated step should be static")
	}
	var ex exchange
	if allocs := testing.AllocsPerRun(100, func() { journeys[0].steps[3].build(&ex, &bufs, nil) }); allocs != 0 {
		t.Errorf("building a static request allocates %v times, want 0", allocs)
	}
}

// BenchmarkStep measures the generator's per-request cost over loopback
// for a plain GET and for a templated JSON POST, so their difference is
// the cost of templating.
func BenchmarkStep(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Write([]byte(`{"ok":true}`))
	}))
	b.Cleanup(srv.Close)
	for _, bc := range []struct{ name, step string }{
		{"plain-get", "GET /products/7"},
		{"templated-json", `{ request: POST /api/cart, headers: { Authorization: "Bearer {{ .visitor }}" }, json: { product_id: "{{ randInt 1 500 }}", qty: 2, email: "user{{ .visitor }}@example.com" } }`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			v, steps := stepVisitor(b, srv.URL, "connection: shared", "      - "+bc.step+"\n")
			st := &steps[0]
			vars := map[string]any{scenario.VarVisitor: int64(7)}
			b.ReportAllocs()
			for b.Loop() {
				if res := v.step(st, vars); res.class != ClassNone {
					b.Fatal(res.class, res.detail, res.err)
				}
			}
		})
	}
	b.Run("build-only", func(b *testing.B) {
		src := "name: bench\ntarget: http://127.0.0.1:1\ntraffic:\n  phases: [ { duration: 1s, rate: 1/s } ]\njourneys:\n  - name: j\n    steps:\n      - { request: POST /api/cart, json: { product_id: \"{{ randInt 1 500 }}\", qty: 2, email: \"user{{ .visitor }}@example.com\" } }\n"
		sc, _ := scenario.Parse(strings.NewReader(src), "bench.yaml", scenario.Options{})
		journeys, _ := planJourneys(sc)
		vars := map[string]any{scenario.VarVisitor: int64(7)}
		var bufs requestBuffers
		var ex exchange
		b.ReportAllocs()
		for b.Loop() {
			journeys[0].steps[0].build(&ex, &bufs, vars)
		}
		_ = bytes.MinRead
	})
}

// TestOwnCookieJoinsTheJar sends a step's own Cookie header together with
// the cookies the site set, over both HTTP versions.
func TestOwnCookieJoinsTheJar(t *testing.T) {
	t.Parallel()
	var seen atomic.Value
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/set" {
			http.SetCookie(w, &http.Cookie{Name: "sid", Value: "s1", Path: "/"})
			return
		}
		seen.Store(r.Header.Get("Cookie"))
	})
	urls := servers(t, h)
	for _, tc := range []struct{ version, target string }{{"1.1", urls["1.1"]}, {"2", urls["2"]}} {
		sc := load(t, tc.target, `defaults: { http: "`+tc.version+`" }
traffic:
  arrivals: uniform
  phases: [ { duration: 100ms, rate: 10/s } ]
journeys:
  - name: j
    steps:
      - GET /set
      - { request: GET /read, headers: { Cookie: "pref=dark" } }
`)
		res := runScenario(t, sc, Config{})
		if res.Errors != 0 || seen.Load() != "pref=dark; sid=s1" {
			t.Errorf("HTTP/%s: the server saw Cookie %q (errors %d), want \"pref=dark; sid=s1\"", tc.version, seen.Load(), res.Errors)
		}
	}
}

// TestPhasesOverlapInASharedPool starts a closed-model phase while the open
// phase's last visitors are still waiting on a slow target: the shared pool
// has room for both, so no request fails for want of a connection.
func TestPhasesOverlapInASharedPool(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
	}))
	t.Cleanup(srv.Close)
	sc := load(t, srv.URL, `defaults: { connection: shared }
traffic:
  arrivals: uniform
  max_concurrency: 4
  phases:
    - { duration: 500ms, rate: 8/s }
    - { duration: 700ms, concurrency: 4 }
journeys:
  - name: j
    steps: [ GET / ]
`)
	res := runScenario(t, sc, Config{})
	if res.Errors != 0 {
		t.Fatalf("%d errors (%v): %q", res.Errors, res.Classes, res.Examples)
	}
}

// TestHaltStopsVisitors interrupts a run while visitors think: once the
// grace period is over they stop, and nothing reaches the target after Run
// returns.
func TestHaltStopsVisitors(t *testing.T) {
	t.Parallel()
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { requests.Add(1) }))
	t.Cleanup(srv.Close)
	sc := load(t, srv.URL, `defaults: { think: 2s }
traffic:
  arrivals: uniform
  phases: [ { duration: 10s, rate: 20/s } ]
journeys:
  - name: j
    steps: [ GET /a, GET /b, GET /c ]
`)
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(time.Second, cancel)
	res, err := New(Config{Grace: 300 * time.Millisecond}).Run(ctx, sc)
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("Run error %v, want ErrInterrupted", err)
	}
	after := requests.Load()
	time.Sleep(2500 * time.Millisecond) // past every think time that was running
	if late := requests.Load() - after; late != 0 {
		t.Errorf("the target got %d requests after Run returned", late)
	}
	if res.Arrivals.Ended() != 0 || res.Arrivals.Started == 0 {
		t.Errorf("started %d, ended %d; want visits started and none ended (every one was thinking)", res.Arrivals.Started, res.Arrivals.Ended())
	}
}

// TestHostHeader sends the Host a step sets, over HTTP/1.1 as over HTTP/2.
func TestHostHeader(t *testing.T) {
	t.Parallel()
	var host atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { host.Store(r.Host) }))
	t.Cleanup(srv.Close)
	sc := load(t, srv.URL, `traffic:
  arrivals: uniform
  phases: [ { duration: 100ms, rate: 10/s } ]
journeys:
  - name: j
    steps: [ { request: GET /, headers: { Host: shop.example.test } } ]
`)
	res := runScenario(t, sc, Config{})
	if res.Errors != 0 || host.Load() != "shop.example.test" {
		t.Errorf("the server saw Host %q (errors %d), want shop.example.test", host.Load(), res.Errors)
	}
}

// TestUnsentRequestsHaveNoTimings fails every visit's second step on a
// template: the failures count, but as requests never sent they add no
// latency, service time or lag.
func TestUnsentRequestsHaveNoTimings(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	sc := load(t, srv.URL, `traffic:
  arrivals: uniform
  phases: [ { duration: 500ms, rate: 10/s } ]
journeys:
  - name: j
    steps: [ GET /, "GET /{{ randInt 2 1 }}" ]
`)
	res := runScenario(t, sc, Config{})
	all := res.Keys[0]
	if all.Requests != 10 || all.Errors != 5 || all.Latency.Count() != 5 || res.Lag.Count() != 5 {
		t.Errorf("requests %d, errors %d, latencies %d, lags %d; want 10, 5, 5, 5", all.Requests, all.Errors, all.Latency.Count(), res.Lag.Count())
	}
}

// TestRedirectLoop stops a redirect loop after 10 hops as a check failure.
func TestRedirectLoop(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/again", http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	sc := load(t, srv.URL, `traffic:
  arrivals: uniform
  phases: [ { duration: 200ms, rate: 10/s } ]
journeys:
  - name: j
    steps: [ GET / ]
`)
	res := runScenario(t, sc, Config{})
	if res.Classes.Of(ClassCheck) != 2 {
		t.Fatalf("classes %v, want 2 check failures", res.Classes)
	}
	if ex := res.Examples[ClassCheck]; len(ex) == 0 || !strings.Contains(ex[0], "stopped after 10 redirects") {
		t.Errorf("examples %q", ex)
	}
}

func TestSameHost(t *testing.T) {
	t.Parallel()
	target, _ := url.Parse("http://Shop.Example.com")
	tests := []struct {
		loc  string
		want bool
	}{
		{"http://shop.example.com/x", true},
		{"http://shop.example.com:80/x", true},
		{"https://shop.example.com/x", false}, // port 443, not 80
		{"http://shop.example.com:8080/x", false},
		{"http://cdn.example.com/x", false},
	}
	for _, tc := range tests {
		u, _ := url.Parse(tc.loc)
		if got := sameHost(u, target); got != tc.want {
			t.Errorf("sameHost(%s, %s) = %v, want %v", tc.loc, target, got, tc.want)
		}
	}
}
