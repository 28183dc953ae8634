package report

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/liftoff/liftoff/loadgen"
	"github.com/liftoff/liftoff/scenario"
)

// runOverridden runs a scenario parsed with the command line's overrides
// against target, and returns its document as a results file read back
// gives it.
func runOverridden(t *testing.T, yaml, target string, over scenario.Overrides) Document {
	t.Helper()
	sc, err := scenario.Parse(strings.NewReader(yaml), "scenario.yaml", scenario.Options{Overrides: over})
	if err != nil {
		t.Fatalf("scenario: %v", err)
	}
	sc.Target.URL = target
	res, err := loadgen.New(loadgen.Config{}).Run(t.Context(), sc)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	res.Version = "v0.0.0-test"
	doc, err := NewDocument(res)
	if err != nil {
		t.Fatal(err)
	}
	reread, err := ReadJSON(bytes.NewReader(render(t, WriteJSON, doc)))
	if err != nil {
		t.Fatal(err)
	}
	return reread
}

// failingPaths answers 500 to paths under /fail and 200 to the rest.
func failingPaths(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/fail") {
			w.WriteHeader(http.StatusInternalServerError)
		}
		fmt.Fprint(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

const smokeScenario = `name: Smoke
target: https://shop.example.com
traffic:
  phases: [ { name: peak, duration: 10m, rate: 500/s } ]
journeys:
  - name: browse
    steps: [ GET /, GET /products/1 ]
  - name: checkout
    steps: [ PATH ]
slo:
  - p95 < 1ms
  - throughput >= 100%
  - phase peak: error_rate < 1%
`

// TestSmokeVerdict runs smoke tests for real: the rules (a 1ms p95 no
// loopback request meets) are not judged, and the verdict says whether
// each journey worked.
func TestSmokeVerdict(t *testing.T) {
	t.Parallel()
	target := failingPaths(t)
	tests := []struct {
		name, step string
		want       Verdict
		reasons    []string
		junit      []string
	}{
		{"works", "POST /api/cart", Go,
			[]string{"Smoke test: each of the 2 journeys ran once, and every step passed its checks.", "SLO rules are not judged in a smoke test: it sends one visitor per journey and no load."},
			[]string{`<testcase name="journey checkout works" classname="liftoff.smoke" time="0">`, `failures="0"`}},
		{"fails", "POST /fail/cart", NoGo,
			[]string{"Journey checkout failed at step POST /fail/cart.", "Errors: 1 5xx (the target answered with a 5xx status).", "SLO rules are not judged in a smoke test: it sends one visitor per journey and no load."},
			[]string{`<failure message="journey checkout failed at step POST /fail/cart" type="smoke">`, `failures="1"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			doc := runOverridden(t, strings.Replace(smokeScenario, "PATH", tc.step, 1), target, scenario.Overrides{Smoke: true})
			j := doc.Judgement
			if j.Verdict != tc.want || len(j.Findings) != 0 {
				t.Fatalf("verdict %s with %d findings, want %s and none: %q", j.Verdict, len(j.Findings), tc.want, j.Reasons)
			}
			if strings.Join(j.Reasons, "\n") != strings.Join(tc.reasons, "\n") {
				t.Errorf("reasons:\n%s\nwant:\n%s", strings.Join(j.Reasons, "\n"), strings.Join(tc.reasons, "\n"))
			}
			junit := string(render(t, WriteJUnit, doc))
			for _, want := range tc.junit {
				if !strings.Contains(junit, want) {
					t.Errorf("JUnit lacks %q:\n%s", want, junit)
				}
			}
			for _, r := range renderers {
				out := string(render(t, r.write, doc))
				if !strings.Contains(out, "--smoke") && !strings.Contains(out, `"smoke": true`) {
					t.Errorf("%s does not show --smoke", r.name)
				}
				if strings.Contains(out, "Ready") || strings.Contains(out, "ready for") {
					t.Errorf("%s calls a smoke test's site ready:\n%s", r.name, out)
				}
			}
			terminal := string(render(t, WriteTerminal, doc))
			if !strings.Contains(terminal, "smoke test of 2 journeys: one visitor per journey, no load") {
				t.Errorf("terminal headline:\n%s", terminal)
			}
		})
	}
}

// TestSmokeJudgement covers the verdicts a smoke test gives when not
// every journey got through, on results built by hand.
func TestSmokeJudgement(t *testing.T) {
	t.Parallel()
	smoke := scenario.Record{Name: "s", Overrides: &scenario.OverrideRecord{Smoke: true}}
	withClasses := func(c loadgen.ErrorClass, n int64) loadgen.ClassCounts {
		var cc loadgen.ClassCounts
		cc[c] = n
		return cc
	}
	tests := []struct {
		name string
		res  loadgen.Results
		want Verdict
		last string // the reason before the rules' note
	}{
		{"every failure a template", loadgen.Results{Scenario: smoke, Errors: 1, Classes: withClasses(loadgen.ClassTemplate, 1),
			Journeys: []loadgen.JourneyResult{{Name: "a", Visits: 1, Failed: 1}}},
			Inconclusive, "Each failure was a template that could not be rendered, so nothing was sent: the scenario failed, not the target."},
		{"a journey that never ended", loadgen.Results{Scenario: smoke, Interrupted: true,
			Journeys: []loadgen.JourneyResult{{Name: "a", Visits: 1}, {Name: "b"}}},
			Inconclusive, "The smoke test was interrupted."},
		{"a unique data file without rows", loadgen.Results{Scenario: smoke, Arrivals: loadgen.ArrivalCounts{Missed: 1, Exhausted: 1},
			Journeys: []loadgen.JourneyResult{{Name: "a"}}},
			Inconclusive, "1 of the journeys found no row left in their unique data file."},
		{"a timeout is the target's", loadgen.Results{Scenario: smoke, Errors: 1, Classes: withClasses(loadgen.ClassTimeout, 1),
			Journeys: []loadgen.JourneyResult{{Name: "a", Visits: 1, Failed: 1}}},
			NoGo, "Errors: 1 timeout (no complete answer within the request timeout)."},
		{"the generator's own failure is not the target's", loadgen.Results{Scenario: smoke, Errors: 1, Classes: withClasses(loadgen.ClassGenerator, 1),
			Journeys: []loadgen.JourneyResult{{Name: "a", Visits: 1, Failed: 1}}},
			Inconclusive, "Each failure was the generator's own, so none reached the target: 1 generator (" + loadgen.ClassGenerator.Description() + ")."},
		{"a request cut off is no error", loadgen.Results{Scenario: smoke, Errors: 1,
			Classes:  loadgen.ClassCounts{loadgen.ClassTimeout: 1, loadgen.ClassCutOff: 1},
			Journeys: []loadgen.JourneyResult{{Name: "a", Visits: 1, Failed: 1}}},
			NoGo, "Errors: 1 timeout (no complete answer within the request timeout)."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := tc.res
			res.Elapsed = time.Second
			doc, err := NewDocument(&res)
			if err != nil {
				t.Fatal(err)
			}
			j := doc.Judgement
			if j.Verdict != tc.want {
				t.Fatalf("verdict %s, want %s: %q", j.Verdict, tc.want, j.Reasons)
			}
			if got := j.Reasons[len(j.Reasons)-2]; got != tc.last {
				t.Errorf("reason %q, want %q", got, tc.last)
			}
		})
	}
}

// TestOverridesInEveryOutput checks that every output of a run given
// overrides names them, and that none shows a -e value.
func TestOverridesInEveryOutput(t *testing.T) {
	t.Parallel()
	yaml := `name: Overridden
target: https://prod.example.com
defaults:
  headers: { X-Api-Key: "${API_KEY}" }
traffic:
  arrivals: uniform
  phases: [ { duration: 1s, rate: 10/s } ]
journeys:
  - name: browse
    steps: [ GET / ]
slo:
  - error_rate < 1%
`
	doc := runOverridden(t, yaml, failingPaths(t), scenario.Overrides{
		Target:     "https://staging.example.com",
		Vars:       map[string]string{"API_KEY": "key-from-the-command-line"},
		LoadFactor: "2x",
		Duration:   "500ms",
	})
	const want = "--target https://staging.example.com -e API_KEY=[redacted] --load-factor 2x --duration 500ms"
	for _, r := range renderers {
		out := string(render(t, r.write, doc))
		if strings.Contains(out, "key-from-the-command-line") {
			t.Errorf("%s shows the -e value", r.name)
		}
		shown := want
		switch r.name {
		case "markdown":
			shown = mdText(want)
		case "json":
			if !strings.Contains(out, `"overrides": {`) || !strings.Contains(out, `"vars": [`) {
				t.Errorf("the results file does not record the overrides:\n%s", out)
			}
			continue
		}
		if !strings.Contains(out, shown) {
			t.Errorf("%s does not show the overrides %q:\n%s", r.name, shown, out)
		}
	}
	if html := string(render(t, WriteHTML, doc)); !strings.Contains(html, "The test was cut short at 0.5 seconds (--duration).") {
		t.Errorf("the HTML report does not say the test was cut short")
	}
	if got := Summarize(doc).Arrivals.Planned; got != 10 {
		t.Errorf("planned arrivals %d, want 10: 2x of 10/s for the 500ms the cap leaves", got)
	}
}
