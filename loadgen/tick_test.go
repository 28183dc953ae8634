package loadgen

import (
	"testing"
	"time"

	"github.com/liftoff/liftoff/scenario"
)

// BenchmarkCollect measures what the collector pays per interval, with
// 1,000 requests of spread latencies in it: closing the interval alone,
// and with the Tick that Config.OnInterval gets built on top.
func BenchmarkCollect(b *testing.B) {
	for _, withTick := range []bool{false, true} {
		name := "interval"
		if withTick {
			name = "interval+tick"
		}
		b.Run(name, func(b *testing.B) {
			kl := newKeyLayout(oneJourney, noRedact)
			r := &run{dispatcher: dispatcher{live: &counters{}}, cfg: Config{Interval: time.Second}, sc: &scenario.Scenario{}, layout: kl,
				rec: newRecorder(kl, 2, time.Second, DefaultMaxIntervals), signals: newSignals()}
			start := time.Now()
			b.ReportAllocs()
			tick := 0
			for b.Loop() {
				b.StopTimer()
				for i := range 1000 {
					intended := start.Add(time.Duration(i) * time.Millisecond)
					r.rec.record(i%2, sample{journey: 0, step: i % 2, intended: intended, sent: intended.Add(time.Duration(i%7) * time.Millisecond),
						done: intended.Add(time.Duration(1+i*37%900) * time.Millisecond), open: true})
				}
				b.StartTimer()
				iv := r.rec.collect(time.Duration(tick)*time.Second, IntervalSignals{})
				if withTick {
					r.tick(iv, counts{requests: 1000})
				}
				tick++
			}
		})
	}
}

// TestTickIntervalIsItsOwn checks that a Tick's interval keeps its values
// when the timeline merges into the interval it holds (as it does once
// intervals grow coarser): the receiver reads it on another goroutine,
// after the collector has moved on.
func TestTickIntervalIsItsOwn(t *testing.T) {
	t.Parallel()
	kl := newKeyLayout(oneJourney, noRedact)
	r := &run{dispatcher: dispatcher{live: &counters{}}, cfg: Config{Interval: time.Second}, sc: &scenario.Scenario{}, layout: kl,
		rec: newRecorder(kl, 2, time.Second, DefaultMaxIntervals), signals: newSignals()}
	start := time.Now()
	record := func(n int) {
		for i := range n {
			at := start.Add(time.Duration(i) * time.Millisecond)
			r.rec.record(i%2, sample{journey: 0, step: 0, intended: at, sent: at, done: at.Add(5 * time.Millisecond), open: true})
		}
	}
	record(10)
	tk := r.tick(r.rec.collect(0, IntervalSignals{Delay: SparseOf(time.Millisecond)}), counts{})
	record(30)
	r.rec.timeline.width = 2 * time.Second // as after coarsening: the next tick merges into the interval the timeline holds
	r.rec.collect(time.Second, IntervalSignals{Delay: SparseOf(time.Millisecond)})
	if got := r.rec.timeline.last.Keys[0].Latency().Count(); got != 40 {
		t.Fatalf("the timeline's interval holds %d latencies, want 40: the test no longer merges into it", got)
	}
	if got := tk.Interval.Keys[0].Latency().Count(); got != 10 {
		t.Errorf("the tick's interval holds %d latencies after the timeline merged 30 more into its own, want 10", got)
	}
	if lag, delay := tk.Interval.Signals.Lag.Count(), tk.Interval.Signals.Delay.Count(); lag != 10 || delay != 1 {
		t.Errorf("the tick's interval holds %d lag values and %d delays, want 10 and 1", lag, delay)
	}
}
