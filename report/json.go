package report

import (
	"encoding/json"
	"fmt"
	"io"

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
	FromS       float64 `json:"from_s,omitempty"` // the stretch Where names, seconds into the run
	ToS         float64 `json:"to_s,omitempty"`
}

type jsonHealth struct {
	Limited     bool     `json:"limited"`
	MissedShare float64  `json:"missed_share"`
	LagP99MS    float64  `json:"lag_p99_ms"`
	Late        int64    `json:"late_requests"` // sent more than 25ms after their intended time
	LateShare   float64  `json:"late_share"`
	Reasons     []string `json:"reasons"`
}

// WriteJSON writes the results file for doc.
func WriteJSON(w io.Writer, doc Document) error {
	j := doc.Judgement
	out := resultsDocument{
		Schema:      loadgen.SchemaVersion,
		Liftoff:     doc.Results.Version,
		Verdict:     j.Verdict,
		Interrupted: j.Interrupted,
		Reasons:     nonNil(j.Reasons),
		Findings:    []jsonFinding{},
		Generator: jsonHealth{Limited: j.Health.Limited, MissedShare: j.Health.MissedShare,
			LagP99MS: ms(j.Health.LagP99), Late: j.Health.Late, LateShare: j.Health.LateShare, Reasons: nonNil(j.Health.Reasons)},
		Summary: Summarize(doc),
		Results: doc.Results,
	}
	for _, f := range j.Findings {
		out.Findings = append(out.Findings, jsonFinding{
			Rule: f.Rule.Text, Scope: f.Rule.ScopeName(), Metric: f.Rule.MetricName(), Unit: f.Unit().String(),
			Measured: f.Measured, Limit: f.Limit, Passed: f.Passed, TargetFault: f.TargetFault,
			Basis: f.Basis.String(), Where: f.Where, Samples: f.Samples, NoData: f.NoData,
			FromS: f.From.Seconds(), ToS: f.To.Seconds(),
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// MaxFileSize is the largest results file ReadJSON reads. A run's file
// is far smaller (its timeline is bounded); what a file holds costs a few
// times its size in memory, so the limit bounds that too.
const MaxFileSize = 256 << 20

// ReadJSON reads a results file written by WriteJSON and judges it again.
// A file larger than MaxFileSize, or whose results no run could have
// measured, is refused.
func ReadJSON(r io.Reader) (Document, error) { return readJSON(r, MaxFileSize) }

func readJSON(r io.Reader, limit int64) (Document, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return Document{}, fmt.Errorf("read results file: %w", err)
	}
	if int64(len(data)) > limit {
		return Document{}, fmt.Errorf("the results file is larger than %s, which no run writes", scenario.FormatSize(limit))
	}
	var in struct {
		Schema  int              `json:"schema"`
		Results *loadgen.Results `json:"results"`
	}
	if err := json.Unmarshal(data, &in); err != nil {
		return Document{}, fmt.Errorf("read results file: %w", err)
	}
	if in.Schema != loadgen.SchemaVersion {
		return Document{}, fmt.Errorf("results file schema %d is not supported (this liftoff reads schema %d)", in.Schema, loadgen.SchemaVersion)
	}
	if in.Results == nil {
		return Document{}, fmt.Errorf("results file has no results")
	}
	return NewDocument(in.Results)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
