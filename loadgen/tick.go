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
	// Planned is the open-model arrivals the plan expected since the
	// last Tick's interval ended: the interval's own, or more when a
	// stalled collector closed the interval late and it holds the data
	// of the ticks it missed.
	Planned  float64
	InFlight int64 // visitors in flight when it closed

	Arrivals  int64 // visitors started
	Missed    int64 // arrivals not started
	Completed int64 // open-model visits that ended without a failed step
	Failed    int64 // open-model visits that ended with a failed step
	Requests  int64
	Errors    int64
	Classes   ClassCounts

	// Keys are the keys that completed requests in the interval, in
	// Results.Keys order: every request first, then each journey
	// followed by its steps.
	Keys []TickKey
	// Lag is how late the interval's open-model requests left (sent
	// minus intended).
	Lag []Bucket
}

// TickKey is one key's requests in a Tick.
type TickKey struct {
	Key      Key
	Requests int64
	Errors   int64
	Latency  []Bucket // from each request's intended send time
}

// Bucket is one populated bucket of a timeline histogram: Count values
// of about Value. Values within the timeline's precision (two
// significant digits) share a bucket, and Value is the bucket's lowest.
type Bucket struct {
	Value time.Duration
	Count int64
}

// tick copies the interval the collector just closed, with its lag, into
// a Tick.
func (r *run) tick(iv Interval, lag *hdr.PackedHistogram) Tick {
	width := r.cfg.Interval
	t := Tick{
		Began: r.began, Offset: iv.Offset, Width: width, Closed: time.Now(),
		Planned:  r.plan.VisitorsBetween(r.ticked, iv.Offset+width),
		InFlight: r.live.inFlight.Load(),
		Arrivals: iv.Arrivals, Missed: iv.Missed, Completed: iv.Completed, Failed: iv.Failed,
		Requests: iv.Requests, Errors: iv.Errors, Classes: iv.Classes,
		Lag: buckets(lag),
	}
	r.ticked = iv.Offset + width
	if r.sc.Smoke {
		t.Planned = 0 // a smoke test plans no traffic
	}
	for _, ik := range iv.Keys {
		t.Keys = append(t.Keys, TickKey{Key: r.layout.keys[ik.Key], Requests: ik.Requests, Errors: ik.Errors, Latency: buckets(ik.latency)})
	}
	return t
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
