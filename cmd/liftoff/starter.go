package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/liftoff/liftoff/scenario"
)

// starter holds the campaign's numbers `liftoff init` writes into a
// starter scenario. Values are kept as the user typed them ("400k", "6%",
// "20m"), so the file reads like the command line; the scenario parser
// checks them, and init maps its problems back to the flags.
type starter struct {
	name, target string
	shape        scenario.Shape
	audience     string // with response
	response     string
	visitors     string
	peak         string // a peak visitor rate, e.g. 1200/min
	peakAt       string
	duration     string
	data         string // custom: the CSV to replay, relative to the scenario
	loadFactor   string
	window       string
}

// shapeDefaults are what a campaign of each shape usually looks like: when
// its visitors peak, how long it brings them, and the stretch worth
// testing. They follow the examples in examples/.
var shapeDefaults = map[scenario.Shape]struct {
	title            string
	peakAt, duration time.Duration
	window           string
}{
	scenario.ShapeEmailBlast:    {"Email blast", 20 * time.Minute, 3 * time.Hour, "peak 15m"},
	scenario.ShapeTVSpot:        {"TV spot", 90 * time.Second, 20 * time.Minute, "peak 5m"},
	scenario.ShapeSocialViral:   {"Viral post", 5 * time.Hour, 24 * time.Hour, "peak 30m"},
	scenario.ShapeProductLaunch: {"Product launch", 30 * time.Minute, 2 * time.Hour, "peak 10m"},
	scenario.ShapeFlashSale:     {"Flash sale", 5 * time.Minute, time.Hour, "compressed 15m"},
	scenario.ShapeSteady:        {"Steady campaign", 0, 8 * time.Hour, "peak 10m"},
	scenario.ShapeCustom:        {"Traffic replay", 0, 0, "peak 30m"},
}

// withDefaults fills in what the user left out. A default that would not
// fit the user's own numbers scales with them: an email blast given
// --duration 30m peaks at a ninth of it, as the default 20m of 3h does,
// and a window no shorter than the campaign becomes the whole campaign.
func (s starter) withDefaults() starter {
	d := shapeDefaults[s.shape]
	if s.name == "" {
		s.name = d.title + " readiness"
	}
	if s.loadFactor == "" {
		s.loadFactor = "2x"
	}
	if d.duration > 0 { // every shape but custom
		peakAt, errP := scenario.ParseDuration(s.peakAt)
		duration, errD := scenario.ParseDuration(s.duration)
		switch {
		case s.duration == "" && s.peakAt != "" && errP == nil && d.peakAt > 0 && peakAt >= d.duration:
			s.duration = scenario.FormatDuration(scale(peakAt, d.duration, d.peakAt))
		case s.duration == "":
			s.duration = scenario.FormatDuration(d.duration)
		}
		if s.peakAt == "" && d.peakAt > 0 {
			s.peakAt = scenario.FormatDuration(d.peakAt)
			if s.duration != "" && errD == nil && duration > 0 && d.peakAt >= duration {
				s.peakAt = scenario.FormatDuration(scale(duration, d.peakAt, d.duration))
			}
		}
	}
	if s.window == "" {
		s.window = d.window
		if duration, err := scenario.ParseDuration(s.duration); err == nil && duration > 0 {
			_, span, _ := strings.Cut(d.window, " ")
			if w, err := scenario.ParseDuration(span); err == nil && w >= duration {
				s.window = "full"
			}
		}
	}
	return s
}

// scale is d × num / den to the second, in floating point: the product of
// two durations overflows.
func scale(d, num, den time.Duration) time.Duration {
	return time.Duration(float64(d) * float64(num) / float64(den)).Round(time.Second)
}

// numbers says in words what the campaign's numbers are, for the file's
// opening comment.
func (s starter) numbers() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the campaign (%s)", s.shape)
	switch {
	case s.audience != "":
		fmt.Fprintf(&b, " reaches %s people and %s of them visit", s.audience, s.response)
	case s.visitors != "":
		fmt.Fprintf(&b, " brings %s visitors", s.visitors)
	case s.peak != "":
		fmt.Fprintf(&b, " brings up to %s visitors", s.peak)
	}
	if s.data != "" {
		fmt.Fprintf(&b, ", replaying %s", s.data)
	}
	if s.peakAt != "" {
		fmt.Fprintf(&b, "; visits peak %s after it starts", s.peakAt)
	}
	if s.duration != "" {
		fmt.Fprintf(&b, "; it brings visitors for %s", s.duration)
	}
	return b.String()
}

// tested says in words what the window and the load factor test.
func (s starter) tested() string {
	what := "the whole campaign"
	if kind, span, ok := strings.Cut(s.window, " "); ok {
		switch kind {
		case "peak":
			what = "the busiest " + span
		case "compressed":
			what = "the whole campaign compressed into " + span
		}
	}
	return fmt.Sprintf("%s at %s the expected rates", what, s.loadFactor)
}

