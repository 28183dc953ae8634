package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/liftoff/liftoff/loadgen"
	"github.com/liftoff/liftoff/probe"
	"github.com/liftoff/liftoff/report"
	"github.com/liftoff/liftoff/scenario"
)

// probeOptions are the flags of probe plus the injected env.
type probeOptions struct {
	env       *env
	file      string
	outputs   outputOptions
	grace     time.Duration
	insecure  bool
	max       string
	precision string
	step      string
	require   string
	whatIfs   []string
	quiet     bool
	over      overrideOptions
}

func newProbeCmd(e *env, runF func(*probeOptions) error) *cobra.Command {
	opts := &probeOptions{env: e}
	cmd := &cobra.Command{
		Use:   "probe SCENARIO",
		Short: "Find how far past the expected peak the target holds: the knee and the headroom",
		Long: `probe answers "how much margin do we have?". It runs the scenario's journey
mix at the campaign's expected peak visitor rate times rising load factors
(1x, 1.5x, 2x, 3x, 5x, 8x, … up to --max), each step held for --step and
judged like a run: the scenario's SLO rules (those scoped to the whole
run, a journey or step, or the peak's phase), the generator's health, and
its abort rules, live. It stops climbing at the first step that breaks,
so it never drives the target further than needed, then bisects between
the last step that held and the first that broke until the two are within
--precision of each other.

The result: the knee (the highest factor that held), the first breaking
factor and the rule that broke there, the capacity in visitors/s and
requests/s, the headroom (knee ÷ the expected peak) and which journey
step degraded first. If the generator cannot deliver a step before the
target broke, the probe ends INCONCLUSIVE with "the generator's ceiling
was reached at X/s; spread the load (see segments)": it never reports the
generator's limit as the target's.

--require 2x makes it a CI gate: exit 0 when the headroom is at least 2x,
1 when a step at or below 2x broke, 3 when the probe could not tell (the
generator's ceiling, --max below the requirement, an unjudged step).
Without --require, the requirement is 1x: the expected peak itself.

--what-if weighs another campaign against the measured capacity, as
NAME=VALUE changes to the scenario's campaign: audience=2M, response=8%,
visitors=150k, or peak=800/s alone. Each answer says whether it is a
measurement (within the probed range) or an estimate (beyond it).

Segments: a probe step is a plan like any other, and the probe runs on one
machine. When it ends on the generator's ceiling, measure the factors beyond
it as segmented runs ('liftoff run --load-factor 5x --segment I/N
--start-at TIME' on N machines, then 'liftoff merge'); probe itself does
not take --segment yet.

Outputs: the terminal table of the steps always; --json (probe.steps[],
probe.knee, probe.breaking, probe.headroom, probe.limited_by), --html (a
page with the capacity chart and the answer in plain words first),
--markdown and --junit, written even when an abort rule stopped a step.

Exit codes: 0 GO, 1 NO-GO, 2 scenario or usage error, 3 INCONCLUSIVE,
4 runtime failure, 130 interrupted.`,
		Example: `  liftoff probe examples/email-blast.yaml
  liftoff probe examples/email-blast.yaml --require 2x --json probe.json --html probe.html
  liftoff probe examples/email-blast.yaml --max 20x --precision 5% --step 1m
  liftoff probe examples/email-blast.yaml --what-if audience=2M --what-if peak=800/s
  liftoff probe launch.yaml --target https://staging.shop.example.com -e SHOP_TOKEN=staging-token --require 2x --junit probe.xml`,
		Args: argsFor(1, 1, "a scenario file", "liftoff probe launch.yaml"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.file = args[0]
			if runF != nil {
				return runF(opts)
			}
			return runProbe(cmd.Context(), opts)
		},
	}
	addOutputFlags(cmd, &opts.outputs)
	f := cmd.Flags()
	f.StringVar(&opts.max, "max", "10x", "the highest load `FACTOR` to try")
	f.StringVar(&opts.precision, "precision", "10%", "bisect until the knee and the first break are this `SHARE` apart")
	f.StringVar(&opts.step, "step", "30s", "how long each step holds its rate (`DURATION`; at least the longest rule window)")
	f.StringVar(&opts.require, "require", "1x", "the headroom a GO needs, as a load `FACTOR` of the expected peak")
	f.StringArrayVar(&opts.whatIfs, "what-if", nil, "weigh another campaign against the measured capacity: `CHANGES` such as audience=2M or peak=800/s; repeatable")
	f.DurationVar(&opts.grace, "grace", loadgen.DefaultGrace, "after Ctrl-C or an abort, how long visitors in flight may finish (0s: none)")
	f.BoolVar(&opts.insecure, "insecure", false, "do not verify the target's TLS certificate (every report says so)")
	f.BoolVar(&opts.quiet, "quiet", false, "do not print a line per step on standard error")
	addTargetFlags(cmd, &opts.over)
	return cmd
}

