package loadgen

import (
	"context"
	"fmt"
	"iter"
	mrand "math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/valyala/fasthttp"

	"github.com/liftoff/liftoff/scenario"
)

// visitor is the per-goroutine state of a visitor: its client (its own
// connections, unless the scenario shares them), reusable buffers, and the
// current visit's cookies.
type visitor struct {
	shard  int         // the recorder shard it records into
	flight *flightSlot // the request in flight, for the halt to cut off
	r      *run
	client httpClient
	ex     exchange
	bufs   requestBuffers
	jar    *cookiejar.Jar // nil until the visit's first Set-Cookie
	pause  sleeper        // think time and step pauses
}

func (r *run) newVisitor() *visitor {
	v := &visitor{shard: r.rec.assignShard(), r: r, client: r.shared}
	v.flight = r.flights.add(v.shard)
	if v.client == nil {
		v.client = r.clients.newClient(false)
	}
	v.ex.req, v.ex.resp = fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	return v
}

func (v *visitor) release() {
	fasthttp.ReleaseRequest(v.ex.req)
	fasthttp.ReleaseResponse(v.ex.resp)
	v.pause.stop()
}

// openVisitor is one open-model visitor goroutine: it runs each arrival
// dispatch hands it. Each arrival is a new visitor, so per-visitor
// connections are closed after every visit.
func (r *run) openVisitor(arrivals iter.Seq[arrival]) {
	v := r.newVisitor()
	defer v.release()
	for a := range arrivals {
		v.visit(a, true)
		if r.shared == nil {
			v.client.close()
		}
	}
}

// loopVisitor is one closed-model visitor: it starts its next visit as
// soon as the last one ends, until ctx is done. It keeps its connections
// across its visits, as a returning user's browser does.
func (r *run) loopVisitor(ctx context.Context, seed uint64) {
	r.live.looping.Add(1)
	v := r.newVisitor()
	defer v.release()
	defer v.client.close()
	pick := newJourneyPicker(r.journeys, seed)
	for ctx.Err() == nil {
		a, ok := r.loopArrival(time.Now(), pick.next())
		if !ok { // a unique data file ran out: the phase loses this visitor
			r.live.stopped.Add(1)
			return
		}
		if v.visit(a, false) == halted {
			return
		}
	}
}

// maxRedirects bounds the redirects one step follows, as browsers do.
const maxRedirects = 10

// outcome is how a visit ended.
type outcome uint8

const (
	completed outcome = iota // every step succeeded
	failed                   // a step failed, which ended the visit
	halted                   // the run stopped before the visit ended
)

// visit runs arrival a's journey. Each request's latency runs from its
// intended time: the arrival's time for the first, the previous response
// plus think time for the next. A failed step ends the visit, as an error
// page ends a real visitor's path. When the run halts (its grace period
// after an interrupt is over), the visit stops at its next step or pause
// and is not counted: it did not end. A request in flight at the halt is
// the halt's to record (flightSlot); the visitor records a request, and
// the visit's end, only when it lands first.
func (v *visitor) visit(a arrival, open bool) outcome {
	jp := &v.r.journeys[a.journey]
	var vars map[string]any
	if jp.needsVars {
		vars = map[string]any{scenario.VarVisitor: a.seq}
		if jp.rows != nil {
			vars[scenario.VarRow] = jp.rows.data.Row(a.row)
		}
	}
	v.jar = nil // a new visitor brings no cookies
	start, intended := a.intended, a.intended
	last := intended
	for s := range jp.steps {
		st := &jp.steps[s]
		if s > 0 {
			intended = last.Add(thinkTime(jp.steps[s-1].think))
			if !v.pause.until(intended, v.r.halt) {
				return halted
			}
		}
		v.flight.begin(a.journey, s, intended, open)
		if v.r.isHalted() {
			v.flight.withdraw()
			return halted
		}
		res := v.step(st, vars)
		if !v.flight.land() {
			return halted // cut off: the halt recorded the request
		}
		if res.class != ClassNone && v.r.rec.examples.wants(res.class) {
			v.r.rec.examples.add(res.class, describeFailure(jp.name, st, &v.ex, res, v.redactor()))
		}
		v.r.rec.record(v.shard, sample{journey: a.journey, step: s, intended: intended, sent: res.sent, done: res.done,
			class: res.class, open: open})
		v.r.live.request(res.class != ClassNone)
		last = res.done
		if res.class != ClassNone || s == len(jp.steps)-1 {
			oc := completed
			if res.class != ClassNone {
				oc = failed
			}
			v.endVisit(a, open, oc, last.Sub(start))
			v.flight.done()
			return oc
		}
		v.flight.done()
	}
	return completed // a journey has at least one step: the loop returns
}

