// Package scenario owns liftoff's scenario format: it reads one YAML file,
// reports every mistake with file, line and a hint, and produces a validated
// Scenario whose Plan says what traffic to send over time.
//
// It does no I/O beyond reading its input (the scenario file and the data
// files it names) and knows nothing about HTTP execution; loadgen, report and
// cmd consume its plain data types. Load reads a file; Parse reads any
// io.Reader, so tests and fuzzers need no files. The template language is
// the format's too: TemplateFuncs is the one list of the functions a
// template may call, which the load-time check knows and loadgen runs.
//
// The campaign traffic model lives here too: traffic.campaign's marketing
// numbers become an expected visitor-rate curve (campaign.go, one formula
// per shape; replay.go for CSV exports), and traffic.window and
// traffic.load_factor turn it into the Plan a test sends (window.go).
// Every operation on the rate curve (interpolation, the cumulative Λ and
// its inverse, scaling, compressing, slicing) lives with Plan in plan.go.
//
// Record (record.go) is the scenario as a results file records it, secrets
// removed; report decodes its plans and rules back from it once, and
// Seconds (units.go) turns its float seconds into Durations, rounded.
//
// Its sub-package har writes the format: it turns a browser recording
// (HAR) into a scenario's YAML, credentials replaced by ${VAR} references,
// and checks the result with Parse. It uses scenario's rules for what a
// step may hold (ValidMethod, ValidHeaderName, SensitiveHeader,
// FormatDuration); scenario knows nothing of it.
package scenario
