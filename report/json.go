package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/liftoff/liftoff/internal/jsonstream"
	"github.com/liftoff/liftoff/loadgen"
	"github.com/liftoff/liftoff/scenario"
)

// resultsDocument is the results file: the verdict and summary for people
// and scripts on top, the full measurements below for re-rendering,
// merging and comparing. Its schema is these types around loadgen's
// encoding of Results (loadgen/encode.go), versioned as a whole by
// loadgen.SchemaVersion: "schema" here, "results.version" there. The
// judgement's typed values (rules, units, bases) become text only here.
type resultsDocument struct {
	Schema      int              `json:"schema"`
	Liftoff     string           `json:"liftoff,omitempty"`
	Verdict     Verdict          `json:"verdict"`
	Interrupted bool             `json:"interrupted"`
	Aborted     bool             `json:"aborted,omitempty"` // an abort rule stopped the run
	Abort       *jsonAbort       `json:"abort,omitempty"`   // the abort rule that stopped the run
	Reasons     []string         `json:"reasons"`
	Findings    []jsonFinding    `json:"findings"`
	Generator   jsonHealth       `json:"generator"`
	Summary     Summary          `json:"summary"`
	Results     *loadgen.Results `json:"results"`
}

type jsonFinding struct {
	Rule        string  `json:"rule"`
	Scope       string  `json:"scope"`
	Metric      string  `json:"metric"`
	Unit        string  `json:"unit"` // "ms" or "ratio" (0..1)
	Measured    float64 `json:"measured"`
	Limit       float64 `json:"limit"`
	Passed      bool    `json:"passed"`
	TargetFault bool    `json:"target_fault"`
	Basis       string  `json:"basis"` // "latency", "service time", "requests" or "visits"
	Where       string  `json:"where,omitempty"`
	Samples     int64   `json:"samples"`
	NoData      bool    `json:"no_data,omitempty"`
	Implicit    bool    `json:"implicit,omitempty"`        // no scenario rule: failures outside every error_rate rule, against 0%
	Unproven    bool    `json:"unproven,omitempty"`        // held where the generator did not deliver the load
	Cause       string  `json:"generator_cause,omitempty"` // what the generator did, when the failure is not the target's
	ServiceMS   float64 `json:"service_ms,omitempty"`      // latency rules checked on the target: the value on service time
	BoundMS     float64 `json:"bound_ms,omitempty"`        // and the least the target took, the generator's delays taken off
	FromS       float64 `json:"from_s,omitempty"`          // the stretch Where names, seconds into the run
	ToS         float64 `json:"to_s,omitempty"`
}

// jsonAbort is the abort rule that stopped a run: what it measured over
// the window that tripped it.
type jsonAbort struct {
	Rule     string  `json:"rule"`
	Scope    string  `json:"scope"`
	Metric   string  `json:"metric"`
	Unit     string  `json:"unit"` // "ms" or "ratio" (0..1)
	Measured float64 `json:"measured"`
	Limit    float64 `json:"limit"`
	Samples  int64   `json:"samples"`
	FromS    float64 `json:"from_s"` // the window, seconds into the run
	ToS      float64 `json:"to_s"`   // when the rule tripped and the run stopped
}

func abortJSON(a *Aborted) *jsonAbort {
	if a == nil {
		return nil
	}
	return &jsonAbort{Rule: a.Rule.Text, Scope: a.Rule.ScopeName(), Metric: a.Rule.MetricName(), Unit: a.Unit().String(),
		Measured: a.Measured, Limit: limitOf(a.Rule), Samples: a.Samples, FromS: a.From.Seconds(), ToS: a.To.Seconds()}
}

