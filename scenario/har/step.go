package har

import (
	"fmt"
	"net/textproto"
	"net/url"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/liftoff/liftoff/scenario"
)

// harStep is one step of the imported journey, with every value already
// written as the scenario must hold it: escaped (see literal), or a
// ${HAR_…} reference where the recording had a credential.
type harStep struct {
	method  string
	target  string // the path and query, or an absolute URL for another origin
	name    string // set when the same request line comes again
	headers []harHeaderOut
	body    harBody
	expect  int           // the status to expect; 0 for none
	think   time.Duration // the pause after the step
	pause   time.Duration // the recorded pause, when think had to be capped
	notes   []string      // comments above the step

	first, last harRecord // the request, and the last redirect liftoff follows for it
}

type harHeaderOut struct{ name, value string }

// harBody is a step's body. json is built as YAML nodes (see jsonNode).
type harBody struct {
	kind scenario.BodyKind
	raw  string
	form []scenario.Param
	json *yaml.Node
}

// Think times come from the recorded pauses, rounded so the scenario reads
// as a person's pauses, not a trace: under minThink is no pause (the
// browser's own work between requests), up to 10s rounds to 100ms, longer
// rounds to the second, and maxThink caps a pause where the recording
// person left the tab alone.
const (
	minThink = 100 * time.Millisecond
	maxThink = time.Minute
)

// roundThink turns a recorded pause into a think time; capped is set when
// the pause was longer than maxThink.
func roundThink(gap time.Duration) (think time.Duration, capped bool) {
	switch {
	case gap < minThink:
		return 0, false
	case gap > maxThink:
		return maxThink, true
	case gap < 10*time.Second:
		return gap.Round(100 * time.Millisecond), false
	}
	return min(gap.Round(time.Second), maxThink), false
}

// steps turns the kept requests into steps. A redirect liftoff follows by
// itself (one on the target's host) takes the request the browser sent
// next to its Location into the same step, so the replay does not send
// it twice.
func (im *importer) steps(recs []harRecord) []*harStep {
	absorbed := make([]bool, len(recs))
	var steps []*harStep
	for i := range recs {
		if absorbed[i] {
			continue
		}
		st := im.step(recs[i])
		last, followedUnseen := i, false
		for {
			loc, ok := im.followedRedirect(recs[last])
			if !ok {
				break
			}
			j := followUp(recs, last, loc, absorbed)
			if j < 0 {
				followedUnseen = true
				break
			}
			absorbed[j] = true
			last = j
			st.notes = append(st.notes, fmt.Sprintf("the recorded redirect to %s is part of this step: liftoff follows it", commentText(recs[j].u.EscapedPath())))
		}
		st.last = recs[last]
		if !followedUnseen {
			st.expect = expectStatus(st.last.e.Response.Status)
			if s := st.last.e.Response.Status; s >= 500 && s <= 599 {
				st.notes = append(st.notes, fmt.Sprintf("recorded with status %d; liftoff counts a 5xx as an error", s))
			}
		}
		steps = append(steps, st)
	}
	for k := 1; k < len(steps); k++ {
		prev, cur := steps[k-1], steps[k]
		if !prev.last.timed || !cur.first.timed {
			continue
		}
		gap := cur.first.start.Sub(prev.last.end)
		think, capped := roundThink(gap)
		prev.think = think
		if capped {
			prev.pause = gap
		}
	}
	return steps
}

// expectStatus is the status a step should expect, from the recorded one.
// A 2xx needs no check. A 304 came from the browser's cache headers, which
// the import leaves out, so a replay gets the page. A 5xx is the target
// failing, and liftoff counts it as an error without a check. Other
// statuses (a 3xx liftoff does not follow, a 4xx) are what the site
// answered, so a faithful replay expects them.
func expectStatus(status int) int {
	if status < 300 || status == 304 || status >= 500 {
		return 0
	}
	return status
}

// followedRedirect returns where a recorded redirect points, when liftoff
// would follow it: a redirect status with a Location on the target's host
// (loadgen's visitor follows no other).
func (im *importer) followedRedirect(r harRecord) (*url.URL, bool) {
	switch r.e.Response.Status {
	case 301, 302, 303, 307, 308:
	default:
		return nil, false
	}
	loc := r.e.Response.RedirectURL
	if loc == "" {
		loc, _ = harHeader(r.e.Response.Headers, "Location")
	}
	if loc == "" {
		return nil, false
	}
	u, err := r.u.Parse(strings.TrimSpace(loc))
	if err != nil || u.Host != im.target.Host || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, false
	}
	return normalizeURL(u), true
}

// followUpWindow bounds how far after a redirect Import looks for the
// browser's request to its Location; the browser sends it next, give or
// take the requests already in flight.
const followUpWindow = 5

// followUp finds the request the browser sent to loc after recs[from].
func followUp(recs []harRecord, from int, loc *url.URL, absorbed []bool) int {
	want := loc.String()
	for j := from + 1; j < len(recs) && j <= from+followUpWindow; j++ {
		if !absorbed[j] && recs[j].u.String() == want {
			return j
		}
	}
	return -1
}

