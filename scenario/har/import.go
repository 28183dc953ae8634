// Package har imports browser recordings: Import turns a HAR file, as a
// browser's developer tools export it, into a scenario's YAML that replays
// the recorded visit, credentials replaced by ${HAR_…} references.
//
// It reads the HAR format itself (file.go), keeps the site's own requests
// (import.go), turns them into steps with their headers and bodies
// (step.go, body.go) and writes the YAML with its comments (yaml.go).
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
	// KeepThirdParty keeps requests to other sites (analytics, ads,
	// fonts, payment providers). They are left out by default, because a
	// load test must not send load to sites whose owners did not agree.
	KeepThirdParty bool
}

// Import turns a browser recording (HAR 1.2, as the developer tools
// export it) into a scenario: one journey whose steps are the recorded
// requests in order, with the recorded pauses as think times, the
// recording's credentials replaced by ${HAR_…} references, and a starter
// traffic plan and SLO list, each commented. name names the recording in
// messages and in the scenario's header comment.
//
// The result always validates with scenario.Parse once the ${HAR_…}
// variables it lists are set: Import parses its own output before
// returning it. A recording that is not a HAR file, holds no requests, or
// holds nothing but requests the options leave out is an error of type
// *scenario.Error.
func Import(r io.Reader, name string, opts Options) ([]byte, error) {
	log, err := readHAR(r, name)
	if err != nil {
		return nil, err
	}
	im := &importer{file: name, opts: opts, vars: newCredentialVars()}
	recs := im.read(*log.Entries)
	if len(recs) > 0 {
		recs = im.sameSite(recs)
	}
	if len(recs) == 0 {
		return nil, &scenario.Error{File: name, Path: "log.entries", Msg: "every request in the recording was left out: " + im.leftOutSummary(),
			Hint: "record the site's own pages and API calls, or keep more with --keep-assets and --keep-third-party"}
	}
	steps := im.steps(recs)
	defaults := hoistHeaders(steps)
	nameSteps(steps)
	src, err := im.encode(log, recs, steps, defaults)
	if err != nil {
		return nil, err
	}
	if err := checkImported(src, name, im.vars); err != nil {
		return nil, err
	}
	return src, nil
}

// importer holds what one import learns on its way through a recording.
type importer struct {
	file   string
	opts   Options
	target *url.URL // the origin the scenario targets
	vars   *credentialVars

	stepOrigins []string // origins other than the target that steps go to

	leftOut    map[leftOutReason]int // requests left out, by reason
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
	reasonWebSocket = leftOutReason{"WebSocket connection", "WebSocket connections", " (liftoff sends HTTP requests only)"}
	reasonScheme    = leftOutReason{"request", "requests", " not over http or https (data:, blob:, browser extensions)"}
	reasonMethod    = leftOutReason{"request", "requests", " with a method that is not an upper-case HTTP token"}
	reasonURL       = leftOutReason{"request", "requests", " without a full URL"}
	leftOutReasons  = []leftOutReason{reasonAsset, reasonWebSocket, reasonScheme, reasonMethod, reasonURL}
)

// read keeps the entries a load test sends, in the order they were sent.
func (im *importer) read(entries []harEntry) []harRecord {
	im.leftOut = map[leftOutReason]int{}
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
		case !im.opts.KeepAssets && isAsset(e, u):
			im.leftOut[reasonAsset]++
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

// isAsset reports whether an entry fetched a static asset.
func isAsset(e *harEntry, u *url.URL) bool {
	rt := strings.ToLower(e.ResourceType)
	if slices.Contains(assetTypes, rt) {
		return true
	}
	if slices.Contains(requestTypes, rt) {
		return false
	}
	return isAssetMedia(mediaType(e.Response.Content.MimeType)) || slices.Contains(assetExtensions, strings.ToLower(path.Ext(u.Path)))
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

// sameSite picks the target, the origin of the first page the browser
// loaded (or of the first request when no page load was recorded), and
// leaves out requests to other sites unless the options keep them.
func (im *importer) sameSite(recs []harRecord) []harRecord {
	first := recs[0]
	if i := slices.IndexFunc(recs, func(r harRecord) bool { return strings.EqualFold(r.e.ResourceType, "document") }); i >= 0 {
		first = recs[i]
	}
	im.target = &url.URL{Scheme: first.u.Scheme, Host: first.u.Host}
	if im.opts.KeepThirdParty {
		return recs
	}
	site := siteOf(im.target.Hostname())
	kept := recs[:0]
	for _, r := range recs {
		if siteOf(r.u.Hostname()) != site {
			im.otherSites[origin(r.u)]++
			continue
		}
		kept = append(kept, r)
	}
	return kept
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
	if len(im.otherSites) > 0 {
		origins := make([]string, 0, len(im.otherSites))
		total := 0
		for o, n := range im.otherSites {
			origins = append(origins, o)
			total += n
		}
		// Most requests first, then by name, so the list is stable.
		slices.SortFunc(origins, func(a, b string) int {
			if d := im.otherSites[b] - im.otherSites[a]; d != 0 {
				return d
			}
			return strings.Compare(a, b)
		})
		var b bytes.Buffer
		fmt.Fprintf(&b, "%d request%s to other sites (--keep-third-party keeps them): ", total, plural(total))
		for i, o := range origins {
			if i == maxListedOrigins {
				fmt.Fprintf(&b, ", and %d more", len(origins)-i)
				break
			}
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s (%d)", o, im.otherSites[o])
		}
		lines = append(lines, b.String())
	}
	return lines
}

// maxListedOrigins bounds the other sites the header comment names.
const maxListedOrigins = 8

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
