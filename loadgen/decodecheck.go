package loadgen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
)

// A results file comes from anywhere: a colleague, a CI artefact, a file
// edited by hand. Reading one must cost bounded memory and either yield
// results that could have been measured or say what is wrong. Each
// histogram's header is read before the histogram is allocated, so a
// declared geometry cannot ask for gigabytes (budget.decodePacked); the
// histograms a file holds share a memory budget; the timeline has a most
// intervals; and the counts must add up.

// MaxTimelineIntervals is the most intervals a results file's timeline
// may hold. A run's timeline keeps at most DefaultMaxIntervals (it
// coarsens past that); the margin is for files merged from segments.
const MaxTimelineIntervals = 10_000

// decodeBudget is the memory the histograms of one results file may
// take once decoded. Each is charged what it will hold, read from its
// payload before it is built: a whole-run histogram of a step a few
// requests reached a few hundred bytes, one of a busy key at most its
// 23,221 buckets' worth. A journey of 2,000 steps of a few requests each
// takes about 2 MiB; a busy hour's timeline of 1,800 intervals about
// 100 MiB.
var decodeBudget int64 = 512 << 20

// budget is what is left of decodeBudget while a file is read, with the
// zlib reader and the payload buffer that read every histogram.
type budget struct {
	left    int64
	zr      io.ReadCloser
	payload []byte
	raw     []byte // decodeText's base64-decoded text
	text    []byte // hist.read's text from its store
}

func newBudget() *budget { return &budget{left: decodeBudget} }

func (b *budget) spend(n int64) error {
	if b.left -= n; b.left < 0 {
		return fmt.Errorf("its histograms would need more than %d MiB of memory to read", decodeBudget>>20)
	}
	return nil
}

// intervalList is the timeline as a file holds it. Decoding stops at
// MaxTimelineIntervals, before a longer timeline costs the memory of its
// intervals.
type intervalList []intervalFile

func (l *intervalList) UnmarshalJSON(data []byte) error {
	out, err := decodeList[intervalFile](data, MaxTimelineIntervals, "timeline", "intervals")
	*l = out
	return err
}

// decodeList decodes a JSON list of at most limit items, stopping before
// a longer one costs the memory of its items. what names the list, items
// its items, for errors.
func decodeList[T any](data []byte, limit int, what, items string) ([]T, error) {
	var out []T
	err := eachItem(json.NewDecoder(bytes.NewReader(data)), limit, what, items, func(item T) { out = append(out, item) })
	if err != nil {
		return nil, err
	}
	return out, nil
}

// eachItem reads a JSON list of at most limit items from dec, as
// decodeList does, handing each item to take as it is read.
func eachItem[T any](dec *json.Decoder, limit int, what, items string, take func(T)) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok == nil { // null
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return fmt.Errorf("the %s is not a list", what)
	}
	for n := 0; dec.More(); n++ {
		if n == limit {
			return fmt.Errorf("the %s has more than the %d %s liftoff reads", what, limit, items)
		}
		var item T
		if err := dec.Decode(&item); err != nil {
			return fmt.Errorf("%s[%d]: %w", what, n, err)
		}
		take(item)
	}
	_, err = dec.Token() // the closing ]: More is false at the end of the input too
	return err
}

