package loadgen

import (
	"math"
	"runtime"
	"runtime/metrics"
	"sync"
	"time"
)

// The generator watches what its lag does not show. Lag is how late a
// request left; once sent, a request's service time (send to answer)
// still includes every moment the answer waited for a generator that
// could not run: its process descheduled by a busy machine, its
// goroutines queued behind each other, its own connection storm. The
// signals, recorded per timeline interval and over the run:
//
//   - Delay: a probe goroutine sleeps probePeriod again and again and
//     records how late it wakes. A response that arrives while the
//     process waits for a CPU waits just as long, and the Go runtime's
//     own scheduling latency does not see it: a goroutine blocked on a
//     socket is not runnable until the process runs again. Measured
//     side by side on one core shared with busy loops, the runtime's
//     latency stayed under 0.3ms while the probe and the service time's
//     tail both read 20–100ms.
//   - Sched: the Go runtime's scheduling latency (runtime/metrics
//     /sched/latencies:seconds, the change over the interval): how long
//     runnable goroutines waited for a P, which grows when the generator
//     itself needs more CPU than it has.
//   - CPU: the process's CPU time (user and system), against the CPUs it
//     may use (Signals.CPUs).
//   - Run delay (Linux): how long the process's threads waited on a CPU
//     run queue, from the kernel's schedstat. It bounds the gaps the probe
//     cannot see: one shorter than the probe's sleep may fall between two
//     wake-ups, but not outside the run delay.
//   - Connection setup: dial and TLS handshake of every connection, the
//     shared pool's apart from the visitors' (a browser's handshake is
//     part of what its visitor waits for; a pool opening connections is
//     the generator's own doing).
//   - Local ports: the connections open at once at their peak, against
//     the ephemeral ports the kernel hands out per target address, and
//     the connects that found none free (ports.go).
//
// The report turns these into what a rule can trust: a failure the
// generator's own delay could explain is not the target's.

// probePeriod is how long the delay probe sleeps each time.
const probePeriod = 2 * time.Millisecond

// Signals are the generator's own measurements over the whole run.
type Signals struct {
	CPUs int // the CPUs the process could use: GOMAXPROCS, or fewer when its affinity allows fewer
	// CPU is the process's CPU time over the run; zero where the
	// platform cannot say (CPUKnown is false).
	CPU      time.Duration
	CPUKnown bool
	// RunDelay is how long the process's threads waited on a CPU run
	// queue over the run; RunDelayKnown is false where the kernel does not
	// say (RunDelay is then zero everywhere).
	RunDelay      time.Duration
	RunDelayKnown bool
	Delay         Sparse // how late the probe woke
	Sched         Sparse // the Go runtime's scheduling latency
	// VisitorConnect and SharedConnect are connection setup times, dial
	// and TLS handshake: visitors' own connections, and the shared pool's
	// opened during the run.
	VisitorConnect Sparse
	SharedConnect  Sparse
	// PreOpened connections of the shared pool were opened before the
	// clock started, in PreOpenTime, so a step from zero to full rate
	// does not measure the generator's own connection storm.
	PreOpened   int64
	PreOpenTime time.Duration
	// PeakConns is the most connections the generator held open at once,
	// every one its dialer opened (visitors' and the shared pool's, HTTP/1.1
	// and HTTP/2, to every address), each from its connect to its close.
	// LocalPorts is how many local ports the kernel hands out per target
	// address (Linux's ip_local_port_range; 0: unknown), and PortFailures
	// the connects that failed for want of one (EADDRNOTAVAIL).
	PeakConns    int64
	LocalPorts   int64
	PortFailures int64
}

// IntervalSignals are the generator's signals within one interval.
type IntervalSignals struct {
	CPU             time.Duration // process CPU time used in the interval
	RunDelay        time.Duration // the process's threads' wait on CPU run queues in the interval
	Delay           Sparse        // how late the probe woke
	Sched           Sparse        // scheduling latency of runnable goroutines
	Lag             Sparse        // how late open-model requests left (sent minus intended)
	VisitorConnects int64         // visitors' connections opened
	SharedConnect   Sparse        // setup times of the shared pool's connections opened
	PeakConns       int64         // the most connections open at once
	PortFailures    int64         // connects that found no local port
}

// merge adds o into s.
func (s *IntervalSignals) merge(o IntervalSignals) {
	s.CPU += o.CPU
	s.RunDelay += o.RunDelay
	s.Delay.merge(o.Delay)
	s.Sched.merge(o.Sched)
	s.Lag.merge(o.Lag)
	s.VisitorConnects += o.VisitorConnects
	s.SharedConnect.merge(o.SharedConnect)
	// The peak of a longer span, or of several generators (each with
	// its own ports), is the highest one's.
	s.PeakConns = max(s.PeakConns, o.PeakConns)
	s.PortFailures += o.PortFailures
}

// Sparse is a distribution of durations held in a packed histogram: small
// when few values are recorded, so a timeline can hold one per interval.
// A timeline's are sealed with its intervals, as its key histograms are
// (hist). The zero value is empty.
type Sparse struct{ h hist }

func (s Sparse) Count() int64 { return s.h.Count() }

// Max is the largest value, to the histogram's precision.
func (s Sparse) Max() time.Duration {
	if s.Count() == 0 {
		return 0
	}
	return fromMicros(s.h.read().Max())
}

// Percentile is as Distribution.Percentile defines it.
func (s Sparse) Percentile(p float64) time.Duration {
	return Distribution{p: s.h.read()}.Percentile(p) // a query, which changes nothing
}

