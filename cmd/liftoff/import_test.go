package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestImportHARFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want importOptions
	}{
		{"defaults", []string{"har", "rec.har"}, importOptions{recording: "rec.har"}},
		{"every flag", []string{"har", "-", "-o", "out.yaml", "--name", "Spring sale", "--keep-assets", "--keep-third-party",
			"--target", "www.example.com", "--include-host", "api.example.com", "--include-host", "*.cdn.example.com,auth.example.com"},
			importOptions{recording: "-", output: "out.yaml", name: "Spring sale", keepAssets: true, keepThirdParty: true,
				target: "www.example.com", includeHosts: []string{"api.example.com", "*.cdn.example.com", "auth.example.com"}}},
		{"long output flag", []string{"har", "rec.har", "--output", "x.yaml"}, importOptions{recording: "rec.har", output: "x.yaml"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got *importOptions
			cmd := newImportCmd(newTestIO(nil).env, func(o *importOptions) error { got = o; return nil })
			cmd.SetArgs(tc.args)
			if err := cmd.Execute(); err != nil {
				t.Fatal(err)
			}
			got.env = nil
			if diff := cmp.Diff(tc.want, *got, cmp.AllowUnexported(importOptions{})); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}

// harVars are values for every variable the test recordings need.
var harVars = map[string]string{
	"HAR_AUTHORIZATION": "run-token-0001",
	"HAR_COOKIE":        "sid=run-cookie-0002",
	"HAR_PASSWORD":      "run-password-0003",
	"HAR_ACCESS_TOKEN":  "run-access-0004",
	"HAR_X_CSRF_TOKEN":  "run-csrf-0005",
}

// TestImportHARValidates imports every test recording and the example,
// and checks the result as a user would: validate and plan go on without
// the credential variables, with a warning for each, and run refuses to
// start; with them it is valid.
func TestImportHARValidates(t *testing.T) {
	t.Parallel()
	recordings, _ := filepath.Glob(filepath.Join("..", "..", "scenario", "har", "testdata", "*.har"))
	if len(recordings) == 0 {
		t.Fatal("no test recordings in scenario/har/testdata")
	}
	recordings = append(recordings, filepath.Join("..", "..", "examples", "shop.har"))
	for _, rec := range recordings {
		t.Run(filepath.Base(rec), func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "imported.yaml")
			tio := newTestIO(nil)
			if code := tio.liftoff(t.Context(), "import", "har", rec, "-o", out); code != exitGo {
				t.Fatalf("import exit code %d\n%s", code, tio.err)
			}
			if tio.out.String() != "" || !strings.Contains(tio.err.String(), "scenario written to "+out) {
				t.Errorf("with -o, stdout should be empty and stderr name the file:\nstdout:\n%s\nstderr:\n%s", tio.out, tio.err)
			}
			src, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if !regexp.MustCompile(`\$\{HAR_`).Match(src) {
				t.Fatalf("%s should need credentials:\n%s", rec, src)
			}
			vars := map[string]bool{}
			for _, m := range regexp.MustCompile(`\$\{(HAR_[A-Z_]+)\}`).FindAllStringSubmatch(string(src), -1) {
				vars[m[1]] = true
			}
			for _, command := range []string{"validate", "plan"} {
				without := newTestIO(nil)
				if code := without.liftoff(t.Context(), command, out); code != exitGo {
					t.Errorf("%s without the variables: exit %d, want %d\n%s", command, code, exitGo, without.err)
				}
				warnings := regexp.MustCompile(`(?m)^warning: .*: environment variable (HAR_[A-Z_]+) is not set; run needs it for .*\(export HAR_[A-Z_]+ before liftoff run\)$`).
					FindAllStringSubmatch(without.err.String(), -1)
				got := map[string]bool{}
				for _, w := range warnings {
					got[w[1]] = true
				}
				if len(warnings) != len(vars) || len(got) != len(vars) {
					t.Errorf("%s without the variables: want one warning for each of %v:\n%s", command, vars, without.err)
				}
			}
			// run refuses to start. The scenario points at a closed
			// loopback port, so nothing could reach the recorded site if
			// it did not.
			loopback := filepath.Join(t.TempDir(), "loopback.yaml")
			if err := os.WriteFile(loopback, regexp.MustCompile(`(?m)^target: .*$`).ReplaceAll(src, []byte("target: http://127.0.0.1:1")), 0o644); err != nil {
				t.Fatal(err)
			}
			run := newTestIO(nil)
			if code := run.liftoff(t.Context(), "run", loopback, "--progress", "none"); code != exitUsage || !strings.Contains(run.err.String(), "environment variable HAR_") {
				t.Errorf("run without the variables: exit %d, want %d and a missing variable named:\n%s", code, exitUsage, run.err)
			}
			with := newTestIO(harVars)
			if code := with.liftoff(t.Context(), "validate", out); code != exitGo {
				t.Errorf("validate with the variables: exit %d\n%s\n%s", code, with.err, src)
			}
		})
	}
}

