package main

import (
	"errors"
	"io/fs"
	"strings"

	"github.com/spf13/cobra"

	"github.com/liftoff/liftoff/scenario"
)

// argsFor checks that a command got between lo and hi arguments (hi < 0:
// no upper bound) and says in words what is missing or extra: what names
// the arguments ("a scenario file"), example is a call that works. Either
// is a usage error (exit 2).
func argsFor(lo, hi int, what, example string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		name := strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ")
		switch {
		case len(args) < lo:
			return usagef("%s needs %s, as in: %s", name, what, example)
		case hi >= 0 && len(args) > hi:
			return usagef("%s takes %s, and got %d arguments: %s", name, what, len(args), strings.Join(args, " "))
		}
		return nil
	}
}

// inputError makes a file named on the command line that cannot be read
// (it does not exist, it is a directory, it may not be read) a usage
// error, exit 2, said in words: the caller named it. Other errors pass
// through.
func inputError(what, file string, err error) error {
	var pe *fs.PathError
	if scenario.Problems(err) == nil && errors.As(err, &pe) {
		return usagef("cannot read %s %s: %v", what, file, pe.Err)
	}
	return err
}
