// Package har imports browser recordings: Import turns a HAR file, as a
// browser's developer tools export it, into a scenario's YAML that replays
// the recorded visit, credentials replaced by ${HAR_…} references.
//
// It reads the HAR format itself (file.go), chooses the site to test from
// what the person visited, never an ad or analytics service (target.go,
// thirdparty.go), keeps the requests to it (import.go), turns them into
// steps with their headers and bodies (step.go, body.go), derives a gentle
// starter traffic from the journey's length (starter.go) and writes the
// YAML with its comments (yaml.go).
// The scenario format stays scenario's: the import writes it with
// scenario's types and rules, and checks its output with scenario.Parse
// before returning it.
package har

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/liftoff/liftoff/scenario"
)

// Options say what Import keeps from a recording. The zero value keeps
// what a load test should send: the site's own pages and API calls.
type Options struct {
	// Name is the scenario's name; empty means the recorded page's title,
	// or the target's host.
	Name string
	// KeepAssets keeps requests for images, stylesheets, scripts, fonts
	// and media, which a CDN usually serves; they are left out by default.
	KeepAssets bool
	// KeepThirdParty keeps requests to every other host (analytics, ads,
	// fonts, payment providers). They are left out by default, because a
	// load test must not send load to sites whose owners did not agree.
	KeepThirdParty bool
	// Target names the host (or origin) to test, instead of the one the
	// import chooses from the recording (see chooseTarget).
	Target string
	// IncludeHosts are hosts besides the target whose requests are kept:
	// the site's own API on another host. "*.example.com" names
	// example.com and every host under it. Only the target's host is kept
	// by default.
	IncludeHosts []string
}

// Imported is an imported scenario, with what the import chose for it so
// the caller can say so.
type Imported struct {
	// YAML is the scenario.
	YAML []byte
	// Target is the origin the scenario targets, and TargetWhy why the
	// import chose it.
	Target, TargetWhy string
	// Starter is the gentle first traffic the scenario starts with.
	Starter Starter
	// OtherHosts are the hosts of the target's site whose requests were
	// left out, most requests first: --include-host keeps them.
	OtherHosts []string
}

// Import turns a browser recording (HAR 1.2, as the developer tools
// export it) into a scenario: one journey whose steps are the recorded
// requests to the target in order, with the recorded pauses as think
// times, the recording's credentials replaced by ${HAR_…} references, and
// a gentle starter traffic plan and SLO list, each commented. name names
// the recording in messages and in the scenario's header comment.
//
// The result always validates with scenario.Parse once the ${HAR_…}
// variables it lists are set: Import parses its own output before
// returning it. A recording that is not a HAR file, holds no requests, or
// holds nothing but requests the options leave out, and options that name
// no recorded host, are errors of type *scenario.Error.
func Import(r io.Reader, name string, opts Options) (*Imported, error) {
	log, err := readHAR(r, name)
	if err != nil {
		return nil, err
	}
	im := &importer{file: name, opts: opts, vars: newCredentialVars()}
	all := im.read(*log.Entries)
	recs := im.dropByKind(all)
	if len(recs) > 0 {
		if err := im.chooseTarget(all, log.Pages); err != nil {
			return nil, err
		}
		if err := im.checkIncludes(all); err != nil {
			return nil, err
		}
		recs = im.onTarget(recs)
	}
	if len(recs) == 0 {
		return nil, &scenario.Error{File: name, Path: "log.entries", Msg: "every request in the recording was left out: " + im.leftOutSummary(),
			Hint: "record the site's own pages and API calls, or keep more with --keep-assets, --include-host and --keep-third-party"}
	}
	steps := im.steps(recs)
	defaults := hoistHeaders(steps)
	nameSteps(steps)
	starter := starterFor(len(steps))
	src, err := im.encode(log, recs, steps, defaults, starter)
	if err != nil {
		return nil, err
	}
	if err := checkImported(src, name, im.vars); err != nil {
		return nil, err
	}
	return &Imported{YAML: src, Target: origin(im.target), TargetWhy: im.why, Starter: starter, OtherHosts: im.otherHostNames()}, nil
}

