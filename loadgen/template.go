package loadgen

import (
	"bytes"
	"fmt"
	"strings"
	"text/template"

	"github.com/liftoff/liftoff/scenario"
)

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
	t, err := template.New("").Funcs(scenario.TemplateFuncs()).Option("missingkey=error").Parse(s)
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
