package scenario

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"
)

// Journey is what one visitor does, picked by weight on each arrival.
type Journey struct {
	Name   string
	Weight int
	Steps  []Step
	Data   *Data // rows visitors take values from; nil when the journey uses none
	Line   int
}

// Step is one request of a journey. Path, header, query, form and body
// values may hold templates ({{ .row.email }}, {{ .token }},
// {{ randInt 1 500 }}); they are checked at load time and filled in per
// request.
type Step struct {
	Name     string // as written, or the request line when unnamed
	Method   string
	Path     string // a path relative to the target, or an absolute URL
	Headers  []Header
	Query    []Param
	Body     Body
	Timeout  time.Duration // 0: the scenario default
	Expect   Expect
	Captures []Capture
	Think    *Think // pause after the step; nil: the scenario default
	MaxBody  int64  // the most of the response body checks and captures read; 0: the scenario default
	Line     int
}

// Param is one query or form parameter.
type Param struct {
	Name  string
	Value string
}

// BodyKind says how a step's body is written.
type BodyKind string

// Body kinds.
const (
	NoBody   BodyKind = ""
	RawBody  BodyKind = "raw"  // body: text, sent as written (after templates)
	JSONBody BodyKind = "json" // json: any YAML value, sent as JSON
	FormBody BodyKind = "form" // form: a mapping, sent URL-encoded
)

// Body is a step's request body.
type Body struct {
	Kind BodyKind
	Raw  string
	JSON *JSONValue
	Form []Param
}

// ContentType is the media type a body of this kind is sent with unless
// the step sets its own.
func (b Body) ContentType() string {
	switch b.Kind {
	case JSONBody:
		return "application/json"
	case FormBody:
		return "application/x-www-form-urlencoded"
	}
	return ""
}

// JSONValue is a JSON document as the scenario wrote it, in YAML, with
// key order kept. String leaves may hold templates.
type JSONValue struct {
	Kind   JSONKind
	Text   string // a string's text, or a number's or bool's literal
	Items  []JSONValue
	Fields []JSONField
}

// JSONField is one member of a JSON object.
type JSONField struct {
	Name  string
	Value JSONValue
}

// JSONKind is the kind of a JSONValue.
type JSONKind uint8

// JSON kinds.
const (
	JSONNull JSONKind = iota
	JSONString
	JSONNumber
	JSONBool
	JSONArray
	JSONObject
)

// Think is the pause a visitor takes after a step, like a person reading a
// page: Min when Min equals Max, otherwise uniform between them.
type Think struct {
	Min, Max time.Duration
}

func (t Think) String() string {
	if t.Min == t.Max {
		return FormatDuration(t.Min)
	}
	return FormatDuration(t.Min) + ".." + FormatDuration(t.Max)
}

var journeyKeys = []string{"name", "weight", "steps", "data", "order"}

