package main

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestHelpExamplesAreReal parses every command's Example lines and checks
// that each names an existing command and only flags that command has, so
// the help never teaches something that fails.
func TestHelpExamplesAreReal(t *testing.T) {
	t.Parallel()
	root := newRootCmd(newTestIO(nil).env)
	var walk func(*cobra.Command)
	walk = func(cmd *cobra.Command) {
		for _, line := range strings.Split(cmd.Example, "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			words := strings.Fields(line)
			if words[0] != "liftoff" {
				t.Errorf("%s: example %q does not start with liftoff", cmd.CommandPath(), line)
				continue
			}
			found, args, err := root.Find(words[1:])
			if err != nil || found == root {
				t.Errorf("%s: example %q names no command: %v", cmd.CommandPath(), line, err)
				continue
			}
			if err := found.ParseFlags(args); err != nil {
				t.Errorf("%s: example %q: %v", cmd.CommandPath(), line, err)
			}
		}
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

func TestEveryCommandHasHelp(t *testing.T) {
	t.Parallel()
	root := newRootCmd(newTestIO(nil).env)
	for _, cmd := range root.Commands() {
		if cmd.Short == "" || strings.HasSuffix(cmd.Short, ".") {
			t.Errorf("%s: Short %q should be one line without a period", cmd.Name(), cmd.Short)
		}
		if cmd.Name() != "version" && cmd.Name() != "help" && cmd.Name() != "completion" && cmd.Example == "" {
			t.Errorf("%s has no Example", cmd.Name())
		}
	}
}
