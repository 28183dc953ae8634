package scenario

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	mrand "math/rand/v2"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"text/template"
	"text/template/parse"
	"time"

	"go.yaml.in/yaml/v3"
)

// TemplateFuncs returns the functions a template may call, beyond
// text/template's own (printf, urlquery, …), for template.Funcs. They are
// one list: the load-time check knows a function by its name there, and
// loadgen runs the same code. The map is a copy, so no caller changes
// what another runs.
//
//	randInt A B      a random integer from A to B, inclusive
//	randomItem LIST  a random element of a list, or of a string split at |
//	uuid             a random UUID (version 4)
//	now              the current time, RFC 3339 in UTC
//	json VALUE       VALUE as a JSON literal, for templates inside raw bodies
func TemplateFuncs() template.FuncMap { return maps.Clone(templateFuncs) }

var templateFuncs = template.FuncMap{
	"randInt":    randInt,
	"randomItem": randomItem,
	"uuid":       newUUID,
	"now":        now,
	"json":       toJSON,
}

func randInt(lo, hi int) (int, error) {
	if hi < lo {
		return 0, fmt.Errorf("the second number (%d) must not be below the first (%d)", hi, lo)
	}
	return lo + mrand.IntN(hi-lo+1), nil
}

// randomItem picks an element of a list, or of a string split at "|", the
// way a list travels in a CSV cell ("red|green|blue").
func randomItem(list any) (any, error) {
	if s, ok := list.(string); ok {
		items := strings.Split(s, "|")
		return items[mrand.IntN(len(items))], nil
	}
	v := reflect.ValueOf(list)
	if v.Kind() != reflect.Slice && v.Kind() != reflect.Array {
		return nil, fmt.Errorf("randomItem needs a list, not %T", list)
	}
	if v.Len() == 0 {
		return nil, fmt.Errorf("randomItem of an empty list")
	}
	return v.Index(mrand.IntN(v.Len())).Interface(), nil
}

func newUUID() string {
	var b [16]byte
	rand.Read(b[:])         // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 9562 variant
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

func now() string { return time.Now().UTC().Format(time.RFC3339) }

func toJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// Template variables. Besides these, each capture of an earlier step is a
// variable named after the capture.
const (
	// VarRow is the visitor's row of the journey's data file; its columns
	// are fields: {{ .row.email }}.
	VarRow = "row"
	// VarVisitor is the visitor's sequence number, unique within a run:
	// user{{ .visitor }}@example.com.
	VarVisitor = "visitor"
)

// templatePosition matches text/template's "template: NAME:LINE:COL: "
// prefix; the scenario's own line and column replace it.
var templatePosition = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^template: [^:]*:\d+(:\d+)?: `) })

// templateScope is what a template may refer to at one step of a journey.
type templateScope struct {
	data     *Data
	captured map[string]bool
}

func newTemplateScope(data *Data) *templateScope {
	return &templateScope{data: data, captured: map[string]bool{}}
}

// IsTemplate reports whether text holds a template action.
func IsTemplate(text string) bool { return strings.Contains(text, "{{") }

// checkTemplate parses text as a template and checks every variable it
// refers to against scope, so a typo or a value no earlier step captures
// is a load-time error at its line, not a failed request at run time.
func (d *decoder) checkTemplate(n *yaml.Node, path, text string, scope *templateScope) {
	if scope == nil || !IsTemplate(text) {
		return
	}
	t, err := template.New("").Funcs(templateFuncs).Parse(text)
	if err != nil {
		msg := templatePosition().ReplaceAllString(err.Error(), "")
		d.fail(n, path, "template error: "+msg, "templates look like {{ .row.email }}, {{ .token }} or {{ randInt 1 500 }}")
		return
	}
	for _, field := range templateFields(t.Tree.Root) {
		if msg, hint := scope.check(field); msg != "" {
			d.fail(n, path, msg, hint)
		}
	}
}

// check reports a variable reference the step will not have.
func (s *templateScope) check(field []string) (msg, hint string) {
	name := field[0]
	ref := "{{ ." + strings.Join(field, ".") + " }}"
	switch {
	case name == VarVisitor:
		return "", ""
	case name == VarRow && s.data == nil:
		return fmt.Sprintf("%s needs a data file, and this journey has none", ref), "add data: file.csv to the journey"
	case name == VarRow && len(field) > 1 && !slices.Contains(s.data.Columns, field[1]):
		return fmt.Sprintf("%s: %s has no column %q", ref, s.data.File, field[1]), "its columns: " + strings.Join(s.data.Columns, ", ")
	case name == VarRow:
		return "", ""
	case s.captured[name]:
		return "", ""
	}
	var have []string
	for c := range s.captured {
		have = append(have, c)
	}
	slices.Sort(have)
	hint = "capture it in an earlier step, e.g. capture: { " + name + `: "json:$.` + name + `" }`
	if len(have) > 0 {
		hint = "captured so far: " + strings.Join(have, ", ")
	}
	return fmt.Sprintf("%s refers to %q, which no earlier step captures", ref, name), hint
}

// templateFields lists the .a.b references of a template tree.
func templateFields(n parse.Node) [][]string {
	var out [][]string
	var walk func(parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n != nil {
				for _, c := range n.Nodes {
					walk(c)
				}
			}
		case *parse.ActionNode:
			walk(n.Pipe)
		case *parse.PipeNode:
			if n != nil {
				for _, c := range n.Cmds {
					walk(c)
				}
			}
		case *parse.CommandNode:
			for _, a := range n.Args {
				walk(a)
			}
		case *parse.FieldNode:
			out = append(out, n.Ident)
		case *parse.ChainNode:
			walk(n.Node)
		case *parse.IfNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.RangeNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.WithNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		}
	}
	walk(n)
	return out
}

// stripTemplates removes template actions from text, so checks on the
// text around them (a path without spaces) ignore what the actions hold.
func stripTemplates(text string) string {
	for {
		i := strings.Index(text, "{{")
		if i < 0 {
			return text
		}
		j := strings.Index(text[i:], "}}")
		if j < 0 {
			return text
		}
		text = text[:i] + "x" + text[i+j+2:]
	}
}
