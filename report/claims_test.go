package report

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/liftoff/liftoff/loadgen"
)

// These tests check what the first screen claims against what the run
// measured: the peak reached beside the plan, a GO that claims no more
// than it reached, latency that never passes failures for answers, plain
// words before the engineers' terms, and advice a user can follow today.

// TestPeakCardShowsReachedBesidePlan: the INCONCLUSIVE fixture planned
// 300 visitors a second and its generator started about 194; the card
// shows what was reached, with the plan beside it, and is not a plain
// fact.
func TestPeakCardShowsReachedBesidePlan(t *testing.T) {
	t.Parallel()
	doc := fixture(t, "inconclusive")
	c := peakCard(doc, planOf(doc))
	if c.Value != "194/s" || !strings.Contains(c.Detail, "64.6% of the 300/s planned") || c.Tone != "warn" {
		t.Errorf("peak card = %+v, want 194/s reached, 64.6%% of the 300/s planned, tone warn", c)
	}
	r := readinessOf(doc)
	if want := "the test reached only 194 of the planned 300 visitors a second (64.6%)"; !strings.Contains(r.Sentence, want) {
		t.Errorf("headline %q lacks %q", r.Sentence, want)
	}
}

// TestGoHeadlineClaimsOnlyWhatWasReached takes the GO fixture (planned
// 2× the expected peak) and leaves its generator a third short of the
// plan at the peak: the headline names the rate reached, for how long,
// and how it compares, never "2× the expected peak", and the terminal's
// and JUnit's verdict line does not call it ready for the planned traffic.
func TestGoHeadlineClaimsOnlyWhatWasReached(t *testing.T) {
	t.Parallel()
	doc := fixture(t, "go")
	if got, want := goClaim(doc, planOf(doc)), "the site handled 87 visitors a second for 15 seconds, 2× the expected email-blast peak of 43 visitors a second"; got != want {
		t.Errorf("goClaim = %q, want %q", got, want)
	}
	if got, want := verdictLine(doc), "GO: the target is ready for the planned traffic."; got != want {
		t.Errorf("verdict line = %q, want %q", got, want)
	}
	for i := range doc.Results.Timeline {
		doc.Results.Timeline[i].Arrivals = doc.Results.Timeline[i].Arrivals * 2 / 3
	}
	got := goClaim(doc, planOf(doc))
	want := "the site handled 58 visitors a second for 15 seconds, 1.3× the expected email-blast peak of 43 visitors a second (67.1% of the 86 visitors a second the test planned)"
	if got != want {
		t.Errorf("goClaim with a third of the peak missing = %q, want %q", got, want)
	}
	got = verdictLine(doc)
	want = "GO for the traffic it reached: the test reached only 58 of the planned 86 visitors a second (67.1%), so the planned peak itself is untested."
	if got != want {
		t.Errorf("verdict line with a third of the peak missing = %q, want %q", got, want)
	}
}

// TestLatencyCardIsNeverGreenWithFailures: latency describes the
// requests that succeeded, so when some failed the card says how many
// and is not green, even though every latency goal held.
func TestLatencyCardIsNeverGreenWithFailures(t *testing.T) {
	t.Parallel()
	doc := fixture(t, "go")
	if c := latencyCard(doc.Results, doc.Judgement); c.Tone != "good" || strings.Contains(c.Detail, "failed") {
		t.Fatalf("without failures, latency card = %+v, want good and no failures", c)
	}
	doc.Results.Errors = doc.Results.Requests / 5 // 20% failed; the latency goals still held
	c := latencyCard(doc.Results, doc.Judgement)
	if c.Tone == "good" || !strings.Contains(c.Detail, "successful") && !strings.Contains(c.Detail, "succeeded") || !strings.Contains(c.Detail, "20% of requests failed") {
		t.Errorf("with 20%% failed, latency card = %+v, want a tone other than good, and the failures said", c)
	}
	if s := outcomeSentence(doc.Results); !strings.Contains(s, "95% of successful requests were answered within") || !strings.Contains(s, "20% of requests failed") {
		t.Errorf("outcome sentence %q does not say latency is of successful requests and that 20%% failed", s)
	}
}

