package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/liftoff/liftoff/loadgen"
)

// TestNoLiveMarkup runs a real test of a scenario whose name, journey and
// phase are markup, against a target whose every answer is an HTML error
// page with script, image, link and style tags. No output may carry any of
// that as live markup: the HTML only has the page's own tags, JUnit only
// JUnit elements, Markdown only its own <details> and <sub>, and the JSON
// no raw angle bracket at all.
func TestNoLiveMarkup(t *testing.T) {
	t.Parallel()
	var xssYAML string
	for _, fx := range fixtures {
		if fx.name == "xss" {
			xssYAML = fx.yaml
		}
	}
	res := run(t, xssYAML, markupTarget(t).URL, 0)
	doc, err := NewDocument(res)
	if err != nil {
		t.Fatal(err)
	}
	if ex := res.Examples[loadgen.ClassStatus5xx]; len(ex) == 0 || !strings.Contains(ex[0], "<script>") {
		t.Fatalf("the target's error pages were not recorded as examples: %d errors, examples %q", res.Errors, ex)
	}

	t.Run("html", func(t *testing.T) {
		out := string(render(t, WriteHTML, doc))
		checkTags(t, out, htmlTags)
		for _, bad := range []string{"<script", "<img", "<b>", "<a ", "<svg onload", "<!--"} {
			if strings.Contains(out, bad) {
				t.Errorf("HTML holds %q", bad)
			}
		}
		if n := strings.Count(out, "<style"); n != 1 {
			t.Errorf("HTML has %d <style> elements, want the page's own one", n)
		}
		// The text is there, shown as text.
		for _, shown := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;b&gt;boom&lt;/b&gt;"} {
			if !strings.Contains(out, shown) {
				t.Errorf("HTML does not show %q as text", shown)
			}
		}
	})
	t.Run("markdown", func(t *testing.T) {
		out := string(render(t, WriteMarkdown, doc))
		checkTags(t, out, map[string]bool{"details": true, "summary": true, "sub": true})
		if strings.Contains(out, "](") {
			t.Errorf("Markdown holds a link: %s", out)
		}
		if !strings.Contains(out, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("Markdown does not show the scenario's name as text")
		}
	})
	t.Run("junit", func(t *testing.T) {
		out := render(t, WriteJUnit, doc)
		allowed := map[string]bool{"testsuites": true, "testsuite": true, "properties": true, "property": true,
			"testcase": true, "failure": true, "error": true, "system-out": true}
		text := ""
		dec := xml.NewDecoder(bytes.NewReader(out))
		for {
			tok, err := dec.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("JUnit is not well-formed XML: %v", err)
			}
			switch tok := tok.(type) {
			case xml.StartElement:
				if !allowed[tok.Name.Local] {
					t.Errorf("JUnit holds element <%s>", tok.Name.Local)
				}
				for _, a := range tok.Attr {
					text += a.Value
				}
			case xml.CharData:
				text += string(tok)
			}
		}
		if !strings.Contains(text, "<script>alert(1)</script>") {
			t.Errorf("JUnit does not carry the scenario's name as text")
		}
	})
	t.Run("json", func(t *testing.T) {
		out := render(t, WriteJSON, doc)
		if !json.Valid(out) {
			t.Fatal("results file is not valid JSON")
		}
		if bytes.ContainsAny(out, "<>") {
			t.Errorf("results file holds a raw angle bracket")
		}
	})
	t.Run("terminal", func(t *testing.T) {
		// Plain text for a terminal: markup is inert there, but the
		// renderer must cope with it.
		if out := render(t, WriteTerminal, doc); !bytes.Contains(out, []byte("<script>alert(1)</script>")) {
			t.Errorf("terminal report does not name the scenario")
		}
	})
}

// htmlTags are the only elements the HTML report writes.
var htmlTags = map[string]bool{}

func init() {
	for _, tag := range strings.Fields(`html head meta title link style body header main footer section div p span h1 h2 h3
		ul ol li table thead tbody tr th td code dl dt dd figure figcaption svg g rect line path text`) {
		htmlTags[tag] = true
	}
}

var tagPattern = regexp.MustCompile(`<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>`)

var eventAttribute = regexp.MustCompile(`(?i)\son[a-z]+\s*=`)

// checkTags fails for any element not in allowed, and for any event
// handler attribute or script URL on an allowed one.
func checkTags(t *testing.T, out string, allowed map[string]bool) {
	t.Helper()
	for _, m := range tagPattern.FindAllStringSubmatch(out, -1) {
		name := strings.ToLower(m[2])
		if !allowed[name] {
			t.Errorf("output holds element <%s%s>", name, m[3])
		}
		if eventAttribute.MatchString(m[3]) || strings.Contains(strings.ToLower(m[3]), "javascript:") {
			t.Errorf("output holds a live attribute: %s", m[0])
		}
	}
}
