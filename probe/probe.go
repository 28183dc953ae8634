// Package probe measures how far past a campaign's expected peak a
// target holds (liftoff probe). It runs the scenario's journey mix as a
// series of steps, each a plan of its own (scenario.ProbeStep) at the
// expected peak visitor rate times a load factor, judges every step as
// report judges a run, climbs a ladder of factors until a step fails,
// then bisects between the last step that held and the first that broke.
//
// The package orchestrates; it does not drive traffic itself. A RunFunc
// (the command's: the generator with the run's abort rules, progress and
// target) runs each step, so the probe stays the same whatever runs it.
package probe

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/liftoff/liftoff/loadgen"
	"github.com/liftoff/liftoff/report"
	"github.com/liftoff/liftoff/scenario"
)

// Defaults of Config.
const (
	DefaultMax       = 10.0
	DefaultPrecision = 0.10
	DefaultStep      = 30 * time.Second
	// MinFactor is the lowest factor a probe bisects down to when even
	// the expected peak breaks the target: below a tenth of the peak the
	// answer is "not ready", whatever the exact knee.
	MinFactor = 0.1
)

// ladder is the factors a probe climbs, in order, before --max.
var ladder = []float64{1, 1.5, 2, 3, 5, 8, 13, 21, 34, 55, 89}

// RunFunc runs one step's scenario and returns its results, as
// loadgen.Generator.Run does: loadgen.ErrInterrupted with the results
// when it was stopped early (an abort rule the caller recorded in
// Results.Abort, or Ctrl-C).
type RunFunc func(ctx context.Context, step *scenario.Scenario) (*loadgen.Results, error)

// Config sets a probe.
type Config struct {
	Max       float64       // the highest load factor to try; DefaultMax when 0
	Precision float64       // bisect until the knee and the break are this close, relative; DefaultPrecision when 0
	Step      time.Duration // how long each step holds its rate; DefaultStep when 0, never shorter than a rule's window
	Require   float64       // the headroom a GO needs; 1 (the expected peak) when 0
	WhatIfs   []scenario.WhatIf
	// OnStep, when set, hears of each step before it runs (Step.Doc is
	// nil then) and once it has been judged.
	OnStep func(s *Step)
}

func (c Config) withDefaults() Config {
	if c.Max <= 0 {
		c.Max = DefaultMax
	}
	if c.Precision <= 0 {
		c.Precision = DefaultPrecision
	}
	if c.Step <= 0 {
		c.Step = DefaultStep
	}
	if c.Require <= 0 {
		c.Require = 1
	}
	return c
}

// Validate checks a Config's numbers, for the command's usage errors.
func (c Config) Validate() error {
	switch {
	case c.Max < 0 || c.Max > 1000 || math.IsNaN(c.Max):
		return fmt.Errorf("--max %v: give a load factor above 1x and at most 1000x, e.g. 10x", c.Max)
	case c.Max > 0 && c.Max < 1:
		return fmt.Errorf("--max %vx is below the expected peak: a probe starts at 1x", c.Max)
	case c.Precision < 0 || c.Precision >= 1 || math.IsNaN(c.Precision):
		return fmt.Errorf("--precision %v: give a share above 0%% and below 100%%, e.g. 10%%", c.Precision)
	case c.Step < 0:
		return errors.New("--step must not be negative")
	case c.Require < 0 || math.IsNaN(c.Require):
		return fmt.Errorf("--require %v: give a load factor, e.g. 2x", c.Require)
	}
	return nil
}

// Outcome is what became of one step.
type Outcome string

// Outcomes.
const (
	Pending Outcome = ""
	Held    Outcome = "held"  // every rule held: GO
	Broke   Outcome = "broke" // a rule failed on the target's account, or an abort rule tripped: NO-GO
	// Limited: the generator could not deliver the step's load
	// (report.Health.Limited), so the step proves nothing of the target.
	Limited Outcome = "generator-limited"
	// Unjudged: INCONCLUSIVE for another reason (too little data, an
	// interruption).
	Unjudged Outcome = "inconclusive"
)

// Step is one step of a probe: its factor, what ran and how it was
// judged.
type Step struct {
	Index    int // in run order, from 1
	Factor   float64
	Bisect   bool    // a step between the ladder's last hold and first break
	Visitors float64 // planned visitors/s: the expected peak × Factor
	Duration time.Duration
	Doc      *report.Document // nil until judged
	Summary  report.Summary
	Outcome  Outcome
	// Rule and Measured say why a step broke: the first rule that failed
	// on the target's account (or the abort rule that tripped), and its
	// measured value as the report writes it.
	Rule, Measured string
}

