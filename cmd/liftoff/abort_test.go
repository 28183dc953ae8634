package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/liftoff/liftoff/loadgen"
	"github.com/liftoff/liftoff/scenario"
)

// flippingTarget answers 200 until flipAfter has passed since its first
// request, then 500 to everything; it records when it flipped and how
// many requests it saw after that.
type flippingTarget struct {
	flipAfter time.Duration
	mu        sync.Mutex
	first     time.Time
	flipped   time.Time
	after     atomic.Int64
}

func (f *flippingTarget) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	now := time.Now()
	if f.first.IsZero() {
		f.first = now
	}
	failing := now.Sub(f.first) >= f.flipAfter
	if failing && f.flipped.IsZero() {
		f.flipped = now
	}
	f.mu.Unlock()
	if failing {
		f.after.Add(1)
		http.Error(w, "database gone", http.StatusInternalServerError)
		return
	}
	fmt.Fprint(w, "ok")
}

func (f *flippingTarget) flippedAt() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.flipped
}

// TestAbortStopsAFailingTarget runs a 5-minute plan against a target that
// starts failing after 2 seconds. The abort rule (error_rate > 50% for
// 2s) must stop the run within its window plus one interval of the flip,
// stop new arrivals, write every output, and make the run a NO-GO (exit
// 1, not the 130 of an interruption) whose results say aborted, the
// rule, the measured value and when it tripped.
func TestAbortStopsAFailingTarget(t *testing.T) {
	t.Parallel()
	target := &flippingTarget{flipAfter: 2 * time.Second}
	url := server(t, target.ServeHTTP)
	file := writeScenario(t, url, `traffic:
  arrivals: uniform
  phases: [ { duration: 5m, rate: 40/s } ]
journeys:
  - name: browse
    steps: [ GET / ]
slo: [ p95 < 5s ]
abort:
  - error_rate > 50% for 2s
`)
	dir := t.TempDir()
	out := func(name string) string { return filepath.Join(dir, name) }
	tio := newTestIO(nil)
	code := tio.liftoff(t.Context(), "run", file, "--progress", "none", "--grace", "1s",
		"--json", out("results.json"), "--html", out("report.html"), "--junit", out("junit.xml"), "--markdown", out("summary.md"))
	if code != exitNoGo {
		t.Fatalf("exit code %d, want %d (NO-GO)\nstdout:\n%s\nstderr:\n%s", code, exitNoGo, tio.out, tio.err)
	}
	data, err := os.ReadFile(out("results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Verdict string
		Aborted bool
		Abort   struct {
			Rule     string
			Measured float64
			FromS    float64 `json:"from_s"`
			ToS      float64 `json:"to_s"`
		}
		Reasons []string
		Results struct {
			Started time.Time
			Abort   struct{ Rule string }
			Arrival struct{ Started int64 } `json:"arrivals"`
		}
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Verdict != "NO-GO" || !doc.Aborted || doc.Abort.Rule != "error_rate > 50% for 2s" || doc.Results.Abort.Rule != doc.Abort.Rule {
		t.Fatalf("results: verdict %s, aborted %v, abort %+v, results.abort %+v; want NO-GO, aborted by the rule", doc.Verdict, doc.Aborted, doc.Abort, doc.Results.Abort)
	}
	if doc.Abort.Measured <= 0.5 || doc.Abort.ToS-doc.Abort.FromS != 2 {
		t.Errorf("abort measured %v over %v–%vs, want above 50%% over a 2s window", doc.Abort.Measured, doc.Abort.FromS, doc.Abort.ToS)
	}
	flip := target.flippedAt().Sub(doc.Results.Started).Seconds()
	if tripped := doc.Abort.ToS - flip; tripped <= 0 || tripped > 3 {
		t.Errorf("the target failed from %.2fs; the rule tripped at %vs, %.2fs later: want within the window plus one interval (3s)", flip, doc.Abort.ToS, tripped)
	}
	// New arrivals stopped at the trip: 40/s, plus at most the interval the
	// judge needs to see it, not the five minutes planned.
	if started := doc.Results.Arrival.Started; float64(started) > 40*(doc.Abort.ToS+1) {
		t.Errorf("%d visitors started by a run aborted at %vs, want at most %v", started, doc.Abort.ToS, 40*(doc.Abort.ToS+1))
	}
	if len(doc.Reasons) == 0 || !strings.HasPrefix(doc.Reasons[0], "An abort rule stopped the run at") {
		t.Errorf("first reason %q, want the abort", doc.Reasons)
	}
	for name, want := range map[string]string{
		"report.html": "The test was stopped early to protect the site",
		"junit.xml":   `type="aborted"`,
		"summary.md":  "An abort rule stopped the run",
	} {
		b, err := os.ReadFile(out(name))
		if err != nil {
			t.Errorf("%s was not written: %v", name, err)
			continue
		}
		if !strings.Contains(string(b), want) {
			t.Errorf("%s does not say %q", name, want)
		}
	}
	if !strings.Contains(tio.out.String(), "(aborted)") || !strings.Contains(tio.err.String(), "aborted at") {
		t.Errorf("the terminal does not say the run was aborted:\nstdout:\n%s\nstderr:\n%s", tio.out, tio.err)
	}
}

// TestAbortWatchCancelsOnTheIntervalThatTrips feeds the watch one Tick a
// second in a synctest bubble, the target failing every request from
// 10s on. The rule (error_rate > 50% for 3s) first holds on the window
// 9s–12s (two failing seconds of three), so the run's context is
// cancelled, with the abort as its cause, right after the Tick of 11s–12s
// closes, and no sooner.
func TestAbortWatchCancelsOnTheIntervalThatTrips(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sc := &scenario.Scenario{
			Defaults: scenario.Defaults{Timeout: time.Second},
			Plan:     scenario.Plan{Phases: []scenario.Phase{{Name: "steady", Duration: time.Minute, Rate: 20, RampTo: 20}}},
			Abort:    []scenario.Rule{mustRule(t, "error_rate > 50% for 3s")},
		}
		var said strings.Builder
		ctx, w := watchAborts(t.Context(), sc, &said)
		began := time.Now()
		var cancelledAt time.Duration
		go func() {
			<-ctx.Done()
			cancelledAt = time.Since(began)
		}()
		for i := range 30 {
			time.Sleep(time.Second)
			if ctx.Err() != nil {
				break
			}
			failed := int64(0)
			if i >= 10 {
				failed = 20
			}
			w.onInterval(tickOf(began, i, 20-failed, failed))
			synctest.Wait() // the judge has seen it
		}
		synctest.Wait()
		if want := 12 * time.Second; cancelledAt != want {
			t.Errorf("cancelled at %v, want %v: right after the interval that ends the first failing window", cancelledAt, want)
		}
		a := w.stop(ctx, loadgen.ErrInterrupted)
		if a == nil || a.From != 9*time.Second || a.To != 12*time.Second || a.Rule != "error_rate > 50% for 3s" {
			t.Fatalf("abort %+v, want the rule over 9s–12s", a)
		}
		var cause abortCause
		if !errors.As(context.Cause(ctx), &cause) || cause.abort != a {
			t.Errorf("the context's cause is %v, want the abort", context.Cause(ctx))
		}
		if !strings.Contains(said.String(), "aborted at 12s: error_rate > 50% for 3s (measured 66.7%") {
			t.Errorf("the watch said %q", said.String())
		}
	})
}

