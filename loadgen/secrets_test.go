package loadgen

import (
	"net/http"
	"strings"
	"testing"

	"github.com/liftoff/liftoff/scenario"
)

// echoServers answer every request 401 with a body that repeats the
// request's Authorization header after some filler, as servers that
// explain a refusal do, over HTTP/1.1 and h2c. seen gets each request's
// Authorization header.
func echoServers(t *testing.T, filler int, seen chan<- string) map[string]string {
	t.Helper()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		select {
		case seen <- auth:
		default:
		}
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(strings.Repeat("x", filler) + " refused: " + auth + " \x1b]0;pwned\x07\x1b[31mred\x1b[0m"))
	})
	return servers(t, h)
}

func parseWithEnv(t *testing.T, src string, env map[string]string) *scenario.Scenario {
	t.Helper()
	sc, err := scenario.Parse(strings.NewReader(src), "t.yaml", scenario.Options{Getenv: func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}})
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

const oneRequest = "traffic:\n  arrivals: uniform\n  phases: [ { duration: 100ms, rate: 10/s } ]\n"

// TestErrorExamplesHoldNoSecret sends the target URL's credentials, and a
// token from the environment, to servers that echo them in their error
// bodies: the examples show neither, not even the start of a token that
// the snippet's cut would split, and none of the escape sequences the
// server sent.
func TestErrorExamplesHoldNoSecret(t *testing.T) {
	t.Parallel()
	token := "tok_" + strings.Repeat("SECRET", 20)
	for _, tc := range []struct {
		name, defaults string
		wantAuth       string
	}{
		{"target credentials", "", "Basic c2hvcDpzM2NyM3QtcHc="},
		{"token", "  headers: { Authorization: \"Bearer ${TOKEN}\" }\n", "Bearer " + token},
	} {
		seen := make(chan string, 1)
		// 140 bytes of filler put the cut at 160 inside the credential.
		for version, target := range echoServers(t, 140, seen) {
			target = strings.Replace(target, "http://", "http://shop:s3cr3t-pw@", 1)
			src := "name: t\ntarget: " + target + "\ndefaults:\n  http: \"" + version + "\"\n" + tc.defaults + oneRequest + "journeys: [ { name: j, steps: [ GET /account ] } ]\n"
			res := runScenario(t, parseWithEnv(t, src, map[string]string{"TOKEN": token}), Config{})
			if auth := <-seen; auth != tc.wantAuth {
				t.Errorf("%s, HTTP/%s: the server got Authorization %q, want %q", tc.name, version, auth, tc.wantAuth)
			}
			examples := res.Examples[ClassStatus4xx]
			if len(examples) != 1 {
				t.Fatalf("%s, HTTP/%s: examples %q", tc.name, version, examples)
			}
			ex := examples[0]
			for _, leak := range []string{"s3cr3t", "shop:", "c2hvcDpz", "tok_", "\x1b", "\x07"} {
				if strings.Contains(ex, leak) {
					t.Errorf("%s, HTTP/%s: the example shows %q: %q", tc.name, version, leak, ex)
				}
			}
			if !strings.Contains(ex, "refused: [redacted]") && !strings.Contains(ex, "refused: Basic [redacted]") && !strings.Contains(ex, "refused: Bearer [redacted]") {
				t.Errorf("%s, HTTP/%s: the example should show where the secret was: %q", tc.name, version, ex)
			}
		}
	}
}

// TestExplicitAuthorizationWins sends a step whose absolute URL carries a
// user:password and which sets its own Authorization header: the header
// is sent, on both protocols (fasthttp used to replace it with the URL's
// Basic credential).
func TestExplicitAuthorizationWins(t *testing.T) {
	t.Parallel()
	seen := make(chan string, 1)
	for version, target := range echoServers(t, 0, seen) {
		url := strings.Replace(target, "http://", "http://api:k3y-pass@", 1)
		src := "name: t\ntarget: " + target + "\ndefaults: { http: \"" + version + "\" }\n" + oneRequest +
			"journeys: [ { name: j, steps: [ { request: \"GET " + url + "/x\", headers: { Authorization: Bearer own } } ] } ]\n"
		res := runScenario(t, parseWithEnv(t, src, nil), Config{})
		if auth := <-seen; auth != "Bearer own" {
			t.Errorf("HTTP/%s: the server got Authorization %q, want the step's own", version, auth)
		}
		if ex := res.Examples[ClassStatus4xx]; len(ex) != 1 || strings.Contains(ex[0], "k3y-pass") {
			t.Errorf("HTTP/%s: examples %q should hold the URL without its password", version, ex)
		}
	}
}

// TestEnvTemplateIsSentAsWritten sends a header whose ${VAR} value looks
// like a template: the server gets the text as it is.
func TestEnvTemplateIsSentAsWritten(t *testing.T) {
	t.Parallel()
	seen := make(chan string, 1)
	for version, target := range echoServers(t, 0, seen) {
		src := "name: t\ntarget: " + target + "\ndefaults:\n  http: \"" + version + "\"\n  headers: { Authorization: \"${TOKEN}\" }\n" + oneRequest + "journeys: [ { name: j, steps: [ GET / ] } ]\n"
		runScenario(t, parseWithEnv(t, src, map[string]string{"TOKEN": "{{ .visitor }}{{ index .row 0 }}"}), Config{})
		if auth := <-seen; auth != "{{ .visitor }}{{ index .row 0 }}" {
			t.Errorf("HTTP/%s: the server got %q, want the value as written", version, auth)
		}
	}
}
