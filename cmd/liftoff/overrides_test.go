package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// counter is a loopback target that keeps what it received: each
// request's line and its Authorization header.
type counter struct {
	url  string
	mu   sync.Mutex
	seen []string
	auth map[string]int
}

func newCounter(t *testing.T) *counter {
	t.Helper()
	c := &counter{auth: map[string]int{}}
	c.url = server(t, func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.seen = append(c.seen, r.Method+" "+r.URL.Path)
		c.auth[r.Header.Get("Authorization")]++
		c.mu.Unlock()
		if strings.HasPrefix(r.URL.Path, "/fail") {
			w.WriteHeader(http.StatusInternalServerError)
		}
		fmt.Fprint(w, "ok")
	})
	return c
}

func (c *counter) received() (lines []string, auth map[string]int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for k, v := range c.auth {
		out[k] = v
	}
	return append([]string(nil), c.seen...), out
}

// overridable is a scenario for production whose token comes from the
// environment: 20 uniform arrivals a second for three seconds, two
// requests each, and a phase the cap can cut.
const overridable = `name: Spring launch
target: ${TARGET}
defaults:
  headers: { Authorization: "Bearer ${TOKEN}" }
traffic:
  arrivals: uniform
  phases:
    - { name: first, duration: 1s, rate: 20/s }
    - { name: second, duration: 2s, rate: 20/s }
journeys:
  - name: browse
    weight: 9
    steps: [ { request: GET /, think: 10s }, GET /products/1 ]
  - name: buy
    steps: [ POST /api/cart, GET /api/cart ]
slo:
  - error_rate < 1%
`

// TestOverridesChangeWhatIsSent runs one scenario as production, then
// with --target, -e and --load-factor pointing it at staging, then as a
// smoke test, and checks what each loopback target received.
func TestOverridesChangeWhatIsSent(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "launch.yaml")
	if err := os.WriteFile(file, []byte(strings.ReplaceAll(overridable, "think: 10s", "think: 0s")), 0o644); err != nil {
		t.Fatal(err)
	}
	const prodToken, stagingToken = "prod-token-1111", "staging-token-2222"
	tests := []struct {
		name    string
		args    []string
		prod    int // requests production receives
		staging int
		token   string
		smoke   bool
		shown   []string // what every output but the results file shows
		record  []string // the keys of the results file's overrides
	}{
		{"as written", nil, 3 * 20 * 2, 0, prodToken, false,
			[]string{"--seed 5"}, []string{"seed"}},
		{"duration caps it", []string{"--duration", "1s"}, 20 * 2, 0, prodToken, false,
			[]string{"--duration 1s"}, []string{"duration_s", "seed"}},
		{"target, -e and load factor", []string{"--target", "STAGING", "-e", "TOKEN=" + stagingToken, "--load-factor", "2x"}, 0, 2 * 3 * 20 * 2, stagingToken, false,
			[]string{"--target http://127.0.0.1:", "-e TOKEN=", "--load-factor 2x"}, []string{"load_factor", "seed", "target", "vars"}},
		{"smoke", []string{"--smoke", "--target", "STAGING", "-e", "TOKEN=" + stagingToken}, 0, 4, stagingToken, true,
			[]string{"--smoke", "--target http://127.0.0.1:", "-e TOKEN="}, []string{"seed", "smoke", "target", "vars"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			prod, staging := newCounter(t), newCounter(t)
			dir := t.TempDir()
			args := []string{"run", file, "--progress", "none", "--seed", "5",
				"--json", filepath.Join(dir, "r.json"), "--junit", filepath.Join(dir, "r.xml"),
				"--markdown", filepath.Join(dir, "r.md"), "--html", filepath.Join(dir, "r.html")}
			for _, a := range tc.args {
				args = append(args, strings.ReplaceAll(a, "STAGING", staging.url))
			}
			tio := newTestIO(map[string]string{"TARGET": prod.url, "TOKEN": prodToken})
			// What was sent is the point here, not the verdict: on a busy
			// machine the generator may fall behind (INCONCLUSIVE).
			if code := tio.liftoff(t.Context(), args...); code != exitGo && code != exitInconclusive {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, tio.out, tio.err)
			}
			prodLines, prodAuth := prod.received()
			stagingLines, stagingAuth := staging.received()
			if len(prodLines) != tc.prod || len(stagingLines) != tc.staging {
				t.Errorf("production received %d requests, staging %d; want %d and %d", len(prodLines), len(stagingLines), tc.prod, tc.staging)
			}
			for _, auth := range []map[string]int{prodAuth, stagingAuth} {
				for got, n := range auth {
					if got != "Bearer "+tc.token {
						t.Errorf("%d requests sent Authorization %q, want the %s", n, got, tc.token)
					}
				}
			}
			if tc.smoke {
				if want := "GET /,GET /api/cart,GET /products/1,POST /api/cart"; strings.Join(sorted(stagingLines), ",") != want {
					t.Errorf("the smoke test sent %q, want %s", stagingLines, want)
				}
			}
			outputs := map[string]string{"stdout": tio.out.String(), "stderr": tio.err.String()}
			for _, f := range []string{"r.json", "r.xml", "r.md", "r.html"} {
				data, err := os.ReadFile(filepath.Join(dir, f))
				if err != nil {
					t.Fatal(err)
				}
				outputs[f] = string(data)
			}
			for name, out := range outputs {
				if strings.Contains(out, prodToken) || strings.Contains(out, stagingToken) {
					t.Errorf("%s shows a token", name)
				}
				for _, want := range tc.shown {
					if name != "r.json" && !strings.Contains(out, want) {
						t.Errorf("%s does not show %s:\n%s", name, want, out)
					}
				}
			}
			var doc struct {
				Results struct {
					Scenario struct {
						Overrides map[string]any `json:"overrides"`
					} `json:"scenario"`
				} `json:"results"`
			}
			if err := json.Unmarshal([]byte(outputs["r.json"]), &doc); err != nil {
				t.Fatal(err)
			}
			var keys []string
			for k := range doc.Results.Scenario.Overrides {
				keys = append(keys, k)
			}
			if got := strings.Join(sorted(keys), ","); got != strings.Join(tc.record, ",") {
				t.Errorf("the results file records overrides %v, want the keys %v", doc.Results.Scenario.Overrides, tc.record)
			}
		})
	}
}

