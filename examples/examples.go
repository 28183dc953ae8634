// Package examples holds liftoff's runnable example scenarios and their
// data files. They are embedded so `liftoff demo` runs the quickstart with
// no files on disk; examples_test.go validates every one of them, so none
// can rot.
package examples

import "embed"

// FS holds every example scenario and data file.
//
//go:embed *.yaml data/*.csv
var FS embed.FS

// Quickstart is the file name of the scenario `liftoff demo` runs.
const Quickstart = "quickstart.yaml"
