package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"
)

// env is everything a command may use from the process: streams, whether
// stderr is a terminal, and the environment. It is the only place this
// program touches os; tests build one from buffers.
type env struct {
	In         io.Reader
	Out        io.Writer // results: tables, plans
	Err        io.Writer // progress, messages, errors
	IsTerminal bool      // Err is an interactive terminal
	Getenv     func(name string) (string, bool)
}

func osEnv() *env {
	interactive := term.IsTerminal(int(os.Stderr.Fd())) && os.Getenv("TERM") != "dumb" && os.Getenv("CI") == ""
	return &env{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, IsTerminal: interactive, Getenv: os.LookupEnv}
}

// mainContext is cancelled by the first Ctrl-C or SIGTERM. The second one
// kills the process at once: after the first, default signal handling is
// restored.
func mainContext() context.Context {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
		fmt.Fprintln(os.Stderr, "\ninterrupted: no new visitors; letting visitors in flight finish (Ctrl-C again to quit at once)")
	}()
	return ctx
}