func TestImportHARStdinAndStdout(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile(filepath.Join("..", "..", "examples", "shop.har"))
	if err != nil {
		t.Fatal(err)
	}
	tio := newTestIO(nil)
	tio.env.In = strings.NewReader(string(src))
	if code := tio.liftoff(t.Context(), "import", "har", "-", "--name", "Shop visit"); code != exitGo {
		t.Fatalf("exit code %d\n%s", code, tio.err)
	}
	if !strings.Contains(tio.out.String(), "\nname: Shop visit\n") || strings.Contains(tio.err.String(), "name:") {
		t.Errorf("want the scenario on stdout and only messages on stderr:\nstdout:\n%s\nstderr:\n%s", tio.out, tio.err)
	}
}

// TestImportHARSaysWhatItChose checks what the import says on stderr:
// the target and why, the hosts of the site it left out, and what the
// starter traffic adds up to.
func TestImportHARSaysWhatItChose(t *testing.T) {
	t.Parallel()
	streaming := filepath.Join("..", "..", "scenario", "har", "testdata", "streaming.har")
	tests := []struct {
		name   string
		args   []string
		stderr []string
	}{
		{"the example", []string{filepath.Join("..", "..", "examples", "shop.har")}, []string{
			"target https://shop.example.com: the page the browser loaded, https://shop.example.com/ (a document, as Chrome's _resourceType says); --target chooses another",
			"starter traffic: 30 visitors a minute for 1m, each replaying the recording's 8 steps: about 4 requests a second (set it to the campaign's numbers before a real test)",
		}},
		{"a streaming site recorded after its page loaded", []string{streaming}, []string{
			"target https://api.streamly.example: the site of the page most requests came from, https://www.streamly.example (22 of 26 name it in their Referer or Origin); the recording holds no request to www.streamly.example itself, and 8 of the site's 10 went to this origin; --target chooses another",
			"left out: requests to other hosts of the site, auth.streamly.example, license.streamly.example, telemetry.streamly.example (--include-host auth.streamly.example keeps them)",
		}},
		{"a target of the user's choice", []string{streaming, "--target", "auth.streamly.example", "--include-host", "api.streamly.example"}, []string{
			"target https://auth.streamly.example: chosen with --target; --target chooses another",
			"left out: requests to other hosts of the site, license.streamly.example, telemetry.streamly.example (--include-host license.streamly.example keeps them)",
			"starter traffic: 30 visitors a minute for 1m, each replaying the recording's 9 steps: about 4.5 requests a second",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tio := newTestIO(nil)
			if code := tio.liftoff(t.Context(), append([]string{"import", "har"}, tc.args...)...); code != exitGo {
				t.Fatalf("exit code %d\n%s", code, tio.err)
			}
			for _, line := range tc.stderr {
				if !strings.Contains(tio.err.String(), line) {
					t.Errorf("stderr:\n%s\nwant it to contain:\n%s", tio.err, line)
				}
			}
			if strings.Contains(tio.out.String(), "adstream-exchange.example/") {
				t.Errorf("a step goes to the ad server:\n%s", tio.out)
			}
		})
	}
}

func TestImportHARErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	notJSON := write("page.har", "<!doctype html>\n")
	assets := write("assets.har", `{"log": {"entries": [{"_resourceType": "image", "request": {"method": "GET", "url": "https://a.example/x.png"}}]}}`)
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr []string
	}{
		{"not JSON", []string{"import", "har", notJSON}, exitUsage, []string{
			notJSON + ":1: not a HAR file: invalid JSON: invalid character '<' looking for beginning of value (save the recording from the browser's developer tools: Network tab, Export HAR (or Save all as HAR))",
			"1 problem found",
		}},
		{"nothing left", []string{"import", "har", assets}, exitUsage, []string{
			assets + ": log.entries: every request in the recording was left out: 1 static asset: images, stylesheets, scripts, fonts, media (--keep-assets keeps them) (record the site's own pages and API calls, or keep more with --keep-assets, --include-host and --keep-third-party)",
		}},
		{"missing file", []string{"import", "har", filepath.Join(dir, "nope.har")}, exitUsage, []string{
			"liftoff: cannot read recording " + filepath.Join(dir, "nope.har") + ": no such file or directory",
		}},
		{"no recording", []string{"import", "har"}, exitUsage, []string{"liftoff: import har needs a recording (a HAR file, or - for standard input), as in: liftoff import har recording.har", "run 'liftoff --help' for usage"}},
		{"no format", []string{"import"}, exitUsage, []string{"liftoff: import needs the recording's format, as in: liftoff import har RECORDING.har"}},
		{"unknown format", []string{"import", "x.har"}, exitUsage, []string{`liftoff: unknown recording format "x.har" (liftoff imports har)`}},
		{"unwritable output", []string{"import", "har", filepath.Join("..", "..", "examples", "shop.har"), "-o", filepath.Join(dir, "no", "dir", "s.yaml")}, exitUsage, []string{
			"liftoff: -o " + filepath.Join(dir, "no", "dir", "s.yaml") + ": directory " + filepath.Join(dir, "no", "dir") + " does not exist",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tio := newTestIO(nil)
			code := tio.liftoff(t.Context(), tc.args...)
			if code != tc.code {
				t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, tio.out, tio.err)
			}
			for _, line := range tc.stderr {
				if !strings.Contains(tio.err.String(), line) {
					t.Errorf("stderr:\n%s\nwant it to contain:\n%s", tio.err, line)
				}
			}
		})
	}
}

