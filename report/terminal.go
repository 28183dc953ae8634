package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/liftoff/liftoff/loadgen"
	"github.com/liftoff/liftoff/scenario"
)

// tablewriter sizes its cache of text widths for 8,192 strings when the
// program starts, 2.6 MB of heap that every liftoff process carried,
// about a tenth of a run's memory; the tables here have a few dozen
// cells.
func init() { twwidth.SetCacheCapacity(256) }

// WriteTerminal writes the human summary of a run: what ran, the SLO
// results, latency per journey and step, visits, errors by class, the
// generator's health, and the verdict in plain words last, where the eye
// lands when the command returns.
func WriteTerminal(w io.Writer, doc Document) error {
	res, j := doc.Results, doc.Judgement
	out := &errWriter{w: w}
	writeHeadline(out, doc)
	if len(j.Findings) > 0 {
		out.printf("\nSLO rules\n")
		if err := sloTable(out, j); err != nil {
			return err
		}
	}
	out.printf("\nLatency of successful requests by journey and step (from each request's intended send time)\n")
	if err := latencyTable(out, res); err != nil {
		return err
	}
	if len(res.Journeys) > 0 {
		out.printf("\nVisits (a visit runs one journey, think time included)\n")
		if err := visitTable(out, res); err != nil {
			return err
		}
	}
	if res.Errors > 0 || res.Classes.Of(loadgen.ClassCutOff) > 0 {
		out.printf("\nErrors by class (failed requests, timed apart from the successful ones)\n")
		if err := errorTable(out, res); err != nil {
			return err
		}
	}
	if res.Retries > 0 {
		out.printf("\nRetried: %s requests were sent a second time (a kept-alive connection the target had closed, or an HTTP/2 GOAWAY or REFUSED_STREAM)\n", count(res.Retries))
	}
	out.printf("\nGenerator: %s\n", generatorLine(doc))
	if limits := j.Health.Limits; len(limits) > 0 {
		out.printf("Generator limited by: %s\n", limitList(limits))
	}
	if warnings := j.Health.Warnings; len(warnings) > 0 {
		out.printf("Generator near its limit: %s (see the reasons below)\n", limitList(warnings))
	}
	out.printf("\n%s\n", verdictLine(doc))
	for _, r := range j.Reasons {
		out.printf("  - %s\n", r)
	}
	return out.err
}

// errWriter keeps the first write error so the renderer reads straight.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) {
	fmt.Fprintf(e, format, args...)
}

func writeHeadline(w *errWriter, doc Document) {
	res := doc.Results
	w.printf("%s → %s\n", res.Scenario.Name, res.Scenario.Target)
	if o := overridesLine(doc); o != "" {
		w.printf("overrides: %s\n", o)
	}
	ran := fmt.Sprintf("ran %s of %s", offset(res.Elapsed), offset(doc.Plan.Duration()))
	if res.Scenario.IsSmoke() {
		ran = smokeRan(doc)
	}
	if res.Interrupted {
		ran += " (" + stoppedWord(res) + ")"
	}
	s := Summarize(doc)
	line := fmt.Sprintf("%s · %s visitors started · %s requests · %s achieved", ran, count(res.Arrivals.Started+closedVisits(res)), count(res.Requests), rate(s.AchievedRate))
	if s.PlannedRate > 0 {
		line += fmt.Sprintf(" (plan: %s)", rate(s.PlannedRate))
	}
	w.printf("%s\n", line)
}

// closedVisits counts the visits of closed-model phases, which the arrival
// counters do not include.
func closedVisits(res *loadgen.Results) int64 {
	var visits int64
	for _, j := range res.Journeys {
		visits += j.Visits
	}
	return max(0, visits-res.Arrivals.Started)
}

func newTable(w io.Writer, aligns ...tw.Align) *tablewriter.Table {
	return tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: aligns}),
		tablewriter.WithTrimSpace(tw.Off),
	)
}

func sloTable(w io.Writer, j Judgement) error {
	t := newTable(w, tw.AlignLeft, tw.AlignRight, tw.AlignRight, tw.AlignLeft, tw.AlignLeft)
	t.Header("Rule", "Measured", "Limit", "Result", "Where")
	for _, f := range j.Findings {
		if err := t.Append(f.Rule.Text, measuredCell(f), formatValue(f.Limit, f.Unit()), findingResult(f), f.Where); err != nil {
			return err
		}
	}
	return t.Render()
}

