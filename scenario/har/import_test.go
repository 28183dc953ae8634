package har

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/liftoff/liftoff/internal/golden"
	"github.com/liftoff/liftoff/scenario"
)

// harVar finds the ${HAR_…} references of an imported scenario.
var harVar = regexp.MustCompile(`\$\{(HAR_[A-Z0-9_]+)\}`)

// parseImported parses an imported scenario with every variable it refers
// to set to the variable's name in lower case, so tests can see where each
// one went.
func parseImported(t testing.TB, src []byte) (*scenario.Scenario, error) {
	t.Helper()
	vars := map[string]bool{}
	for _, m := range harVar.FindAllSubmatch(src, -1) {
		vars[string(m[1])] = true
	}
	return scenario.Parse(bytes.NewReader(src), "imported.yaml", scenario.Options{Getenv: func(name string) (string, bool) {
		return strings.ToLower(name), vars[name]
	}})
}

func TestImportGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		har    string
		opts   Options
		steps  int
		target string
	}{
		{"chrome", "chrome.har", Options{}, 8, "https://shop.example.com"},
		{"chrome-keep-all", "chrome.har", Options{Name: "Spring sale", KeepAssets: true, KeepThirdParty: true}, 14, "https://shop.example.com"},
		{"http2", "http2.har", Options{}, 6, "https://www.example.co.uk"},
		// A streaming site recorded after its page loaded: an ad's iframe
		// comes first, then the site's API calls, preflights, media
		// segments and beacons. The target is the site's API, never the ad
		// server.
		{"streaming", "streaming.har", Options{}, 8, "https://api.streamly.example"},
		{"streaming-include", "streaming.har", Options{IncludeHosts: []string{"*.streamly.example"}}, 11, "https://api.streamly.example"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, err := os.Open(filepath.Join("testdata", tc.har))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			imported, err := Import(f, tc.har, tc.opts)
			if err != nil {
				t.Fatalf("Import(%s): %v", tc.har, err)
			}
			golden.Check(t, filepath.Join("testdata", tc.name+".golden"), imported.YAML)
			sc, err := parseImported(t, imported.YAML)
			if err != nil {
				t.Fatalf("the imported scenario does not parse: %v", err)
			}
			if sc.Target.URL != tc.target || len(sc.Journeys) != 1 || len(sc.Journeys[0].Steps) != tc.steps {
				t.Errorf("imported: target %q, %d journeys, steps %d; want %q, 1 journey, %d steps",
					sc.Target.URL, len(sc.Journeys), len(sc.Journeys[0].Steps), tc.target, tc.steps)
			}
		})
	}
}

// testEntry is a recorded request, written compactly for the tests below.
type testEntry struct {
	typ      string // Chrome's _resourceType
	method   string // GET when empty
	url      string
	at, took time.Duration // start, from the recording's start, and duration
	headers  []string      // "Name: value"
	mime     string        // the request body's type
	body     string
	encoding string
	status   int // 200 when 0
	location string
	respMime string
	version  string
}

