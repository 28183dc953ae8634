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
	over  overrideOptions
}

func newValidateCmd(e *env, runF func(*validateOptions) error) *cobra.Command {
	opts := &validateOptions{env: e}
	cmd := &cobra.Command{
		Use:   "validate SCENARIO...",
		Short: "Check scenario files and report every problem with its line",
		Long: `validate reads each scenario file and reports every problem it finds, one
per line as FILE:LINE:COLUMN: KEY: PROBLEM (HINT). It sends no traffic.
It exits 0 when every file is valid and 2 otherwise.

Since it sends nothing, a ${VAR} used only in values requests send (header
values, query and form values, bodies), such as the credentials an imported
recording refers to, may be unset: validate prints one warning per such
variable. run refuses to start until every variable is set.

--target, -e, --load-factor, --window and --duration change the scenario
as they do for run; a bad value is reported against its flag.`,
		Example: `  liftoff validate examples/quickstart.yaml
  liftoff validate examples/quickstart.yaml --target https://staging.shop.example.com --load-factor 2x`,
		Args: argsFor(1, -1, "one or more scenario files", "liftoff validate launch.yaml"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.files = args
			if runF != nil {
				return runF(opts)
			}
			return validateRun(opts)
		},
	}
	addOverrideFlags(cmd, &opts.over, false)
	return cmd
}

func validateRun(opts *validateOptions) error {
	over, err := opts.over.overrides(nil)
	if err != nil {
		return err
	}
	var all []error
	for _, file := range opts.files {
		sc, err := loadScenario(opts.env, file, true, over)
		if err != nil {
			if scenario.Problems(err) == nil {
				return err
			}
			all = append(all, err)
			continue
		}
		fmt.Fprintf(opts.env.Out, "%s: ok · %s\n", file, describeScenario(sc))
	}
	return errors.Join(all...)
}

// loadScenario reads a scenario with the process environment and checks
// what only cmd can check: the simulated shop's parameters. A dry run
// (validate, plan: nothing is sent) goes on without the variables that
// only requests use, with a warning for each; run needs every one.
func loadScenario(e *env, file string, dryRun bool, over scenario.Overrides) (*scenario.Scenario, error) {
	sc, err := scenario.Load(file, scenario.Options{Getenv: e.Getenv, DryRun: dryRun, Overrides: over})
	if err != nil {
		return nil, inputError("scenario", file, err)
	}
	for _, w := range sc.Warnings {
		fmt.Fprintf(e.Err, "warning: %s\n", w)
	}
	if sc.Target.IsSim() {
		if _, err := simConfig(sc); err != nil {
			return nil, err
		}
	}
	return sc, nil
}

func describeScenario(sc *scenario.Scenario) string {
	return fmt.Sprintf("%q · %d journey%s · %s", sc.Name, len(sc.Journeys), plural(len(sc.Journeys)), report.PlanLine(sc))
}