// Limit says what limited the probe.
type Limit string

// Limits, as probe.limited_by in the JSON.
const (
	ByTarget    Limit = "target"    // a step broke on the target's account
	ByGenerator Limit = "generator" // the generator could not deliver a step before the target broke
	ByNone      Limit = "none"      // every step up to Max held
)

// Result is a probe's outcome.
type Result struct {
	Scenario  string
	PeakPhase string        // the expected traffic's peak phase, each step's phase name
	Peak      scenario.Rate // the expected peak visitor rate, 1×
	Shape     string        // the campaign's shape ("email-blast"), "" for phases
	PerVisit  float64       // requests a visit makes on average
	Config    Config        // with defaults
	Steps     []*Step       // in run order
	Knee      *Step         // the highest factor that held; nil when none did
	Breaking  *Step         // the lowest factor that broke; nil when none did
	LimitedBy Limit
	// GeneratorCeiling is the requests/s the generator achieved on the
	// step it limited (LimitedBy generator).
	GeneratorCeiling float64
	Degraded         string // the journey/step that degraded first at the break, "" when unknown
	Verdict          report.Verdict
	Reasons          []string
	Interrupted      bool
	LeftRules        []scenario.Rule // rules scoped to other phases, not judged by a step
	WhatIfs          []WhatIfAnswer
}

// Headroom is the knee over the expected peak: the knee's factor, 0 when
// no step held.
func (r *Result) Headroom() float64 {
	if r.Knee == nil {
		return 0
	}
	return r.Knee.Factor
}

// Run probes sc: it climbs the ladder up to cfg.Max, stops at the first
// step that does not hold, and bisects when a step broke. Only a
// scenario error (no open-model peak) or a RunFunc failure other than an
// interruption is an error; Ctrl-C ends it with Result.Interrupted.
func Run(ctx context.Context, sc *scenario.Scenario, cfg Config, run RunFunc) (*Result, error) {
	cfg = cfg.withDefaults()
	peak, phase := sc.PeakPhase()
	if peak <= 0 {
		return nil, scenario.ErrNoPeak
	}
	res := &Result{Scenario: sc.Name, PeakPhase: phase, Peak: peak, Config: cfg}
	res.PerVisit = sc.Record().RequestsPerVisitor()
	if c := sc.Traffic.Campaign; c != nil {
		res.Shape = string(c.Shape)
	}
	_, res.LeftRules = sc.ProbeRules(sc.SLO)
	cfg.Step = max(cfg.Step, longestWindow(sc))
	p := &prober{ctx: ctx, sc: sc, cfg: cfg, run: run, res: res}
	err := p.probe()
	if err != nil {
		return nil, err
	}
	res.finish(sc)
	return res, nil
}

// longestWindow is the longest window of the rules a step judges: a step
// must last that long for them to be judged at all.
func longestWindow(sc *scenario.Scenario) time.Duration {
	var w time.Duration
	for _, rules := range [][]scenario.Rule{sc.SLO, sc.Abort} {
		for _, r := range rules {
			w = max(w, r.Window)
		}
	}
	return w
}

type prober struct {
	ctx context.Context
	sc  *scenario.Scenario
	cfg Config
	run RunFunc
	res *Result
}

// stop is why the climb or the bisection ended early.
var errStop = errors.New("probe stopped")

func (p *prober) probe() error {
	var lo, hi float64 // the highest factor that held, the lowest that broke; 0 for none
	factors := climb(p.cfg.Max)
	for _, f := range factors {
		s, err := p.step(f, false)
		if err != nil {
			return stopped(err)
		}
		if s.Outcome == Held {
			lo = f
			continue
		}
		if s.Outcome != Broke {
			return nil // generator-limited or unjudged: nothing to bisect
		}
		hi = f
		break
	}
	if hi == 0 {
		return nil
	}
	for {
		mid, ok := nextBisect(lo, hi, p.cfg.Precision)
		if !ok {
			return nil
		}
		s, err := p.step(mid, true)
		if err != nil {
			return stopped(err)
		}
		switch s.Outcome {
		case Held:
			lo = mid
		case Broke:
			hi = mid
		default:
			return nil // the bisection cannot go on; the ladder's answer stands
		}
	}
}

