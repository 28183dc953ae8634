package har

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/liftoff/liftoff/scenario"
)

// The target is the origin a load test from the recording aims at.
// Choosing it wrongly is the import's one dangerous mistake: a recording
// made after a page loaded may start with an ad's iframe, and a target
// taken from it would send a campaign's load to an ad server. So the
// choice follows the evidence of what the person visited, strongest
// first, and never falls on a service host (ads, analytics, beacons,
// fonts: see serviceHost) unless --target names one:
//
//  1. --target;
//  2. a top-level page load: Sec-Fetch-Dest: document, Sec-Fetch-Mode:
//     navigate, or, with no Sec-Fetch headers (plain http), Chrome's
//     _resourceType document;
//  3. the recording's pages list, where Chrome titles a page with its URL;
//  4. the Referer chain: the page most requests were sent from, and from
//     a frame up to the page that embeds it;
//  5. the origin most requests went to.
//
// A page load names its origin. The pages list, the Referer chain and the
// request counts name a site; when the recording holds no request to the
// page's own host (recorded after the page loaded), the target is the
// site's origin most requests went to, such as its API.

// chooseTarget sets im.target and im.why from the recorded requests.
func (im *importer) chooseTarget(recs []harRecord, pages []harPage) error {
	if im.opts.Target != "" {
		return im.namedTarget(recs)
	}
	if u, why, ok := topLevelPage(recs); ok {
		im.target, im.why = &url.URL{Scheme: u.Scheme, Host: u.Host}, why
		return nil
	}
	page, why, ok := recordedPage(recs, pages)
	if !ok {
		page, why, ok = refererPage(recs)
	}
	if !ok {
		page, why, ok = busiestOrigin(recs)
	}
	if !ok {
		return &scenario.Error{File: im.file, Path: "log.entries",
			Msg:  "the recording holds no request to a site the import can aim at: every one went to an ad, analytics, beacon or font service",
			Hint: "name the site to test with --target HOST" + recordedHostsHint(recs)}
	}
	im.target, im.why = siteOrigin(recs, page, why)
	return nil
}

// namedTarget takes the target from --target: a host, or an origin.
func (im *importer) namedTarget(recs []harRecord) error {
	raw := strings.TrimSpace(im.opts.Target)
	var given *url.URL
	if strings.Contains(raw, "://") {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return &scenario.Error{File: im.file, Msg: fmt.Sprintf("--target %q is neither a host nor an http or https URL", raw),
				Hint: "e.g. --target www.example.com or --target https://www.example.com"}
		}
		given = normalizeURL(&url.URL{Scheme: u.Scheme, Host: u.Host})
	}
	host := hostOf(raw)
	for _, r := range recs {
		if r.u.Hostname() != host && r.u.Host != host {
			continue
		}
		im.target = &url.URL{Scheme: r.u.Scheme, Host: r.u.Host}
		if given != nil {
			im.target = given
		}
		im.why = "chosen with --target"
		return nil
	}
	return &scenario.Error{File: im.file, Msg: fmt.Sprintf("--target %s: no request in the recording goes to it", raw),
		Hint: strings.TrimPrefix(recordedHostsHint(recs), "; ")}
}

// hostOf reads the host a flag names, as a host name, an origin or a URL:
// lower case, without a port unless one is given.
func hostOf(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if _, rest, ok := strings.Cut(s, "://"); ok {
		s = rest
	}
	s, _, _ = strings.Cut(s, "/")
	return strings.TrimSuffix(s, ".")
}

