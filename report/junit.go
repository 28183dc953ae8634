package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// JUnit XML, as CI systems read it (GitLab, Jenkins, GitHub reporter
// actions). One run is one <testsuite> named after the scenario, inside a
// <testsuites> root:
//
//   - one <testcase classname="liftoff.slo"> per SLO rule, named by the
//     rule. A rule that failed on the target's own account has a <failure>
//     (message: measured value and limit, body: the details); a rule that
//     could not be judged, that failed only for what the generator did (the
//     message names the signal), or that held where the generator did not
//     deliver all the load, has an <error>, because the test, not the
//     target, failed. The failed requests outside every error_rate rule
//     get a case of their own, named ImplicitErrorRule, when there are any.
//   - <testcase classname="liftoff.generator" name="generator kept up with
//     the plan">, with an <error> when the generator was the bottleneck or
//     its signals explain a failure; its body lists the signals.
//   - <testcase classname="liftoff.run" name="run completed the plan">,
//     with an <error> when the run was interrupted, and a <failure> when
//     an abort rule stopped it.
//
// So failures mean NO-GO and errors without failures mean INCONCLUSIVE;
// the suite's properties carry the verdict itself. Test case names are
// stable from run to run, so CI can track each rule's history. The counts
// on <testsuites> and <testsuite> are computed from the cases written.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
	SystemOut  *junitBody      `xml:"system-out,omitempty"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	SystemOut *junitBody    `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",cdata"`
}

// junitBody is element text kept as CDATA, so line breaks survive as
// line breaks instead of character references.
type junitBody struct {
	Text string `xml:",cdata"`
}

// WriteJUnit writes doc as JUnit XML.
func WriteJUnit(w io.Writer, doc Document) error {
	res, j := doc.Results, doc.Judgement
	elapsed := junitSeconds(res.Elapsed)
	suite := junitSuite{
		Name: nonEmpty(res.Scenario.Name, "liftoff"),
		Time: elapsed,
		Properties: []junitProperty{
			{"verdict", string(j.Verdict)},
			{"target", res.Scenario.Target},
			{"scenario_file", res.Scenario.File},
			{"liftoff_version", res.Version},
			{"interrupted", strconv.FormatBool(res.Interrupted)},
		},
	}
	if o := overridesLine(doc); o != "" {
		suite.Properties = append(suite.Properties, junitProperty{"overrides", o})
	}
	if !res.Started.IsZero() {
		suite.Timestamp = res.Started.UTC().Format("2006-01-02T15:04:05Z")
	}
	// The cases are judgements of one run, not runs of their own: they
	// take no time, and the suite takes the run's.
	const caseTime = "0"
	for _, f := range j.Findings {
		suite.Cases = append(suite.Cases, findingCase(f, caseTime))
	}
	if res.Scenario.IsSmoke() {
		suite.Cases = append(suite.Cases, smokeCases(doc, caseTime)...)
	}
	suite.Cases = append(suite.Cases, healthCase(doc, caseTime), completionCase(doc, caseTime))
	for _, c := range suite.Cases {
		suite.Tests++
		if c.Failure != nil {
			suite.Failures++
		}
		if c.Error != nil {
			suite.Errors++
		}
	}
	var out strings.Builder
	fmt.Fprintf(&out, "%s\n", verdictLine(doc))
	for _, r := range j.Reasons {
		fmt.Fprintf(&out, "- %s\n", r)
	}
	s := Summarize(doc)
	fmt.Fprintf(&out, "requests %s, errors %s (%s), achieved %s, latency p50 %s p95 %s p99 %s\n",
		count(s.Requests), count(s.Errors), percent(s.ErrorRate), rate(s.AchievedRate),
		formatValue(s.LatencyMS.P50, UnitMS), formatValue(s.LatencyMS.P95, UnitMS), formatValue(s.LatencyMS.P99, UnitMS))
	suite.SystemOut = &junitBody{Text: out.String()}

	root := junitSuites{Name: "liftoff", Tests: suite.Tests, Failures: suite.Failures, Errors: suite.Errors, Time: elapsed, Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(root); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func findingCase(f Finding, t string) junitCase {
	c := junitCase{Name: f.Rule.Text, Classname: "liftoff.slo", Time: t}
	measured := formatValue(f.Measured, f.Unit())
	limit := formatValue(f.Limit, f.Unit())
	var body strings.Builder
	fmt.Fprintf(&body, "rule: %s\n", f.Rule.Text)
	if scope := f.Rule.ScopeName(); scope != "" {
		fmt.Fprintf(&body, "scope: %s\n", scope)
	}
	if !f.NoData {
		fmt.Fprintf(&body, "measured: %s (%s, %s samples)\n", measured, f.Basis, count(f.Samples))
	}
	fmt.Fprintf(&body, "limit: %s\n", limit)
	if f.Where != "" {
		fmt.Fprintf(&body, "where: %s\n", f.Where)
	}
	if f.Explanation != "" {
		fmt.Fprintf(&body, "why: %s\n", f.Explanation)
	}
	switch {
	case f.Passed && f.Unproven:
		c.Error = &junitProblem{Type: "generator", Message: fmt.Sprintf("held, but not proven: the generator (%s) did not deliver all the load", f.Cause), Body: body.String()}
	case f.Passed:
		c.SystemOut = &junitBody{Text: body.String()}
	case f.NoData:
		c.Error = &junitProblem{Type: "no-data", Message: "not judged: nothing in the rule's scope was measured", Body: body.String()}
	case f.TargetFault:
		msg := fmt.Sprintf("%s was %s, limit %s", f.Rule.MetricName(), measured, limit)
		if f.Where != "" {
			msg += " (" + f.Where + ")"
		}
		if f.Basis == BasisServiceTime {
			msg += ", on the target's service time"
		}
		c.Failure = &junitProblem{Type: "slo", Message: msg, Body: body.String()}
	default:
		c.Error = &junitProblem{Type: "generator",
			Message: fmt.Sprintf("%s was %s, limit %s, but the failure may be the generator's (%s), not the target's", f.Rule.MetricName(), measured, limit, f.Cause),
			Body:    body.String()}
	}
	return c
}

func healthCase(doc Document, t string) junitCase {
	res, h := doc.Results, doc.Judgement.Health
	c := junitCase{Name: "generator kept up with the plan", Classname: "liftoff.generator", Time: t}
	detail := fmt.Sprintf("missed arrivals: %s of %s (%s; limit %s)\nrequests sent more than %s late: %s (%s; limit %s and at least %d)\nlag p99: %s\nrequests it failed itself: %s\nsignals: %s\n",
		count(res.Arrivals.Missed), count(res.Arrivals.Scheduled()), percent(h.MissedShare), percent(MaxMissedShare),
		latency(h.LateAfter), count(h.Late), percent(h.LateShare), percent(MaxLateShare), MinLateRequests, latency(h.LagP99),
		count(h.GeneratorErrors), generatorLine(doc))
	if len(h.Limits) > 0 {
		detail += "limited by: " + limitList(h.Limits) + "\n"
	}
	switch {
	case h.Limited:
		c.Error = &junitProblem{Type: "generator", Message: "the generator was the bottleneck (" + limitList(h.Limits) + "): the run does not prove the target's capacity",
			Body: strings.Join(h.Reasons, "\n") + "\n" + detail}
	case len(h.Limits) > 0:
		c.Error = &junitProblem{Type: "generator", Message: "the generator's own signals (" + limitList(h.Limits) + ") explain failures the run cannot pin on the target",
			Body: detail}
	default:
		c.SystemOut = &junitBody{Text: detail}
	}
	return c
}

func completionCase(doc Document, t string) junitCase {
	res := doc.Results
	c := junitCase{Name: "run completed the plan", Classname: "liftoff.run", Time: t}
	ran := fmt.Sprintf("ran %s of the planned %s\n", offset(res.Elapsed), offset(doc.Plan.Duration()))
	if res.Scenario.IsSmoke() {
		ran = smokeRan(doc) + "\n"
	}
	if !res.Interrupted {
		c.SystemOut = &junitBody{Text: ran}
		return c
	}
	if a := doc.Judgement.Aborted; a != nil {
		c.Failure = &junitProblem{Type: "aborted", Message: "an abort rule stopped the run: " + a.Rule.Text, Body: abortSentence(a, doc.Plan.Duration()) + "\n" + ran}
		return c
	}
	c.Error = &junitProblem{Type: "interrupted", Message: "the run was interrupted before the plan ended", Body: ran}
	return c
}

// junitSeconds is a JUnit time attribute: seconds with millisecond
// precision.
func junitSeconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
}