func stopped(err error) error {
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

// climb is the ladder up to max, max included.
func climb(maxFactor float64) []float64 {
	var out []float64
	for _, f := range ladder {
		if f > maxFactor {
			break
		}
		out = append(out, f)
	}
	if len(out) == 0 || out[len(out)-1] < maxFactor {
		out = append(out, maxFactor)
	}
	return out
}

// nextBisect is the factor halfway between the last hold lo (0: none)
// and the first break hi, rounded to two decimals, or false when the two
// are within precision of each other (or the break is below MinFactor).
func nextBisect(lo, hi, precision float64) (float64, bool) {
	if lo > 0 && hi/lo-1 <= precision+1e-9 {
		return 0, false
	}
	mid := math.Round((lo+hi)/2*100) / 100
	if mid < MinFactor || mid <= lo || mid >= hi {
		return 0, false
	}
	return mid, true
}

// step runs and judges the step at factor f.
func (p *prober) step(f float64, bisect bool) (*Step, error) {
	if p.ctx.Err() != nil {
		p.res.Interrupted = true
		return nil, errStop
	}
	sc, err := p.sc.ProbeStep(f, p.cfg.Step)
	if err != nil {
		return nil, err
	}
	s := &Step{Index: len(p.res.Steps) + 1, Factor: f, Bisect: bisect, Visitors: float64(p.res.Peak) * f, Duration: p.cfg.Step}
	p.res.Steps = append(p.res.Steps, s)
	if p.cfg.OnStep != nil {
		p.cfg.OnStep(s)
	}
	out, runErr := p.run(p.ctx, sc)
	if runErr != nil && !errors.Is(runErr, loadgen.ErrInterrupted) {
		return nil, fmt.Errorf("step %d (%s): %w", s.Index, FormatFactor(f), runErr)
	}
	doc, err := report.NewDocument(out)
	if err != nil {
		return nil, err
	}
	s.Doc, s.Summary = &doc, report.Summarize(doc)
	j := doc.Judgement
	switch {
	case out.Abort == nil && runErr != nil:
		// Ctrl-C: what ran is kept, unjudged, and the probe ends.
		s.Outcome = Unjudged
		p.res.Interrupted = true
	case j.Verdict == report.Go:
		s.Outcome = Held
	case j.Verdict == report.NoGo:
		s.Outcome = Broke
		s.Rule, s.Measured = breakingRule(j)
	case j.Health.Limited:
		s.Outcome = Limited
	default:
		s.Outcome = Unjudged
	}
	if p.cfg.OnStep != nil {
		p.cfg.OnStep(s)
	}
	if p.res.Interrupted {
		return s, errStop
	}
	return s, nil
}

// breakingRule is the rule that broke a NO-GO step and what it measured:
// the abort rule that stopped it, or the first rule that failed on the
// target's account.
func breakingRule(j report.Judgement) (rule, measured string) {
	if a := j.Aborted; a != nil {
		return "abort: " + a.Rule.Text, FormatValue(a.Measured, a.Rule.Metric)
	}
	for _, f := range j.Findings {
		if !f.Passed && f.TargetFault {
			return f.Rule.Text, FormatValue(f.Measured, f.Rule.Metric)
		}
	}
	return "", ""
}

// FormatValue writes a rule's measured value: milliseconds for latency,
// a percentage for error_rate and throughput's ratio.
func FormatValue(v float64, m scenario.Metric) string {
	if m.IsLatency() {
		return FormatMS(v)
	}
	return FormatPercent(v)
}

// FormatMS writes milliseconds as people read them: 12ms, 1.2s.
func FormatMS(v float64) string {
	switch {
	case v >= 1000:
		return fmt.Sprintf("%.2gs", v/1000)
	case v >= 10:
		return fmt.Sprintf("%.0fms", v)
	}
	return fmt.Sprintf("%.1fms", v)
}

// FormatPercent writes a 0..1 ratio as a percentage.
func FormatPercent(v float64) string {
	if v > 0 && v < 0.001 {
		return "<0.1%"
	}
	return fmt.Sprintf("%.1f%%", v*100)
}

// FormatFactor writes a load factor as the flags take it: 1.5x.
func FormatFactor(f float64) string {
	return fmt.Sprintf("%gx", math.Round(f*100)/100)
}

// FormatRate writes a per-second rate's number, to put before its unit:
// 2.38, 12.5, 40, 1200.
func FormatRate(v float64) string {
	if v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.3g", v)
}
