package loadgen

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/liftoff/liftoff/scenario"
)

// stepPlan is a step prepared for sending: templates compiled, and
// everything that does not change per request computed once.
type stepPlan struct {
	name    string
	method  string
	base    string // the target's base URL for a path; "" when the step names an absolute URL
	path    text
	query   []param
	headers []header
	body    bodyPlan
	timeout time.Duration
	think   scenario.Think

	expect         scenario.Expect
	captures       []scenario.Capture
	wantBody       bool     // a check or capture reads the body
	maxBody        int      // the most of the body they read
	captureHeaders []string // headers a capture reads

	// static is set when nothing in the request is templated: the exchange
	// then points at staticHeaders and staticBody, and building a request
	// allocates nothing.
	static        bool
	staticURL     string
	staticHeaders []scenario.Header
	staticBody    []byte
}

type param struct {
	name  string
	value text
}

type header struct {
	name   string
	value  text
	secret bool
}

type bodyPlan struct {
	kind        scenario.BodyKind
	raw         text
	json        []jsonPiece
	form        []param
	contentType string
}

// jsonPiece is a stretch of a JSON body: literal JSON text, or a template
// slot. A slot renders as a JSON string, except that a slot which is a
// whole string value (json: { qty: "{{ randInt 1 5 }}" }) renders bare
// when its output is a JSON number, true, false or null, so templates can
// produce numbers.
type jsonPiece struct {
	literal string
	slot    *text
	bare    bool // the slot is a whole string value
}

func compileStep(st scenario.Step, base string, defaults scenario.Defaults) (stepPlan, error) {
	sp := stepPlan{name: st.Name, method: st.Method, timeout: st.Timeout, think: defaults.Think,
		expect: st.Expect, captures: st.Captures, maxBody: int(cmp.Or(st.MaxBody, defaults.MaxBody, scenario.DefaultMaxBody))}
	if sp.timeout == 0 {
		sp.timeout = defaults.Timeout
	}
	if st.Think != nil {
		sp.think = *st.Think
	}
	if strings.HasPrefix(st.Path, "/") {
		sp.base = base
	}
	var err error
	if sp.path, err = compileText(st.Path); err != nil {
		return sp, err
	}
	for _, q := range st.Query {
		v, err := compileText(q.Value)
		if err != nil {
			return sp, err
		}
		sp.query = append(sp.query, param{name: q.Name, value: v})
	}
	for _, h := range mergeHeaders(defaults.Headers, st.Headers) {
		v, err := compileText(h.Value)
		if err != nil {
			return sp, err
		}
		sp.headers = append(sp.headers, header{name: h.Name, value: v, secret: h.Secret})
	}
	if sp.body, err = compileBody(st.Body); err != nil {
		return sp, err
	}
	if sp.body.contentType != "" && !hasHeader(st.Headers, "Content-Type") && !hasHeader(defaults.Headers, "Content-Type") {
		sp.headers = append(sp.headers, header{name: "Content-Type", value: text{literal: sp.body.contentType}})
	}
	sp.wantBody = len(st.Expect.BodyContains) > 0 || len(st.Expect.JSON) > 0
	for _, c := range st.Captures {
		switch c.Source {
		case scenario.CaptureHeader:
			sp.captureHeaders = append(sp.captureHeaders, c.Expr)
		default:
			sp.wantBody = true
		}
	}
	sp.static = !sp.path.isTemplate() && len(sp.query) == 0 && !sp.body.templated()
	for _, h := range sp.headers {
		sp.static = sp.static && !h.value.isTemplate()
	}
	if sp.static {
		sp.staticURL = sp.base + sp.path.literal
		for _, h := range sp.headers {
			sp.staticHeaders = append(sp.staticHeaders, scenario.Header{Name: h.name, Value: h.value.literal, Secret: h.secret})
		}
		var buf bytes.Buffer
		if err := sp.body.render(&buf, nil); err != nil {
			return sp, err
		}
		sp.staticBody = buf.Bytes()
	}
	return sp, nil
}

func hasHeader(hs []scenario.Header, name string) bool {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return true
		}
	}
	return false
}

func compileBody(b scenario.Body) (bodyPlan, error) {
	bp := bodyPlan{kind: b.Kind, contentType: b.ContentType()}
	var err error
	switch b.Kind {
	case scenario.RawBody:
		bp.raw, err = compileText(b.Raw)
	case scenario.JSONBody:
		bp.json, err = compileJSON(*b.JSON, nil)
	case scenario.FormBody:
		for _, f := range b.Form {
			v, err := compileText(f.Value)
			if err != nil {
				return bp, err
			}
			bp.form = append(bp.form, param{name: f.Name, value: v})
		}
	}
	return bp, err
}

