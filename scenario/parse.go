package scenario

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"
)

// Options are what Parse needs from its surroundings; cmd provides them, so
// this package never reads the process environment itself.
type Options struct {
	// Getenv looks up ${VAR} references. Nil means no variable is set.
	Getenv func(name string) (value string, ok bool)
	// FS resolves data files named by the scenario, rooted at the
	// scenario's directory. Load sets it to the file's directory when nil.
	FS fs.FS
	// DryRun reads the scenario to check or plan it, not to run it: a
	// ${VAR} used only in values a request sends (header values, query
	// and form values, bodies) may be unset, since nothing is sent. Parse
	// reads it as empty and lists it in Scenario.Warnings, once per
	// variable. A variable the scenario's structure needs (the target, a
	// rate, a duration, a path) is an error either way.
	DryRun bool
	// Overrides are the command line's changes (--target, -e,
	// --load-factor, --window, --duration, --seed, --smoke).
	Overrides Overrides
}

// Load reads and validates the scenario file at path.
func Load(path string, opts Options) (*Scenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open scenario: %w", err)
	}
	defer f.Close()
	if opts.FS == nil {
		opts.FS = os.DirFS(filepath.Dir(path))
	}
	return Parse(f, path, opts)
}

// Parse reads and validates one scenario. name is used in messages. On
// failure the error joins one *Error per problem found (see Problems).
func Parse(r io.Reader, name string, opts Options) (*Scenario, error) {
	src, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	d := &decoder{file: name, fsys: opts.FS, dryRun: opts.DryRun, over: opts.Overrides}
	d.getenv = d.lookup(opts.Getenv)
	root, err := parseYAML(src, name)
	if err != nil {
		return nil, err
	}
	sc := d.scenario(root)
	sc.File = name
	if len(d.errs) > 0 {
		return nil, errors.Join(sortedByPlace(d.errs)...)
	}
	sc.Secrets = append(sc.Secrets, d.secrets...)
	d.applyOverrides(sc)
	// Longest first, so that a secret holding another (user:password
	// holds password) is redacted whole.
	slices.SortFunc(sc.Secrets, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	sc.Secrets = slices.Compact(sc.Secrets)
	sc.Warnings = append(sc.Warnings, d.unsetWarnings()...)
	sc.Warnings = append(sc.Warnings, d.unusedVars()...)
	return sc, nil
}

// sortedByPlace orders problems by line and column, the order a reader
// fixes them in.
func sortedByPlace(errs []error) []error {
	slices.SortStableFunc(errs, func(a, b error) int {
		ea, eb := a.(*Error), b.(*Error)
		if ea.Line != eb.Line {
			return ea.Line - eb.Line
		}
		return ea.Col - eb.Col
	})
	return errs
}

// yamlLine finds the line number in the YAML library's error text.
var yamlLine = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^yaml: line (\d+): (.*)$`) })

// parseYAML parses the source into a node tree, turning the YAML library's
// syntax errors into Errors with a line.
func parseYAML(src []byte, name string) (*yaml.Node, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(strings.NewReader(string(src)))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: name, Msg: "the scenario is empty", Hint: "start from examples/quickstart.yaml"}
		}
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		line := 0
		if m := yamlLine().FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = m[2]
		}
		return nil, &Error{File: name, Line: line, Msg: "invalid YAML: " + msg}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &Error{File: name, Line: extra.Line, Msg: "a scenario file holds one YAML document", Hint: "remove the second ---"}
	}
	if len(doc.Content) == 0 {
		return nil, &Error{File: name, Msg: "the scenario is empty", Hint: "start from examples/quickstart.yaml"}
	}
	if err := checkAliases(doc.Content[0], name); err != nil {
		return nil, err
	}
	return doc.Content[0], nil
}

var topKeys = []string{"name", "target", "defaults", "traffic", "journeys", "slo", "abort"}

func (d *decoder) scenario(root *yaml.Node) *Scenario {
	sc := &Scenario{Defaults: Defaults{Timeout: DefaultTimeout, HTTP: HTTP1, Connection: VisitorConnections, MaxBody: DefaultMaxBody}}
	fields := d.mapping(root, "", topKeys)
	has := map[string]bool{}
	var sloNode, abortNode *yaml.Node
	var sloPath, abortPath string
	for _, f := range fields {
		has[f.key] = true
		switch f.key {
		case "name":
			sc.Name, _ = d.scalar(f.val, f.path)
		case "target":
			if d.over.Target == "" {
				sc.Target = d.target(f.val, f.path)
			}
		case "defaults":
			sc.Defaults = d.defaults(f.val, f.path, sc.Defaults)
		case "traffic":
			var tp trafficPlans
			sc.Traffic, tp = d.traffic(f.val, f.path)
			sc.Expected, sc.Plan, sc.WindowStart = tp.expected, tp.tested, tp.start
		case "journeys":
			sc.Journeys = d.journeys(f.val, f.path)
		case "slo":
			sloNode, sloPath = f.val, f.path // rules name journeys: read them last
		case "abort":
			abortNode, abortPath = f.val, f.path
		}
	}
	if d.over.Target != "" {
		sc.Target, has["target"] = d.overrideTarget(), true
	}
	if len(fields) > 0 || resolve(root).Kind == yaml.MappingNode {
		for _, k := range []string{"target", "traffic", "journeys"} {
			if !has[k] {
				d.fail(root, "", fmt.Sprintf("missing %q", k), requiredHint[k])
			}
		}
	}
	if sloNode != nil {
		sc.SLO = d.rules(sloNode, sloPath, sc)
	}
	if abortNode != nil {
		sc.Abort = d.abortRules(abortNode, abortPath, sc)
	}
	d.applyTargetCredentials(sc)
	for _, h := range sc.Defaults.Headers {
		if h.Secret {
			sc.Secrets = append(sc.Secrets, HeaderSecrets(h.Value)...)
		}
	}
	return sc
}

var requiredHint = map[string]string{
	"target":   "e.g. target: https://shop.example.com or target: sim:shop",
	"traffic":  "e.g. traffic: { phases: [ { duration: 1m, rate: 10/s } ] }",
	"journeys": "e.g. journeys: [ { name: browse, steps: [ GET / ] } ]",
}

func (d *decoder) target(n *yaml.Node, path string) Target {
	s, ok := d.scalar(n, path)
	if !ok {
		return Target{}
	}
	if strings.HasPrefix(s, "sim:") {
		return Target{Sim: s, Line: n.Line}
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		d.fail(n, path, fmt.Sprintf("%q is not an http or https URL", withoutUserinfo(n.Value)), "e.g. https://shop.example.com, or sim:shop for the built-in simulated shop")
		return Target{}
	}
	if u.RawQuery != "" || u.Fragment != "" {
		d.fail(n, path, "the target is a base URL without query or fragment", "put queries into the steps")
		return Target{}
	}
	d.targetBasic = d.credentialSecrets(u)
	return Target{URL: strings.TrimSuffix(withoutUserinfo(s), "/"), Line: n.Line}
}

var defaultsKeys = []string{"headers", "timeout", "http", "connection", "think", "max_body", "tls"}

func (d *decoder) defaults(n *yaml.Node, path string, def Defaults) Defaults {
	for _, f := range d.mapping(n, path, defaultsKeys) {
		switch f.key {
		case "headers":
			def.Headers = d.headers(f.val, f.path)
		case "timeout":
			if t, ok := d.duration(f.val, f.path); ok {
				if t <= 0 {
					d.fail(f.val, f.path, "must be longer than zero", "")
				} else {
					def.Timeout = t
				}
			}
		case "think":
			if t, ok := d.think(f.val, f.path); ok {
				def.Think = t
			}
		case "max_body":
			if v, ok := d.maxBody(f.val, f.path); ok {
				def.MaxBody = v
			}
		case "tls":
			def.TLS = d.tls(f.val, f.path)
		case "connection":
			if s, ok := d.scalar(f.val, f.path); ok {
				switch ConnectionMode(s) {
				case VisitorConnections, SharedConnections:
					def.Connection = ConnectionMode(s)
				default:
					d.fail(f.val, f.path, fmt.Sprintf("unknown connection mode %q", s), "use visitor (each visitor its own connections, as browsers) or shared (one pool, as API clients)")
				}
			}
		case "http":
			if s, ok := d.scalar(f.val, f.path); ok {
				switch HTTPVersion(s) {
				case HTTP1, HTTP2:
					def.HTTP = HTTPVersion(s)
				default:
					d.fail(f.val, f.path, fmt.Sprintf("unknown HTTP version %q", s), "use 1.1 or 2")
				}
			}
		}
	}
	return def
}

var tlsKeys = []string{"insecure"}

// tls reads defaults.tls.
func (d *decoder) tls(n *yaml.Node, path string) TLS {
	var t TLS
	for _, f := range d.mapping(n, path, tlsKeys) {
		if s, ok := d.scalar(f.val, f.path); ok {
			switch strings.ToLower(s) {
			case "true":
				t.Insecure = true
			case "false":
			default:
				d.fail(f.val, f.path, fmt.Sprintf("%q is neither true nor false", f.val.Value), "")
			}
		}
	}
	return t
}

// ValidHeaderName reports whether name can name a header: an HTTP token
// (RFC 9110).
func ValidHeaderName(name string) bool { return headerToken().MatchString(name) }

var headerToken = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$") })

func (d *decoder) headers(n *yaml.Node, path string) []Header {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		d.fail(n, path, "must be a mapping of header names to values", kindHint(n))
		return nil
	}
	var out []Header
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		p := joinPath(path, k.Value)
		if !ValidHeaderName(k.Value) {
			d.fail(k, path, fmt.Sprintf("%q is not a valid header name", k.Value), "")
			continue
		}
		before := len(d.secrets)
		val, ok := d.sentScalar(v, p)
		if !ok {
			continue
		}
		if strings.ContainsAny(val, "\r\n") {
			d.fail(v, p, "header values must be on one line", "")
			continue
		}
		out = append(out, Header{Name: k.Value, Value: val, Secret: len(d.secrets) > before || SensitiveHeader(k.Value)})
	}
	return out
}

// SensitiveHeader reports whether a header usually carries credentials, so
// its value is redacted even when written literally in the scenario.
func SensitiveHeader(name string) bool {
	n := strings.ToLower(name)
	switch n {
	case "authorization", "proxy-authorization", "cookie", "set-cookie":
		return true
	}
	for _, part := range []string{"token", "secret", "password", "api-key", "apikey", "session"} {
		if strings.Contains(n, part) {
			return true
		}
	}
	return false
}

var phaseKeys = []string{"name", "duration", "rate", "ramp_to", "concurrency"}

func (d *decoder) phases(n *yaml.Node, path string) []Phase {
	items := d.sequence(n, path)
	if items != nil && len(items) == 0 {
		d.fail(n, path, "needs at least one phase", "")
	}
	var out []Phase
	names := map[string]int{}
	for i, item := range items {
		p := indexPath(path, i)
		ph := Phase{Name: fmt.Sprintf("phase %d", i+1), Line: item.Line}
		var hasRate, hasRamp, hasDuration bool
		for _, f := range d.mapping(item, p, phaseKeys) {
			switch f.key {
			case "name":
				if s, ok := d.scalar(f.val, f.path); ok {
					ph.Name = s
				}
			case "duration":
				hasDuration = true
				if v, ok := d.duration(f.val, f.path); ok {
					if v <= 0 {
						d.fail(f.val, f.path, "must be longer than zero", "")
					}
					ph.Duration = v
				}
			case "rate":
				hasRate = true
				ph.Rate, _ = d.rate(f.val, f.path)
			case "ramp_to":
				hasRamp = true
				ph.RampTo, _ = d.rate(f.val, f.path)
			case "concurrency":
				if v, ok := d.integer(f.val, f.path, 1); ok {
					ph.Concurrency = v
				}
			}
		}
		if resolve(item) == nil || resolve(item).Kind != yaml.MappingNode {
			continue
		}
		if first, dup := names[ph.Name]; dup {
			d.fail(item, p, fmt.Sprintf("phase name %q is used twice", ph.Name), fmt.Sprintf("first by phase %d", first+1))
		}
		names[ph.Name] = i
		if !hasDuration {
			d.fail(item, p, "missing \"duration\"", "e.g. duration: 5m")
		}
		switch {
		case ph.Concurrency > 0 && (hasRate || hasRamp):
			d.fail(item, p, "a phase has either a rate (open model) or a concurrency (closed model), not both", "")
		case ph.Concurrency == 0 && !hasRate:
			d.fail(item, p, "missing \"rate\"", "e.g. rate: 50/s, or concurrency: 50 for a closed-model phase")
		}
		if !hasRamp {
			ph.RampTo = ph.Rate
		}
		out = append(out, ph)
	}
	return out
}

func (d *decoder) rules(n *yaml.Node, path string, sc *Scenario) []Rule {
	var out []Rule
	for i, item := range d.sequence(n, path) {
		if r, ok := d.rule(item, indexPath(path, i), sc); ok {
			out = append(out, r)
		}
	}
	return out
}

// rule reads one rule of a list, checked against the scenario.
func (d *decoder) rule(item *yaml.Node, p string, sc *Scenario) (Rule, bool) {
	text, ok := d.ruleText(item, p)
	if !ok {
		return Rule{}, false
	}
	r, err := ParseRule(text)
	if err != nil {
		d.failValue(item, p, err)
		return Rule{}, false
	}
	r.Line = item.Line
	if msg, hint := d.cutByDuration(r); msg != "" {
		d.fail(item, p, msg, hint)
		return Rule{}, false
	}
	if msg, hint := checkScope(r, sc); msg != "" {
		d.fail(item, p, msg, hint)
		return Rule{}, false
	}
	return r, true
}

// ruleText accepts a rule as a plain string, or as the one-key mapping YAML
// makes of "- checkout: p95 < 800ms".
func (d *decoder) ruleText(item *yaml.Node, path string) (string, bool) {
	if item.Kind == yaml.MappingNode && len(item.Content) == 2 {
		scope, ok1 := d.scalar(item.Content[0], path)
		rule, ok2 := d.scalar(item.Content[1], path)
		return scope + ": " + rule, ok1 && ok2
	}
	if item.Kind == yaml.MappingNode {
		d.fail(item, path, "a rule is one line", "write each rule as its own list item, e.g. - checkout: p95 < 800ms")
		return "", false
	}
	return d.scalar(item, path)
}

// checkScope reports a rule whose scope names nothing in the scenario, or
// that measures something its scope cannot have.
func checkScope(r Rule, sc *Scenario) (msg, hint string) {
	if r.Metric == MetricThroughput {
		if msg, hint := checkThroughput(r, sc); msg != "" {
			return msg, hint
		}
	}
	if r.Phase != "" && len(sc.Plan.Phases) == 0 {
		return "", "" // the plan could not be made: that problem is reported already
	}
	if r.Phase != "" {
		var names []string
		for _, ph := range sc.Plan.Phases {
			if ph.Name == r.Phase {
				return "", ""
			}
			names = append(names, ph.Name)
		}
		for _, ph := range sc.Expected.Phases {
			if ph.Name == r.Phase {
				return fmt.Sprintf("phase %q is outside the tested window (%s)", r.Phase, sc.Traffic.Window), "the window tests: " + strings.Join(names, ", ")
			}
		}
		return fmt.Sprintf("no phase is named %q", r.Phase), "phases: " + strings.Join(names, ", ")
	}
	if r.Journey != "" {
		var names []string
		for _, j := range sc.Journeys {
			names = append(names, j.Name)
			if j.Name != r.Journey {
				continue
			}
			if r.Step == "" {
				return "", ""
			}
			var steps []string
			for _, st := range j.Steps {
				if st.Name == r.Step {
					return "", ""
				}
				steps = append(steps, st.Name)
			}
			return fmt.Sprintf("journey %q has no step named %q", r.Journey, r.Step), "steps: " + strings.Join(steps, ", ")
		}
		return fmt.Sprintf("no journey is named %q", r.Journey), suggest(r.Journey, names, "journeys")
	}
	return "", ""
}

// checkThroughput reports a throughput rule that cannot be judged:
// throughput compares visits with the arrivals the schedule planned, which
// exist only in open-model phases and are counted over all journeys.
func checkThroughput(r Rule, sc *Scenario) (msg, hint string) {
	if r.Journey != "" {
		return "throughput is judged over all visitors, not per journey", "judge a journey with error_rate, e.g. " + r.Journey + ": error_rate < 1%"
	}
	open := false
	for _, ph := range sc.Plan.Phases {
		if ph.Closed() && ph.Name == r.Phase {
			return fmt.Sprintf("phase %q is closed-model: it plans no arrivals to measure throughput against", r.Phase), "judge it with error_rate, or drop this rule"
		}
		open = open || !ph.Closed()
	}
	if !open && len(sc.Plan.Phases) > 0 {
		return "throughput is measured against a planned arrival rate, and every phase here is closed-model", "add a phase with a rate, or drop this rule"
	}
	return "", ""
}

func (d *decoder) duration(n *yaml.Node, path string) (v time.Duration, ok bool) {
	s, ok := d.scalar(n, path)
	if !ok {
		return 0, false
	}
	v, err := ParseDuration(s)
	if err != nil {
		d.failValue(n, path, rewordValue(err, s, n.Value))
		return 0, false
	}
	return v, true
}

func (d *decoder) rate(n *yaml.Node, path string) (Rate, bool) {
	s, ok := d.scalar(n, path)
	if !ok {
		return 0, false
	}
	v, err := ParseRate(s)
	if err != nil {
		d.failValue(n, path, rewordValue(err, s, n.Value))
		return 0, false
	}
	return v, true
}

// rewordValue makes sure a message about an expanded value quotes the value
// as written (${VAR}), so no secret reaches an error message.
func rewordValue(err error, expanded, written string) error {
	ue, ok := err.(*unitError)
	if !ok || expanded == written {
		return err
	}
	return &unitError{msg: strings.ReplaceAll(ue.msg, strconv.Quote(expanded), strconv.Quote(written)), hint: strings.ReplaceAll(ue.hint, expanded, written)}
}
