package scenario

import (
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
	Expected   []PointSummary   `json:"expected,omitempty"`
	LoadFactor float64          `json:"load_factor,omitempty"` // rates were scaled by this; 0 or 1 means as expected
	Window     string           `json:"window,omitempty"`      // "full", "peak 15m", "compressed 10m"; empty means full
	Journeys   []JourneySummary `json:"journeys"`
	SLO        []string         `json:"slo"`
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
	for _, ph := range s.Plan.Phases {
		sum.Phases = append(sum.Phases, PhaseSummary{
			Name: ph.Name, StartS: ph.Start.Seconds(), DurationS: ph.Duration.Seconds(),
			Rate: float64(ph.Rate), RampTo: float64(ph.RampTo), Concurrency: ph.Concurrency,
		})
	}
	for _, pt := range s.Plan.Curve {
		sum.Curve = append(sum.Curve, PointSummary{AtS: pt.At.Seconds(), Rate: float64(pt.Rate)})
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

// Plan rebuilds the plan a summary describes, for reports that read a
// results file.
func (sum Summary) Plan() Plan {
	var p Plan
	for _, ph := range sum.Phases {
		p.Phases = append(p.Phases, Phase{
			Name: ph.Name, Start: seconds(ph.StartS), Duration: seconds(ph.DurationS),
			Rate: Rate(ph.Rate), RampTo: Rate(ph.RampTo), Concurrency: ph.Concurrency,
		})
	}
	for _, pt := range sum.Curve {
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

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

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