func sorted(lines []string) []string {
	out := append([]string(nil), lines...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// TestSmokeExitCodes checks that a smoke test exits as any run does: 0
// when every journey works, 1 when one fails on the target.
func TestSmokeExitCodes(t *testing.T) {
	t.Parallel()
	target := newCounter(t)
	tests := []struct {
		name, step string
		code       int
		inOutput   string
	}{
		{"works", "POST /api/cart", exitGo, "GO: every journey works against the target (a smoke test: no load was sent)."},
		{"broken", "POST /fail", exitNoGo, "Journey buy failed at step POST /fail."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			file := writeScenario(t, target.url, strings.SplitN(strings.Replace(overridable, "POST /api/cart", tc.step, 1), "\n", 3)[2])
			tio := newTestIO(map[string]string{"TOKEN": "t"})
			if code := tio.liftoff(t.Context(), "run", file, "--smoke", "--progress", "none"); code != tc.code {
				t.Fatalf("exit %d, want %d\n%s\n%s", code, tc.code, tio.out, tio.err)
			}
			if !strings.Contains(tio.out.String(), tc.inOutput) {
				t.Errorf("stdout lacks %q:\n%s", tc.inOutput, tio.out)
			}
		})
	}
}

// TestOverrideMistakes checks that a bad override exits 2 before
// anything is sent, told against its flag, with no -e value in the
// message.
func TestOverrideMistakes(t *testing.T) {
	t.Parallel()
	target := newCounter(t)
	file := writeScenario(t, target.url, strings.SplitN(overridable, "\n", 3)[2])
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"load factor", []string{"--load-factor", "2"}, `launch.yaml: --load-factor: load factor "2" has no x (write 2x)`},
		{"window", []string{"--window", "peak 1h"}, `launch.yaml: --window: window peak 1h is longer than the traffic's 3s (use full, or a window of at most 3s)`},
		{"duration", []string{"--duration=-1s"}, `launch.yaml: --duration: duration "-1s" is negative`},
		{"target", []string{"--target", "sim:shop?capacity=lots"}, `launch.yaml: --target: `},
		{"-e without =", []string{"-e", "TOKEN:secret-value"}, "liftoff: -e TOK…: write KEY=VALUE"},
		{"-e bad name", []string{"-e", "1TOKEN=secret-value"}, "liftoff: -e 1TOKEN: the name must be letters, digits and _"},
		{"smoke with load", []string{"--smoke", "--load-factor", "2x"}, "launch.yaml: --smoke: a smoke test sends no load"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tio := newTestIO(map[string]string{"TOKEN": "t"})
			code := tio.liftoff(t.Context(), append([]string{"run", file, "--progress", "none"}, tc.args...)...)
			if code != exitUsage {
				t.Fatalf("exit %d, want %d\n%s", code, exitUsage, tio.err)
			}
			if !strings.Contains(tio.err.String(), tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, tio.err)
			}
			if strings.Contains(tio.err.String(), "secret-value") {
				t.Errorf("stderr shows a -e value:\n%s", tio.err)
			}
		})
	}
	if lines, _ := target.received(); len(lines) != 0 {
		t.Errorf("the target received %d requests from runs that should not start", len(lines))
	}
}

