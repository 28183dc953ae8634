package loadgen

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/liftoff/liftoff/scenario"
)

// ErrInterrupted is returned with the partial Results when the run's
// context was cancelled before the plan ended.
var ErrInterrupted = errors.New("run interrupted")

// Config tunes the generator. The zero value is ready to use.
type Config struct {
	// TLSConfig is used for https targets; nil means the system's roots.
	TLSConfig *tls.Config
	// Grace is how long visitors in flight may finish after the run is
	// interrupted. Zero means none: they stop at once (the command's
	// --grace defaults to DefaultGrace).
	Grace time.Duration
	// Interval is the timeline's resolution; one second when zero.
	Interval time.Duration
	// MaxIntervals bounds the timeline (see DefaultMaxIntervals).
	MaxIntervals int
	// UserAgent is sent with every request that sets none; "liftoff" when
	// empty.
	UserAgent string
	// OnInterval, when set, receives each timeline interval as the
	// collector closes it, on the collector's goroutine: it must return
	// at once (hand the Tick to a goroutine of its own), since the next
	// interval waits for it. Visitors never do.
	OnInterval func(Tick)
	// Segment is the share of the plan this process sends when several
	// send it together (liftoff run --segment); the zero value sends all
	// of it. The scenario's max_concurrency is shared the same way.
	Segment Segment
	// StartAt, when set, is the wall-clock instant the plan starts, the
	// same for every segment of a run (--start-at). Run waits for it; a
	// process that starts after it sends the arrivals already due at once,
	// late, so its lag shows how late it began. It assumes the machines'
	// clocks agree (NTP or chrony keep them within milliseconds).
	StartAt time.Time
}

// ErrNotStarted is returned, with no Results, when the run's context is
// cancelled while it waits for Config.StartAt: nothing was sent.
var ErrNotStarted = errors.New("interrupted before the start: nothing was sent")

// DefaultGrace is how long visitors in flight may finish after Ctrl-C.
const DefaultGrace = 5 * time.Second

func (c Config) withDefaults() Config {
	if c.Interval == 0 {
		c.Interval = time.Second
	}
	if c.MaxIntervals == 0 {
		c.MaxIntervals = DefaultMaxIntervals
	}
	if c.UserAgent == "" {
		c.UserAgent = "liftoff"
	}
	return c
}

// Generator runs one scenario. Create it with New, call Run once, and poll
// Progress from another goroutine while it runs.
type Generator struct {
	cfg Config

	// Live state for Progress, written by the run.
	live      counters
	started   atomic.Int64 // run start, unix nanoseconds; 0 before Run
	planned   atomic.Pointer[scenario.Plan]
	stopping  atomic.Bool
	runCalled atomic.Bool
}

// New returns a generator with the given configuration.
func New(cfg Config) *Generator {
	return &Generator{cfg: cfg.withDefaults()}
}

// Run drives sc.Target.URL with sc's plan and returns what it measured.
// Target faults never stop the run; they are counted in the Results. Run
// returns an error only when it cannot start, when the timeline it kept in
// a temporary file cannot be read back (a disk error), or ErrInterrupted
// (with the partial Results) when ctx is cancelled before the plan ends.
func (g *Generator) Run(ctx context.Context, sc *scenario.Scenario) (*Results, error) {
	if g.runCalled.Swap(true) {
		return nil, errors.New("a generator runs once; create another with New")
	}
	if sc.Target.URL == "" {
		return nil, errors.New("the scenario has no target URL")
	}
	if _, err := url.Parse(sc.Target.URL); err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	if err := g.checkSegment(sc); err != nil {
		return nil, err
	}
	r, err := newRun(g, sc)
	if err != nil {
		return nil, err
	}
	return r.execute(ctx)
}

// run is the state of one Run call. Its dispatcher starts the visitors;
// what each visitor does over HTTP is visitor.go's.
type run struct {
	dispatcher
	g       *Generator
	cfg     Config
	sc      *scenario.Scenario
	plan    scenario.Plan
	share   scenario.Plan // the part of plan this segment sends: all of it unless Config.Segment says
	layout  keyLayout
	rec     *recorder
	target  *url.URL // redirects are followed only to its host
	clients *clientFactory
	shared  httpClient // nil when every visitor has its own connections
	signals *signals
	flights flights       // every visitor's request in flight
	halt    chan struct{} // closed when the grace period after an interrupt is over
	ticked  time.Duration // where the last Tick's interval ended; the collector's
	// startedLate is how long after Config.StartAt the clock started.
	startedLate time.Duration
}