// testHAR writes a recording of entries, which start at 10:00:00 UTC.
func testHAR(title string, entries ...testEntry) string {
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	var list []map[string]any
	for _, e := range entries {
		var headers []map[string]string
		for _, h := range e.headers {
			name, value, _ := strings.Cut(h, ": ")
			headers = append(headers, map[string]string{"name": name, "value": value})
		}
		req := map[string]any{"method": e.method, "url": e.url, "httpVersion": e.version, "headers": headers}
		if e.method == "" {
			req["method"] = "GET"
		}
		if e.mime != "" || e.body != "" {
			req["postData"] = map[string]any{"mimeType": e.mime, "text": e.body, "encoding": e.encoding}
		}
		status := e.status
		if status == 0 {
			status = 200
		}
		resp := map[string]any{"status": status, "content": map[string]any{"mimeType": e.respMime}, "redirectURL": e.location}
		entry := map[string]any{
			"startedDateTime": start.Add(e.at).Format(time.RFC3339Nano),
			"time":            float64(e.took) / float64(time.Millisecond),
			"request":         req, "response": resp,
		}
		if e.typ != "" {
			entry["_resourceType"] = e.typ
		}
		list = append(list, entry)
	}
	log := map[string]any{"version": "1.2", "entries": list}
	if title != "" {
		log["pages"] = []map[string]string{{"id": "page_1", "title": title}}
		for _, e := range list {
			e["pageref"] = "page_1"
		}
	}
	b, err := json.Marshal(map[string]any{"log": log})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// step is what a test checks of an imported step, with templates run, so
// an escaped value reads as the request sends it.
type step struct {
	Name    string
	Request string
	Headers []string
	Body    string
	Expect  string
	Think   string
}

func rendered(t testing.TB, text string) string {
	t.Helper()
	tmpl, err := template.New("").Option("missingkey=error").Parse(text)
	if err != nil {
		return "TEMPLATE ERROR: " + err.Error()
	}
	var b strings.Builder
	if err := tmpl.Execute(&b, nil); err != nil {
		return "TEMPLATE ERROR: " + err.Error()
	}
	return b.String()
}

// renderedJSON runs the templates in a JSON body's strings.
func renderedJSON(t testing.TB, v scenario.JSONValue) scenario.JSONValue {
	t.Helper()
	switch v.Kind {
	case scenario.JSONString:
		v.Text = rendered(t, v.Text)
	case scenario.JSONArray:
		items := make([]scenario.JSONValue, len(v.Items))
		for i, item := range v.Items {
			items[i] = renderedJSON(t, item)
		}
		v.Items = items
	case scenario.JSONObject:
		fields := make([]scenario.JSONField, len(v.Fields))
		for i, f := range v.Fields {
			fields[i] = scenario.JSONField{Name: f.Name, Value: renderedJSON(t, f.Value)}
		}
		v.Fields = fields
	}
	return v
}

func stepsOf(t testing.TB, sc *scenario.Scenario) []step {
	t.Helper()
	var out []step
	for _, st := range sc.Journeys[0].Steps {
		s := step{Request: st.Method + " " + rendered(t, st.Path)}
		if strings.Contains(st.Name, " #") { // Import names only repeated request lines
			s.Name = st.Name
		}
		for _, h := range st.Headers {
			s.Headers = append(s.Headers, h.Name+": "+rendered(t, h.Value))
		}
		switch st.Body.Kind {
		case scenario.RawBody:
			s.Body = "raw " + rendered(t, st.Body.Raw)
		case scenario.JSONBody:
			s.Body = "json " + renderedJSON(t, *st.Body.JSON).Literal()
		case scenario.FormBody:
			var parts []string
			for _, p := range st.Body.Form {
				parts = append(parts, p.Name+"="+rendered(t, p.Value))
			}
			s.Body = "form " + strings.Join(parts, "&")
		}
		var statuses []string
		for _, m := range st.Expect.Status {
			statuses = append(statuses, m.String())
		}
		s.Expect = strings.Join(statuses, ",")
		if st.Think != nil {
			s.Think = st.Think.String()
		}
		out = append(out, s)
	}
	return out
}

func importSteps(t *testing.T, har string, opts Options) (src []byte, sc *scenario.Scenario, steps []step) {
	t.Helper()
	imported, err := Import(strings.NewReader(har), "test.har", opts)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	src = imported.YAML
	sc, err = parseImported(t, src)
	if err != nil {
		t.Fatalf("the imported scenario does not parse: %v\n%s", err, src)
	}
	return src, sc, stepsOf(t, sc)
}

const site = "https://shop.example.com"

func TestImportSteps(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	tests := []struct {
		name    string
		entries []testEntry
		opts    Options
		want    []step
	}{
		{
			name: "assets by resource type, media type and extension",
			entries: []testEntry{
				{typ: "document", url: site + "/"},
				{typ: "image", url: site + "/api/chart"},
				{typ: "xhr", url: site + "/api/photo.png", respMime: "image/png"},
				{url: site + "/theme", respMime: "text/css; charset=utf-8"},
				{url: site + "/fonts/a.woff2", respMime: "application/octet-stream"},
				{typ: "other", url: site + "/api/items", respMime: "application/json"},
			},
			want: []step{{Request: "GET /"}, {Request: "GET /api/photo.png"}, {Request: "GET /api/items"}},
		},
		{
			name: "keep assets",
			entries: []testEntry{
				{typ: "document", url: site + "/"},
				{typ: "stylesheet", url: site + "/a.css"},
			},
			opts: Options{KeepAssets: true},
			want: []step{{Request: "GET /"}, {Request: "GET /a.css"}},
		},
		{
			name: "only the target's host is kept, other origins of it as URLs",
			entries: []testEntry{
				{typ: "xhr", url: "https://api.example.com/v1/me"},
				{typ: "document", url: site + "/"},
				{typ: "ping", method: "POST", url: "https://www.google-analytics.com/collect"},
				{typ: "fetch", url: "https://api.example.com:443/v1/cart"},
				{typ: "fetch", url: "http://shop.example.com/old"},
				{typ: "fetch", url: "https://shop.example.com:8443/new"},
			},
			want: []step{{Request: "GET /"}, {Request: "GET http://shop.example.com/old"}, {Request: "GET https://shop.example.com:8443/new"}},
		},
		{
			name: "included hosts are kept as URLs",
			entries: []testEntry{
				{typ: "document", url: site + "/"},
				{typ: "xhr", url: "https://api.example.com/v1/me"},
				{typ: "xhr", url: "https://auth.example.com/token"},
				{typ: "xhr", url: "https://api.eu.example.com/v1/me"},
				{typ: "xhr", url: "https://example-api.herokuapp.com/v1/me"},
				{typ: "xhr", url: "https://other.herokuapp.com/v1/me"},
			},
			opts: Options{IncludeHosts: []string{"api.example.com", "*.eu.example.com", "https://example-api.herokuapp.com:443/"}},
			want: []step{{Request: "GET /"}, {Request: "GET https://api.example.com/v1/me"}, {Request: "GET https://api.eu.example.com/v1/me"},
				{Request: "GET https://example-api.herokuapp.com/v1/me"}},
		},
		{
			name: "a wildcard includes the domain and every host under it",
			entries: []testEntry{
				{typ: "document", url: site + "/"},
				{typ: "xhr", url: "https://example.com/a"},
				{typ: "xhr", url: "https://a.b.example.com/b"},
				{typ: "xhr", url: "https://notexample.com/c"},
			},
			opts: Options{IncludeHosts: []string{"*.example.com"}},
			want: []step{{Request: "GET /"}, {Request: "GET https://example.com/a"}, {Request: "GET https://a.b.example.com/b"}},
		},
		{
			name: "CORS preflights are left out, other OPTIONS requests kept",
			entries: []testEntry{
				{typ: "document", url: site + "/"},
				{typ: "preflight", method: "OPTIONS", url: site + "/api/a"},
				{method: "OPTIONS", url: site + "/api/b", headers: []string{"Access-Control-Request-Method: POST", "Origin: https://www.example.com"}},
				{method: "OPTIONS", url: site + "/api/c"},
			},
			want: []step{{Request: "GET /"}, {Request: "OPTIONS /api/c"}},
		},
		{
			name: "audio and video are assets, however they were fetched",
			entries: []testEntry{
				{typ: "document", url: site + "/"},
				{typ: "xhr", url: site + "/v/1/seg-1.m4s", respMime: "video/iso.segment"},
				{typ: "fetch", url: site + "/a/1.aac", respMime: "audio/aac"},
				{typ: "xhr", url: site + "/v/1/master.m3u8", respMime: "application/vnd.apple.mpegurl"},
			},
			want: []step{{Request: "GET /"}, {Request: "GET /v/1/master.m3u8"}},
		},
		{
			name: "keep third parties",
			entries: []testEntry{
				{typ: "document", url: site + "/"},
				{typ: "ping", method: "POST", url: "https://www.google-analytics.com/collect?v=2"},
			},
			opts: Options{KeepThirdParty: true},
			want: []step{{Request: "GET /"}, {Request: "POST https://www.google-analytics.com/collect?v=2"}},
		},
		{
			name: "think times from the pauses, on the step before",
			entries: []testEntry{
				{url: site + "/a", at: 0, took: 100 * ms},
				{url: site + "/b", at: 190 * ms, took: 10 * ms},     // 90ms: none
				{url: site + "/c", at: 349 * ms, took: 11 * ms},     // 149ms: 100ms
				{url: site + "/d", at: 2820 * ms, took: 80 * ms},    // 2.46s
				{url: site + "/e", at: 15500 * ms, took: 100 * ms},  // 12.6s
				{url: site + "/f", at: 100600 * ms, took: 100 * ms}, // 85s: capped
				{url: site + "/g", at: 100650 * ms},                 // overlaps: none
			},
			want: []step{{Request: "GET /a"}, {Request: "GET /b", Think: "100ms"}, {Request: "GET /c", Think: "2.5s"},
				{Request: "GET /d", Think: "13s"}, {Request: "GET /e", Think: "1m"}, {Request: "GET /f"}, {Request: "GET /g"}},
		},
		{
			name: "sent in the order recorded, whatever the file's order",
			entries: []testEntry{
				{url: site + "/second", at: 2 * time.Second},
				{url: site + "/first", at: 0},
			},
			want: []step{{Request: "GET /first", Think: "2s"}, {Request: "GET /second"}},
		},
		{
			name: "a redirect liftoff follows takes in the request to its location",
			entries: []testEntry{
				{typ: "document", method: "POST", url: site + "/login", mime: "application/x-www-form-urlencoded", body: "user=ann", status: 302, location: "/account", took: 50 * ms},
				{typ: "document", url: site + "/account", at: 60 * ms, took: 40 * ms, status: 302, location: site + "/welcome"},
				{typ: "document", url: site + "/welcome", at: 110 * ms, took: 40 * ms, status: 404},
				{typ: "xhr", url: site + "/api/me", at: 1150 * ms},
			},
			want: []step{{Request: "POST /login", Body: "form user=ann", Expect: "404", Think: "1s"}, {Request: "GET /api/me"}},
		},
		{
			name: "a redirect to another host is not followed, so its status is expected",
			entries: []testEntry{
				{typ: "document", method: "POST", url: site + "/pay", status: 303, location: "https://pay.example.net/s/1"},
				{typ: "document", url: "https://pay.example.net/s/1"},
			},
			want: []step{{Request: "POST /pay", Expect: "303"}},
		},
		{
			name: "a followed redirect whose next request is not recorded expects nothing",
			entries: []testEntry{
				{typ: "document", url: site + "/old", status: 301, location: site + "/new"},
				{typ: "xhr", url: site + "/api/x"},
			},
			want: []step{{Request: "GET /old"}, {Request: "GET /api/x"}},
		},
		{
			name: "statuses: 2xx, 304 and 5xx expect nothing, 4xx is expected",
			entries: []testEntry{
				{url: site + "/a", status: 201},
				{url: site + "/b", status: 304},
				{url: site + "/c", status: 404},
				{url: site + "/d", status: 503},
			},
			want: []step{{Request: "GET /a"}, {Request: "GET /b"}, {Request: "GET /c", Expect: "404"}, {Request: "GET /d"}},
		},
		{
			name: "headers: pseudo-headers and client-set headers dropped, credentials replaced",
			entries: []testEntry{
				{url: site + "/api/x", headers: []string{
					":authority: shop.example.com", ":method: GET", ":path: /api/x", ":scheme: https",
					"host: shop.example.com", "content-length: 0", "connection: keep-alive", "accept-encoding: gzip, br",
					"user-agent: Mozilla/5.0", "if-none-match: \"e1\"", "sec-fetch-site: same-origin", "sec-ch-ua-mobile: ?0",
					"accept: application/json", "x-request-id: r-{{1}}-${USER}",
					"authorization: Basic YWxpY2U6c2VjcmV0", "cookie: a=1", "cookie: b=2", "X-Api-Key: k-123456",
				}},
			},
			want: []step{{Request: "GET /api/x", Headers: []string{
				"Accept: application/json", "X-Request-Id: r-{{1}}-${USER}",
				"Authorization: Basic har_authorization", "Cookie: har_cookie", "X-Api-Key: har_x_api_key",
			}}},
		},
		{
			name: "headers every step sends alike go to the defaults",
			entries: []testEntry{
				{url: site + "/a", headers: []string{"Accept-Language: de", "Accept: text/html"}},
				{url: site + "/b", headers: []string{"Accept: application/json", "Accept-Language: de"}},
			},
			want: []step{{Request: "GET /a", Headers: []string{"Accept: text/html"}}, {Request: "GET /b", Headers: []string{"Accept: application/json"}}},
		},
		{
			name: "bodies",
			entries: []testEntry{
				{method: "POST", url: site + "/json", mime: "application/json", headers: []string{"Content-Type: application/json"},
					body: `{"b":1,"a":[true,null,1.50,"{{x}}"],"b":"${HOME}","password":"p4ss-w0rd!"}`},
				{method: "POST", url: site + "/vnd", mime: "application/vnd.api+json", body: `{"data":{"type":"cart"}}`},
				{method: "POST", url: site + "/beacon", mime: "text/plain;charset=UTF-8", body: `[{"e":"view"}]`},
				{method: "POST", url: site + "/form", mime: "application/x-www-form-urlencoded", body: "q=a+b%26c&q=2&token=t0k3n&empty="},
				{method: "PUT", url: site + "/text", mime: "text/csv", body: "a,b\n1,{{2}}\n"},
				{method: "POST", url: site + "/broken", mime: "application/json", body: `{"a":`},
				{method: "POST", url: site + "/bad-form", mime: "application/x-www-form-urlencoded", body: "a=%zz"},
				{method: "POST", url: site + "/bin", mime: "application/octet-stream", body: "\x00\x01\x02"},
				{method: "POST", url: site + "/b64", mime: "image/png", body: "iVBORw0KGgo=", encoding: "base64"},
				{method: "POST", url: site + "/lossy", mime: "application/octet-stream", body: "PK\x03\x04\xff\xfe"},
			},
			want: []step{
				{Request: "POST /json", Body: `json {"b":1,"a":[true,null,1.50,"{{x}}"],"b":"${HOME}","password":"har_password"}`},
				{Request: "POST /vnd", Headers: []string{"Content-Type: application/vnd.api+json"}, Body: `json {"data":{"type":"cart"}}`},
				{Request: "POST /beacon", Headers: []string{"Content-Type: text/plain;charset=UTF-8"}, Body: `json [{"e":"view"}]`},
				{Request: "POST /form", Body: "form q=a b&c&q=2&token=har_token&empty="},
				{Request: "PUT /text", Headers: []string{"Content-Type: text/csv"}, Body: "raw a,b\n1,{{2}}\n"},
				{Request: "POST /broken", Headers: []string{"Content-Type: application/json"}, Body: `raw {"a":`},
				{Request: "POST /bad-form", Headers: []string{"Content-Type: application/x-www-form-urlencoded"}, Body: "raw a=%zz"},
				{Request: "POST /bin"},
				{Request: "POST /b64"},
				{Request: "POST /lossy"},
			},
		},
		{
			name: "request lines: query kept, credentials replaced, unsafe bytes encoded",
			entries: []testEntry{
				{url: site + "/search?q={{x}}&sort=${y}&api_key=k3y-v4lue#frag"},
				{url: site + "/a b/ü?x=1 2"},
				{url: "https://user:pw@shop.example.com/private"},
				{url: site + "?"},
			},
			want: []step{
				{Request: "GET /search?q=%7B%7Bx%7D%7D&sort=$%7By%7D&api_key=har_api_key"},
				{Request: "GET /a%20b/%C3%BC?x=1%202"},
				{Request: "GET /private"},
				{Request: "GET /?"},
			},
		},
		{
			name: "a repeated request line gets a numbered name",
			entries: []testEntry{
				{url: site + "/api/cart"},
				{url: site + "/"},
				{url: site + "/api/cart"},
				{url: site + "/api/cart"},
			},
			want: []step{{Request: "GET /api/cart"}, {Request: "GET /"}, {Name: "GET /api/cart #2", Request: "GET /api/cart"}, {Name: "GET /api/cart #3", Request: "GET /api/cart"}},
		},
		{
			name: "left out: websockets, other schemes, bad methods",
			entries: []testEntry{
				{typ: "websocket", url: "wss://shop.example.com/live", status: 101},
				{url: "ws://shop.example.com/live2"},
				{url: "data:text/plain,hi"},
				{url: "chrome-extension://abc/x.js"},
				{method: "get", url: site + "/lower"},
				{method: "BREW", url: site + "/pot"},
				{url: site + "/ok"},
			},
			want: []step{{Request: "GET /ok"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src, _, got := importSteps(t, testHAR("", tc.entries...), tc.opts)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("imported steps (-want +got):\n%s\nscenario:\n%s", diff, src)
			}
		})
	}
}

func TestImportScenario(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		title    string
		entries  []testEntry
		opts     Options
		scenario string
		journey  string
		target   string
		http     scenario.HTTPVersion
		defaults []scenario.Header
		comments []string
	}{
		{
			name: "named after the page's title", title: "Spring sale: sneakers / 40% off",
			entries:  []testEntry{{typ: "document", url: "https://shop.example.com:8443/"}},
			scenario: "Spring sale: sneakers / 40% off", journey: "Spring sale sneakers 40% off", target: "https://shop.example.com:8443", http: scenario.HTTP1,
		},
		{
			name: "named after the host when the title is a URL (Chrome)", title: "https://shop.example.com/",
			entries:  []testEntry{{typ: "document", url: "http://127.0.0.1:8080/"}},
			scenario: "shop.example.com", journey: "shop.example.com", target: "http://127.0.0.1:8080", http: scenario.HTTP1,
		},
		{
			name: "the --name flag names the scenario", opts: Options{Name: "Launch ${X}"},
			entries:  []testEntry{{url: "http://127.0.0.1:8080/"}},
			scenario: "Launch ${X}", journey: "127.0.0.1", target: "http://127.0.0.1:8080", http: scenario.HTTP1,
		},
		{
			name:     "the target is the page load's origin, and other origins are absolute URLs",
			entries:  []testEntry{{typ: "xhr", url: "https://api.example.com/x"}, {typ: "document", url: "https://www.example.com/"}},
			opts:     Options{IncludeHosts: []string{"api.example.com"}},
			scenario: "www.example.com", journey: "www.example.com", target: "https://www.example.com", http: scenario.HTTP1,
			comments: []string{
				"# The target is https://www.example.com: the page the browser loaded,",
				"# https://www.example.com/ (a document, as Chrome's _resourceType says).",
				"# Steps to these other origins are written as absolute URLs; liftoff sends", "#   https://api.example.com",
			},
		},
		{
			name:     "the starter traffic follows the journey's length",
			entries:  []testEntry{{url: site + "/a"}, {url: site + "/b"}, {url: site + "/c"}, {url: site + "/d"}, {url: site + "/e"}, {url: site + "/f"}, {url: site + "/g"}, {url: site + "/h"}, {url: site + "/i"}, {url: site + "/j"}, {url: site + "/k"}, {url: site + "/l"}, {url: site + "/m"}, {url: site + "/n"}, {url: site + "/o"}, {url: site + "/p"}, {url: site + "/q"}, {url: site + "/r"}, {url: site + "/s"}, {url: site + "/t"}, {url: site + "/u"}},
			scenario: "shop.example.com", journey: "shop.example.com", target: site, http: scenario.HTTP1,
			comments: []string{
				"# A first, gentle run: 12 visitors a minute for 1m, each replaying the",
				"# recording's 21 steps: about 4.2 requests a second. Before a real test, set",
				"    - {name: replay, duration: 1m, rate: 12/min}",
			},
		},
		{
			name:     "HTTP/2 when the browser spoke it to an https site",
			entries:  []testEntry{{url: site + "/", version: "h2"}, {url: site + "/b", version: "http/2.0", headers: []string{"Authorization: Bearer abc.def"}}},
			scenario: "shop.example.com", journey: "shop.example.com", target: site, http: scenario.HTTP2,
			comments: []string{"#   HAR_AUTHORIZATION  the Authorization header's credential, after the scheme (Bearer), in 1 request"},
		},
		{
			name:     "credentials every step sends go to the defaults",
			entries:  []testEntry{{url: site + "/", headers: []string{"Cookie: a=1"}}, {url: site + "/b", headers: []string{"Cookie: a=2"}}},
			scenario: "shop.example.com", journey: "shop.example.com", target: site, http: scenario.HTTP1,
			defaults: []scenario.Header{{Name: "Cookie", Value: "har_cookie", Secret: true}},
			comments: []string{"#   HAR_COOKIE  the Cookie header, in 2 requests (the recording sent 2 different values)"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src, sc, _ := importSteps(t, testHAR(tc.title, tc.entries...), tc.opts)
			got := []any{sc.Name, sc.Journeys[0].Name, sc.Target.URL, sc.Defaults.HTTP, sc.Defaults.Headers}
			want := []any{tc.scenario, tc.journey, tc.target, tc.http, tc.defaults}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("name, journey, target, http, default headers (-want +got):\n%s\n%s", diff, src)
			}
			for _, c := range tc.comments {
				if !strings.Contains(string(src), c+"\n") {
					t.Errorf("the scenario has no line %q:\n%s", c, src)
				}
			}
			if len(sc.SLO) == 0 || len(sc.Traffic.Phases) != 1 {
				t.Errorf("want starter SLO rules and one phase, got %d rules and %d phases", len(sc.SLO), len(sc.Traffic.Phases))
			}
		})
	}
}

