package main

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/liftoff/liftoff/loadgen"
)

// Progress modes for --progress.
const (
	progressAuto  = "auto"  // bars on a terminal, plain lines elsewhere
	progressBars  = "bars"  // live bars (mpb)
	progressPlain = "plain" // one line every few seconds, no escape codes: CI logs
	progressNone  = "none"
)

// plainEvery is how often plain progress prints a line.
const plainEvery = 5 * time.Second

// showProgress displays g's progress on w until the returned stop is
// called. It polls g.Progress; the generator never waits for the display.
func showProgress(w io.Writer, mode string, terminal bool, g *loadgen.Generator) (stop func()) {
	if mode == progressAuto {
		mode = progressPlain
		if terminal {
			mode = progressBars
		}
	}
	switch mode {
	case progressBars:
		return showBars(w, g)
	case progressPlain:
		return showPlain(w, g)
	}
	return func() {}
}

// showBars draws one mpb bar over the planned duration, with the phase in
// front and the live rates behind. Workers never touch the bar: a ticker
// copies the generator's atomic snapshot into it.
func showBars(w io.Writer, g *loadgen.Generator) func() {
	ctx, cancel := context.WithCancel(context.Background())
	p := mpb.NewWithContext(ctx, mpb.WithOutput(w), mpb.WithWidth(32), mpb.WithRefreshRate(150*time.Millisecond), mpb.WithAutoRefresh())
	var last atomic.Pointer[loadgen.Progress]
	last.Store(&loadgen.Progress{})
	bar := p.New(1,
		mpb.BarStyle().Lbound("[").Filler("=").Tip(">").Padding(" ").Rbound("]"),
		mpb.PrependDecorators(decor.Any(func(decor.Statistics) string {
			l := last.Load()
			return fmt.Sprintf("%-12s %s/%s", truncateName(l.Phase, 12), clock(l.Elapsed), clock(l.Total))
		}, decor.WCSyncSpaceR)),
		mpb.AppendDecorators(decor.Any(func(decor.Statistics) string { return progressStats(*last.Load()) })),
	)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			now := g.Progress()
			last.Store(&now)
			if now.Total > 0 {
				bar.SetTotal(now.Total.Milliseconds(), false)
				bar.SetCurrent(min(now.Elapsed, now.Total).Milliseconds())
			}
			select {
			case <-t.C:
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() {
		cancel()
		<-done
		bar.Abort(false)
		p.Wait()
	}
}

// showPlain prints one line every plainEvery, for logs that cannot take
// escape codes.
func showPlain(w io.Writer, g *loadgen.Generator) func() {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(plainEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				fmt.Fprintln(w, plainLine(g.Progress()))
			case <-stop:
				return
			}
		}
	}()
	return func() { close(stop); <-done }
}

func plainLine(p loadgen.Progress) string {
	phase := ""
	if p.Phase != "" {
		phase = " " + p.Phase + " ·"
	}
	return fmt.Sprintf("[%s/%s]%s %s", clock(p.Elapsed), clock(p.Total), phase, progressStats(p))
}

func progressStats(p loadgen.Progress) string {
	s := fmt.Sprintf("%.0f req/s", p.AchievedRate)
	if p.PlannedRate > 0 {
		s += fmt.Sprintf(" · visitors %.0f/s planned", float64(p.PlannedRate))
	}
	s += fmt.Sprintf(" · in flight %d · errors %d", p.InFlight, p.Errors)
	if p.Missed > 0 {
		s += fmt.Sprintf(" · missed %d", p.Missed)
	}
	if p.Stopping {
		s += " · stopping"
	}
	return s
}

// clock formats a duration as mm:ss, or h:mm:ss past an hour.
func clock(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%02d:%02d", s/60, s%60)
}

func truncateName(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
