package scenario

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// phasesScenario is three phases, 1m, 2m and 30s, with rules on two of
// them; its target comes from the environment.
const phasesScenario = `name: Overridden
target: ${TARGET}
defaults:
  headers: { Authorization: "Bearer ${SHOP_TOKEN}" }
traffic:
  seed: 3
  phases:
    - { name: warm, duration: 1m, rate: 10/s }
    - { name: ramp, duration: 2m, rate: 10/s, ramp_to: 40/s }
    - { name: soak, duration: 30s, rate: 40/s }
journeys:
  - name: browse
    steps: [ GET / ]
slo:
  - p95 < 300ms
  - phase ramp: error_rate < 1%
  - phase soak: p99 < 1s
`

func parseOverridden(src string, env map[string]string, o Overrides) (*Scenario, error) {
	return Parse(strings.NewReader(src), "launch.yaml", Options{Overrides: o, Getenv: func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}})
}

var baseEnv = map[string]string{"TARGET": "https://prod.example.com", "SHOP_TOKEN": "prod-token-1234"}

func TestOverridesChangeTheScenario(t *testing.T) {
	t.Parallel()
	seven := uint64(7)
	tests := []struct {
		name  string
		src   string // phasesScenario when empty
		env   map[string]string
		over  Overrides
		check func(t *testing.T, sc *Scenario)
		flags []string
	}{
		{
			name: "target replaces the file's, whose variable may then be unset",
			env:  map[string]string{"SHOP_TOKEN": "prod-token-1234"},
			over: Overrides{Target: "https://user:pw@staging.example.com/"},
			check: func(t *testing.T, sc *Scenario) {
				// Its user:password is taken out of the URL, as from the file's
				// target: sent as Basic credentials, never shown.
				if sc.Target.URL != "https://staging.example.com" || sc.Target.Line != 0 {
					t.Errorf("target = %+v", sc.Target)
				}
				if h := sc.Defaults.Headers; len(h) == 0 || h[len(h)-1].Name != "Authorization" || !h[len(h)-1].Secret {
					t.Errorf("headers %+v, want the URL's credentials as a secret Authorization header", h)
				}
			},
			flags: []string{"--target https://staging.example.com"},
		},
		{
			name: "a sim target too",
			over: Overrides{Target: "sim:shop?capacity=50"},
			check: func(t *testing.T, sc *Scenario) {
				if sc.Target.Sim != "sim:shop?capacity=50" {
					t.Errorf("target = %+v", sc.Target)
				}
			},
			flags: []string{"--target sim:shop?capacity=50"},
		},
		{
			name: "-e wins over the environment, and its value is a secret",
			over: Overrides{Vars: map[string]string{"SHOP_TOKEN": "staging-token-5678", "TARGET": "https://staging.example.com"}},
			check: func(t *testing.T, sc *Scenario) {
				if got := sc.Defaults.Headers[0].Value; got != "Bearer staging-token-5678" {
					t.Errorf("header = %q", got)
				}
				if sc.Target.URL != "https://staging.example.com" {
					t.Errorf("target = %q", sc.Target.URL)
				}
				if got := sc.Redact("staging-token-5678"); got != "[redacted]" {
					t.Errorf("the -e value is not redacted: %q", got)
				}
			},
			flags: []string{"-e SHOP_TOKEN=[redacted]", "-e TARGET=[redacted]"},
		},
		{
			name: "load factor scales every rate",
			over: Overrides{LoadFactor: "3x"},
			check: func(t *testing.T, sc *Scenario) {
				if r, _ := sc.Plan.Peak(); r != 120 {
					t.Errorf("peak = %v, want 120/s", r)
				}
				if sc.Traffic.LoadFactor != 3 {
					t.Errorf("load factor = %v", sc.Traffic.LoadFactor)
				}
			},
			flags: []string{"--load-factor 3x"},
		},
		{
			name: "window picks the busiest stretch",
			over: Overrides{Window: "peak 1m"},
			check: func(t *testing.T, sc *Scenario) {
				if sc.Plan.Duration() != time.Minute || sc.Plan.Phases[0].Name != "ramp" {
					t.Errorf("plan = %+v", sc.Plan.Phases)
				}
			},
			flags: []string{`--window "peak 1m"`},
		},
		{
			name: "duration cuts the plan and clips the phase it falls in",
			src:  strings.Replace(phasesScenario, "  - phase soak: p99 < 1s\n", "", 1),
			over: Overrides{Duration: "2m"},
			check: func(t *testing.T, sc *Scenario) {
				want := []Phase{
					{Name: "warm", Duration: time.Minute, Rate: 10, RampTo: 10, Line: 8},
					{Name: "ramp", Start: time.Minute, Duration: time.Minute, Rate: 10, RampTo: 25, Line: 9},
				}
				if diff := cmp.Diff(want, sc.Plan.Phases); diff != "" {
					t.Errorf("phases (-want +got):\n%s", diff)
				}
				if sc.Expected.Duration() != 210*time.Second {
					t.Errorf("expected = %v, want the whole 3m30s", sc.Expected.Duration())
				}
			},
			flags: []string{"--duration 2m"},
		},
		{
			name: "duration past the plan's end changes nothing",
			over: Overrides{Duration: "1h"},
			check: func(t *testing.T, sc *Scenario) {
				if sc.Plan.Duration() != 210*time.Second {
					t.Errorf("plan = %v", sc.Plan.Duration())
				}
			},
			flags: []string{"--duration 1h"},
		},
		{
			name: "seed",
			over: Overrides{Seed: &seven},
			check: func(t *testing.T, sc *Scenario) {
				if sc.Traffic.Seed != 7 {
					t.Errorf("seed = %d", sc.Traffic.Seed)
				}
			},
			flags: []string{"--seed 7"},
		},
		{
			name: "smoke plans no traffic and keeps the rules",
			over: Overrides{Smoke: true},
			check: func(t *testing.T, sc *Scenario) {
				if !sc.Smoke || len(sc.Plan.Phases) != 0 || len(sc.Plan.Curve) != 0 {
					t.Errorf("smoke = %v, plan = %+v", sc.Smoke, sc.Plan)
				}
				if len(sc.SLO) != 3 {
					t.Errorf("rules = %d, want 3", len(sc.SLO))
				}
				if rec := sc.Record(); len(rec.Expected) != 0 || !rec.IsSmoke() {
					t.Errorf("record: expected %d points, smoke %v", len(rec.Expected), rec.IsSmoke())
				}
			},
			flags: []string{"--smoke"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := tc.env
			if env == nil {
				env = baseEnv
			}
			src := tc.src
			if src == "" {
				src = phasesScenario
			}
			sc, err := parseOverridden(src, env, tc.over)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			tc.check(t, sc)
			rec := sc.Record()
			if diff := cmp.Diff(tc.flags, rec.Overrides.Flags()); diff != "" {
				t.Errorf("flags (-want +got):\n%s", diff)
			}
			file, err := json.Marshal(rec)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range tc.over.Vars {
				if strings.Contains(string(file), v) {
					t.Errorf("the record holds a -e value: %s", file)
				}
			}
		})
	}
}

