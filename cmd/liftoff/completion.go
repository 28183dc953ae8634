package main

import (
	"strings"

	"github.com/spf13/cobra"
)

// Shell completion: cobra's completion command writes the script for each
// shell; what follows tells it what each argument and flag takes, so Tab
// offers scenario files where a scenario goes, the --progress modes, the
// --out kinds and the windows.

// fileArgs is what a command's arguments are: files ending in exts, at
// most max of them (-1: any number).
type fileArgs struct {
	max  int
	exts []string
}

var (
	scenarioFiles  = []string{"yaml", "yml"}
	resultsFiles   = []string{"json"}
	recordingFiles = []string{"har"}
)

// argFiles lists every command that takes files, by its path below the
// root. TestEveryCommandCompletesItsArguments keeps it complete.
var argFiles = map[string]fileArgs{
	"run":        {1, scenarioFiles},
	"probe":      {1, scenarioFiles},
	"plan":       {1, scenarioFiles},
	"validate":   {-1, scenarioFiles},
	"report":     {1, resultsFiles},
	"compare":    {2, resultsFiles},
	"merge":      {-1, resultsFiles},
	"import har": {1, recordingFiles},
	"init":       {1, scenarioFiles}, // the file to write
}

// addCompletions walks the command tree and registers what its arguments
// and flags complete to.
func addCompletions(cmd *cobra.Command) {
	path := strings.TrimPrefix(strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()), " ")
	if files, ok := argFiles[path]; ok {
		cmd.ValidArgsFunction = completeFiles(files)
	}
	if cmd.Flags().Lookup("progress") != nil {
		// It fails only for a flag that does not exist or is registered
		// already, and this walk visits each command once.
		_ = cmd.RegisterFlagCompletionFunc("progress", cobra.FixedCompletions(progressModes, cobra.ShellCompDirectiveNoFileComp))
	}
	if cmd.Flags().Lookup("out") != nil {
		_ = cmd.RegisterFlagCompletionFunc("out", cobra.FixedCompletions([]string{streamOTLP + "=", streamJSONL + "="}, cobra.ShellCompDirectiveNoSpace|cobra.ShellCompDirectiveNoFileComp))
	}
	if cmd.Flags().Lookup("window") != nil {
		_ = cmd.RegisterFlagCompletionFunc("window", cobra.FixedCompletions([]string{"full", "peak", "compressed"}, cobra.ShellCompDirectiveNoFileComp))
	}
	if cmd.Flags().Lookup("shape") != nil {
		_ = cmd.RegisterFlagCompletionFunc("shape", cobra.FixedCompletions(shapeNames(), cobra.ShellCompDirectiveNoFileComp))
	}
	for _, sub := range cmd.Commands() {
		addCompletions(sub)
	}
}

var progressModes = []string{progressAuto, progressBars, progressPlain, progressNone}

// completeFiles offers the files a command takes, until it has all of
// them.
func completeFiles(files fileArgs) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if files.max >= 0 && len(args) >= files.max {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return files.exts, cobra.ShellCompDirectiveFilterFileExt
	}
}
