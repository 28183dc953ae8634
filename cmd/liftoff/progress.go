package main

import (
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/liftoff/liftoff/loadgen"
)

// Progress modes for --progress.
const (
	progressAuto  = "auto"  // bars on a terminal, plain lines elsewhere
	progressBars  = "bars"  // a live bar (mpb)
	progressPlain = "plain" // one line every few seconds, no escape codes: CI logs
	progressNone  = "none"
)

// plainEvery is how often plain progress prints a line: the span the
// live figures cover (recentIntervals), so each line sums up the seconds
// since the last.
const plainEvery = 5 * time.Second

// barPoll is how often the bar reads the generator's snapshot, and
// barRefresh how often mpb redraws it.
const (
	barPoll    = 100 * time.Millisecond
	barRefresh = 150 * time.Millisecond
)

// barCells is the width of the bar itself, between its brackets.
const barCells = 24

// liveSource is what the display polls: the generator's snapshot.
type liveSource interface {
	Progress() loadgen.Progress
}

// progressMode resolves auto for a terminal or not.
func progressMode(mode string, terminal bool) string {
	if mode != progressAuto {
		return mode
	}
	if terminal {
		return progressBars
	}
	return progressPlain
}

// showProgress displays the run's progress on w until the returned stop
// is called: src's snapshot, with view's figures over the last closed
// intervals. It polls; the generator never waits for the display.
func showProgress(w io.Writer, mode string, src liveSource, view *liveView) (stop func()) {
	switch mode {
	case progressBars:
		return showBars(w, src, view)
	case progressPlain:
		return showPlain(w, src, view)
	}
	return func() {}
}

// showBars draws one line that mpb redraws in place: the phase, a bar that
// fills over the planned length, and the live figures (barLines). The bar
// is created with no total, so mpb never completes it on its own (a total
// set later does not move the point where mpb considers it complete); the
// frame draws the fill itself, and stop ends the bar after its last frame.
func showBars(w io.Writer, src liveSource, view *liveView, options ...mpb.ContainerOption) func() {
	p := mpb.New(append([]mpb.ContainerOption{mpb.WithOutput(w), mpb.WithRefreshRate(barRefresh), mpb.WithAutoRefresh()}, options...)...)
	var last atomic.Pointer[liveStatus]
	poll := func() {
		s := view.status(src.Progress())
		last.Store(&s)
	}
	poll()
	line := func(n int) mpb.BarFiller {
		return mpb.BarFillerFunc(func(w io.Writer, st decor.Statistics) error {
			_, err := io.WriteString(w, barLines(*last.Load(), st.AvailableWidth)[n])
			return err
		})
	}
	bar, err := p.Add(0, line(0), mpb.BarFillerTrim(), mpb.BarExtender(line(1), false))
	if err != nil { // only once p is shut down, which nothing did yet
		p.Wait()
		return func() {}
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(barPoll)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				poll()
			case <-stop:
				return
			}
		}
	}()
	return func() {
		close(stop)
		<-done
		poll() // the last frame shows where the run ended
		bar.Abort(false)
		p.Wait()
	}
}

// showPlain prints one line every plainEvery, for logs that cannot take
// escape codes.
func showPlain(w io.Writer, src liveSource, view *liveView) func() {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(plainEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				fmt.Fprintln(w, view.status(src.Progress()).plainLine())
			case <-stop:
				return
			}
		}
	}()
	return func() { close(stop); <-done }
}

// barLines are the bar's two lines, each at most width cells. The first
// is where the run is: the phase, a bar that fills with the share of the
// planned length gone, and the clock; a run past its plan shows the bar
// full and says by how much, and a run with no planned length (a smoke
// test) has no bar. The second is the live figures (liveStatus.facts),
// most telling first, so a narrow terminal cuts the least.
//
//	peak         [=============>          ] 00:18 of 00:30 (60%)
//	  visitors 104/s of 120/s planned (86.7%) · requests 291/s · errors 0% · p95 50ms · 23 in flight
func barLines(s liveStatus, width int) [2]string {
	phase := ""
	if s.Over() == 0 {
		phase = s.Phase
	}
	first := fmt.Sprintf("%-12s ", truncate(phase, 12))
	if s.Total > 0 {
		first += "[" + barFill(s.Elapsed, s.Total, barCells) + "] "
	}
	first += s.clockText()
	return [2]string{truncate(first, width), truncate("  "+s.facts(), width)}
}

// barFill is cells wide: "=" for the share of total gone, a ">" at its tip
// while the run is short of total, spaces for the rest.
func barFill(elapsed, total time.Duration, cells int) string {
	n := min(cells, int(int64(cells)*int64(max(elapsed, 0))/int64(total)))
	if n == cells {
		return strings.Repeat("=", cells)
	}
	if n == 0 {
		return strings.Repeat(" ", cells)
	}
	return strings.Repeat("=", n-1) + ">" + strings.Repeat(" ", cells-n)
}

// clock formats a duration as mm:ss, or h:mm:ss past an hour, in whole
// seconds gone: it agrees with the percentage beside it.
func clock(d time.Duration) string {
	s := int(d / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%02d:%02d", s/60, s%60)
}

// truncate cuts s to n runes, the last an ellipsis; n <= 0 leaves s whole
// (a writer that reports no width).
func truncate(s string, n int) string {
	if n <= 0 || utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
