package loadgen

import (
	"os"
	"syscall"
	"time"
	"unsafe"
)

// fineWake makes an idle process wake on time for a short sleep. The Go
// runtime waits for its next timer in epoll_wait, whose timeout counts
// whole milliseconds: when nothing else is runnable, a wait of 25µs (the
// gap between arrivals at 40,000/s) ends a millisecond or more later, and
// the arrivals due meanwhile leave late and in a burst. A timerfd in the
// runtime's poller, armed for the same moment, ends that epoll_wait when
// it is due (the kernel's timers have microsecond precision), and the
// runtime then runs the timer that is due. It is never read: its
// readiness alone wakes the poller, and arming it again resets it. When
// the process is busy, the runtime runs timers between goroutines anyway.
type fineWake struct {
	f  *os.File // keeps the timerfd registered with the runtime's poller
	fd uintptr
}

// newFineWake returns nil where a timerfd cannot be made.
func newFineWake() *fineWake {
	const clockMonotonic = 1 // the clock of the runtime's timers
	fd, _, errno := syscall.RawSyscall(syscall.SYS_TIMERFD_CREATE, clockMonotonic, syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if errno != 0 {
		return nil
	}
	f := os.NewFile(fd, "timerfd") // non-blocking: registered with the poller
	if f == nil {
		return nil
	}
	return &fineWake{f: f, fd: fd}
}

// arm makes the poller wake after d.
func (w *fineWake) arm(d time.Duration) {
	if w == nil {
		return
	}
	spec := [2]syscall.Timespec{{}, syscall.NsecToTimespec(max(int64(d), 1))} // no interval; the value
	syscall.RawSyscall6(syscall.SYS_TIMERFD_SETTIME, w.fd, 0, uintptr(unsafe.Pointer(&spec)), 0, 0, 0)
}

func (w *fineWake) close() {
	if w != nil {
		w.f.Close()
	}
}
