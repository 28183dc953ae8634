package scenario

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func parseString(t *testing.T, src string, env map[string]string) (*Scenario, error) {
	t.Helper()
	return Parse(strings.NewReader(src), "launch.yaml", Options{Getenv: func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}})
}

func TestParseValid(t *testing.T) {
	t.Parallel()
	src := `name: Spring sale
target: https://shop.example.com/
defaults:
  headers: { Authorization: "Bearer ${SHOP_TOKEN}", X-Campaign: spring }
  timeout: 5s
  connection: shared
traffic:
  arrivals: uniform
  max_concurrency: 300
  seed: 7
  phases:
    - { name: warm-up, duration: 1m, rate: 10/s }
    - { name: blast, duration: 2m, rate: 10/s, ramp_to: 400/s }
    - { name: soak, duration: 30s, concurrency: 50 }
journeys:
  - name: browse
    weight: 70
    steps:
      - GET /
      - name: product
        request: GET /products/7
        timeout: 2s
  - name: checkout
    weight: 30
    steps: [ POST /api/cart ]
slo:
  - p95 < 300ms
  - checkout: p95 < 800ms
`
	sc, err := parseString(t, src, map[string]string{"SHOP_TOKEN": "s3cr3t-token"})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := &Scenario{
		Name:   "Spring sale",
		File:   "launch.yaml",
		Target: Target{URL: "https://shop.example.com", Line: 2},
		Defaults: Defaults{
			Headers: []Header{
				{Name: "Authorization", Value: "Bearer s3cr3t-token", Secret: true},
				{Name: "X-Campaign", Value: "spring"},
			},
			Timeout:    5 * time.Second,
			HTTP:       HTTP1,
			Connection: SharedConnections,
			MaxBody:    DefaultMaxBody,
		},
		Traffic: Traffic{
			Arrivals:       Uniform,
			MaxConcurrency: 300,
			Seed:           7,
			Phases: []Phase{
				{Name: "warm-up", Duration: time.Minute, Rate: 10, RampTo: 10, Line: 12},
				{Name: "blast", Duration: 2 * time.Minute, Rate: 10, RampTo: 400, Line: 13},
				{Name: "soak", Duration: 30 * time.Second, Concurrency: 50, Line: 14},
			},
		},
		Journeys: []Journey{
			{Name: "browse", Weight: 70, Line: 16, Steps: []Step{
				{Name: "GET /", Method: "GET", Path: "/", Line: 19},
				{Name: "product", Method: "GET", Path: "/products/7", Timeout: 2 * time.Second, Line: 20},
			}},
			{Name: "checkout", Weight: 30, Line: 23, Steps: []Step{
				{Name: "POST /api/cart", Method: "POST", Path: "/api/cart", Line: 25},
			}},
		},
		SLO: []Rule{
			{Text: "p95 < 300ms", Line: 27, Metric: MetricPercentile, Quantile: 95, Op: Less, Latency: 300 * time.Millisecond},
			{Text: "checkout: p95 < 800ms", Line: 28, Journey: "checkout", Metric: MetricPercentile, Quantile: 95, Op: Less, Latency: 800 * time.Millisecond},
		},
		Plan: Plan{
			Phases: []Phase{
				{Name: "warm-up", Duration: time.Minute, Rate: 10, RampTo: 10, Line: 12},
				{Name: "blast", Start: time.Minute, Duration: 2 * time.Minute, Rate: 10, RampTo: 400, Line: 13},
				{Name: "soak", Start: 3 * time.Minute, Duration: 30 * time.Second, Concurrency: 50, Line: 14},
			},
			Curve: []Point{
				{At: 0, Rate: 10}, {At: time.Minute, Rate: 10}, {At: 3 * time.Minute, Rate: 400},
				{At: 3 * time.Minute, Rate: 0}, {At: 3*time.Minute + 30*time.Second, Rate: 0},
			},
		},
		Secrets: []string{"Bearer s3cr3t-token", "s3cr3t-token"},
	}
	// No window and no load factor: the test sends the traffic as expected.
	want.Expected = want.Plan
	if diff := cmp.Diff(want, sc); diff != "" {
		t.Fatalf("Parse mismatch (-want +got):\n%s", diff)
	}
}