// measuredCell is a finding's measured value in its unit, or "no data".
func measuredCell(f Finding) string {
	if f.NoData {
		return "no data"
	}
	return formatValue(f.Measured, f.Unit())
}

// findingResult is a finding's outcome in one word or two.
func findingResult(f Finding) string {
	switch {
	case f.Passed && f.Unproven:
		return "pass (unproven)"
	case f.Passed:
		return "pass"
	case f.NoData:
		return "not judged"
	case !f.TargetFault:
		return "fail (generator)"
	case f.Basis == BasisServiceTime:
		return "FAIL (service time)"
	}
	return "FAIL"
}

func latencyTable(w io.Writer, res *loadgen.Results) error {
	t := newTable(w, tw.AlignLeft, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight)
	t.Header("Journey / step", "Requests", "Errors", "p50", "p90", "p95", "p99", "max")
	for _, k := range res.Keys {
		name := k.Key.String()
		if k.Key.Step != "" {
			name = "  " + k.Key.Step
		}
		d := k.Latency
		row := []string{name, count(k.Requests), errorCell(k.Errors, k.Requests)}
		if d.Count() == 0 {
			row = append(row, "-", "-", "-", "-", "-")
		} else {
			row = append(row, latency(d.Percentile(50)), latency(d.Percentile(90)), latency(d.Percentile(95)), latency(d.Percentile(99)), latency(d.Max()))
		}
		if err := t.Append(row); err != nil {
			return err
		}
	}
	return t.Render()
}

func errorCell(errors, requests int64) string {
	if errors == 0 {
		return "0"
	}
	return fmt.Sprintf("%s (%s)", count(errors), percent(float64(errors)/float64(requests)))
}

func visitTable(w io.Writer, res *loadgen.Results) error {
	t := newTable(w, tw.AlignLeft, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight)
	t.Header("Journey", "Visits", "Failed", "p50", "p95", "p99")
	for _, j := range res.Journeys {
		d := j.Duration
		row := []string{j.Name, count(j.Visits), errorCell(j.Failed, j.Visits)}
		if d.Count() == 0 {
			row = append(row, "-", "-", "-")
		} else {
			row = append(row, latency(d.Percentile(50)), latency(d.Percentile(95)), latency(d.Percentile(99)))
		}
		if err := t.Append(row); err != nil {
			return err
		}
	}
	return t.Render()
}

func errorTable(w io.Writer, res *loadgen.Results) error {
	t := newTable(w, tw.AlignLeft, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignLeft)
	t.Header("Class", "Requests", "Share", "Took (p50)", "Example")
	for _, c := range loadgen.ErrorClasses() {
		n := res.Classes.Of(c)
		if n == 0 {
			continue
		}
		example := ""
		if ex := res.Examples[c]; len(ex) > 0 {
			example = exampleText(ex[0], 90)
		}
		if err := t.Append(c.String(), count(n), percent(float64(n)/float64(res.Requests)), classTook(res, c), example); err != nil {
			return err
		}
	}
	return t.Render()
}

// classTook is how long a class's requests took from their send, p50:
// "-" for requests never sent. A request cut off by the run's end counts
// among the successful ones, at its time so far.
func classTook(res *loadgen.Results, c loadgen.ErrorClass) string {
	d := res.Failures[c].Service
	if d.Count() == 0 {
		return "-"
	}
	return latency(d.Percentile(50))
}

