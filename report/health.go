package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/liftoff/liftoff/loadgen"
	"github.com/liftoff/liftoff/scenario"
)

// Generator health thresholds. Past any of them the generator, not the
// target, limited the run: a GO would not be proven, and a failed rule
// stands only on what the target itself did.
const (
	// MaxMissedShare is the share of scheduled arrivals the generator may
	// fail to start (max_concurrency reached, or a unique data file out of
	// rows) and still count as keeping up: 0.1%. The same share bounds
	// the requests it may fail itself (ErrorClass.Generator).
	MaxMissedShare = 0.001
	// MaxLagP99 is how late the generator may send: when more than
	// MaxLateShare of its requests (and at least MinLateRequests) leave
	// later than this, or than a tenth of the tightest latency limit if
	// that is longer (lateAfter), it fell behind, and the target saw the
	// load later than planned. The lag itself never passes for the
	// target's: latency rules that fail are checked on service time. The
	// minimum count keeps one scheduling hiccup in a short run (where it
	// alone is more than 1%) from passing for a generator that could not
	// keep up.
	MaxLagP99       = 25 * time.Millisecond
	MaxLateShare    = 0.01
	MinLateRequests = 5
	// MaxCPUShare is the share of its CPUs a closed-model phase may keep
	// the process busy: a generator at its CPU limit loops no faster than
	// itself, so the target's throughput is the generator's.
	MaxCPUShare = 0.9
	// PortsWarnShare is the share of its local ports (the ephemeral
	// ports one target address allows) the generator may hold open at
	// once before its health warns that it came close to running out:
	// past them every new connection fails before it reaches the target.
	PortsWarnShare = 0.8
)

// Signal names what the generator did, or could not do, that limited a
// run or explains a failure that is not the target's.
type Signal int

// Signals.
const (
	SignalNone        Signal = iota
	SignalMissed             // arrivals it could not start: max_concurrency reached
	SignalData               // a unique data file ran out: arrivals missed, looping visitors stopped
	SignalLag                // requests sent late
	SignalDelay              // its own delay: a process starved of CPU, goroutines waiting to run
	SignalCPU                // its CPUs busy: a closed model looping no faster than the generator
	SignalConnections        // the shared pool opening connections during the run
	SignalErrors             // requests it failed itself: no local port or file descriptor, a template
	SignalInterrupted        // the run's interrupt cut visits off
	SignalPorts              // its local ports: close to running out, or out
)

// String is the signal's name in the results file's generator.limits and
// a finding's generator_cause.
func (s Signal) String() string {
	switch s {
	case SignalMissed:
		return "missed arrivals"
	case SignalData:
		return "data ran out"
	case SignalLag:
		return "lag"
	case SignalDelay:
		return "scheduling delay"
	case SignalCPU:
		return "cpu"
	case SignalConnections:
		return "connection setup"
	case SignalErrors:
		return "generator errors"
	case SignalInterrupted:
		return "interrupted"
	case SignalPorts:
		return "local ports"
	}
	return ""
}

// signalNames names signals, or is nil for none.
func signalNames(signals []Signal) []string {
	var out []string
	for _, s := range signals {
		out = append(out, s.String())
	}
	return out
}

