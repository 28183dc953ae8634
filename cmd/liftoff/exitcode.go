package main

import (
	"errors"
	"fmt"

	"github.com/liftoff/liftoff/report"
	"github.com/liftoff/liftoff/scenario"
)

// Exit codes, as DESIGN.md defines them.
const (
	exitGo           = 0
	exitNoGo         = 1 // also: compare found a regression
	exitUsage        = 2 // a scenario or usage error
	exitInconclusive = 3
	exitRuntime      = 4 // an output could not be written, the target could not start
	exitInterrupted  = 130
)

// usageError is a mistake in how the command was called; only it prints
// the usage text.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...)}
}

// verdictError carries a run's verdict to the exit code. Its message has
// already been shown with the report, so execute prints nothing for it.
type verdictError struct{ verdict report.Verdict }

func (e *verdictError) Error() string { return "verdict " + string(e.verdict) }

// interruptedError marks a run stopped by Ctrl-C; its partial results have
// been printed and written.
type interruptedError struct{}

func (interruptedError) Error() string { return "interrupted" }

// exitCode maps an error returned by a command to the process exit code.
func exitCode(err error) int {
	var ue *usageError
	var ve *verdictError
	var re *regressionError
	switch {
	case err == nil:
		return exitGo
	case errors.As(err, &ue), scenario.Problems(err) != nil:
		return exitUsage
	case errors.As(err, &ve):
		if ve.verdict == report.NoGo {
			return exitNoGo
		}
		if ve.verdict == report.Inconclusive {
			return exitInconclusive
		}
		return exitGo
	case errors.Is(err, interruptedError{}):
		return exitInterrupted
	case errors.As(err, &re):
		return exitNoGo
	}
	return exitRuntime
}