func newRun(g *Generator, sc *scenario.Scenario) (*run, error) {
	cfg := g.cfg
	journeys, err := planJourneys(sc)
	if err != nil {
		return nil, err
	}
	if sc.Smoke {
		withoutThink(journeys)
	}
	layout := newKeyLayout(sc.Journeys, sc.Redact)
	sig := newSignals()
	tc := tlsConfig(cfg.TLSConfig, sc.Defaults.TLS)
	r := &run{
		dispatcher: dispatcher{journeys: journeys, seed: sc.Traffic.Seed, live: &g.live, segment: cfg.Segment, cpu: processCPU, fine: true},
		g:          g,
		cfg:        cfg,
		sc:         sc,
		plan:       sc.Plan,
		layout:     layout,
		rec:        newRecorder(layout, max(2, runtime.GOMAXPROCS(0)), cfg.Interval, cfg.MaxIntervals),
		clients: &clientFactory{
			version:   sc.Defaults.HTTP,
			tlsConfig: tc,
			userAgent: cfg.UserAgent,
			maxConns:  sc.Traffic.MaxConcurrency + sc.Plan.MaxConcurrency(),
			dialer:    newDialer(tc, sig),
		},
		signals: sig,
		halt:    make(chan struct{}),
	}
	r.target, _ = url.Parse(sc.Target.URL) // Run checked it parses
	if sc.Defaults.Connection == scenario.SharedConnections {
		r.shared = r.clients.newClient(true)
	}
	if sc.Plan.MaxConcurrency() > 0 && !sc.Smoke {
		// Closed-model visits number their visits and take their rows
		// past every arrival of the whole schedule.
		var picked []int64
		r.loopsFrom, picked = wholeSchedule(sc.Plan, sc.Traffic.Arrivals, sc.Traffic.Seed, journeys)
		for j := range journeys {
			if rows := journeys[j].rows; rows != nil {
				rows.loopFrom = picked[j]
			}
		}
	}
	return r, nil
}

// checkSegment refuses a segment the run cannot send: a smoke test (one
// visitor per journey has no shares), a max_concurrency too small to give
// each segment one visitor, a start so long ago that the plan is over.
func (g *Generator) checkSegment(sc *scenario.Scenario) error {
	seg := g.cfg.Segment
	if !seg.Whole() {
		if err := seg.check(); err != nil {
			return err
		}
		if sc.Smoke {
			return errors.New("a smoke test runs one visitor per journey and cannot be split into segments")
		}
		if seg.Of(sc.Traffic.MaxConcurrency) == 0 {
			return fmt.Errorf("max_concurrency %d cannot be shared by %d segments: each needs at least one visitor", sc.Traffic.MaxConcurrency, seg.Count)
		}
	}
	if at := g.cfg.StartAt; !at.IsZero() {
		if late := time.Since(at); late >= sc.Plan.Duration() {
			return fmt.Errorf("the start %s was %s ago: the whole plan of %s would be over", at.UTC().Format(time.RFC3339), late.Round(time.Second), scenario.FormatDuration(sc.Plan.Duration()))
		}
	}
	return nil
}

// waitForStart waits for Config.StartAt, opening the shared pool's first
// connections just before it; it returns false if ctx is done first. The
// run's clock then starts at StartAt, even when that has passed: a late
// process sends what is due at once, and its lag shows how late.
func (r *run) waitForStart(ctx context.Context) bool {
	var wait sleeper
	defer wait.stop()
	at := r.cfg.StartAt
	if at.IsZero() {
		if r.shared != nil {
			r.preOpen()
		}
		r.began = time.Now()
		return true
	}
	if r.shared != nil {
		if !wait.until(at.Add(-preOpenBudget), ctx.Done()) {
			return false
		}
		r.preOpen()
	}
	if !wait.until(at, ctx.Done()) {
		return false
	}
	now := time.Now()
	r.began = now.Add(at.Sub(now)) // at, with now's monotonic clock
	r.startedLate = now.Sub(at)
	return true
}