// TestParseProblems feeds malformed scenarios and checks every message
// exactly: file, line, column, key path, problem and hint.
func TestParseProblems(t *testing.T) {
	t.Parallel()
	const head = "name: t\ntarget: http://127.0.0.1:8080\n"
	const phases = "traffic:\n  phases:\n    - { duration: 1m, rate: 10/s }\n"
	const journeys = "journeys:\n  - name: browse\n    steps: [ GET / ]\n"
	tests := []struct {
		name string
		src  string
		env  map[string]string
		want []string
	}{
		{
			name: "unknown key suggests the nearest",
			src:  head + "trafic:\n  phases: []\n" + journeys,
			want: []string{
				`launch.yaml:1:1: missing "traffic" (e.g. traffic: { phases: [ { duration: 1m, rate: 10/s } ] })`,
				`launch.yaml:3:1: unknown key "trafic" (did you mean "traffic"?)`,
			},
		},
		{
			name: "bad rate unit",
			src:  head + "traffic:\n  phases:\n    - { duration: 1m, rate: 40/sec }\n" + journeys,
			want: []string{`launch.yaml:5:29: traffic.phases[0].rate: unknown unit "sec" in rate "40/sec" (rates are N/s, N/min or N/h)`},
		},
		{
			name: "duration without unit",
			src:  head + "traffic:\n  phases:\n    - { duration: 90, rate: 10/s }\n" + journeys,
			want: []string{`launch.yaml:5:19: traffic.phases[0].duration: duration "90" has no unit (write 90s, 90m or 90h)`},
		},
		{
			name: "rate and concurrency together",
			src:  head + "traffic:\n  phases:\n    - { duration: 1m, rate: 10/s, concurrency: 5 }\n" + journeys,
			want: []string{`launch.yaml:5:7: traffic.phases[0]: a phase has either a rate (open model) or a concurrency (closed model), not both`},
		},
		{
			name: "phase without rate",
			src:  head + "traffic:\n  phases:\n    - { name: peak, duration: 1m }\n" + journeys,
			want: []string{`launch.yaml:5:7: traffic.phases[0]: missing "rate" (e.g. rate: 50/s, or concurrency: 50 for a closed-model phase)`},
		},
		{
			name: "unknown arrival process",
			src:  head + phases + "  arrivals: poison\n" + journeys,
			want: []string{`launch.yaml:6:13: traffic.arrivals: unknown arrival process "poison" (use poisson or uniform)`},
		},
		{
			name: "lower-case method",
			src:  head + phases + "journeys:\n  - name: browse\n    steps: [ get / ]\n",
			want: []string{`launch.yaml:8:14: journeys[0].steps[0]: "get" is not an HTTP method (methods are upper case: GET)`},
		},
		{
			name: "a misspelt method suggests the nearest",
			src:  head + phases + "journeys:\n  - name: browse\n    steps: [ GTE /, POTS /cart, PUTS /x ]\n",
			want: []string{
				`launch.yaml:8:14: journeys[0].steps[0]: "GTE" is not an HTTP method (did you mean "GET"?)`,
				`launch.yaml:8:21: journeys[0].steps[1]: "POTS" is not an HTTP method (did you mean "POST"?)`,
				`launch.yaml:8:33: journeys[0].steps[2]: "PUTS" is not an HTTP method (did you mean "PUT"?)`,
			},
		},
		{
			name: "an unregistered method lists the methods liftoff sends",
			src:  head + phases + "journeys:\n  - name: browse\n    steps: [ BREW /pot ]\n",
			want: []string{`launch.yaml:8:14: journeys[0].steps[0]: "BREW" is not an HTTP method (liftoff sends GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE, PROPFIND, PROPPATCH, MKCOL, COPY, MOVE, LOCK, UNLOCK, REPORT, SEARCH, QUERY, PURGE)`},
		},
		{
			name: "the start of a key suggests it",
			src:  head + "traffic:\n  phases:\n    - { duration: 1m, rate: 10/s, ramp: 50/s }\n" + journeys,
			want: []string{`launch.yaml:5:35: traffic.phases[0]: unknown key "ramp" (did you mean "ramp_to"?)`},
		},
		{
			name: "a latency rule without a unit suggests milliseconds",
			src:  head + phases + journeys + "slo:\n  - p95 < 300\n",
			want: []string{`launch.yaml:10:5: slo[0]: latency limit "300" has no unit (latency limits need a unit: write 300ms)`},
		},
		{
			name: "path without slash",
			src:  head + phases + "journeys:\n  - name: browse\n    steps: [ GET products ]\n",
			want: []string{`launch.yaml:8:14: journeys[0].steps[0]: "products" is neither a path nor a URL (paths start with /, e.g. GET /products/7)`},
		},
		{
			name: "rule names a missing journey",
			src:  head + phases + journeys + "slo:\n  - checkuot: p95 < 1s\n",
			want: []string{`launch.yaml:10:5: slo[0]: no journey is named "checkuot" (known journeys: browse)`},
		},
		{
			name: "rule without a unit",
			src:  head + phases + journeys + "slo:\n  - error_rate < 1\n",
			want: []string{`launch.yaml:10:5: slo[0]: "1" is not a percentage (write it as 1%)`},
		},
		{
			name: "missing environment variable names the variable, not a value",
			src:  head + "defaults:\n  headers: { Authorization: \"Bearer ${SHOP_TOKEN}\" }\n" + phases + journeys,
			want: []string{`launch.yaml:4:29: defaults.headers.Authorization: environment variable SHOP_TOKEN is not set (export SHOP_TOKEN, or write ${SHOP_TOKEN:-default})`},
		},
		{
			name: "target is not a URL",
			src:  "name: t\ntarget: shop.example.com\n" + phases + journeys,
			want: []string{`launch.yaml:2:9: target: "shop.example.com" is not an http or https URL (e.g. https://shop.example.com, or sim:shop for the built-in simulated shop)`},
		},
		{
			name: "duplicate key",
			src:  head + "name: again\n" + phases + journeys,
			want: []string{`launch.yaml:3:1: name: key "name" appears twice (first at line 1)`},
		},
		{
			name: "invalid YAML",
			src:  head + "traffic: [\n",
			want: []string{`launch.yaml:3: invalid YAML: did not find expected node content`},
		},
		{
			name: "empty file",
			src:  "",
			want: []string{`launch.yaml: the scenario is empty (start from examples/quickstart.yaml)`},
		},
		{
			name: "all problems at once, in file order",
			src:  head + "traffic:\n  phases:\n    - { duration: 1m, rate: 10/sec }\n  max_concurrency: 0\n" + "journeys:\n  - name: browse\n    weight: -1\n    steps: [ GET / ]\n",
			want: []string{
				`launch.yaml:5:29: traffic.phases[0].rate: unknown unit "sec" in rate "10/sec" (rates are N/s, N/min or N/h)`,
				`launch.yaml:6:20: traffic.max_concurrency: must be at least 1, not 0`,
				`launch.yaml:9:13: journeys[0].weight: must be at least 0, not -1`,
			},
		},
		{
			name: "closed phase above max_concurrency",
			src:  head + "traffic:\n  max_concurrency: 10\n  phases:\n    - { duration: 1m, concurrency: 50 }\n" + journeys,
			want: []string{`launch.yaml:4:3: traffic.max_concurrency: phase "phase 1" runs 50 visitors, above max_concurrency 10 (raise max_concurrency)`},
		},
		{
			name: "throughput scoped to a journey",
			src:  head + phases + journeys + "slo:\n  - browse: throughput >= 99%\n",
			want: []string{`launch.yaml:10:5: slo[0]: throughput is judged over all visitors, not per journey (judge a journey with error_rate, e.g. browse: error_rate < 1%)`},
		},
		{
			name: "throughput of a closed-model phase",
			src:  head + "traffic:\n  phases:\n    - { name: open, duration: 1m, rate: 1/s }\n    - { name: soak, duration: 1m, concurrency: 5 }\n" + journeys + "slo:\n  - phase soak: throughput >= 99%\n",
			want: []string{`launch.yaml:11:5: slo[0]: phase "soak" is closed-model: it plans no arrivals to measure throughput against (judge it with error_rate, or drop this rule)`},
		},
		{
			name: "throughput rule with only closed phases",
			src:  head + "traffic:\n  phases:\n    - { duration: 1m, concurrency: 5 }\n" + journeys + "slo:\n  - throughput >= 99%\n",
			want: []string{`launch.yaml:10:5: slo[0]: throughput is measured against a planned arrival rate, and every phase here is closed-model (add a phase with a rate, or drop this rule)`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sc, err := parseString(t, tc.src, tc.env)
			if err == nil {
				t.Fatalf("Parse succeeded with %+v, want problems", sc)
			}
			var got []string
			for _, p := range Problems(err) {
				got = append(got, p.Error())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Fatalf("problems mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseSecretsStayOutOfMessages(t *testing.T) {
	t.Parallel()
	src := "name: t\ntarget: http://127.0.0.1:8080\ntraffic:\n  phases:\n    - { duration: 1m, rate: \"${RATE}\" }\njourneys:\n  - name: b\n    steps: [ GET / ]\n"
	_, err := parseString(t, src, map[string]string{"RATE": "hunter2-is-not-a-rate"})
	if err == nil {
		t.Fatal("Parse succeeded, want a problem with the rate")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("error shows the expanded secret: %v", err)
	}
	if !strings.Contains(err.Error(), `"${RATE}"`) {
		t.Fatalf("error should quote the value as written: %v", err)
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	src := "name: t\ntarget: https://user:pw@shop.example.com\ndefaults:\n  headers: { Cookie: session=abcdef123, X-Key: \"${KEY:-fallback}\" }\ntraffic:\n  phases:\n    - { duration: 1m, rate: 1/s }\njourneys:\n  - name: b\n    steps: [ \"GET /?k=${KEY}\" ]\n"
	sc, err := parseString(t, src, map[string]string{"KEY": "k3y-value"})
	if err != nil {
		t.Fatal(err)
	}
	if got := sc.Redact("GET /?k=k3y-value with session=abcdef123"); got != "GET /?k=[redacted] with [redacted]" {
		t.Errorf("Redact = %q", got)
	}
	sum := sc.Record()
	if sum.Target != "https://shop.example.com" {
		t.Errorf("Record().Target = %q, want credentials removed", sum.Target)
	}
	if got := sum.Journeys[0].Steps[0].Request; got != "GET /?k=[redacted]" {
		t.Errorf("Record step request = %q, want the secret redacted", got)
	}
}

// FuzzParse checks that no input makes the parser panic, and that every
// failure is reported as scenario problems.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"name: t\ntarget: sim:shop\ntraffic:\n  phases:\n    - { duration: 1m, rate: 10/s }\njourneys:\n  - name: b\n    steps: [ GET / ]\nslo: [ p95 < 1s ]\n",
		"a: &x { b: 1 }\nc: *x\n",
		"traffic: { phases: [ { <<: { duration: 1m }, rate: 1/s } ] }\n",
		"- - -\n",
		"journeys: [ { name: a/b, steps: [ { request: GET / } ] } ]\n",
		"target: ${X:-http://x}\n",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		sc, err := Parse(strings.NewReader(src), "f.yaml", Options{})
		if err == nil {
			if sc == nil {
				t.Fatal("Parse returned neither a scenario nor an error")
			}
			return
		}
		if Problems(err) == nil {
			t.Fatalf("Parse failed with %v, which holds no scenario problem", err)
		}
	})
}

// TestParseDryRun checks which unset variables a dry run (validate, plan)
// lets through with a warning, and which stay errors.
func TestParseDryRun(t *testing.T) {
	t.Parallel()
	const head = "name: t\ntarget: http://127.0.0.1:8080\n"
	const phases = "traffic:\n  phases:\n    - { duration: 1m, rate: 10/s }\n"
	const step = "journeys:\n  - name: b\n    steps:\n      - request: "
	tests := []struct {
		name     string
		src      string
		warnings []string
		errs     []string
	}{
		{
			name: "a header value",
			src:  head + "defaults:\n  headers: { Authorization: \"Bearer ${TOKEN}\" }\n" + phases + step + "GET /\n",
			warnings: []string{
				`launch.yaml:4:29: defaults.headers.Authorization: environment variable TOKEN is not set; run needs it for a value a request sends (export TOKEN before liftoff run)`,
			},
		},
		{
			name: "one warning per variable, however often it is used, in file order",
			src: head + phases + step + "POST /login?user=${USER_ID}&key=${KEY}\n        headers: { Cookie: \"${COOKIE}\" }\n" +
				"        json: { password: \"${PASSWORD}\", again: \"${COOKIE}\" }\n" +
				"      - request: POST /form\n        form: { a: \"${COOKIE}\" }\n        query: { q: \"${Q}\" }\n      - request: PUT /raw\n        body: \"${BODY}\"\n",
			warnings: []string{
				`launch.yaml:9:18: journeys[0].steps[0].request: environment variable KEY is not set; run needs it for a value a request sends (export KEY before liftoff run)`,
				`launch.yaml:9:18: journeys[0].steps[0].request: environment variable USER_ID is not set; run needs it for a value a request sends (export USER_ID before liftoff run)`,
				`launch.yaml:10:28: journeys[0].steps[0].headers.Cookie: environment variable COOKIE is not set; run needs it for 3 values requests send (export COOKIE before liftoff run)`,
				`launch.yaml:11:27: journeys[0].steps[0].json.password: environment variable PASSWORD is not set; run needs it for a value a request sends (export PASSWORD before liftoff run)`,
				`launch.yaml:14:21: journeys[0].steps[1].query.q: environment variable Q is not set; run needs it for a value a request sends (export Q before liftoff run)`,
				`launch.yaml:16:15: journeys[0].steps[2].body: environment variable BODY is not set; run needs it for a value a request sends (export BODY before liftoff run)`,
			},
		},
		{
			name: "a default is no warning",
			src:  head + phases + step + "GET /\n        headers: { X-Key: \"${KEY:-none}\" }\n",
		},
		{
			name: "the structure needs its variables: target, rate, duration, path",
			src: "name: t\ntarget: ${TARGET}\ntraffic:\n  phases:\n    - { duration: \"${LONG}\", rate: \"${RATE}\" }\n" +
				step + "GET /users/${ID}?key=${KEY}\n",
			errs: []string{
				`launch.yaml:2:9: target: environment variable TARGET is not set (export TARGET, or write ${TARGET:-default})`,
				`launch.yaml:5:19: traffic.phases[0].duration: environment variable LONG is not set (export LONG, or write ${LONG:-default})`,
				`launch.yaml:5:36: traffic.phases[0].rate: environment variable RATE is not set (export RATE, or write ${RATE:-default})`,
				`launch.yaml:9:18: journeys[0].steps[0].request: environment variable ID is not set (export ID, or write ${ID:-default})`,
			},
		},
		{
			name: "a variable the structure needs is an error, not also a warning",
			src:  head + "defaults:\n  headers: { X-Wait: \"${WAIT}\" }\n  timeout: ${WAIT}\n" + phases + step + "GET /\n",
			errs: []string{
				`launch.yaml:5:12: defaults.timeout: environment variable WAIT is not set (export WAIT, or write ${WAIT:-default})`,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sc, err := Parse(strings.NewReader(tc.src), "launch.yaml", Options{DryRun: true, Getenv: func(string) (string, bool) { return "", false }})
			var errs, warnings []string
			for _, p := range Problems(err) {
				errs = append(errs, p.Error())
			}
			if sc != nil {
				for _, w := range sc.Warnings {
					warnings = append(warnings, w.Error())
				}
			}
			if diff := cmp.Diff(tc.errs, errs); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.warnings, warnings); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
			if len(tc.warnings) == 0 {
				return
			}
			// A run reads the same scenario: every warning is an error.
			_, runErr := Parse(strings.NewReader(tc.src), "launch.yaml", Options{})
			if n := len(Problems(runErr)); n < len(tc.warnings) {
				t.Errorf("without DryRun, %d problems, want at least %d: %v", n, len(tc.warnings), runErr)
			}
		})
	}
}

// TestEnvValuesAreLiteralText checks that a ${VAR} value holding template
// syntax is text to send, never a template to run: the scenario is valid,
// the value renders as itself, and records show it redacted.
func TestEnvValuesAreLiteralText(t *testing.T) {
	t.Parallel()
	src := `name: t
target: http://127.0.0.1:9
defaults:
  headers: { Authorization: "Bearer ${TOKEN}" }
traffic:
  phases: [ { duration: 1s, rate: 1/s } ]
journeys:
  - name: j
    steps:
      - request: "GET /p/${TOKEN}?v={{ .visitor }}"
        json: { token: "${TOKEN}", n: "{{ .visitor }}" }
`
	token := `{{.nothing}}{{template"x"}}`
	sc, err := parseString(t, src, map[string]string{"TOKEN": token})
	if err != nil {
		t.Fatalf("a value from the environment should not be checked as a template: %v", err)
	}
	escaped := `{{"{{"}}.nothing}}{{"{{"}}template"x"}}`
	if got := sc.Defaults.Headers[0].Value; got != "Bearer "+escaped {
		t.Errorf("header value %q, want the token escaped", got)
	}
	st := sc.Journeys[0].Steps[0]
	if want := "/p/" + escaped + "?v={{ .visitor }}"; st.Path != want {
		t.Errorf("path %q, want %q", st.Path, want)
	}
	if got := st.Body.JSON.Fields[0].Value.Text; got != escaped {
		t.Errorf("json value %q, want %q", got, escaped)
	}
	if got := sc.Record().Journeys[0].Steps[0].Request; strings.Contains(got, "nothing") {
		t.Errorf("the record shows the secret: %q", got)
	}
}
