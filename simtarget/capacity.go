package simtarget

import (
	"math"
	"math/rand/v2"
	"net/http"
	"time"
)

// draw returns the service time of the seq-th request to reach the
// capacity model and whether it gets an injected 500. Each request has its
// own generator seeded by (Seed, seq), so the draws need no lock and the
// n-th request gets the same draw in every run with the same seed, however
// the requests interleave. c must have its defaults applied.
func (c Config) draw(seq uint64) (service time.Duration, inject bool) {
	r := rand.New(rand.NewPCG(c.Seed, seq))
	// Both draws always happen, so a change of Spread does not change
	// which requests fail.
	z, u := r.NormFloat64(), r.Float64()
	factor := 1.0
	if c.Spread > 0 {
		factor = min(max(math.Exp(c.Spread*z), 0.1), 20)
	}
	return time.Duration(float64(c.Service) * factor), u < c.ErrorRate
}

// thaw returns t itself when the shop is not frozen at t, and otherwise the
// end of the freeze that holds t. Times are offsets from Start; freezes are
// [k·every, k·every+length) for k ≥ 1, so the shop starts responsive.
func thaw(t, every, length time.Duration) time.Duration {
	if every <= 0 || length <= 0 || t < every {
		return t
	}
	k := t / every
	if t-k*every < length {
		return k*every + length
	}
	return t
}

// serviceEnd returns when a request that got its worker at offset start
// and needs service time d leaves service. A request that gets its worker
// during a freeze starts after it; a request whose service would end during
// a freeze ends when the freeze does. Service that spans a whole freeze is
// not lengthened: the model is "nothing finishes during a freeze", not
// "everything pauses".
func (c Config) serviceEnd(start, d time.Duration) time.Duration {
	begin := thaw(start, c.StallEvery, c.StallFor)
	return thaw(begin+d, c.StallEvery, c.StallFor)
}

// shape runs r through the capacity model: take one of the shop's slots or
// be rejected, wait for a worker, hold it for the service time, and maybe
// fail. It reports whether the shop should now answer r; when it returns
// false, r has been answered (503, 500) or abandoned by its client.
func (s *Server) shape(w http.ResponseWriter, r *http.Request) bool {
	st := &s.stats
	st.requests.Add(1)
	d, inject := s.cfg.draw(s.seq.Add(1))

	if st.admitted.Add(1) > s.cfg.slots() {
		st.admitted.Add(-1)
		st.rejected.Add(1)
		w.Header().Set("Retry-After", "1")
		writePage(w, http.StatusServiceUnavailable, "The shop is too busy to take your request. Please try again in a moment.")
		return false
	}
	defer st.admitted.Add(-1)

	if !s.acquireWorker(r) {
		st.canceled.Add(1)
		return false
	}
	defer func() { <-s.workers }()
	st.busy.Add(1)
	defer st.busy.Add(-1)

	now := time.Since(s.started)
	timer := time.NewTimer(s.cfg.serviceEnd(now, d) - now)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-r.Context().Done():
		st.canceled.Add(1)
		return false
	}

	st.served.Add(1)
	if inject {
		st.injected.Add(1)
		writePage(w, http.StatusInternalServerError, "Something went wrong on our side. Please try again.")
		return false
	}
	return true
}

// acquireWorker takes a worker, waiting in the queue if all are busy. It
// reports false if r's client went away (or the server closed) first.
// Blocked senders on a channel are woken in arrival order, so the queue is
// first come, first served.
func (s *Server) acquireWorker(r *http.Request) bool {
	select {
	case s.workers <- struct{}{}:
		return true
	default:
	}
	st := &s.stats
	st.noteWaiting(st.waiting.Add(1))
	defer st.waiting.Add(-1)
	select {
	case s.workers <- struct{}{}:
		return true
	case <-r.Context().Done():
		return false
	}
}
