package loadgen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/liftoff/liftoff/internal/spool"
	"github.com/liftoff/liftoff/scenario"
)

// SchemaVersion versions the results file as a whole: this encoding of
// Results, which the file holds under "results" (and writes again as its
// "version"), and the report's envelope around it, whose "schema" it is
// too. Fields keep their meaning within a version; new fields may be
// added. The two parts change together, so the one constant lives here,
// in the lower layer, where report can read it.
//
// Version 2: latency and service time describe the requests that
// succeeded (version 1 mixed in the failed ones, so a target that failed
// fast looked fast), failed requests are timed per class, visits count
// where they arrived, and the generator records its own signals per
// interval. A version 1 file cannot be judged by version 2's rules, so it
// is refused with UnsupportedVersionError rather than misread.
const SchemaVersion = 2

// UnsupportedVersionError is a results file of a schema version this
// liftoff does not read.
type UnsupportedVersionError struct {
	Version int    // the file's
	Liftoff string // the liftoff version that wrote it, when the file says
}

func (e *UnsupportedVersionError) Error() string {
	by := ""
	if e.Liftoff != "" {
		by = " (written by liftoff " + e.Liftoff + ")"
	}
	if e.Version < SchemaVersion {
		return fmt.Sprintf("results schema version %d%s is older than this liftoff reads (version %d): its latency figures include failed requests, so its verdict cannot be judged again; run the test again, or report it with the liftoff that wrote it", e.Version, by, SchemaVersion)
	}
	return fmt.Sprintf("results schema version %d%s is newer than this liftoff reads (version %d); use a newer liftoff", e.Version, by, SchemaVersion)
}

// The results encoding is JSON. Durations are integer microseconds or
// float seconds as their names say; histograms are HdrHistogram V2
// compressed base64 strings ("HISTF…") of microsecond values, readable by
// any HdrHistogram implementation. The encoding round-trips exactly: a
// decoded Results re-encodes to the same bytes.

// resultsFile is the encoded form of Results.
type resultsFile struct {
	Version         int             `json:"version"`                     // SchemaVersion
	Liftoff         string          `json:"liftoff,omitempty"`           // the liftoff version that measured
	Scenario        scenario.Record `json:"scenario"`                    // what was tested, secrets removed
	Started         time.Time       `json:"started"`                     // wall-clock start of the run
	ElapsedUS       int64           `json:"elapsed_us"`                  // how long the run took
	RanUS           int64           `json:"ran_us"`                      // how much of the plan ran: all of it, or up to the interrupt
	Interrupted     bool            `json:"interrupted"`                 // stopped before the plan ended
	InterruptedAtUS int64           `json:"interrupted_at_us,omitempty"` // when, before the grace period
	Abort           *abortFile      `json:"abort,omitempty"`             // the abort rule that stopped the run
	IntervalUS      int64           `json:"interval_us"`                 // width of each timeline interval
	Segment         *segmentFile    `json:"segment,omitempty"`           // the share of the plan sent (--segment); absent: all of it
	Host            string          `json:"host,omitempty"`              // the machine that ran it
	StartDelayUS    int64           `json:"start_delay_us,omitempty"`    // how late it began after --start-at
	Segments        segmentRunList  `json:"segments,omitempty"`          // merged results: each segment's process

	Arrivals arrivalsFile        `json:"arrivals"`
	Closed   closedFile          `json:"closed"`
	Requests int64               `json:"requests"`
	Errors   int64               `json:"errors"`
	Classes  map[string]int64    `json:"classes"`            // failed (and cut-off) requests by class
	Failures map[string]timing   `json:"failures,omitempty"` // failed requests' timings by class
	Retries  int64               `json:"retries,omitempty"`  // requests sent a second time
	Examples map[string][]string `json:"examples"`           // a few redacted messages per class

	Keys      []keyFile     `json:"keys"` // keys[0] is every request
	Journeys  []journeyFile `json:"journeys"`
	Lag       string        `json:"lag,omitempty"` // send time minus intended time
	Generator signalsFile   `json:"generator"`     // the generator's own signals over the run
	Timeline  intervalList  `json:"timeline"`
}