// step converts one recorded request.
func (im *importer) step(r harRecord) *harStep {
	st := &harStep{method: r.e.Request.Method, first: r, last: r}
	st.target = cleanURLPart(r.u.EscapedPath())
	if st.target == "" {
		st.target = "/"
	}
	if r.u.RawQuery != "" || r.u.ForceQuery {
		st.target += "?" + im.query(r.u.RawQuery)
	}
	if origin(r.u) != origin(im.target) {
		st.target = origin(r.u) + st.target
		im.stepOrigins = append(im.stepOrigins, origin(r.u))
	}
	contentType := im.headers(st, r.e.Request.Headers)
	im.body(st, r.e.Request.PostData, contentType)
	return st
}

// cleanURLPart percent-encodes the bytes a request line may not hold
// (spaces, quotes, braces, non-ASCII), so the scenario's request line is
// one token and holds nothing that looks like a template or a ${VAR}.
func cleanURLPart(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(c)
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("-._~!$&'()*+,;=:@/?", c) >= 0:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// query writes a recorded query string for the request line, as recorded
// except that a credential's value becomes a ${HAR_…} reference.
func (im *importer) query(raw string) string {
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		k, value, _ := strings.Cut(p, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		if value != "" && credentialField(name) {
			parts[i] = cleanURLPart(k) + "=" + im.vars.ref("field "+strings.ToLower(name), name, fmt.Sprintf("the value of %q", name), value)
			continue
		}
		parts[i] = cleanURLPart(p)
	}
	return strings.Join(parts, "&")
}

// Request headers the import leaves out, because the client sets them
// itself (the connection's, the body's length, compression, the
// User-Agent, which names liftoff so the site's logs can tell a test from
// its visitors), or because they carry the browser's cache state, which a
// campaign's new visitors do not have. Chrome's sec-ch-* and sec-fetch-*
// hints go too (see droppedHeader).
var droppedHeaders = []string{
	"host", "content-length", "connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer",
	"upgrade", "http2-settings", "expect", "accept-encoding", "user-agent",
	"if-none-match", "if-modified-since", "if-range",
	"priority", "upgrade-insecure-requests", "purpose", "sec-purpose", "x-client-data",
}

func droppedHeader(lower string) bool {
	return slices.Contains(droppedHeaders, lower) || strings.HasPrefix(lower, ":") || strings.HasPrefix(lower, "sec-ch-") || strings.HasPrefix(lower, "sec-fetch-")
}

// headers converts a request's headers: left-out ones dropped, repeated
// ones joined (HTTP/2 recordings list each cookie as its own header),
// credentials replaced. It returns the recorded Content-Type, which the
// body decides about.
func (im *importer) headers(st *harStep, recorded []harNameValue) (contentType string) {
	type merged struct{ name, value string }
	var hs []merged
	index := map[string]int{}
	for _, h := range recorded {
		name := strings.TrimSpace(h.Name)
		lower := strings.ToLower(name)
		// A value with control characters cannot be sent as a header (and a
		// line break would not parse), so it goes too.
		if droppedHeader(lower) || !scenario.ValidHeaderName(name) || hasBinaryRunes(h.Value) || strings.ContainsAny(h.Value, "\r\n") {
			continue
		}
		if i, seen := index[lower]; seen {
			sep := ", "
			if lower == "cookie" {
				sep = "; "
			}
			hs[i].value += sep + h.Value
			continue
		}
		index[lower] = len(hs)
		if name == lower {
			name = textproto.CanonicalMIMEHeaderKey(name) // HTTP/2 recordings write names in lower case
		}
		hs = append(hs, merged{name, h.Value})
	}
	for _, h := range hs {
		lower := strings.ToLower(h.name)
		switch {
		case lower == "content-type":
			contentType = h.value
			continue
		case credentialHeader(lower) && strings.TrimSpace(h.value) != "":
			st.headers = append(st.headers, harHeaderOut{h.name, im.credentialHeaderValue(h.name, h.value)})
		default:
			st.headers = append(st.headers, harHeaderOut{h.name, literal(h.value)})
		}
	}
	return contentType
}

// credentialHeaderValue writes a credential header as a ${HAR_…}
// reference. An Authorization value keeps its scheme ("Bearer ${HAR_…}"),
// so the variable holds the credential alone, as people copy it.
func (im *importer) credentialHeaderValue(name, value string) string {
	lower := strings.ToLower(name)
	if lower == "authorization" || lower == "proxy-authorization" {
		if scheme, cred, ok := strings.Cut(strings.TrimSpace(value), " "); ok && isToken(scheme) && strings.TrimSpace(cred) != "" {
			ref := im.vars.ref("header "+lower, name, fmt.Sprintf("the %s header's credential, after the scheme (%s)", name, scheme), strings.TrimSpace(cred))
			return scheme + " " + ref
		}
	}
	return im.vars.ref("header "+lower, name, fmt.Sprintf("the %s header", name), value)
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// credentialHeader reports whether a header carries a credential: those
// the scenario redacts anyway (Authorization, Cookie, *token*, …) and the
// usual variants of auth and CSRF headers.
func credentialHeader(lower string) bool {
	if scenario.SensitiveHeader(lower) {
		return true
	}
	for _, part := range []string{"auth", "credential", "csrf", "xsrf"} {
		if strings.Contains(lower, part) {
			return true
		}
	}
	return false
}

// credentialField reports whether a query, form or JSON field named name
// carries a credential, such as a login form's password or a token in a
// URL.
func credentialField(name string) bool {
	var b strings.Builder
	for _, c := range strings.ToLower(name) {
		if 'a' <= c && c <= 'z' || '0' <= c && c <= '9' {
			b.WriteRune(c)
		}
	}
	n := b.String()
	switch n {
	case "pass", "pwd", "pin", "otp", "auth", "jwt", "sid":
		return true
	}
	for _, part := range []string{"password", "passwd", "passphrase", "secret", "token", "apikey", "accesskey", "privatekey", "credential", "session"} {
		if strings.Contains(n, part) {
			return true
		}
	}
	return false
}

// literal escapes recorded text for a scenario value that is expanded and
// then run as a template: "{{" becomes {{"{{"}} and "${" becomes "$${", so
// the request sends exactly what the browser sent.
func literal(s string) string {
	s = strings.ReplaceAll(s, "{{", `{{"{{"}}`)
	return escapeDollar(s)
}

// escapeDollar escapes recorded text for a value that is expanded but not
// a template (names).
func escapeDollar(s string) string { return strings.ReplaceAll(s, "${", "$${") }

// credentialVars names the environment variables that stand for the
// recording's credentials: one per header or field name, however many
// values the recording sent, so the user exports one value per credential.
type credentialVars struct {
	byOwner map[string]*credentialVar
	taken   map[string]bool
	list    []*credentialVar
}

type credentialVar struct {
	name   string // HAR_AUTHORIZATION
	what   string // what it stands for, for the header comment
	uses   int
	values map[string]bool // the distinct recorded values, counted and never written
}

func newCredentialVars() *credentialVars {
	return &credentialVars{byOwner: map[string]*credentialVar{}, taken: map[string]bool{}}
}

// ref returns the ${HAR_…} reference for the credential owner (a header
// or a field, by name) and counts the recorded value.
func (cv *credentialVars) ref(owner, name, what, value string) string {
	v, ok := cv.byOwner[owner]
	if !ok {
		base := "HAR_" + envName(name)
		varName := base
		for i := 2; cv.taken[varName]; i++ {
			varName = fmt.Sprintf("%s_%d", base, i)
		}
		v = &credentialVar{name: varName, what: what, values: map[string]bool{}}
		cv.byOwner[owner], cv.taken[varName] = v, true
		cv.list = append(cv.list, v)
	}
	v.uses++
	v.values[value] = true
	return "${" + v.name + "}"
}

// placeholders is a Getenv that sets every variable, for checking the
// imported scenario.
func (cv *credentialVars) placeholders(name string) (string, bool) {
	return "placeholder", cv.taken[name]
}

// envName turns a header or field name into the tail of an environment
// variable name: X-CSRF-Token → X_CSRF_TOKEN.
func envName(name string) string {
	var b strings.Builder
	underscore := false
	for _, c := range strings.ToUpper(name) {
		if 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			b.WriteRune(c)
			underscore = false
		} else if !underscore && b.Len() > 0 {
			b.WriteByte('_')
			underscore = true
		}
	}
	s := strings.TrimSuffix(b.String(), "_")
	if s == "" {
		return "VALUE"
	}
	return s
}

// hoistHeaders moves the headers every step sends alike (Accept-Language,
// Origin, a bearer token) into defaults.headers, so the steps show what
// differs between them. Content-Type stays with the body it describes.
func hoistHeaders(steps []*harStep) []harHeaderOut {
	if len(steps) < 2 {
		return nil
	}
	var common []harHeaderOut
	for _, h := range steps[0].headers {
		if strings.EqualFold(h.name, "Content-Type") {
			continue
		}
		everywhere := true
		for _, st := range steps[1:] {
			everywhere = everywhere && slices.ContainsFunc(st.headers, func(o harHeaderOut) bool {
				return strings.EqualFold(o.name, h.name) && o.value == h.value
			})
		}
		if everywhere {
			common = append(common, h)
		}
	}
	for _, st := range steps {
		st.headers = slices.DeleteFunc(st.headers, func(o harHeaderOut) bool {
			return slices.ContainsFunc(common, func(c harHeaderOut) bool { return strings.EqualFold(o.name, c.name) })
		})
	}
	return common
}

// nameSteps names the second and later steps with the same request line
// ("GET /api/cart #2"), because step names are unique within a journey
// and an unnamed step is named after its request line.
func nameSteps(steps []*harStep) {
	seen := map[string]int{}
	for _, st := range steps {
		line := st.method + " " + st.target
		seen[line]++
		if n := seen[line]; n > 1 {
			st.name = escapeDollar(fmt.Sprintf("%s #%d", line, n))
		}
	}
}
