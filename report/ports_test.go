package report

import (
	"bytes"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestLocalPortsHealth judges the generator's local ports on results
// built by hand: a peak of open connections short of PortsWarnShare of
// its ports says nothing; at it, or with a few connects that found no
// port, the health warns and names the ports while the verdict stands;
// past the generator-error threshold the port failures limit the run
// (INCONCLUSIVE) and the reason names the ports. The target is never
// blamed.
func TestLocalPortsHealth(t *testing.T) {
	t.Parallel()
	fast := spread(10000, 20*time.Millisecond, 40*time.Millisecond, 0.1)
	tests := []struct {
		name                string
		peak, ports, failed int64 // the generator's signals
		generatorErrors     int64 // requests failed for want of a port
		verdict             Verdict
		limited, warned     bool
		reason              string // in the reasons, when the ports show
		line                string // in the generator line
	}{
		{name: "nothing measured (an old file)", verdict: Go},
		{name: "far from the range", peak: 1000, ports: 28232, verdict: Go, line: "peak 1,000 connections open (3.54% of 28,232 local ports)"},
		{name: "just short of 80%", peak: 22585, ports: 28232, verdict: Go},
		{name: "at 80% warns", peak: 22586, ports: 28232, verdict: Go, warned: true,
			reason: "The generator came close to running out of local ports: 22,586 connections were open at its peak, 80% of the 28,232 local ports one target address allows (net.ipv4.ip_local_port_range). Past them every new connection fails (EADDRNOTAVAIL) before it reaches the target. Spread the load over more generators (liftoff run --segment I/N on several machines), or widen net.ipv4.ip_local_port_range.",
			line:   "peak 22,586 connections open (80% of 28,232 local ports)"},
		{name: "range unknown", peak: 30000, verdict: Go, line: "peak 30,000 connections open"},
		{name: "a few port failures warn", peak: 28232, ports: 28232, failed: 3, generatorErrors: 3, verdict: Go, warned: true,
			reason: "The generator ran out of local ports: 3 connects failed (EADDRNOTAVAIL) before they reached the target, with 28,232 connections open at its peak, 100% of the 28,232 local ports one target address allows (net.ipv4.ip_local_port_range). Spread the load",
			line:   "peak 28,232 connections open (100% of 28,232 local ports), 3 connects found no local port"},
		{name: "port failures past the threshold limit the run", peak: 28232, ports: 28232, failed: 50, generatorErrors: 50, verdict: Inconclusive, limited: true,
			reason: "The generator failed 50 of its 10,000 requests itself (0.5%), so the target never saw them: 50 because it ran out of local ports or file descriptors (50 connects found no local port free: see local ports)."},
		{name: "port failures with the range unknown", peak: 100, failed: 50, generatorErrors: 50, verdict: Inconclusive, limited: true,
			reason: "The generator ran out of local ports: 50 connects failed (EADDRNOTAVAIL) before they reached the target, with 100 connections open at its peak. Spread the load"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := results{latency: fast, service: fast, started: 10000, completed: 10000, lag: time.Millisecond}
			if tc.generatorErrors > 0 {
				r.latency, r.service = fast[tc.generatorErrors:], fast[tc.generatorErrors:]
				r.errors, r.generatorErrors, r.completed = tc.generatorErrors, tc.generatorErrors, 10000-tc.generatorErrors
			}
			res := r.build()
			res.Signals.PeakConns, res.Signals.LocalPorts, res.Signals.PortFailures = tc.peak, tc.ports, tc.failed
			doc := document(t, res, "p95 < 300ms", "error_rate < 1%")
			j := doc.Judgement
			h := j.Health
			checkJudgement(t, j, tc.verdict, []string{"pass", "pass"}, tc.reason)
			if h.Limited != tc.limited || slices.Contains(h.Limits, SignalPorts) != tc.limited {
				t.Errorf("limited %v by %v, want limited %v by the local ports", h.Limited, h.Limits, tc.limited)
			}
			if got := slices.Contains(h.Warnings, SignalPorts); got != tc.warned || len(h.Warnings) != len(h.WarningReasons) {
				t.Errorf("warnings %v (%q), want the local ports %v", h.Warnings, h.WarningReasons, tc.warned)
			}
			if !tc.limited && !tc.warned && strings.Contains(strings.Join(j.Reasons, " "), "local ports") {
				t.Errorf("the reasons speak of local ports: %q", j.Reasons)
			}
			for _, f := range j.Findings {
				if f.TargetFault {
					t.Errorf("%s blames the target for the generator's ports", f.Rule.Text)
				}
			}
			line := generatorLine(doc)
			if tc.line != "" && !strings.Contains(line, tc.line) {
				t.Errorf("generator line %q, want it to say %q", line, tc.line)
			}
			if tc.peak == 0 && strings.Contains(line, "connections open") {
				t.Errorf("generator line %q speaks of connections nobody measured", line)
			}
		})
	}
}

// TestLocalPortsInReports shows a warning about local ports in every
// report: the terminal, Markdown and HTML name it beside the generator's
// health, and the JSON generator block holds the signals and the
// warning.
func TestLocalPortsInReports(t *testing.T) {
	t.Parallel()
	fast := spread(1000, 20*time.Millisecond, 40*time.Millisecond, 0.1)
	res := results{latency: fast, service: fast, started: 1000, completed: 1000, lag: time.Millisecond}.build()
	res.Signals.PeakConns, res.Signals.LocalPorts = 27000, 28232
	doc := document(t, res, "p95 < 300ms")
	for name, tc := range map[string]struct {
		write func(io.Writer, Document) error
		want  string
	}{
		"terminal": {WriteTerminal, "Generator near its limit: local ports"},
		"markdown": {WriteMarkdown, "near its limit (local ports)"},
		"html":     {WriteHTML, "near its limit on local ports"},
	} {
		var b bytes.Buffer
		if err := tc.write(&b, doc); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{tc.want, "peak 27,000 connections open (95.64% of 28,232 local ports)", "came close to running out of local ports"} {
			if !strings.Contains(b.String(), want) {
				t.Errorf("%s report does not say %q", name, want)
			}
		}
	}
	var b bytes.Buffer
	if err := WriteJSON(&b, doc); err != nil {
		t.Fatal(err)
	}
	var out struct {
		Verdict   Verdict
		Generator struct {
			Peak           int64    `json:"peak_connections"`
			Ports          int64    `json:"local_ports"`
			Failures       *int64   `json:"port_failures"`
			Warnings       []string `json:"warnings"`
			WarningReasons []string `json:"warning_reasons"`
		}
	}
	if err := json.Unmarshal(b.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	g := out.Generator
	if out.Verdict != Go || g.Peak != 27000 || g.Ports != 28232 || g.Failures != nil ||
		!slices.Equal(g.Warnings, []string{"local ports"}) || len(g.WarningReasons) != 1 {
		t.Errorf("verdict %s, generator block %+v; want GO, the peak, the range, no failures and the warning", out.Verdict, g)
	}
}