// TestPlanAndValidateTakeOverrides checks that plan shows the overridden
// plan and validate checks the overridden scenario.
func TestPlanAndValidateTakeOverrides(t *testing.T) {
	t.Parallel()
	file := writeScenario(t, "https://prod.example.com", strings.SplitN(overridable, "\n", 3)[2])
	tio := newTestIO(map[string]string{"TOKEN": "t"})
	if code := tio.liftoff(t.Context(), "plan", file, "--load-factor", "3x", "--duration", "2s", "--json"); code != exitGo {
		t.Fatalf("plan: exit %d\n%s", code, tio.err)
	}
	var plan struct {
		TestedPeak     float64        `json:"tested_peak_visitors_per_s"`
		TestedDuration float64        `json:"tested_duration_s"`
		Overrides      map[string]any `json:"overrides"`
	}
	if err := json.Unmarshal([]byte(tio.out.String()), &plan); err != nil {
		t.Fatal(err)
	}
	if plan.TestedPeak != 60 || plan.TestedDuration != 2 || plan.Overrides["load_factor"] != 3.0 {
		t.Errorf("plan: peak %v, length %v, overrides %v; want 60/s for 2s at 3x", plan.TestedPeak, plan.TestedDuration, plan.Overrides)
	}
	tio = newTestIO(map[string]string{"TOKEN": "t"})
	if code := tio.liftoff(t.Context(), "plan", file, "--target", "https://staging.example.com", "--duration", "2s"); code != exitGo {
		t.Fatalf("plan: exit %d\n%s", code, tio.err)
	}
	for _, want := range []string{"Spring launch → https://staging.example.com\noverrides: --target https://staging.example.com --duration 2s\n",
		"Tested traffic (window full · load factor 1x: rates as expected · cut at 2s by --duration)"} {
		if !strings.Contains(tio.out.String(), want) {
			t.Errorf("plan does not show %q:\n%s", want, tio.out)
		}
	}
	tio = newTestIO(nil)
	if code := tio.liftoff(t.Context(), "validate", file, "--window", "compressed 1s", "-e", "TOKEN=x"); code != exitGo {
		t.Fatalf("validate: exit %d\n%s", code, tio.err)
	}
	if !strings.Contains(tio.out.String(), "testing compressed 1s at 1x: 1s in 2 phases") {
		t.Errorf("validate does not describe the overridden plan:\n%s", tio.out)
	}
}

// TestEveryExampleSmokes runs each example scenario's smoke test against
// the simulated shop it names: every journey of every example works.
func TestEveryExampleSmokes(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("..", "..", "examples", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("examples: %v", err)
	}
	files = append(files, filepath.Join("..", "..", "examples", "github-actions", "launch.yaml"))
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			tio := newTestIO(nil)
			if code := tio.liftoff(t.Context(), "run", file, "--smoke", "--progress", "none"); code != exitGo {
				t.Errorf("exit %d\n%s\n%s", code, tio.out, tio.err)
			}
		})
	}
}

// FuzzParseVar checks -e's parsing: what it accepts reads back as given,
// and a message about a mistake never depends on the value, which may be
// a secret.
func FuzzParseVar(f *testing.F) {
	f.Add("SHOP_TOKEN=s3cret")
	f.Add("1BAD=s3cret")
	f.Add("no-equals-s3cret")
	f.Add("=s3cret")
	f.Fuzz(func(t *testing.T, kv string) {
		name, value, err := parseVar(kv)
		before, after, hasEq := strings.Cut(kv, "=")
		if err == nil {
			if !varName.MatchString(name) || name+"="+value != kv {
				t.Fatalf("parseVar(%q) = %q, %q", kv, name, value)
			}
			return
		}
		var other error
		switch r := []rune(kv); {
		case hasEq:
			_, _, other = parseVar(before + "=" + strings.Repeat("x", len(after)+1))
		case len(r) > 3:
			_, _, other = parseVar(string(r[:3]) + strings.Repeat("z", len(r)))
		default:
			return // too short to be a secret, and shown whole
		}
		if other == nil || other.Error() != err.Error() {
			t.Fatalf("parseVar(%q): the message %q depends on the value (with another: %v)", kv, err, other)
		}
	})
}
