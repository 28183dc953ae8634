package loadgen

import (
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/liftoff/liftoff/scenario"
)

// Results is everything one run measured. It holds no per-request data:
// counts, HDR histograms per key, and a timeline of per-interval
// histograms, so its size depends on the scenario's shape, not on how long
// the run lasted.
type Results struct {
	Scenario    scenario.Record // what was tested, secrets removed
	Version     string          // liftoff version that measured it; set by the caller
	Started     time.Time
	Elapsed     time.Duration
	Interrupted bool // the run was stopped before the plan ended
	// InterruptedAt is when, from the start: Elapsed less the grace
	// period visitors in flight had to finish. 0 when not interrupted.
	InterruptedAt time.Duration
	Interval      time.Duration // width of each timeline interval

	Arrivals ArrivalCounts
	Requests int64
	Errors   int64
	Classes  ClassCounts
	// Retries counts requests sent a second time, once at most: over a
	// kept-alive connection the target had closed, or after an HTTP/2
	// GOAWAY or REFUSED_STREAM. A request counts once in Requests however
	// often it was sent.
	Retries int64
	// Examples holds a few redacted error messages per class, so a report
	// can show what a failure looked like without storing every one.
	Examples [numClasses][]string

	// Keys[0] is every request; then each journey's requests, each followed
	// by its steps, in scenario order.
	Keys     []KeyResult
	Journeys []JourneyResult
	Lag      Distribution // send time minus intended time, open-model requests only
	Timeline []Interval
}

// ArrivalCounts counts the open model's visitors: how many the plan
// expected, how many started, and how many the generator could not start
// because max_concurrency visitors were already in flight. (How arrivals
// are spread in time is scenario.Arrivals.)
type ArrivalCounts struct {
	Planned   float64 // expected arrivals over the part of the plan that ran
	Started   int64
	Missed    int64
	Completed int64 // started visits whose every step succeeded
	Failed    int64 // started visits that ended with a failed step
	Exhausted int64 // of the missed, those whose journey's unique data file had run out
}

// Ended is the visits that ended, well or not. Short of Started only when
// the run was interrupted with visits in flight.
func (a ArrivalCounts) Ended() int64 { return a.Completed + a.Failed }

// Scheduled is the number of arrivals the schedule actually produced:
// started plus missed. Poisson arrivals scatter around Planned; rules that
// judge the target compare against what was really scheduled, so Poisson
// noise never passes for a target's failure.
func (a ArrivalCounts) Scheduled() int64 { return a.Started + a.Missed }

// ClassCounts counts requests by error class.
type ClassCounts [numClasses]int64

// Of returns the count of class c.
func (cc *ClassCounts) Of(c ErrorClass) int64 { return cc[c] }

// Key names a histogram: Journey "" is every request; Step "" is every
// request of the journey.
type Key struct {
	Journey string
	Step    string
}

// String is the key as shown in reports and SLO scopes.
func (k Key) String() string {
	switch {
	case k.Journey == "":
		return "all requests"
	case k.Step == "":
		return k.Journey
	}
	return k.Journey + "/" + k.Step
}

// KeyResult is what was measured for one key over the whole run.
type KeyResult struct {
	Key      Key
	Requests int64
	Errors   int64
	Latency  Distribution // done minus intended: what a visitor waited
	Service  Distribution // done minus sent: what the target took
}

// JourneyResult is what was measured for one journey's visits.
type JourneyResult struct {
	Name     string
	Visits   int64        // visits that ran to their end (or first failure)
	Failed   int64        // visits with a failed step
	Duration Distribution // first intended send to last response, think time included
}

// Interval is one slice of the timeline. Requests count in the interval in
// which they completed.
type Interval struct {
	Offset    time.Duration // from the start of the run
	Arrivals  int64         // visitors started
	Missed    int64         // arrivals not started (max_concurrency reached)
	Completed int64         // open-model visits that ended without a failed step
	Failed    int64         // open-model visits that ended with a failed step
	Requests  int64
	Errors    int64
	Classes   ClassCounts
	Keys      []IntervalKey // only keys that completed requests in the interval
}

