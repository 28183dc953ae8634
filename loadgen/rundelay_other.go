//go:build !linux

package loadgen

import "time"

// processRunDelay cannot tell the process's run-queue wait on this
// platform; the report then allows for the delay probe's whole period.
func processRunDelay() (time.Duration, bool) { return 0, false }
