package scenario

import (
	"math"
	"net/url"
	"strings"
	"time"
)

// Summary is the scenario as results files record it: everything a report
// shows about what was tested, with secrets removed. Header values are not
// kept at all, and the target loses any user:password part.
type Summary struct {
	Name           string         `json:"name"`
	File           string         `json:"file,omitempty"`
	Target         string         `json:"target"`
	Arrivals       Arrivals       `json:"arrivals"`
	Seed           uint64         `json:"seed"`
	MaxConcurrency int            `json:"max_concurrency"`
	Phases         []PhaseSummary `json:"phases"`
	Curve          []PointSummary `json:"curve"` // the tested visitor rate over run time
	// Expected is the traffic the campaign expects, before load_factor and
	// window shape it into the test: the visitor rate over campaign time.
	// Empty when it equals Curve.
	Expected []PointSummary `json:"expected,omitempty"`
	// ExpectedPhases are the phases in campaign time; empty with Expected.
	ExpectedPhases []PhaseSummary `json:"expected_phases,omitempty"`
	LoadFactor     float64        `json:"load_factor,omitempty"` // rates were scaled by this; 0 or 1 means as expected
	Window         string         `json:"window,omitempty"`      // "full", "peak 15m", "compressed 10m"; empty means full
	// WindowStartS is where the test's time 0 falls in campaign time, in
	// seconds: the start of the busiest stretch for a peak window, 0
	// otherwise.
	WindowStartS float64 `json:"window_start_s,omitempty"`
	// Campaign holds the marketing numbers the plan was derived from;
	// absent when the scenario gives explicit phases.
	Campaign *CampaignSummary `json:"campaign,omitempty"`
	Journeys []JourneySummary `json:"journeys"`
	SLO      []string         `json:"slo"`
}

// CampaignSummary is traffic.campaign as results record it: the marketing
// numbers and what liftoff derived from them, before window and
// load_factor.
type CampaignSummary struct {
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

// PhaseSummary is one phase of the plan.
type PhaseSummary struct {
	Name        string  `json:"name"`
	StartS      float64 `json:"start_s"`
	DurationS   float64 `json:"duration_s"`
	Rate        float64 `json:"rate_per_s,omitempty"`
	RampTo      float64 `json:"ramp_to_per_s,omitempty"`
	Concurrency int     `json:"concurrency,omitempty"`
}

// PointSummary is one corner of the planned visitor rate curve.
type PointSummary struct {
	AtS  float64 `json:"at_s"`
	Rate float64 `json:"rate_per_s"`
}

// JourneySummary is one journey and its steps' request lines.
type JourneySummary struct {
	Name   string        `json:"name"`
	Weight int           `json:"weight"`
	Steps  []StepSummary `json:"steps"`
}

// StepSummary is one step: its name and request line.
type StepSummary struct {
	Name    string `json:"name"`
	Request string `json:"request"`
}

// Summary returns the scenario as results record it.
func (s *Scenario) Summary() Summary {
	sum := Summary{
		Name:           s.Name,
		File:           s.File,
		Target:         s.TargetName(),
		Arrivals:       s.Traffic.Arrivals,
		Seed:           s.Traffic.Seed,
		MaxConcurrency: s.Traffic.MaxConcurrency,
	}
	sum.Phases = phaseSummaries(s.Plan.Phases)
	sum.Curve = pointSummaries(s.Plan.Curve)
	sum.LoadFactor = s.Traffic.LoadFactor.Value()
	sum.Window = s.Traffic.Window.String()
	sum.WindowStartS = s.WindowStart.Seconds()
	if !s.Traffic.Window.IsFull() || s.Traffic.LoadFactor.Value() != 1 {
		sum.Expected = pointSummaries(s.Expected.Curve)
		sum.ExpectedPhases = phaseSummaries(s.Expected.Phases)
	}
	if c := s.Traffic.Campaign; c != nil {
		sum.Campaign = &CampaignSummary{
			Shape: string(c.Shape), Description: c.Shape.Description(),
			Audience: c.Audience, Response: float64(c.Response), Visitors: c.Visitors,
			PeakRate: float64(c.PeakRate), PeakAtS: c.PeakAt.Seconds(), DurationS: c.Duration.Seconds(),
			Data: c.Data, IntervalS: c.Interval.Seconds(), DataStart: c.Start,
		}
	}
	for _, j := range s.Journeys {
		js := JourneySummary{Name: j.Name, Weight: j.Weight}
		for _, st := range j.Steps {
			js.Steps = append(js.Steps, StepSummary{Name: s.Redact(st.Name), Request: s.Redact(st.Method + " " + st.Path)})
		}
		sum.Journeys = append(sum.Journeys, js)
	}
	for _, r := range s.SLO {
		sum.SLO = append(sum.SLO, r.Text)
	}
	sum.Name = s.Redact(sum.Name)
	return sum
}

func phaseSummaries(phases []Phase) []PhaseSummary {
	var out []PhaseSummary
	for _, ph := range phases {
		out = append(out, PhaseSummary{
			Name: ph.Name, StartS: ph.Start.Seconds(), DurationS: ph.Duration.Seconds(),
			Rate: float64(ph.Rate), RampTo: float64(ph.RampTo), Concurrency: ph.Concurrency,
		})
	}
	return out
}

func pointSummaries(curve []Point) []PointSummary {
	var out []PointSummary
	for _, pt := range curve {
		out = append(out, PointSummary{AtS: pt.At.Seconds(), Rate: float64(pt.Rate)})
	}
	return out
}

// Plan rebuilds the plan a summary describes, the traffic that was
// tested, for reports that read a results file.
func (sum Summary) Plan() Plan {
	return planOf(sum.Phases, sum.Curve)
}

// ExpectedPlan rebuilds the traffic the campaign expects, in campaign
// time: Expected, or the tested plan when the two are the same.
func (sum Summary) ExpectedPlan() Plan {
	if len(sum.Expected) == 0 {
		return sum.Plan()
	}
	return planOf(sum.ExpectedPhases, sum.Expected)
}

// WindowStart is WindowStartS as a duration: where the test's time 0
// falls in campaign time.
func (sum Summary) WindowStart() time.Duration { return seconds(sum.WindowStartS) }

func planOf(phases []PhaseSummary, curve []PointSummary) Plan {
	var p Plan
	for _, ph := range phases {
		p.Phases = append(p.Phases, Phase{
			Name: ph.Name, Start: seconds(ph.StartS), Duration: seconds(ph.DurationS),
			Rate: Rate(ph.Rate), RampTo: Rate(ph.RampTo), Concurrency: ph.Concurrency,
		})
	}
	for _, pt := range curve {
		p.Curve = append(p.Curve, Point{At: seconds(pt.AtS), Rate: Rate(pt.Rate)})
	}
	return p
}

// Rules parses the summary's SLO rules back.
func (sum Summary) Rules() ([]Rule, error) {
	var out []Rule
	for _, text := range sum.SLO {
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
func (sum Summary) RequestsPerVisitor() float64 {
	var steps, weights float64
	for _, j := range sum.Journeys {
		steps += float64(j.Weight * len(j.Steps))
		weights += float64(j.Weight)
	}
	if weights == 0 {
		return 0
	}
	return steps / weights
}

func seconds(s float64) time.Duration { return time.Duration(math.Round(s * float64(time.Second))) }

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
