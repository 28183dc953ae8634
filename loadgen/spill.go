package loadgen

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"

	"github.com/liftoff/liftoff/internal/spool"
)

// spillAbove is how many bytes of closed intervals the timeline keeps in
// memory before it moves them to a temporary file: about 20 seconds of a
// 10-step journey at 1,000 requests a second. A short run never touches
// the disk; a long one's memory stays flat, however long it runs.
const spillAbove = spool.DefaultLimit // a zero Spool's limit

// intervalLog holds the timeline's closed intervals in order, each
// encoded as the results file holds it (one JSON line, histograms in the
// V2 compressed form), in a spool: in memory up to spillAbove bytes, then
// in a temporary file removed as soon as it is open, so a killed run
// leaves nothing behind. When no file can be made, or the file fails (a
// full disk), the spool reads back what the file holds and stays in
// memory, where the log takes a fraction of what decoded intervals did.
// It is read back once, when the results are built.
type intervalLog struct {
	spool spool.Spool // Limit 0: spool.DefaultLimit, which is spillAbove
	n     int         // intervals logged
	err   error       // a write the spool lost: each reports it
}

func (l *intervalLog) write(iv Interval) {
	line, err := json.Marshal(encodeInterval(iv))
	if err != nil { // an interval holds numbers and base64 text only
		panic(fmt.Sprintf("encode interval: %v", err))
	}
	if l.err != nil {
		return
	}
	if _, err := l.spool.Write(append(line, '\n')); err != nil {
		l.err = fmt.Errorf("the timeline's log lost its intervals past the %d-th: %w", l.n, err)
		return
	}
	l.n++
}

// each decodes the logged intervals in order and calls fn with each,
// releasing the log as it reads. keys is the number of the run's keys,
// which the intervals' keys index.
func (l *intervalLog) each(keys int, fn func(Interval)) error {
	dec := json.NewDecoder(bufio.NewReaderSize(&l.spool, 64<<10))
	b := &budget{left: math.MaxInt64} // the run's own measurements
	for i := range l.n {
		var ivf intervalFile
		if err := dec.Decode(&ivf); err != nil {
			return fmt.Errorf("read back the timeline's interval %d of %d: %w", i+1, l.n, err)
		}
		iv, err := decodeInterval(ivf, b)
		if err == nil {
			err = iv.checkKeys(keys)
		}
		if err != nil {
			return fmt.Errorf("read back the timeline's interval %d of %d: %w", i+1, l.n, err)
		}
		fn(iv)
	}
	return l.err
}

// close releases the log.
func (l *intervalLog) close() {
	l.spool.Close()
	l.n = 0
}
