package loadgen

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"reflect"
	"strings"
	"text/template"
	"time"

	"github.com/liftoff/liftoff/scenario"
)

// templateFuncs implements scenario.TemplateFuncs.
var templateFuncs = template.FuncMap{
	"randInt":    randInt,
	"randomItem": randomItem,
	"uuid":       newUUID,
	"now":        func() string { return time.Now().UTC().Format(time.RFC3339) },
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

func toJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// text is a value that may hold a template. A literal renders without
// executing anything, so untemplated steps pay nothing for templating.
type text struct {
	literal string
	t       *template.Template
}

// compileText compiles s; the scenario has already checked its syntax and
// references, so an error here is an internal invariant broken.
func compileText(s string) (text, error) {
	if !scenario.IsTemplate(s) {
		return text{literal: s}, nil
	}
	t, err := template.New("").Funcs(templateFuncs).Option("missingkey=error").Parse(s)
	if err != nil {
		return text{}, fmt.Errorf("template %q: %w", s, err)
	}
	return text{literal: s, t: t}, nil
}

func (t text) isTemplate() bool { return t.t != nil }

// render appends the value to buf.
func (t text) render(buf *bytes.Buffer, vars map[string]any) error {
	if t.t == nil {
		buf.WriteString(t.literal)
		return nil
	}
	if err := t.t.Execute(buf, vars); err != nil {
		return templateError(t.literal, err)
	}
	return nil
}

// templateError says which template failed and why, in the words a
// scenario author uses: text/template's "template: :1:10: executing ""
// at <randInt 9 1>: " prefix is dropped.
func templateError(src string, err error) error {
	msg := err.Error()
	if i := strings.Index(msg, "executing \""); i >= 0 {
		if j := strings.Index(msg[i:], ">: "); j >= 0 {
			msg = msg[i+j+3:]
		}
	}
	return fmt.Errorf("template %s: %s", src, msg)
}