// TestAbortWatchIgnoresATripAfterThePlan: a rule that trips on the last
// interval, after the run's plan ended, stopped nothing, so the results
// record no abort.
func TestAbortWatchIgnoresATripAfterThePlan(t *testing.T) {
	t.Parallel()
	sc := &scenario.Scenario{
		Plan:  scenario.Plan{Phases: []scenario.Phase{{Name: "steady", Duration: 3 * time.Second, Rate: 20, RampTo: 20}}},
		Abort: []scenario.Rule{mustRule(t, "error_rate > 50% for 1s")},
	}
	var said strings.Builder
	ctx, w := watchAborts(t.Context(), sc, &said)
	w.onInterval(tickOf(time.Now(), 2, 0, 20))
	for ctx.Err() == nil {
		time.Sleep(time.Millisecond)
	}
	if a := w.stop(ctx, nil); a != nil {
		t.Errorf("a run that completed its plan records the abort %+v", a)
	}
	if out := said.String(); strings.Contains(out, "aborted at") || !strings.Contains(out, "after the plan had ended: it stopped nothing") {
		t.Errorf("the watch said %q; want the trip told as stopping nothing", out)
	}
}

func mustRule(t *testing.T, text string) scenario.Rule {
	t.Helper()
	r, err := scenario.ParseRule(text)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// tickOf is the Tick of second i of a run with one key: ok requests that
// took 10ms and failed ones.
func tickOf(began time.Time, i int, ok, failed int64) loadgen.Tick {
	lat := make([]time.Duration, ok)
	for j := range lat {
		lat[j] = 10 * time.Millisecond
	}
	iv := loadgen.Interval{Offset: time.Duration(i) * time.Second, Requests: ok + failed, Errors: failed,
		Keys: []loadgen.IntervalKey{loadgen.IntervalKeyOf(0, lat, lat, failed)}}
	iv.Classes[loadgen.ClassStatus5xx] = failed
	return loadgen.Tick{Began: began, Offset: iv.Offset, Width: time.Second, Requests: iv.Requests, Errors: failed,
		Interval: iv, AllKeys: []loadgen.Key{{}}, RunDelayKnown: true}
}