func (d *decoder) journeys(n *yaml.Node, path string) []Journey {
	items := d.sequence(n, path)
	if items != nil && len(items) == 0 {
		d.fail(n, path, "needs at least one journey", "")
	}
	var out []Journey
	names := map[string]bool{}
	totalWeight := 0
	for i, item := range items {
		p := indexPath(path, i)
		j := Journey{Weight: 1, Line: item.Line}
		var stepsNode *yaml.Node
		var stepsPath string
		var dataNode, orderNode *yaml.Node
		var dataFile string
		order := Sequential
		for _, f := range d.mapping(item, p, journeyKeys) {
			switch f.key {
			case "name":
				if s, ok := d.scalar(f.val, f.path); ok {
					switch {
					case s == "" || strings.ContainsAny(s, "/:"):
						d.fail(f.val, f.path, fmt.Sprintf("journey name %q must be non-empty and free of / and :", s), "SLO scopes use journey/step: rule")
					case names[s]:
						d.fail(f.val, f.path, fmt.Sprintf("journey name %q is used twice", s), "")
					}
					names[s] = true
					j.Name = s
				}
			case "weight":
				if v, ok := d.integer(f.val, f.path, 0); ok {
					j.Weight = v
				}
			case "steps":
				stepsNode, stepsPath = f.val, f.path
			case "data":
				dataNode = f.val
				dataFile, _ = d.scalar(f.val, f.path)
			case "order":
				orderNode = f.val
				if s, ok := d.scalar(f.val, f.path); ok {
					switch DataOrder(s) {
					case Sequential, Random, Unique:
						order = DataOrder(s)
					default:
						d.fail(f.val, f.path, fmt.Sprintf("unknown order %q", s), "use sequential, random or unique")
					}
				}
			}
		}
		if resolve(item) == nil || resolve(item).Kind != yaml.MappingNode {
			continue
		}
		if dataNode != nil && dataFile != "" {
			j.Data = d.data(dataNode, joinPath(p, "data"), dataFile, order)
		}
		if orderNode != nil && dataNode == nil {
			d.fail(orderNode, joinPath(p, "order"), "order applies to a data file, and this journey has none", "add data: file.csv")
		}
		if stepsNode != nil {
			j.Steps = d.steps(stepsNode, stepsPath, j.Data)
		}
		if j.Name == "" {
			d.fail(item, p, "missing \"name\"", "every journey needs a name; reports and SLO scopes use it")
		}
		if stepsNode == nil {
			d.fail(item, p, "missing \"steps\"", "e.g. steps: [ GET / ]")
		}
		totalWeight += j.Weight
		out = append(out, j)
	}
	if len(out) > 0 && totalWeight == 0 {
		d.fail(n, path, "every journey has weight 0, so no visitor would do anything", "give at least one journey a weight above 0")
	}
	return out
}

var stepKeys = []string{"name", "request", "headers", "query", "body", "json", "form", "timeout", "expect", "capture", "think", "max_body"}

// steps reads a journey's steps. Templates are checked against what the
// visitor will have when the step runs: the data row, and the values the
// earlier steps capture.
func (d *decoder) steps(n *yaml.Node, path string, data *Data) []Step {
	items := d.sequence(n, path)
	if items != nil && len(items) == 0 {
		d.fail(n, path, "needs at least one step", "e.g. steps: [ GET / ]")
	}
	var out []Step
	names := map[string]bool{}
	vars := newTemplateScope(data)
	for i, item := range items {
		p := indexPath(path, i)
		st := Step{Line: item.Line}
		if item.Kind == yaml.ScalarNode {
			line, ok := d.requestText(item, p)
			if !ok || !d.requestLine(item, p, line, &st) {
				continue
			}
			st.Name = unnamedStep(item.Value)
			d.checkTemplate(item, p, st.Path, vars)
		} else if !d.stepMapping(item, p, &st, vars) {
			continue
		}
		if names[st.Name] {
			d.fail(item, p, fmt.Sprintf("step name %q is used twice in this journey", st.Name), "give the steps distinct names")
		}
		names[st.Name] = true
		for _, c := range st.Captures {
			vars.captured[c.Name] = true
		}
		out = append(out, st)
	}
	return out
}

