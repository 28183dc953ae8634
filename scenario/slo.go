package scenario

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Rule is one readiness criterion (an SLO). All rules must hold for GO.
//
// Grammar, as written in the scenario's slo list:
//
//	rule   = [scope ":"] metric op limit ["for" duration]
//	scope  = journey ["/" step] | "phase" name
//	metric = "p" number | "max" | "mean" | "error_rate" | "throughput"
//	op     = "<" | "<=" | ">" | ">="
//	limit  = duration (latency metrics) | percentage (error_rate, throughput)
//
// Latency is measured per request from its intended send time. error_rate
// is failed requests over all requests. throughput is visits completed
// without error over visits planned, so ">= 99%" means the target served
// 99% of the campaign's visitors. "for 1m" makes the rule hold in every
// one-minute window of the run, not only over the whole run.
type Rule struct {
	Text string // the rule in canonical form, e.g. "checkout: p95 < 800ms"
	Line int

	// Scope: empty fields mean the whole run.
	Journey string
	Step    string // only with Journey
	Phase   string

	Metric   Metric
	Quantile float64 // 0 < q <= 100, for MetricPercentile
	Op       Op

	Latency time.Duration // the limit of a latency metric
	Ratio   Ratio         // the limit of error_rate or throughput

	Window time.Duration // 0: judged over the whole run (or the phase)
}

// Metric is what a rule measures.
type Metric string

// Metrics.
const (
	MetricPercentile Metric = "percentile"
	MetricMax        Metric = "max"
	MetricMean       Metric = "mean"
	MetricErrorRate  Metric = "error_rate"
	MetricThroughput Metric = "throughput"
)

// IsLatency reports whether the metric is measured in time.
func (m Metric) IsLatency() bool {
	return m == MetricPercentile || m == MetricMax || m == MetricMean
}

// Op compares a measured value with a rule's limit.
type Op string

// Comparison operators.
const (
	Less         Op = "<"
	LessEqual    Op = "<="
	Greater      Op = ">"
	GreaterEqual Op = ">="
)

// Holds reports whether measured op limit is true.
func (o Op) Holds(measured, limit float64) bool {
	switch o {
	case Less:
		return measured < limit
	case LessEqual:
		return measured <= limit
	case Greater:
		return measured > limit
	case GreaterEqual:
		return measured >= limit
	}
	return false
}

// MetricName is the metric as written: "p95", "p99.9", "max", "error_rate".
func (r Rule) MetricName() string {
	if r.Metric == MetricPercentile {
		return "p" + strconv.FormatFloat(r.Quantile, 'f', -1, 64)
	}
	return string(r.Metric)
}

// ScopeName is the rule's scope as written, or "" for the whole run.
func (r Rule) ScopeName() string {
	switch {
	case r.Phase != "":
		return "phase " + r.Phase
	case r.Step != "":
		return r.Journey + "/" + r.Step
	}
	return r.Journey
}

// LimitString formats the rule's limit in its unit.
func (r Rule) LimitString() string {
	if r.Metric.IsLatency() {
		return FormatDuration(r.Latency)
	}
	return r.Ratio.String()
}

// String is the rule in canonical form; ParseRule reads it back.
func (r Rule) String() string {
	var b strings.Builder
	if s := r.ScopeName(); s != "" {
		b.WriteString(s)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "%s %s %s", r.MetricName(), r.Op, r.LimitString())
	if r.Window > 0 {
		b.WriteString(" for ")
		b.WriteString(FormatDuration(r.Window))
	}
	return b.String()
}

