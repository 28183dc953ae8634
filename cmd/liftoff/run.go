package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"

	"github.com/liftoff/liftoff/loadgen"
	"github.com/liftoff/liftoff/report"
	"github.com/liftoff/liftoff/scenario"
)

// runOptions are the flags of run (and demo) plus the injected env.
type runOptions struct {
	env      *env
	file     string
	load     func() (*scenario.Scenario, error) // reads the scenario; set by run and demo
	inputs   []namedPath                        // files no output may replace: the scenario
	outputs  outputOptions
	progress string
	grace    time.Duration
	insecure bool
	seed     uint64
	seedSet  bool
	over     overrideOptions
	streams  streamOptions
	segments segmentOptions // run only: one segment of a distributed run
}

// overrides are the run's command-line overrides, --seed included.
func (o *runOptions) overrides() (scenario.Overrides, error) {
	var seed *uint64
	if o.seedSet {
		seed = &o.seed
	}
	return o.over.overrides(seed)
}

func newRunCmd(e *env, runF func(*runOptions) error) *cobra.Command {
	opts := &runOptions{env: e}
	cmd := &cobra.Command{
		Use:   "run SCENARIO",
		Short: "Run a scenario's load test and give a GO / NO-GO verdict",
		Long: `run drives the scenario's target with the scenario's traffic plan, shows live
progress, then prints the SLO results, latency per journey and step, errors
by class and the verdict.

Latency is measured from each request's intended send time, so a target that
stalls cannot hide its stall, and covers the requests answered successfully:
failures are counted and timed apart, and a run whose requests fail is never
GO unless an error_rate rule allows that share. The generator watches itself:
its lag and missed arrivals, and what lag does not show (its own scheduling
delay, its CPU, its connection setup, its local ports). A failed rule is
NO-GO only when it stands on what the target did over the stretch that
failed; when the generator could not keep up, or its own delays could
explain the failure, the verdict is INCONCLUSIVE with the reason.

Ctrl-C stops new arrivals, lets visitors in flight finish within --grace
(--grace 0s: none), records the requests still waiting as cut off (with
their latency so far), prints and writes what was measured, marked
interrupted, and exits 130.

Outputs: the terminal report always; --json (the results file that
'liftoff report', 'liftoff compare' and CI scripts read), --html (one
self-contained page for people), --junit (one test case per SLO rule) and
--markdown (a summary for a pull request) as asked. Every output path is
checked before the first request: a directory, a missing directory, a
file that is not writable, two outputs that are one file, or an output
that is the scenario, is a usage error (exit 2). A regular file is
written whole or not at all (a symlink to one stays a symlink; the file
it names is replaced); a device or FIFO (/dev/null, /dev/fd/3) is written
in place; - is standard output, and the terminal report then goes to
standard error. If a file cannot be written, or standard output fails,
run still writes the others and exits 4.

--insecure (or defaults.tls.insecure in the scenario) skips TLS
certificate verification, for staging sites with self-signed
certificates; every report says so. For a private CA, keep verification
and point SSL_CERT_FILE at its certificate.

Live metrics: --out otlp=URL streams each interval (1s) to an
OpenTelemetry collector or backend over OTLP/HTTP while the run goes, and
--out jsonl=FILE writes one JSON line per interval. A slow sink loses
intervals (counted, said at the end), never the run's timing.

Overrides, so one scenario serves staging, production and a smoke test:
--target URL, -e KEY=VALUE (sets ${KEY}; never printed), --load-factor,
--window, --duration (stops the test early, rules judged on what ran),
--seed. Every output names them. --smoke runs a smoke test instead of the
load test: one visitor per journey, every check, no load; GO when every
journey works, NO-GO when one fails on the target; SLO rules are not
judged. Run it before the load test.

Bigger than one machine: --segment I/N sends the I-th of N shares of the
plan (I from 0; auto/N takes I from $JOB_COMPLETION_INDEX, as a Kubernetes
Indexed Job sets it), and --start-at TIME (RFC 3339) starts the plan at that
instant on every machine, whose clocks NTP keeps in agreement. The N
segments together send exactly what one process would; 'liftoff merge'
combines their --json files and judges the run. A segment alone is never
GO and exits 0 whatever its verdict.

Exit codes: 0 GO, 1 NO-GO, 2 scenario or usage error, 3 INCONCLUSIVE,
4 runtime failure, 130 interrupted.`,
		Example: `  liftoff run examples/quickstart.yaml
  liftoff run examples/quickstart.yaml --json results.json --progress plain
  liftoff run examples/quickstart.yaml --html report.html --junit junit.xml --markdown summary.md
  liftoff run examples/quickstart.yaml --smoke --target https://staging.shop.example.com -e SHOP_TOKEN=staging-token
  liftoff run examples/email-blast.yaml --target https://staging.shop.example.com --load-factor 0.5x --duration 5m
  liftoff run examples/quickstart.yaml --out otlp=http://localhost:4318 --out jsonl=intervals.jsonl
  liftoff run launch.yaml --segment 0/3 --start-at 2026-12-01T10:00:00Z --json seg-0.json`,
		Args: argsFor(1, 1, "a scenario file", "liftoff run launch.yaml"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.file = args[0]
			opts.seedSet = cmd.Flags().Changed("seed")
			opts.load = func() (*scenario.Scenario, error) {
				over, err := opts.overrides()
				if err != nil {
					return nil, err
				}
				return loadScenario(e, opts.file, false, over)
			}
			opts.inputs = []namedPath{{"the scenario", opts.file}}
			if runF != nil {
				return runF(opts)
			}
			return runRun(cmd.Context(), opts)
		},
	}
	addRunFlags(cmd, opts)
	addSegmentFlags(cmd, &opts.segments)
	return cmd
}