// abortFile is Abort.
type abortFile struct {
	Rule     string  `json:"rule"`
	Measured float64 `json:"measured"` // ms for latency rules, 0..1 for error_rate
	Samples  int64   `json:"samples"`
	FromUS   int64   `json:"from_us"` // the window that tripped it
	ToUS     int64   `json:"to_us"`
}

// signalsFile is Signals: histograms of microseconds, times in
// microseconds.
type signalsFile struct {
	CPUs           int    `json:"cpus"`                       // CPUs the process could use
	CPUUS          int64  `json:"cpu_us"`                     // process CPU time, user and system
	CPUKnown       bool   `json:"cpu_known"`                  // false where the platform cannot say
	RunDelayUS     int64  `json:"run_delay_us"`               // the process's threads' wait on CPU run queues
	RunDelayKnown  bool   `json:"run_delay_known"`            // false where the kernel does not say
	Delay          string `json:"delay,omitempty"`            // how late the delay probe woke
	Sched          string `json:"sched,omitempty"`            // the Go runtime's scheduling latency
	VisitorConnect string `json:"visitor_connect,omitempty"`  // visitors' connection setup: dial and TLS
	SharedConnect  string `json:"shared_connect,omitempty"`   // the shared pool's, opened during the run
	PreOpened      int64  `json:"pre_opened,omitempty"`       // shared connections opened before the start
	PreOpenUS      int64  `json:"pre_open_us,omitempty"`      // how long that took
	PeakConns      int64  `json:"peak_connections,omitempty"` // the most connections open at once
	LocalPorts     int64  `json:"local_ports,omitempty"`      // ports per target address (ip_local_port_range); absent: unknown
	PortFailures   int64  `json:"port_failures,omitempty"`    // connects that found no local port (EADDRNOTAVAIL)
}

type arrivalsFile struct {
	Planned   float64 `json:"planned"`             // expected by the plan over the part that ran
	Started   int64   `json:"started"`             // visitors started
	Missed    int64   `json:"missed"`              // not started: max_concurrency was reached
	Completed int64   `json:"completed"`           // started visits whose every step succeeded
	Failed    int64   `json:"failed"`              // started visits that ended with a failed step
	Exhausted int64   `json:"exhausted,omitempty"` // of the missed, those a unique data file had no row for
}

// timing is a class's failed requests' latency and service time.
type timing struct {
	Latency string `json:"latency,omitempty"`
	Service string `json:"service,omitempty"`
}

type closedFile struct {
	Visitors int64 `json:"visitors"` // looping visitors started
	Stopped  int64 `json:"stopped"`  // of them, stopped early: a unique data file ran out
}

type keyFile struct {
	Journey         string `json:"journey,omitempty"` // empty: every request
	Step            string `json:"step,omitempty"`    // empty: every request of the journey
	Requests        int64  `json:"requests"`
	Errors          int64  `json:"errors"`                     // failed, whoever failed them
	GeneratorErrors int64  `json:"generator_errors,omitempty"` // of the errors, the generator's own
	CutOff          int64  `json:"cut_off,omitempty"`          // unanswered when the run stopped
	Latency         string `json:"latency,omitempty"`          // successful requests: response done minus intended send
	Service         string `json:"service,omitempty"`          // successful requests: response done minus actual send
}

type journeyFile struct {
	Name     string `json:"name"`
	Visits   int64  `json:"visits"`
	Failed   int64  `json:"failed"`
	Duration string `json:"duration,omitempty"` // visit duration, think time included
}

