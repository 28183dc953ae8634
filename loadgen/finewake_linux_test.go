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

// TestSleeperArmsOncePerSlack waits again and again for moments 25µs
// apart, as the scheduler does at 40,000 arrivals/s: each wait ends at or
// after its moment, the fineWake is never armed for a moment before the
// wait's end, and it is armed about once per fineSlack, not once per wait
// (a system call each).
func TestSleeperArmsOncePerSlack(t *testing.T) {
	s := sleeper{fine: newFineWake()}
	if s.fine == nil {
		t.Fatal("no timerfd")
	}
	defer s.stop()
	const waits = 400
	start := time.Now()
	next, armed, arms := start, time.Time{}, 0
	for range waits {
		next = next.Add(25 * time.Microsecond)
		if !s.until(next, nil) {
			t.Fatal("a wait without a done channel was stopped")
		}
		if now := time.Now(); now.Before(next) {
			t.Fatalf("a wait ended %v before its moment", next.Sub(now))
		}
		if s.armed != armed {
			arms++
			if armed = s.armed; armed.Before(next) {
				t.Fatalf("the fineWake was armed for %v before the wait's moment", next.Sub(armed))
			}
		}
	}
	if limit := int(time.Since(start)/fineSlack) + 2; arms > limit || arms == 0 {
		t.Errorf("%d waits armed the fineWake %d times, want 1 to %d (one per fineSlack)", waits, arms, limit)
	}
}
