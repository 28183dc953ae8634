package loadgen

import (
	"encoding/binary"
	"testing"
	"time"
)

// TestFineWakeFires arms a fineWake and reads its timerfd: the kernel
// counts one expiry, so the runtime's poller, which watches the same
// descriptor, is woken by it; arming it again starts a new count.
func TestFineWakeFires(t *testing.T) {
	w := newFineWake()
	if w == nil {
		t.Fatal("no timerfd")
	}
	defer w.close()
	for range 2 {
		w.arm(100 * time.Microsecond)
		w.f.SetReadDeadline(time.Now().Add(10 * time.Second))
		var buf [8]byte
		if _, err := w.f.Read(buf[:]); err != nil {
			t.Fatalf("the armed timerfd never fired: %v", err)
		}
		if n := binary.NativeEndian.Uint64(buf[:]); n != 1 {
			t.Errorf("%d expiries, want 1", n)
		}
	}
}