// generatorLine sums up the generator's own account: its arrivals and
// lag, the looping visitors of a closed model, and its signals (its own
// delay, its CPU, its connections).
func generatorLine(doc Document) string {
	res, h := doc.Results, doc.Judgement.Health
	a := res.Arrivals
	parts := []string{}
	if a.Started+a.Missed > 0 || a.Planned > 0 {
		parts = append(parts, arrivalsPart(res))
	}
	if res.Lag.Count() > 0 {
		parts = append(parts, fmt.Sprintf("lag p50 %s, p99 %s, max %s", latency(res.Lag.Percentile(50)), latency(res.Lag.Percentile(99)), latency(res.Lag.Max())))
	}
	if h.Looping > 0 {
		parts = append(parts, fmt.Sprintf("%s looping visitors, %s stopped early", count(h.Looping), count(h.Stopped)))
	}
	if h.DelayMax > 0 {
		parts = append(parts, fmt.Sprintf("own delay p99 %s, max %s", latency(h.DelayP99), latency(h.DelayMax)))
	}
	if h.CPUKnown {
		parts = append(parts, fmt.Sprintf("CPU up to %s of %s", percent(h.CPUShareMax), plural(h.CPUs, "CPU")))
	}
	if h.VisitorConns > 0 {
		parts = append(parts, fmt.Sprintf("%s visitor connections, setup p99 %s", count(h.VisitorConns), latency(h.VisitorConnP99)))
	}
	if h.PreOpened > 0 || h.SharedConns > 0 {
		s := fmt.Sprintf("shared pool: %s connections opened before the start, %s during the run", count(h.PreOpened), count(h.SharedConns))
		if h.SharedConns > 0 {
			s += fmt.Sprintf(" (setup p99 %s)", latency(h.SharedConnP99))
		}
		parts = append(parts, s)
	}
	if p := portsPart(h); p != "" {
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		parts = append(parts, "closed-model run: no arrival schedule to keep")
	}
	if seg := segmentsLine(res); seg != "" {
		parts = append(parts, seg)
	}
	return strings.Join(parts, " · ")
}

// portsPart is the generator line's account of its connections open at
// once against its local ports, when it measured them.
func portsPart(h Health) string {
	if h.PeakConns == 0 && h.PortFailures == 0 {
		return ""
	}
	s := fmt.Sprintf("peak %s connections open", count(h.PeakConns))
	if h.LocalPorts > 0 {
		s += fmt.Sprintf(" (%s of %s local ports)", percent(float64(h.PeakConns)/float64(h.LocalPorts)), count(h.LocalPorts))
	}
	if h.PortFailures > 0 {
		s += fmt.Sprintf(", %s connects found no local port", count(h.PortFailures))
	}
	return s
}

// arrivalsPart is the generator line's account of arrivals. Poisson
// arrivals are a random process: the plan gives their expected count,
// which a run scatters around, so it is not a count of visitors lost;
// those are the missed ones. Uniform arrivals keep the plan's count.
func arrivalsPart(res *loadgen.Results) string {
	a := res.Arrivals
	planned := count(int64(a.Planned + 0.5))
	if res.Scenario.Arrivals == scenario.Poisson {
		return fmt.Sprintf("arrivals %s started, %s missed (random arrivals: the plan expected about %s, and a run scatters around that)", count(a.Started), count(a.Missed), planned)
	}
	return fmt.Sprintf("arrivals %s started, %s missed, of %s planned", count(a.Started), count(a.Missed), planned)
}

// limitList names the signals that limited a run: "cpu, scheduling delay".
func limitList(limits []Signal) string {
	names := make([]string, len(limits))
	for i, l := range limits {
		names[i] = l.String()
	}
	return strings.Join(names, ", ")
}

// verdictLine states the verdict in plain words. A GO claims the planned
// traffic only when the test reached it; otherwise it says what the test
// reached.
func verdictLine(doc Document) string {
	j := doc.Judgement
	if j.Smoke {
		return smokeVerdictLine(j)
	}
	switch j.Verdict {
	case Go:
		if s := shortfall(doc, planOf(doc)); s != "" {
			return "GO for the traffic it reached: " + s + ", so the planned peak itself is untested."
		}
		return "GO: the target is ready for the planned traffic."
	case NoGo:
		return "NO-GO: the target did not hold the planned traffic."
	}
	return "INCONCLUSIVE: this run cannot tell whether the target is ready."
}

// exampleText is an error example fit to show in n bytes: printable,
// since it quotes what the target sent and a results file may come from
// anywhere, and cut on a character boundary.
func exampleText(s string, n int) string {
	s = scenario.Printable(s)
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && (s[cut]&0xC0) == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}