// importer holds what one import learns on its way through a recording.
type importer struct {
	file   string
	opts   Options
	target *url.URL // the origin the scenario targets
	why    string   // why the import chose it
	vars   *credentialVars

	stepOrigins []string // origins other than the target that steps go to

	leftOut    map[leftOutReason]int // requests left out, by reason
	otherHosts map[string]int        // requests left out, by the origin of another host of the target's site
	otherSites map[string]int        // requests left out, by the other site's origin
	total      int
}

// harRecord is a recorded request Import keeps, with what it read from
// it.
type harRecord struct {
	e          *harEntry
	u          *url.URL
	start, end time.Time
	timed      bool // start and end are known
}

// leftOutReason is why requests were left out, as the header comment
// lists it: "3 static assets: …".
type leftOutReason struct{ one, many, why string }

func (r leftOutReason) count(n int) string {
	noun := r.many
	if n == 1 {
		noun = r.one
	}
	return fmt.Sprintf("%d %s%s", n, noun, r.why)
}

// Reasons requests are left out, in the order the header comment lists
// them.
var (
	reasonAsset     = leftOutReason{"static asset", "static assets", ": images, stylesheets, scripts, fonts, media (--keep-assets keeps them)"}
	reasonPreflight = leftOutReason{"CORS preflight", "CORS preflights", " (OPTIONS requests the browser sends by itself before cross-origin calls)"}
	reasonWebSocket = leftOutReason{"WebSocket connection", "WebSocket connections", " (liftoff sends HTTP requests only)"}
	reasonScheme    = leftOutReason{"request", "requests", " not over http or https (data:, blob:, browser extensions)"}
	reasonMethod    = leftOutReason{"request", "requests", " with a method liftoff does not send (not a registered HTTP method)"}
	reasonURL       = leftOutReason{"request", "requests", " without a full URL"}
	leftOutReasons  = []leftOutReason{reasonAsset, reasonPreflight, reasonWebSocket, reasonScheme, reasonMethod, reasonURL}
)

// read keeps the entries liftoff can send, in the order they were sent.
func (im *importer) read(entries []harEntry) []harRecord {
	im.leftOut = map[leftOutReason]int{}
	im.otherHosts = map[string]int{}
	im.otherSites = map[string]int{}
	im.total = len(entries)
	recs := make([]harRecord, 0, len(entries))
	for i := range entries {
		e := &entries[i]
		u, err := url.Parse(strings.TrimSpace(e.Request.URL))
		switch {
		case err != nil || u.Scheme == "" || (u.Host == "" && (u.Scheme == "http" || u.Scheme == "https")):
			im.leftOut[reasonURL]++
			continue
		case isWebSocket(e, u):
			im.leftOut[reasonWebSocket]++
			continue
		case u.Scheme != "http" && u.Scheme != "https":
			im.leftOut[reasonScheme]++
			continue
		case !scenario.ValidMethod(e.Request.Method):
			im.leftOut[reasonMethod]++
			continue
		}
		rec := harRecord{e: e, u: normalizeURL(u)}
		if t, ok := e.started(); ok {
			rec.start, rec.end, rec.timed = t, t.Add(time.Duration(max(e.Time, 0)*float64(time.Millisecond))), true
		}
		recs = append(recs, rec)
	}
	// HAR 1.2 prefers entries sorted by start time, and not every tool
	// keeps to it; sort when every entry has a time, so the steps run in
	// the order the browser sent them.
	if !slices.ContainsFunc(recs, func(r harRecord) bool { return !r.timed }) {
		slices.SortStableFunc(recs, func(a, b harRecord) int { return a.start.Compare(b.start) })
	}
	return recs
}

// dropByKind leaves out what a load test does not send: CORS preflights,
// which the browser sends by itself and liftoff, which enforces no CORS,
// does not need, and static assets unless the options keep them.
func (im *importer) dropByKind(recs []harRecord) []harRecord {
	var kept []harRecord
	for _, r := range recs {
		switch {
		case isPreflight(r.e):
			im.leftOut[reasonPreflight]++
		case !im.opts.KeepAssets && isAsset(r.e, r.u):
			im.leftOut[reasonAsset]++
		default:
			kept = append(kept, r)
		}
	}
	return kept
}