// endVisit counts a visit that ended: its duration for its journey, and
// for the open model its outcome where it arrived.
func (v *visitor) endVisit(a arrival, open bool, oc outcome, d time.Duration) {
	v.r.rec.recordVisit(v.shard, a.journey, d, oc == failed)
	if !open {
		return
	}
	if oc == completed {
		v.r.live.completed.Add(1)
	} else {
		v.r.live.failed.Add(1)
	}
	v.r.ledger.end(a.intended, oc == completed)
}

// stepResult is how one step's request went.
type stepResult struct {
	sent, done time.Time
	class      ErrorClass
	detail     string // why the step failed when no transport error says it: a check, a template, a redirect loop
	err        error  // the transport's error
}

// step sends one step's request, following redirects on the target's
// host within the step's one timeout, then checks the response and takes
// its captures.
func (v *visitor) step(st *stepPlan, vars map[string]any) stepResult {
	ex := &v.ex
	if err := st.build(ex, &v.bufs, vars); err != nil {
		now := time.Now()
		return stepResult{sent: now, done: now, class: ClassTemplate, detail: err.Error()}
	}
	ex.wantSnippet = v.r.rec.examples.wants(ClassStatus4xx) || v.r.rec.examples.wants(ClassStatus5xx)
	res := stepResult{sent: time.Now()}
	v.flight.sending(res.sent)
	deadline := res.sent.Add(st.timeout)
	ex.deadline = deadline
	redirects := 0
	for {
		ex.cookie = joinCookies(headerValue(ex.headers, "Cookie"), v.cookiesFor(ex.url))
		if redirects > 0 {
			if ex.timeout = time.Until(deadline); ex.timeout <= 0 {
				res.err = fasthttp.ErrTimeout
				break
			}
		}
		if res.err = v.client.do(ex); res.err != nil {
			break
		}
		v.keepCookies(ex.url, ex.setCookies)
		next, follow := v.redirect(ex)
		if !follow {
			break
		}
		if redirects == maxRedirects {
			res.done = time.Now()
			res.class, res.detail = ClassCheck, fmt.Sprintf("stopped after %d redirects", maxRedirects)
			return res
		}
		redirects++
		ex.url = next
	}
	res.done = time.Now()
	if res.err != nil {
		res.class = classifyError(res.err)
		return res
	}
	if class, detail := st.classifyResponse(ex, res.done.Sub(res.sent)); class != ClassNone {
		res.class, res.detail = class, detail
		return res
	}
	if len(st.captures) > 0 {
		if detail := st.capture(ex, vars); detail != "" {
			res.class, res.detail = ClassCheck, detail
		}
	}
	return res
}

// redirect decides whether to follow ex's response, and where to. A
// browser follows redirects anywhere; a load test follows them only on the
// target's host, so it never sends load to a site it was not pointed at.
// A 303, and a 301 or 302 answering a POST, continue as a GET without a
// body, as browsers do.
func (v *visitor) redirect(ex *exchange) (next string, follow bool) {
	switch ex.status {
	case 301, 302, 303, 307, 308:
	default:
		return "", false
	}
	if ex.location == "" {
		return "", false
	}
	base, err := url.Parse(ex.url)
	if err != nil {
		return "", false
	}
	loc, err := base.Parse(ex.location)
	if err != nil || (loc.Scheme != "http" && loc.Scheme != "https") || !sameHost(loc, v.r.target) {
		return "", false
	}
	if ex.status == 303 || (ex.status <= 302 && ex.method == http.MethodPost) {
		if ex.method != http.MethodHead {
			ex.method = http.MethodGet
		}
		ex.body = nil
		ex.headers = withoutHeader(ex.headers, "Content-Type")
	}
	return loc.String(), true
}

// sameHost reports whether u is on the target's host: names compare
// without case, and a default port (80, 443) equals no port.
func sameHost(u, target *url.URL) bool {
	return strings.EqualFold(u.Hostname(), target.Hostname()) && portOf(u) == portOf(target)
}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}