// seen is a request as the test server saw it.
type seen struct {
	Method, Path, Query, Body, Authorization, ContentType string
}

// TestImportHARReplays records a visit to a loopback server as a browser
// would export it, imports the recording, runs the scenario against the
// same server, and checks that the server saw the recorded requests again:
// methods, paths, bodies, and the credentials from the environment, never
// the recorded ones.
func TestImportHARReplays(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, seen{r.Method, r.URL.Path, r.URL.RawQuery, string(body), r.Header.Get("Authorization"), r.Header.Get("Content-Type")})
		mu.Unlock()
		switch r.URL.Path {
		case "/login":
			http.Redirect(w, r, "/account", http.StatusFound)
		case "/missing":
			http.NotFound(w, r)
		default:
			fmt.Fprint(w, "ok")
		}
	}))
	t.Cleanup(srv.Close)

	recorded := map[string]string{"Authorization": "Bearer rec-token-secret", "Cookie": "sid=rec-cookie-secret"}
	entry := func(typ, method, path string, at time.Duration, status int, headers map[string]string, mime, body, location string) map[string]any {
		var hs []map[string]string
		for _, name := range slices.Sorted(func(yield func(string) bool) {
			for k := range headers {
				if !yield(k) {
					return
				}
			}
		}) {
			hs = append(hs, map[string]string{"name": name, "value": headers[name]})
		}
		req := map[string]any{"method": method, "url": srv.URL + path, "httpVersion": "HTTP/1.1", "headers": hs}
		if body != "" {
			req["postData"] = map[string]string{"mimeType": mime, "text": body}
		}
		return map[string]any{
			"_resourceType":   typ,
			"startedDateTime": time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC).Add(at).Format(time.RFC3339Nano),
			"time":            5,
			"request":         req,
			"response":        map[string]any{"status": status, "content": map[string]string{"mimeType": "text/html"}, "redirectURL": location},
		}
	}
	ms := time.Millisecond
	har, err := json.Marshal(map[string]any{"log": map[string]any{"entries": []any{
		entry("document", "GET", "/", 0, 200, map[string]string{"Cookie": recorded["Cookie"], ":path": "/", "Accept-Encoding": "gzip"}, "", "", ""),
		entry("script", "GET", "/app.js", 10*ms, 200, nil, "", "", ""),
		entry("fetch", "POST", "/api/cart", 20*ms, 201, map[string]string{"Authorization": recorded["Authorization"]}, "application/json", `{"product_id":42,"qty":1,"note":"{{ gift }}"}`, ""),
		entry("document", "POST", "/login", 30*ms, 302, nil, "application/x-www-form-urlencoded", "email=ann%40example.com&password=rec-password-secret", "/account"),
		entry("document", "GET", "/account", 40*ms, 200, nil, "", "", ""),
		entry("xhr", "GET", "/search?q=%7B%7Bx%7D%7D&page=2", 50*ms, 200, nil, "", "", ""),
		entry("fetch", "POST", "/api/note", 60*ms, 200, nil, "text/plain", "costs ${PRICE}", ""),
		entry("xhr", "GET", "/missing", 70*ms, 404, nil, "", "", ""),
	}}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	recording, scenarioFile := filepath.Join(dir, "visit.har"), filepath.Join(dir, "visit.yaml")
	if err := os.WriteFile(recording, har, 0o644); err != nil {
		t.Fatal(err)
	}
	tio := newTestIO(nil)
	if code := tio.liftoff(t.Context(), "import", "har", recording, "-o", scenarioFile); code != exitGo {
		t.Fatalf("import exit code %d\n%s", code, tio.err)
	}
	src, err := os.ReadFile(scenarioFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"rec-token-secret", "rec-cookie-secret", "rec-password-secret"} {
		if strings.Contains(string(src), secret) {
			t.Fatalf("the scenario holds the recorded credential %q:\n%s", secret, src)
		}
	}
	// A short uniform run, so the test takes a second: the import's starter
	// phase runs a minute.
	short := strings.Replace(string(src), "{name: replay, duration: 1m, rate: 30/min}", "{name: replay, duration: 1s, rate: 3/s}\n  arrivals: uniform", 1)
	if short == string(src) {
		t.Fatalf("the starter phase is not where the test expects it:\n%s", src)
	}
	if err := os.WriteFile(scenarioFile, []byte(short), 0o644); err != nil {
		t.Fatal(err)
	}
	run := newTestIO(harVars)
	// A loaded test machine may delay a visit's first request past the
	// generator's lag limit, which makes the verdict INCONCLUSIVE. NO-GO
	// would mean a replayed request failed.
	if code := run.liftoff(t.Context(), "run", scenarioFile, "--progress", "none"); code != exitGo && code != exitInconclusive {
		t.Fatalf("run exit code %d, want GO (or INCONCLUSIVE on a busy machine)\nstdout:\n%s\nstderr:\n%s\nscenario:\n%s", code, run.out, run.err, short)
	}

	mu.Lock()
	defer mu.Unlock()
	visit := []seen{
		{Method: "GET", Path: "/"},
		{Method: "POST", Path: "/api/cart", Body: `{"product_id":42,"qty":1,"note":"{{ gift }}"}`, Authorization: "Bearer run-token-0001", ContentType: "application/json"},
		{Method: "POST", Path: "/login", Body: "email=ann%40example.com&password=run-password-0003", ContentType: "application/x-www-form-urlencoded"},
		// The redirect, followed once: the POST becomes a GET without a
		// body or a Content-Type, as in a browser.
		{Method: "GET", Path: "/account"},
		{Method: "GET", Path: "/search", Query: "q=%7B%7Bx%7D%7D&page=2"},
		{Method: "POST", Path: "/api/note", Body: "costs ${PRICE}", ContentType: "text/plain"},
		{Method: "GET", Path: "/missing"},
	}
	if len(got) == 0 || len(got)%len(visit) != 0 {
		t.Fatalf("the server saw %d requests, want whole visits of %d:\n%+v", len(got), len(visit), got)
	}
	// Visits may overlap on a busy machine, so compare what the server saw
	// as a multiset: every visit's requests, each once per visit.
	var want []seen
	for range len(got) / len(visit) {
		want = append(want, visit...)
	}
	bySeen := func(a, b seen) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) }
	slices.SortFunc(want, bySeen)
	slices.SortFunc(got, bySeen)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the requests the server saw (-want +got):\n%s", diff)
	}
}

