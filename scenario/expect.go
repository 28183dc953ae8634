package scenario

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"
)

// Expect holds a step's checks on the response. A failed check is an error
// of class "check" (unless the status alone is a 4xx or 5xx the step did
// not expect, which keeps its status class).
type Expect struct {
	Status       []StatusMatch
	BodyContains []string
	JSON         []JSONExpect
	MaxDuration  time.Duration // latency from the intended send time; 0: no limit
}

// StatusMatch is one accepted status: an exact code, or a class (Class 2
// for "2xx").
type StatusMatch struct {
	Code  int
	Class int
}

// Matches reports whether status is accepted.
func (m StatusMatch) Matches(status int) bool {
	if m.Class != 0 {
		return status/100 == m.Class
	}
	return status == m.Code
}

func (m StatusMatch) String() string {
	if m.Class != 0 {
		return fmt.Sprintf("%dxx", m.Class)
	}
	return fmt.Sprint(m.Code)
}

// JSONExpect checks that the value at Path equals Value (compared as JSON).
type JSONExpect struct {
	Path  JSONPath
	Value string // the expected value as JSON text: "ok" is `"ok"`, 3 is `3`
}

// Capture takes a value from a response into the visitor's variables,
// where later steps use it as {{ .Name }}. A capture that finds nothing
// fails the step as a check failure and ends the visit.
type Capture struct {
	Name   string
	Source CaptureSource
	Expr   string         // the JSON path, header name or regular expression as written
	Path   JSONPath       // for CaptureJSON
	Regexp *regexp.Regexp // for CaptureRegexp; its first group (or the whole match) is the value
}

// CaptureSource is where a capture looks.
type CaptureSource string

// Capture sources.
const (
	CaptureJSON   CaptureSource = "json"
	CaptureHeader CaptureSource = "header"
	CaptureRegexp CaptureSource = "regex"
)

var expectKeys = []string{"status", "body_contains", "json", "max_duration"}

func (d *decoder) expect(n *yaml.Node, path string) Expect {
	var e Expect
	for _, f := range d.mapping(n, path, expectKeys) {
		switch f.key {
		case "status":
			e.Status = d.statuses(f.val, f.path)
		case "body_contains":
			v := resolve(f.val)
			if v != nil && v.Kind == yaml.SequenceNode {
				for i, item := range v.Content {
					if s, ok := d.scalar(item, indexPath(f.path, i)); ok {
						e.BodyContains = append(e.BodyContains, s)
					}
				}
			} else if s, ok := d.scalar(f.val, f.path); ok {
				e.BodyContains = append(e.BodyContains, s)
			}
		case "json":
			v := resolve(f.val)
			if v == nil || v.Kind != yaml.MappingNode {
				d.fail(f.val, f.path, "must be a mapping of JSON paths to expected values", `e.g. json: { "$.status": ok }`)
				continue
			}
			for i := 0; i+1 < len(v.Content); i += 2 {
				k := v.Content[i]
				jp, err := ParseJSONPath(k.Value)
				if err != nil {
					d.failValue(k, joinPath(f.path, k.Value), err)
					continue
				}
				want := d.jsonValue(v.Content[i+1], joinPath(f.path, k.Value), nil)
				e.JSON = append(e.JSON, JSONExpect{Path: jp, Value: want.Literal()})
			}
		case "max_duration":
			if v, ok := d.duration(f.val, f.path); ok {
				e.MaxDuration = v
			}
		}
	}
	return e
}

// statuses reads 200, [200, 201], "2xx" or [2xx, 404].
func (d *decoder) statuses(n *yaml.Node, path string) []StatusMatch {
	n = resolve(n)
	items := []*yaml.Node{n}
	if n != nil && n.Kind == yaml.SequenceNode {
		items = n.Content
	}
	var out []StatusMatch
	for _, item := range items {
		s, ok := d.scalar(item, path)
		if !ok {
			continue
		}
		var m StatusMatch
		if len(s) == 3 && strings.HasSuffix(s, "xx") && s[0] >= '1' && s[0] <= '5' {
			m.Class = int(s[0] - '0')
		} else if _, err := fmt.Sscanf(s, "%d", &m.Code); err != nil || m.Code < 100 || m.Code > 599 || fmt.Sprint(m.Code) != s {
			d.fail(item, path, fmt.Sprintf("%q is not an HTTP status", s), "write a code such as 200, a class such as 2xx, or a list: [200, 201]")
			continue
		}
		out = append(out, m)
	}
	return out
}

// capturePrefix reads "json:$.token", "header:Location" or
// "regex:value=\"(\w+)\"".
var capturePrefix = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(json|header|regex):(.+)$`) })

// captureName is a name templates can use as {{ .name }}.
var captureName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`) })

func (d *decoder) captures(n *yaml.Node, path string) []Capture {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		d.fail(n, path, "must be a mapping of names to sources", `e.g. capture: { token: "json:$.token" }`)
		return nil
	}
	var out []Capture
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		p := joinPath(path, k.Value)
		if !captureName().MatchString(k.Value) || k.Value == "row" || k.Value == "visitor" {
			d.fail(k, path, fmt.Sprintf("%q cannot name a capture", k.Value), "use letters, digits and _, starting with a letter; row and visitor are taken")
			continue
		}
		s, ok := d.scalar(v, p)
		if !ok {
			continue
		}
		m := capturePrefix().FindStringSubmatch(s)
		if m == nil {
			d.fail(v, p, fmt.Sprintf("cannot read capture %q", s), `write json:PATH, header:NAME or regex:PATTERN, e.g. "json:$.token"`)
			continue
		}
		c := Capture{Name: k.Value, Source: CaptureSource(m[1]), Expr: m[2]}
		switch c.Source {
		case CaptureJSON:
			jp, err := ParseJSONPath(c.Expr)
			if err != nil {
				d.failValue(v, p, err)
				continue
			}
			c.Path = jp
		case CaptureHeader:
			if !ValidHeaderName(c.Expr) {
				d.fail(v, p, fmt.Sprintf("%q is not a header name", c.Expr), "")
				continue
			}
		case CaptureRegexp:
			re, err := regexp.Compile(c.Expr)
			if err != nil {
				d.fail(v, p, fmt.Sprintf("invalid regular expression: %v", err), "")
				continue
			}
			if re.NumSubexp() > 1 {
				d.fail(v, p, fmt.Sprintf("the regular expression has %d groups", re.NumSubexp()), "the value is the first group; keep one group, or make the others non-capturing with (?:...)")
				continue
			}
			c.Regexp = re
		}
		out = append(out, c)
	}
	return out
}
