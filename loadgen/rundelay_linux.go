//go:build linux

package loadgen

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// processRunDelay returns how long the process's threads have waited, in
// all, on a CPU run queue: ready to run while another process had the
// CPU. Linux keeps it per thread in /proc/self/task/*/schedstat (its
// second field, in nanoseconds). A thread that has exited takes its share
// with it, so the total can shrink; callers keep the deltas that grow.
func processRunDelay() (time.Duration, bool) {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return 0, false
	}
	var total time.Duration
	read := false
	for _, t := range tasks {
		data, err := os.ReadFile("/proc/self/task/" + t.Name() + "/schedstat")
		if err != nil {
			continue // the thread exited, or the kernel keeps no schedstat
		}
		fields := strings.Fields(string(data))
		if len(fields) < 2 {
			continue
		}
		if ns, err := strconv.ParseInt(fields[1], 10, 64); err == nil {
			total += time.Duration(ns)
			read = true
		}
	}
	return total, read
}
