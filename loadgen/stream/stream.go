// Package stream sends a run's measurements out while it runs, one
// timeline interval at a time, to the tools teams already watch: an
// OpenTelemetry collector or backend over OTLP/HTTP (NewOTLP), or a file
// of JSON lines for anything else (NewJSONL).
//
// It reads what loadgen hands Config.OnInterval, a loadgen.Tick per
// closed interval, and never touches the hot path: Stream.Tick, the
// hook, only puts the Tick on a bounded queue per sink and returns. Each
// sink exports from its own goroutine; when a sink falls so far behind
// that its queue is full, the newest interval is dropped and counted, so
// a slow collector costs intervals on the wire, never the run's timing.
// The results file holds everything either way.
package stream

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/liftoff/liftoff/loadgen"
)

// Sink receives a run's intervals, one call at a time, from its own
// goroutine: it may block on the network or a disk.
type Sink interface {
	// Send exports one interval.
	Send(ctx context.Context, t loadgen.Tick) error
	// Close flushes what the sink holds and releases it.
	Close(ctx context.Context) error
	// String names the sink for messages: "otlp http://…", "jsonl FILE".
	String() string
}

// DefaultQueue is how many intervals a sink may fall behind before the
// newest are dropped: a minute of one-second intervals.
const DefaultQueue = 64

// Stream hands each interval to every sink through its own bounded queue.
// Create it with New, give its Tick to loadgen.Config.OnInterval, and
// Close it when the run returns.
type Stream struct {
	workers []*worker
	closed  atomic.Bool
}

// worker is one sink's queue and the goroutine that drains it.
type worker struct {
	sink    Sink
	queue   chan loadgen.Tick
	ctx     context.Context // cancelled when Close's deadline passes
	cancel  context.CancelFunc
	dropped atomic.Int64
	done    chan struct{}

	// The goroutine's own counts, read after done closes.
	sent, failed int
	firstErr     error
}

// New starts one goroutine per sink, each with a queue of queue
// intervals (DefaultQueue when queue < 1).
func New(queue int, sinks ...Sink) *Stream {
	if queue < 1 {
		queue = DefaultQueue
	}
	s := &Stream{}
	for _, sink := range sinks {
		ctx, cancel := context.WithCancel(context.Background())
		w := &worker{sink: sink, queue: make(chan loadgen.Tick, queue), ctx: ctx, cancel: cancel, done: make(chan struct{})}
		go w.run()
		s.workers = append(s.workers, w)
	}
	return s
}

// Tick queues t for every sink and returns at once: a sink whose queue is
// full loses t, counted. It is loadgen.Config.OnInterval, called on the
// collector's goroutine, so it must not wait.
func (s *Stream) Tick(t loadgen.Tick) {
	if s.closed.Load() {
		return
	}
	for _, w := range s.workers {
		select {
		case w.queue <- t:
		default:
			w.dropped.Add(1)
		}
	}
}

func (w *worker) run() {
	defer close(w.done)
	for t := range w.queue {
		if w.ctx.Err() != nil {
			w.failed++ // Close's deadline passed with this one still queued
			continue
		}
		if err := w.sink.Send(w.ctx, t); err != nil {
			w.failed++
			if w.firstErr == nil {
				w.firstErr = err
			}
			continue
		}
		w.sent++
	}
}

// Result is what one sink delivered.
type Result struct {
	Sink    string
	Sent    int   // intervals delivered
	Dropped int   // intervals lost because the sink's queue was full
	Failed  int   // intervals the sink could not deliver, or that Close's deadline cut off
	Err     error // the first failure, or the sink's Close error
}

// Lost is the intervals that did not reach the sink.
func (r Result) Lost() int { return r.Dropped + r.Failed }

// String says what happened in a line: "otlp http://…: 31 intervals sent"
// or "… 29 of 31 intervals sent; 2 dropped (the sink was too slow); 1
// failed: …".
func (r Result) String() string {
	total := r.Sent + r.Lost()
	if r.Lost() == 0 && r.Err == nil {
		return fmt.Sprintf("%s: %d interval%s sent", r.Sink, r.Sent, plural(r.Sent))
	}
	s := fmt.Sprintf("%s: %d of %d interval%s sent", r.Sink, r.Sent, total, plural(total))
	if r.Dropped > 0 {
		s += fmt.Sprintf("; %d dropped (the sink was too slow to keep up)", r.Dropped)
	}
	if r.Failed > 0 {
		s += fmt.Sprintf("; %d failed", r.Failed)
	}
	if r.Err != nil {
		s += ": " + r.Err.Error()
	}
	return s
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// Close stops taking intervals, lets each sink deliver what is queued
// until ctx is done, closes the sinks and says what each delivered. Every
// sink gets the same deadline; one that is stuck cannot hold the others.
func (s *Stream) Close(ctx context.Context) []Result {
	if s.closed.Swap(true) {
		return nil
	}
	for _, w := range s.workers {
		close(w.queue)
	}
	var wg sync.WaitGroup
	for _, w := range s.workers {
		wg.Go(func() {
			select {
			case <-w.done:
			case <-ctx.Done():
				w.cancel() // the queued intervals count as failed
				<-w.done
			}
		})
	}
	wg.Wait()
	out := make([]Result, len(s.workers))
	for i, w := range s.workers {
		w.cancel()
		err := w.firstErr
		if cerr := w.sink.Close(ctx); cerr != nil && err == nil {
			err = cerr
		}
		out[i] = Result{Sink: w.sink.String(), Sent: w.sent, Dropped: int(w.dropped.Load()), Failed: w.failed, Err: err}
	}
	return out
}
