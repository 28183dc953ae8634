//go:build !linux

package loadgen

import "time"

// fineWake is a no-op where the runtime's poller cannot be woken on time
// (see finewake_linux.go).
type fineWake struct{}

func newFineWake() *fineWake          { return nil }
func (w *fineWake) arm(time.Duration) {}
func (w *fineWake) close()            {}