// stepMapping reads a step written as a mapping.
func (d *decoder) stepMapping(item *yaml.Node, p string, st *Step, vars *templateScope) bool {
	fields := d.mapping(item, p, stepKeys)
	if item.Kind != yaml.MappingNode {
		return false
	}
	var requestNode *yaml.Node
	var bodies []string
	// Captures become visible to later steps only, but a step's own fields
	// may be read in any order: read captures and the request first.
	for _, f := range fields {
		switch f.key {
		case "name":
			st.Name, _ = d.scalar(f.val, f.path)
		case "request":
			requestNode = f.val
			if line, ok := d.requestText(f.val, f.path); ok && d.requestLine(f.val, f.path, line, st) {
				d.checkTemplate(f.val, f.path, st.Path, vars)
			}
		}
	}
	for _, f := range fields {
		switch f.key {
		case "headers":
			st.Headers = d.headers(f.val, f.path)
			for _, h := range st.Headers {
				d.checkTemplate(f.val, joinPath(f.path, h.Name), h.Value, vars)
				if h.Secret && !IsTemplate(h.Value) {
					d.secrets = append(d.secrets, HeaderSecrets(h.Value)...) // a server may echo it
				}
			}
		case "query":
			st.Query = d.params(f.val, f.path, vars)
		case "body":
			bodies = append(bodies, f.key)
			if s, ok := d.sentScalar(f.val, f.path); ok {
				st.Body = Body{Kind: RawBody, Raw: s}
				d.checkTemplate(f.val, f.path, s, vars)
			}
		case "json":
			bodies = append(bodies, f.key)
			v := d.jsonValue(f.val, f.path, vars)
			st.Body = Body{Kind: JSONBody, JSON: &v}
		case "form":
			bodies = append(bodies, f.key)
			st.Body = Body{Kind: FormBody, Form: d.params(f.val, f.path, vars)}
		case "timeout":
			if v, ok := d.duration(f.val, f.path); ok {
				if v <= 0 {
					d.fail(f.val, f.path, "must be longer than zero", "")
				}
				st.Timeout = v
			}
		case "expect":
			st.Expect = d.expect(f.val, f.path)
		case "capture":
			st.Captures = d.captures(f.val, f.path)
		case "think":
			if t, ok := d.think(f.val, f.path); ok {
				st.Think = &t
			}
		case "max_body":
			st.MaxBody, _ = d.maxBody(f.val, f.path)
		}
	}
	if requestNode == nil {
		d.fail(item, p, "missing \"request\"", "e.g. request: GET /products/7")
		return false
	}
	if st.Name == "" {
		st.Name = unnamedStep(resolve(requestNode).Value)
	}
	if len(bodies) > 1 {
		d.fail(item, p, fmt.Sprintf("a step has one body, and this one has %s", strings.Join(bodies, " and ")), "keep one of body, json and form")
	}
	return true
}

// unnamedStep names a step by its request line as written, so a ${VAR}
// in the path stays a reference and its value never becomes a name that
// reports print.
func unnamedStep(written string) string {
	return strings.Join(strings.Fields(written), " ")
}

// ValidMethod reports whether a step may send method m: one of Methods,
// spelled as they are (upper case).
func ValidMethod(m string) bool { return slices.Contains(Methods, m) }

// Methods are the HTTP methods a step may send: net/http's (but CONNECT,
// which opens a tunnel rather than asking for a resource), WebDAV's
// (RFC 4918) and REPORT, SEARCH, QUERY and PURGE, which APIs and caches
// use. Any upper-case word is an HTTP method to the protocol, but in a
// scenario one outside this list is a typo far more often than an API's
// own method ("GTE /"), and a typo would send a load test's every request
// to a 405 or, worse, to a handler that treats it as a GET.
var Methods = []string{
	"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE",
	"PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK",
	"REPORT", "SEARCH", "QUERY", "PURGE",
}

// methodHint says what a method that is not in Methods should be.
func methodHint(m string) string {
	if up := strings.ToUpper(m); ValidMethod(up) {
		return "methods are upper case: " + up
	}
	// A typo is a letter or two away (GTE, POTS); anything further is
	// another word, and a guess would mislead.
	best, bestDist := "", 3
	for _, known := range Methods {
		if d := editDistance(strings.ToUpper(m), known); d < bestDist {
			best, bestDist = known, d
		}
	}
	if best != "" {
		return fmt.Sprintf("did you mean %q?", best)
	}
	return "liftoff sends " + strings.Join(Methods, ", ")
}