// isPreflight reports whether an entry is a CORS preflight: an OPTIONS
// request asking with Access-Control-Request-Method whether the real one
// may be sent.
func isPreflight(e *harEntry) bool {
	if strings.EqualFold(e.ResourceType, "preflight") {
		return true
	}
	_, asks := harHeader(e.Request.Headers, "Access-Control-Request-Method")
	return e.Request.Method == "OPTIONS" && asks
}

func isWebSocket(e *harEntry, u *url.URL) bool {
	upgrade, _ := harHeader(e.Request.Headers, "Upgrade")
	return strings.EqualFold(e.ResourceType, "websocket") || u.Scheme == "ws" || u.Scheme == "wss" ||
		e.Response.Status == 101 || strings.EqualFold(strings.TrimSpace(upgrade), "websocket")
}

// Chrome's _resourceType values that are, and are not, static assets.
// Other values ("other", "prefetch", none) are judged by the response's
// media type and the URL's extension.
var (
	assetTypes   = []string{"stylesheet", "image", "media", "font", "script", "texttrack", "manifest"}
	requestTypes = []string{"document", "xhr", "fetch", "eventsource", "ping", "preflight", "cspviolationreport", "signedexchange", "websocket"}
)

var assetExtensions = []string{
	".css", ".js", ".mjs", ".map",
	".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".svg", ".ico", ".bmp", ".tif", ".tiff",
	".woff", ".woff2", ".ttf", ".otf", ".eot",
	".mp4", ".webm", ".ogg", ".ogv", ".mp3", ".wav", ".m4a", ".aac", ".flac", ".vtt", ".webmanifest",
}

// isAsset reports whether an entry fetched a static asset. Audio and
// video count whatever fetched them: a streaming player fetches its
// segments with XHR or fetch(), hundreds a visit, from a CDN.
func isAsset(e *harEntry, u *url.URL) bool {
	rt := strings.ToLower(e.ResourceType)
	mt := mediaType(e.Response.Content.MimeType)
	if slices.Contains(assetTypes, rt) || strings.HasPrefix(mt, "video/") || strings.HasPrefix(mt, "audio/") {
		return true
	}
	if slices.Contains(requestTypes, rt) {
		return false
	}
	return isAssetMedia(mt) || slices.Contains(assetExtensions, strings.ToLower(path.Ext(u.Path)))
}

func isAssetMedia(mt string) bool {
	for _, prefix := range []string{"image/", "font/", "audio/", "video/", "application/font-", "application/x-font-"} {
		if strings.HasPrefix(mt, prefix) {
			return true
		}
	}
	switch mt {
	case "text/css", "text/javascript", "application/javascript", "application/x-javascript", "application/ecmascript",
		"text/ecmascript", "application/vnd.ms-fontobject", "application/manifest+json", "text/vtt":
		return true
	}
	return false
}

// mediaType is a Content-Type without its parameters, in lower case.
func mediaType(contentType string) string {
	mt, _, _ := strings.Cut(contentType, ";")
	return strings.ToLower(strings.TrimSpace(mt))
}

// onTarget keeps the requests to the target's host and to the hosts the
// options include, and leaves out the others: other hosts of the target's
// site (--include-host keeps them) and other sites (--keep-third-party
// keeps every host).
func (im *importer) onTarget(recs []harRecord) []harRecord {
	if im.opts.KeepThirdParty {
		return recs
	}
	site := siteOf(im.target.Hostname())
	var kept []harRecord
	for _, r := range recs {
		host := r.u.Hostname()
		switch {
		case host == im.target.Hostname() || im.included(host):
			kept = append(kept, r)
		case siteOf(host) == site:
			im.otherHosts[origin(r.u)]++
		default:
			im.otherSites[origin(r.u)]++
		}
	}
	return kept
}

// included reports whether --include-host names host: as itself, or under
// a "*.example.com" pattern.
func (im *importer) included(host string) bool {
	for _, inc := range im.opts.IncludeHosts {
		pattern := hostOf(inc)
		if domain, wild := strings.CutPrefix(pattern, "*."); wild {
			if host == domain || strings.HasSuffix(host, "."+domain) {
				return true
			}
			continue
		}
		if h, _, err := net.SplitHostPort(pattern); err == nil {
			pattern = h
		}
		if host == pattern {
			return true
		}
	}
	return false
}

