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
				rec: newRecorder(kl, 2, time.Second, DefaultMaxIntervals)}
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
