package report

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/liftoff/liftoff/loadgen"
	"github.com/liftoff/liftoff/scenario"
	"github.com/liftoff/liftoff/simtarget"
)

// Behaviour tests here run real, short load tests against loopback
// targets: the simulated shop, or an httptest server with a handler that
// fails on purpose. Golden tests read fixed results files from testdata,
// which TestMakeFixtures writes from the same kind of real runs.

var makeFixtures = flag.Bool("fixtures", false, "rerun the real load tests behind testdata/*.results.json and rewrite them (then run with -update)")

// run parses a scenario, points it at target (a URL, or the scenario's
// own sim:shop target when target is ""), runs it and returns what it
// measured. cancelAfter > 0 interrupts the run, as Ctrl-C does.
func run(t *testing.T, yaml, target string, cancelAfter time.Duration) *loadgen.Results {
	t.Helper()
	return runWith(t, yaml, target, cancelAfter, scenario.Options{})
}

// runWith is run with the scenario's options: its files, for one.
func runWith(t *testing.T, yaml, target string, cancelAfter time.Duration, opts scenario.Options) *loadgen.Results {
	t.Helper()
	sc, err := scenario.Parse(strings.NewReader(yaml), "scenario.yaml", opts)
	if err != nil {
		t.Fatalf("scenario: %v", err)
	}
	if target == "" {
		cfg, err := simtarget.ParseSpec(sc.Target.Sim)
		if err != nil {
			t.Fatalf("sim spec: %v", err)
		}
		srv, err := simtarget.Start(cfg)
		if err != nil {
			t.Fatalf("start sim: %v", err)
		}
		t.Cleanup(srv.Close)
		target = srv.URL()
	}
	sc.Target.URL = target
	ctx := t.Context()
	if cancelAfter > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cancelAfter)
		defer cancel()
	}
	res, err := loadgen.New(loadgen.Config{Grace: time.Second}).Run(ctx, sc)
	if err != nil && !errors.Is(err, loadgen.ErrInterrupted) {
		t.Fatalf("run: %v", err)
	}
	res.Version = "v0.0.0-test"
	return res
}

// failingAfter is a target that answers 200 to its first n requests and
// 500, with an HTML error page, to every one after.
func failingAfter(t *testing.T, n int64) *httptest.Server {
	t.Helper()
	var seen atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if seen.Add(1) > n {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte("<html><body><h1>500</h1>database is gone</body></html>"))
			return
		}
		w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// fixture reads testdata/NAME.results.json.
func fixture(t *testing.T, name string) Document {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name+".results.json"))
	if err != nil {
		t.Fatalf("fixture: %v (write it with go test ./report -run TestMakeFixtures -fixtures)", err)
	}
	doc, err := ReadJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	return doc
}

// The fixtures: one real run per verdict, plus one whose names and target
// answers are full of markup.
var fixtures = []struct {
	name    string
	verdict Verdict
	yaml    string
	// target returns the URL to test; nil means the scenario's sim:shop.
	target func(t *testing.T) string
	cancel time.Duration
}{
	{
		name:    "go",
		verdict: Go,
		yaml: `name: Spring sale email blast
target: sim:shop?capacity=2000&service=10ms
traffic:
  campaign:
    shape: email-blast
    audience: 1.2M
    response: 6%
    peak_at: 20m
    duration: 3h
  load_factor: 2x
  window: peak 15s
  arrivals: poisson
  seed: 7
journeys:
  - name: browse
    weight: 70
    steps:
      - GET /
      - GET /products/42
      - GET /api/products/42
  - name: search
    weight: 30
    steps:
      - GET /
      - GET /api/search?q=sneakers
slo:
  - p95 < 250ms
  - p99 < 500ms
  - error_rate < 1%
  - throughput >= 99%
  - browse: p95 < 300ms
  - p95 < 250ms for 5s
`,
	},
	{
		name:    "nogo",
		verdict: NoGo,
		yaml: `name: Product launch
target: sim:shop?capacity=150&service=20ms&queue=40
traffic:
  arrivals: poisson
  seed: 11
  phases:
    - { name: warm-up, duration: 3s, rate: 15/s }
    - { name: launch,  duration: 5s, rate: 15/s, ramp_to: 90/s }
    - { name: peak,    duration: 6s, rate: 90/s }
journeys:
  - name: browse
    weight: 80
    steps:
      - GET /
      - GET /products/42
      - GET /api/products/42
  - name: search
    weight: 20
    steps:
      - GET /
      - GET /api/search?q=sneakers
slo:
  - p95 < 250ms
  - p99 < 500ms
  - error_rate < 1%
  - throughput >= 99%
  - phase peak: p95 < 250ms for 3s
`,
	},
	{
		name:    "inconclusive",
		verdict: Inconclusive,
		yaml: `name: Newsletter click-through
target: sim:shop?workers=64&service=100ms&spread=0
traffic:
  arrivals: uniform
  max_concurrency: 20
  phases:
    - { name: steady, duration: 6s, rate: 300/s }
journeys:
  - name: product
    steps:
      - GET /products/7
slo:
  - p95 < 300ms
  - error_rate < 1%
  - throughput >= 99%
`,
	},
	{
		name:    "xss",
		verdict: NoGo,
		yaml: `name: <script>alert(1)</script>
target: http://127.0.0.1:1
traffic:
  arrivals: uniform
  phases:
    - { name: "<svg onload=alert(5)>", duration: 2s, rate: 20/s }
journeys:
  - name: <img src=x onerror=alert(4)>
    steps:
      - GET /
slo:
  - "<img src=x onerror=alert(4)>: error_rate < 1%"
  - p95 < 1s
`,
		target: func(t *testing.T) string { return markupTarget(t).URL },
	},
}

// markupTarget answers every request 500 with an error page full of
// markup that would run, fetch or navigate if a report let it through.
func markupTarget(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(markupBody))
	}))
	t.Cleanup(srv.Close)
	return srv
}

const markupBody = `<b>boom</b><script>alert(2)</script><img src="/xss-body.png" onerror="alert(3)"><a href="javascript:alert(6)">x</a> | ]]> & <!-- --> <style>body{display:none}</style>`

// TestMakeFixtures reruns the fixture load tests and rewrites their
// results files. It runs only with -fixtures.
func TestMakeFixtures(t *testing.T) {
	if !*makeFixtures {
		t.Skip("rewrites testdata/*.results.json only with -fixtures")
	}
	for _, fx := range fixtures {
		t.Run(fx.name, func(t *testing.T) {
			target := ""
			if fx.target != nil {
				target = fx.target(t)
			}
			res := run(t, fx.yaml, target, fx.cancel)
			doc, err := NewDocument(res)
			if err != nil {
				t.Fatal(err)
			}
			if doc.Judgement.Verdict != fx.verdict {
				t.Fatalf("verdict %s, want %s: %v", doc.Judgement.Verdict, fx.verdict, doc.Judgement.Reasons)
			}
			// Write the file as liftoff run does: from the results read
			// back, whose durations have the file's microsecond precision.
			var b bytes.Buffer
			if err := WriteJSON(&b, doc); err != nil {
				t.Fatal(err)
			}
			doc, err = ReadJSON(&b)
			if err != nil {
				t.Fatal(err)
			}
			b.Reset()
			if err := WriteJSON(&b, doc); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join("testdata", fx.name+".results.json"), b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		})
	}
}
