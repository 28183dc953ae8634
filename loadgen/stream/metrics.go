package stream

import (
	"slices"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/liftoff/liftoff/loadgen"
)

// The metrics OTLP exports, one set per interval. docs/metrics.md
// describes each; a test checks that it names every one of these.
const (
	MetricRequests    = "liftoff.requests"              // sum, {request}: completed requests, per journey and step
	MetricErrors      = "liftoff.request.errors"        // sum, {request}: failed requests, per error.type
	MetricDuration    = "liftoff.request.duration"      // histogram, s: successful requests' latency from the intended send time, per journey and step
	MetricRequestRate = "liftoff.request.rate"          // gauge, {request}/s: requests completed per second in the interval
	MetricStarted     = "liftoff.visitors.started"      // sum, {visitor}: open-model visitors started
	MetricMissed      = "liftoff.visitors.missed"       // sum, {visitor}: arrivals the generator could not start
	MetricVisits      = "liftoff.visits"                // sum, {visit}: open-model visits that ended, per liftoff.visit.outcome
	MetricPlannedRate = "liftoff.visitors.planned_rate" // gauge, {visitor}/s: the plan's arrival rate over the interval
	MetricArrivalRate = "liftoff.visitors.arrival_rate" // gauge, {visitor}/s: visitors started per second in the interval
	MetricInFlight    = "liftoff.visitors.in_flight"    // gauge, {visitor}: visitors in flight when the interval closed
	MetricLag         = "liftoff.generator.lag"         // histogram, s: how late the generator sent open-model requests
)

// Attribute keys of the data points.
const (
	AttrJourney = "liftoff.journey"
	AttrStep    = "liftoff.step"
	AttrError   = "error.type"            // a failure class: refused, reset, dns, tls, timeout, 4xx, 5xx, check, template, protocol, other, generator
	AttrOutcome = "liftoff.visit.outcome" // completed or failed
)

// DurationBounds are the explicit bucket bounds, in seconds, of
// liftoff.request.duration and liftoff.generator.lag: OpenTelemetry's
// HTTP duration buckets, with 1ms and 2.5ms below them and 30s and 60s
// above for a target that stalls.
var DurationBounds = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60}

// hist is an explicit-bucket histogram over DurationBounds, in seconds.
type hist struct {
	count    uint64
	sum      float64
	min, max float64
	counts   []uint64 // len(DurationBounds)+1
}

// histOf sorts a timeline histogram's buckets into DurationBounds. Each
// bucket counts at its value, so a value within the timeline's precision
// (0.1%) of a bound may land on the bound's other side.
func histOf(buckets []loadgen.Bucket) *hist {
	h := &hist{counts: make([]uint64, len(DurationBounds)+1)}
	for _, b := range buckets {
		h.record(b.Value.Seconds(), uint64(b.Count))
	}
	return h
}

func (h *hist) record(v float64, n uint64) {
	if n == 0 {
		return
	}
	i, _ := slices.BinarySearch(DurationBounds, v) // the first bound >= v: buckets hold (previous bound, bound]
	h.counts[i] += n
	if h.count == 0 || v < h.min {
		h.min = v
	}
	if h.count == 0 || v > h.max {
		h.max = v
	}
	h.count += n
	h.sum += v * float64(n)
}

func (h *hist) add(o *hist) {
	if o.count == 0 {
		return
	}
	if h.count == 0 || o.min < h.min {
		h.min = o.min
	}
	if h.count == 0 || o.max > h.max {
		h.max = o.max
	}
	h.count += o.count
	h.sum += o.sum
	for i, c := range o.counts {
		h.counts[i] += c
	}
}

func (h *hist) point(attrs attribute.Set, start, end time.Time) metricdata.HistogramDataPoint[float64] {
	p := metricdata.HistogramDataPoint[float64]{
		Attributes: attrs, StartTime: start, Time: end,
		Count: h.count, Sum: h.sum, Bounds: DurationBounds, BucketCounts: slices.Clone(h.counts),
	}
	if h.count > 0 {
		p.Min, p.Max = metricdata.NewExtrema(h.min), metricdata.NewExtrema(h.max)
	}
	return p
}

// otlpTotals are the sums and histograms of some intervals: one Tick's,
// or for cumulative temporality every Tick's so far.
type otlpTotals struct {
	steps                              []loadgen.Key // in the order first seen, so points keep their order
	requests                           map[loadgen.Key]int64
	latency                            map[loadgen.Key]*hist
	errors                             loadgen.ClassCounts
	started, missed, completed, failed int64
	lag                                *hist
}

func newTotals() otlpTotals {
	return otlpTotals{requests: map[loadgen.Key]int64{}, latency: map[loadgen.Key]*hist{}, lag: histOf(nil)}
}

// totalsOf are one Tick's: the steps' requests (the journeys' and the
// all-request key are sums of them, which a backend adds up itself).
func totalsOf(t loadgen.Tick) otlpTotals {
	a := newTotals()
	for _, k := range t.Keys {
		if k.Key.Step == "" {
			continue
		}
		a.steps = append(a.steps, k.Key)
		a.requests[k.Key] = k.Requests
		a.latency[k.Key] = histOf(k.Latency)
	}
	a.errors = t.Classes
	a.started, a.missed, a.completed, a.failed = t.Arrivals, t.Missed, t.Completed, t.Failed
	a.lag = histOf(t.Lag)
	return a
}

