package report

import (
	"math"
	"time"

	"github.com/liftoff/liftoff/loadgen"
	"github.com/liftoff/liftoff/scenario"
)

// A request's service time runs from its send to its answer read, on the
// generator's clock, so it holds the generator's own delays too: the
// moments the answer waited for a generator that could not run (its
// process descheduled, its goroutines queued), and the setup of a shared
// connection the pool opened on demand. Before a latency rule that fails
// on service time is the target's fault, its value is bounded below by
// what the target alone must have taken.
//
// The model. While the generator cannot run for a gap of length G, a
// request exposed to it is delayed by at most G. A request meets the
// generator's scheduling at most `exposures` times: at its send and when
// its answer arrives, and twice more when the target runs in the same
// process (the simulated shop, a test's server), whose goroutines wait
// for the same CPU; measured in-process on one starved P, a 0.1ms answer
// read 190ms with the probe's worst wake-up at 60ms. So a request whose
// gaps were all at most x lost at most 4x (5x if it also opened a shared
// connection no longer than x). Only the requests exposed to a longer
// gap, or a longer connection setup, may have lost more: m(x) of them.
// The target's own k-th largest time is then at least the measured
// (k+m(x))-th largest less 4x, for any x, so the rule's value is at least
//
//	bound = max over x of  value at rank R − m(x)  −  4x (5x)
//
// where R is the rank of the rule's percentile. The bound scales with the
// rule: a millisecond of delay takes at most a few milliseconds off a
// 250ms failure, while delays as long as the failure explain it. Four
// exposures are more than a target in another process costs; the error
// is on the side of INCONCLUSIVE, never of blaming the target.
//
// m(x) is estimated per interval from the generator's signals
// (loadgen.IntervalSignals): the delay probe's wake-ups later than x,
// weighted by time (a gap G exposes the requests of the G−x before its
// end to more than x), the share of runtime scheduling waits longer than
// x, each counted for every one of a request's exposures, and the shared
// connections that took longer than x. Counts are per interval, weighted
// by the key's requests in it, so a stretch's starvation counts where its
// requests were.
//
// A probe wake-up late by L saw a gap of at least L and at most L plus
// one probe period: a gap shorter than the probe's sleep can fall
// between two wake-ups unseen. Where the kernel reports the process's
// run-queue wait (Linux), the unseen part is at most that wait: a calm
// generator then costs a tight limit almost nothing. Elsewhere each
// wake-up allows its whole period, about 8ms off a failure at four
// exposures.

// exposures is how many times one request can meet a generator delay:
// before its send reaches the socket and before its answer is read, and
// twice more for a target in the same process.
const exposures = 4

// delayGrid are the thresholds x the bound tries: none, then from 20µs
// to an hour, a quarter more each step.
var delayGrid = func() []time.Duration {
	grid := []time.Duration{0}
	for x := 20 * time.Microsecond; x < time.Hour; x = x * 5 / 4 {
		grid = append(grid, x)
	}
	return grid
}()

// probePeriod is the delay probe's sleep (loadgen's): a wake-up is at
// most this much earlier than the end of the gap it woke in.
const probePeriod = 2 * time.Millisecond

// delayProfile is, per timeline interval and per threshold of delayGrid,
// the share of an interval's requests the generator may have delayed by
// more than the threshold (exposed), and the shared connections that took
// longer (connects), plus what the delays add to a mean (meanDelay).
type delayProfile struct {
	exposed   [][]float64
	connects  [][]int64
	meanDelay []time.Duration // per request, over each interval
	connTime  []time.Duration // shared connections' setup, summed over each interval
	anyConn   []bool
}

