package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/liftoff/liftoff/scenario"
)

// execute runs the command line args and returns the exit code. Errors are
// printed here, once.
func execute(ctx context.Context, args []string, e *env) int {
	root := newRootCmd(e)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil && strings.HasPrefix(err.Error(), "unknown command ") {
		// cobra reports a mistyped command as a plain error; it is a usage
		// mistake (exit 2), like a mistyped flag.
		err = &usageError{err: err}
	}
	printError(e, root, err)
	return exitCode(err)
}

func newRootCmd(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "liftoff",
		Short: "Launch-readiness load testing: will the site hold the campaign's traffic?",
		Long: `liftoff turns a campaign's expected traffic into a load test, drives the
target with exactly that traffic, and gives a verdict: GO, NO-GO or
INCONCLUSIVE (the test itself was not trustworthy).

Exit codes: 0 GO, 1 NO-GO, 2 scenario or usage error, 3 INCONCLUSIVE,
4 runtime failure, 130 interrupted.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       versionLine(),
	}
	// --version prints exactly what the version command prints.
	root.SetVersionTemplate("liftoff {{.Version}}\n")
	root.SetOut(e.Out)
	root.SetErr(e.Err)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err: err} })
	root.AddCommand(
		newRunCmd(e, nil),
		newDemoCmd(e, nil),
		newProbeCmd(e, nil),
		newValidateCmd(e, nil),
		newPlanCmd(e, nil),
		newReportCmd(e, nil),
		newMergeCmd(e, nil),
		newCompareCmd(e, nil),
		newImportCmd(e, nil),
		newInitCmd(e, nil),
		newVersionCmd(e),
	)
	addCompletions(root)
	return root
}

// printError writes err for people: every scenario problem on its own
// line, the usage hint for usage errors, nothing for a verdict or a
// regression (the report said it already).
func printError(e *env, root *cobra.Command, err error) {
	if err == nil {
		return
	}
	var ve *verdictError
	var re *regressionError
	if errors.As(err, &ve) || errors.As(err, &re) || errors.Is(err, interruptedError{}) {
		return
	}
	if problems := scenario.Problems(err); problems != nil {
		for _, p := range problems {
			fmt.Fprintln(e.Err, p)
		}
		n := len(problems)
		fmt.Fprintf(e.Err, "%d problem%s found\n", n, plural(n))
		return
	}
	fmt.Fprintf(e.Err, "liftoff: %v\n", err)
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintln(e.Err, "run 'liftoff --help' for usage")
	}
}

// usageArgs makes a cobra argument check's failure a usage error, so a
// missing argument exits 2 and shows the usage hint.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return &usageError{err: err}
		}
		return nil
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
