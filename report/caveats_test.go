package report

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/liftoff/liftoff/loadgen"
)

// TestInterruptedAfterExcludesGrace says when the run was interrupted, not
// when its grace period ended.
func TestInterruptedAfterExcludesGrace(t *testing.T) {
	t.Parallel()
	fast := spread(100, 10*time.Millisecond, 10*time.Millisecond, 0)
	res := results{latency: fast, service: fast, started: 100, completed: 100, lag: time.Millisecond, interrupted: true}.build()
	res.Elapsed, res.InterruptedAt = 17*time.Second, 12*time.Second
	j := judge(t, res, "p95 < 300ms")
	if want := "The run was interrupted after 12s of the planned 1m."; !strings.Contains(strings.Join(j.Reasons, "\n"), want) {
		t.Errorf("reasons %q, want %q", j.Reasons, want)
	}
}

// renderAll writes every report of res.
func renderAll(t *testing.T, res *loadgen.Results) map[string]string {
	t.Helper()
	doc, err := NewDocument(res)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for name, write := range map[string]func(io.Writer, Document) error{
		"terminal": WriteTerminal, "markdown": WriteMarkdown, "html": WriteHTML, "junit": WriteJUnit, "json": WriteJSON,
	} {
		var b bytes.Buffer
		if err := write(&b, doc); err != nil {
			t.Fatal(err)
		}
		out[name] = b.String()
	}
	return out
}

// TestInsecureTLSIsReported says in every report that certificates were
// not verified.
func TestInsecureTLSIsReported(t *testing.T) {
	t.Parallel()
	fast := spread(100, 10*time.Millisecond, 10*time.Millisecond, 0)
	res := results{latency: fast, service: fast, started: 100, completed: 100, lag: time.Millisecond}.build()
	res.Scenario.TLSInsecure = true
	for name, out := range renderAll(t, res) {
		if !strings.Contains(out, "TLS certificates were not verified") {
			t.Errorf("the %s report does not say that certificates were not verified", name)
		}
	}
}

// TestReportsPrintNoEscapes renders an error example that holds terminal
// escape sequences, as a hostile target's body or a hand-made results
// file may: no report passes them on.
func TestReportsPrintNoEscapes(t *testing.T) {
	t.Parallel()
	fast := spread(100, 10*time.Millisecond, 10*time.Millisecond, 0)
	res := results{latency: fast, service: fast, errors: 1, started: 100, completed: 99, lag: time.Millisecond}.build()
	res.Classes[loadgen.ClassStatus5xx] = 1
	res.Examples[loadgen.ClassStatus5xx] = []string{"shop: GET /: status 500: \x1b]0;pwned\x07\x1b[2J\x1b[31mred\x1b[0m \u009b1mbold"}
	res.Retries = 3
	reports := renderAll(t, res)
	// A results file holds what it was given; read back, it is printable.
	doc, err := ReadJSON(strings.NewReader(reports["json"]))
	if err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	if err := WriteJSON(&again, doc); err != nil {
		t.Fatal(err)
	}
	reports["json"] = again.String()
	for name, out := range reports {
		if strings.ContainsAny(out, "\x1b\x07\u009b") {
			t.Errorf("the %s report holds a control character: %q", name, out)
		}
	}
	if !strings.Contains(reports["terminal"], "status 500: red bold") {
		t.Errorf("the terminal report should show the example's text:\n%s", reports["terminal"])
	}
	if !strings.Contains(reports["terminal"], "Retried: 3 requests were sent a second time") {
		t.Errorf("the terminal report should count the retries:\n%s", reports["terminal"])
	}
}