// execute runs the plan: the scheduler for open-model arrivals, the
// closed-model phases, and the collector, then gathers the Results.
func (r *run) execute(ctx context.Context) (*Results, error) {
	g := r.g
	if r.shared != nil {
		defer r.clients.dialer.closeWarm()
	}
	if !r.waitForStart(ctx) {
		return nil, ErrNotStarted
	}
	plan := r.plan
	r.ledger = newArrivalLedger(r.began, plan.Duration(), r.cfg.Interval, r.cfg.MaxIntervals)
	r.rec.ledger = r.ledger
	r.share = plan.Share([]int{r.segment.Index}, r.segment.Count)
	share := r.share
	g.planned.Store(&share)
	g.started.Store(r.began.UnixNano())

	stopCollector := make(chan struct{})
	collectorDone := make(chan struct{})
	go r.collectLoop(stopCollector, collectorDone)
	stopProbe := make(chan struct{})
	var probe sync.WaitGroup
	probe.Go(func() { r.signals.probe(stopProbe) })
	if r.shared != nil {
		// Pre-opened connections serve the plan's first seconds; the
		// ones left after are closed before a server drops them idle.
		warm := time.AfterFunc(warmFor, r.clients.dialer.retireWarm)
		defer warm.Stop()
	}
	// The moment of the interrupt, so that "interrupted after" does not
	// count the grace period, and the plan's arrivals are counted up to
	// it.
	var interruptedAt time.Duration
	noted := make(chan struct{})
	defer context.AfterFunc(ctx, func() { interruptedAt = time.Since(r.began); close(noted) })()

	traffic := r.sc.Traffic
	var phases sync.WaitGroup
	phases.Go(func() {
		if r.sc.Smoke {
			r.smoke(ctx, r.openVisitor)
			return
		}
		sched := NewSchedule(plan, traffic.Arrivals, traffic.Seed).Segment(r.segment)
		r.dispatch(ctx, sched, r.segment.Of(traffic.MaxConcurrency), r.openVisitor)
	})
	phases.Go(func() { r.closedPhases(ctx, plan.Phases, r.loopVisitor) })
	phases.Wait()
	// A plan can end in a quiet stretch after its last arrival (a
	// campaign's tail); the run lasts the plan's length all the same.
	var wait sleeper
	wait.until(r.began.Add(plan.Duration()), ctx.Done())
	wait.stop()

	// Ctrl-C while the last visits finish after the plan is an interrupt
	// too: the plan ran whole, and the visits in flight get the grace
	// period, not however long their journeys take.
	interrupted := ctx.Err() != nil || !waitOr(&r.busy, ctx.Done())
	ran := plan.Duration()
	if interrupted {
		<-noted
		// The plan ran up to the interrupt; the grace period after it
		// plans no arrivals and sends no new visits.
		ran = min(ran, interruptedAt)
		g.stopping.Store(true)
		waitTimeout(&r.busy, r.cfg.Grace)
		close(r.halt) // visitors still in flight stop at their next step or pause
		r.flights.cutOff(time.Now(), r.rec, r.live)
	}
	if r.shared != nil {
		r.shared.close()
	}
	close(stopProbe)
	probe.Wait()
	close(stopCollector)
	<-collectorDone

	res, timelineErr := r.rec.results()
	res.Signals = r.signals.totals()
	res.Scenario = r.sc.Record()
	res.Started = r.began
	if at := r.cfg.StartAt; !at.IsZero() {
		res.Started = at.UTC() // the same instant in every segment's file
		res.StartDelay = max(0, r.startedLate)
	}
	res.Segment = r.segment
	res.Elapsed = time.Since(r.began)
	res.Interrupted = interrupted
	res.Ran = ran
	res.Retries = r.clients.retries.Load()
	if interrupted {
		res.InterruptedAt = interruptedAt
	}
	c := r.live.total()
	res.Arrivals = ArrivalCounts{
		Planned:   share.VisitorsBetween(0, ran),
		Started:   c.arrivals,
		Missed:    c.missed,
		Completed: c.completed,
		Failed:    c.failed,
		Exhausted: c.exhausted,
	}
	res.Closed = ClosedCounts{Visitors: r.live.looping.Load(), Stopped: r.live.stopped.Load()}
	if r.sc.Smoke {
		res.Arrivals.Planned = float64(len(r.journeys)) // one visitor per journey
	}
	if timelineErr != nil {
		return res, timelineErr
	}
	if interrupted {
		return res, ErrInterrupted
	}
	return res, nil
}

// preOpen opens the shared pool's first connections before the clock
// starts (warmConnections), to the target's host, where the pool sends.
func (r *run) preOpen() {
	f := r.clients
	isTLS := r.target.Scheme == "https"
	addr := r.target.Host
	if r.target.Port() == "" {
		addr = net.JoinHostPort(r.target.Hostname(), portOf(r.target))
	}
	var alpn []string
	if f.version == scenario.HTTP2 && isTLS {
		alpn = h2ALPN
	}
	n := warmConnections(r.plan, f.version == scenario.HTTP2, f.maxConns)
	f.dialer.preOpen(addr, isTLS, alpn, n, preOpenBudget)
}

