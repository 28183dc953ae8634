package loadgen

import (
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/valyala/fasthttp"
)

// visitor is the per-goroutine state of a visitor: its client (its own
// connections, unless the scenario shares them) and reusable buffers.
type visitor struct {
	id     int
	r      *run
	client httpClient
	ex     exchange
}

func (r *run) newVisitor(id int) *visitor {
	v := &visitor{id: id, r: r, client: r.shared}
	if v.client == nil {
		v.client = r.clients.newClient(false)
	}
	v.ex.req, v.ex.resp = fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	return v
}

func (v *visitor) release() {
	fasthttp.ReleaseRequest(v.ex.req)
	fasthttp.ReleaseResponse(v.ex.resp)
}

// visit runs journey j whose first request was intended at intended, and
// reports whether every step succeeded. Each request's latency runs from
// its intended time: the arrival's time for the first, the previous
// response for the next. A failed step ends the visit, as an error page
// ends a real visitor's path.
func (v *visitor) visit(j int, intended time.Time, open bool) (ok bool) {
	jp := &v.r.journeys[j]
	start := intended
	last := intended
	failed := false
	for s := range jp.steps {
		st := &jp.steps[s]
		ex := &v.ex
		ex.method, ex.url, ex.headers, ex.timeout = st.method, st.url, st.headers, st.timeout
		ex.status = 0
		ex.wantSnippet = v.r.rec.examples.wants(ClassStatus4xx) || v.r.rec.examples.wants(ClassStatus5xx)

		sent := time.Now()
		err := v.client.do(ex)
		done := time.Now()

		class := ClassNone
		if err != nil {
			class = classifyError(err)
		} else {
			class = classifyStatus(ex.status)
		}
		if class != ClassNone && v.r.rec.examples.wants(class) {
			v.r.rec.examples.add(class, v.r.sc.Redact(describeFailure(st, ex, err)))
		}
		v.r.rec.record(v.id, sample{journey: j, step: s, intended: intended, sent: sent, done: done, class: class, open: open})
		last = done
		if class != ClassNone {
			failed = true
			break
		}
		intended = done
	}
	v.r.rec.recordVisit(v.id, j, last.Sub(start), failed)
	return !failed
}

// maxSnippet bounds the response text kept with an error example.
const maxSnippet = 160

// describeFailure formats an error example: the request, and the
// transport error or the status with the start of the body.
func describeFailure(st *stepPlan, ex *exchange, err error) string {
	if err != nil {
		return fmt.Sprintf("%s %s: %v", st.method, st.url, err)
	}
	msg := fmt.Sprintf("%s %s: status %d", st.method, st.url, ex.status)
	if len(ex.snippet) > 0 {
		msg += ": " + cleanSnippet(ex.snippet)
	}
	return msg
}

// cleanSnippet collapses whitespace and cuts the text at maxSnippet bytes
// on a character boundary.
func cleanSnippet(b []byte) string {
	out := make([]byte, 0, len(b))
	space := false
	for _, c := range b {
		if c == '\n' || c == '\r' || c == '\t' || c == ' ' {
			space = true
			continue
		}
		if space && len(out) > 0 {
			out = append(out, ' ')
		}
		space = false
		out = append(out, c)
	}
	if len(out) > maxSnippet {
		cut := maxSnippet
		for cut > 0 && !utf8.RuneStart(out[cut]) {
			cut--
		}
		out = append(out[:cut], "…"...)
	}
	return string(out)
}