// Health is the generator's own account of whether it kept up, with the
// signals it measured about itself.
type Health struct {
	Limited     bool
	MissedShare float64
	LagP99      time.Duration
	Late        int64         // requests sent more than LateAfter after their intended time
	LateShare   float64       // Late over the requests with an intended time
	LateAfter   time.Duration // how late counts as late for this run's rules (lateAfter)
	// GeneratorErrors are requests the generator failed itself (it could
	// not build them, or had no local port or file descriptor left); they
	// never reached the target. GeneratorErrorShare is their share of all
	// requests; past MaxMissedShare the generator limited the run.
	GeneratorErrors     int64
	GeneratorErrorShare float64
	// Stopped are closed-model visitors that stopped looping before their
	// phase ended, of Looping started: a unique data file ran out.
	Stopped, Looping int64
	// The signals, over the run: the CPUs it could use and the busiest
	// interval's share of them (CPUKnown false where the platform cannot
	// say), how late its delay probe woke and how long runnable
	// goroutines waited, and connection setup.
	CPUs           int
	CPUKnown       bool
	CPUShareMax    float64
	DelayP99       time.Duration
	DelayMax       time.Duration
	SchedP99       time.Duration
	VisitorConns   int64
	VisitorConnP99 time.Duration
	PreOpened      int64
	SharedConns    int64 // opened during the run
	SharedConnP99  time.Duration
	// PeakConns is the most connections it held open at once, LocalPorts
	// the local ports one target address allows (0: unknown), and
	// PortFailures the connects that found no local port free.
	PeakConns    int64
	LocalPorts   int64
	PortFailures int64
	// Limits are the signals that limited the run: those past their
	// thresholds, and those that explain a failure (a Finding's Cause).
	Limits  []Signal
	Reasons []string // why it was limited, in plain sentences
	// Warnings are signals that came close to a limit, or past it too
	// little to limit the run, and WarningReasons say so in plain
	// sentences. The reports show them; the verdict does not change.
	Warnings       []Signal
	WarningReasons []string
	// Segments are, for results merged from segments, each segment's
	// generator judged on its own (segmentsHealth).
	Segments []SegmentHealth
}

// SegmentHealth is one segment's generator of a merged run.
type SegmentHealth struct {
	Segment    string // "1/3"
	Host       string
	Limited    bool
	Limits     []Signal
	Warnings   []Signal
	StartDelay time.Duration // how late it began after --start-at
}

// MissedArrivals reports whether the generator missed too many arrivals.
func (h Health) MissedArrivals() bool { return h.MissedShare > MaxMissedShare }

// FellBehind reports whether too many requests left too late.
func (h Health) FellBehind() bool { return h.LateShare > MaxLateShare && h.Late >= MinLateRequests }

// FailedItself reports whether the generator failed too many requests
// on its own side.
func (h Health) FailedItself() bool { return h.GeneratorErrorShare > MaxMissedShare }

// ShortOfPorts reports whether the generator held at least
// PortsWarnShare of its local ports open at once, or any connect found
// none free.
func (h Health) ShortOfPorts() bool {
	return h.PortFailures > 0 || (h.LocalPorts > 0 && float64(h.PeakConns) >= PortsWarnShare*float64(h.LocalPorts))
}

// warn marks signal s as one that came close to limiting the run, and
// why.
func (h *Health) warn(s Signal, reason string) {
	h.Warnings = append(h.Warnings, s)
	h.WarningReasons = append(h.WarningReasons, reason)
}

// limit marks signal s as one that limited the run.
func (h *Health) limit(s Signal) {
	for _, l := range h.Limits {
		if l == s {
			return
		}
	}
	h.Limits = append(h.Limits, s)
}

// lateAfter is how late a request may leave before it counts as late:
// MaxLagP99, or a tenth of the tightest latency limit if that is longer.
// A lag that small shifts the load by less than the rules can tell apart,
// so a busy machine's hiccups do not cost a GO judged on 1s limits.
func lateAfter(rules []scenario.Rule) time.Duration {
	after := MaxLagP99
	var tightest time.Duration
	for _, r := range rules {
		if r.Metric.IsLatency() && (r.Op == scenario.Less || r.Op == scenario.LessEqual) && (tightest == 0 || r.Latency < tightest) {
			tightest = r.Latency
		}
	}
	return max(after, tightest/10)
}

// health checks whether the generator kept up with the plan, and sums up
// its signals. The generators of a merged run are judged one by one.
func health(doc Document) Health {
	h := processHealth(doc)
	if len(doc.Results.Segments) > 0 {
		segmentsHealth(doc, &h)
	}
	return h
}

