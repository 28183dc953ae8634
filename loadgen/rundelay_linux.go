//go:build linux

package loadgen

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
	"time"
)

// processRunDelay returns how long the process's threads have waited, in
// all, on a CPU run queue: ready to run while another process had the
// CPU. Linux keeps it per thread in /proc/self/task/*/schedstat (its
// second field, in nanoseconds). A thread that has exited takes its share
// with it, so the total can shrink; callers keep the deltas that grow.
//
// Each file is read with plain system calls into one small buffer: os's
// files register with the poller and stat the file first, which made
// this read a visible part of a one-request run's start-up.
func processRunDelay() (time.Duration, bool) {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return 0, false
	}
	var total time.Duration
	read := false
	var buf [128]byte
	for _, t := range tasks {
		fd, err := syscall.Open("/proc/self/task/"+t.Name()+"/schedstat", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != nil {
			continue // the thread exited, or the kernel keeps no schedstat
		}
		n, err := syscall.Read(fd, buf[:])
		syscall.Close(fd)
		if err != nil || n <= 0 {
			continue
		}
		if ns, ok := schedstatRunDelay(buf[:n]); ok {
			total += time.Duration(ns)
			read = true
		}
	}
	return total, read
}

// schedstatRunDelay parses a schedstat line ("on-CPU-ns wait-ns
// timeslices") for its second field, the run-queue wait in nanoseconds.
func schedstatRunDelay(line []byte) (int64, bool) {
	fields := bytes.Fields(line)
	if len(fields) < 2 {
		return 0, false
	}
	ns, err := strconv.ParseInt(string(fields[1]), 10, 64)
	return ns, err == nil
}