// checkIncludes makes sure every --include-host names a recorded host: one
// that names none is a typo, and the requests it meant would be left out.
func (im *importer) checkIncludes(recs []harRecord) error {
	for _, inc := range im.opts.IncludeHosts {
		probe := &importer{opts: Options{IncludeHosts: []string{inc}}}
		if !slices.ContainsFunc(recs, func(r harRecord) bool { return probe.included(r.u.Hostname()) }) {
			return &scenario.Error{File: im.file, Msg: fmt.Sprintf("--include-host %s: no request in the recording goes to it", inc),
				Hint: strings.TrimPrefix(recordedHostsHint(recs), "; ")}
		}
	}
	return nil
}

// otherHostNames lists the hosts of the target's site that were left
// out, most requests first.
func (im *importer) otherHostNames() []string {
	var hosts []string
	for _, o := range sortedByCount(im.otherHosts) {
		if u, err := url.Parse(o); err == nil && !slices.Contains(hosts, u.Hostname()) {
			hosts = append(hosts, u.Hostname())
		}
	}
	return hosts
}

func origin(u *url.URL) string { return u.Scheme + "://" + u.Host }

// normalizeURL returns u as a request sends it: scheme and host in lower
// case, no default port, no user information, no fragment.
func normalizeURL(u *url.URL) *url.URL {
	n := *u
	n.Scheme, n.Host = strings.ToLower(n.Scheme), strings.ToLower(n.Host)
	n.Host = strings.TrimSuffix(n.Host, map[string]string{"http": ":80", "https": ":443"}[n.Scheme])
	n.User, n.Fragment, n.RawFragment = nil, "", ""
	return &n
}

// siteOf returns the part of a host name that one owner controls, by a
// rule of thumb that needs no public suffix list: the last two labels
// (shop.example.com → example.com), or three under a country code whose
// second-level label is short (www.example.co.uk → example.co.uk). IP
// addresses and one-label names (localhost) are their own site. The rule
// errs on the side of calling a site "other": the header comment lists
// what was left out, and --keep-third-party keeps it.
func siteOf(host string) string {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if net.ParseIP(host) != nil {
		return host
	}
	labels := strings.Split(host, ".")
	n := 2
	if len(labels) >= 3 && len(labels[len(labels)-1]) == 2 && len(labels[len(labels)-2]) <= 3 {
		n = 3
	}
	if len(labels) <= n {
		return host
	}
	return strings.Join(labels[len(labels)-n:], ".")
}

// leftOutSummary says in one line what the import left out.
func (im *importer) leftOutSummary() string {
	parts := im.leftOutLines()
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, "; ")
}

// leftOutLines lists the requests left out, one reason a line, in a fixed
// order.
func (im *importer) leftOutLines() []string {
	var lines []string
	for _, reason := range leftOutReasons {
		if n := im.leftOut[reason]; n > 0 {
			lines = append(lines, reason.count(n))
		}
	}
	if len(im.otherHosts) > 0 {
		lines = append(lines, originsLine(im.otherHosts, "to other hosts of this site (--include-host HOST keeps them)"))
	}
	if len(im.otherSites) > 0 {
		lines = append(lines, originsLine(im.otherSites, "to other sites (--keep-third-party keeps them)"))
	}
	return lines
}

// originsLine counts the requests left out to origins and names the
// origins, most requests first.
func originsLine(counts map[string]int, what string) string {
	total := 0
	for _, n := range counts {
		total += n
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%d request%s %s: ", total, plural(total), what)
	for i, o := range sortedByCount(counts) {
		if i == maxListedOrigins {
			fmt.Fprintf(&b, ", and %d more", len(counts)-i)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s (%d)", commentText(o), counts[o])
	}
	return b.String()
}

// sortedByCount returns the keys of counts, most first, then by name, so
// a list is stable.
func sortedByCount(counts map[string]int) []string {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if d := counts[b] - counts[a]; d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	return keys
}

// maxListedOrigins bounds the other sites the header comment names.
const maxListedOrigins = 8

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
