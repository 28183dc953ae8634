package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync/atomic"
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
	// Hostname names the machine, recorded in the results file of a
	// segment; nil when unknown.
	Hostname func() (string, error)
	// Interrupts is what the first Ctrl-C does; nil in tests that send
	// none.
	Interrupts *interrupts
}

func osEnv() *env {
	interactive := term.IsTerminal(int(os.Stderr.Fd())) && os.Getenv("TERM") != "dumb" && os.Getenv("CI") == ""
	// A closed pipe on standard output makes writes fail instead of
	// killing the process, so the output files are written all the same.
	signal.Ignore(syscall.SIGPIPE)
	return &env{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, IsTerminal: interactive, Getenv: os.LookupEnv, Hostname: os.Hostname,
		Interrupts: &interrupts{err: os.Stderr, exit: os.Exit}}
}

// hostname is the machine's name, or "" when unknown.
func (e *env) hostname() string {
	if e.Hostname == nil {
		return ""
	}
	name, err := e.Hostname()
	if err != nil {
		return ""
	}
	return name
}

// interrupts decides what the first Ctrl-C or SIGTERM does. A run has
// something to finish: it stops its arrivals, lets visitors in flight
// finish within --grace and writes what it measured; it says so once
// running (graceful). Any other command (validate, plan, report…) has
// nothing to save and exits 130 at once, even while it waits on a file.
// The second signal kills the process in both cases: after the first,
// default signal handling is restored.
type interrupts struct {
	graceful atomic.Bool
	err      io.Writer
	exit     func(code int)
}

// runGracefully makes the next interrupt stop the run gracefully.
func (i *interrupts) runGracefully() {
	if i != nil {
		i.graceful.Store(true)
	}
}

// mainContext is cancelled by the first Ctrl-C or SIGTERM of a graceful
// run; otherwise that signal ends the process (see interrupts).
func (i *interrupts) mainContext() context.Context {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
		if !i.graceful.Load() {
			i.exit(exitInterrupted)
			return
		}
		fmt.Fprintln(i.err, "\ninterrupted: no new visitors; letting visitors in flight finish (Ctrl-C again to quit at once)")
	}()
	return ctx
}
