package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestMain lets a test run liftoff as its own process (liftoffProcess):
// signals and a closed standard output need a real one.
func TestMain(m *testing.M) {
	if os.Getenv("LIFTOFF_TEST_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// liftoffProcess is liftoff run as a process: this test binary, which
// runs main when LIFTOFF_TEST_MAIN is set.
func liftoffProcess(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "LIFTOFF_TEST_MAIN=1")
	return cmd
}

// TestInterruptOutsideARun interrupts validate and plan while they wait
// for their file (a FIFO nobody writes): they exit 130 at once, without
// the run's message about visitors in flight.
func TestInterruptOutsideARun(t *testing.T) {
	t.Parallel()
	for _, command := range []string{"validate", "plan"} {
		fifo := filepath.Join(t.TempDir(), "scenario.yaml")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Skip("no FIFOs here:", err)
		}
		cmd := liftoffProcess(command, fifo)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Opening the FIFO for writing succeeds once liftoff has opened it
		// to read, so its signal handling is in place; it then waits for
		// data that never comes.
		var w *os.File
		for w == nil {
			f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0)
			if err == nil {
				w = f
			} else if !errors.Is(err, syscall.ENXIO) {
				t.Fatal(err)
			}
		}
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
		err := cmd.Wait()
		w.Close()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != exitInterrupted {
			t.Errorf("%s: %v, want exit %d", command, err, exitInterrupted)
		}
		if strings.Contains(stderr.String(), "visitors in flight") {
			t.Errorf("%s printed the run's message:\n%s", command, &stderr)
		}
	}
}

// TestBrokenStandardOutput runs report with standard output a closed pipe
// and a full device: the process is not killed (SIGPIPE), the results
// file is written, and it exits 4.
func TestBrokenStandardOutput(t *testing.T) {
	t.Parallel()
	outputs := map[string]func() (*os.File, error){
		"closed pipe": func() (*os.File, error) {
			r, w, err := os.Pipe()
			if err == nil {
				r.Close()
			}
			return w, err
		},
		"full device": func() (*os.File, error) { return os.OpenFile("/dev/full", os.O_WRONLY, 0) },
	}
	for name, open := range outputs {
		stdout, err := open()
		if err != nil {
			t.Skip(name, err)
		}
		out := filepath.Join(t.TempDir(), "r.json")
		cmd := liftoffProcess("report", fixture("go"), "--json", out)
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = stdout, &stderr
		err = cmd.Run()
		stdout.Close()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != exitRuntime {
			t.Errorf("%s: %v, want exit %d\n%s", name, err, exitRuntime, &stderr)
		}
		if !strings.Contains(stderr.String(), "write the report to standard output") {
			t.Errorf("%s: stderr does not say what failed:\n%s", name, &stderr)
		}
		if _, err := os.Stat(out); err != nil {
			t.Errorf("%s: the results file was not written: %v", name, err)
		}
	}
}
