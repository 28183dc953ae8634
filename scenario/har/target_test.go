package har

import (
	"strings"
	"testing"
)

// TestChooseTarget checks each piece of evidence the target is chosen
// from, alone, and that none of them aims at a service host.
func TestChooseTarget(t *testing.T) {
	t.Parallel()
	const (
		www = "https://www.example.com"
		api = "https://api.example.com"
		ad  = "https://serve.adnet.example"
	)
	iframe := []string{"Sec-Fetch-Dest: iframe", "Sec-Fetch-Mode: navigate", "Referer: " + www + "/"}
	fromPage := []string{"Sec-Fetch-Dest: empty", "Sec-Fetch-Mode: cors", "Referer: " + www + "/", "Origin: " + www}
	tests := []struct {
		name    string
		title   string // the pages list's one page
		entries []testEntry
		opts    Options
		target  string
		why     string // the start of the reason
	}{
		{
			name: "a page load, after an ad's iframe (Sec-Fetch-Dest)",
			entries: []testEntry{
				{typ: "document", url: ad + "/slot?id=7", headers: iframe},
				{typ: "document", url: www + "/watch?v=1&token=s3cret", headers: []string{"Sec-Fetch-Dest: document", "Sec-Fetch-Mode: navigate"}},
			},
			target: www, why: "the page the browser loaded, https://www.example.com/watch (Sec-Fetch-Dest: document)",
		},
		{
			name:    "a navigation without a destination (Sec-Fetch-Mode)",
			entries: []testEntry{{typ: "xhr", url: api + "/x"}, {url: www + "/", headers: []string{"Sec-Fetch-Mode: navigate"}}},
			target:  www, why: "the page the browser loaded, https://www.example.com/ (Sec-Fetch-Mode: navigate)",
		},
		{
			name: "a page load of a service is no target (ad server, plain http)",
			entries: []testEntry{
				{typ: "document", url: "http://ad.doubleclick.net/ddm/x"},
				{typ: "document", url: "http://www.example.com/"},
			},
			target: "http://www.example.com", why: "the page the browser loaded, http://www.example.com/ (a document, as Chrome's _resourceType says)",
		},
		{
			name: "of pages on several sites, the one most requests went to",
			entries: []testEntry{
				{typ: "document", url: "https://search.example.org/?q=shoes", headers: []string{"Sec-Fetch-Dest: document"}},
				{typ: "document", url: www + "/shoes", headers: []string{"Sec-Fetch-Dest: document"}},
				{typ: "xhr", url: www + "/api/a"},
				{typ: "xhr", url: api + "/b"},
			},
			target: www, why: "the page the browser loaded, https://www.example.com/shoes",
		},
		{
			name:  "recorded after the page loaded: the pages list",
			title: www + "/watch/1",
			entries: []testEntry{
				{typ: "document", url: ad + "/slot", headers: iframe},
				{typ: "xhr", url: www + "/api/me"},
				{typ: "xhr", url: api + "/v1/rows"},
				{typ: "xhr", url: api + "/v1/rows/2"},
			},
			target: www, why: "the recording's page, https://www.example.com/watch/1 (log.pages)",
		},
		{
			name:  "the pages list names the site; its API is the target when the page's host has no request",
			title: www + "/watch/1",
			entries: []testEntry{
				{typ: "document", url: ad + "/slot", headers: iframe},
				{typ: "xhr", url: api + "/v1/me"},
				{typ: "xhr", url: "https://auth.example.com/token"},
				{typ: "xhr", url: api + "/v1/rows"},
			},
			target: api, why: "the site of the recording's page, https://www.example.com/watch/1 (log.pages); the recording holds no request to www.example.com itself, and 2 of the site's 3 went to this origin",
		},
		{
			name: "recorded after the page loaded, no pages list: the Referer chain (the reported failure)",
			entries: []testEntry{
				{typ: "document", url: ad + "/slot", headers: iframe},
				{typ: "xhr", url: ad + "/bid", headers: []string{"Referer: " + ad + "/"}},
				{typ: "fetch", url: api + "/v1/me", headers: fromPage},
				{typ: "fetch", url: api + "/v1/rows", headers: fromPage},
			},
			target: api, why: "the site of the page most requests came from, https://www.example.com (3 of 4 name it in their Referer or Origin)",
		},
		{
			name: "the Referer chain climbs from a frame to the page that embeds it",
			entries: []testEntry{
				{typ: "document", url: ad + "/slot", headers: iframe},
				{typ: "xhr", url: ad + "/a", headers: []string{"Referer: " + ad + "/"}},
				{typ: "xhr", url: ad + "/b", headers: []string{"Referer: " + ad + "/"}},
				{typ: "xhr", url: ad + "/c", headers: []string{"Referer: " + ad + "/"}},
				{typ: "fetch", url: www + "/api/me", headers: fromPage},
			},
			target: www, why: "the page that embeds https://serve.adnet.example in a frame; that is the page most requests came from, https://serve.adnet.example (3 of 5",
		},
		{
			name: "a Referer on a service host is no target",
			entries: []testEntry{
				{typ: "xhr", url: "https://www.googletagmanager.com/a", headers: []string{"Referer: https://www.googletagmanager.com/"}},
				{typ: "xhr", url: "https://www.googletagmanager.com/b", headers: []string{"Referer: https://www.googletagmanager.com/"}},
				{typ: "fetch", url: www + "/api/me", headers: fromPage},
			},
			target: www, why: "the page most requests came from, https://www.example.com (1 of 3",
		},
		{
			name: "no page, no Referer: the origin most requests went to, beacons and services aside",
			entries: []testEntry{
				{typ: "ping", method: "POST", url: www + "/beacon"},
				{typ: "ping", method: "POST", url: www + "/beacon"},
				{typ: "xhr", url: "https://www.google-analytics.com/g/collect"},
				{typ: "xhr", url: "https://www.google-analytics.com/g/collect"},
				{typ: "xhr", url: "https://metrics.example.net/v1"},
				{typ: "xhr", url: "https://metrics.example.net/v1"},
				{typ: "image", url: "https://cdn.example.net/a.png"},
				{typ: "image", url: "https://cdn.example.net/b.png"},
				{typ: "xhr", url: api + "/v1/a"},
			},
			target: api, why: "the origin most requests went to (1 of 1 pages and API calls)",
		},
		{
			name:    "--target names a host",
			entries: []testEntry{{typ: "document", url: www + "/", headers: []string{"Sec-Fetch-Dest: document"}}, {typ: "xhr", url: "http://api.example.com:8080/x"}},
			opts:    Options{Target: "API.example.com"},
			target:  "http://api.example.com:8080", why: "chosen with --target",
		},
		{
			name:    "--target names an origin",
			entries: []testEntry{{typ: "document", url: www + "/"}, {typ: "xhr", url: "http://api.example.com/x"}},
			opts:    Options{Target: "https://api.example.com/ignored/path"},
			target:  "https://api.example.com", why: "chosen with --target",
		},
		{
			name:    "--target may name a service",
			entries: []testEntry{{typ: "document", url: www + "/"}, {typ: "ping", url: "https://www.google-analytics.com/g/collect"}},
			opts:    Options{Target: "www.google-analytics.com", KeepThirdParty: true},
			target:  "https://www.google-analytics.com", why: "chosen with --target",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			imported, err := Import(strings.NewReader(testHAR(tc.title, tc.entries...)), "rec.har", tc.opts)
			if err != nil {
				t.Fatalf("Import: %v", err)
			}
			if imported.Target != tc.target || !strings.HasPrefix(imported.TargetWhy, tc.why) {
				t.Errorf("target %s, because %s\nwant %s, because %s…", imported.Target, imported.TargetWhy, tc.target, tc.why)
			}
			if !strings.Contains(string(imported.YAML), "\ntarget: "+tc.target+"\n") {
				t.Errorf("the scenario does not target %s:\n%s", tc.target, imported.YAML)
			}
		})
	}
}

