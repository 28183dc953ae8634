package report

import (
	"bufio"
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/liftoff/liftoff/internal/golden"
)

// TestAnnotations renders every fixture's annotations and compares them
// with the golden files byte for byte; a GO writes none. Each line must be
// a workflow command the runner parses back to the verdict's reason.
func TestAnnotations(t *testing.T) {
	for _, name := range []string{"go", "nogo", "inconclusive", "xss"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			doc := fixture(t, name)
			got := render(t, WriteAnnotations, doc)
			golden.Check(t, filepath.Join("testdata", "golden", name+".annotations"), got)
			if doc.Judgement.Verdict == Go && len(got) > 0 {
				t.Errorf("a GO wrote annotations:\n%s", got)
			}
			var reasons []string
			lines := bufio.NewScanner(bytes.NewReader(got))
			for lines.Scan() {
				cmd, ok := parseWorkflowCommand(lines.Text())
				if !ok || (cmd.name != "error" && cmd.name != "warning") {
					t.Errorf("not an annotation the runner reads: %q", lines.Text())
					continue
				}
				if cmd.props["title"] == "" {
					t.Errorf("annotation without a title: %q", lines.Text())
				}
				reasons = append(reasons, cmd.data)
			}
			if doc.Judgement.Verdict != Go && strings.Join(reasons, "\n") != strings.Join(doc.Judgement.Reasons, "\n") {
				t.Errorf("annotations say:\n%q\nthe verdict's reasons are:\n%q", reasons, doc.Judgement.Reasons)
			}
		})
	}
}

// TestImplicitRuleAnnotatedAsError checks that the failures outside every
// error_rate rule, a NO-GO on the target, are annotated as an error named
// after the implicit rule, like every other rule the target failed.
func TestImplicitRuleAnnotatedAsError(t *testing.T) {
	t.Parallel()
	doc := document(t, results{errors: 1000, started: 1000, lag: time.Millisecond}.build(), "p95 < 250ms")
	if doc.Judgement.Verdict != NoGo {
		t.Fatalf("verdict %s, want NO-GO: %q", doc.Judgement.Verdict, doc.Judgement.Reasons)
	}
	got := string(render(t, WriteAnnotations, doc))
	want := WorkflowCommand("error", "NO-GO: "+ImplicitErrorRule, "1,000 of 1,000 requests (100%) failed outside every error_rate rule (the run's failures: 1,000 5xx). A run whose requests fail is not ready unless an error_rate rule allows that share.")
	if !strings.Contains(got, want+"\n") {
		t.Errorf("annotations:\n%s\nwant the line\n%s", got, want)
	}
}

func TestWorkflowCommand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, command, title, message string
		want                          string
	}{
		{"plain", "warning", "Generator limit", "The generator was the bottleneck.", "::warning title=Generator limit::The generator was the bottleneck."},
		{"no title", "group", "", "Progress: launch", "::group::Progress: launch"},
		{"percent in both", "error", "NO-GO: error_rate < 1%", "The error rate was 8% (rule: error_rate < 1%).",
			"::error title=NO-GO%3A error_rate < 1%25::The error rate was 8%25 (rule: error_rate < 1%25)."},
		{"a comma and colons in the title", "error", "NO-GO: a,b: p95 < 1s", "x: y, z", "::error title=NO-GO%3A a%2Cb%3A p95 < 1s::x: y, z"},
		{"line breaks", "warning", "two\r\nlines", "one\ntwo\r\nthree", "::warning title=two%0D%0Alines::one%0Atwo%0D%0Athree"},
		{"escape sequences as text", "warning", "%3A%2C", "%0A%25", "::warning title=%253A%252C::%250A%2525"},
		{"a forged property", "error", "x,file=/etc/passwd,line=1", "m", "::error title=x%2Cfile=/etc/passwd%2Cline=1::m"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := WorkflowCommand(tc.command, tc.title, tc.message)
			if got != tc.want {
				t.Errorf("WorkflowCommand(%q, %q, %q) =\n%q, want\n%q", tc.command, tc.title, tc.message, got, tc.want)
			}
			cmd, ok := parseWorkflowCommand(got)
			if !ok || cmd.name != tc.command || cmd.props["title"] != tc.title || cmd.data != tc.message || len(cmd.props) > 1 {
				t.Errorf("the runner reads %q as %+v (ok %v)", got, cmd, ok)
			}
		})
	}
}

// FuzzWorkflowCommand checks that any title and message survive the
// runner's parsing exactly, on one line, with no property but the title.
func FuzzWorkflowCommand(f *testing.F) {
	f.Add("NO-GO: p95 < 250ms", "p95 latency was 284ms (rule: p95 < 250ms), worst at 11s.")
	f.Add("a,b:c%d", "x\r\ny%0A::z")
	f.Fuzz(func(t *testing.T, title, message string) {
		got := WorkflowCommand("error", title, message)
		if strings.ContainsAny(got, "\r\n") {
			t.Fatalf("%q spans lines", got)
		}
		cmd, ok := parseWorkflowCommand(got)
		if !ok || cmd.name != "error" || cmd.data != message {
			t.Fatalf("the runner reads %q as %+v (ok %v); message %q", got, cmd, ok, message)
		}
		// The runner trims the property list and drops an empty value, and
		// .NET's Split drops an empty key: titles liftoff writes are
		// neither empty nor padded, nor start with "=".
		if title != "" && title == strings.TrimSpace(title) && !strings.HasPrefix(title, "=") {
			if cmd.props["title"] != title || len(cmd.props) != 1 {
				t.Fatalf("the runner reads the title of %q as %q, props %v; want %q", got, cmd.props["title"], cmd.props, title)
			}
		}
	})
}

type workflowCommand struct {
	name  string
	props map[string]string
	data  string
}

// parseWorkflowCommand reads a line as the GitHub Actions runner does
// (actions/runner, ActionCommand.TryParseV2): the text between the leading
// "::" and the next "::" is the command and its comma-separated
// properties; the rest is the message. Unescaping replaces each escape in
// the runner's order, "%25" last.
func parseWorkflowCommand(line string) (workflowCommand, bool) {
	line = strings.TrimLeft(line, " \t")
	rest, ok := strings.CutPrefix(line, "::")
	if !ok {
		return workflowCommand{}, false
	}
	info, data, ok := strings.Cut(rest, "::")
	if !ok {
		return workflowCommand{}, false
	}
	cmd := workflowCommand{props: map[string]string{}, data: unescape(data, dataEscapes)}
	name, props, hasProps := strings.Cut(info, " ")
	cmd.name = name
	if hasProps {
		for _, p := range strings.Split(strings.TrimSpace(props), ",") {
			if p == "" {
				continue
			}
			var pair []string
			for _, s := range strings.SplitN(p, "=", 2) {
				if s != "" {
					pair = append(pair, s)
				}
			}
			if len(pair) == 2 {
				cmd.props[pair[0]] = unescape(pair[1], propertyEscapes)
			}
		}
	}
	return cmd, true
}

var (
	dataEscapes     = [][2]string{{"%0D", "\r"}, {"%0A", "\n"}, {"%25", "%"}}
	propertyEscapes = [][2]string{{"%0D", "\r"}, {"%0A", "\n"}, {"%3A", ":"}, {"%2C", ","}, {"%25", "%"}}
)

func unescape(s string, escapes [][2]string) string {
	for _, e := range escapes {
		s = strings.ReplaceAll(s, e[0], e[1])
	}
	return s
}
