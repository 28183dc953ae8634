package scenario

import (
	"fmt"
	"io/fs"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"
)

// decoder walks a YAML node tree and collects every problem it meets, so a
// user sees all of them at once. Each field function reads what it can and
// records an Error for what it cannot; none of them stops the walk.
type decoder struct {
	file    string
	fsys    fs.FS
	getenv  func(string) (string, bool)
	errs    []error
	secrets []string

	over       Overrides                // Options.Overrides
	referenced map[string]bool          // the ${VAR} names looked up, when -e set any (see lookup)
	cap        time.Duration            // --duration's cap, once read
	cutPhases  map[string]time.Duration // the phases --duration cut out, with their starts

	dryRun  bool                 // Options.DryRun
	sending bool                 // reading a value a request sends (see sentScalar)
	unset   map[string]*unsetVar // ${VAR}s a dry run read as empty, by name
	needed  map[string]bool      // unset ${VAR}s reported as errors
	// targetBasic is the Basic credential of the target URL's
	// user:password; "" when it has none.
	targetBasic string
}

// fail records a problem at node n.
func (d *decoder) fail(n *yaml.Node, path, msg, hint string) {
	e := &Error{File: d.file, Path: path, Msg: msg, Hint: hint}
	if n != nil {
		e.Line, e.Col = n.Line, n.Column
	}
	d.errs = append(d.errs, e)
}

// failValue records a problem with a value that a unit parser rejected.
func (d *decoder) failValue(n *yaml.Node, path string, err error) {
	if ue, ok := err.(*unitError); ok {
		d.fail(n, path, ue.msg, ue.hint)
		return
	}
	d.fail(n, path, err.Error(), "")
}

// resolve follows an alias to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// field is one key of a mapping with its value node and its path.
type field struct {
	key  string
	keyN *yaml.Node
	val  *yaml.Node
	path string
}

// mapping checks that n is a mapping whose keys are all in known, and
// returns its fields in document order. Unknown keys are reported with the
// nearest known key as a hint; duplicate keys are reported at the second
// occurrence. YAML merge keys (<<: *base) contribute the keys the mapping
// does not set itself.
func (d *decoder) mapping(n *yaml.Node, path string, known []string) []field {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		d.fail(n, path, "must be a mapping of keys to values", kindHint(n))
		return nil
	}
	var out []field
	seen := map[string]*yaml.Node{}
	var merged []field
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.fail(k, path, "keys must be plain words", "")
			continue
		}
		if k.Value == "<<" && k.Tag == "!!merge" {
			merged = append(merged, d.mergeSource(v, path, known)...)
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.fail(k, joinPath(path, k.Value), fmt.Sprintf("key %q appears twice", k.Value), fmt.Sprintf("first at line %d", first.Line))
			continue
		}
		seen[k.Value] = k
		if !slices.Contains(known, k.Value) {
			d.fail(k, path, fmt.Sprintf("unknown key %q", k.Value), suggest(k.Value, known, "keys"))
			continue
		}
		out = append(out, field{key: k.Value, keyN: k, val: v, path: joinPath(path, k.Value)})
	}
	for _, f := range merged {
		if _, set := seen[f.key]; !set {
			seen[f.key] = f.keyN
			out = append(out, f)
		}
	}
	return out
}

// mergeSource reads the mapping (or list of mappings) behind a merge key.
func (d *decoder) mergeSource(v *yaml.Node, path string, known []string) []field {
	v = resolve(v)
	if v != nil && v.Kind == yaml.SequenceNode {
		var out []field
		for _, item := range v.Content {
			out = append(out, d.mapping(item, path, known)...)
		}
		return out
	}
	return d.mapping(v, path, known)
}

// sequence checks that n is a list and returns its items.
func (d *decoder) sequence(n *yaml.Node, path string) []*yaml.Node {
	n = resolve(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		d.fail(n, path, "must be a list", kindHint(n))
		return nil
	}
	items := make([]*yaml.Node, len(n.Content))
	for i, item := range n.Content {
		items[i] = resolve(item)
	}
	return items
}

// scalar returns the text of a scalar node with ${VAR} references expanded.
// ok is false when the node is not a scalar or a reference cannot be
// expanded; the problem is already recorded.
func (d *decoder) scalar(n *yaml.Node, path string) (text string, ok bool) {
	return d.scalarText(n, path, false)
}

