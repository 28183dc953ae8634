package report

import (
	"fmt"

	"github.com/liftoff/liftoff/loadgen"
	"github.com/liftoff/liftoff/scenario"
)

// Document is what every renderer renders: the measured Results, the
// scenario they record decoded once into typed values, and the Judgement
// made of them. Renderers read Plan, Expected and Rules here, never the
// float seconds and rule texts of Results.Scenario again.
type Document struct {
	Results *loadgen.Results
	// Plan is the traffic the run was to send, in run time.
	Plan scenario.Plan
	// Expected is the traffic the campaign expects, in campaign time,
	// before window and load_factor; Plan when the two are the same.
	Expected scenario.Plan
	// Rules are the SLO rules, one Finding each, in the same order.
	Rules     []scenario.Rule
	Judgement Judgement
}

// NewDocument decodes the scenario recorded in res and judges res against
// its SLO rules, so a results file read back later gets the same verdict
// as the run that wrote it.
func NewDocument(res *loadgen.Results) (Document, error) {
	rules, err := res.Scenario.Rules()
	if err != nil {
		return Document{}, fmt.Errorf("results hold an unreadable SLO rule: %w", err)
	}
	if _, err := abortedOf(res); err != nil {
		return Document{}, err
	}
	doc := Document{Results: res, Rules: rules}
	doc.Plan, doc.Expected = res.Scenario.Plans()
	if indexes, count := res.Shares(); len(indexes) < count {
		// Some segments of a distributed run: their share is the plan
		// they were to send, and the share of the campaign they test.
		doc.Plan, doc.Expected = doc.Plan.Share(indexes, count), doc.Expected.Share(indexes, count)
	}
	if res.Scenario.IsSmoke() {
		doc.Judgement = evaluateSmoke(doc)
	} else {
		doc.Judgement = evaluate(doc)
	}
	return doc, nil
}

// Summary is the part of the results file that CI scripts read with jq.
// Its fields keep their meaning within a schema version.
type Summary struct {
	Requests         int64         `json:"requests"`
	Errors           int64         `json:"errors"`             // failed requests, whoever failed them
	GeneratorErrors  int64         `json:"generator_errors"`   // of the errors, those the generator failed itself
	ErrorRate        float64       `json:"error_rate"`         // errors over requests, 0..1
	PlannedRate      float64       `json:"planned_rate"`       // requests/s the open-model plan implies
	AchievedRate     float64       `json:"achieved_rate"`      // requests/s completed
	DurationS        float64       `json:"duration_s"`         // how long the run took
	PlannedDurationS float64       `json:"planned_duration_s"` // how long the plan was
	LatencyMS        Latencies     `json:"latency_ms"`         // successful requests, from intended send time
	LagMS            Lag           `json:"lag_ms"`             // how late the generator sent
	Arrivals         ArrivalCounts `json:"arrivals"`
	Visits           int64         `json:"visits"`        // visits that ended, closed-model included
	FailedVisits     int64         `json:"failed_visits"` // visits with a failed step
}

// Latencies are latency percentiles in milliseconds, of the requests
// Requests counts: those answered successfully (and, in an interrupted
// run, those cut off by its end, at their latency so far).
type Latencies struct {
	Requests int64   `json:"requests"`
	P50      float64 `json:"p50"`
	P90      float64 `json:"p90"`
	P95      float64 `json:"p95"`
	P99      float64 `json:"p99"`
	P999     float64 `json:"p999"`
	Max      float64 `json:"max"`
	Mean     float64 `json:"mean"`
}

// Lag is the generator's lag in milliseconds.
type Lag struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// ArrivalCounts counts open-model visitors: loadgen.ArrivalCounts as
// scripts read it, the planned count rounded to whole visitors.
type ArrivalCounts struct {
	Planned   int64 `json:"planned"`   // expected by the plan over the part that ran
	Started   int64 `json:"started"`   // visitors started
	Missed    int64 `json:"missed"`    // not started: max_concurrency was reached
	Completed int64 `json:"completed"` // started visits whose every step succeeded
}

// Summarize computes the Summary of doc.
func Summarize(doc Document) Summary {
	res, plan := doc.Results, doc.Plan
	all := loadgen.KeyResult{}
	if len(res.Keys) > 0 {
		all = res.Keys[0]
	}
	s := Summary{
		Requests:         res.Requests,
		Errors:           res.Errors,
		GeneratorErrors:  res.Classes.Of(loadgen.ClassTemplate) + res.Classes.Of(loadgen.ClassGenerator),
		ErrorRate:        res.ErrorRate(),
		AchievedRate:     res.AchievedRate(),
		DurationS:        res.Elapsed.Seconds(),
		PlannedDurationS: plan.Duration().Seconds(),
		LatencyMS:        latencies(all.Latency),
		LagMS:            Lag{P50: ms(res.Lag.Percentile(50)), P99: ms(res.Lag.Percentile(99)), Max: ms(res.Lag.Max())},
		Arrivals: ArrivalCounts{
			Planned:   int64(res.Arrivals.Planned + 0.5),
			Started:   res.Arrivals.Started,
			Missed:    res.Arrivals.Missed,
			Completed: res.Arrivals.Completed,
		},
	}
	if open := plan.OpenDuration(); open > 0 {
		s.PlannedRate = plan.Visitors() / open.Seconds() * res.Scenario.RequestsPerVisitor()
	}
	for _, j := range res.Journeys {
		s.Visits += j.Visits
		s.FailedVisits += j.Failed
	}
	return s
}

func latencies(d loadgen.Distribution) Latencies {
	return Latencies{Requests: d.Count(),
		P50: ms(d.Percentile(50)), P90: ms(d.Percentile(90)), P95: ms(d.Percentile(95)),
		P99: ms(d.Percentile(99)), P999: ms(d.Percentile(99.9)), Max: ms(d.Max()), Mean: ms(d.Mean()),
	}
}