// processHealth checks whether one process kept up with its plan.
func processHealth(doc Document) Health {
	res := doc.Results
	h := Health{LagP99: res.Lag.Percentile(99), LateAfter: lateAfter(doc.Rules)}
	if n := res.Arrivals.Scheduled(); n > 0 {
		h.MissedShare = float64(res.Arrivals.Missed) / float64(n)
	}
	if h.MissedArrivals() {
		h.Limited = true
		if res.Arrivals.Exhausted > 0 {
			h.limit(SignalData)
		}
		if res.Arrivals.Missed > res.Arrivals.Exhausted {
			h.limit(SignalMissed)
		}
		h.Reasons = append(h.Reasons, missedReason(res))
	}
	h.GeneratorErrors = res.Classes.Of(loadgen.ClassTemplate) + res.Classes.Of(loadgen.ClassGenerator)
	if res.Requests > 0 {
		h.GeneratorErrorShare = float64(h.GeneratorErrors) / float64(res.Requests)
	}
	sig := res.Signals
	h.PeakConns, h.LocalPorts, h.PortFailures = sig.PeakConns, sig.LocalPorts, sig.PortFailures
	if h.FailedItself() {
		h.Limited = true
		h.limit(SignalErrors)
		h.Reasons = append(h.Reasons, generatorErrorReason(res, h))
	}
	portsHealth(&h)
	if n := res.Lag.Count(); n > 0 {
		h.Late = res.Lag.CountAbove(h.LateAfter)
		h.LateShare = float64(h.Late) / float64(n)
	}
	if h.FellBehind() {
		h.Limited = true
		h.limit(SignalLag)
		h.Reasons = append(h.Reasons, fmt.Sprintf(
			"The generator was the bottleneck: %s of its requests (%s) left more than %s late, and its p99 lag was %s. %s.",
			count(h.Late), percent(h.LateShare), latency(h.LateAfter), latency(h.LagP99), machineAdvice))
	}
	h.Stopped, h.Looping = res.Closed.Stopped, res.Closed.Visitors
	if h.Stopped > 0 {
		h.Limited = true
		h.limit(SignalData)
		h.Reasons = append(h.Reasons, fmt.Sprintf(
			"%s of %s looping visitors stopped before their phase ended: a journey's unique data file ran out of rows, so the target did not get the load the phase meant. Give it more rows, or use order: sequential.",
			count(h.Stopped), count(h.Looping)))
	}
	h.CPUs, h.CPUKnown = sig.CPUs, sig.CPUKnown
	h.DelayP99, h.DelayMax, h.SchedP99 = sig.Delay.Percentile(99), sig.Delay.Max(), sig.Sched.Percentile(99)
	h.VisitorConns, h.VisitorConnP99 = sig.VisitorConnect.Count(), sig.VisitorConnect.Percentile(99)
	h.PreOpened, h.SharedConns, h.SharedConnP99 = sig.PreOpened, sig.SharedConnect.Count(), sig.SharedConnect.Percentile(99)
	if h.CPUKnown && h.CPUs > 0 {
		for _, iv := range res.Timeline {
			h.CPUShareMax = max(h.CPUShareMax, cpuShare(res, []loadgen.Interval{iv}))
		}
		closedCPU(doc, &h)
	}
	return h
}

// cpuShare is the process's CPU time over some intervals, against the
// CPUs it could use over their length.
func cpuShare(res *loadgen.Results, ivs []loadgen.Interval) float64 {
	var used time.Duration
	for _, iv := range ivs {
		used += iv.Signals.CPU
	}
	capacity := time.Duration(len(ivs)) * res.Interval * time.Duration(max(1, res.Signals.CPUs))
	if capacity <= 0 {
		return 0
	}
	return used.Seconds() / capacity.Seconds()
}

// closedCPU checks each closed-model phase: a generator that kept its
// CPUs busy while looping was the limit on how fast its visitors looped.
func closedCPU(doc Document, h *Health) {
	res := doc.Results
	for _, ph := range doc.Plan.Phases {
		if !ph.Closed() {
			continue
		}
		var ivs []loadgen.Interval
		for _, i := range intervalsIn(res, ph.Start, ph.Start+ph.Duration) {
			iv := res.Timeline[i]
			if iv.Offset >= ph.Start && iv.Offset+res.Interval <= ph.Start+ph.Duration { // whole intervals only
				ivs = append(ivs, iv)
			}
		}
		if len(ivs) == 0 {
			continue
		}
		if share := cpuShare(res, ivs); share >= MaxCPUShare {
			h.Limited = true
			h.limit(SignalCPU)
			within := ""
			if strings.HasPrefix(res.Scenario.Target, "sim:") {
				within = " (the simulated shop runs in the same process)"
			}
			h.Reasons = append(h.Reasons, fmt.Sprintf(
				"The generator was the bottleneck of phase %s: its process kept %s of its %s busy%s, so its looping visitors went no faster than the generator could. %s.",
				ph.Name, percent(share), plural(h.CPUs, "CPU"), within, machineAdvice))
		}
	}
}