// addRunFlags binds the flags run and demo share.
func addRunFlags(cmd *cobra.Command, opts *runOptions) {
	addOutputFlags(cmd, &opts.outputs)
	f := cmd.Flags()
	f.StringVar(&opts.progress, "progress", progressAuto, "live progress: auto (bars on a terminal, plain lines otherwise), bars, plain or none; it shows visitors started against planned, requests per second, the error rate and the p95 over the last 5 seconds")
	f.DurationVar(&opts.grace, "grace", loadgen.DefaultGrace, "after Ctrl-C, how long visitors in flight may finish (0s: none)")
	f.BoolVar(&opts.insecure, "insecure", false, "do not verify the target's TLS certificate (every report says so); for a private CA, set SSL_CERT_FILE instead")
	f.Uint64Var(&opts.seed, "seed", 0, "seed for arrivals and journey picks, overriding traffic.seed")
	addOverrideFlags(cmd, &opts.over, true)
	addStreamFlags(cmd, &opts.streams)
}

func (o *runOptions) validate() error {
	switch o.progress {
	case progressAuto, progressBars, progressPlain, progressNone:
	default:
		return usagef("--progress %q: use auto, bars, plain or none", o.progress)
	}
	if o.grace < 0 {
		return usagef("--grace must not be negative")
	}
	_, err := o.streams.specs()
	return err
}

