package stream

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"time"

	"github.com/liftoff/liftoff/loadgen"
)

// Line is one interval as a JSON line: `--out jsonl=FILE` writes one per
// timeline interval, as the collector closes it, for any tool that reads
// JSON. Latencies are in milliseconds at the timeline's precision (three
// significant digits), of the requests that succeeded (failed ones are
// counted, not timed); rates are per second over the interval's width.
type Line struct {
	Time            time.Time        `json:"time"`         // when the interval closed (RFC 3339, UTC)
	OffsetS         float64          `json:"offset_s"`     // the interval's start, seconds into the run
	WidthS          float64          `json:"width_s"`      // the interval's width in seconds
	PlannedArrivals float64          `json:"planned"`      // visitors the plan expected in the interval
	PlannedRate     float64          `json:"planned_rate"` // the same per second
	Arrivals        int64            `json:"arrivals"`     // visitors started
	ArrivalRate     float64          `json:"arrival_rate"` // the same per second
	Missed          int64            `json:"missed"`       // arrivals the generator could not start
	Completed       int64            `json:"completed"`    // visits that ended in the interval with every step passed
	Failed          int64            `json:"failed"`       // visits that ended in the interval with a failed step
	InFlight        int64            `json:"in_flight"`    // visitors in flight when it closed
	Requests        int64            `json:"requests"`
	RequestRate     float64          `json:"request_rate"`
	Errors          int64            `json:"errors"`
	ErrorsByClass   map[string]int64 `json:"errors_by_class"`   // only classes that occurred
	CutOff          int64            `json:"cut_off,omitempty"` // requests still waiting when the run stopped: counted in requests, not errors
	LatencyMS       *Percentiles     `json:"latency_ms"`        // successful requests (and cut-off ones); null when none
	LagMS           *Percentiles     `json:"lag_ms"`            // how late requests left; null when none
	Keys            []KeyLine        `json:"keys"`              // each journey, then its steps
}

// KeyLine is one journey's or step's requests in an interval.
type KeyLine struct {
	Journey   string       `json:"journey"`
	Step      string       `json:"step,omitempty"` // empty for the journey's own line
	Requests  int64        `json:"requests"`
	Errors    int64        `json:"errors"`
	LatencyMS *Percentiles `json:"latency_ms"`
}

// Percentiles sum up a distribution in milliseconds.
type Percentiles struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// LineOf is the JSON line of t.
func LineOf(t loadgen.Tick) Line {
	width := t.Width.Seconds()
	l := Line{
		Time: t.Closed.UTC(), OffsetS: t.Offset.Seconds(), WidthS: width,
		PlannedArrivals: round(t.Planned), PlannedRate: round(t.Planned / width),
		Arrivals: t.Arrivals, ArrivalRate: round(float64(t.Arrivals) / width),
		Missed: t.Missed, Completed: t.Completed, Failed: t.Failed, InFlight: t.InFlight,
		Requests: t.Requests, RequestRate: round(float64(t.Requests) / width), Errors: t.Errors,
		ErrorsByClass: map[string]int64{},
		LagMS:         percentiles(t.Lag),
		Keys:          []KeyLine{},
	}
	for _, c := range loadgen.ErrorClasses() {
		if n := t.Classes.Of(c); n > 0 && c.Failed() {
			l.ErrorsByClass[c.String()] = n
		}
	}
	l.CutOff = t.Classes.Of(loadgen.ClassCutOff)
	for _, k := range t.Keys {
		if k.Key.Journey == "" {
			l.LatencyMS = percentiles(k.Latency)
			continue
		}
		l.Keys = append(l.Keys, KeyLine{Journey: k.Key.Journey, Step: k.Key.Step, Requests: k.Requests, Errors: k.Errors, LatencyMS: percentiles(k.Latency)})
	}
	return l
}

// percentiles reads a timeline histogram's buckets: each percentile is
// the value of the bucket its rank falls in.
func percentiles(buckets []loadgen.Bucket) *Percentiles {
	var n int64
	for _, b := range buckets {
		n += b.Count
	}
	if n == 0 {
		return nil
	}
	at := func(p float64) float64 {
		rank := int64(math.Ceil(p / 100 * float64(n)))
		var seen int64
		for _, b := range buckets {
			if seen += b.Count; seen >= rank {
				return ms(b.Value)
			}
		}
		return ms(buckets[len(buckets)-1].Value)
	}
	return &Percentiles{P50: at(50), P90: at(90), P95: at(95), P99: at(99), Max: ms(buckets[len(buckets)-1].Value)}
}

func ms(d time.Duration) float64 { return round(float64(d) / float64(time.Millisecond)) }

// round keeps six significant digits, so a line says 33.3333, not
// 33.333333333333336.
func round(v float64) float64 {
	if v == 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0
	}
	scale := math.Pow(10, 6-math.Ceil(math.Log10(math.Abs(v))))
	return math.Round(v*scale) / scale
}

// JSONL writes one Line per interval to a file, flushed after each so a
// reader following the file (tail -f) sees each interval as it closes.
type JSONL struct {
	path    string
	f       *os.File
	w       *bufio.Writer
	created bool // the file did not exist before NewJSONL
	written bool // a line was written: the old content is gone
}

// NewJSONL opens the file at path for writing before the run starts, so a
// path that cannot be written stops the run before anything is sent. It
// empties a regular file only when the first interval arrives: a run
// stopped before its start (--start-at, Ctrl-C) leaves an existing file
// as it was and removes one it created.
func NewJSONL(path string) (*JSONL, error) {
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o666)
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return &JSONL{path: path, f: f, w: bufio.NewWriter(f), created: errors.Is(statErr, fs.ErrNotExist)}, nil
}

// begin empties a regular file before the first line (a FIFO or a
// device has nothing to empty).
func (j *JSONL) begin() error {
	j.written = true
	if fi, err := j.f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	return j.f.Truncate(0)
}

func (j *JSONL) String() string { return "jsonl " + j.path }

// Send writes t's line.
func (j *JSONL) Send(_ context.Context, t loadgen.Tick) error {
	if !j.written {
		if err := j.begin(); err != nil {
			return fmt.Errorf("write %s: %w", j.path, err)
		}
	}
	if err := writeLine(j.w, LineOf(t)); err != nil {
		return fmt.Errorf("write %s: %w", j.path, err)
	}
	if err := j.w.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", j.path, err)
	}
	return nil
}

func writeLine(w io.Writer, l Line) error {
	b, err := json.Marshal(l)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// Close flushes and closes the file; a file it created and never wrote
// is removed.
func (j *JSONL) Close(context.Context) error {
	ferr := j.w.Flush()
	cerr := j.f.Close()
	if err := cmp.Or(ferr, cerr); err != nil {
		return fmt.Errorf("write %s: %w", j.path, err)
	}
	if !j.written && j.created {
		if err := os.Remove(j.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove %s: %w", j.path, err)
		}
	}
	return nil
}