// requestLine reads "GET /products/7" into st.
func (d *decoder) requestLine(n *yaml.Node, path, line string, st *Step) bool {
	m, target, ok := strings.Cut(strings.TrimSpace(line), " ")
	target = strings.TrimSpace(target)
	if !ok || target == "" {
		d.fail(n, path, fmt.Sprintf("cannot read request %q", n.Value), "write METHOD PATH, e.g. GET /products/7")
		return false
	}
	if !ValidMethod(m) {
		d.fail(n, path, fmt.Sprintf("%q is not an HTTP method", m), methodHint(m))
		return false
	}
	if strings.ContainsAny(stripTemplates(target), " \t") {
		d.fail(n, path, fmt.Sprintf("the path in %q contains a space", n.Value), "encode spaces in paths as %20")
		return false
	}
	if !strings.HasPrefix(target, "/") && !strings.HasPrefix(target, "http://") && !strings.HasPrefix(target, "https://") {
		d.fail(n, path, fmt.Sprintf("%q is neither a path nor a URL", target), "paths start with /, e.g. GET /products/7")
		return false
	}
	if u, err := url.Parse(target); err == nil {
		d.credentialSecrets(u) // an absolute URL's user:password is a secret too
	}
	st.Method, st.Path = m, target
	return true
}

// params reads a mapping of parameter names to (templated) values, in
// order.
func (d *decoder) params(n *yaml.Node, path string, vars *templateScope) []Param {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		d.fail(n, path, "must be a mapping of names to values", kindHint(n))
		return nil
	}
	var out []Param
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		p := joinPath(path, k.Value)
		val, ok := d.sentScalar(v, p)
		if !ok {
			continue
		}
		d.checkTemplate(v, p, val, vars)
		out = append(out, Param{Name: k.Value, Value: val})
	}
	return out
}

// jsonValue turns a YAML value into the JSON document it stands for.
func (d *decoder) jsonValue(n *yaml.Node, path string, vars *templateScope) JSONValue {
	n = resolve(n)
	switch {
	case n == nil:
		return JSONValue{}
	case n.Kind == yaml.MappingNode:
		v := JSONValue{Kind: JSONObject}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			v.Fields = append(v.Fields, JSONField{Name: k.Value, Value: d.jsonValue(n.Content[i+1], joinPath(path, k.Value), vars)})
		}
		return v
	case n.Kind == yaml.SequenceNode:
		v := JSONValue{Kind: JSONArray, Items: []JSONValue{}}
		for i, item := range n.Content {
			v.Items = append(v.Items, d.jsonValue(item, indexPath(path, i), vars))
		}
		return v
	}
	switch n.Tag {
	case "!!null":
		return JSONValue{Kind: JSONNull}
	case "!!bool":
		return JSONValue{Kind: JSONBool, Text: strings.ToLower(n.Value)}
	case "!!int", "!!float":
		if isJSONNumber(n.Value) {
			return JSONValue{Kind: JSONNumber, Text: n.Value}
		}
	}
	s, ok := d.sentScalar(n, path)
	if ok {
		d.checkTemplate(n, path, s, vars)
	}
	return JSONValue{Kind: JSONString, Text: s}
}

var jsonNumber = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`) })

func isJSONNumber(s string) bool { return jsonNumber().MatchString(s) }

// think reads "2s" or "1s..3s".
func (d *decoder) think(n *yaml.Node, path string) (Think, bool) {
	s, ok := d.scalar(n, path)
	if !ok {
		return Think{}, false
	}
	lo, hi, isRange := strings.Cut(s, "..")
	if !isRange {
		hi = lo
	}
	minT, err1 := ParseDuration(lo)
	maxT, err2 := ParseDuration(hi)
	if err1 != nil || err2 != nil {
		d.fail(n, path, fmt.Sprintf("invalid think time %q", n.Value), "write a duration such as 2s, or a range such as 1s..3s")
		return Think{}, false
	}
	if maxT < minT {
		d.fail(n, path, fmt.Sprintf("think time %q runs backwards", n.Value), "write the shorter time first, e.g. 1s..3s")
		return Think{}, false
	}
	return Think{Min: minT, Max: maxT}, true
}
