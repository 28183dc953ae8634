package main

import (
	"errors"
	"fmt"
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
	e := newTestIO(nil).env
	var walk func(*cobra.Command)
	walk = func(cmd *cobra.Command) {
		for _, line := range strings.Split(cmd.Example, "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			if err := commandLineProblem(e, strings.Fields(line)); err != nil {
				t.Errorf("%s: example %q: %v", cmd.CommandPath(), line, err)
			}
		}
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// commandLineProblem says what is wrong with a liftoff command line (its
// words, "liftoff" first): a command that does not exist, a flag the
// command does not have, or arguments it does not take; nil if nothing.
func commandLineProblem(e *env, words []string) error {
	if len(words) == 0 || words[0] != "liftoff" {
		return errors.New("does not start with liftoff")
	}
	// A fresh tree per line: parsing flags sets them.
	fresh := newRootCmd(e)
	found, args, err := fresh.Find(words[1:])
	if err != nil || found == fresh {
		return fmt.Errorf("names no command: %v", err)
	}
	if err := found.ParseFlags(args); err != nil {
		return err
	}
	if found.Args != nil {
		return found.Args(found, found.Flags().Args())
	}
	return nil
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
