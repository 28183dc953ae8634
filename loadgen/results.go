package loadgen

import (
	"time"

	"github.com/liftoff/liftoff/scenario"
)

// Results is everything one run measured. It holds no per-request data:
// counts, HDR histograms per key, and a timeline of per-interval
// histograms, so its size depends on the scenario's shape, not on how long
// the run lasted.
type Results struct {
	Scenario scenario.Record // what was tested, secrets removed
	Version  string          // liftoff version that measured it; set by the caller
	Started  time.Time
	Elapsed  time.Duration
	// Ran is how much of the plan ran: all of it, or up to the interrupt.
	// Elapsed adds the drain after it (the last visits' answers) and an
	// interrupt's grace period, when no arrival was planned.
	Ran         time.Duration
	Interrupted bool // the run was stopped before the plan ended
	// InterruptedAt is when, from the start: Elapsed less the grace
	// period visitors in flight had to finish. 0 when not interrupted.
	InterruptedAt time.Duration
	// Abort is the abort rule that stopped the run, when one did. The
	// caller judges abort rules on the Ticks it gets (Config.OnInterval)
	// and cancels the run; loadgen stops it as for an interrupt and
	// records nothing of why, so the caller sets this, as it sets
	// Version, and every report reads it back. nil otherwise.
	Abort    *Abort
	Interval time.Duration // width of each timeline interval

	// Segment is the share of the plan the run sent (liftoff run
	// --segment); the zero value is all of it. Host is the machine that
	// ran it, set by the caller. StartDelay is how long after the start
	// a run given one (--start-at) began sending: time its first arrivals
	// were late by.
	Segment    Segment
	Host       string
	StartDelay time.Duration
	// Segments are, for results merged from segments (Merge), what each
	// segment's process measured of itself, in segment order: the report
	// judges each generator's health apart. Nil for a single process's
	// results.
	Segments []SegmentRun

	Arrivals ArrivalCounts
	Closed   ClosedCounts
	Requests int64
	Errors   int64
	Classes  ClassCounts
	// Failures holds the timings of failed requests per class, over the
	// whole run: the keys' latency and service time describe successful
	// requests only.
	Failures [numClasses]ClassTiming
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
	Signals  Signals      // the generator's own measurements: delay, CPU, connections
	Timeline []Interval
}

// Abort is an abort rule that tripped: the rule, what its metric came to
// over the window that tripped it, and that window.
type Abort struct {
	Rule     string        // as the scenario writes it: "error_rate > 50% for 30s"
	Measured float64       // the rule's metric over the window: milliseconds for latency, 0..1 for error_rate
	Samples  int64         // the requests behind Measured
	From, To time.Duration // the window, from the run's start; the run stopped at To
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

// ClosedCounts counts the closed model's looping visitors.
type ClosedCounts struct {
	Visitors int64 // looping visitors started
	Stopped  int64 // of them, those that stopped before their phase ended: a unique data file ran out
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

// ClassTiming is how long the failed requests of one class took: from
// their intended time, and from their actual send.
type ClassTiming struct {
	Latency Distribution
	Service Distribution
}

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
// Latency and Service describe the requests the target answered
// successfully, and those the run's end cut off, at their time so far:
// Requests minus Errors values in all.
type KeyResult struct {
	Key             Key
	Requests        int64        // every request, sent or not
	Errors          int64        // failed requests, whoever failed them
	GeneratorErrors int64        // of the errors, those the generator failed itself: they never reached the target
	CutOff          int64        // still waiting for an answer when the run stopped: counted, not failed
	Latency         Distribution // done minus intended: what a visitor waited
	Service         Distribution // done minus sent: what the target took
}

// TargetRequests are the requests that reached the target (or were meant
// to, had it been up): every request but those the generator failed.
func (k KeyResult) TargetRequests() int64 { return k.Requests - k.GeneratorErrors }

// TargetErrors are the failed requests the target answered for.
func (k KeyResult) TargetErrors() int64 { return k.Errors - k.GeneratorErrors }

// JourneyResult is what was measured for one journey's visits.
type JourneyResult struct {
	Name     string
	Visits   int64        // visits that ran to their end (or first failure)
	Failed   int64        // visits with a failed step
	Duration Distribution // first intended send to last response, think time included
}

// Interval is one slice of the timeline. Requests count in the interval in
// which they completed; open-model visits count in the interval in which
// they arrived, whenever they ended, so an interval's Completed over its
// Arrivals plus Missed is the share of its visitors the target served.
type Interval struct {
	Offset    time.Duration // from the start of the run
	Arrivals  int64         // visitors that arrived and started
	Missed    int64         // visitors that arrived and could not start
	Completed int64         // of the Arrivals, visits that ended without a failed step
	Failed    int64         // of the Arrivals, visits that ended with a failed step
	Requests  int64
	Errors    int64
	Classes   ClassCounts
	Keys      []IntervalKey // only keys that completed requests in the interval
	Signals   IntervalSignals
}

// IntervalKey is one key's measurements within an interval, counted as
// KeyResult counts them.
type IntervalKey struct {
	Key             int // index into Results.Keys
	Requests        int64
	Errors          int64
	GeneratorErrors int64
	CutOff          int64
	latency         hist
	service         hist
}

// TargetRequests and TargetErrors count as KeyResult's do.
func (ik IntervalKey) TargetRequests() int64 { return ik.Requests - ik.GeneratorErrors }

// TargetErrors are the interval's failed requests the target answered for.
func (ik IntervalKey) TargetErrors() int64 { return ik.Errors - ik.GeneratorErrors }

// Latency returns the key's latency distribution in this interval.
func (ik IntervalKey) Latency() Distribution { return packedDistribution(ik.latency.read()) }

// Service returns the key's service-time distribution in this interval.
func (ik IntervalKey) Service() Distribution { return packedDistribution(ik.service.read()) }

// MergeLatencyInto adds the key's latency distribution in this interval
// to d, without the copy Latency makes.
func (ik IntervalKey) MergeLatencyInto(d *Distribution) { d.mergePacked(ik.latency.read()) }

// MergeServiceInto adds the key's service-time distribution in this
// interval to d.
func (ik IntervalKey) MergeServiceInto(d *Distribution) { d.mergePacked(ik.service.read()) }

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

// AchievedRate is the run's requests per second over the part of the
// plan that ran: the drain after the plan (when the last visits' answers
// come) and an interrupt's grace period plan no traffic, so a plan whose
// every request was sent reads its planned rate.
func (r *Results) AchievedRate() float64 {
	over := r.Ran
	if over <= 0 {
		over = r.Elapsed
	}
	if over <= 0 {
		return 0
	}
	return float64(r.Requests) / over.Seconds()
}

// ErrorRate is failed requests over all requests, 0..1.
func (r *Results) ErrorRate() float64 {
	if r.Requests == 0 {
		return 0
	}
	return float64(r.Errors) / float64(r.Requests)
}

// IntervalKeyOf returns an interval's measurements of one key: the
// successful requests' latencies and service times (one each, in the same
// order), and errors failed requests on top, for tools and tests that
// build results by hand.
func IntervalKeyOf(key int, latency, service []time.Duration, errors int64) IntervalKey {
	ik := IntervalKey{Key: key, Requests: int64(len(latency)) + errors, Errors: errors}
	lat, svc := ik.latency.open(), ik.service.open()
	for i := range latency {
		lat.RecordValue(micros(latency[i]))
		svc.RecordValue(micros(service[i]))
	}
	return ik
}