// Each calls fn for every bucket that holds values, in ascending order,
// with the bucket's value and count, until fn returns false.
func (s Sparse) Each(fn func(value time.Duration, count int64) bool) {
	if s.Count() == 0 {
		return
	}
	s.h.read().ForEachBucket(func(v, c int64) bool { return fn(fromMicros(v), c) })
}

// Distribution returns a copy of the values as a Distribution.
func (s Sparse) Distribution() Distribution { return packedDistribution(s.h.read()) }

func (s *Sparse) record(v time.Duration, n int64) {
	s.h.open().RecordValues(micros(v), n)
}

func (s *Sparse) merge(o Sparse) {
	if o.Count() == 0 {
		return
	}
	s.h.open().Merge(o.h.read())
}

// SparseOf returns a Sparse holding the given values, for tools and tests
// that build results by hand.
func SparseOf(values ...time.Duration) Sparse {
	var s Sparse
	for _, v := range values {
		s.record(v, 1)
	}
	return s
}

// signals records the generator's signals. The probe and the dialers
// record from their own goroutines under mu; the collector takes each
// interval's values (take), and the run's at the end (totals).
type signals struct {
	mu       sync.Mutex
	cur      IntervalSignals // the interval not yet taken; Lag comes from the recorder
	run      Signals
	schedOld []uint64 // the runtime's cumulative scheduling-latency counts at the last take
	cpuOld   time.Duration
	delayOld time.Duration // the process's run delay at the last take
	conns    openConns     // the dialer's open connections and port failures
}

func newSignals() *signals {
	s := &signals{}
	s.run.CPUs = usableCPUs()
	s.run.CPU, s.run.CPUKnown = processCPU()
	s.cpuOld = s.run.CPU
	s.run.CPU = 0
	s.delayOld, s.run.RunDelayKnown = processRunDelay()
	s.schedOld, _ = readSchedLatencies(nil)
	s.run.LocalPorts = localPorts()
	return s
}

// usableCPUs is how many CPUs the process can run on at once: runtime.NumCPU
// reads the process's CPU affinity when it starts (taskset -c 0 gives 1),
// and GOMAXPROCS may be lower still (a container's CPU limit sets it).
func usableCPUs() int { return max(1, min(runtime.NumCPU(), runtime.GOMAXPROCS(0))) }

// probe runs until stop closes, sleeping probePeriod at a time on one
// reused timer and recording how late each wake-up came.
func (s *signals) probe(stop <-chan struct{}) {
	t := time.NewTimer(probePeriod)
	defer t.Stop()
	for {
		start := time.Now()
		t.Reset(probePeriod)
		select {
		case <-stop:
			return
		case <-t.C:
		}
		late := time.Since(start) - probePeriod
		s.mu.Lock()
		s.cur.Delay.record(late, 1)
		s.run.Delay.record(late, 1)
		s.mu.Unlock()
	}
}

// connected records one connection's setup time: dial and TLS handshake.
func (s *signals) connected(d time.Duration, shared, before bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case before:
		s.run.PreOpened++
	case shared:
		s.cur.SharedConnect.record(d, 1)
		s.run.SharedConnect.record(d, 1)
	default:
		s.cur.VisitorConnects++
		s.run.VisitorConnect.record(d, 1)
	}
}

// take returns the interval's signals since the last take, reading the
// runtime's scheduling latency and the process's CPU time now.
func (s *signals) take() IntervalSignals {
	var sched Sparse
	s.schedOld, sched = readSchedLatencies(s.schedOld)
	cpu, known := processCPU()
	delay, delayKnown := processRunDelay()
	s.mu.Lock()
	defer s.mu.Unlock()
	iv := s.cur
	s.cur = IntervalSignals{}
	iv.Sched = sched
	iv.PeakConns, iv.PortFailures = s.conns.take()
	s.run.Sched.merge(sched)
	if known {
		iv.CPU = cpu - s.cpuOld
		s.cpuOld = cpu
		s.run.CPU += iv.CPU
	}
	if delayKnown && s.run.RunDelayKnown {
		iv.RunDelay = max(0, delay-s.delayOld) // an exited thread takes its share along
		s.delayOld = delay
		s.run.RunDelay += iv.RunDelay
	}
	return iv
}

// runDelayKnown reports whether the kernel says how long the process's
// threads wait on run queues; it does not change during a run.
func (s *signals) runDelayKnown() bool { return s.run.RunDelayKnown }

// totals returns the run's signals; call it after the last take.
func (s *signals) totals() Signals {
	s.mu.Lock()
	defer s.mu.Unlock()
	run := s.run
	run.PeakConns, run.PortFailures = s.conns.run.Load(), s.conns.noPorts.Load()
	return run
}

// schedLatencies names the runtime metric of scheduling latency.
const schedLatencies = "/sched/latencies:seconds"

// readSchedLatencies reads the runtime's cumulative scheduling-latency
// histogram and returns its counts and, against old, the values recorded
// since, at each bucket's upper bound (the runtime's buckets are about 6%
// wide; the upper bound never understates a delay).
func readSchedLatencies(old []uint64) ([]uint64, Sparse) {
	sample := []metrics.Sample{{Name: schedLatencies}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindFloat64Histogram {
		return old, Sparse{}
	}
	h := sample[0].Value.Float64Histogram()
	var delta Sparse
	if len(old) == len(h.Counts) {
		for i, c := range h.Counts {
			if n := c - old[i]; n > 0 {
				upper := h.Buckets[i+1]
				if math.IsInf(upper, 1) {
					upper = h.Buckets[i]
				}
				delta.record(time.Duration(upper*float64(time.Second)), int64(n))
			}
		}
	}
	return append(old[:0], h.Counts...), delta
}