// jsonHealth is the generator object: whether the generator limited the
// run, which of its signals did (limits), and the signals themselves.
type jsonHealth struct {
	Limited         bool     `json:"limited"`
	Limits          []string `json:"limits"` // the signals that limited the run or explain a failure
	MissedShare     float64  `json:"missed_share"`
	LagP99MS        float64  `json:"lag_p99_ms"`
	Late            int64    `json:"late_requests"` // sent more than late_after_ms after their intended time
	LateShare       float64  `json:"late_share"`
	LateAfterMS     float64  `json:"late_after_ms"`
	GeneratorErrors int64    `json:"generator_errors"` // requests it failed itself
	LoopingVisitors int64    `json:"looping_visitors"`
	StoppedEarly    int64    `json:"stopped_early"` // looping visitors whose data ran out
	CPUs            int      `json:"cpus"`
	CPUShareMax     *float64 `json:"cpu_share_max"` // the busiest interval's CPU time over its CPUs; null where unknown
	DelayP99MS      float64  `json:"delay_p99_ms"`  // how late its delay probe woke
	DelayMaxMS      float64  `json:"delay_max_ms"`
	SchedP99MS      float64  `json:"sched_p99_ms"` // how long its runnable goroutines waited
	VisitorConns    int64    `json:"visitor_connections"`
	VisitorConnP99  float64  `json:"visitor_connect_p99_ms"`
	PreOpened       int64    `json:"shared_pre_opened"`
	SharedConns     int64    `json:"shared_connections"` // opened during the run
	SharedConnP99   float64  `json:"shared_connect_p99_ms"`
	PeakConns       int64    `json:"peak_connections,omitempty"` // the most connections open at once
	LocalPorts      int64    `json:"local_ports,omitempty"`      // local ports per target address; absent: unknown
	PortFailures    int64    `json:"port_failures,omitempty"`    // connects that found no local port
	Reasons         []string `json:"reasons"`
	// Warnings are signals near their limit that did not limit the run,
	// with the sentences that say so; the verdict stands.
	Warnings       []string `json:"warnings,omitempty"`
	WarningReasons []string `json:"warning_reasons,omitempty"`
	// Segments judge each segment's generator of merged results apart.
	Segments []jsonSegmentHealth `json:"segments,omitempty"`
}

type jsonSegmentHealth struct {
	Segment      string   `json:"segment"` // "1/3"
	Host         string   `json:"host,omitempty"`
	Limited      bool     `json:"limited"`
	Limits       []string `json:"limits"`
	Warnings     []string `json:"warnings,omitempty"`
	StartDelayMS float64  `json:"start_delay_ms"` // how late it began after --start-at
}

func healthJSON(h Health) jsonHealth {
	out := jsonHealth{Limited: h.Limited, Limits: []string{}, MissedShare: h.MissedShare, LagP99MS: ms(h.LagP99), Late: h.Late, LateShare: h.LateShare,
		LateAfterMS: ms(h.LateAfter), GeneratorErrors: h.GeneratorErrors, LoopingVisitors: h.Looping, StoppedEarly: h.Stopped,
		CPUs: h.CPUs, DelayP99MS: ms(h.DelayP99), DelayMaxMS: ms(h.DelayMax), SchedP99MS: ms(h.SchedP99),
		VisitorConns: h.VisitorConns, VisitorConnP99: ms(h.VisitorConnP99), PreOpened: h.PreOpened, SharedConns: h.SharedConns,
		SharedConnP99: ms(h.SharedConnP99), PeakConns: h.PeakConns, LocalPorts: h.LocalPorts, PortFailures: h.PortFailures,
		Reasons: nonNil(h.Reasons), Warnings: signalNames(h.Warnings), WarningReasons: h.WarningReasons}
	for _, l := range h.Limits {
		out.Limits = append(out.Limits, l.String())
	}
	if h.CPUKnown {
		out.CPUShareMax = ptr(h.CPUShareMax)
	}
	for _, sh := range h.Segments {
		js := jsonSegmentHealth{Segment: sh.Segment, Host: sh.Host, Limited: sh.Limited, Limits: []string{}, Warnings: signalNames(sh.Warnings), StartDelayMS: ms(sh.StartDelay)}
		for _, l := range sh.Limits {
			js.Limits = append(js.Limits, l.String())
		}
		out.Segments = append(out.Segments, js)
	}
	return out
}

// WriteJSON writes the results file for doc.
func WriteJSON(w io.Writer, doc Document) error {
	return writeIndented(w, fileOf(doc))
}