type intervalFile struct {
	OffsetUS  int64             `json:"offset_us"`
	Arrivals  int64             `json:"arrivals"`
	Missed    int64             `json:"missed"`
	Completed int64             `json:"completed"`
	Failed    int64             `json:"failed,omitempty"`
	Requests  int64             `json:"requests"`
	Errors    int64             `json:"errors"`
	Classes   map[string]int64  `json:"classes,omitempty"`
	Keys      []intervalKeyFile `json:"keys,omitempty"`

	// The generator's signals in the interval.
	CPUUS           int64  `json:"cpu_us,omitempty"`
	RunDelayUS      int64  `json:"run_delay_us,omitempty"`
	Delay           string `json:"delay,omitempty"`
	Sched           string `json:"sched,omitempty"`
	Lag             string `json:"lag,omitempty"`
	VisitorConnects int64  `json:"visitor_connects,omitempty"`
	SharedConnect   string `json:"shared_connect,omitempty"`
	PeakConns       int64  `json:"peak_connections,omitempty"`
	PortFailures    int64  `json:"port_failures,omitempty"`
}

type intervalKeyFile struct {
	Key             int    `json:"key"` // index into keys
	Requests        int64  `json:"requests"`
	Errors          int64  `json:"errors"`
	GeneratorErrors int64  `json:"generator_errors,omitempty"`
	CutOff          int64  `json:"cut_off,omitempty"`
	Latency         string `json:"latency"`
	Service         string `json:"service"`
}

// MarshalJSON encodes the results in the schema documented above.
func (r *Results) MarshalJSON() ([]byte, error) {
	f := r.file()
	f.Timeline = make(intervalList, 0, len(r.Timeline))
	for _, iv := range r.Timeline {
		f.Timeline = append(f.Timeline, encodeInterval(iv))
	}
	return json.Marshal(f)
}

// WriteIndented writes the results to w as json.Indent(MarshalJSON(),
// prefix, indent) would, byte for byte, without holding the whole text:
// everything but the timeline first, then the timeline one interval at a
// time. A long run's results file is mostly its timeline; encoded whole,
// then compacted and indented, it took three times its size at once, at
// the end of the run, when the run's memory peaks.
func (r *Results) WriteIndented(w io.Writer, prefix, indent string) error {
	head, err := json.Marshal(r.file()) // "timeline": null, the last field
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, head, prefix, indent); err != nil {
		return err
	}
	const null = "null\n"
	text := buf.Bytes()
	at := bytes.LastIndex(text, []byte(`"timeline": null`))
	if at < 0 || !bytes.HasPrefix(text[at+len(`"timeline": `):], []byte(null)) {
		return fmt.Errorf("encode results: the timeline is not the last field")
	}
	if _, err := w.Write(text[:at+len(`"timeline": `)]); err != nil {
		return err
	}
	inner := prefix + indent + indent // an interval's depth: results, timeline, interval
	closing := "\n" + prefix + indent + "]"
	if len(r.Timeline) == 0 {
		closing = "[]"
	}
	for i, iv := range r.Timeline {
		line, err := json.Marshal(encodeInterval(iv))
		if err != nil {
			return err
		}
		buf.Reset()
		if i == 0 {
			buf.WriteByte('[')
		}
		buf.WriteString("\n" + inner)
		if err := json.Indent(&buf, line, inner, indent); err != nil {
			return err
		}
		if i < len(r.Timeline)-1 {
			buf.WriteByte(',')
		}
		if _, err := w.Write(buf.Bytes()); err != nil {
			return err
		}
	}
	if _, err := io.WriteString(w, closing); err != nil {
		return err
	}
	_, err = w.Write(text[at+len(`"timeline": `)+len("null"):])
	return err
}

