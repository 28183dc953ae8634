package probe

import (
	"encoding/json"
	"io"
	"math"

	"github.com/liftoff/liftoff/report"
)

// SchemaVersion is the version of the probe's JSON: its fields keep
// their meaning within a version.
const SchemaVersion = 1

type jsonFile struct {
	Schema  int       `json:"schema"`
	Kind    string    `json:"kind"` // "probe": not a run's results file
	Verdict string    `json:"verdict"`
	Reasons []string  `json:"reasons"`
	Probe   jsonProbe `json:"probe"`
}

type jsonProbe struct {
	Scenario     string       `json:"scenario"`
	PeakPhase    string       `json:"peak_phase"`
	ExpectedPeak jsonCapacity `json:"expected_peak"`
	Require      float64      `json:"require"`
	Precision    float64      `json:"precision"`
	Max          float64      `json:"max"`
	StepS        float64      `json:"step_s"`
	Steps        []jsonStep   `json:"steps"`
	Knee         *jsonKnee    `json:"knee"`
	Breaking     *jsonBreak   `json:"breaking"`
	Headroom     float64      `json:"headroom"`
	LimitedBy    Limit        `json:"limited_by"`
	// GeneratorCeiling is the requests/s the generator reached on the
	// step it limited; 0 unless limited_by is generator.
	GeneratorCeiling float64      `json:"generator_ceiling_rps"`
	DegradedFirst    string       `json:"degraded_first,omitempty"`
	Interrupted      bool         `json:"interrupted"`
	WhatIf           []jsonWhatIf `json:"what_if"`
}

type jsonCapacity struct {
	VisitorsPerS float64 `json:"visitors_per_s"`
	RequestsPerS float64 `json:"requests_per_s"`
}

type jsonStep struct {
	LoadFactor   float64          `json:"load_factor"`
	Bisect       bool             `json:"bisect"`
	VisitorsPerS float64          `json:"visitors_per_s"`
	PlannedRate  float64          `json:"planned_rate"`  // requests/s
	AchievedRate float64          `json:"achieved_rate"` // requests/s
	Requests     int64            `json:"requests"`
	ErrorRate    float64          `json:"error_rate"`
	LatencyMS    report.Latencies `json:"latency_ms"`
	Verdict      report.Verdict   `json:"verdict"`
	Outcome      Outcome          `json:"outcome"`
	Aborted      bool             `json:"aborted"`
	Rule         string           `json:"rule,omitempty"`
	Measured     string           `json:"measured,omitempty"`
	Reasons      []string         `json:"reasons"`
	DurationS    float64          `json:"duration_s"`
}

type jsonKnee struct {
	LoadFactor   float64 `json:"load_factor"`
	VisitorsPerS float64 `json:"visitors_per_s"`
	RequestsPerS float64 `json:"requests_per_s"`
}

type jsonBreak struct {
	LoadFactor float64 `json:"load_factor"`
	Rule       string  `json:"rule"`
	Measured   string  `json:"measured"`
}

type jsonWhatIf struct {
	Campaign     string  `json:"campaign"`
	LoadFactor   float64 `json:"load_factor"`
	VisitorsPerS float64 `json:"visitors_per_s"`
	Covered      string  `json:"covered"` // yes | no | unknown
	Measured     bool    `json:"measured"`
	Sentence     string  `json:"sentence"`
}

// WriteJSON writes the probe's results as JSON: probe.steps[], the knee,
// the break, the headroom and what limited the probe, for CI scripts.
func WriteJSON(w io.Writer, r *Result) error {
	f := jsonFile{Schema: SchemaVersion, Kind: "probe", Verdict: string(r.Verdict), Reasons: nonNil(r.Reasons)}
	p := &f.Probe
	p.Scenario, p.PeakPhase = r.Scenario, r.PeakPhase
	p.ExpectedPeak = jsonCapacity{VisitorsPerS: round(float64(r.Peak)), RequestsPerS: round(float64(r.Peak) * r.PerVisit)}
	p.Require, p.Precision, p.Max, p.StepS = r.Config.Require, r.Config.Precision, r.Config.Max, r.Config.Step.Seconds()
	p.Headroom, p.LimitedBy, p.GeneratorCeiling = round(r.Headroom()), r.LimitedBy, round(r.GeneratorCeiling)
	p.DegradedFirst, p.Interrupted = r.Degraded, r.Interrupted
	p.Steps = []jsonStep{}
	for _, s := range r.Steps {
		js := jsonStep{LoadFactor: s.Factor, Bisect: s.Bisect, VisitorsPerS: round(s.Visitors), Outcome: s.Outcome, Rule: s.Rule, Measured: s.Measured, Reasons: []string{}}
		if s.Doc != nil {
			sum := s.Summary
			js.PlannedRate, js.AchievedRate, js.Requests, js.ErrorRate = round(sum.PlannedRate), round(sum.AchievedRate), sum.Requests, sum.ErrorRate
			js.LatencyMS, js.Verdict, js.Aborted = sum.LatencyMS, s.Doc.Judgement.Verdict, s.Doc.Results.Abort != nil
			js.Reasons, js.DurationS = nonNil(s.Doc.Judgement.Reasons), s.Doc.Results.Elapsed.Seconds()
		}
		p.Steps = append(p.Steps, js)
	}
	if k := r.Knee; k != nil {
		p.Knee = &jsonKnee{LoadFactor: k.Factor, VisitorsPerS: round(k.Visitors), RequestsPerS: round(k.Summary.AchievedRate)}
	}
	if b := r.Breaking; b != nil {
		p.Breaking = &jsonBreak{LoadFactor: b.Factor, Rule: b.Rule, Measured: b.Measured}
	}
	p.WhatIf = []jsonWhatIf{}
	for _, a := range r.WhatIfs {
		p.WhatIf = append(p.WhatIf, jsonWhatIf{Campaign: a.Campaign, LoadFactor: round(a.Factor), VisitorsPerS: round(a.Visitors), Covered: a.Covered, Measured: a.Measured, Sentence: a.Sentence})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(f)
}

// round keeps three decimals: rates and factors read as measured, not
// as float noise.
func round(v float64) float64 { return math.Round(v*1000) / 1000 }

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