// topLevelPage finds the page the person loaded: a top-level navigation
// to a host that is not a service. When the visit passed through pages of
// several sites (a search, a log-in provider), the site most requests
// went to is the one visited, and its first page load names the target.
func topLevelPage(recs []harRecord) (u *url.URL, why string, ok bool) {
	var pages []harRecord
	var signs []string
	for _, r := range recs {
		if sign, top := topLevel(r.e); top && !serviceHost(r.u.Hostname()) {
			pages, signs = append(pages, r), append(signs, sign)
		}
	}
	if len(pages) == 0 {
		return nil, "", false
	}
	counts := siteCounts(recs)
	best := 0
	for i, p := range pages {
		if counts[siteOf(p.u.Hostname())] > counts[siteOf(pages[best].u.Hostname())] {
			best = i
		}
	}
	return pages[best].u, fmt.Sprintf("the page the browser loaded, %s (%s)", pageAddress(pages[best].u), signs[best]), true
}

// topLevel reports whether an entry is a top-level page load, and the
// sign that says so.
func topLevel(e *harEntry) (sign string, ok bool) {
	if dest, has := harHeader(e.Request.Headers, "Sec-Fetch-Dest"); has {
		// Frames are navigations too (Sec-Fetch-Mode: navigate); only
		// the destination tells a page from an ad's iframe.
		return "Sec-Fetch-Dest: document", strings.EqualFold(strings.TrimSpace(dest), "document")
	}
	if mode, has := harHeader(e.Request.Headers, "Sec-Fetch-Mode"); has {
		return "Sec-Fetch-Mode: navigate", strings.EqualFold(strings.TrimSpace(mode), "navigate")
	}
	// Without Sec-Fetch headers (browsers send them to https sites only)
	// Chrome's resource type is all there is, and it calls a frame a
	// document too; the service hosts keep ads out.
	return "a document, as Chrome's _resourceType says", strings.EqualFold(e.ResourceType, "document")
}

// recordedPage reads the pages list: Chrome titles each page with its
// URL (Firefox with the document's title, which names no host).
func recordedPage(recs []harRecord, pages []harPage) (u *url.URL, why string, ok bool) {
	counts := siteCounts(recs)
	for _, p := range pages {
		pu, err := url.Parse(strings.TrimSpace(p.Title))
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" || serviceHost(pu.Hostname()) {
			continue
		}
		pu = normalizeURL(pu)
		if u == nil || counts[siteOf(pu.Hostname())] > counts[siteOf(u.Hostname())] {
			u = pu
		}
	}
	if u == nil {
		return nil, "", false
	}
	return u, fmt.Sprintf("the recording's page, %s (log.pages)", pageAddress(u)), true
}

// refererPage follows the Referer chain: the page most requests were sent
// from (their Referer, or their Origin), then, while that page was loaded
// into a frame, the page that embeds it.
func refererPage(recs []harRecord) (u *url.URL, why string, ok bool) {
	counts := map[string]int{}
	pages := map[string]*url.URL{}
	var order []string
	embedder := map[string]string{}
	total := 0
	for _, r := range recs {
		from := sentFrom(r.e)
		if from == nil {
			continue
		}
		o := origin(from)
		if counts[o] == 0 {
			order = append(order, o)
			pages[o] = from
		}
		counts[o]++
		total++
		if dest, _ := harHeader(r.e.Request.Headers, "Sec-Fetch-Dest"); isFrame(dest) && origin(r.u) != o {
			if _, seen := embedder[origin(r.u)]; !seen {
				embedder[origin(r.u)] = o
			}
		}
	}
	best := ""
	for _, o := range order {
		if !serviceHost(pages[o].Hostname()) && (best == "" || counts[o] > counts[best]) {
			best = o
		}
	}
	if best == "" {
		return nil, "", false
	}
	why = fmt.Sprintf("the page most requests came from, %s (%d of %d name it in their Referer or Origin)", best, counts[best], total)
	for range len(embedder) {
		up, framed := embedder[best]
		if !framed || serviceHost(pages[up].Hostname()) {
			break
		}
		why = fmt.Sprintf("the page that embeds %s in a frame; that is %s", best, why)
		best = up
	}
	return pages[best], why, true
}