// TestHARDocIsTrue keeps docs/har.md honest: its example output is what
// the import writes for examples/shop.har (lines elided with … aside), and
// its scenarios validate.
func TestHARDocIsTrue(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "har.md"))
	if err != nil {
		t.Fatal(err)
	}
	tio := newTestIO(nil)
	if code := tio.liftoff(t.Context(), "import", "har", filepath.Join("..", "..", "examples", "shop.har")); code != exitGo {
		t.Fatalf("import exit code %d\n%s", code, tio.err)
	}
	output := strings.Split(tio.out.String(), "\n")
	shown := regexp.MustCompile("(?s)```\n(# Imported by.*?)```").FindSubmatch(doc)
	if shown == nil {
		t.Fatal("docs/har.md shows no example output")
	}
	at := 0
	for _, line := range strings.Split(strings.TrimSuffix(string(shown[1]), "\n"), "\n") {
		if strings.TrimSpace(line) == "…" {
			continue
		}
		i := slices.Index(output[at:], line)
		if i < 0 {
			t.Errorf("docs/har.md shows the line %q, which the import does not write there:\n%s", line, tio.out)
			return
		}
		at += i + 1
	}
	for i, b := range regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllSubmatch(doc, -1) {
		path := filepath.Join(t.TempDir(), "doc.yaml")
		if err := os.WriteFile(path, b[1], 0o644); err != nil {
			t.Fatal(err)
		}
		v := newTestIO(nil)
		if code := v.liftoff(t.Context(), "validate", path); code != exitGo {
			t.Errorf("docs/har.md scenario %d does not validate (exit %d):\n%s", i+1, code, v.err)
		}
	}
}