// checkCounts reports counts that no run could have measured: negative
// ones, errors beyond requests, parts beyond their whole. Reports divide
// by these counts, and read a negative or inflated one as a result.
//
// A request ends one of three ways: it succeeded, it failed (an error, of
// a failure class), or the run's end cut it off (class cut-off, counted
// but not an error). So the failure classes add up to the errors, and the
// cut-off class to the requests cut off; latency and service time hold
// the successful and cut-off requests, the failures' timings hold at
// most their class's count, and the generator's own errors are the
// template and generator classes.
func (r *Results) checkCounts() error {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	a := r.Arrivals
	sig := r.Signals
	for _, c := range []struct {
		name string
		n    int64
	}{
		{"requests", r.Requests}, {"errors", r.Errors}, {"retries", r.Retries},
		{"arrivals.started", a.Started}, {"arrivals.missed", a.Missed}, {"arrivals.completed", a.Completed},
		{"arrivals.failed", a.Failed}, {"arrivals.exhausted", a.Exhausted},
		{"closed.visitors", r.Closed.Visitors}, {"closed.stopped", r.Closed.Stopped},
		{"elapsed_us", r.Elapsed.Microseconds()}, {"ran_us", r.Ran.Microseconds()}, {"interval_us", r.Interval.Microseconds()},
		{"interrupted_at_us", r.InterruptedAt.Microseconds()}, {"start_delay_us", r.StartDelay.Microseconds()},
		{"generator.cpus", int64(sig.CPUs)}, {"generator.cpu_us", sig.CPU.Microseconds()}, {"generator.run_delay_us", sig.RunDelay.Microseconds()},
		{"generator.pre_opened", sig.PreOpened}, {"generator.pre_open_us", sig.PreOpenTime.Microseconds()},
	} {
		if c.n < 0 {
			bad("%s is negative (%d)", c.name, c.n)
		}
	}
	if r.Ran > r.Elapsed || r.InterruptedAt > r.Elapsed {
		bad("ran_us %d and interrupted_at_us %d must lie within elapsed_us %d",
			r.Ran.Microseconds(), r.InterruptedAt.Microseconds(), r.Elapsed.Microseconds())
	}
	if ab := r.Abort; ab != nil {
		switch {
		case !r.Interrupted:
			bad("abort without interrupted: an abort stops the run")
		case ab.From < 0 || ab.To <= ab.From || ab.To > r.Elapsed:
			bad("abort window %d–%d µs must lie within elapsed_us %d", ab.From.Microseconds(), ab.To.Microseconds(), r.Elapsed.Microseconds())
		case math.IsNaN(ab.Measured) || math.IsInf(ab.Measured, 0) || ab.Measured < 0 || ab.Samples < 0 || ab.Samples > r.Requests:
			bad("abort measured %v over %d samples of %d requests", ab.Measured, ab.Samples, r.Requests)
		}
	}
	if math.IsNaN(a.Planned) || math.IsInf(a.Planned, 0) || a.Planned < 0 {
		bad("arrivals.planned is %v", a.Planned)
	}
	if r.Errors > r.Requests {
		bad("%d errors among %d requests", r.Errors, r.Requests)
	}
	var failures, generator int64
	for c, n := range r.Classes {
		if ErrorClass(c).Failed() {
			failures += n
		}
		if ErrorClass(c).Generator() {
			generator += n
		}
	}
	if failures != r.Errors {
		bad("the error classes add up to %d, not to the %d errors", failures, r.Errors)
	}
	for c, t := range r.Failures {
		class := ErrorClass(c)
		if n := max(t.Latency.Count(), t.Service.Count()); n > 0 && (!class.Failed() || n > r.Classes[c]) {
			bad("failures.%s: %d timings of %d failed requests", class, n, r.Classes[c])
		}
	}
	if a.Completed+a.Failed > a.Started || a.Exhausted > a.Missed {
		bad("arrivals: %d completed and %d failed of %d started, %d exhausted of %d missed", a.Completed, a.Failed, a.Started, a.Exhausted, a.Missed)
	}
	if r.Closed.Stopped > r.Closed.Visitors {
		bad("closed: %d of %d visitors stopped", r.Closed.Stopped, r.Closed.Visitors)
	}
	for c, msgs := range r.Examples {
		if len(msgs) > maxExamples {
			bad("%d examples of class %s, more than the %d a run keeps", len(msgs), ErrorClass(c), maxExamples)
		}
	}
	if len(r.Keys) == 0 || r.Keys[0].Key != (Key{}) {
		bad("keys[0] must be every request")
	} else if k := r.Keys[0]; k.Requests != r.Requests || k.Errors != r.Errors ||
		k.CutOff != r.Classes[ClassCutOff] || k.GeneratorErrors != generator {
		bad("keys[0] counts %d requests, %d errors (%d the generator's) and %d cut off; the run %d, %d (%d) and %d",
			k.Requests, k.Errors, k.GeneratorErrors, k.CutOff, r.Requests, r.Errors, generator, r.Classes[ClassCutOff])
	}
	for i, k := range r.Keys {
		if !plausibleKey(k.Requests, k.Errors, k.GeneratorErrors, k.CutOff, k.Latency.Count(), k.Service.Count()) {
			bad("keys[%d]: %d errors (%d the generator's), %d cut off, %d latencies and %d service times of %d requests",
				i, k.Errors, k.GeneratorErrors, k.CutOff, k.Latency.Count(), k.Service.Count(), k.Requests)
		}
	}
	if r.Lag.Count() > r.Requests {
		bad("%d lag values for %d requests", r.Lag.Count(), r.Requests)
	}
	for i, j := range r.Journeys {
		if j.Visits < 0 || j.Failed < 0 || j.Failed > j.Visits || j.Duration.Count() > j.Visits {
			bad("journeys[%d]: %d failed and %d durations of %d visits", i, j.Failed, j.Duration.Count(), j.Visits)
		}
	}
	r.checkSegments(bad)
	if len(r.Timeline) > 0 && r.Interval <= 0 {
		bad("a timeline needs interval_us above zero")
	}
	for i, iv := range r.Timeline {
		if iv.Offset < 0 || (i > 0 && iv.Offset <= r.Timeline[i-1].Offset) {
			bad("timeline[%d]: offset %v does not follow the one before", i, iv.Offset)
		}
		if iv.Arrivals < 0 || iv.Missed < 0 || iv.Completed < 0 || iv.Failed < 0 || iv.Requests < 0 || iv.Errors < 0 || iv.Errors > iv.Requests {
			bad("timeline[%d]: a negative count, or %d errors among %d requests", i, iv.Errors, iv.Requests)
		}
		if iv.Completed+iv.Failed > iv.Arrivals {
			bad("timeline[%d]: %d completed and %d failed of %d visits that arrived", i, iv.Completed, iv.Failed, iv.Arrivals)
		}
		if s := iv.Signals; s.CPU < 0 || s.RunDelay < 0 || s.VisitorConnects < 0 || s.PeakConns < 0 || s.PortFailures < 0 || s.Lag.Count() > iv.Requests {
			bad("timeline[%d]: negative generator signals, or %d lag values for %d requests", i, s.Lag.Count(), iv.Requests)
		}
		for j, k := range iv.Keys {
			latencies, services := k.latency.Count(), k.service.Count()
			if (j > 0 && k.Key <= iv.Keys[j-1].Key) || !plausibleKey(k.Requests, k.Errors, k.GeneratorErrors, k.CutOff, latencies, services) {
				bad("timeline[%d].keys[%d]: key %d twice or out of order, or %d errors (%d the generator's), %d cut off and %d latencies of %d requests",
					i, j, k.Key, k.Errors, k.GeneratorErrors, k.CutOff, latencies, k.Requests)
			}
		}
		if len(problems) > 0 {
			break // one bad interval is enough to say
		}
	}
	if len(problems) == 0 {
		return nil
	}
	if len(problems) > 3 {
		problems = append(problems[:3], fmt.Sprintf("and %d more", len(problems)-3))
	}
	return fmt.Errorf("counts that no run measures: %s", joinProblems(problems))
}

