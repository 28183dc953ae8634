package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"
	"unicode/utf8"

	"github.com/vbauerster/mpb/v8"

	"github.com/liftoff/liftoff/loadgen"
	"github.com/liftoff/liftoff/scenario"
)

// liveScenario plans 30 s: 10 s at 20 visitors/s, 15 s at 60/s, then 5 s
// of 8 looping visitors.
const liveScenario = `name: live
target: http://127.0.0.1:9
defaults: { timeout: 5s }
traffic:
  arrivals: uniform
  phases:
    - { name: warm-up, duration: 10s, rate: 20/s }
    - { name: peak, duration: 15s, rate: 60/s }
    - { name: soak, duration: 5s, concurrency: 8 }
journeys:
  - name: home
    steps: [ GET / ]
`

func newTestView(t *testing.T) *liveView {
	t.Helper()
	sc, err := scenario.Parse(strings.NewReader(liveScenario), "live.yaml", scenario.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return newLiveView(sc, loadgen.Segment{})
}

// second is one synthetic closed interval of the whole run: the plan's
// arrivals, those started, the requests and failures, and the successful
// requests' latency.
type second struct {
	planned            float64
	started            int64
	requests, failures int64
	fast, slow         int64 // successful requests at 100ms and at 250ms
}

// feed hands the view one Tick per second, from the run's second at.
func feed(v *liveView, at int, seconds ...second) {
	for i, s := range seconds {
		t := loadgen.Tick{
			Offset: time.Duration(at+i) * time.Second, Width: time.Second,
			Planned: s.planned, Arrivals: s.started, Requests: s.requests, Errors: s.failures,
		}
		var lat []loadgen.Bucket
		if s.fast > 0 {
			lat = append(lat, loadgen.Bucket{Value: 100 * time.Millisecond, Count: s.fast})
		}
		if s.slow > 0 {
			lat = append(lat, loadgen.Bucket{Value: 250 * time.Millisecond, Count: s.slow})
		}
		t.Keys = []loadgen.TickKey{{Requests: s.requests, Errors: s.failures, Latency: lat}}
		v.onInterval(t)
	}
}

func repeat(s second, n int) []second {
	out := make([]second, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// TestLiveFigures checks the live figures: visitors started against
// planned in the same unit with the share, the error rate (a share of the
// requests, not a count), the p95 of the successful requests, all over
// the last five closed intervals; and what a run past its plan, an
// interrupted one and a looping phase say.
func TestLiveFigures(t *testing.T) {
	t.Parallel()
	// 90 requests a second, 9 failed; of the 81 answered, 72 at 100ms and 9 at 250ms: p95 is 250ms.
	peak := second{planned: 60, started: 45, requests: 90, failures: 9, fast: 72, slow: 9}
	clean := second{planned: 20, started: 20, requests: 20, fast: 20}
	cases := []struct {
		name    string
		seconds []second
		p       loadgen.Progress
		want    string
	}{
		{
			name: "before the first interval closes",
			p:    loadgen.Progress{Elapsed: 500 * time.Millisecond, Total: 30 * time.Second, Phase: "warm-up", PlannedRate: 20, InFlight: 2},
			want: "[00:00 of 00:30 (0%)] warm-up · visitors 20/s planned · 2 in flight",
		},
		{
			name:    "short of the plan, with failures",
			seconds: append(repeat(clean, 12), repeat(peak, 5)...),
			p:       loadgen.Progress{Elapsed: 17500 * time.Millisecond, Total: 30 * time.Second, Phase: "peak", InFlight: 7},
			want:    "[00:17 of 00:30 (56%)] peak · visitors 45/s of 60/s planned (75.0%) · requests 90/s · errors 10.0% · p95 250ms · 7 in flight",
		},
		{
			name:    "only the last five intervals count",
			seconds: append(repeat(peak, 10), repeat(clean, 5)...),
			p:       loadgen.Progress{Elapsed: 15 * time.Second, Total: 30 * time.Second, Phase: "peak", InFlight: 1},
			want:    "[00:15 of 00:30 (50%)] peak · visitors 20/s of 20/s planned (100%) · requests 20/s · errors 0% · p95 100ms · 1 in flight",
		},
		{
			name:    "arrivals that could not start",
			seconds: repeat(peak, 3),
			p:       loadgen.Progress{Elapsed: 3 * time.Second, Total: 30 * time.Second, Phase: "peak", InFlight: 300, Missed: 40},
			want:    "[00:03 of 00:30 (10%)] peak · visitors 45/s of 60/s planned (75.0%) · requests 90/s · errors 10.0% · p95 250ms · 300 in flight · 40 could not start",
		},
		{
			name:    "a looping phase",
			seconds: repeat(second{requests: 40, fast: 40}, 5),
			p:       loadgen.Progress{Elapsed: 27 * time.Second, Total: 30 * time.Second, Phase: "soak", InFlight: 8},
			want:    "[00:27 of 00:30 (90%)] soak · looping visitors 8 of 8 planned (100%) · requests 40/s · errors 0% · p95 100ms",
		},
		{
			name:    "a looping phase short of its visitors",
			seconds: repeat(second{requests: 30, fast: 30}, 5),
			p:       loadgen.Progress{Elapsed: 28 * time.Second, Total: 30 * time.Second, Phase: "soak", InFlight: 6},
			want:    "[00:28 of 00:30 (93%)] soak · looping visitors 6 of 8 planned (75.0%) · requests 30/s · errors 0% · p95 100ms",
		},
		{
			name:    "within a second of the plan's end",
			seconds: repeat(clean, 5),
			p:       loadgen.Progress{Elapsed: 30900 * time.Millisecond, Total: 30 * time.Second, InFlight: 1},
			want:    "[00:30 of 00:30 (100%)] visitors 20/s of 20/s planned (100%) · requests 20/s · errors 0% · p95 100ms · 1 in flight",
		},
		{
			name:    "past the plan: a target that hangs",
			seconds: repeat(second{requests: 2, failures: 2}, 5),
			p:       loadgen.Progress{Elapsed: 42 * time.Second, Total: 30 * time.Second, InFlight: 3},
			want:    "[00:42, past the planned 00:30 by 00:12] the plan is over, waiting for 3 visitors in flight (a request gives up after 5s) · requests 2/s · errors 100%",
		},
		{
			name:    "interrupted",
			seconds: repeat(peak, 5),
			p:       loadgen.Progress{Elapsed: 12 * time.Second, Total: 30 * time.Second, Phase: "peak", InFlight: 1, Stopping: true},
			want:    "[00:12 of 00:30 (40%)] peak · stopping: no new visitors, waiting for 1 visitor in flight · visitors 45/s of 60/s planned (75.0%) · requests 90/s · errors 10.0% · p95 250ms",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newTestView(t)
			feed(v, 0, c.seconds...)
			if got := v.status(c.p).plainLine(); got != c.want {
				t.Errorf("plain line:\n got %s\nwant %s", got, c.want)
			}
		})
	}
}

// TestBarLines checks that the bar fills with the share of the planned
// length gone, full at the end and past it, with the clock beside it, and
// that a narrow terminal cuts the lines rather than wrapping them.
func TestBarLines(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		p     loadgen.Progress
		width int
		want  [2]string
	}{
		{
			name: "start",
			p:    loadgen.Progress{Total: 30 * time.Second, Phase: "warm-up", PlannedRate: 20},
			want: [2]string{"warm-up      [                        ] 00:00 of 00:30 (0%)", "  visitors 20/s planned · 0 in flight"},
		},
		{
			name: "a quarter",
			p:    loadgen.Progress{Elapsed: 7500 * time.Millisecond, Total: 30 * time.Second, Phase: "warm-up", PlannedRate: 20},
			want: [2]string{"warm-up      [=====>                  ] 00:07 of 00:30 (23%)", "  visitors 20/s planned · 0 in flight"},
		},
		{
			name: "the end",
			p:    loadgen.Progress{Elapsed: 30 * time.Second, Total: 30 * time.Second},
			want: [2]string{"             [========================] 00:30 of 00:30 (100%)", "  0 in flight"},
		},
		{
			name: "past the plan",
			p:    loadgen.Progress{Elapsed: 95 * time.Second, Total: 30 * time.Second, Phase: "peak", InFlight: 2},
			want: [2]string{"             [========================] 01:35, past the planned 00:30 by 01:05", "  the plan is over, waiting for 2 visitors in flight (a request gives up after 5s)"},
		},
		{
			name: "no planned length: a smoke test",
			p:    loadgen.Progress{Elapsed: 2 * time.Second, InFlight: 1},
			want: [2]string{"             00:02", "  1 in flight"},
		},
		{
			name:  "a narrow terminal",
			p:     loadgen.Progress{Elapsed: 15 * time.Second, Total: 30 * time.Second, Phase: "a-very-long-phase-name", PlannedRate: 60},
			width: 40,
			want:  [2]string{"a-very-long… [===========>            ]…", "  visitors 60/s planned · 0 in flight"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := barLines(newTestView(t).status(c.p), c.width)
			if got != c.want {
				t.Errorf("bar:\n got %q\n     %q\nwant %q\n     %q", got[0], got[1], c.want[0], c.want[1])
			}
			for _, l := range got {
				if n := utf8.RuneCountInString(l); c.width > 0 && n > c.width {
					t.Errorf("%q is %d cells, wider than %d", l, n, c.width)
				}
			}
		})
	}
}

// fakeRun is the snapshot side of a run in a synctest bubble: its clock
// is the bubble's and its plan liveScenario's. display closes its
// intervals.
type fakeRun struct {
	start time.Time
	view  *liveView
}

func (r *fakeRun) Progress() loadgen.Progress {
	e := time.Since(r.start)
	p := loadgen.Progress{Elapsed: e, Total: 30 * time.Second, InFlight: 4}
	if i := r.view.plan.PhaseAt(e); i >= 0 {
		p.Phase = r.view.plan.Phases[i].Name
		p.PlannedRate = r.view.plan.RateAt(e)
	}
	return p
}

// closeLate is how long after its second's end the collector closes an
// interval: never at the same instant as the display's tick, so the order
// of the two is known.
const closeLate = 100 * time.Millisecond

// display runs show (showPlain or showBars) over a fakeRun in the
// bubble for d and returns what it wrote. It closes one interval a
// second, as the generator's collector does, each with 18 visitors
// started, 36 requests, one failed and the others answered in 100ms.
func display(t *testing.T, d time.Duration, show func(io.Writer, liveSource, *liveView) func()) string {
	r := &fakeRun{start: time.Now(), view: newTestView(t)}
	stopTicks := make(chan struct{})
	ticked := make(chan struct{})
	go func() {
		defer close(ticked)
		for s := 0; ; s++ {
			select {
			case <-time.After(time.Until(r.start.Add(time.Duration(s+1)*time.Second + closeLate))):
				planned := r.view.plan.VisitorsBetween(time.Duration(s)*time.Second, time.Duration(s+1)*time.Second)
				feed(r.view, s, second{planned: planned, started: 18, requests: 36, failures: 1, fast: 35})
			case <-stopTicks:
				return
			}
		}
	}()
	var out bytes.Buffer
	stop := show(&out, r, r.view)
	time.Sleep(d)
	stop()
	close(stopTicks)
	<-ticked
	return out.String()
}

// TestShowPlainPrintsEveryFiveSeconds runs the plain display over a
// synthetic run on the bubble's clock: one line every five seconds, with
// the figures of the five seconds before it.
func TestShowPlainPrintsEveryFiveSeconds(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		got := display(t, 12*time.Second, showPlain)
		want := "[00:05 of 00:30 (16%)] warm-up · visitors 18/s of 20/s planned (90.0%) · requests 36/s · errors 2.8% · p95 100ms · 4 in flight\n" +
			"[00:10 of 00:30 (33%)] peak · visitors 18/s of 20/s planned (90.0%) · requests 36/s · errors 2.8% · p95 100ms · 4 in flight\n"
		if got != want {
			t.Errorf("plain progress:\n%s\nwant\n%s", got, want)
		}
	})
}