func TestImportErrors(t *testing.T) {
	t.Parallel()
	allAssets := testHAR("", testEntry{typ: "image", url: site + "/a.png"}, testEntry{typ: "script", url: "https://cdn.example.net/x.js"})
	thirdParty := testHAR("", testEntry{typ: "document", url: site + "/a.png", respMime: "image/png"}, testEntry{url: "https://other.example.net/"})
	services := testHAR("", testEntry{typ: "ping", method: "POST", url: "https://www.google-analytics.com/g/collect"},
		testEntry{typ: "document", url: "https://securepubads.g.doubleclick.net/slot"}, testEntry{typ: "xhr", url: "https://ads.example.com/bid"})
	visit := testHAR("", testEntry{typ: "document", url: site + "/"}, testEntry{typ: "xhr", url: "https://api.example.com/v1"})
	tests := []struct {
		name, src string
		opts      Options
		want      string
	}{
		{"only services", services, Options{},
			`rec.har: log.entries: the recording holds no request to a site the import can aim at: every one went to an ad, analytics, beacon or font service (name the site to test with --target HOST; the recording's hosts: www.google-analytics.com (1), securepubads.g.doubleclick.net (1), ads.example.com (1))`},
		{"a target the recording does not visit", visit, Options{Target: "www.example.org"},
			`rec.har: --target www.example.org: no request in the recording goes to it (the recording's hosts: shop.example.com (1), api.example.com (1))`},
		{"a target that is no URL", visit, Options{Target: "ftp://shop.example.com"},
			`rec.har: --target "ftp://shop.example.com" is neither a host nor an http or https URL (e.g. --target www.example.com or --target https://www.example.com)`},
		{"an included host the recording does not visit", visit, Options{IncludeHosts: []string{"api.example.com", "apl.example.com"}},
			`rec.har: --include-host apl.example.com: no request in the recording goes to it (the recording's hosts: shop.example.com (1), api.example.com (1))`},
		{"everything on other hosts", testHAR("", testEntry{typ: "image", url: site + "/a.png"}, testEntry{typ: "xhr", url: "https://api.example.com/v1"}), Options{Target: "shop.example.com"},
			`rec.har: log.entries: every request in the recording was left out: 1 static asset: images, stylesheets, scripts, fonts, media (--keep-assets keeps them); 1 request to other hosts of this site (--include-host HOST keeps them): https://api.example.com (1)`},
		{"not JSON", "<html>\n</html>", Options{}, `rec.har:1: not a HAR file: invalid JSON: invalid character '<' looking for beginning of value (save the recording from the browser's developer tools: Network tab, Export HAR (or Save all as HAR))`},
		{"JSON error on line 3", "{\n\"log\": {\n\"entries\": [,]}}", Options{}, `rec.har:3: not a HAR file: invalid JSON: invalid character ',' looking for beginning of value`},
		{"not an object", `[1, 2]`, Options{}, `rec.har:1: not a HAR file: the file holds a JSON array, not an object`},
		{"wrong type", "{\"log\": {\"entries\": [{\"time\": \"slow\"}]}}", Options{}, `rec.har:1: log.entries.time: not a HAR file: found a JSON string where HAR has a number`},
		{"wrong shape", "{\"log\": []}", Options{}, `rec.har:1: log: not a HAR file: found a JSON array where HAR has an object`},
		{"no URL", `{"log": {"entries": [{}]}}`, Options{}, `rec.har: log.entries: every request in the recording was left out: 1 request without a full URL`},
		{"no log", `{"version": "1.2"}`, Options{}, `rec.har: not a HAR file: it has no "log"`},
		{"no entries", `{"log": {"version": "1.2"}}`, Options{}, `rec.har: log: not a HAR file: the log has no "entries"`},
		{"empty", `{"log": {"entries": []}}`, Options{}, `rec.har: log.entries: the recording holds no requests (open the Network tab before using the site, then export the recording)`},
		{"only assets", allAssets, Options{}, `rec.har: log.entries: every request in the recording was left out: 2 static assets: images, stylesheets, scripts, fonts, media (--keep-assets keeps them)`},
		{"empty file", "", Options{}, `rec.har:1: not a HAR file: invalid JSON: unexpected end of JSON input`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, err := Import(strings.NewReader(tc.src), "rec.har", tc.opts)
			if err == nil {
				t.Fatalf("Import succeeded, want an error:\n%s", out.YAML)
			}
			var se *scenario.Error
			if !errors.As(err, &se) {
				t.Fatalf("Import error %v is not a scenario problem", err)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("Import error:\n%s\nwant it to start with:\n%s", err, tc.want)
			}
		})
	}
	if _, err := Import(strings.NewReader(thirdParty), "rec.har", Options{}); err != nil {
		t.Errorf("a recording whose first page is an image path still has a target: %v", err)
	}
}

