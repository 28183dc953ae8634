package har

import (
	"bytes"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/liftoff/liftoff/scenario"
)

// The starter phase's name and SLO rules an imported scenario gets: rules
// loose enough to pass on a healthy site. Their comments, and the starter
// traffic's (starter.go), tell the user to set both to the campaign's
// numbers.
const starterPhase = "replay"

var starterSLO = []string{"p95 < 1s", "error_rate < 1%"}

// encode writes the imported scenario as YAML. Everything goes through
// yaml.Node values, so quoting is always the YAML library's, and notes
// are comments on the nodes they explain.
func (im *importer) encode(log *harLog, recs []harRecord, steps []*harStep, defaults []harHeaderOut, starter Starter) ([]byte, error) {
	title := im.pageTitle(log, recs)
	name := im.opts.Name
	if name == "" {
		name = title
	}
	root := mapNode()

	add(root, "name", strNode(escapeDollar(oneLine(name))))
	add(root, "target", strNode(origin(im.target)))

	def := mapNode()
	if len(defaults) > 0 {
		add(def, "headers", headersNode(defaults))
	}
	if im.spokeHTTP2(recs) {
		add(def, "http", strNode(string(scenario.HTTP2))).LineComment = "the browser spoke HTTP/2 to this site"
	}
	if len(def.Content) > 0 {
		add(root, "defaults", def)
	}

	phase := mapNode("name", starterPhase, "duration", scenario.FormatDuration(starter.Duration), "rate", starter.Rate())
	phase.Style = yaml.FlowStyle
	traffic := mapNode()
	add(traffic, "phases", seqNode(phase))
	add(root, "traffic", traffic)
	commentKey(root, strings.Join(wrap("A first, gentle run: "+starter.String()+". Before a real test, set the phases to the campaign's traffic, "+
		"or describe the campaign under traffic.campaign (see docs/campaigns.md).", commentWidth), "\n"))

	journey := mapNode("name", journeyName(title, im.target.Hostname()))
	stepNodes := seqNode()
	for _, st := range steps {
		stepNodes.Content = append(stepNodes.Content, stepNode(st))
	}
	add(journey, "steps", stepNodes)
	add(root, "journeys", seqNode(journey))

	slo := seqNode()
	for _, rule := range starterSLO {
		slo.Content = append(slo.Content, strNode(rule))
	}
	add(root, "slo", slo)
	commentKey(root, "Starter readiness rules: set them to what ready means for this launch.")

	doc := &yaml.Node{Kind: yaml.DocumentNode, HeadComment: im.headerComment(len(steps)), Content: []*yaml.Node{root}}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("write the imported scenario: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("write the imported scenario: %w", err)
	}
	return b.Bytes(), nil
}

// headerComment explains the import at the top of the file: where it came
// from, which variables to export, and what was left out.
func (im *importer) headerComment(steps int) string {
	var lines []string
	lines = append(lines,
		fmt.Sprintf("Imported by liftoff import har from %s: %d recorded request%s,", commentText(filepath.Base(im.file)), im.total, plural(im.total)),
		fmt.Sprintf("replayed as the %d step%s of one journey, with the recorded pauses as think times.", steps, plural(steps)),
		"")
	lines = append(lines, wrap(fmt.Sprintf("The target is %s: %s. --target HOST chooses another.", origin(im.target), commentText(im.why)), commentWidth)...)
	if len(im.vars.list) > 0 {
		lines = append(lines, "",
			"The recording's credentials are not copied here. Export these variables",
			"before liftoff run (validate and plan only warn about them):")
		width := 0
		for _, v := range im.vars.list {
			width = max(width, len(v.name))
		}
		for _, v := range im.vars.list {
			line := fmt.Sprintf("  %-*s  %s, in %d request%s", width, v.name, commentText(v.what), v.uses, plural(v.uses))
			if n := len(v.values); n > 1 {
				line += fmt.Sprintf(" (the recording sent %d different values)", n)
			}
			lines = append(lines, line)
		}
	}
	if left := im.leftOutLines(); len(left) > 0 {
		lines = append(lines, "", "Left out:")
		for _, l := range left {
			lines = append(lines, "  "+l)
		}
	}
	if others := im.otherOrigins(); len(others) > 0 {
		lines = append(lines, "",
			"Steps to these other origins are written as absolute URLs; liftoff sends",
			"them as written, and follows redirects only on the target's host:")
		for _, o := range others {
			lines = append(lines, "  "+o)
		}
	}
	return strings.Join(lines, "\n")
}

// otherOrigins lists the origins other than the target that steps go to.
func (im *importer) otherOrigins() []string {
	var out []string
	seen := map[string]bool{}
	for _, o := range im.stepOrigins {
		if !seen[o] {
			seen[o] = true
			out = append(out, commentText(o))
		}
	}
	return out
}

