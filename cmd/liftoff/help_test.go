package main

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestExamplesNameRealCommandsAndFlags parses every Example line of every
// command: each must name an existing command, with flags it has and the
// number of arguments it takes.
func TestExamplesNameRealCommandsAndFlags(t *testing.T) {
	t.Parallel()
	e, _, _ := testEnv()
	root := newRootCmd(e)
	var all []*cobra.Command
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		all = append(all, c)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	for _, c := range all {
		for _, line := range strings.Split(c.Example, "\n") {
			fields := strings.Fields(line)
			if len(fields) == 0 {
				continue
			}
			if fields[0] != "liftoff" {
				t.Errorf("%s: example %q does not start with liftoff", c.Name(), line)
				continue
			}
			// A fresh tree per line: parsing flags sets them.
			fresh := newRootCmd(e)
			cmd, rest, err := fresh.Find(fields[1:])
			if err != nil || cmd == fresh {
				t.Errorf("%s: example %q names no command: %v", c.Name(), line, err)
				continue
			}
			if err := cmd.ParseFlags(rest); err != nil {
				t.Errorf("%s: example %q: %v", c.Name(), line, err)
				continue
			}
			if cmd.Args != nil {
				if err := cmd.Args(cmd, cmd.Flags().Args()); err != nil {
					t.Errorf("%s: example %q: %v", c.Name(), line, err)
				}
			}
		}
	}
}
