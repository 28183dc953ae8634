package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/liftoff/liftoff/report"
	"github.com/liftoff/liftoff/scenario"
)

type validateOptions struct {
	env   *env
	files []string
}

func newValidateCmd(e *env, runF func(*validateOptions) error) *cobra.Command {
	opts := &validateOptions{env: e}
	return &cobra.Command{
		Use:   "validate SCENARIO...",
		Short: "Check scenario files and report every problem with its line",
		Long: `validate reads each scenario file and reports every problem it finds, one
per line as FILE:LINE:COLUMN: KEY: PROBLEM (HINT). It sends no traffic.
It exits 0 when every file is valid and 2 otherwise.`,
		Example: `  liftoff validate examples/quickstart.yaml`,
		Args:    usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.files = args
			if runF != nil {
				return runF(opts)
			}
			return validateRun(opts)
		},
	}
}

func validateRun(opts *validateOptions) error {
	var all []error
	for _, file := range opts.files {
		sc, err := loadScenario(opts.env, file)
		if err != nil {
			if scenario.Problems(err) == nil {
				return err
			}
			all = append(all, err)
			continue
		}
		fmt.Fprintf(opts.env.Out, "%s: ok · %s\n", file, describeScenario(sc))
		printWarnings(opts.env, sc)
	}
	return errors.Join(all...)
}

// loadScenario reads a scenario with the process environment and checks
// what only cmd can check: the simulated shop's parameters.
func loadScenario(e *env, file string) (*scenario.Scenario, error) {
	sc, err := scenario.Load(file, scenario.Options{Getenv: e.Getenv})
	if err != nil {
		return nil, err
	}
	if sc.Target.IsSim() {
		if _, err := simConfig(sc); err != nil {
			return nil, err
		}
	}
	return sc, nil
}

// printWarnings shows what a valid scenario does that its author may not
// expect.
func printWarnings(e *env, sc *scenario.Scenario) {
	for _, w := range sc.Warnings {
		fmt.Fprintf(e.Err, "warning: %s\n", w)
	}
}

func describeScenario(sc *scenario.Scenario) string {
	return fmt.Sprintf("%q · %d journey%s · %s", sc.Name, len(sc.Journeys), plural(len(sc.Journeys)), report.PlanLine(sc))
}