func (a *otlpTotals) add(b otlpTotals) {
	for _, k := range b.steps {
		if _, seen := a.requests[k]; !seen {
			a.steps = append(a.steps, k)
			a.latency[k] = histOf(nil)
		}
		a.requests[k] += b.requests[k]
		a.latency[k].add(b.latency[k])
	}
	for c := range a.errors {
		a.errors[c] += b.errors[c]
	}
	a.started += b.started
	a.missed += b.missed
	a.completed += b.completed
	a.failed += b.failed
	a.lag.add(b.lag)
}

// metrics builds the ResourceMetrics of one interval.
func (o *OTLP) metrics(t loadgen.Tick) metricdata.ResourceMetrics {
	from, end := t.Began.Add(t.Offset), t.Closed
	temporality := metricdata.DeltaTemporality
	a := totalsOf(t)
	if !o.delta {
		if o.totals.requests == nil {
			o.totals = newTotals()
		}
		o.totals.add(a)
		a, from, temporality = o.totals, t.Began, metricdata.CumulativeTemporality
	}
	none := attribute.NewSet()
	sum := func(name, unit, desc string, points ...metricdata.DataPoint[int64]) metricdata.Metrics {
		for i := range points {
			points[i].StartTime, points[i].Time = from, end
		}
		return metricdata.Metrics{Name: name, Unit: unit, Description: desc,
			Data: metricdata.Sum[int64]{DataPoints: points, Temporality: temporality, IsMonotonic: true}}
	}
	gauge := func(name, unit, desc string, v float64) metricdata.Metrics {
		return metricdata.Metrics{Name: name, Unit: unit, Description: desc,
			Data: metricdata.Gauge[float64]{DataPoints: []metricdata.DataPoint[float64]{{Attributes: none, Time: end, Value: v}}}}
	}
	var requests []metricdata.DataPoint[int64]
	var durations []metricdata.HistogramDataPoint[float64]
	for _, k := range a.steps {
		attrs := attribute.NewSet(attribute.String(AttrJourney, k.Journey), attribute.String(AttrStep, k.Step))
		requests = append(requests, metricdata.DataPoint[int64]{Attributes: attrs, Value: a.requests[k]})
		durations = append(durations, a.latency[k].point(attrs, from, end))
	}
	var errs []metricdata.DataPoint[int64]
	for _, c := range loadgen.ErrorClasses() {
		if n := a.errors.Of(c); n > 0 && c.Failed() { // a request cut off at the halt did not fail
			errs = append(errs, metricdata.DataPoint[int64]{Attributes: attribute.NewSet(attribute.String(AttrError, c.String())), Value: n})
		}
	}
	width := t.Width.Seconds()
	ms := []metricdata.Metrics{
		sum(MetricRequests, "{request}", "Requests completed, per journey and step.", requests...),
		{Name: MetricDuration, Unit: "s", Description: "Latency of successful requests from the intended send time, per journey and step.",
			Data: metricdata.Histogram[float64]{DataPoints: durations, Temporality: temporality}},
		sum(MetricErrors, "{request}", "Failed requests, by error class.", errs...),
		gauge(MetricRequestRate, "{request}/s", "Requests completed per second in the interval.", float64(t.Requests)/width),
		sum(MetricStarted, "{visitor}", "Open-model visitors started.", metricdata.DataPoint[int64]{Attributes: none, Value: a.started}),
		sum(MetricMissed, "{visitor}", "Arrivals the generator could not start.", metricdata.DataPoint[int64]{Attributes: none, Value: a.missed}),
		sum(MetricVisits, "{visit}", "Open-model visits that ended, by outcome.",
			metricdata.DataPoint[int64]{Attributes: attribute.NewSet(attribute.String(AttrOutcome, "completed")), Value: a.completed},
			metricdata.DataPoint[int64]{Attributes: attribute.NewSet(attribute.String(AttrOutcome, "failed")), Value: a.failed}),
		gauge(MetricPlannedRate, "{visitor}/s", "The plan's visitor arrival rate over the interval.", t.Planned/width),
		gauge(MetricArrivalRate, "{visitor}/s", "Visitors started per second in the interval.", float64(t.Arrivals)/width),
		{Name: MetricInFlight, Unit: "{visitor}", Description: "Visitors in flight when the interval closed.",
			Data: metricdata.Gauge[int64]{DataPoints: []metricdata.DataPoint[int64]{{Attributes: none, Time: end, Value: t.InFlight}}}},
		{Name: MetricLag, Unit: "s", Description: "How late the generator sent open-model requests: actual minus intended send time.",
			Data: metricdata.Histogram[float64]{DataPoints: []metricdata.HistogramDataPoint[float64]{a.lag.point(none, from, end)}, Temporality: temporality}},
	}
	return metricdata.ResourceMetrics{Resource: o.resource, ScopeMetrics: []metricdata.ScopeMetrics{{Scope: o.scope, Metrics: ms}}}
}