// IntervalKey is one key's measurements within an interval, at the
// timeline's reduced precision.
type IntervalKey struct {
	Key      int // index into Results.Keys
	Requests int64
	Errors   int64
	latency  *hdr.PackedHistogram
	service  *hdr.PackedHistogram
}

// Latency returns the key's latency distribution in this interval.
func (ik IntervalKey) Latency() Distribution { return packedDistribution(ik.latency) }

// Service returns the key's service-time distribution in this interval.
func (ik IntervalKey) Service() Distribution { return packedDistribution(ik.service) }

// Key returns the interval's measurements for key index k, and whether any
// request of that key completed in the interval.
func (iv Interval) Key(k int) (IntervalKey, bool) {
	for _, ik := range iv.Keys {
		if ik.Key == k {
			return ik, true
		}
	}
	return IntervalKey{}, false
}

// KeyIndex returns the index of key in r.Keys, or -1.
func (r *Results) KeyIndex(key Key) int {
	for i, kr := range r.Keys {
		if kr.Key == key {
			return i
		}
	}
	return -1
}

// AchievedRate is the completed requests per second over the run.
func (r *Results) AchievedRate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// ErrorRate is failed requests over all requests, 0..1.
func (r *Results) ErrorRate() float64 {
	if r.Requests == 0 {
		return 0
	}
	return float64(r.Errors) / float64(r.Requests)
}

// Distribution is a latency distribution backed by an HDR histogram. The
// zero value is empty. Values are durations; the microsecond unit of the
// histograms stays inside this package.
type Distribution struct {
	h *hdr.Histogram
}

func packedDistribution(p *hdr.PackedHistogram) Distribution {
	if p == nil {
		return Distribution{}
	}
	d := hdr.New(p.LowestTrackableValue(), p.HighestTrackableValue(), int(p.SignificantFigures()))
	p.MergeInto(d)
	return Distribution{h: d}
}

// Count is the number of recorded values.
func (d Distribution) Count() int64 {
	if d.h == nil {
		return 0
	}
	return d.h.TotalCount()
}

// Percentile returns the value below which p percent of the values fall
// (p from 0 to 100).
func (d Distribution) Percentile(p float64) time.Duration {
	if d.Count() == 0 {
		return 0
	}
	return fromMicros(d.h.ValueAtPercentile(p))
}

// Max is the largest value, to the histogram's precision.
func (d Distribution) Max() time.Duration {
	if d.Count() == 0 {
		return 0
	}
	return fromMicros(d.h.Max())
}

// Mean is the average value.
func (d Distribution) Mean() time.Duration {
	if d.Count() == 0 {
		return 0
	}
	return time.Duration(d.h.Mean() * float64(time.Microsecond))
}

// Merge adds o's values to d.
func (d *Distribution) Merge(o Distribution) {
	if o.Count() == 0 {
		return
	}
	if d.h == nil {
		d.h = newTotalHistogram()
	}
	d.h.Merge(o.h)
}

// Equal reports whether two distributions hold the same values.
func (d Distribution) Equal(o Distribution) bool {
	if d.Count() == 0 || o.Count() == 0 {
		return d.Count() == o.Count()
	}
	return d.h.Equals(o.h)
}

// DistributionOf returns a distribution holding the given values, for
// tools and tests that build results by hand.
func DistributionOf(values ...time.Duration) Distribution {
	h := newTotalHistogram()
	for _, v := range values {
		h.RecordValue(micros(v))
	}
	return Distribution{h: h}
}

// CountAbove is the number of values above d, to the histogram's
// precision: a value counts when its whole bucket lies above d.
func (d Distribution) CountAbove(limit time.Duration) int64 {
	if d.Count() == 0 {
		return 0
	}
	us := int64(limit / time.Microsecond)
	var n int64
	for _, bar := range d.h.Distribution() {
		if bar.From > us {
			n += bar.Count
		}
	}
	return n
}
