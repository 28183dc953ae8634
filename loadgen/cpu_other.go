//go:build !unix

package loadgen

import "time"

// processCPU cannot tell the process's CPU time on this platform; the
// reports then leave the CPU signal out.
func processCPU() (time.Duration, bool) { return 0, false }