// TestShadeCoversTheWholeFailingStretch: the NO-GO fixture's p95 broke
// its limit from 8s to the end, not only in its worst second (9s) and
// worst window (9s–12s).
func TestShadeCoversTheWholeFailingStretch(t *testing.T) {
	t.Parallel()
	doc := fixture(t, "nogo")
	c := latencyChart(doc)
	shaded := 0.0
	for _, s := range c.Shade {
		shaded += s.To - s.From
	}
	if len(c.Shade) != 1 || c.Shade[0].From > 8 || c.Shade[0].To < 14 {
		t.Errorf("latency chart shades %v (%.1fs), want one stretch from 8s to the end", c.Shade, shaded)
	}
	if e := errorChart(doc); len(e.Shade) == 0 || e.Shade[0].From > 8 || e.Shade[len(e.Shade)-1].To < 14 {
		t.Errorf("error chart shades %v, want 8s to the end", e.Shade)
	}
}

// TestColumnsUseTheTimeTheyCovered: the run's last interval ends with the
// run; its rate is over what it covered, and a sliver joins the column
// before it.
func TestColumnsUseTheTimeTheyCovered(t *testing.T) {
	t.Parallel()
	sec := time.Second
	timeline := func(n int) []loadgen.Interval {
		out := make([]loadgen.Interval, n)
		for i := range out {
			out[i] = loadgen.Interval{Offset: time.Duration(i) * sec, Requests: 100}
		}
		out[n-1].Requests = 50 // the last, partial second
		return out
	}
	tests := []struct {
		name    string
		elapsed time.Duration
		end     time.Duration
		widths  []time.Duration
		rates   []float64
	}{
		{"half a second last", 2500 * time.Millisecond, 2500 * time.Millisecond, []time.Duration{sec, sec, sec / 2}, []float64{100, 100, 100}},
		{"a sliver joins the column before", 2200 * time.Millisecond, 2200 * time.Millisecond, []time.Duration{sec, 1200 * time.Millisecond}, []float64{100, 150 / 1.2}},
		{"cut where arrivals stopped", 2500 * time.Millisecond, 2 * sec, []time.Duration{sec, sec}, []float64{100, 100}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := &loadgen.Results{Interval: sec, Elapsed: tc.elapsed, Timeline: timeline(3)}
			cols := columns(res, tc.end)
			var widths []time.Duration
			for _, c := range cols {
				widths = append(widths, c.Width)
			}
			rates := perSecond(res, cols, func(iv *loadgen.Interval) int64 { return iv.Requests })
			if len(widths) != len(tc.widths) || len(rates) != len(tc.rates) {
				t.Fatalf("columns: widths %v rates %v, want %v and %v", widths, rates, tc.widths, tc.rates)
			}
			for i := range widths {
				if widths[i] != tc.widths[i] || rates[i] < tc.rates[i]-0.01 || rates[i] > tc.rates[i]+0.01 {
					t.Errorf("column %d: width %v rate %.2f, want %v and %.2f", i, widths[i], rates[i], tc.widths[i], tc.rates[i])
				}
			}
		})
	}
}

// TestChartsDoNotDropAtTheEnd: the NO-GO fixture's last interval holds
// 0.47s of answers; drawn as a whole second it fell from about 200/s to
// 77/s, which read as a crash.
func TestChartsDoNotDropAtTheEnd(t *testing.T) {
	t.Parallel()
	doc := fixture(t, "nogo")
	answered := requestChart(doc).Lines[1]
	if answered.Name != "answered" {
		t.Fatalf("request chart's second line is %q, want answered", answered.Name)
	}
	n := len(answered.Y)
	before := (answered.Y[n-2] + answered.Y[n-3] + answered.Y[n-4]) / 3
	if last := answered.Y[n-1]; last < 0.7*before {
		t.Errorf("answered per second ends at %.0f/s after %.0f/s: the last, partial interval is drawn as a drop", last, before)
	}
	started := visitorChart(doc).Lines[1]
	if last := started.Y[len(started.Y)-1]; last < 80 {
		t.Errorf("visitors started per second ends at %.0f/s, want the last planned second's 83/s", last)
	}
}

// jargon are the scenario's keys and the engineers' terms, which the
// first screen of the HTML report keeps for the sections below it.
var jargon = regexp.MustCompile(`load_factor|max_concurrency|SLO|p\d\d|throughput|error_rate|--[a-z]`)

