package stream

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metricspb "go.opentelemetry.io/proto/otlp/metrics/v1"

	"github.com/liftoff/liftoff/internal/otlptest"
	"github.com/liftoff/liftoff/loadgen"
	"github.com/liftoff/liftoff/scenario"
)

// runWith runs a short scenario against a loopback target that fails the
// buy journey's second step, streaming every interval to sinks, and
// returns the results, the intervals the run closed and what each sink
// delivered.
func runWith(t *testing.T, queue int, interval time.Duration, sinks ...Sink) (*loadgen.Results, []loadgen.Tick, []Result) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/checkout" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		fmt.Fprint(w, "ok")
	}))
	t.Cleanup(srv.Close)
	src := `name: streamed
target: ` + srv.URL + `
traffic:
  arrivals: uniform
  seed: 3
  phases: [ { name: only, duration: 2s, rate: 60/s } ]
journeys:
  - name: browse
    weight: 3
    steps: [ GET /, GET /products/1 ]
  - name: buy
    steps: [ POST /api/cart, POST /api/checkout ]
`
	sc, err := scenario.Parse(strings.NewReader(src), "streamed.yaml", scenario.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := New(queue, sinks...)
	var ticks []loadgen.Tick // the collector appends; Run's return orders it before the reads
	res, err := loadgen.New(loadgen.Config{Interval: interval, OnInterval: func(tk loadgen.Tick) {
		ticks = append(ticks, tk)
		s.Tick(tk)
	}}).Run(t.Context(), sc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	return res, ticks, s.Close(ctx)
}

func otlpSink(t *testing.T, url string, delta bool) *OTLP {
	t.Helper()
	o, err := NewOTLP(OTLPConfig{URL: url, Version: "v1.2.3", Scenario: "streamed", Target: "http://127.0.0.1", Delta: delta})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestOTLPReceiverGetsEveryInterval streams a real run to a real OTLP/HTTP
// receiver and checks what the receiver decoded: one export per interval,
// running totals that end at the results' counts, per step and per error
// class, histograms whose buckets hold every successful request, and the rates.
func TestOTLPReceiverGetsEveryInterval(t *testing.T) {
	t.Parallel()
	rcv := otlptest.Start(t)
	res, ticks, results := runWith(t, 0, 250*time.Millisecond, otlpSink(t, rcv.URL, false))
	exports := rcv.Exports()
	if r := results[0]; r.Sent != len(ticks) || r.Lost() != 0 || r.Err != nil || len(exports) != len(ticks) {
		t.Fatalf("%d intervals closed, %d received; result %v", len(ticks), len(exports), r)
	}
	start := uint64(res.Started.UnixNano())
	var prev int64
	for i, ex := range exports {
		rm := ex.GetResourceMetrics()[0]
		if got := otlptest.Attr(rm.GetResource().GetAttributes(), "service.name"); got != "liftoff" {
			t.Fatalf("service.name %q", got)
		}
		if got := otlptest.Attr(rm.GetResource().GetAttributes(), "liftoff.scenario"); got != "streamed" {
			t.Errorf("liftoff.scenario %q", got)
		}
		requests := otlptest.Metric(ex, MetricRequests).GetSum()
		if requests.GetAggregationTemporality() != metricspb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE || !requests.GetIsMonotonic() {
			t.Fatalf("export %d: %s is not a cumulative monotonic sum", i, MetricRequests)
		}
		for _, p := range requests.GetDataPoints() {
			if p.GetStartTimeUnixNano() != start {
				t.Errorf("export %d: a point starts at %d, not at the run's start %d", i, p.GetStartTimeUnixNano(), start)
			}
		}
		total := otlptest.SumOf(ex, MetricRequests)
		if total < prev {
			t.Errorf("export %d: running total fell from %d to %d", i, prev, total)
		}
		if want := ticks[i].Requests; total-prev != want {
			t.Errorf("export %d: %d requests more than the last, the interval closed %d", i, total-prev, want)
		}
		prev = total
		if got, want := otlptest.Metric(ex, MetricRequestRate).GetGauge().GetDataPoints()[0].GetAsDouble(), float64(ticks[i].Requests)/0.25; got != want {
			t.Errorf("export %d: request rate %v, want %v", i, got, want)
		}
	}
	last := exports[len(exports)-1]
	if got := otlptest.SumOf(last, MetricRequests); got != res.Requests {
		t.Errorf("the receiver counted %d requests, the results %d", got, res.Requests)
	}
	if got, want := otlptest.SumOf(last, MetricStarted), res.Arrivals.Started; got != want {
		t.Errorf("%s = %d, results %d", MetricStarted, got, want)
	}
	for _, p := range otlptest.Metric(last, MetricErrors).GetSum().GetDataPoints() {
		class, _ := loadgen.ParseErrorClass(otlptest.Attr(p.GetAttributes(), AttrError))
		if p.GetAsInt() != res.Classes.Of(class) || class != loadgen.ClassStatus5xx {
			t.Errorf("errors of class %v: %d, results %d", class, p.GetAsInt(), res.Classes.Of(class))
		}
	}
	for _, p := range otlptest.Metric(last, MetricRequests).GetSum().GetDataPoints() {
		key := loadgen.Key{Journey: otlptest.Attr(p.GetAttributes(), AttrJourney), Step: otlptest.Attr(p.GetAttributes(), AttrStep)}
		if k := res.KeyIndex(key); k < 0 || res.Keys[k].Requests != p.GetAsInt() {
			t.Errorf("step %v: %d requests, results key %d", key, p.GetAsInt(), k)
		}
	}
	for _, p := range otlptest.Metric(last, MetricDuration).GetHistogram().GetDataPoints() {
		key := loadgen.Key{Journey: otlptest.Attr(p.GetAttributes(), AttrJourney), Step: otlptest.Attr(p.GetAttributes(), AttrStep)}
		var n uint64
		for _, c := range p.GetBucketCounts() {
			n += c
		}
		k := res.KeyIndex(key)
		if n != p.GetCount() || k < 0 || int64(n) != res.Keys[k].Latency.Count() || len(p.GetExplicitBounds()) != len(DurationBounds) {
			t.Errorf("step %v: buckets hold %d, count %d, results %d latencies", key, n, p.GetCount(), res.Keys[k].Latency.Count())
		}
		// Latency covers successful requests: the checkout step, which
		// always fails, has an empty histogram.
		if failing := key.Step == "POST /api/checkout"; failing != (p.GetCount() == 0) ||
			!failing && (p.GetMin() > p.GetMax() || p.GetMax() > 1 || p.GetSum() <= 0) {
			t.Errorf("step %v: count %d min %v max %v sum %v", key, p.GetCount(), p.GetMin(), p.GetMax(), p.GetSum())
		}
	}
	if lag := otlptest.Metric(last, MetricLag).GetHistogram().GetDataPoints()[0].GetCount(); int64(lag) != res.Lag.Count() {
		t.Errorf("lag histogram holds %d, results %d", lag, res.Lag.Count())
	}
}

// TestOTLPDelta checks delta temporality: each export holds its interval
// alone, and the exports add up to the results.
func TestOTLPDelta(t *testing.T) {
	t.Parallel()
	rcv := otlptest.Start(t)
	res, ticks, _ := runWith(t, 0, 500*time.Millisecond, otlpSink(t, rcv.URL, true))
	var requests, errs int64
	for i, ex := range rcv.Exports() {
		m := otlptest.Metric(ex, MetricRequests).GetSum()
		if m.GetAggregationTemporality() != metricspb.AggregationTemporality_AGGREGATION_TEMPORALITY_DELTA {
			t.Fatalf("export %d is not delta", i)
		}
		for _, p := range m.GetDataPoints() {
			if want := uint64(res.Started.Add(ticks[i].Offset).UnixNano()); p.GetStartTimeUnixNano() != want {
				t.Errorf("export %d: a point starts at %d, not at its interval's start %d", i, p.GetStartTimeUnixNano(), want)
			}
		}
		requests += otlptest.SumOf(ex, MetricRequests)
		errs += otlptest.SumOf(ex, MetricErrors)
	}
	if requests != res.Requests || errs != res.Errors {
		t.Errorf("the exports add up to %d requests and %d errors, the results %d and %d", requests, errs, res.Requests, res.Errors)
	}
}

// TestOTLPRefused checks that a receiver refusing every export costs the
// intervals, counted with the receiver's answer, and never the run.
func TestOTLPRefused(t *testing.T) {
	t.Parallel()
	rcv := otlptest.Start(t)
	rcv.Refuse(http.StatusBadRequest)
	res, ticks, results := runWith(t, 0, 500*time.Millisecond, otlpSink(t, rcv.URL, false))
	r := results[0]
	if r.Sent != 0 || r.Failed != len(ticks) || r.Err == nil || !strings.Contains(r.Err.Error(), "400") {
		t.Errorf("result %v for %d intervals", r, len(ticks))
	}
	if res.Requests != 2*120 {
		t.Errorf("%d requests, want 240: the run does not depend on the sink", res.Requests)
	}
}

// stuck is a sink that blocks until released: a collector that stopped
// answering.
type stuck struct {
	release chan struct{}
	sent    int
}

func (s *stuck) Send(ctx context.Context, _ loadgen.Tick) error {
	select {
	case <-s.release:
		s.sent++
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
func (s *stuck) Close(context.Context) error { return nil }
func (s *stuck) String() string              { return "stuck" }

// TestStuckSinkNeverStallsTheRun streams to a sink that does not return:
// the run keeps its schedule and counts, the queue fills and the newest
// intervals are dropped and counted, and Close's deadline ends the wait.
func TestStuckSinkNeverStallsTheRun(t *testing.T) {
	t.Parallel()
	sink := &stuck{release: make(chan struct{})}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	t.Cleanup(srv.Close)
	sc, err := scenario.Parse(strings.NewReader("name: s\ntarget: "+srv.URL+"\ntraffic:\n  arrivals: uniform\n  phases: [ { duration: 1s, rate: 50/s } ]\njourneys: [ { name: j, steps: [ GET / ] } ]\n"), "s.yaml", scenario.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := New(2, sink)
	ticks := 0
	res, err := loadgen.New(loadgen.Config{Interval: 50 * time.Millisecond, OnInterval: func(tk loadgen.Tick) { ticks++; s.Tick(tk) }}).Run(t.Context(), sc)
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 50 || res.Arrivals.Missed != 0 {
		t.Errorf("%d requests, %d missed: the stuck sink slowed the run", res.Requests, res.Arrivals.Missed)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel() // no time left to deliver anything
	r := s.Close(ctx)[0]
	if r.Dropped != ticks-3 || r.Failed != 3 || r.Sent != 0 {
		t.Errorf("%d intervals: result %v, want %d dropped (a queue of 2 and one in Send) and 3 failed", ticks, r, ticks-3)
	}
}

// TestJSONLWritesALinePerInterval streams a real run to a file and reads
// it back strictly: a line per interval, adding up to the results.
func TestJSONLWritesALinePerInterval(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "intervals.jsonl")
	// A previous run's longer file: its content must not survive.
	if err := os.WriteFile(path, bytes.Repeat([]byte("{\"old\": true}\n"), 10000), 0o644); err != nil {
		t.Fatal(err)
	}
	sink, err := NewJSONL(path)
	if err != nil {
		t.Fatal(err)
	}
	res, ticks, results := runWith(t, 0, 500*time.Millisecond, sink)
	if r := results[0]; r.Sent != len(ticks) || r.Lost() != 0 || r.Err != nil {
		t.Fatalf("result %v", r)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var lines []Line
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		var l Line
		if err := dec.Decode(&l); err != nil {
			t.Fatalf("line %d: %v\n%s", len(lines)+1, err, sc.Bytes())
		}
		lines = append(lines, l)
	}
	if len(lines) != len(ticks) {
		t.Fatalf("%d lines for %d intervals", len(lines), len(ticks))
	}
	var requests, errs, fivexx, arrivals int64
	for i, l := range lines {
		requests += l.Requests
		errs += l.Errors
		fivexx += l.ErrorsByClass["5xx"]
		arrivals += l.Arrivals
		if l.OffsetS != ticks[i].Offset.Seconds() || l.WidthS != 0.5 || l.RequestRate != float64(l.Requests)*2 {
			t.Errorf("line %d: offset %v, width %v, rate %v for %d requests", i, l.OffsetS, l.WidthS, l.RequestRate, l.Requests)
		}
		if p := l.LatencyMS; p != nil && !(p.P50 <= p.P90 && p.P90 <= p.P95 && p.P95 <= p.P99 && p.P99 <= p.Max) {
			t.Errorf("line %d: percentiles out of order: %+v", i, *p)
		}
		var keyRequests int64
		for _, k := range l.Keys {
			if k.Step != "" {
				keyRequests += k.Requests
			}
		}
		if keyRequests != l.Requests {
			t.Errorf("line %d: steps hold %d requests, the line %d", i, keyRequests, l.Requests)
		}
	}
	if requests != res.Requests || errs != res.Errors || fivexx != res.Errors || arrivals != res.Arrivals.Started {
		t.Errorf("lines add up to %d requests, %d errors (%d 5xx), %d arrivals; results %d, %d, %d", requests, errs, fivexx, arrivals, res.Requests, res.Errors, res.Arrivals.Started)
	}
}

func TestPercentilesFromBuckets(t *testing.T) {
	t.Parallel()
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	got := percentiles([]loadgen.Bucket{{Value: ms(1), Count: 50}, {Value: ms(2), Count: 40}, {Value: ms(10), Count: 9}, {Value: ms(100), Count: 1}})
	want := Percentiles{P50: 1, P90: 2, P95: 10, P99: 10, Max: 100}
	if got == nil || *got != want {
		t.Errorf("percentiles = %+v, want %+v", got, want)
	}
	if percentiles(nil) != nil {
		t.Error("no buckets should have no percentiles")
	}
}

func TestHistogramBuckets(t *testing.T) {
	t.Parallel()
	h := histOf([]loadgen.Bucket{{Value: 500 * time.Microsecond, Count: 2}, {Value: time.Millisecond, Count: 3}, {Value: 1100 * time.Microsecond, Count: 1}, {Value: 2 * time.Minute, Count: 1}})
	want := make([]uint64, len(DurationBounds)+1)
	want[0], want[1], want[len(DurationBounds)] = 5, 1, 1 // (−∞, 1ms], (1ms, 2.5ms], (60s, +∞)
	if fmt.Sprint(h.counts) != fmt.Sprint(want) || h.count != 7 || h.min != 0.0005 || h.max != 120 {
		t.Errorf("histogram %+v, want counts %v", *h, want)
	}
}

func TestCheckOTLPURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"http://localhost:4318":              "",
		"https://otlp.example.com/v1/metric": "",
		"localhost:4318":                     `"localhost:4318" is not an http or https URL`,
		"grpc://localhost:4317":              `"grpc://localhost:4317" is not an http or https URL`,
		"http://":                            `"http://" has no host`,
	} {
		err := CheckOTLPURL(in)
		if (err == nil) != (want == "") || err != nil && !strings.HasPrefix(err.Error(), want) {
			t.Errorf("CheckOTLPURL(%q) = %v, want %q", in, err, want)
		}
	}
}

func TestTemporality(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"": "cumulative", "Cumulative": "cumulative", "delta": "delta", "LOWMEMORY": "delta", "sometimes": "error"} {
		delta, err := Temporality(func(string) (string, bool) { return in, in != "" })
		got := map[bool]string{false: "cumulative", true: "delta"}[delta]
		if err != nil {
			got = "error"
		}
		if got != want {
			t.Errorf("%q: %s, want %s", in, got, want)
		}
	}
}

// sampleTick is an interval of a run with two journeys of three steps.
func sampleTick() loadgen.Tick {
	now := time.Now()
	t := loadgen.Tick{Began: now, Closed: now.Add(time.Second), Width: time.Second, Planned: 100, Arrivals: 100, Requests: 300}
	for j := range 2 {
		for s := range 3 {
			var b []loadgen.Bucket
			for v := range 40 {
				b = append(b, loadgen.Bucket{Value: time.Duration(1+v*v) * 100 * time.Microsecond, Count: int64(1 + v%5)})
			}
			t.Keys = append(t.Keys, loadgen.TickKey{Key: loadgen.Key{Journey: fmt.Sprint("j", j), Step: fmt.Sprint("s", s)}, Requests: 50, Latency: b})
		}
	}
	t.Lag = t.Keys[0].Latency
	return t
}

// BenchmarkTickOnFullQueue measures what the collector's goroutine pays
// per interval when a sink has stopped: a queue that is full.
func BenchmarkTickOnFullQueue(b *testing.B) {
	sink := &stuck{release: make(chan struct{})}
	s := New(1, sink)
	tk := sampleTick()
	s.Tick(tk)
	s.Tick(tk)
	b.ReportAllocs()
	for b.Loop() {
		s.Tick(tk)
	}
	b.StopTimer()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s.Close(ctx)
}

// BenchmarkOTLPMetrics measures building one interval's metric data, on
// the sink's goroutine.
func BenchmarkOTLPMetrics(b *testing.B) {
	o := &OTLP{}
	tk := sampleTick()
	b.ReportAllocs()
	for b.Loop() {
		o.metrics(tk)
	}
}

// TestJSONLUnwrittenLosesNothing: a run stopped before its first interval
// (waiting for --start-at, then Ctrl-C) leaves an existing file as it was
// and no file where there was none.
func TestJSONLUnwrittenLosesNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	existing := filepath.Join(dir, "last-run.jsonl")
	const old = "{\"offset_s\": 0}\n"
	if err := os.WriteFile(existing, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	fresh := filepath.Join(dir, "new.jsonl")
	for _, path := range []string{existing, fresh} {
		sink, err := NewJSONL(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := sink.Close(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if b, err := os.ReadFile(existing); err != nil || string(b) != old {
		t.Errorf("the existing file holds %q (%v), want it untouched", b, err)
	}
	if _, err := os.Stat(fresh); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a file nothing was written to is left behind: %v", err)
	}
}