// file is the results as the file holds them, but for the timeline.
func (r *Results) file() resultsFile {
	f := resultsFile{
		Version:         SchemaVersion,
		Liftoff:         r.Version,
		Scenario:        r.Scenario,
		Started:         r.Started,
		ElapsedUS:       r.Elapsed.Microseconds(),
		RanUS:           r.Ran.Microseconds(),
		Interrupted:     r.Interrupted,
		InterruptedAtUS: r.InterruptedAt.Microseconds(),
		IntervalUS:      r.Interval.Microseconds(),
		Segment:         encodeSegment(r.Segment),
		Host:            r.Host,
		StartDelayUS:    r.StartDelay.Microseconds(),
		Segments:        encodeSegmentRuns(r.Segments),
		Arrivals:        arrivalsFile(r.Arrivals),
		Closed:          closedFile(r.Closed),
		Requests:        r.Requests,
		Errors:          r.Errors,
		Classes:         classMap(r.Classes),
		Retries:         r.Retries,
		Examples:        map[string][]string{},
		Lag:             encodeDistribution(r.Lag),
		Generator:       encodeSignals(r.Signals),
	}
	if a := r.Abort; a != nil {
		f.Abort = &abortFile{Rule: a.Rule, Measured: a.Measured, Samples: a.Samples, FromUS: a.From.Microseconds(), ToUS: a.To.Microseconds()}
	}
	for c, msgs := range r.Examples {
		if len(msgs) > 0 {
			f.Examples[ErrorClass(c).String()] = msgs
		}
	}
	for c, t := range r.Failures {
		if t.Latency.Count() > 0 {
			if f.Failures == nil {
				f.Failures = map[string]timing{}
			}
			f.Failures[ErrorClass(c).String()] = timing{Latency: encodeDistribution(t.Latency), Service: encodeDistribution(t.Service)}
		}
	}
	for _, k := range r.Keys {
		f.Keys = append(f.Keys, keyFile{Journey: k.Key.Journey, Step: k.Key.Step, Requests: k.Requests, Errors: k.Errors,
			GeneratorErrors: k.GeneratorErrors, CutOff: k.CutOff,
			Latency: encodeDistribution(k.Latency), Service: encodeDistribution(k.Service)})
	}
	for _, j := range r.Journeys {
		f.Journeys = append(f.Journeys, journeyFile{Name: j.Name, Visits: j.Visits, Failed: j.Failed, Duration: encodeDistribution(j.Duration)})
	}
	return f
}

// encodeInterval is an interval as the results file holds it.
func encodeInterval(iv Interval) intervalFile {
	sig := iv.Signals
	ivf := intervalFile{OffsetUS: iv.Offset.Microseconds(), Arrivals: iv.Arrivals, Missed: iv.Missed, Completed: iv.Completed, Failed: iv.Failed,
		Requests: iv.Requests, Errors: iv.Errors, Classes: classMap(iv.Classes),
		CPUUS: sig.CPU.Microseconds(), RunDelayUS: sig.RunDelay.Microseconds(), Delay: encodeSparse(sig.Delay), Sched: encodeSparse(sig.Sched), Lag: encodeSparse(sig.Lag),
		VisitorConnects: sig.VisitorConnects, SharedConnect: encodeSparse(sig.SharedConnect),
		PeakConns: sig.PeakConns, PortFailures: sig.PortFailures}
	if len(ivf.Classes) == 0 {
		ivf.Classes = nil
	}
	for _, ik := range iv.Keys {
		ivf.Keys = append(ivf.Keys, intervalKeyFile{Key: ik.Key, Requests: ik.Requests, Errors: ik.Errors,
			GeneratorErrors: ik.GeneratorErrors, CutOff: ik.CutOff,
			Latency: ik.latency.encoded(), Service: ik.service.encoded()})
	}
	return ivf
}

// UnmarshalJSON decodes results written by MarshalJSON, checking the schema
// version and every histogram.
func (r *Results) UnmarshalJSON(data []byte) error {
	var f resultsFile
	if err := json.Unmarshal(data, &f); err != nil {
		return err
	}
	t := newTimelineReader()
	for i, ivf := range f.Timeline {
		f.Timeline[i] = intervalFile{} // garbage once read
		t.add(ivf)
	}
	return r.fromFile(&f, t)
}