// TestFirstScreenSpeaksPlainly renders every fixture and reads the first
// screen: the headline, the key numbers and what to do next.
func TestFirstScreenSpeaksPlainly(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"go", "nogo", "inconclusive"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			page := string(render(t, WriteHTML, fixture(t, name)))
			start := strings.Index(page, "<header")
			end := strings.Index(page, `<section class="traffic"`)
			if start < 0 || end < start {
				t.Fatal("page has no header or traffic section")
			}
			first := regexp.MustCompile(`<[^>]*>`).ReplaceAllString(page[start:end], " ")
			first = strings.ReplaceAll(first, "Launch readiness test", "") // the page's own name
			if m := jargon.FindAllString(first, -1); len(m) > 0 {
				t.Errorf("first screen uses %q:\n%s", m, strings.Join(strings.Fields(first), " "))
			}
			if strings.Contains(page, "more machines") || strings.Contains(page, "more generators") {
				t.Error("the page advises more machines without saying how")
			}
		})
	}
}

// vague is advice that does not say how: more machines, with no command.
var vague = regexp.MustCompile(`more generators|more machines`)

// TestAdviceIsDoableToday: a generator that cannot send the load is told
// what it can do today, in the reasons (engineers) and on the first
// screen (everyone): raise the limit it hit, or a bigger machine, or the
// test split into segments, with the commands and the README section
// that shows how, which must exist; no output advises more machines
// without saying how.
func TestAdviceIsDoableToday(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "\n## "+adviceSection+"\n") || !strings.Contains(string(readme), "--segment $INDEX/$N") {
		t.Fatalf("the advice points to the README's %q, which does not show the segments", adviceSection)
	}
	doc := fixture(t, "inconclusive") // max_concurrency reached
	if reasons := strings.Join(doc.Judgement.Reasons, " "); !strings.Contains(reasons, "Raise max_concurrency") {
		t.Errorf("reasons %q do not name the setting to raise", reasons)
	}
	if next := strings.Join(readinessOf(doc).Next, " "); !strings.Contains(next, "Allow more visitors at once") {
		t.Errorf("next steps %q do not say what to allow", next)
	}
	behind := fixture(t, "inconclusive")
	h := &behind.Judgement.Health
	h.Late, h.LateShare, h.LagP99 = 600, 0.3, 400*time.Millisecond
	h.Limits = append(h.Limits, SignalLag, SignalCPU)
	if !h.FellBehind() {
		t.Fatal("the changed fixture's generator did not fall behind")
	}
	if next := strings.Join(readinessOf(behind).Next, " "); !strings.Contains(next, "more powerful computer") || !strings.Contains(next, `"`+adviceSection+`"`) {
		t.Errorf("next steps for a generator that fell behind %q do not say what to run it on, or point to the README's section", next)
	}
	if !strings.Contains(machineAdvice, "liftoff run --segment I/N") || !strings.Contains(machineAdvice, "liftoff merge") {
		t.Errorf("advice %q does not name the commands", machineAdvice)
	}
	for _, name := range []string{"go", "nogo", "inconclusive"} {
		for _, r := range renderers {
			if m := vague.FindAllString(string(render(t, r.write, fixture(t, name))), -1); len(m) > 0 {
				t.Errorf("%s of %s advises %q without saying how", r.name, name, m)
			}
		}
	}
}

// TestPlannedArrivalsReadAsExpected: Poisson arrivals scatter around the
// plan's expected count, so the generator's line does not set "planned"
// against "started" as if the difference were visitors lost.
func TestPlannedArrivalsReadAsExpected(t *testing.T) {
	t.Parallel()
	doc := fixture(t, "go") // Poisson arrivals
	line := generatorLine(doc)
	if want := "arrivals 1,312 started, 0 missed (random arrivals: the plan expected about 1,291, and a run scatters around that)"; !strings.HasPrefix(line, want) {
		t.Errorf("generator line = %q, want it to start %q", line, want)
	}
	doc = fixture(t, "inconclusive") // uniform arrivals
	if line, want := generatorLine(doc), "arrivals 1,162 started, 638 missed, of 1,800 planned"; !strings.HasPrefix(line, want) {
		t.Errorf("generator line = %q, want it to start %q", line, want)
	}
}