// TestImportNeverCopiesCredentials imports a recording full of
// real-looking credentials, with every option, and checks that none of
// them reaches the scenario, its comments included.
func TestImportNeverCopiesCredentials(t *testing.T) {
	t.Parallel()
	secrets := []string{
		"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbm4ifQ.c2lnbmF0dXJl",
		"sess-4b1d9a77c0ffee",
		"cHJveHk6c2VjcmV0",
		"ak_live_51Hx9yQ2eZvKYlo2C",
		"hunter2-Secret!",
		"csrf-0d5e11a7",
		"refresh-7f7f7f7f",
		"qs-token-1234abcd",
	}
	har := testHAR("", testEntry{typ: "document", method: "POST", url: site + "/login?next=/&auth_token=" + secrets[7],
		headers: []string{
			"Authorization: Bearer " + secrets[0],
			"Cookie: sid=" + secrets[1] + "; theme=dark",
			"Proxy-Authorization: Basic " + secrets[2],
			"X-API-Key: " + secrets[3],
			"X-XSRF-Token: " + secrets[5],
		},
		mime: "application/x-www-form-urlencoded", body: "user=ann&password=" + strings.ReplaceAll(secrets[4], "!", "%21"),
		status: 302, location: "/account",
	}, testEntry{typ: "fetch", method: "POST", url: "https://auth.example.org/token", mime: "application/json",
		body:    `{"grant":"refresh","refresh_token":"` + secrets[6] + `","user":{"password":"` + secrets[4] + `"}}`,
		headers: []string{"authorization: Bearer " + secrets[0]}})
	for _, opts := range []Options{{}, {KeepAssets: true, KeepThirdParty: true}} {
		imported, err := Import(strings.NewReader(har), "rec.har", opts)
		if err != nil {
			t.Fatal(err)
		}
		out := imported.YAML
		for _, s := range secrets {
			if strings.Contains(string(out), s) || strings.Contains(imported.TargetWhy, s) {
				t.Errorf("the scenario (options %+v) holds the recorded credential %q:\n%s\n%s", opts, s, out, imported.TargetWhy)
			}
		}
		if _, err := parseImported(t, out); err != nil {
			t.Errorf("the scenario does not parse: %v", err)
		}
	}
}

