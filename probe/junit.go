package probe

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

type junitSuites struct {
	XMLName xml.Name   `xml:"testsuites"`
	Suites  []junitSet `xml:"testsuite"`
}

type junitSet struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     float64     `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      float64       `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitFailure `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the probe as JUnit XML: one test case for the
// required headroom, which fails on NO-GO and is skipped when
// INCONCLUSIVE, then one per step, passed, with its outcome as output:
// a step past the knee breaks by design.
func WriteJUnit(w io.Writer, r *Result) error {
	set := junitSet{Name: "liftoff probe: " + r.Scenario}
	head := junitCase{Name: fmt.Sprintf("headroom >= %s", FormatFactor(r.Config.Require)), Classname: "probe"}
	msg := r.Headline()
	switch r.Verdict {
	case "NO-GO":
		head.Failure = &junitFailure{Message: msg, Type: "headroom", Text: strings.Join(r.Reasons, "\n")}
		set.Failures++
	case "INCONCLUSIVE":
		head.Skipped = &junitFailure{Message: msg, Text: strings.Join(r.Reasons, "\n")}
		set.Skipped++
	}
	set.Cases = append(set.Cases, head)
	for _, s := range r.Steps {
		c := junitCase{Name: fmt.Sprintf("step %d at %s", s.Index, FormatFactor(s.Factor)), Classname: "probe.steps", Time: s.Duration.Seconds()}
		reasons := ""
		if s.Doc != nil {
			c.Time = s.Doc.Results.Elapsed.Seconds()
			reasons = strings.Join(s.Doc.Judgement.Reasons, "\n")
		}
		// A step past the knee breaks by design: the steps report what
		// happened, and only the headroom case passes or fails the gate.
		c.SystemOut = strings.TrimSpace(outcomeText(s) + "\n" + reasons)
		set.Time += c.Time
		set.Cases = append(set.Cases, c)
	}
	set.Tests = len(set.Cases)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(junitSuites{Suites: []junitSet{set}}); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