func runRun(ctx context.Context, opts *runOptions) error {
	if err := opts.validate(); err != nil {
		return err
	}
	e := opts.env
	segment, startAt, err := opts.segments.config(e)
	if err != nil {
		return err
	}
	sc, err := opts.load()
	if err != nil {
		return err
	}
	if sc.Smoke && !segment.Whole() {
		return usagef("--smoke runs one visitor per journey and cannot be split into segments: run it once, without --segment")
	}
	outs, err := opts.outputs.prepare(e, opts.streams.files(), opts.inputs...)
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

	fmt.Fprint(e.Err, runHeader(sc))
	for _, u := range sc.DataUses() {
		if u.Short() {
			fmt.Fprintf(e.Err, "warning: %s\n", u)
		}
	}
	warnInsecure(e, sc)
	e.Interrupts.runGracefully()
	gha := detectGitHubActions(e)
	live, err := openStreams(e, opts.streams, sc)
	if err != nil {
		return err
	}
	mode := progressMode(opts.progress, e.IsTerminal)
	var view *liveView
	if mode != progressNone {
		view = newLiveView(sc, segment)
	}
	runCtx, aborts := watchAborts(ctx, sc, e.Err)
	gen := loadgen.New(loadgen.Config{Grace: opts.grace, UserAgent: "liftoff/" + version(), OnInterval: onIntervals(view.hook(), live.onInterval(), aborts.hook()),
		Segment: segment, StartAt: startAt})
	fmt.Fprint(e.Err, waitingLine(segment, startAt))
	endGroup := gha.group(e.Err, opts.progress, "Progress: "+sc.Name)
	stopProgress := showProgress(e.Err, mode, gen, view)
	res, runErr := gen.Run(runCtx, sc)
	stopProgress()
	endGroup()
	abort := aborts.stop(runCtx, runErr)
	streamErr := live.close(e.Err)
	if errors.Is(runErr, loadgen.ErrNotStarted) {
		fmt.Fprintln(e.Err, "Interrupted before the start: nothing was sent, nothing written.")
		return interruptedError{}
	}
	if runErr != nil && !errors.Is(runErr, loadgen.ErrInterrupted) {
		return runErr
	}
	collectTightly()
	res.Version = versionLine()
	res.Abort = abort
	if !segment.Whole() {
		res.Host = e.hostname() // merge names a segment's generator by it
	}

	doc, err := judge(res)
	if err != nil {
		return err
	}
	// A file that cannot be written, or a report that standard output
	// does not take, is a runtime failure (exit 4) even after a verdict or
	// an interruption: CI must not read a missing report as a result. The
	// files are written whatever became of standard output.
	termErr := report.WriteTerminal(terminalStream(e, destinations(outs)...), doc)
	if err := errors.Join(writeOutputs(e, outs, doc), gha.publish(e.Err, doc), streamErr, stdoutError(termErr)); err != nil {
		return err
	}
	if runErr != nil && abort == nil { // an abort is a NO-GO, not an interruption
		return interruptedError{}
	}
	// A segment's verdict is the merge's to give: alone it sent a share
	// of the plan and is never GO, and the engine running it (a Job, a
	// matrix) must not count it as failed for that.
	if doc.Judgement.Verdict == report.Go || !segment.Whole() {
		return nil
	}
	return &verdictError{verdict: doc.Judgement.Verdict}
}

// warnInsecure says so when the run does not verify the target's TLS
// certificates.
func warnInsecure(e *env, sc *scenario.Scenario) {
	if sc.Defaults.TLS.Insecure && !sc.Target.IsSim() {
		fmt.Fprintln(e.Err, "WARNING: TLS certificates are not verified (--insecure or defaults.tls.insecure): this run does not test the target's real certificate setup, and every report says so")
	}
}

// collectTightly makes the garbage collector run sooner from here on;
// report, compare and merge call it first.
// After the traffic, building, judging and writing the results is the
// run's memory peak (the measured results, then the results read back
// from its file), and nothing is latency-sensitive any more: a heap
// allowed to grow 25% past what is live before a collection, instead
// of Go's default 100%, costs some CPU for a far lower peak.
func collectTightly() { debug.SetGCPercent(25) }

// judge encodes the run's results file and renders every output from that
// file read back, so 'liftoff report' on the file shows exactly what the
// run showed, byte for byte. The file's text is spooled as it is written
// (to a temporary file past a few hundred KiB) and read back as it comes,
// the measured results being garbage by then: the run's end holds its
// results once.
func judge(res *loadgen.Results) (report.Document, error) {
	doc, err := report.NewDocument(res)
	if err != nil {
		return report.Document{}, err
	}
	file, err := render(func(w io.Writer) error { return report.WriteJSON(w, doc) })
	if err != nil {
		return report.Document{}, fmt.Errorf("encode results: %w", err)
	}
	defer file.Close()
	reread, err := report.ReadJSON(file)
	if err != nil {
		return report.Document{}, fmt.Errorf("read back results: %w", err)
	}
	return reread, nil
}