// render writes the starter scenario: every key it sets with a comment
// that says what it means, and commented-out steps that show what a
// journey can do.
func (s starter) render() []byte {
	var b strings.Builder
	line := func(text, comment string) {
		if comment == "" {
			b.WriteString(text + "\n")
			return
		}
		fmt.Fprintf(&b, "%-34s # %s\n", text, comment)
	}
	b.WriteString(comment(s.name + ": a launch-readiness test, written by liftoff init."))
	b.WriteString("#\n")
	b.WriteString(comment("Marketing numbers it encodes: " + s.numbers() + "."))
	b.WriteString(comment("What it tests: " + s.tested() + ", so a GO means the site has that much headroom where it matters."))
	b.WriteString(`#
# Before the first run: replace the journeys with what your visitors do,
# and agree on the SLO rules with whoever runs the site. Then
#   liftoff plan FILE    shows the expected and the tested traffic, sending nothing
#   liftoff run FILE     runs the test and gives the verdict
# The README describes every key; docs/campaigns.md the shapes.
`)
	line("name: "+yamlScalar(s.name, false), "")
	line("target: "+yamlScalar(s.target, false), "the site under test; sim:shop is the built-in simulated shop")
	b.WriteString("\n")
	line("defaults:", "")
	line("  timeout: 10s", "per request")
	line("  think: 1s..3s", "a visitor reads the page before the next step")
	b.WriteString("\n")
	line("traffic:", "")
	line("  campaign:", "")
	line("    shape: "+string(s.shape), strings.Join(shapeNames(), " | "))
	if s.data != "" {
		line("    data: "+yamlScalar(s.data, false), "the CSV of time,visitors to replay, relative to this file")
	}
	switch {
	case s.audience != "":
		line("    audience: "+yamlScalar(s.audience, true), "people the campaign reaches")
		line("    response: "+yamlScalar(s.response, true), "share of them who visit")
	case s.visitors != "":
		line("    visitors: "+yamlScalar(s.visitors, true), "visitors the campaign brings in all")
	case s.peak != "":
		line("    peak: "+yamlScalar(s.peak, true), "visitors at the busiest moment")
	}
	if s.peakAt != "" {
		line("    peak_at: "+yamlScalar(s.peakAt, true), "when visits peak, after the campaign starts")
	}
	if s.duration != "" {
		line("    duration: "+yamlScalar(s.duration, true), "how long the campaign brings visitors")
	}
	line("  load_factor: "+yamlScalar(s.loadFactor, true), "test at this multiple of the expected rates: headroom")
	line("  window: "+yamlScalar(s.window, true), "full | peak DURATION (the busiest stretch) | compressed DURATION")
	b.WriteString(`
journeys:                          # what a visitor does: each arrival runs one journey, picked by weight
  - name: landing
    weight: 100
    steps:
      - GET /
      # A step is a request line, or a mapping that checks and captures:
      # - name: product
      #   request: "GET /products/{{ randInt 1 500 }}"
      #   expect: { status: 200, max_duration: 1s }
      # - name: login
      #   request: POST /api/login
      #   json: { email: "visitor{{ .visitor }}@example.com", password: secret }
      #   capture: { token: "json:$.token" }

slo:                               # all must hold for GO
  - p95 < 500ms
  - p99 < 1s
  - error_rate < 1%
  - throughput >= 99%
`)
	if s.shape != scenario.ShapeSteady { // a steady campaign has one phase, "steady"
		line("  - phase peak: p95 < 500ms for 1m", "in every minute of the busiest stretch")
	}
	return []byte(b.String())
}

// comment wraps text into YAML comment lines of at most 76 columns.
func comment(text string) string {
	var b strings.Builder
	width := 0
	for _, word := range strings.Fields(text) {
		switch {
		case width == 0:
			b.WriteString("# " + word)
			width = 2 + len(word)
		case width+1+len(word) > 76:
			b.WriteString("\n# " + word)
			width = 2 + len(word)
		default:
			b.WriteString(" " + word)
			width += 1 + len(word)
		}
	}
	return b.String() + "\n"
}

func shapeNames() []string {
	var names []string
	for _, s := range scenario.Shapes() {
		names = append(names, string(s))
	}
	return names
}

// yamlScalar writes s as a YAML scalar that reads back as exactly s:
// plain where YAML reads the plain text as s (as text, unless a number is
// fine there), quoted otherwise, so no value can become markup in the
// file. init has checked that s is printable text on one line.
func yamlScalar(s string, numberOK bool) string {
	if readsBackAs(s, s, numberOK) {
		return s
	}
	if out, err := yaml.Marshal(s); err == nil {
		if quoted := strings.TrimSuffix(string(out), "\n"); readsBackAs(quoted, s, true) {
			return quoted
		}
	}
	return strconv.Quote(s)
}

// readsBackAs reports whether scalar, as a mapping's value on one line,
// reads back as one scalar holding want: as a string unless anyTag.
func readsBackAs(scalar, want string, anyTag bool) bool {
	if scalar == "" || strings.ContainsAny(scalar, "\r\n") {
		return false
	}
	var doc yaml.Node
	if yaml.Unmarshal([]byte("v: "+scalar+"\n"), &doc) != nil || len(doc.Content) != 1 {
		return false
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode || len(m.Content) != 2 {
		return false
	}
	v := m.Content[1]
	return v.Kind == yaml.ScalarNode && v.Value == want && (anyTag || v.Tag == "!!str")
}