// cookiesFor returns the Cookie header the visitor sends to rawURL.
func (v *visitor) cookiesFor(rawURL string) string {
	if v.jar == nil {
		return ""
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	var b strings.Builder
	for i, c := range v.jar.Cookies(u) {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(c.Name)
		b.WriteByte('=')
		b.WriteString(c.Value)
	}
	return b.String()
}

// withoutHeader returns hs without the named header, copying only when it
// is there (a redirect is rare, and hs may be a step's shared slice).
func withoutHeader(hs []scenario.Header, name string) []scenario.Header {
	if headerValue(hs, name) == "" {
		return hs
	}
	out := make([]scenario.Header, 0, len(hs))
	for _, h := range hs {
		if !strings.EqualFold(h.Name, name) {
			out = append(out, h)
		}
	}
	return out
}

// headerValue returns the value of the named header in hs, or "".
func headerValue(hs []scenario.Header, name string) string {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

// joinCookies joins a step's own Cookie header with the jar's cookies, as
// a browser sends a page's cookies together with those a script set.
func joinCookies(own, jar string) string {
	switch {
	case own == "":
		return jar
	case jar == "":
		return own
	}
	return own + "; " + jar
}

// keepCookies stores a response's cookies in the visitor's jar, with the
// browser's rules for domain, path and expiry (net/http/cookiejar).
func (v *visitor) keepCookies(rawURL string, setCookies []string) {
	if len(setCookies) == 0 {
		return
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return
	}
	var cookies []*http.Cookie
	for _, line := range setCookies {
		if c, err := http.ParseSetCookie(line); err == nil {
			cookies = append(cookies, c)
		}
	}
	if v.jar == nil {
		v.jar, _ = cookiejar.New(nil) // New never fails without options
	}
	v.jar.SetCookies(u, cookies)
}

// thinkTime picks a pause: Min, or uniform between Min and Max.
func thinkTime(t scenario.Think) time.Duration {
	if t.Max <= t.Min {
		return t.Min
	}
	return t.Min + time.Duration(mrand.Int64N(int64(t.Max-t.Min)+1))
}

// maxSnippet bounds the response text kept with an error example.
const maxSnippet = 160

// describeFailure formats an error example: the journey and request, and
// the transport error, the check that failed, or the status with the
// start of the body. redact removes secrets; it runs before the body is
// cut, so no secret shows in part, and the whole message is made
// Printable, since most of it is what the target sent.
func describeFailure(journey string, st *stepPlan, ex *exchange, res stepResult, redact func(string) string) string {
	if res.class == ClassTemplate { // nothing was sent: name the step
		return scenario.Printable(redact(fmt.Sprintf("%s/%s: %s", journey, st.name, res.detail)))
	}
	where := fmt.Sprintf("%s: %s %s", journey, ex.method, ex.url)
	var msg string
	switch {
	case res.err != nil:
		msg = fmt.Sprintf("%s: %v", where, res.err)
	case res.detail != "":
		msg = fmt.Sprintf("%s: status %d: %s", where, ex.status, res.detail)
	default:
		msg = fmt.Sprintf("%s: status %d", where, ex.status)
		if len(ex.snippet) > 0 {
			msg += ": " + cleanSnippet(ex.snippet, redact)
		}
	}
	return scenario.Printable(redact(msg))
}

// cleanSnippet makes the start of a body fit an error example: printable,
// whitespace collapsed, secrets redacted, then cut at maxSnippet bytes on
// a character boundary.
func cleanSnippet(b []byte, redact func(string) string) string {
	text := redact(strings.Join(strings.Fields(scenario.Printable(redact(string(b)))), " "))
	if len(text) > maxSnippet {
		cut := maxSnippet
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut] + "…"
	}
	return text
}

// redactor returns the function that takes secrets out of an example of
// the visitor's failed request: the scenario's, and the values of the
// request's secret headers, which templates may have filled in with
// captured tokens the scenario never saw.
func (v *visitor) redactor() func(string) string {
	var own []string
	for _, h := range v.ex.headers {
		if h.Secret {
			own = append(own, scenario.HeaderSecrets(h.Value)...)
		}
	}
	return func(text string) string {
		for _, s := range own {
			text = strings.ReplaceAll(text, s, "[redacted]")
		}
		return v.r.sc.Redact(text)
	}
}
