package scenario

import (
	"time"
)

// Forecast is what a scenario's traffic adds up to before a request is
// sent: what `liftoff plan` shows, and `liftoff run` sums up in one line.
// Arrivals are visitors, and each visitor runs one journey, so requests
// are visitors × RequestsPerVisitor. Expected numbers are in campaign
// time, before window and load_factor; tested numbers are what the test
// sends. The JSON names are a contract for scripts.
type Forecast struct {
	ExpectedVisitors  float64 `json:"expected_visitors"`   // the integral of the expected visitor rate
	ExpectedDurationS float64 `json:"expected_duration_s"` // how long the expected traffic lasts
	PeakVisitorsPerS  float64 `json:"peak_visitors_per_s"` // the highest expected visitor rate
	PeakAtS           float64 `json:"peak_at_s"`           // when it comes, seconds after the campaign's start

	RequestsPerVisitor float64 `json:"requests_per_visitor"` // steps per journey, averaged by journey weight
	PeakRequestsPerS   float64 `json:"peak_requests_per_s"`  // peak_visitors_per_s × requests_per_visitor
	ExpectedRequests   float64 `json:"expected_requests"`    // expected_visitors × requests_per_visitor

	LoadFactor   float64 `json:"load_factor"`    // tested rates are the expected ones times this
	Window       string  `json:"window"`         // "full", "peak 15m" or "compressed 10m"
	WindowStartS float64 `json:"window_start_s"` // where the test starts in campaign time, seconds

	TestedVisitors         float64 `json:"tested_visitors"`            // visitors the test sends (Poisson arrivals scatter around it)
	TestedDurationS        float64 `json:"tested_duration_s"`          // how long the test runs
	TestedPeakVisitorsPerS float64 `json:"tested_peak_visitors_per_s"` // the highest visitor rate the test sends
	TestedPeakAtS          float64 `json:"tested_peak_at_s"`           // when, seconds after the test's start
	TestedPeakRequestsPerS float64 `json:"tested_peak_requests_per_s"` // tested_peak_visitors_per_s × requests_per_visitor
	TestedRequests         float64 `json:"tested_requests"`            // tested_visitors × requests_per_visitor

	// LoopingVisitors is the most visitors a closed-model phase keeps
	// looping at once; absent when every phase is open-model.
	LoopingVisitors int `json:"looping_visitors,omitempty"`
}

// Forecast computes the forecast of the traffic a record describes.
func (rec Record) Forecast() Forecast {
	expected, tested := rec.ExpectedPlan(), rec.Plan()
	rpv := rec.RequestsPerVisitor()
	f := Forecast{
		ExpectedVisitors:   expected.Visitors(),
		ExpectedDurationS:  expected.Duration().Seconds(),
		RequestsPerVisitor: rpv,
		LoadFactor:         LoadFactor(rec.LoadFactor).Value(),
		Window:             rec.Window,
		WindowStartS:       rec.WindowStartS,
		TestedVisitors:     tested.Visitors(),
		TestedDurationS:    tested.Duration().Seconds(),
		LoopingVisitors:    tested.MaxConcurrency(),
	}
	if f.Window == "" {
		f.Window = string(WindowFull)
	}
	peak, at := expected.Peak()
	f.PeakVisitorsPerS, f.PeakAtS = float64(peak), at.Seconds()
	peak, at = tested.Peak()
	f.TestedPeakVisitorsPerS, f.TestedPeakAtS = float64(peak), at.Seconds()
	f.PeakRequestsPerS = f.PeakVisitorsPerS * rpv
	f.ExpectedRequests = f.ExpectedVisitors * rpv
	f.TestedPeakRequestsPerS = f.TestedPeakVisitorsPerS * rpv
	f.TestedRequests = f.TestedVisitors * rpv
	return f
}

// MaxRateBetween is the highest planned visitor rate from offset a to b,
// steps included; charts use it so that no peak falls between columns.
func (p Plan) MaxRateBetween(a, b time.Duration) Rate {
	if b < a || len(p.Curve) == 0 {
		return 0
	}
	top := max(p.rateAfter(a), p.rateBefore(b))
	for _, pt := range p.Curve {
		if pt.At > a && pt.At < b {
			top = max(top, pt.Rate)
		}
	}
	return top
}