// sentFrom is the page an entry was sent from: its Referer, or its Origin
// when the browser sent none.
func sentFrom(e *harEntry) *url.URL {
	for _, name := range []string{"Referer", "Origin"} {
		v, _ := harHeader(e.Request.Headers, name)
		u, err := url.Parse(strings.TrimSpace(v))
		if err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
			return normalizeURL(&url.URL{Scheme: u.Scheme, Host: u.Host})
		}
	}
	return nil
}

func isFrame(dest string) bool {
	switch strings.ToLower(strings.TrimSpace(dest)) {
	case "iframe", "frame", "fencedframe", "embed", "object":
		return true
	}
	return false
}

// busiestOrigin is the origin most requests went to.
func busiestOrigin(recs []harRecord) (u *url.URL, why string, ok bool) {
	counts := map[string]int{}
	best, total := -1, 0
	for i, r := range recs {
		if !countable(r) {
			continue
		}
		total++
		counts[origin(r.u)]++
		if best < 0 || counts[origin(r.u)] > counts[origin(recs[best].u)] {
			best = i
		}
	}
	if best < 0 {
		return nil, "", false
	}
	u = recs[best].u
	return u, fmt.Sprintf("the origin most requests went to (%d of %d pages and API calls)", counts[origin(u)], total), true
}

// siteOrigin turns a page into the target: the page's origin when the
// recording holds requests to its host, or else the origin of its site
// most requests went to (a recording made after the page loaded may hold
// only the site's API calls).
func siteOrigin(recs []harRecord, page *url.URL, why string) (*url.URL, string) {
	pageOrigin := &url.URL{Scheme: page.Scheme, Host: page.Host}
	site := siteOf(page.Hostname())
	counts := map[string]int{}
	best, total := "", 0
	for _, r := range recs {
		if !countable(r) || siteOf(r.u.Hostname()) != site {
			continue
		}
		if r.u.Hostname() == page.Hostname() {
			return pageOrigin, why
		}
		o := origin(r.u)
		counts[o]++
		total++
		if best == "" || counts[o] > counts[best] {
			best = o
		}
	}
	if best == "" {
		return pageOrigin, why
	}
	u, _ := url.Parse(best)
	return u, fmt.Sprintf("the site of %s; the recording holds no request to %s itself, and %d of the site's %d went to this origin",
		why, page.Hostname(), counts[best], total)
}

// countable reports whether a request is evidence of the site visited: a
// page or an API call, not a static asset, a CORS preflight, a beacon or
// a service's.
func countable(r harRecord) bool {
	switch strings.ToLower(r.e.ResourceType) {
	case "ping", "cspviolationreport":
		return false
	}
	return !isAsset(r.e, r.u) && !isPreflight(r.e) && !serviceHost(r.u.Hostname())
}

// siteCounts counts the countable requests to each site.
func siteCounts(recs []harRecord) map[string]int {
	counts := map[string]int{}
	for _, r := range recs {
		if countable(r) {
			counts[siteOf(r.u.Hostname())]++
		}
	}
	return counts
}

// pageAddress writes a page's URL for a message: without its query,
// which may hold a credential.
func pageAddress(u *url.URL) string {
	return commentText(origin(u) + cleanURLPart(u.EscapedPath()))
}

// recordedHostsHint lists the hosts of the recording's pages and API
// calls, most requests first, for a message that asks for --target.
func recordedHostsHint(recs []harRecord) string {
	counts := map[string]int{}
	var hosts []string
	for _, r := range recs {
		if isAsset(r.e, r.u) || isPreflight(r.e) {
			continue
		}
		h := r.u.Hostname()
		if counts[h] == 0 {
			hosts = append(hosts, h)
		}
		counts[h]++
	}
	if len(hosts) == 0 {
		return ""
	}
	slices.SortStableFunc(hosts, func(a, b string) int { return counts[b] - counts[a] })
	var parts []string
	for i, h := range hosts {
		if i == maxListedOrigins {
			parts = append(parts, fmt.Sprintf("and %d more", len(hosts)-i))
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%d)", commentText(h), counts[h]))
	}
	return "; the recording's hosts: " + strings.Join(parts, ", ")
}
