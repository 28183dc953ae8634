package report

import (
	"io"
	"strings"
)

// GitHub Actions reads workflow commands from a step's output, one per
// line: "::error title=T::MESSAGE" becomes an annotation on the run's page
// and, for a pull request, in its checks. WriteAnnotations writes one for
// each reason a run is not a GO, in the verdict's order:
//
//   - ::error for a failed rule that stands on what the target did, titled
//     "NO-GO: RULE", the failures outside every error_rate rule included
//     (ImplicitErrorRule);
//   - ::warning for everything else that kept the run from a GO: the
//     generator's limits ("Generator limit"), an interruption, a rule that
//     could not be judged or whose failure was the generator's (titled
//     with the verdict).
//
// A GO writes nothing: its step summary says everything.

// WriteAnnotations writes doc's verdict as GitHub Actions workflow
// commands.
func WriteAnnotations(w io.Writer, doc Document) error {
	j := doc.Judgement
	if j.Verdict == Go {
		return nil
	}
	faults := map[string]string{} // reason → rule text
	for _, f := range j.Findings {
		if !f.Passed && f.TargetFault {
			faults[faultSentence(doc.Results, f)] = f.Rule.Text
		}
	}
	if j.Smoke && j.Verdict == NoGo {
		for _, s := range smokeFailures(doc.Results) {
			faults[s] = "smoke test"
		}
	}
	limits := map[string]bool{}
	for _, r := range j.Health.Reasons {
		limits[r] = true
	}
	out := &errWriter{w: w}
	for _, reason := range j.Reasons {
		command, title := "warning", string(j.Verdict)
		if rule, ok := faults[reason]; ok {
			command, title = "error", "NO-GO: "+rule
		} else if limits[reason] {
			title = "Generator limit"
		}
		out.printf("%s\n", WorkflowCommand(command, title, reason))
	}
	return out.err
}

// WorkflowCommand formats one GitHub Actions workflow command, with a
// title property unless title is empty, escaped as the runner unescapes
// it (actions/runner, ActionCommand.cs): in the message, "%", CR and LF;
// in a property, ":" and "," too, which would otherwise end the property
// list or the property. The result is always one line.
func WorkflowCommand(command, title, message string) string {
	props := ""
	if title != "" {
		props = " title=" + propertyEscaper.Replace(title)
	}
	return "::" + command + props + "::" + dataEscaper.Replace(message)
}

// The escapers replace in one pass, so "%" becomes "%25" before any
// escape sequence is written, as the runner's order of unescaping needs.
var (
	dataEscaper     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	propertyEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)
