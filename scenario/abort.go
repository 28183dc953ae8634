package scenario

import (
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"
)

// Abort rules stop a run early to protect the target. They are written in
// the grammar of SLO rules (see Rule), scopes included, but say when to
// stop rather than what must hold: "error_rate > 50% for 30s" trips when
// more than half of the requests of the last 30 seconds failed. The run
// judges them live, once per timeline interval, on the recent window
// (report.AbortJudge), so each needs its window ("for 30s"), and only
// metrics a window of requests can tell: latency and error_rate.
// Throughput counts visits where they arrived, which only the end of the
// run knows.

// MinAbortWindow is the shortest window an abort rule may have: the
// timeline's resolution, at which the run judges it.
const MinAbortWindow = time.Second

// Negate is the operator that holds exactly when o does not: an abort
// rule's condition turned into the rule a run must keep to avoid it.
func (o Op) Negate() Op {
	switch o {
	case Less:
		return GreaterEqual
	case LessEqual:
		return Greater
	case Greater:
		return LessEqual
	case GreaterEqual:
		return Less
	}
	return o
}

// abortRules reads the abort list: rules as in slo, each with a window
// and a metric a window can measure.
func (d *decoder) abortRules(n *yaml.Node, path string, sc *Scenario) []Rule {
	var out []Rule
	for i, item := range d.sequence(n, path) {
		p := indexPath(path, i)
		r, ok := d.rule(item, p, sc)
		switch {
		case !ok:
		case r.Metric == MetricThroughput:
			d.fail(item, p, "throughput cannot stop a run: a visit counts where it arrived, which only the run's end knows",
				"stop on what the target answers, e.g. error_rate > 50% for 30s")
		case r.Window == 0:
			d.fail(item, p, fmt.Sprintf("abort rule %q needs a window: how long the condition must last before the run stops", r.Text),
				"add one, e.g. "+r.Text+" for 30s")
		case r.Window < MinAbortWindow:
			d.fail(item, p, fmt.Sprintf("the window of %q is shorter than %s, the resolution at which a run judges it", r.Text, FormatDuration(MinAbortWindow)),
				"use a window of "+FormatDuration(MinAbortWindow)+" or more")
		default:
			out = append(out, r)
		}
	}
	return out
}

// AbortRules decodes the record's abort rules.
func (rec Record) AbortRules() ([]Rule, error) {
	var out []Rule
	for _, text := range rec.Abort {
		r, err := ParseRule(text)
		if err != nil {
			return nil, fmt.Errorf("abort rule %q: %w", text, err)
		}
		out = append(out, r)
	}
	return out, nil
}