// maxLocalPorts is the most ports a port range can hold.
const maxLocalPorts = 1 << 16

// checkPorts refuses a generator's local-port signals that no run
// measures: negative counts, or a port range larger than the ports there
// are. A run's results and each segment's process pass here.
func checkPorts(s Signals) error {
	switch {
	case s.PeakConns < 0 || s.PortFailures < 0:
		return fmt.Errorf("generator: %d connections open at the peak and %d port failures; counts are never negative", s.PeakConns, s.PortFailures)
	case s.LocalPorts < 0 || s.LocalPorts > maxLocalPorts:
		return fmt.Errorf("generator.local_ports is %d; a port range holds 1 to %d ports", s.LocalPorts, maxLocalPorts)
	}
	return nil
}

// plausibleKey reports whether one key's counts could have been
// measured: none negative, the generator's errors among the errors, the
// errors and the requests cut off among the requests, and a latency and a
// service time for at most each request that did not fail.
func plausibleKey(requests, errors, generator, cutOff, latencies, services int64) bool {
	return requests >= 0 && errors >= 0 && generator >= 0 && cutOff >= 0 &&
		generator <= errors && errors <= requests-cutOff &&
		latencies <= requests-errors && services <= requests-errors
}

func joinProblems(p []string) string {
	var b bytes.Buffer
	for i, s := range p {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(s)
	}
	return b.String()
}