// fileOf is the results file of doc.
func fileOf(doc Document) resultsDocument {
	j := doc.Judgement
	out := resultsDocument{
		Schema:      loadgen.SchemaVersion,
		Liftoff:     doc.Results.Version,
		Verdict:     j.Verdict,
		Interrupted: j.Interrupted,
		Aborted:     j.Aborted != nil,
		Abort:       abortJSON(j.Aborted),
		Reasons:     nonNil(j.Reasons),
		Findings:    []jsonFinding{},
		Generator:   healthJSON(j.Health),
		Summary:     Summarize(doc),
		Results:     doc.Results,
	}
	for _, f := range j.Findings {
		out.Findings = append(out.Findings, jsonFinding{
			Rule: f.Rule.Text, Scope: f.Rule.ScopeName(), Metric: f.Rule.MetricName(), Unit: f.Unit().String(),
			Measured: f.Measured, Limit: f.Limit, Passed: f.Passed, TargetFault: f.TargetFault,
			Basis: f.Basis.String(), Where: f.Where, Samples: f.Samples, NoData: f.NoData,
			Implicit: f.Implicit, Unproven: f.Unproven, Cause: f.Cause.String(),
			FromS: f.From.Seconds(), ToS: f.To.Seconds(),
		})
		if f.Checked {
			out.Findings[len(out.Findings)-1].ServiceMS, out.Findings[len(out.Findings)-1].BoundMS = f.Service, f.Bound
		}
	}
	return out
}

// writeIndented writes the document as a json.Encoder indenting by two
// spaces would, its results streamed (loadgen.Results.WriteIndented): a
// long run's results file is written without holding its text whole.
func writeIndented(w io.Writer, out resultsDocument) error {
	res := out.Results
	if res == nil {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	out.Results = nil
	head, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	const tail = "\"results\": null\n}"
	if !bytes.HasSuffix(head, []byte(tail)) {
		return errors.New("encode results file: the results are not the last field")
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.Write(head[:len(head)-len(tail)])
	bw.WriteString(`"results": `)
	if err := res.WriteIndented(bw, "  ", "  "); err != nil {
		return err
	}
	bw.WriteString("\n}\n")
	return bw.Flush()
}

// MaxFileSize is the largest results file ReadJSON reads. A run's file
// is far smaller (its timeline is bounded); what a file holds costs a few
// times its size in memory, so the limit bounds that too.
const MaxFileSize = 256 << 20

// ReadJSON reads a results file written by WriteJSON and judges it again.
// A file larger than MaxFileSize, or whose results no run could have
// measured, is refused.
func ReadJSON(r io.Reader) (Document, error) {
	res, err := readResults(r, MaxFileSize)
	if err != nil {
		return Document{}, err
	}
	return NewDocument(res)
}

// ReadResults reads the measurements of a results file written by
// WriteJSON, as ReadJSON does, without judging them: liftoff merge reads
// the segments' files this way and judges what they add up to.
func ReadResults(r io.Reader) (*loadgen.Results, error) { return readResults(r, MaxFileSize) }

func readJSON(r io.Reader, limit int64) (Document, error) {
	res, err := readResults(r, limit)
	if err != nil {
		return Document{}, err
	}
	return NewDocument(res)
}

// readResults reads a results file as it comes, never holding its text
// whole: the timeline, most of a long run's file, is read one interval
// at a time (loadgen.DecodeResults). Reading the text first, then
// decoding it, held both at once, and the text's buffer doubled as it
// grew: three times the file at the peak.
func readResults(r io.Reader, limit int64) (*loadgen.Results, error) {
	in := &countingReader{r: io.LimitReader(r, limit+1)}
	res, err := decodeFile(json.NewDecoder(in))
	if in.n > limit {
		return nil, fmt.Errorf("the results file is larger than %s, which no run writes", scenario.FormatSize(limit))
	}
	return res, err
}

// decodeFile reads the results file dec holds: its results streamed, its
// envelope's schema checked, nothing after it.
func decodeFile(dec *json.Decoder) (*loadgen.Results, error) {
	var res *loadgen.Results
	rest, err := jsonstream.Object(dec, "results", func(dec *json.Decoder) (err error) {
		res, err = loadgen.DecodeResults(dec)
		return err
	})
	var in struct {
		Schema  int    `json:"schema"`
		Liftoff string `json:"liftoff"`
	}
	if err == nil {
		err = json.Unmarshal(rest, &in)
	}
	if err == nil {
		err = jsonstream.End(dec)
	}
	if err != nil {
		return nil, fmt.Errorf("read results file: %w", err)
	}
	if in.Schema != loadgen.SchemaVersion {
		return nil, fmt.Errorf("results file: %w", &loadgen.UnsupportedVersionError{Version: in.Schema, Liftoff: in.Liftoff})
	}
	if res == nil {
		return nil, fmt.Errorf("results file has no results")
	}
	return res, nil
}

// countingReader counts what it reads.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