// compileJSON flattens a JSON value into pieces, merging adjacent literal
// text so a static document is a single piece.
func compileJSON(v scenario.JSONValue, out []jsonPiece) ([]jsonPiece, error) {
	lit := func(s string) {
		if n := len(out); n > 0 && out[n-1].slot == nil {
			out[n-1].literal += s
			return
		}
		out = append(out, jsonPiece{literal: s})
	}
	switch v.Kind {
	case scenario.JSONString:
		if !scenario.IsTemplate(v.Text) {
			lit(v.Literal())
			return out, nil
		}
		t, err := compileText(v.Text)
		if err != nil {
			return out, err
		}
		trimmed := strings.TrimSpace(v.Text)
		bare := strings.HasPrefix(trimmed, "{{") && strings.HasSuffix(trimmed, "}}") && strings.Count(trimmed, "{{") == 1
		out = append(out, jsonPiece{slot: &t, bare: bare})
	case scenario.JSONArray:
		lit("[")
		for i, item := range v.Items {
			if i > 0 {
				lit(",")
			}
			var err error
			if out, err = compileJSON(item, out); err != nil {
				return out, err
			}
		}
		lit("]")
	case scenario.JSONObject:
		lit("{")
		for i, f := range v.Fields {
			if i > 0 {
				lit(",")
			}
			name, _ := json.Marshal(f.Name)
			lit(string(name) + ":")
			var err error
			if out, err = compileJSON(f.Value, out); err != nil {
				return out, err
			}
		}
		lit("}")
	default:
		lit(v.Literal())
	}
	return out, nil
}

func (bp bodyPlan) templated() bool {
	switch bp.kind {
	case scenario.RawBody:
		return bp.raw.isTemplate()
	case scenario.JSONBody:
		for _, p := range bp.json {
			if p.slot != nil {
				return true
			}
		}
	case scenario.FormBody:
		for _, f := range bp.form {
			if f.value.isTemplate() {
				return true
			}
		}
	}
	return false
}

// render appends the body to buf.
func (bp bodyPlan) render(buf *bytes.Buffer, vars map[string]any) error {
	switch bp.kind {
	case scenario.RawBody:
		return bp.raw.render(buf, vars)
	case scenario.JSONBody:
		var scratch bytes.Buffer
		for _, p := range bp.json {
			if p.slot == nil {
				buf.WriteString(p.literal)
				continue
			}
			scratch.Reset()
			if err := p.slot.render(&scratch, vars); err != nil {
				return err
			}
			if p.bare && isBareJSON(scratch.Bytes()) {
				buf.Write(scratch.Bytes())
				continue
			}
			q, _ := json.Marshal(scratch.String())
			buf.Write(q)
		}
	case scenario.FormBody:
		var scratch bytes.Buffer
		for i, f := range bp.form {
			if i > 0 {
				buf.WriteByte('&')
			}
			scratch.Reset()
			if err := f.value.render(&scratch, vars); err != nil {
				return err
			}
			buf.WriteString(url.QueryEscape(f.name))
			buf.WriteByte('=')
			buf.WriteString(url.QueryEscape(scratch.String()))
		}
	}
	return nil
}

// isBareJSON reports whether b is a JSON number, true, false or null.
func isBareJSON(b []byte) bool {
	switch string(b) {
	case "true", "false", "null":
		return true
	}
	var n json.Number
	return len(b) > 0 && json.Unmarshal(b, &n) == nil
}

// requestBuffers are a visitor's reusable buffers for building requests.
type requestBuffers struct {
	url     bytes.Buffer
	body    bytes.Buffer
	scratch bytes.Buffer
	headers []scenario.Header
}

// build fills ex with the step's request for a visitor with vars. A
// template that cannot be filled in (a missing value) returns an error;
// the step then fails as a template error without sending anything.
func (sp *stepPlan) build(ex *exchange, b *requestBuffers, vars map[string]any) error {
	ex.method, ex.timeout = sp.method, sp.timeout
	ex.wantBody, ex.maxBody, ex.captureHeaders = sp.wantBody, sp.maxBody, sp.captureHeaders
	ex.static = sp.static
	if sp.static {
		ex.url, ex.headers, ex.body = sp.staticURL, sp.staticHeaders, sp.staticBody
		return nil
	}
	b.url.Reset()
	b.url.WriteString(sp.base)
	if err := sp.path.render(&b.url, vars); err != nil {
		return err
	}
	sep := byte('?')
	if bytes.IndexByte(b.url.Bytes(), '?') >= 0 {
		sep = '&'
	}
	for _, q := range sp.query {
		b.scratch.Reset()
		if err := q.value.render(&b.scratch, vars); err != nil {
			return err
		}
		b.url.WriteByte(sep)
		sep = '&'
		b.url.WriteString(url.QueryEscape(q.name))
		b.url.WriteByte('=')
		b.url.WriteString(url.QueryEscape(b.scratch.String()))
	}
	ex.url = b.url.String()
	b.headers = b.headers[:0]
	for _, h := range sp.headers {
		b.scratch.Reset()
		if err := h.value.render(&b.scratch, vars); err != nil {
			return err
		}
		v := b.scratch.String()
		if strings.ContainsAny(v, "\r\n") {
			return fmt.Errorf("header %s: the value has a line break", h.name)
		}
		b.headers = append(b.headers, scenario.Header{Name: h.name, Value: v, Secret: h.secret})
	}
	ex.headers = b.headers
	b.body.Reset()
	if err := sp.body.render(&b.body, vars); err != nil {
		return err
	}
	ex.body = b.body.Bytes()
	return nil
}
