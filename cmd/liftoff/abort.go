package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/liftoff/liftoff/loadgen"
	"github.com/liftoff/liftoff/report"
	"github.com/liftoff/liftoff/scenario"
)

// abortWatch judges a run's abort rules on its intervals as they close
// (report.AbortJudge), on a goroutine of its own, so the collector only
// hands each Tick over. When a rule trips it says so and cancels the run
// with the abort as the cause: loadgen then stops new arrivals and gives
// visitors in flight the grace period, as for Ctrl-C, and the command
// records the abort in the results (a NO-GO, not an interruption).
type abortWatch struct {
	judge   *report.AbortJudge
	ticks   chan loadgen.Tick
	cancel  context.CancelCauseFunc
	say     io.Writer
	done    chan struct{}
	tripped *loadgen.Abort // set before done closes
}

// abortCause is the cause a tripped rule cancels the run with.
type abortCause struct{ abort *loadgen.Abort }

func (c abortCause) Error() string { return "abort rule " + c.abort.Rule + " tripped" }

// tickQueue is how many Ticks may wait for the judge. It judges in far
// less than an interval; if it ever fell this far behind, the Ticks it
// misses leave their windows unjudged (never judged on part of their
// data), and a later window trips instead.
const tickQueue = 64

// watchAborts starts judging sc's abort rules and returns the context
// the run must use: the watch cancels it when a rule trips. With no
// abort rules it returns ctx and a watch that does nothing.
func watchAborts(ctx context.Context, sc *scenario.Scenario, say io.Writer) (context.Context, *abortWatch) {
	judge := report.NewAbortJudge(sc)
	if judge == nil {
		return ctx, nil
	}
	runCtx, cancel := context.WithCancelCause(ctx)
	w := &abortWatch{judge: judge, ticks: make(chan loadgen.Tick, tickQueue), cancel: cancel, say: say, done: make(chan struct{})}
	go w.loop()
	return runCtx, w
}

func (w *abortWatch) loop() {
	defer close(w.done)
	for t := range w.ticks {
		if w.tripped != nil {
			continue // drain: the run is stopping
		}
		if a := w.judge.Observe(t); a != nil {
			// Whether the trip stops the run is known only when the run
			// returns (its plan may have ended, or Ctrl-C come first):
			// stop says which.
			w.tripped = a
			w.cancel(abortCause{a})
		}
	}
}

// onInterval is the watch's loadgen hook: it queues the Tick, dropping it
// when the judge is that far behind.
func (w *abortWatch) onInterval(t loadgen.Tick) {
	select {
	case w.ticks <- t:
	default:
	}
}

// stop ends the watch once the run has returned and gives the abort that
// stopped it: nil unless a rule tripped and the run was stopped for it
// (a rule that trips on the run's last interval, after its plan ended,
// stopped nothing).
func (w *abortWatch) stop(runCtx context.Context, runErr error) *loadgen.Abort {
	if w == nil {
		return nil
	}
	close(w.ticks)
	<-w.done
	w.cancel(nil)
	var cause abortCause
	if !errors.As(context.Cause(runCtx), &cause) {
		return nil // no rule tripped, or Ctrl-C came first
	}
	a := cause.abort
	if !errors.Is(runErr, loadgen.ErrInterrupted) {
		fmt.Fprintf(w.say, "\nabort rule %s tripped at %s (measured %s over the window), after the plan had ended: it stopped nothing, and the verdict judges the run\n",
			a.Rule, scenario.FormatDuration(a.To), report.AbortValue(a))
		return nil
	}
	fmt.Fprintf(w.say, "\naborted at %s: %s (measured %s over the window); no new visitors were started, visitors in flight had the grace period\n",
		scenario.FormatDuration(a.To), a.Rule, report.AbortValue(a))
	return a
}

// hook is the watch's loadgen hook, nil without a watch.
func (w *abortWatch) hook() func(loadgen.Tick) {
	if w == nil {
		return nil
	}
	return w.onInterval
}

// onIntervals joins hooks into one for Config.OnInterval; nil when every
// one is nil, so the collector builds no Ticks.
func onIntervals(hooks ...func(loadgen.Tick)) func(loadgen.Tick) {
	var set []func(loadgen.Tick)
	for _, h := range hooks {
		if h != nil {
			set = append(set, h)
		}
	}
	switch len(set) {
	case 0:
		return nil
	case 1:
		return set[0]
	}
	return func(t loadgen.Tick) {
		for _, h := range set {
			h(t)
		}
	}
}