// timelineReader decodes a results file's timeline one interval at a
// time, as it is read, sealing each: a file read as it comes
// (DecodeResults) never holds an interval's text beside the others.
// Whether each key an interval names exists is checked at the end
// (fromFile), when the keys are known.
type timelineReader struct {
	b         *budget // the whole file's, shared with its other histograms
	intervals []Interval
	store     *spool.Store // the intervals' encodings
	err       error        // the first interval that did not decode
}

func newTimelineReader() *timelineReader {
	return &timelineReader{b: newBudget(), store: &spool.Store{}}
}

func (t *timelineReader) add(ivf intervalFile) {
	if t.err != nil {
		return
	}
	iv, err := decodeInterval(ivf, t.b)
	if err != nil {
		t.err = fmt.Errorf("timeline[%d]%w", len(t.intervals), err)
		return
	}
	sealInterval(&iv, t.store) // checked; a timeline is read one interval at a time from here
	t.intervals = append(t.intervals, iv)
}

// fromFile sets r to the results f and its timeline, read by t, hold,
// checking the schema version and every histogram. The version is
// checked first, so an interval of another version's file that did not
// decode is reported as the version it is.
func (r *Results) fromFile(f *resultsFile, t *timelineReader) error {
	if f.Version != SchemaVersion {
		return &UnsupportedVersionError{Version: f.Version, Liftoff: f.Liftoff}
	}
	if t.err != nil {
		return t.err
	}
	b := t.b
	out := Results{
		Scenario:      f.Scenario,
		Version:       f.Liftoff,
		Started:       f.Started,
		Elapsed:       time.Duration(f.ElapsedUS) * time.Microsecond,
		Ran:           time.Duration(f.RanUS) * time.Microsecond,
		Interrupted:   f.Interrupted,
		InterruptedAt: time.Duration(f.InterruptedAtUS) * time.Microsecond,
		Interval:      time.Duration(f.IntervalUS) * time.Microsecond,
		Host:          scenario.Printable(f.Host),
		StartDelay:    time.Duration(f.StartDelayUS) * time.Microsecond,
		Arrivals:      ArrivalCounts(f.Arrivals),
		Closed:        ClosedCounts(f.Closed),
		Requests:      f.Requests,
		Errors:        f.Errors,
		Retries:       f.Retries,
	}
	if a := f.Abort; a != nil {
		// The rule quotes the scenario; a file may come from anywhere.
		out.Abort = &Abort{Rule: scenario.Printable(a.Rule), Measured: a.Measured, Samples: a.Samples,
			From: time.Duration(a.FromUS) * time.Microsecond, To: time.Duration(a.ToUS) * time.Microsecond}
	}
	var err error
	if out.Segment, err = decodeSegment(f.Segment); err != nil {
		return err
	}
	if out.Segments, err = decodeSegmentRuns(f.Segments, b); err != nil {
		return err
	}
	if out.Classes, err = parseClassMap(f.Classes); err != nil {
		return err
	}
	for name, msgs := range f.Examples {
		c, ok := ParseErrorClass(name)
		if !ok {
			return fmt.Errorf("unknown error class %q in examples", name)
		}
		for _, m := range msgs {
			// Examples quote the target; a file may come from anywhere.
			out.Examples[c] = append(out.Examples[c], scenario.Printable(m))
		}
	}
	for name, t := range f.Failures {
		c, ok := ParseErrorClass(name)
		if !ok || c == ClassNone {
			return fmt.Errorf("unknown error class %q in failures", name)
		}
		if out.Failures[c].Latency, err = decodeDistribution(t.Latency, b); err != nil {
			return fmt.Errorf("failures.%s.latency: %w", name, err)
		}
		if out.Failures[c].Service, err = decodeDistribution(t.Service, b); err != nil {
			return fmt.Errorf("failures.%s.service: %w", name, err)
		}
	}
	if out.Lag, err = decodeDistribution(f.Lag, b); err != nil {
		return fmt.Errorf("lag: %w", err)
	}
	if out.Signals, err = decodeSignals(f.Generator, b); err != nil {
		return err
	}
	for i, k := range f.Keys {
		kr := KeyResult{Key: Key{Journey: k.Journey, Step: k.Step}, Requests: k.Requests, Errors: k.Errors,
			GeneratorErrors: k.GeneratorErrors, CutOff: k.CutOff}
		if kr.Latency, err = decodeDistribution(k.Latency, b); err != nil {
			return fmt.Errorf("keys[%d].latency: %w", i, err)
		}
		if kr.Service, err = decodeDistribution(k.Service, b); err != nil {
			return fmt.Errorf("keys[%d].service: %w", i, err)
		}
		out.Keys = append(out.Keys, kr)
	}
	for i, j := range f.Journeys {
		jr := JourneyResult{Name: j.Name, Visits: j.Visits, Failed: j.Failed}
		if jr.Duration, err = decodeDistribution(j.Duration, b); err != nil {
			return fmt.Errorf("journeys[%d].duration: %w", i, err)
		}
		out.Journeys = append(out.Journeys, jr)
	}
	for i, iv := range t.intervals {
		if err := iv.checkKeys(len(out.Keys)); err != nil {
			return fmt.Errorf("timeline[%d]%w", i, err)
		}
	}
	out.Timeline = t.intervals
	if err := out.checkCounts(); err != nil {
		return err
	}
	*r = out
	return nil
}

