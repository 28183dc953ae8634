package scenario

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// JSONPath is a path into a JSON document: $.items[0].id, or without the
// leading $ as items[0].id. Members are .name or ['name']; elements are
// [N], counted from 0.
type JSONPath struct {
	Text  string
	parts []pathPart
}

type pathPart struct {
	key   string
	index int
	isIdx bool
}

// String is the path as written.
func (p JSONPath) String() string { return p.Text }

// ParseJSONPath reads a path.
func ParseJSONPath(s string) (JSONPath, error) {
	p := JSONPath{Text: s}
	rest := strings.TrimSpace(s)
	bad := func(why string) (JSONPath, error) {
		return JSONPath{}, &unitError{msg: fmt.Sprintf("invalid JSON path %q: %s", s, why), hint: "paths look like $.token or $.items[0].id"}
	}
	if r, ok := strings.CutPrefix(rest, "$"); ok {
		rest = r
	} else if rest != "" && rest[0] != '.' && rest[0] != '[' {
		rest = "." + rest
	}
	if rest == "" {
		return p, nil // $: the whole document
	}
	for rest != "" {
		switch rest[0] {
		case '.':
			rest = rest[1:]
			end := strings.IndexAny(rest, ".[")
			if end < 0 {
				end = len(rest)
			}
			if end == 0 {
				return bad("a member name is empty")
			}
			p.parts = append(p.parts, pathPart{key: rest[:end]})
			rest = rest[end:]
		case '[':
			end := strings.Index(rest, "]")
			if end < 0 {
				return bad("a [ is not closed")
			}
			inner := strings.TrimSpace(rest[1:end])
			rest = rest[end+1:]
			if len(inner) >= 2 && (inner[0] == '\'' || inner[0] == '"') && inner[len(inner)-1] == inner[0] {
				p.parts = append(p.parts, pathPart{key: inner[1 : len(inner)-1]})
				continue
			}
			i, err := strconv.Atoi(inner)
			if err != nil || i < 0 {
				return bad(fmt.Sprintf("[%s] is not an index", inner))
			}
			p.parts = append(p.parts, pathPart{index: i, isIdx: true})
		default:
			return bad(fmt.Sprintf("unexpected %q", rest[0]))
		}
	}
	return p, nil
}

// Lookup finds the value at the path in a document decoded by
// encoding/json into any. ok is false when the path leads nowhere.
func (p JSONPath) Lookup(doc any) (value any, ok bool) {
	v := doc
	for _, part := range p.parts {
		if part.isIdx {
			list, isList := v.([]any)
			if !isList || part.index >= len(list) {
				return nil, false
			}
			v = list[part.index]
			continue
		}
		obj, isObj := v.(map[string]any)
		if !isObj {
			return nil, false
		}
		if v, ok = obj[part.key]; !ok {
			return nil, false
		}
	}
	return v, true
}

// Literal is the value as JSON text.
func (v JSONValue) Literal() string {
	var b strings.Builder
	v.appendLiteral(&b)
	return b.String()
}

func (v JSONValue) appendLiteral(b *strings.Builder) {
	switch v.Kind {
	case JSONNull:
		b.WriteString("null")
	case JSONString:
		q, _ := json.Marshal(v.Text)
		b.Write(q)
	case JSONNumber, JSONBool:
		b.WriteString(v.Text)
	case JSONArray:
		b.WriteByte('[')
		for i, item := range v.Items {
			if i > 0 {
				b.WriteByte(',')
			}
			item.appendLiteral(b)
		}
		b.WriteByte(']')
	case JSONObject:
		b.WriteByte('{')
		for i, f := range v.Fields {
			if i > 0 {
				b.WriteByte(',')
			}
			q, _ := json.Marshal(f.Name)
			b.Write(q)
			b.WriteByte(':')
			f.Value.appendLiteral(b)
		}
		b.WriteByte('}')
	}
}