// templateScalar is scalar for a value loadgen runs as a template (a
// request line, header, query, form or body value). What a ${VAR} brings
// in stays literal text: a value holding {{ is sent as it is, never run.
func (d *decoder) templateScalar(n *yaml.Node, path string) (text string, ok bool) {
	return d.scalarText(n, path, true)
}

func (d *decoder) scalarText(n *yaml.Node, path string, template bool) (text string, ok bool) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		d.fail(n, path, "must be a single value", kindHint(n))
		return "", false
	}
	if n.Tag == "!!null" {
		d.fail(n, path, "has no value", "")
		return "", false
	}
	return d.expand(n, path, n.Value, template)
}

// integer reads a whole number no smaller than lo.
func (d *decoder) integer(n *yaml.Node, path string, lo int) (int, bool) {
	s, ok := d.scalar(n, path)
	if !ok {
		return 0, false
	}
	v, err := strconv.Atoi(strings.ReplaceAll(strings.TrimSpace(s), "_", ""))
	if err != nil {
		d.fail(n, path, fmt.Sprintf("%q is not a whole number", n.Value), "")
		return 0, false
	}
	if v < lo {
		d.fail(n, path, fmt.Sprintf("must be at least %d, not %d", lo, v), "")
		return 0, false
	}
	return v, true
}

