package scenario

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const probeHead = "name: t\ntarget: http://127.0.0.1:8080\n"

const probeJourneys = "journeys:\n  - name: browse\n    steps: [ GET / ]\n"

// TestAbortRules reads abort rules as SLO rules are read, scopes
// included, and keeps them apart from the SLO.
func TestAbortRules(t *testing.T) {
	t.Parallel()
	sc, err := parseString(t, probeHead+"traffic:\n  phases:\n    - { duration: 1m, rate: 10/s }\n"+probeJourneys+
		"slo:\n  - p95 < 300ms\nabort:\n  - error_rate > 50% for 30s\n  - browse: p99 > 5s for 1m\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.SLO) != 1 || len(sc.Abort) != 2 {
		t.Fatalf("%d SLO rules and %d abort rules, want 1 and 2", len(sc.SLO), len(sc.Abort))
	}
	a := sc.Abort[1]
	if a.Journey != "browse" || a.Op != Greater || a.Window != time.Minute || a.Latency != 5*time.Second || a.Line != 13 {
		t.Errorf("abort rule %#v, want browse: p99 > 5s for 1m at line 13", a)
	}
	if got := sc.Record().Abort; len(got) != 2 || got[0] != "error_rate > 50% for 30s" {
		t.Errorf("the record keeps abort rules %q", got)
	}
	rules, err := sc.Record().AbortRules()
	if err != nil || len(rules) != 2 || rules[1].Journey != "browse" {
		t.Errorf("the record's abort rules decode to %+v, %v", rules, err)
	}
}

func TestAbortRuleProblems(t *testing.T) {
	t.Parallel()
	const phases = "traffic:\n  phases:\n    - { duration: 1m, rate: 10/s }\n"
	for _, tc := range []struct {
		name, rules string
		want        []string
	}{
		{"no window", "  - error_rate > 50%\n",
			[]string{`launch.yaml:10:5: abort[0]: abort rule "error_rate > 50%" needs a window: how long the condition must last before the run stops (add one, e.g. error_rate > 50% for 30s)`}},
		{"throughput", "  - throughput < 50% for 30s\n",
			[]string{`launch.yaml:10:5: abort[0]: throughput cannot stop a run: a visit counts where it arrived, which only the run's end knows (stop on what the target answers, e.g. error_rate > 50% for 30s)`}},
		{"window below the resolution", "  - p99 > 5s for 500ms\n",
			[]string{`launch.yaml:10:5: abort[0]: the window of "p99 > 5s for 500ms" is shorter than 1s, the resolution at which a run judges it (use a window of 1s or more)`}},
		{"unknown journey", "  - checkout: p99 > 5s for 1m\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := parseString(t, probeHead+phases+probeJourneys+"abort:\n"+tc.rules, nil)
			if err == nil {
				t.Fatal("Parse succeeded, want a problem")
			}
			var got []string
			for _, p := range Problems(err) {
				got = append(got, p.Error())
			}
			if tc.want == nil {
				if len(got) != 1 || !strings.Contains(got[0], "checkout") {
					t.Errorf("problems %q, want one naming the unknown journey", got)
				}
				return
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("problems mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNegate(t *testing.T) {
	for op, want := range map[Op]Op{Less: GreaterEqual, LessEqual: Greater, Greater: LessEqual, GreaterEqual: Less} {
		if got := op.Negate(); got != want {
			t.Errorf("%v.Negate() = %v, want %v", op, got, want)
		}
	}
}

// TestProbeStep checks that a probe step holds the expected peak × the
// factor steadily, in a phase named as the peak's, and keeps the rules
// that phase and the whole run have.
func TestProbeStep(t *testing.T) {
	t.Parallel()
	sc, err := parseString(t, probeHead+`traffic:
  phases:
    - { name: warm, duration: 1m, rate: 5/s }
    - { name: blast, duration: 2m, rate: 10/s, ramp_to: 40/s }
    - { name: tail, duration: 5m, rate: 8/s }
`+probeJourneys+"slo:\n  - p95 < 300ms\n  - phase blast: error_rate < 1%\n  - phase tail: p99 < 1s\nabort:\n  - phase warm: error_rate > 50% for 10s\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	rate, name := sc.PeakPhase()
	if rate != 40 || name != "blast" {
		t.Fatalf("peak %v in %q, want 40/s in blast (at the ramp's end)", rate, name)
	}
	step, err := sc.ProbeStep(2.5, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(step.Plan.Phases) != 1 || step.Plan.Phases[0].Name != "blast" || step.Plan.RateAt(5*time.Second) != 100 || step.Plan.Duration() != 10*time.Second {
		t.Errorf("step plan %+v, want 100/s for 10s in blast", step.Plan.Phases)
	}
	if len(step.SLO) != 2 || len(step.Abort) != 0 {
		t.Errorf("step keeps SLO %v and abort %v, want the run's and blast's SLO rules, no abort rule", step.SLO, step.Abort)
	}
	if len(sc.SLO) != 3 || sc.Plan.Duration() != 8*time.Minute {
		t.Error("ProbeStep changed the scenario it was given")
	}
	closed, err := parseString(t, probeHead+"traffic:\n  phases:\n    - { duration: 1m, concurrency: 5 }\n"+probeJourneys, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := closed.ProbeStep(1, time.Second); err != ErrNoPeak {
		t.Errorf("a closed-model scenario's step: %v, want ErrNoPeak", err)
	}
}

func TestWhatIf(t *testing.T) {
	t.Parallel()
	sc, err := parseString(t, probeHead+`traffic:
  campaign:
    shape: email-blast
    audience: 400000
    response: 5%
    peak_at: 20m
    duration: 3h
`+probeJourneys, nil)
	if err != nil {
		t.Fatal(err)
	}
	peak, _ := sc.PeakPhase()
	for _, tc := range []struct {
		in   string
		want float64
	}{
		{"audience=2M", 5},
		{"audience=800k, response=10%", 4},
		{"visitors=10k", 0.5},
		{"response=2.5%", 0.5},
		{"peak=" + Rate(float64(peak)*3).String(), 3},
	} {
		w, err := ParseWhatIf(tc.in)
		if err != nil {
			t.Errorf("ParseWhatIf(%q): %v", tc.in, err)
			continue
		}
		got, err := sc.WhatIfFactor(w)
		if err != nil || got < tc.want*0.999 || got > tc.want*1.001 {
			t.Errorf("what-if %q: factor %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "audience", "audience=", "size=2M", "audience=2M,audience=3M", "peak=800/s,audience=2M", "visitors=10k,response=5%", "response=120%", "audience=-3"} {
		if _, err := ParseWhatIf(bad); err == nil {
			t.Errorf("ParseWhatIf(%q) succeeded, want an error", bad)
		}
	}
}

func FuzzParseWhatIf(f *testing.F) {
	for _, s := range []string{"audience=2M", "audience=800k, response=10%", "peak=800/s", "visitors=150_000", "x=1", ",", "=", "audience=1e309"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, err := ParseWhatIf(s)
		if err != nil {
			return
		}
		if w.Audience < 0 || w.Visitors < 0 || w.Peak < 0 || w.Response < 0 || w.Response > 1 {
			t.Errorf("ParseWhatIf(%q) = %+v: a negative or impossible number", s, w)
		}
		if w.Audience == 0 && w.Visitors == 0 && w.Peak == 0 && w.Response == 0 {
			t.Errorf("ParseWhatIf(%q) = %+v: accepted without a change", s, w)
		}
	})
}
