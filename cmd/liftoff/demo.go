package main

import (
	"bytes"

	"github.com/spf13/cobra"

	"github.com/liftoff/liftoff/examples"
	"github.com/liftoff/liftoff/scenario"
)

func newDemoCmd(e *env, runF func(*runOptions) error) *cobra.Command {
	opts := &runOptions{env: e}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the quickstart scenario against the built-in simulated shop",
		Long: `demo runs examples/quickstart.yaml, a half-minute product launch, against
the simulated shop that liftoff starts on 127.0.0.1. It needs no setup and
no network, and shows what a run looks like: live progress, the SLO table,
latency per journey and step, and the verdict.`,
		Example: `  liftoff demo
  liftoff demo --json demo.json
  liftoff demo --html demo.html --markdown demo.md`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.file = "examples/" + examples.Quickstart
			opts.seedSet = cmd.Flags().Changed("seed")
			opts.load = func() (*scenario.Scenario, error) {
				over, err := opts.overrides()
				if err != nil {
					return nil, err
				}
				return loadDemo(e, over)
			}
			if runF != nil {
				return runF(opts)
			}
			return runRun(cmd.Context(), opts)
		},
	}
	addRunFlags(cmd, opts)
	return cmd
}

// loadDemo reads the quickstart scenario embedded in the binary.
func loadDemo(e *env, over scenario.Overrides) (*scenario.Scenario, error) {
	src, err := examples.FS.ReadFile(examples.Quickstart)
	if err != nil {
		return nil, err
	}
	sub := examples.FS
	return scenario.Parse(bytes.NewReader(src), "examples/"+examples.Quickstart, scenario.Options{Getenv: e.Getenv, FS: sub, Overrides: over})
}