// collectLoop closes one timeline interval per tick until stopped, then
// closes the last, partial one.
func (r *run) collectLoop(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	width := r.cfg.Interval
	ticker := time.NewTicker(width)
	defer ticker.Stop()
	next := time.Duration(0) // the offset of the interval not yet collected
	collect := func() counts {
		// The interval closing now normally starts at next. If the ticker
		// dropped a tick (a stalled collector), the clock is ahead: the
		// offset follows the clock, so one interval holds two ticks' data
		// instead of every later interval sliding early.
		offset := max(next, time.Since(r.began).Truncate(width)-width)
		c := r.live.take()
		iv := r.rec.collect(offset, r.signals.take())
		if r.cfg.OnInterval != nil {
			r.cfg.OnInterval(r.tick(iv, c))
		}
		next = offset + width
		return c
	}
	// Between interval ends the collector folds what visitors logged in
	// small bites (recorder.drain), so that closing an interval never
	// holds a core long enough to delay arrivals.
	drainEvery := min(drainEvery, width)
	drains := time.NewTicker(drainEvery)
	defer drains.Stop()
	for {
		select {
		case <-drains.C:
			r.rec.drain()
			continue
		case <-ticker.C:
		case <-stop:
			collect()
			return
		}
		c := collect()
		r.live.setRate(float64(c.requests) / width.Seconds())
	}
}

// drainEvery is how often the collector folds the visitors' logs between
// interval ends: at 40,000 requests a second, 2,000 entries, well under a
// millisecond of work.
const drainEvery = 50 * time.Millisecond

// tlsConfig is the caller's TLS configuration, with certificate
// verification off when the scenario asks for it (defaults.tls.insecure);
// the results record that, so every report can say so.
func tlsConfig(base *tls.Config, t scenario.TLS) *tls.Config {
	if !t.Insecure {
		return base
	}
	c := &tls.Config{}
	if base != nil {
		c = base.Clone()
	}
	c.InsecureSkipVerify = true
	return c
}

// isHalted reports whether visitors must stop.
func (r *run) isHalted() bool {
	select {
	case <-r.halt:
		return true
	default:
		return false
	}
}

// waitTimeout waits for wg, or for d to pass, whichever comes first.
func waitTimeout(wg *sync.WaitGroup, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	waitOr(wg, t.C)
}

// waitOr waits for wg, or for stop, whichever comes first, and reports
// whether wg was done.
func waitOr[T any](wg *sync.WaitGroup, stop <-chan T) (done bool) {
	ended := make(chan struct{})
	go func() { wg.Wait(); close(ended) }()
	select {
	case <-ended:
		return true
	case <-stop:
		return false
	}
}

// journeyPlan is a journey prepared for sending: each step compiled once,
// so a visitor only fills in what changes per request.
type journeyPlan struct {
	name      string
	weight    int
	steps     []stepPlan
	rows      *rowPicker // nil when the journey has no data file
	needsVars bool       // some step is templated or captures a value
}

func planJourneys(sc *scenario.Scenario) ([]journeyPlan, error) {
	var out []journeyPlan
	for _, j := range sc.Journeys {
		jp := journeyPlan{name: j.Name, weight: j.Weight}
		if j.Data != nil {
			jp.rows = &rowPicker{data: j.Data}
		}
		for _, st := range j.Steps {
			sp, err := compileStep(st, sc.Target.URL, sc.Defaults)
			if err != nil {
				return nil, fmt.Errorf("journey %s, step %s: %w", j.Name, st.Name, err)
			}
			jp.needsVars = jp.needsVars || !sp.static || len(sp.captures) > 0
			jp.steps = append(jp.steps, sp)
		}
		out = append(out, jp)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the scenario has no journeys")
	}
	return out, nil
}

// mergeHeaders returns the defaults overridden by the step's own headers.
func mergeHeaders(defaults, own []scenario.Header) []scenario.Header {
	out := make([]scenario.Header, 0, len(defaults)+len(own))
	for _, d := range defaults {
		overridden := false
		for _, o := range own {
			if strings.EqualFold(o.Name, d.Name) {
				overridden = true
				break
			}
		}
		if !overridden {
			out = append(out, d)
		}
	}
	return append(out, own...)
}