// FuzzImport checks that no input makes Import panic, that it
// fails only with scenario problems, and that what it writes parses.
func FuzzImport(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.har"))
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(src))
	}
	f.Add(`{"log":{"entries":[{"request":{"method":"GET","url":"http://a/"}}]}}`)
	f.Add(`{"log":{"entries":[{"request":{"method":"POST","url":"http://a/{{x}}","postData":{"mimeType":"application/json","text":"{\"a\":[{}]}"}}}]}}`)
	f.Add(`{"log":{"entries":[]}}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, src string) {
		checkFuzzImport(t, src)
	})
}

// FuzzImportEntry fuzzes the parts of one recorded request, which
// random bytes seldom reach as valid JSON.
func FuzzImportEntry(f *testing.F) {
	f.Add("POST", "https://shop.example.com/a?b=c&token=x", "X-Thing", "v{{1}}${A}", "application/json", `{"password":"x","a":[1,2.5e3,null]}`, 302, "/b")
	f.Add("GET", "http://127.0.0.1:9/", "cookie", "a=b", "application/x-www-form-urlencoded", "a=1&a=2&%zz", 200, "")
	f.Add("PUT", "https://x.co.uk/%7B%7B", ":path", "/", "text/plain", "line\r\nline\x00", 404, "")
	f.Fuzz(func(t *testing.T, method, rawURL, hname, hvalue, mime, body string, status int, location string) {
		har := testHAR("title "+hvalue, testEntry{typ: "document", method: method, url: rawURL, headers: []string{hname + ": " + hvalue},
			mime: mime, body: body, status: status, location: location},
			testEntry{method: method, url: location, at: time.Second, headers: []string{hname + ": " + hvalue}})
		checkFuzzImport(t, har)
	})
}

func checkFuzzImport(t *testing.T, src string) {
	imported, err := Import(strings.NewReader(src), "fuzz.har", Options{})
	if err != nil {
		if scenario.Problems(err) == nil {
			t.Fatalf("Import failed with %v, which is no scenario problem", err)
		}
		return
	}
	if _, err := parseImported(t, imported.YAML); err != nil {
		t.Fatalf("the imported scenario does not parse: %v\n%s", err, imported.YAML)
	}
}

func TestRoundThink(t *testing.T) {
	t.Parallel()
	tests := []struct {
		gap    time.Duration
		think  time.Duration
		capped bool
	}{
		{-time.Second, 0, false},
		{99 * time.Millisecond, 0, false},
		{100 * time.Millisecond, 100 * time.Millisecond, false},
		{1249 * time.Millisecond, 1200 * time.Millisecond, false},
		{9960 * time.Millisecond, 10 * time.Second, false},
		{10400 * time.Millisecond, 10 * time.Second, false},
		{59600 * time.Millisecond, time.Minute, false},
		{time.Minute, time.Minute, false},
		{time.Hour, time.Minute, true},
	}
	for _, tc := range tests {
		think, capped := roundThink(tc.gap)
		if think != tc.think || capped != tc.capped {
			t.Errorf("roundThink(%v) = %v, %v; want %v, %v", tc.gap, think, capped, tc.think, tc.capped)
		}
	}
}

func TestSiteOf(t *testing.T) {
	t.Parallel()
	for host, want := range map[string]string{
		"shop.example.com":   "example.com",
		"example.com":        "example.com",
		"a.b.example.co.uk":  "example.co.uk",
		"www.example.com.au": "example.com.au",
		"cdn.example.io":     "example.io",
		"localhost":          "localhost",
		"127.0.0.1":          "127.0.0.1",
		"::1":                "::1",
		"WWW.Example.COM.":   "example.com",
	} {
		if got := siteOf(host); got != want {
			t.Errorf("siteOf(%q) = %q, want %q", host, got, want)
		}
	}
}

func ExampleImport() {
	har := `{"log": {"entries": [
	  {"startedDateTime": "2026-03-02T10:00:00Z", "time": 50,
	   "request": {"method": "GET", "url": "https://shop.example.com/products/7", "headers": []},
	   "response": {"status": 200, "content": {"mimeType": "text/html"}}}]}}`
	imported, err := Import(strings.NewReader(har), "visit.har", Options{Name: "Product page"})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = scenario.Parse(bytes.NewReader(imported.YAML), "visit.yaml", scenario.Options{})
	fmt.Println("valid:", err == nil)
	fmt.Println("target:", imported.Target)
	fmt.Println("starter:", imported.Starter)
	// Output:
	// valid: true
	// target: https://shop.example.com
	// starter: 1 visitor a second for 1m, each replaying the recording's 1 step: about 1 request a second
}
