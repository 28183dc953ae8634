package loadgen

import (
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Tick is one closed timeline interval as Config.OnInterval receives it:
// plain values copied out of the collector's state, so a sink may keep it
// and hand it to another goroutine. Each request counts in exactly one
// Tick, so a run's Ticks add up to its Results' counts. Ticks are built
// only when OnInterval is set.
type Tick struct {
	Began  time.Time     // the run's start
	Offset time.Duration // the interval's start, from the run's start
	Width  time.Duration // the timeline's resolution; the run's last interval may end sooner
	Closed time.Time     // when the collector closed it
	// Planned is the open-model arrivals the plan (a segment's share of
	// it, with Config.Segment) expected since the last Tick's interval
	// ended: the interval's own, or more when a stalled collector closed
	// the interval late and it holds the data of the ticks it missed.
	Planned  float64
	InFlight int64 // visitors in flight when it closed

	Arrivals int64 // visitors started
	Missed   int64 // arrivals not started
	// Completed and Failed are the open-model visits that ended in the
	// interval, without or with a failed step, whenever they arrived. The
	// results count each visit where it arrived instead (Interval), which
	// only the run's end can tell; over the run the two add up the same.
	Completed int64
	Failed    int64
	Requests  int64 // requests recorded in the interval, cut-off ones included
	Errors    int64 // of them, the failed ones
	// Classes counts the interval's failed requests by class, and those
	// cut off by the run's end (ClassCutOff), which did not fail.
	Classes ClassCounts

	// Keys are the keys that completed requests in the interval, in
	// Results.Keys order: every request first, then each journey
	// followed by its steps.
	Keys []TickKey
	// Lag is how late the interval's open-model requests left (sent
	// minus intended).
	Lag []Bucket

	// Interval is the interval as the timeline holds it, copied for the
	// receiver to keep: each key's counts with its latency and service
	// histograms, the failure classes and the generator's signals. Its
	// key indexes point into AllKeys. A judge of the recent window
	// (report's abort rules) reads a few of these as it reads a results
	// file's timeline. Its visit counts are the live ones above.
	Interval Interval
	// AllKeys are the run's keys in Results.Keys order, one slice shared
	// by every Tick of the run: read it, never change it.
	AllKeys []Key
	// RunDelayKnown says whether the signals' run delay was measured
	// (Signals.RunDelayKnown): zero means unknown, not none, without it.
	RunDelayKnown bool
}

// TickKey is one key's requests in a Tick.
type TickKey struct {
	Key      Key
	Requests int64
	Errors   int64
	// Latency is from each request's intended send time, of the requests
	// that succeeded (and those cut off, at their time so far): failed
	// requests are timed apart, over the run only (Results.Failures).
	Latency []Bucket
}

// Bucket is one populated bucket of a timeline histogram: Count values
// of about Value. Values within the timeline's precision (three
// significant digits) share a bucket, and Value is the bucket's lowest.
type Bucket struct {
	Value time.Duration
	Count int64
}

// tick copies the interval the collector just closed into a Tick, with c,
// the live counts taken for it: the interval's visits are counted where
// they arrived only when the run ends (arrivalLedger), so a live view
// takes the visits that ended in it.
func (r *run) tick(iv Interval, c counts) Tick {
	width := r.cfg.Interval
	t := Tick{
		Began: r.began, Offset: iv.Offset, Width: width, Closed: time.Now(),
		Planned:  r.share.VisitorsBetween(r.ticked, iv.Offset+width),
		InFlight: r.live.inFlight.Load(),
		Arrivals: c.arrivals, Missed: c.missed, Completed: c.completed, Failed: c.failed,
		Requests: iv.Requests, Errors: iv.Errors, Classes: iv.Classes,
		Lag: buckets(iv.Signals.Lag.h.read()),
	}
	r.ticked = iv.Offset + width
	if r.sc.Smoke {
		t.Planned = 0 // a smoke test plans no traffic
	}
	for _, ik := range iv.Keys {
		t.Keys = append(t.Keys, TickKey{Key: r.layout.keys[ik.Key], Requests: ik.Requests, Errors: ik.Errors, Latency: buckets(ik.latency.read())})
	}
	t.Interval = iv.clone()
	t.Interval.Arrivals, t.Interval.Missed, t.Interval.Completed, t.Interval.Failed = c.arrivals, c.missed, c.completed, c.failed
	t.AllKeys = r.layout.keys
	t.RunDelayKnown = r.signals.runDelayKnown()
	return t
}

// clone copies the interval with histograms of its own: the timeline
// merges into the ones it holds.
func (iv Interval) clone() Interval {
	out := iv
	out.Keys = make([]IntervalKey, len(iv.Keys))
	for i, ik := range iv.Keys {
		ik.latency, ik.service = ik.latency.clone(), ik.service.clone()
		out.Keys[i] = ik
	}
	sig := &out.Signals
	for _, s := range []*Sparse{&sig.Delay, &sig.Sched, &sig.Lag, &sig.SharedConnect} {
		s.h = s.h.clone()
	}
	return out
}

// buckets lists a packed histogram's populated buckets in ascending
// order.
func buckets(p *hdr.PackedHistogram) []Bucket {
	if p == nil || p.TotalCount() == 0 {
		return nil
	}
	out := make([]Bucket, 0, p.Populated())
	p.ForEachBucket(func(v, c int64) bool {
		out = append(out, Bucket{Value: fromMicros(v), Count: c})
		return true
	})
	return out
}