// pageTitle is the title of the page the target's first request belongs
// to (Chrome writes the page's URL there, and the host is then the better
// name), or the target's host.
func (im *importer) pageTitle(log *harLog, recs []harRecord) string {
	ref := ""
	for _, r := range recs {
		if origin(r.u) == origin(im.target) {
			ref = r.e.PageRef
			break
		}
	}
	for _, p := range log.Pages {
		if p.ID != ref && ref != "" {
			continue
		}
		title := oneLine(p.Title)
		if u, err := url.Parse(title); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
			return u.Hostname()
		}
		if title != "" {
			return title
		}
		break
	}
	return im.target.Hostname()
}

// journeyName makes a title a journey name: one line, without the / and
// : that SLO scopes use, and short enough for a report's table.
func journeyName(title, host string) string {
	clean := func(s string) string {
		return strings.Join(strings.Fields(strings.NewReplacer("/", " ", ":", " ").Replace(oneLine(s))), " ")
	}
	s := clean(title)
	if r := []rune(s); len(r) > maxJourneyName {
		s = strings.TrimSpace(string(r[:maxJourneyName]))
	}
	if s == "" {
		s = clean(host)
	}
	if s == "" {
		s = "recording"
	}
	return escapeDollar(s)
}

const maxJourneyName = 60

// spokeHTTP2 reports whether the browser spoke HTTP/2 (or HTTP/3, which
// liftoff does not speak) to an https target for most of the recording.
func (im *importer) spokeHTTP2(recs []harRecord) bool {
	if im.target.Scheme != "https" {
		return false
	}
	h2, all := 0, 0
	for _, r := range recs {
		if origin(r.u) != origin(im.target) {
			continue
		}
		all++
		switch strings.ToLower(r.e.Request.HTTPVersion) {
		case "h2", "http/2", "http/2.0", "h3", "http/3", "http/3.0":
			h2++
		}
	}
	return h2*2 > all
}

// stepNode writes a step: the one-line form when it is a bare request,
// a mapping otherwise.
func stepNode(st *harStep) *yaml.Node {
	line := st.method + " " + st.target
	bare := st.name == "" && len(st.headers) == 0 && st.body.kind == scenario.NoBody && st.expect == 0 && st.think == 0 && len(st.notes) == 0
	if bare {
		return strNode(line)
	}
	n := mapNode()
	if st.name != "" {
		add(n, "name", strNode(st.name))
	}
	add(n, "request", strNode(line))
	if len(st.headers) > 0 {
		add(n, "headers", headersNode(st.headers))
	}
	switch st.body.kind {
	case scenario.RawBody:
		add(n, "body", strNode(st.body.raw))
	case scenario.JSONBody:
		add(n, "json", st.body.json)
	case scenario.FormBody:
		form := mapNode()
		for _, p := range st.body.form {
			add(form, p.Name, strNode(p.Value))
		}
		add(n, "form", form)
	}
	if st.expect != 0 {
		e := mapNode()
		e.Style = yaml.FlowStyle
		add(e, "status", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(st.expect)})
		add(n, "expect", e)
	}
	if st.think > 0 {
		t := add(n, "think", strNode(scenario.FormatDuration(st.think)))
		if st.pause > 0 {
			t.LineComment = fmt.Sprintf("the recording paused %s here; capped", scenario.FormatDuration(st.pause.Round(time.Second)))
		}
	}
	if len(st.notes) > 0 {
		n.HeadComment = strings.Join(st.notes, "\n")
	}
	return n
}

func headersNode(hs []harHeaderOut) *yaml.Node {
	n := mapNode()
	for _, h := range hs {
		add(n, h.name, strNode(h.value))
	}
	return n
}

func strNode(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

// mapNode returns a mapping of the given string keys and values.
func mapNode(kv ...string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for i := 0; i+1 < len(kv); i += 2 {
		n.Content = append(n.Content, strNode(kv[i]), strNode(kv[i+1]))
	}
	return n
}

func seqNode(items ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: items}
}

// add appends key: val to mapping m and returns val, so a caller can
// comment it.
func add(m *yaml.Node, key string, val *yaml.Node) *yaml.Node {
	m.Content = append(m.Content, strNode(key), val)
	return val
}

// commentKey puts a comment above the last key of mapping m.
func commentKey(m *yaml.Node, comment string) {
	m.Content[len(m.Content)-2].HeadComment = comment
}

// commentWidth is where the import wraps its longer comments.
const commentWidth = 76

// wrap breaks text into lines of at most width characters where it can,
// at spaces; a longer word gets a line of its own.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		if line != "" && len(line)+1+len(word) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// oneLine collapses recorded text to one line of printable characters.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }), " ")
}

// commentText makes recorded text safe inside a YAML comment, which ends
// at a line break.
func commentText(s string) string { return oneLine(s) }

// checkImported parses the imported scenario with every credential
// variable set, so a recording the scenario format cannot express fails
// here and not when the user runs it.
func checkImported(src []byte, name string, vars *credentialVars) error {
	if _, err := scenario.Parse(bytes.NewReader(src), name, scenario.Options{Getenv: vars.placeholders}); err != nil {
		return fmt.Errorf("import %s: the imported scenario does not validate, which is a bug in liftoff; please report it: %s",
			name, strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	return nil
}