// envRef matches ${NAME} and ${NAME:-default}; $${ escapes a literal ${.
var envRef = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}`) })

// minSecretLen is the shortest expanded value treated as a secret. Shorter
// values cannot be redacted without garbling unrelated text, and are too
// short to be secrets worth the name.
const minSecretLen = 4

// expand replaces ${VAR} references with values from the environment. Every
// expanded value is remembered as a secret so that no output shows it.
// Messages quote the text as written, never the expanded value. In a
// template, each value is escaped so that it renders as itself.
func (d *decoder) expand(n *yaml.Node, path, s string, template bool) (string, bool) {
	if !strings.Contains(s, "${") {
		return s, true
	}
	ok := true
	out := envRef().ReplaceAllStringFunc(s, func(ref string) string {
		if ref == "$${" {
			return "${"
		}
		m := envRef().FindStringSubmatch(ref)
		name, hasDefault, def := m[1], m[2] != "", m[3]
		v, set := "", false
		if d.getenv != nil {
			v, set = d.getenv(name)
		}
		if !set || v == "" {
			if !hasDefault {
				ok = d.unsetRef(n, path, name) && ok
				return ""
			}
			return def
		}
		if len(v) >= minSecretLen {
			d.secrets = append(d.secrets, v)
		}
		if template && IsTemplate(v) {
			v = literalTemplate(v)
			d.secrets = append(d.secrets, v) // records show the escaped form
		}
		return v
	})
	if ok && strings.Contains(out, "${") && !strings.Contains(s, "$${") {
		d.fail(n, path, fmt.Sprintf("malformed reference in %q", s), "write ${NAME} or ${NAME:-default}")
		return "", false
	}
	return out, ok
}

// unsetVar is a ${VAR} a dry run read as empty: where it is first used,
// and how often.
type unsetVar struct {
	name string
	n    *yaml.Node
	path string
	uses int
}

// unsetRef handles a reference to a variable that is not set. In a dry
// run, a value a request sends reads it as empty and it becomes a warning;
// anywhere else it is an error. ok reports whether the value may be read.
func (d *decoder) unsetRef(n *yaml.Node, path, name string) (ok bool) {
	if d.dryRun && d.sending {
		if d.unset == nil {
			d.unset = map[string]*unsetVar{}
		}
		u := d.unset[name]
		if u == nil {
			u = &unsetVar{name: name, n: n, path: path}
			d.unset[name] = u
		}
		u.uses++
		return true
	}
	if d.needed == nil {
		d.needed = map[string]bool{}
	}
	d.needed[name] = true
	d.fail(n, path, fmt.Sprintf("environment variable %s is not set", name), fmt.Sprintf("export %s, or write ${%s:-default}", name, name))
	return false
}

// unsetWarnings are the warnings of a dry run: one per variable read as
// empty, at its first use, unless the variable is an error elsewhere.
func (d *decoder) unsetWarnings() []*Error {
	var out []error
	// By name first, so two variables in one value keep an order.
	for _, name := range slices.Sorted(maps.Keys(d.unset)) {
		u := d.unset[name]
		if d.needed[name] {
			continue
		}
		what := "a value a request sends"
		if u.uses > 1 {
			what = fmt.Sprintf("%d values requests send", u.uses)
		}
		out = append(out, &Error{File: d.file, Line: u.n.Line, Col: u.n.Column, Path: u.path,
			Msg:  fmt.Sprintf("environment variable %s is not set; run needs it for %s", u.name, what),
			Hint: fmt.Sprintf("export %s before liftoff run", u.name)})
	}
	var ws []*Error
	for _, e := range sortedByPlace(out) {
		ws = append(ws, e.(*Error))
	}
	return ws
}

// sentScalar reads a value a request sends (a header value, a query or
// form value, a body): in a dry run, an unset ${VAR} in it is a warning,
// since nothing is sent.
func (d *decoder) sentScalar(n *yaml.Node, path string) (string, bool) {
	d.sending = true
	defer func() { d.sending = false }()
	return d.templateScalar(n, path)
}

// requestText reads a request line. Its query string (after the first ?
// outside a ${…} reference) is a value the request sends, like a query:
// mapping's; the method and the path shape the request.
func (d *decoder) requestText(n *yaml.Node, path string) (string, bool) {
	r := resolve(n)
	if r == nil || r.Kind != yaml.ScalarNode || r.Tag == "!!null" {
		return d.templateScalar(n, path)
	}
	q := queryStart(r.Value)
	if q < 0 || !strings.Contains(r.Value[q:], "${") {
		return d.templateScalar(n, path)
	}
	head, ok := d.expand(r, path, r.Value[:q], true)
	d.sending = true
	query, qok := d.expand(r, path, r.Value[q:], true)
	d.sending = false
	return head + query, ok && qok
}

// queryStart is the index of the first ? in a request line that is not
// inside a ${…} reference, or -1.
func queryStart(s string) int {
	refs := envRef().FindAllStringIndex(s, -1)
	for i := 0; i < len(s); i++ {
		if s[i] != '?' {
			continue
		}
		inRef := false
		for _, r := range refs {
			inRef = inRef || (r[0] <= i && i < r[1])
		}
		if !inRef {
			return i
		}
	}
	return -1
}

// literalTemplate escapes s for text/template, where only "{{" starts an
// action: it becomes an action that prints "{{".
func literalTemplate(s string) string {
	return strings.ReplaceAll(s, "{{", `{{"{{"}}`)
}

// kindHint says what a node that had the wrong shape actually was.
func kindHint(n *yaml.Node) string {
	n = resolve(n)
	switch {
	case n == nil:
		return ""
	case n.Kind == yaml.MappingNode:
		return "found a mapping"
	case n.Kind == yaml.SequenceNode:
		return "found a list"
	case n.Tag == "!!null":
		return "found nothing"
	case n.Kind == yaml.ScalarNode:
		return fmt.Sprintf("found %q", n.Value)
	}
	return ""
}

func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

func indexPath(parent string, i int) string {
	return fmt.Sprintf("%s[%d]", parent, i)
}

// suggest names the known word nearest to a misspelt one, when one is near
// enough to be a likely typo; otherwise it lists the known words under the
// noun that names them ("keys", "journeys").
func suggest(word string, known []string, noun string) string {
	w := strings.ToLower(word)
	best, bestDist := "", len(word)/2+2
	for _, k := range known {
		kl := strings.ToLower(k)
		dist := editDistance(w, kl)
		if len(w) >= 3 && strings.HasPrefix(kl, w) {
			// The start of a known word ("ramp" for "ramp_to") means
			// that word, however many letters are missing: nearer than
			// another word a letter or two away ("name").
			dist = 1
		}
		if dist < bestDist {
			best, bestDist = k, dist
		}
	}
	if best != "" {
		return fmt.Sprintf("did you mean %q?", best)
	}
	return "known " + noun + ": " + strings.Join(known, ", ")
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
