package scenario

import (
	"net/url"
	"strings"
	"time"
)

// Record is the scenario as results files record it: everything a report
// shows about what was tested, with secrets removed. Header values are not
// kept at all, and the target loses any user:password part.
type Record struct {
	Name           string        `json:"name"`
	File           string        `json:"file,omitempty"`
	Target         string        `json:"target"`
	Arrivals       Arrivals      `json:"arrivals"`
	Seed           uint64        `json:"seed"`
	MaxConcurrency int           `json:"max_concurrency"`
	Phases         []PhaseRecord `json:"phases"`
	Curve          []PointRecord `json:"curve"` // the tested visitor rate over run time
	// Expected is the traffic the campaign expects, before load_factor and
	// window shape it into the test: the visitor rate over campaign time.
	// Empty when it equals Curve.
	Expected []PointRecord `json:"expected,omitempty"`
	// ExpectedPhases are the phases in campaign time; empty with Expected.
	ExpectedPhases []PhaseRecord `json:"expected_phases,omitempty"`
	LoadFactor     float64       `json:"load_factor,omitempty"` // rates were scaled by this; 0 or 1 means as expected
	Window         string        `json:"window,omitempty"`      // "full", "peak 15m", "compressed 10m"; empty means full
	// WindowStartS is where the test's time 0 falls in campaign time, in
	// seconds: the start of the busiest stretch for a peak window, 0
	// otherwise.
	WindowStartS float64 `json:"window_start_s,omitempty"`
	// Campaign holds the marketing numbers the plan was derived from;
	// absent when the scenario gives explicit phases.
	Campaign *CampaignRecord `json:"campaign,omitempty"`
	Journeys []JourneyRecord `json:"journeys"`
	SLO      []string        `json:"slo"`
	// Abort are the abort rules, as written; absent when there are none.
	Abort []string `json:"abort,omitempty"`
	// TLSInsecure says the run did not verify the target's certificates
	// (defaults.tls.insecure or --insecure): reports say so loudly.
	TLSInsecure bool `json:"tls_insecure,omitempty"`
	// Overrides are the command line's changes to the scenario file,
	// -e values never included; absent when there were none.
	Overrides *OverrideRecord `json:"overrides,omitempty"`
}

// CampaignRecord is traffic.campaign as results record it: the marketing
// numbers and what liftoff derived from them, before window and
// load_factor.
type CampaignRecord struct {
	Shape       string  `json:"shape"`                // email-blast, tv-spot, social-viral, product-launch, flash-sale, steady or custom
	Description string  `json:"description"`          // what the shape models, in plain words
	Audience    float64 `json:"audience,omitempty"`   // people reached; absent when the scenario gave visitors or peak
	Response    float64 `json:"response,omitempty"`   // share of the audience that visits, 0..1; absent with audience
	Visitors    float64 `json:"visitors"`             // expected visitors over the campaign
	PeakRate    float64 `json:"peak_rate_per_s"`      // expected peak visitor rate
	PeakAtS     float64 `json:"peak_at_s"`            // when the peak comes, seconds after the campaign's start
	DurationS   float64 `json:"duration_s"`           // how long the campaign brings visitors
	Data        string  `json:"data,omitempty"`       // custom: the CSV replayed, as the scenario names it
	IntervalS   float64 `json:"interval_s,omitempty"` // custom: the CSV's interval, one row's worth of time
	DataStart   string  `json:"data_start,omitempty"` // custom: the first row's time as the CSV writes it, campaign time 0
}

// PhaseRecord is one phase of the plan.
type PhaseRecord struct {
	Name        string  `json:"name"`
	StartS      float64 `json:"start_s"`
	DurationS   float64 `json:"duration_s"`
	Rate        float64 `json:"rate_per_s,omitempty"`
	RampTo      float64 `json:"ramp_to_per_s,omitempty"`
	Concurrency int     `json:"concurrency,omitempty"`
}

// PointRecord is one corner of the planned visitor rate curve.
type PointRecord struct {
	AtS  float64 `json:"at_s"`
	Rate float64 `json:"rate_per_s"`
}

// JourneyRecord is one journey and its steps' request lines.
type JourneyRecord struct {
	Name   string       `json:"name"`
	Weight int          `json:"weight"`
	Steps  []StepRecord `json:"steps"`
}

// StepRecord is one step: its name and request line.
type StepRecord struct {
	Name    string `json:"name"`
	Request string `json:"request"`
}