// Encode writes the results to w as JSON.
func (r *Results) Encode(w io.Writer) error {
	return json.NewEncoder(w).Encode(r)
}

// Decode reads results written by Encode.
func Decode(rd io.Reader) (*Results, error) {
	var r Results
	if err := json.NewDecoder(rd).Decode(&r); err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	return &r, nil
}

func encodeSignals(s Signals) signalsFile {
	return signalsFile{CPUs: s.CPUs, CPUUS: s.CPU.Microseconds(), CPUKnown: s.CPUKnown,
		RunDelayUS: s.RunDelay.Microseconds(), RunDelayKnown: s.RunDelayKnown,
		Delay: encodeSparse(s.Delay), Sched: encodeSparse(s.Sched),
		VisitorConnect: encodeSparse(s.VisitorConnect), SharedConnect: encodeSparse(s.SharedConnect),
		PreOpened: s.PreOpened, PreOpenUS: s.PreOpenTime.Microseconds(),
		PeakConns: s.PeakConns, LocalPorts: s.LocalPorts, PortFailures: s.PortFailures}
}

// decodeSignals reads a process's signals over the run; an error names
// the field, "generator.delay: …".
func decodeSignals(g signalsFile, b *budget) (Signals, error) {
	s := Signals{CPUs: g.CPUs, CPU: time.Duration(g.CPUUS) * time.Microsecond, CPUKnown: g.CPUKnown,
		RunDelay: time.Duration(g.RunDelayUS) * time.Microsecond, RunDelayKnown: g.RunDelayKnown,
		PreOpened: g.PreOpened, PreOpenTime: time.Duration(g.PreOpenUS) * time.Microsecond,
		PeakConns: g.PeakConns, LocalPorts: g.LocalPorts, PortFailures: g.PortFailures}
	if err := checkPorts(s); err != nil {
		return s, err
	}
	for _, h := range []struct {
		name string
		in   string
		out  *Sparse
	}{{"delay", g.Delay, &s.Delay}, {"sched", g.Sched, &s.Sched},
		{"visitor_connect", g.VisitorConnect, &s.VisitorConnect}, {"shared_connect", g.SharedConnect, &s.SharedConnect}} {
		var err error
		if *h.out, err = decodeSparse(h.in, b); err != nil {
			return s, fmt.Errorf("generator.%s: %w", h.name, err)
		}
	}
	return s, nil
}

func classMap(cc ClassCounts) map[string]int64 {
	m := map[string]int64{}
	for c := ClassRefused; c < numClasses; c++ {
		if cc[c] > 0 {
			m[c.String()] = cc[c]
		}
	}
	return m
}

