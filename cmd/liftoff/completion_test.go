package main

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestCompletion asks the command line for completions as a shell's
// script does, through cobra's hidden __complete command, and checks what
// Tab would offer: the last line is cobra's directive (8: only files with
// the listed extensions, 4: no files).
func TestCompletion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"run", ""}, []string{"yaml", "yml", ":8"}},
		{[]string{"run", "launch.yaml", ""}, []string{":4"}},
		{[]string{"plan", ""}, []string{"yaml", "yml", ":8"}},
		{[]string{"validate", "a.yaml", "b.yml", ""}, []string{"yaml", "yml", ":8"}},
		{[]string{"report", ""}, []string{"json", ":8"}},
		{[]string{"compare", "baseline.json", ""}, []string{"json", ":8"}},
		{[]string{"compare", "baseline.json", "current.json", ""}, []string{":4"}},
		{[]string{"import", "har", ""}, []string{"har", ":8"}},
		{[]string{"run", "launch.yaml", "--progress", ""}, []string{"auto", "bars", "plain", "none", ":4"}},
		{[]string{"run", "--seed", "7", "launch.yaml", "--progress", "pl"}, []string{"auto", "bars", "plain", "none", ":4"}}, // the shell filters by prefix
		{[]string{"demo", "--progress", ""}, []string{"auto", "bars", "plain", "none", ":4"}},
		{[]string{"init", ""}, []string{"yaml", "yml", ":8"}},
		{[]string{"run", "launch.yaml", "--out", ""}, []string{"otlp=", "jsonl=", ":6"}}, // 6: no space, no files
		{[]string{"plan", "launch.yaml", "--window", ""}, []string{"full", "peak", "compressed", ":4"}},
		{[]string{"init", "launch.yaml", "--shape", ""}, []string{"email-blast", "tv-spot", "social-viral", "product-launch", "flash-sale", "steady", "custom", ":4"}},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			tio := newTestIO(nil)
			code := tio.liftoff(t.Context(), append([]string{cobra.ShellCompRequestCmd}, tc.args...)...)
			if code != exitGo {
				t.Fatalf("exit code %d\n%s", code, tio.err)
			}
			got := strings.Split(strings.TrimSuffix(tio.out.String(), "\n"), "\n")
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("completions %q, want %q", got, tc.want)
			}
		})
	}
}

// TestEveryCommandCompletesItsArguments keeps argFiles complete: every
// command that takes arguments says what they are.
func TestEveryCommandCompletesItsArguments(t *testing.T) {
	t.Parallel()
	root := newRootCmd(newTestIO(nil).env)
	var walk func(*cobra.Command)
	walk = func(cmd *cobra.Command) {
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
		if cmd == root || !cmd.Runnable() || cmd.HasSubCommands() || cmd.Name() == "help" || cmd.Name() == "completion" {
			return
		}
		takesArgs := cmd.Args == nil || cmd.Args(cmd, []string{"x"}) == nil
		if takesArgs && cmd.ValidArgsFunction == nil {
			t.Errorf("%s takes arguments but completes none; add it to argFiles", cmd.CommandPath())
		}
	}
	walk(root)
}