// Record returns the scenario as results record it.
func (s *Scenario) Record() Record {
	rec := Record{
		Name:           s.Name,
		File:           s.File,
		Target:         s.TargetName(),
		Arrivals:       s.Traffic.Arrivals,
		Seed:           s.Traffic.Seed,
		MaxConcurrency: s.Traffic.MaxConcurrency,
		TLSInsecure:    s.Defaults.TLS.Insecure,
	}
	rec.Phases = phaseRecords(s.Plan.Phases)
	rec.Curve = pointRecords(s.Plan.Curve)
	if !s.Smoke { // a smoke test sends no traffic to shape
		rec.LoadFactor = s.Traffic.LoadFactor.Value()
		rec.Window = s.Traffic.Window.String()
		rec.WindowStartS = s.WindowStart.Seconds()
	}
	rec.Overrides = s.Overrides
	shaped := !s.Traffic.Window.IsFull() || s.Traffic.LoadFactor.Value() != 1 || s.Plan.Duration() != s.Expected.Duration()
	if shaped && !s.Smoke {
		rec.Expected = pointRecords(s.Expected.Curve)
		rec.ExpectedPhases = phaseRecords(s.Expected.Phases)
	}
	if c := s.Traffic.Campaign; c != nil {
		rec.Campaign = &CampaignRecord{
			Shape: string(c.Shape), Description: c.Shape.Description(),
			Audience: c.Audience, Response: float64(c.Response), Visitors: c.Visitors,
			PeakRate: float64(c.PeakRate), PeakAtS: c.PeakAt.Seconds(), DurationS: c.Duration.Seconds(),
			Data: c.Data, IntervalS: c.Interval.Seconds(), DataStart: c.Start,
		}
	}
	for _, j := range s.Journeys {
		js := JourneyRecord{Name: j.Name, Weight: j.Weight}
		for _, st := range j.Steps {
			js.Steps = append(js.Steps, StepRecord{Name: s.Redact(st.Name), Request: s.Redact(st.Method + " " + st.Path)})
		}
		rec.Journeys = append(rec.Journeys, js)
	}
	for _, r := range s.SLO {
		rec.SLO = append(rec.SLO, r.Text)
	}
	for _, r := range s.Abort {
		rec.Abort = append(rec.Abort, r.Text)
	}
	rec.Name = s.Redact(rec.Name)
	return rec
}

func phaseRecords(phases []Phase) []PhaseRecord {
	var out []PhaseRecord
	for _, ph := range phases {
		out = append(out, PhaseRecord{
			Name: ph.Name, StartS: ph.Start.Seconds(), DurationS: ph.Duration.Seconds(),
			Rate: float64(ph.Rate), RampTo: float64(ph.RampTo), Concurrency: ph.Concurrency,
		})
	}
	return out
}

func pointRecords(curve []Point) []PointRecord {
	var out []PointRecord
	for _, pt := range curve {
		out = append(out, PointRecord{AtS: pt.At.Seconds(), Rate: float64(pt.Rate)})
	}
	return out
}

// Plans decodes the plans a record describes, for reports that read a
// results file: tested is the traffic the test sent, in test time, and
// expected the traffic the campaign expects, in campaign time. When the
// record holds no separate expectation the two are the same plan, decoded
// once.
func (rec Record) Plans() (tested, expected Plan) {
	tested = decodePlan(rec.Phases, rec.Curve)
	if len(rec.Expected) == 0 {
		return tested, tested
	}
	return tested, decodePlan(rec.ExpectedPhases, rec.Expected)
}

// WindowStart is WindowStartS as a duration: where the test's time 0
// falls in campaign time.
func (rec Record) WindowStart() time.Duration { return Seconds(rec.WindowStartS) }

func decodePlan(phases []PhaseRecord, curve []PointRecord) Plan {
	var p Plan
	for _, ph := range phases {
		p.Phases = append(p.Phases, Phase{
			Name: ph.Name, Start: Seconds(ph.StartS), Duration: Seconds(ph.DurationS),
			Rate: Rate(ph.Rate), RampTo: Rate(ph.RampTo), Concurrency: ph.Concurrency,
		})
	}
	for _, pt := range curve {
		p.Curve = append(p.Curve, Point{At: Seconds(pt.AtS), Rate: Rate(pt.Rate)})
	}
	return p
}

// Rules parses the record's SLO rules back.
func (rec Record) Rules() ([]Rule, error) {
	var out []Rule
	for _, text := range rec.SLO {
		r, err := ParseRule(text)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// RequestsPerVisitor is the expected number of requests one visitor sends:
// the journeys' step counts averaged by weight.
func (rec Record) RequestsPerVisitor() float64 {
	var steps, weights float64
	for _, j := range rec.Journeys {
		steps += float64(j.Weight * len(j.Steps))
		weights += float64(j.Weight)
	}
	if weights == 0 {
		return 0
	}
	return steps / weights
}

// TargetName is the target as shown to people: the sim spec, or the URL
// without credentials.
func (s *Scenario) TargetName() string {
	if s.Target.IsSim() {
		return s.Target.Sim
	}
	u, err := url.Parse(s.Target.URL)
	if err != nil {
		return s.Redact(s.Target.URL)
	}
	u.User = nil
	return s.Redact(u.String())
}

// Redact replaces every secret in text with "[redacted]". Renderers and
// error messages pass anything that might hold a header value or an
// expanded ${VAR} through it.
func (s *Scenario) Redact(text string) string {
	for _, secret := range s.Secrets {
		if secret != "" {
			text = strings.ReplaceAll(text, secret, "[redacted]")
		}
	}
	return text
}