func parseClassMap(m map[string]int64) (ClassCounts, error) {
	var cc ClassCounts
	for name, n := range m {
		c, ok := ParseErrorClass(name)
		if !ok || c == ClassNone {
			return cc, fmt.Errorf("unknown error class %q", name)
		}
		if n < 0 {
			return cc, fmt.Errorf("negative count for error class %q", name)
		}
		cc[c] = n
	}
	return cc, nil
}

func encodeSparse(s Sparse) string {
	if s.Count() == 0 {
		return ""
	}
	return s.h.encoded()
}

func decodeSparse(s string, b *budget) (Sparse, error) {
	if s == "" {
		return Sparse{}, nil
	}
	p, err := b.decodePacked(s)
	if err != nil {
		return Sparse{}, err
	}
	return Sparse{h: hist{p: p, enc: s}}, nil
}

func encodeDistribution(d Distribution) string {
	if d.Count() == 0 {
		return ""
	}
	return encodePacked(d.packed())
}

func decodeDistribution(s string, b *budget) (Distribution, error) {
	if s == "" {
		return Distribution{}, nil
	}
	p, err := b.decodePacked(s)
	if err != nil {
		return Distribution{}, err
	}
	return Distribution{p: p}, nil
}

// checkKeys checks that every key iv counts is one of a run's keys
// (decodeInterval leaves that to its caller).
func (iv Interval) checkKeys(keys int) error {
	for _, k := range iv.Keys {
		if k.Key >= keys {
			return fmt.Errorf(": key %d does not exist", k.Key)
		}
	}
	return nil
}

// decodeInterval reads an interval of a timeline; whether the keys it
// names exist is the caller's to check. Errors read as the interval's:
// "[3].latency: …", ": key -1 …".
func decodeInterval(ivf intervalFile, b *budget) (Interval, error) {
	iv := Interval{Offset: time.Duration(ivf.OffsetUS) * time.Microsecond, Arrivals: ivf.Arrivals, Missed: ivf.Missed,
		Completed: ivf.Completed, Failed: ivf.Failed, Requests: ivf.Requests, Errors: ivf.Errors}
	var err error
	if iv.Classes, err = parseClassMap(ivf.Classes); err != nil {
		return iv, fmt.Errorf(": %w", err)
	}
	sig := &iv.Signals
	sig.CPU, sig.VisitorConnects = time.Duration(ivf.CPUUS)*time.Microsecond, ivf.VisitorConnects
	sig.RunDelay = time.Duration(ivf.RunDelayUS) * time.Microsecond
	sig.PeakConns, sig.PortFailures = ivf.PeakConns, ivf.PortFailures
	for _, h := range []struct {
		name string
		in   string
		out  *Sparse
	}{{"delay", ivf.Delay, &sig.Delay}, {"sched", ivf.Sched, &sig.Sched}, {"lag", ivf.Lag, &sig.Lag}, {"shared_connect", ivf.SharedConnect, &sig.SharedConnect}} {
		if *h.out, err = decodeSparse(h.in, b); err != nil {
			return iv, fmt.Errorf(".%s: %w", h.name, err)
		}
	}
	for _, k := range ivf.Keys {
		if k.Key < 0 {
			return iv, fmt.Errorf(": key %d does not exist", k.Key)
		}
		ik := IntervalKey{Key: k.Key, Requests: k.Requests, Errors: k.Errors, GeneratorErrors: k.GeneratorErrors, CutOff: k.CutOff}
		if ik.latency.p, err = b.decodePacked(k.Latency); err != nil {
			return iv, fmt.Errorf(".latency: %w", err)
		}
		if ik.service.p, err = b.decodePacked(k.Service); err != nil {
			return iv, fmt.Errorf(".service: %w", err)
		}
		// What was read is what a results file writes again, unless the
		// histogram changes (hist.open forgets it).
		ik.latency.enc, ik.service.enc = k.Latency, k.Service
		iv.Keys = append(iv.Keys, ik)
	}
	return iv, nil
}