var (
	escapes   = regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`)
	barFrames = regexp.MustCompile(`\[([= >]{24})\] (\d\d):(\d\d) of 00:30 \((\d+)%\)`)
)

// TestShowBarsFillsOverThePlan draws the bar through mpb into a buffer
// over a synthetic run on the bubble's clock. The bar must fill with the
// run's clock, not at the first update (as a bar created with a total of
// 1 did), and its last frame must show where the run stopped.
func TestShowBarsFillsOverThePlan(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		wide := func(w io.Writer, src liveSource, v *liveView) func() { return showBars(w, src, v, mpb.WithWidth(160)) }
		out := escapes.ReplaceAllString(display(t, 16*time.Second, wide), "")

		frames := barFrames.FindAllStringSubmatch(out, -1)
		if len(frames) < 50 {
			t.Fatalf("%d frames in 16 s, want one about every %s:\n%s", len(frames), barRefresh, out)
		}
		for _, f := range frames {
			filled := strings.Count(f[1], "=") + strings.Count(f[1], ">")
			pct, _ := strconv.Atoi(f[4])
			if want := barCells * pct / 100; filled < want-1 || filled > want+1 {
				t.Fatalf("frame %q: %d cells filled at %d%%, want about %d", f[0], filled, pct, want)
			}
		}
		if last := frames[len(frames)-1][0]; !strings.HasPrefix(last, "[===========>            ] 00:16 of 00:30 (53%)") {
			t.Errorf("last frame %q, want the bar just past half full at 00:16", last)
		}
		if !strings.Contains(out, "visitors 18/s of 60/s planned (30.0%) · requests 36/s · errors 2.8% · p95 100ms · 4 in flight") {
			t.Errorf("no frame shows the live figures of the peak:\n%s", out)
		}
	})
}

// TestOnIntervals checks that the display, the streams and the abort watch
// all get every Tick, and that no hook at all leaves the collector without one.
func TestOnIntervals(t *testing.T) {
	t.Parallel()
	if onIntervals(nil, nil) != nil {
		t.Error("two nil hooks make a hook: the collector would build Ticks for nobody")
	}
	var a, b []time.Duration
	hookA := func(t loadgen.Tick) { a = append(a, t.Offset) }
	hookB := func(t loadgen.Tick) { b = append(b, t.Offset) }
	for _, h := range []func(loadgen.Tick){onIntervals(hookA, nil), onIntervals(nil, hookB), onIntervals(hookA, hookB)} {
		h(loadgen.Tick{Offset: time.Duration(len(a)+len(b)) * time.Second})
	}
	if want := []time.Duration{0, 2 * time.Second}; !slices.Equal(a, want) {
		t.Errorf("the first hook got %v, want %v", a, want)
	}
	if want := []time.Duration{time.Second, 2 * time.Second}; !slices.Equal(b, want) {
		t.Errorf("the second hook got %v, want %v", b, want)
	}
}

// TestLiveViewTakesTheGeneratorsTicks runs the real generator against a
// loopback server with the view as its interval hook: the figures the
// display shows come from the generator's own Ticks, with the failures
// as a share and the p95 of the successful requests (which take 20ms;
// the failures answer at once).
func TestLiveViewTakesTheGeneratorsTicks(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fail" {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}))
	t.Cleanup(srv.Close)
	sc, err := scenario.Parse(strings.NewReader(`name: live
target: `+srv.URL+`
traffic:
  arrivals: uniform
  phases: [ { name: only, duration: 2s, rate: 40/s } ]
journeys:
  - name: fine
    weight: 3
    steps: [ GET / ]
  - name: broken
    weight: 1
    steps: [ GET /fail ]
`), "live.yaml", scenario.Options{})
	if err != nil {
		t.Fatal(err)
	}
	view := newLiveView(sc, loadgen.Segment{})
	gen := loadgen.New(loadgen.Config{Interval: 250 * time.Millisecond, OnInterval: onIntervals(view.hook(), nil)})
	res, err := gen.Run(t.Context(), sc)
	if err != nil {
		t.Fatal(err)
	}
	s := view.status(gen.Progress())
	if s.Window <= 0 || !s.HasPlannedVisitor || s.Started <= 0 || s.Requests <= 0 {
		t.Fatalf("after the run, the view holds %+v: no closed intervals", s)
	}
	if s.ErrorShare < 0.05 || s.ErrorShare > 0.6 {
		t.Errorf("error rate %v over the last intervals, want about a quarter (the run's: %d of %d)", s.ErrorShare, res.Errors, res.Requests)
	}
	if !s.HasP95 || s.P95 < 20*time.Millisecond {
		t.Errorf("p95 %v (have %v), want the successful requests' 20ms or more", s.P95, s.HasP95)
	}
	t.Log(s.plainLine())
}

// TestLiveViewOfASegment: a segment's view plans its share, as its
// generator's snapshot and Ticks do, so one of two segments looping 4 of
// the scenario's 8 visitors is all it should.
func TestLiveViewOfASegment(t *testing.T) {
	t.Parallel()
	sc, err := scenario.Parse(strings.NewReader(liveScenario), "live.yaml", scenario.Options{})
	if err != nil {
		t.Fatal(err)
	}
	v := newLiveView(sc, loadgen.Segment{Index: 1, Count: 2})
	got := v.status(loadgen.Progress{Elapsed: 27 * time.Second, Total: 30 * time.Second, Phase: "soak", InFlight: 4}).plainLine()
	if want := "[00:27 of 00:30 (90%)] soak · looping visitors 4 of 4 planned (100%)"; got != want {
		t.Errorf("segment 1 of 2:\n got %s\nwant %s", got, want)
	}
}