func TestNoOverridesNoRecord(t *testing.T) {
	t.Parallel()
	sc, err := parseOverridden(phasesScenario, baseEnv, Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	if sc.Overrides != nil || sc.Record().Overrides != nil || sc.Record().Expected != nil {
		t.Errorf("overrides = %+v", sc.Overrides)
	}
}

// TestOverrideProblemsNameTheFlag checks that a bad value given on the
// command line is told against its flag, through the same checks as the
// key it replaces.
func TestOverrideProblemsNameTheFlag(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		over Overrides
		want []string
	}{
		{"target not a URL", Overrides{Target: "staging.example.com"},
			[]string{`launch.yaml: --target: "staging.example.com" is not an http or https URL (e.g. https://shop.example.com, or sim:shop for the built-in simulated shop)`}},
		{"load factor", Overrides{LoadFactor: "2"},
			[]string{`launch.yaml: --load-factor: load factor "2" has no x (write 2x)`}},
		{"window syntax", Overrides{Window: "busiest 1m"},
			[]string{`launch.yaml: --window: unknown window "busiest 1m" (write full, peak DURATION (e.g. peak 15m) or compressed DURATION (e.g. compressed 10m))`}},
		{"window too long", Overrides{Window: "peak 1h"},
			[]string{`launch.yaml: --window: window peak 1h is longer than the traffic's 3m30s (use full, or a window of at most 3m30s)`}},
		{"duration syntax", Overrides{Duration: "90"},
			[]string{`launch.yaml: --duration: duration "90" has no unit (write 90s, 90m or 90h)`}},
		{"duration zero", Overrides{Duration: "0s"},
			[]string{`launch.yaml: --duration: must be longer than zero (e.g. --duration 2m)`}},
		{"duration cuts a ruled phase away", Overrides{Duration: "2m30s"},
			[]string{`launch.yaml:17:5: slo[2]: phase "soak" starts at 3m, after --duration 2m30s ends the test, so this rule could not be judged (give --duration past 3m, or run without it)`}},
		{"smoke with load", Overrides{Smoke: true, LoadFactor: "2x"},
			[]string{`launch.yaml: --smoke: a smoke test sends no load, so --load-factor, --window and --duration do not apply to it (drop them, or drop --smoke for the load test)`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := parseOverridden(phasesScenario, baseEnv, tc.over)
			var got []string
			for _, p := range Problems(err) {
				got = append(got, p.Error())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTargetOverrideNeedsNoTargetKey(t *testing.T) {
	t.Parallel()
	src := strings.Replace(phasesScenario, "target: ${TARGET}\n", "", 1)
	if _, err := parseOverridden(src, baseEnv, Overrides{}); err == nil || !strings.Contains(err.Error(), `missing "target"`) {
		t.Fatalf("without --target: %v", err)
	}
	sc, err := parseOverridden(src, baseEnv, Overrides{Target: "http://127.0.0.1:8080"})
	if err != nil {
		t.Fatal(err)
	}
	if sc.TargetName() != "http://127.0.0.1:8080" {
		t.Errorf("target = %q", sc.TargetName())
	}
}

func TestUnusedVarIsAWarning(t *testing.T) {
	t.Parallel()
	sc, err := parseOverridden(phasesScenario, baseEnv, Overrides{Vars: map[string]string{"SHOP_TOKN": "x", "SHOP_TOKEN": "y-token"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range sc.Warnings {
		got = append(got, w.Error())
	}
	want := []string{"launch.yaml: -e: SHOP_TOKN is set, and the scenario uses no ${SHOP_TOKN} (check the name against the scenario's ${…} references)"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

// TestCappedCampaignRecordsBothPlans checks that a campaign cut short
// records the expected traffic beside the tested, so reports show what
// the cap left out.
func TestCappedCampaignRecordsBothPlans(t *testing.T) {
	t.Parallel()
	src := `name: Capped
target: https://shop.example.com
traffic:
  campaign: { shape: email-blast, audience: 100000, response: 5%, peak_at: 20m, duration: 3h }
  window: compressed 30m
journeys: [ { name: browse, steps: [ GET / ] } ]
`
	sc, err := parseOverridden(src, nil, Overrides{Duration: "10m"})
	if err != nil {
		t.Fatal(err)
	}
	rec := sc.Record()
	tested, expected := rec.Plans()
	if tested.Duration() != 10*time.Minute || expected.Duration() != 3*time.Hour {
		t.Errorf("tested %v, expected %v", tested.Duration(), expected.Duration())
	}
	if rec.Window != "compressed 30m" || rec.Overrides.DurationS != 600 {
		t.Errorf("window %q, cap %v", rec.Window, rec.Overrides.DurationS)
	}
}

// FuzzOverrides feeds the override flags any text: Parse never panics,
// and each problem is told against a flag, or at the rule a cap left
// without its phase.
func FuzzOverrides(f *testing.F) {
	f.Add("https://staging.example.com", "2x", "peak 1m", "90s", false)
	f.Add("sim:shop", "0.5x", "compressed 10s", "", true)
	f.Add("ftp://x", "-1x", "full 3m", "-5s", false)
	f.Add("", "1e309x", "peak 9999999h", "1ns", false)
	f.Fuzz(func(t *testing.T, target, lf, window, duration string, smoke bool) {
		sc, err := parseOverridden(phasesScenario, baseEnv, Overrides{Target: target, LoadFactor: lf, Window: window, Duration: duration, Smoke: smoke})
		for _, p := range Problems(err) {
			if !strings.HasPrefix(p.Path, "-") && !strings.HasPrefix(p.Path, "slo[") {
				t.Errorf("a problem not told against a flag: %v", p)
			}
		}
		if err == nil && !smoke && sc.Plan.Duration() <= 0 {
			t.Errorf("no error, and a plan of %v", sc.Plan.Duration())
		}
	})
}
