package loadgen

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
)

// spillAbove is how many bytes of closed intervals the timeline keeps in
// memory before it moves them to a temporary file: about 20 seconds of a
// 10-step journey at 1,000 requests a second. A short run never touches
// the disk; a long one's memory stays flat, however long it runs.
const spillAbove = 256 << 10

// intervalLog holds the timeline's closed intervals in order, each
// encoded as the results file holds it (one JSON line, histograms in the
// V2 compressed form): in memory up to spillAbove bytes, then in a
// temporary file, removed as soon as it is open (where the system allows
// it) so a killed run leaves nothing behind. When no file can be made, or
// writing one fails (a full disk), the log stays in memory, where it takes
// a fraction of what decoded intervals did.
type intervalLog struct {
	limit    int // bytes kept in memory before spilling; spillAbove when 0
	mem      []byte
	file     *os.File
	name     string // the file's name, when it could not be removed while open
	size     int64  // bytes written to the file
	n        int    // intervals logged
	unusable error  // why the log stays in memory; it does not try again
}

func (l *intervalLog) write(iv Interval) {
	line, err := json.Marshal(encodeInterval(iv))
	if err != nil { // an interval holds numbers and base64 text only
		panic(fmt.Sprintf("encode interval: %v", err))
	}
	line = append(line, '\n')
	l.n++
	if l.file == nil && l.unusable == nil && len(l.mem)+len(line) > cmp.Or(l.limit, spillAbove) {
		l.spill()
	}
	if l.file != nil {
		n, err := l.file.Write(line)
		l.size += int64(n)
		if err == nil {
			return
		}
		l.unspill(err)
	}
	l.mem = append(l.mem, line...)
}

// spill moves the log to a temporary file.
func (l *intervalLog) spill() {
	f, err := os.CreateTemp("", "liftoff-timeline-*")
	if err != nil {
		l.unusable = err
		return
	}
	if os.Remove(f.Name()) != nil {
		l.name = f.Name() // removed when the log closes instead
	}
	l.file = f
	n, err := f.Write(l.mem)
	l.size = int64(n)
	if err != nil { // the log is still whole in memory
		l.unusable = err
		l.closeFile()
		return
	}
	l.mem = nil
}

// unspill brings the log back into memory after the file failed with
// err: its complete lines are read back, a line cut short is dropped.
func (l *intervalLog) unspill(err error) {
	l.unusable = err
	written, rerr := io.ReadAll(io.NewSectionReader(l.file, 0, l.size))
	if rerr == nil {
		if end := bytes.LastIndexByte(written, '\n'); end >= 0 {
			l.mem = append(written[:end+1:end+1], l.mem...)
		}
	}
	l.closeFile()
}

// each decodes the logged intervals in order and calls fn with each. keys
// is the number of the run's keys, which the intervals' keys index.
func (l *intervalLog) each(keys int, fn func(Interval)) error {
	var r io.Reader = bytes.NewReader(l.mem)
	if l.file != nil { // then the whole log is in the file
		r = bufio.NewReaderSize(io.NewSectionReader(l.file, 0, l.size), 64<<10)
	}
	dec := json.NewDecoder(r)
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
	return nil
}

// close releases the log.
func (l *intervalLog) close() {
	l.closeFile()
	l.mem, l.n = nil, 0
}

func (l *intervalLog) closeFile() {
	if l.file == nil {
		return
	}
	l.file.Close()
	if l.name != "" {
		os.Remove(l.name)
	}
	l.file, l.name, l.size = nil, "", 0
}