// plural is "1 CPU" or "2 CPUs".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// missedReason explains missed arrivals by their causes: the
// max_concurrency cap, and unique data files that ran out.
func missedReason(res *loadgen.Results) string {
	a := res.Arrivals
	s := fmt.Sprintf("The generator was the bottleneck: it could not start %s of %s arrivals (%s)", count(a.Missed), count(a.Scheduled()), percent(float64(a.Missed)/float64(a.Scheduled())))
	capped := a.Missed - a.Exhausted
	switch {
	case a.Exhausted == 0:
		return s + fmt.Sprintf(" because max_concurrency (%d) visitors were already in flight. Raise max_concurrency, if the generator's machine has the CPU and memory for more visitors at once.", res.Scenario.MaxConcurrency)
	case capped == 0:
		return s + " because a journey's unique data file had run out of rows. Give it more rows, or use order: sequential."
	}
	return s + fmt.Sprintf(": %s because max_concurrency (%d) visitors were already in flight, %s because a journey's unique data file had run out of rows.", count(capped), res.Scenario.MaxConcurrency, count(a.Exhausted))
}

// generatorErrorReason explains the requests the generator failed itself.
func generatorErrorReason(res *loadgen.Results, h Health) string {
	s := fmt.Sprintf("The generator failed %s of its %s requests itself (%s), so the target never saw them", count(h.GeneratorErrors), count(res.Requests), percent(h.GeneratorErrorShare))
	var why []string
	switch n := res.Classes.Of(loadgen.ClassGenerator); {
	case n > 0 && h.PortFailures > 0:
		why = append(why, fmt.Sprintf("%s because it ran out of local ports or file descriptors (%s connects found no local port free: see local ports)", count(n), count(h.PortFailures)))
	case n > 0:
		why = append(why, fmt.Sprintf("%s because it ran out of local ports or file descriptors (raise the open-files limit, ulimit -n, or split the test over several machines with --segment)", count(n)))
	}
	if n := res.Classes.Of(loadgen.ClassTemplate); n > 0 {
		why = append(why, fmt.Sprintf("%s because a request's template had no value to fill in", count(n)))
	}
	return s + ": " + strings.Join(why, "; ") + "."
}

// portsHealth judges the generator's local ports. Connects that found no
// port free past the generator-error threshold limited the run (its
// generator errors already make it INCONCLUSIVE, and the ports are why);
// fewer of them, or a peak of open connections at PortsWarnShare of the
// ports or more, are a warning: the target was not kept from its load,
// and the verdict never blames it for the generator's ports.
func portsHealth(h *Health) {
	if !h.ShortOfPorts() {
		return
	}
	reason := portsReason(*h)
	if h.PortFailures > 0 && h.FailedItself() {
		h.limit(SignalPorts)
		h.Reasons = append(h.Reasons, reason)
		return
	}
	h.warn(SignalPorts, reason)
}

// portsAdvice is what to do about a generator short of local ports.
const portsAdvice = "Spread the load over more generators (liftoff run --segment I/N on several machines), or widen net.ipv4.ip_local_port_range."

// portsReason says how close the generator came to its local ports, what
// happens past them, and what to do.
func portsReason(h Health) string {
	of := ""
	if h.LocalPorts > 0 {
		of = fmt.Sprintf(", %s of the %s local ports one target address allows (net.ipv4.ip_local_port_range)",
			percent(float64(h.PeakConns)/float64(h.LocalPorts)), count(h.LocalPorts))
	}
	if h.PortFailures == 0 { // then ShortOfPorts knew the range
		return fmt.Sprintf("The generator came close to running out of local ports: %s connections were open at its peak%s. Past them every new connection fails (EADDRNOTAVAIL) before it reaches the target. %s",
			count(h.PeakConns), of, portsAdvice)
	}
	return fmt.Sprintf("The generator ran out of local ports: %s connects failed (EADDRNOTAVAIL) before they reached the target, with %s connections open at its peak%s. %s",
		count(h.PortFailures), count(h.PeakConns), of, portsAdvice)
}