// config reads the flags into a probe.Config.
func (o *probeOptions) config() (probe.Config, error) {
	var cfg probe.Config
	maxF, err := scenario.ParseLoadFactor(o.max)
	if err != nil {
		return cfg, usagef("--max %s: %v", o.max, err)
	}
	req, err := scenario.ParseLoadFactor(o.require)
	if err != nil {
		return cfg, usagef("--require %s: %v", o.require, err)
	}
	prec, err := scenario.ParseRatio(o.precision)
	if err != nil {
		return cfg, usagef("--precision %s: %v", o.precision, err)
	}
	step, err := scenario.ParseDuration(o.step)
	if err != nil || step <= 0 {
		return cfg, usagef("--step %s: give a duration such as 30s or 1m", o.step)
	}
	cfg = probe.Config{Max: float64(maxF), Require: float64(req), Precision: float64(prec), Step: step}
	if prec <= 0 {
		return cfg, usagef("--precision %s: give a share above 0%%, e.g. 10%%", o.precision)
	}
	if err := cfg.Validate(); err != nil {
		return cfg, usagef("%v", err)
	}
	for _, w := range o.whatIfs {
		wi, err := scenario.ParseWhatIf(w)
		if err != nil {
			return cfg, usagef("--what-if %s: %v", w, err)
		}
		cfg.WhatIfs = append(cfg.WhatIfs, wi)
	}
	return cfg, nil
}

// probeWriters are the probe's renderers by output flag.
var probeWriters = map[string]func(io.Writer, *probe.Result) error{
	"--json": probe.WriteJSON, "--junit": probe.WriteJUnit, "--markdown": probe.WriteMarkdown, "--html": probe.WriteHTML,
}

func runProbe(ctx context.Context, opts *probeOptions) error {
	e := opts.env
	cfg, err := opts.config()
	if err != nil {
		return err
	}
	if opts.grace < 0 {
		return usagef("--grace must not be negative")
	}
	over, err := opts.over.overrides(nil)
	if err != nil {
		return err
	}
	sc, err := loadScenario(e, opts.file, false, over)
	if err != nil {
		return err
	}
	if peak, _ := sc.PeakPhase(); peak <= 0 {
		return inputError("scenario", opts.file, scenario.ErrNoPeak)
	}
	for _, w := range cfg.WhatIfs {
		if _, err := sc.WhatIfFactor(w); err != nil {
			return usagef("--what-if %s: %v", w.Text, err)
		}
	}
	outs := opts.outputs.list()
	dests, err := resolveDestinations(e, outputPaths(outs), []namedPath{{"the scenario", opts.file}})
	if err != nil {
		return err
	}
	if opts.insecure {
		sc.Defaults.TLS.Insecure = true
	}
	sc, stopTarget, err := startTarget(sc)
	if err != nil {
		return err
	}
	defer stopTarget()
	fmt.Fprintf(e.Err, "liftoff %s: probing %s → %s, up to %s in steps of %s\n", version(), sc.Name, sc.TargetName(), probe.FormatFactor(cfg.Max), scenario.FormatDuration(cfg.Step))
	if !opts.quiet {
		cfg.OnStep = func(s *probe.Step) { sayStep(e.Err, s) }
	}
	warnInsecure(e, sc)
	e.Interrupts.runGracefully()
	run := func(ctx context.Context, step *scenario.Scenario) (*loadgen.Results, error) {
		runCtx, aborts := watchAborts(ctx, step, e.Err)
		gen := loadgen.New(loadgen.Config{Grace: opts.grace, UserAgent: "liftoff/" + version(), OnInterval: aborts.hook()})
		res, runErr := gen.Run(runCtx, step)
		abort := aborts.stop(runCtx, runErr)
		if res != nil {
			res.Version, res.Abort = versionLine(), abort
		}
		return res, runErr
	}
	res, err := probe.Run(ctx, sc, cfg, run)
	if err != nil {
		return err
	}
	termErr := probe.WriteTerminal(terminalStream(e, dests...), res)
	var errs []error
	for i, d := range dests {
		write := probeWriters[outs[i].flag]
		errs = append(errs, writeRendered(e, d, func(w io.Writer) error { return write(w, res) }))
	}
	if err := errors.Join(append(errs, stdoutError(termErr))...); err != nil {
		return err
	}
	if res.Interrupted {
		return interruptedError{}
	}
	if res.Verdict == report.Go {
		return nil
	}
	return &verdictError{verdict: res.Verdict}
}

// sayStep prints a line as each step starts and once it is judged.
func sayStep(w io.Writer, s *probe.Step) {
	if s.Doc == nil {
		fmt.Fprintf(w, "step %d: %s = %s visitors/s for %s …\n", s.Index, probe.FormatFactor(s.Factor), probe.FormatRate(s.Visitors), scenario.FormatDuration(s.Duration))
		return
	}
	sum := s.Summary
	line := fmt.Sprintf("step %d: %s %s (%s requests/s, p95 %s, errors %s)", s.Index, probe.FormatFactor(s.Factor), s.Outcome,
		probe.FormatRate(sum.AchievedRate), probe.FormatMS(sum.LatencyMS.P95), probe.FormatPercent(sum.ErrorRate))
	if s.Rule != "" {
		line += ": " + s.Rule
	}
	fmt.Fprintln(w, line)
}
