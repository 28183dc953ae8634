package scenario

import (
	"errors"
	"fmt"
	"strings"
)

// Error is one problem found in a scenario: where it is and what would be
// right. Parse and Load return all problems they find, joined with
// errors.Join; use Problems to get them back one by one.
type Error struct {
	File string // the scenario file as the user named it
	Line int    // 1-based; 0 when the problem has no single place
	Col  int    // 1-based; 0 when unknown
	Path string // the key path, e.g. "traffic.phases[1].rate"; empty at the top
	Msg  string // what is wrong
	Hint string // what would be right; may be empty
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Col > 0 {
			fmt.Fprintf(&b, ":%d", e.Col)
		}
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Hint != "" {
		b.WriteString(" (")
		b.WriteString(e.Hint)
		b.WriteString(")")
	}
	return b.String()
}

// Problems returns every *Error inside err, in the order they were found.
// It returns nil when err holds none, so callers can tell a scenario
// problem from an I/O failure.
func Problems(err error) []*Error {
	if err == nil {
		return nil
	}
	var out []*Error
	var walk func(error)
	walk = func(e error) {
		if se, ok := e.(*Error); ok {
			out = append(out, se)
			return
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, inner := range j.Unwrap() {
				walk(inner)
			}
			return
		}
		if inner := errors.Unwrap(e); inner != nil {
			walk(inner)
		}
	}
	walk(err)
	return out
}