func TestServiceHost(t *testing.T) {
	t.Parallel()
	for host, want := range map[string]bool{
		"securepubads.g.doubleclick.net": true,
		"doubleclick.net":                true,
		"www.google-analytics.com":       true,
		"fonts.gstatic.com":              true,
		"ads.example.com":                true,
		"px.ads.example.co.uk":           true,
		"metrics.shop.example.com":       true,
		"WWW.GOOGLETAGMANAGER.COM.":      true,
		"www.example.com":                false,
		"api.example.com":                false,
		"ads.com":                        false, // a site named ads, not an ads host of a site
		"notdoubleclick.net":             false,
		"www.google.com":                 false,
		"127.0.0.1":                      false,
		"localhost":                      false,
	} {
		if got := serviceHost(host); got != want {
			t.Errorf("serviceHost(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestStarterFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		steps int
		rate  string
		text  string
	}{
		{1, "1/s", "1 visitor a second for 1m, each replaying the recording's 1 step: about 1 request a second"},
		{5, "1/s", "1 visitor a second for 1m, each replaying the recording's 5 steps: about 5 requests a second"},
		{8, "30/min", "30 visitors a minute for 1m, each replaying the recording's 8 steps: about 4 requests a second"},
		{21, "12/min", "12 visitors a minute for 1m, each replaying the recording's 21 steps: about 4.2 requests a second"},
		// The example: 1 visitor a second of 100 steps was 100 requests a second.
		{100, "3/min", "3 visitors a minute for 4m, each replaying the recording's 100 steps: about 5 requests a second"},
		{301, "1/min", "1 visitor a minute for 10m, each replaying the recording's 301 steps: about 5 requests a second"},
		{900, "1/min", "1 visitor a minute for 10m, each replaying the recording's 900 steps: about 15 requests a second"},
	}
	for _, tc := range tests {
		s := starterFor(tc.steps)
		if s.Rate() != tc.rate || s.String() != tc.text {
			t.Errorf("starterFor(%d) = %s, %q\nwant %s, %q", tc.steps, s.Rate(), s, tc.rate, tc.text)
		}
		if s.RequestsPerSecond() > 5 && s.PerMinute > 1 {
			t.Errorf("starterFor(%d) sends %v requests a second, more than a gentle first run", tc.steps, s.RequestsPerSecond())
		}
	}
}