// newDelayProfile computes the profile of every interval of res.
func newDelayProfile(res *loadgen.Results) *delayProfile {
	p := &delayProfile{}
	width := res.Interval.Seconds()
	if width <= 0 {
		width = 1
	}
	// Merged results add up the signals of every segment's process; each
	// request met one process's delays. The gap time is shared out over
	// the processes' time, which is exact when each sends an equal share
	// of an interval's requests, as striped arrivals do.
	width *= float64(max(1, len(res.Segments)))
	unseenCap := func(sig loadgen.IntervalSignals) float64 { // seconds of gap the probe may have missed
		if res.Signals.RunDelayKnown {
			return sig.RunDelay.Seconds()
		}
		return math.Inf(1)
	}
	for _, iv := range res.Timeline {
		sig := iv.Signals
		exposed := make([]float64, len(delayGrid))
		connects := make([]int64, len(delayGrid))
		schedTotal := float64(sig.Sched.Count())
		var gapSquares float64 // Σ G², for the mean
		for g, x := range delayGrid {
			var seen, unseen float64 // seconds of gap time more than x from its end: seen, and at most unseen more
			sig.Delay.Each(func(v time.Duration, n int64) bool {
				if v > x {
					seen += float64(n) * (v - x).Seconds()
				}
				if late := v + probePeriod; late > x {
					unseen += float64(n) * (late - max(x, v)).Seconds()
				}
				return true
			})
			gap := seen + math.Min(unseen, unseenCap(sig))
			var sched float64
			if schedTotal > 0 {
				sig.Sched.Each(func(v time.Duration, n int64) bool {
					if v > x {
						sched += float64(n)
					}
					return true
				})
				sched /= schedTotal
			}
			exposed[g] = math.Min(1, exposures*(gap/width+sched))
			sig.SharedConnect.Each(func(v time.Duration, n int64) bool {
				if v > x {
					connects[g] += n
				}
				return true
			})
		}
		var connTime time.Duration
		var schedSum float64
		sig.Sched.Each(func(v time.Duration, n int64) bool {
			schedSum += float64(n) * v.Seconds()
			return true
		})
		var unseenSquares float64
		sig.Delay.Each(func(v time.Duration, n int64) bool {
			late := (v + probePeriod).Seconds()
			gapSquares += float64(n) * v.Seconds() * v.Seconds()
			unseenSquares += float64(n) * (late*late - v.Seconds()*v.Seconds())
			return true
		})
		// An unseen gap is shorter than the probe period, so its square
		// is at most the period times its length.
		gapSquares += math.Min(unseenSquares, probePeriod.Seconds()*unseenCap(sig))
		sig.SharedConnect.Each(func(v time.Duration, n int64) bool {
			connTime += time.Duration(n) * v
			return true
		})
		// A request arriving uniformly in the interval waits out, on
		// average, G²/2 per interval width for each gap; twice exposed.
		var schedMean float64
		if schedTotal > 0 {
			schedMean = schedSum / schedTotal
		}
		mean := exposures * (gapSquares/(2*width) + schedMean)
		p.exposed = append(p.exposed, exposed)
		p.connects = append(p.connects, connects)
		p.meanDelay = append(p.meanDelay, time.Duration(mean*float64(time.Second)))
		p.connTime = append(p.connTime, connTime)
		p.anyConn = append(p.anyConn, sig.SharedConnect.Count() > 0)
	}
	return p
}

// distorted is m(x) for one stretch: how many of its requests of key the
// generator may have delayed by more than delayGrid[g].
func (p *delayProfile) distorted(res *loadgen.Results, key int, ivs []int, g int) int64 {
	var share float64
	var conns int64
	for _, i := range ivs {
		if ik, ok := res.Timeline[i].Key(key); ok {
			share += float64(ik.Requests-ik.Errors) * p.exposed[i][g]
		}
		conns += p.connects[i][g]
	}
	return int64(math.Ceil(share)) + conns
}

// targetBound is the lower bound, in the rule's unit, on what the target
// alone took over stretch s. ok is false when the stretch has no timeline
// to say (a results file built by hand): the service time stands as
// measured.
func targetBound(doc Document, p *delayProfile, r scenario.Rule, s stretch) (bound float64, ok bool) {
	res := doc.Results
	svc := s.service
	n := svc.Count()
	if n == 0 || len(s.intervals) == 0 || len(p.exposed) == 0 {
		return 0, false
	}
	key := ruleKey(res, r)
	conn := false
	for _, i := range s.intervals {
		conn = conn || p.anyConn[i]
	}
	factor := time.Duration(exposures)
	if conn {
		factor++
	}
	if r.Metric == scenario.MetricMean {
		var delay, connTime time.Duration
		for _, i := range s.intervals {
			if ik, ok := res.Timeline[i].Key(key); ok {
				delay += time.Duration(ik.Requests-ik.Errors) * p.meanDelay[i]
			}
			connTime += p.connTime[i]
		}
		return ms(svc.Mean() - (delay+connTime)/time.Duration(n)), true
	}
	rank := n // max
	if r.Metric == scenario.MetricPercentile {
		rank = svc.Rank(r.Quantile)
	}
	top := svc.Max()
	bound = -1
	for g, x := range delayGrid {
		if factor*x >= top {
			break // no later threshold leaves anything
		}
		m := p.distorted(res, key, s.intervals, g)
		if m >= rank {
			continue
		}
		bound = max(bound, ms(svc.AtRank(rank-m)-factor*x))
	}
	return max(bound, 0), true
}