// ParseRule reads one rule in the grammar documented on Rule. It checks the
// rule's own shape; whether its scope names a real journey, step or phase is
// checked against the scenario by Parse.
func ParseRule(text string) (Rule, error) {
	var r Rule
	body := strings.TrimSpace(text)
	if scope, rest, ok := cutScope(body); ok {
		body = rest
		if err := r.setScope(scope); err != nil {
			return Rule{}, err
		}
	}
	if before, after, ok := strings.Cut(body, " for "); ok {
		w, err := ParseDuration(after)
		if err != nil {
			return Rule{}, err
		}
		if w <= 0 {
			return Rule{}, &unitError{msg: "the window after \"for\" must be longer than zero"}
		}
		r.Window, body = w, strings.TrimSpace(before)
	}
	metric, op, limit, err := splitComparison(body)
	if err != nil {
		return Rule{}, err
	}
	if err := r.setMetric(metric); err != nil {
		return Rule{}, err
	}
	r.Op = op
	if r.Metric.IsLatency() {
		d, err := ParseDuration(limit)
		if err != nil {
			return Rule{}, latencyLimitError(err, limit)
		}
		r.Latency = d
	} else {
		v, err := ParseRatio(limit)
		if err != nil {
			return Rule{}, err
		}
		if v > 1 {
			return Rule{}, &unitError{msg: fmt.Sprintf("%s limit %q is above 100%%", r.Metric, limit)}
		}
		r.Ratio = v
	}
	r.Text = r.String()
	return r, nil
}

// cutScope splits "checkout/login: p95 < 1s" at the colon that ends the
// scope. A rule with no colon has no scope.
func cutScope(s string) (scope, rest string, ok bool) {
	i := strings.LastIndex(s, ":")
	if i < 0 {
		return "", s, false
	}
	return strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:]), true
}

func (r *Rule) setScope(scope string) error {
	if scope == "" {
		return &unitError{msg: "empty scope before \":\"", hint: "write journey: rule, journey/step: rule or phase name: rule"}
	}
	if name, ok := strings.CutPrefix(scope, "phase "); ok {
		r.Phase = strings.TrimSpace(name)
		return nil
	}
	journey, step, hasStep := strings.Cut(scope, "/")
	r.Journey = strings.TrimSpace(journey)
	if hasStep {
		r.Step = strings.TrimSpace(step)
		if r.Journey == "" || r.Step == "" {
			return &unitError{msg: fmt.Sprintf("scope %q needs a journey and a step", scope), hint: "write journey/step: rule"}
		}
	}
	return nil
}

// splitComparison finds the operator in "p95 < 300ms".
func splitComparison(s string) (metric string, op Op, limit string, err error) {
	for _, o := range []Op{LessEqual, GreaterEqual, Less, Greater} {
		if m, l, ok := strings.Cut(s, string(o)); ok {
			metric, limit = strings.TrimSpace(m), strings.TrimSpace(l)
			if metric == "" || limit == "" {
				break
			}
			return metric, o, limit, nil
		}
	}
	return "", "", "", &unitError{msg: fmt.Sprintf("cannot read rule %q", s), hint: "rules look like p95 < 300ms, error_rate < 1% or throughput >= 99%"}
}

var metricNames = []string{"p50", "p90", "p95", "p99", "p99.9", "max", "mean", "error_rate", "throughput"}

func (r *Rule) setMetric(name string) error {
	switch name {
	case "max", "mean", "error_rate", "throughput":
		r.Metric = Metric(name)
		return nil
	}
	if q, ok := strings.CutPrefix(name, "p"); ok {
		v, err := strconv.ParseFloat(q, 64)
		if err == nil && v > 0 && v <= 100 && !strings.ContainsAny(q, "eE+-") {
			r.Metric, r.Quantile = MetricPercentile, v
			return nil
		}
		if err == nil {
			return &unitError{msg: fmt.Sprintf("percentile %q is out of range", name), hint: "use p50 up to p100, e.g. p95 or p99.9"}
		}
	}
	return &unitError{msg: fmt.Sprintf("unknown metric %q", name), hint: "known metrics: " + strings.Join(metricNames, ", ")}
}

// latencyLimitError rewords the hint for a latency limit without a unit:
// a latency is milliseconds far more often than minutes, so "p95 < 300"
// means 300ms, and a small number such as "p95 < 2" seconds or
// milliseconds.
func latencyLimitError(err error, limit string) error {
	text := strings.TrimSpace(limit)
	v, nerr := parseNumber(text)
	if nerr != nil {
		return err
	}
	hint := fmt.Sprintf("latency limits need a unit: write %sms", text)
	if v < 10 {
		hint = fmt.Sprintf("latency limits need a unit: write %ss or %sms", text, text)
	}
	return &unitError{msg: fmt.Sprintf("latency limit %q has no unit", limit), hint: hint}
}
