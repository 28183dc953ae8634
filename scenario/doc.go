// Package scenario owns liftoff's scenario format: it reads one YAML file,
// reports every mistake with file, line and a hint, and produces a validated
// Scenario whose Plan says what traffic to send over time.
//
// It does no I/O beyond reading its input (the scenario file and the data
// files it names) and knows nothing about HTTP execution; loadgen, report and
// cmd consume its plain data types. Load reads a file; Parse reads any
// io.Reader, so tests and fuzzers need no files.
package scenario
