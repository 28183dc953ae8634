package har

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/liftoff/liftoff/scenario"
)

// body converts a recorded request body: JSON becomes json: (re-emitted
// as YAML, with credentials replaced), a URL-encoded form becomes form:,
// other text becomes body: with its Content-Type. A body the scenario
// cannot hold as text (binary, base64, not UTF-8) is left out with a
// comment. contentType is the recorded Content-Type header, if any.
func (im *importer) body(st *harStep, pd *harPostData, contentType string) {
	if pd == nil || (pd.Text == "" && len(pd.Params) == 0) {
		if contentType != "" {
			st.headers = append(st.headers, harHeaderOut{"Content-Type", literal(contentType)})
		}
		return
	}
	if contentType == "" && !strings.ContainsAny(pd.MimeType, "\r\n") {
		contentType = pd.MimeType
	}
	mt := mediaType(contentType)
	leaveOut := func(why string, size int) {
		st.notes = append(st.notes, fmt.Sprintf("request body left out: %s (%s, %d bytes); write it as body: if the target needs it", why, commentText(orUnknown(mt)), size))
	}
	const formType = "application/x-www-form-urlencoded"
	switch {
	case strings.EqualFold(pd.Encoding, "base64"):
		leaveOut("base64-encoded", len(pd.Text))
		return
	case pd.Text == "" && mt == formType:
		form := make([]scenario.Param, 0, len(pd.Params))
		for _, p := range pd.Params {
			form = append(form, scenario.Param{Name: unescapeOr(p.Name), Value: unescapeOr(p.Value)})
		}
		st.body = harBody{kind: scenario.FormBody, form: im.formValues(form)}
	case pd.Text == "":
		leaveOut("only its parameters were recorded, as for a file upload", 0)
		return
	case !utf8.ValidString(pd.Text) || hasBinaryRunes(pd.Text):
		leaveOut("binary", len(pd.Text))
		return
	case isJSONMedia(mt) || looksLikeJSON(pd.Text):
		if n, ok := im.jsonNode(pd.Text); ok {
			st.body = harBody{kind: scenario.JSONBody, json: n}
		}
	case mt == formType:
		if form, ok := parseForm(pd.Text); ok {
			st.body = harBody{kind: scenario.FormBody, form: im.formValues(form)}
		}
	}
	if st.body.kind == scenario.NoBody {
		st.body = harBody{kind: scenario.RawBody, raw: literal(pd.Text)}
	}
	// liftoff sends json: and form: bodies with their usual Content-Type;
	// any other (a charset, a vendor JSON type, a multipart boundary) is
	// written out.
	if contentType != "" && !strings.EqualFold(strings.TrimSpace(contentType), scenario.Body{Kind: st.body.kind}.ContentType()) {
		st.headers = append(st.headers, harHeaderOut{"Content-Type", literal(contentType)})
	}
}

func orUnknown(mt string) string {
	if mt == "" {
		return "no content type"
	}
	return mt
}

// hasBinaryRunes reports whether text holds control characters other than
// tab and line breaks, or U+FFFD, which browsers put where a body's bytes
// were not UTF-8: replaying such text would send other bytes than the
// browser did.
func hasBinaryRunes(text string) bool {
	return strings.ContainsFunc(text, func(r rune) bool {
		return r == utf8.RuneError || (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f
	})
}

func isJSONMedia(mt string) bool {
	return mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json")
}

// looksLikeJSON reports whether a body of another type is a JSON object
// or array; fetch() sends a string body as text/plain, and many sites
// post JSON that way.
func looksLikeJSON(text string) bool {
	t := strings.TrimSpace(text)
	return (strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[")) && json.Valid([]byte(t))
}

// maxJSONDepth bounds the nesting of a JSON body written as YAML; deeper
// documents are written as raw text.
const maxJSONDepth = 64

// jsonNode converts a JSON document to YAML nodes, keeping key order,
// repeated keys and number literals, with credentials replaced. ok is
// false when text is not one JSON document.
func (im *importer) jsonNode(text string) (n *yaml.Node, ok bool) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	n, err := im.jsonValue(dec, "", 0)
	if err != nil {
		return nil, false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, false
	}
	return n, true
}

var errTooDeep = errors.New("too deep")

// jsonValue reads one JSON value from dec. key is the member name the
// value belongs to, for spotting credentials.
func (im *importer) jsonValue(dec *json.Decoder, key string, depth int) (*yaml.Node, error) {
	if depth > maxJSONDepth {
		return nil, errTooDeep
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		if t == '{' {
			n = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		}
		for dec.More() {
			name := ""
			if t == '{' {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				name, _ = k.(string)
				n.Content = append(n.Content, strNode(name))
			}
			v, err := im.jsonValue(dec, name, depth+1)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, v)
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
		if len(n.Content) == 0 {
			n.Style = yaml.FlowStyle
		}
		return n, nil
	case string:
		if key != "" && credentialField(key) && t != "" {
			return strNode(im.vars.ref("field "+strings.ToLower(key), key, fmt.Sprintf("the value of %q", key), t)), nil
		}
		return strNode(literal(t)), nil
	case json.Number:
		tag := "!!int"
		if strings.ContainsAny(t.String(), ".eE") {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: t.String()}, nil
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(t)}, nil
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, nil
}

// parseForm reads a URL-encoded form in order, keeping repeated names.
func parseForm(text string) ([]scenario.Param, bool) {
	var out []scenario.Param
	for _, pair := range strings.Split(text, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		name, err1 := url.QueryUnescape(k)
		value, err2 := url.QueryUnescape(v)
		// A form whose bytes are not UTF-8 text cannot be a YAML mapping;
		// it stays raw text, as recorded.
		if err1 != nil || err2 != nil || !utf8.ValidString(name) || !utf8.ValidString(value) {
			return nil, false
		}
		out = append(out, scenario.Param{Name: name, Value: value})
	}
	return out, len(out) > 0
}

func unescapeOr(s string) string {
	if u, err := url.QueryUnescape(s); err == nil && utf8.ValidString(u) {
		return u
	}
	return s
}

// formValues writes form values for the scenario: escaped, or a
// reference for a credential. Names are not expanded, so they stay as
// recorded.
func (im *importer) formValues(form []scenario.Param) []scenario.Param {
	out := make([]scenario.Param, len(form))
	for i, p := range form {
		v := literal(p.Value)
		if credentialField(p.Name) && p.Value != "" {
			v = im.vars.ref("field "+strings.ToLower(p.Name), p.Name, fmt.Sprintf("the value of %q", p.Name), p.Value)
		}
		out[i] = scenario.Param{Name: p.Name, Value: v}
	}
	return out
}
