package main

import (
	"github.com/spf13/cobra"

	"github.com/liftoff/liftoff/report"
)

type planOptions struct {
	env  *env
	file string
	json bool
	over overrideOptions
}

func newPlanCmd(e *env, runF func(*planOptions) error) *cobra.Command {
	opts := &planOptions{env: e}
	cmd := &cobra.Command{
		Use:   "plan SCENARIO",
		Short: "Show the traffic a scenario expects and what its test will send, without sending anything",
		Long: `plan reads a scenario and shows, before anyone spends a minute on a test,
what its traffic adds up to: the expected visitors, the peak visitor rate and
when it comes, the request rate at the peak, what traffic.window and
traffic.load_factor make of it (what the test sends, for how long), a chart
of the expected traffic next to the tested, and the phases of the test.

Arrivals are visitors: each visitor runs one journey, so the request rate is
the visitor rate times the journeys' steps per visitor, averaged by weight.

--json prints the same numbers for scripts, with the curves.

--target, -e, --load-factor, --window and --duration change the scenario
as they do for run, so plan shows the plan that run with the same flags
sends.`,
		Example: `  liftoff plan examples/email-blast.yaml
  liftoff plan examples/tv-spot.yaml --json
  liftoff plan examples/email-blast.yaml --load-factor 3x --duration 10m`,
		Args: argsFor(1, 1, "a scenario file", "liftoff plan launch.yaml"),
		RunE: func(_ *cobra.Command, args []string) error {
			opts.file = args[0]
			if runF != nil {
				return runF(opts)
			}
			return planRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, "print the plan as JSON on stdout instead of text")
	addOverrideFlags(cmd, &opts.over, false)
	return cmd
}

func planRun(opts *planOptions) error {
	over, err := opts.over.overrides(nil)
	if err != nil {
		return err
	}
	sc, err := loadScenario(opts.env, opts.file, true, over)
	if err != nil {
		return err
	}
	if opts.json {
		return report.WritePlanJSON(opts.env.Out, sc)
	}
	return report.WritePlan(opts.env.Out, sc)
}
