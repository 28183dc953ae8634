package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/liftoff/liftoff/loadgen"
)

// TestReadJSONSizeLimit refuses a file longer than the limit before
// decoding any of it.
func TestReadJSONSizeLimit(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("testdata", "go.results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readJSON(bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatalf("a file of exactly the limit: %v", err)
	}
	_, err = readJSON(bytes.NewReader(data), int64(len(data)-1))
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("a file over the limit: %v", err)
	}
}

// FuzzReadJSON reads results files and renders every report from what it
// accepts: no input may panic a renderer, and what a read keeps stays
// within the decoder's budget plus a multiple of the input.
func FuzzReadJSON(f *testing.F) {
	debug.SetMemoryLimit(512 << 20)
	addResultsFiles(f)
	f.Add([]byte(`{"schema":2,"results":{"version":2,"keys":[{}],"classes":{},"timeline":[]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		doc, err := ReadJSON(bytes.NewReader(data))
		runtime.GC()
		runtime.ReadMemStats(&after)
		if kept := int64(after.HeapAlloc) - int64(before.HeapAlloc); kept > 512<<20+64*int64(len(data)) {
			t.Fatalf("a %d-byte input keeps %d MiB", len(data), kept>>20)
		}
		if err != nil {
			return
		}
		for _, write := range []func(io.Writer, Document) error{WriteTerminal, WriteJSON, WriteMarkdown, WriteJUnit, WriteHTML} {
			if err := write(io.Discard, doc); err != nil {
				t.Fatalf("rendering an accepted file: %v", err)
			}
		}
	})
}

// TestResultsFileIsStreamedAsEncoded writes the test data's results files
// again, streamed, and checks each is what a json.Encoder indenting the
// whole document writes, byte for byte: the results file's format is
// unchanged by writing it a piece at a time.
func TestResultsFileIsStreamedAsEncoded(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "*.results.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no results files in testdata: %v", err)
	}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := ReadJSON(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var want, got bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		if err := enc.Encode(fileOf(doc)); err != nil {
			t.Fatal(err)
		}
		if err := WriteJSON(&got, doc); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Errorf("%s: the streamed results file differs from the encoded one", name)
		}
	}
}

// TestReadingHoldsNoFileText reads a long run's results file while
// another goroutine samples the live heap. Read as it comes, the file
// costs what its results hold and a buffer; read whole first, as before,
// its text was live beside everything it decoded to.
func TestReadingHoldsNoFileText(t *testing.T) {
	// Twenty keys an interval, as a journey of many steps has: the file's
	// text is then mostly the timeline's.
	res := spreadRun(400)
	for step := range 19 {
		k := res.Keys[0]
		k.Key = loadgen.Key{Journey: "shop", Step: fmt.Sprint("step ", step)}
		res.Keys = append(res.Keys, k)
		for i := range res.Timeline {
			ik := res.Timeline[i].Keys[0]
			ik.Key = len(res.Keys) - 1
			res.Timeline[i].Keys = append(res.Timeline[i].Keys, ik)
		}
	}
	var file bytes.Buffer
	if err := WriteJSON(&file, document(t, res)); err != nil {
		t.Fatal(err)
	}
	res = nil
	// The other packages' tests run beside this one and a collection can
	// be marking when a sample is taken: noise only adds to the peak, so
	// the best of three readings is the one judged.
	var grew, held, limit int64
	for range 3 {
		grew, held = readingPeak(t, file.Bytes())
		// A quarter more than the results hold: the decoder's buffer, the
		// interval being read, the timeline's slice growing by a quarter.
		// Read whole, the text added three quarters, and more while it was
		// decoded.
		if limit = held + held/4 + 256<<10; grew <= limit {
			break
		}
	}
	if grew > limit {
		t.Errorf("reading a %d KiB file held up to %d KiB; its results hold %d KiB, want at most %d KiB",
			file.Len()>>10, grew>>10, held>>10, limit>>10)
	}
	if testing.Verbose() {
		t.Logf("%d KiB file: held %d KiB, at most %d KiB", file.Len()>>10, held>>10, grew>>10)
	}
}

// readingPeak reads the results file text while another goroutine
// samples the live heap, and returns how far the heap grew at most while
// reading and what the results hold once read.
func readingPeak(t *testing.T, text []byte) (grew, held int64) {
	in := &pausingReader{r: bytes.NewReader(text), pause: make(chan chan struct{})}
	base := liveHeap()
	var peak atomic.Int64
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			peak.Store(max(peak.Load(), in.sample()))
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	res, err := ReadResults(in)
	close(stop)
	<-stopped
	if err != nil {
		t.Fatal(err)
	}
	held = liveHeap() - base
	runtime.KeepAlive(res)
	runtime.KeepAlive(text) // in base
	return peak.Load() - base, held
}

// pausingReader hands out r 4 KiB at a time, as a file's reads come, and
// lets sample measure the live heap while the reading waits in Read: a
// collection counts what is allocated while it marks as live, and a
// decoder running beside it would inflate the figure.
type pausingReader struct {
	r     io.Reader
	pause chan chan struct{}
}

func (p *pausingReader) Read(b []byte) (int, error) {
	select {
	case resume := <-p.pause:
		<-resume
	default:
	}
	return p.r.Read(b[:min(len(b), 4<<10)])
}

// sample measures the live heap with the reading paused in Read, or,
// when it reads no more for a while (it is decoding what it read, or
// done), running.
func (p *pausingReader) sample() int64 {
	resume := make(chan struct{})
	defer close(resume)
	select {
	case p.pause <- resume:
	case <-time.After(20 * time.Millisecond):
	}
	return liveHeap()
}

// liveHeap is the heap a collection found live: marked by it, so what
// other goroutines allocate after it does not count.
func liveHeap() int64 {
	runtime.GC()
	runtime.GC() // the second empties sync.Pools' victim caches too
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	return int64(sample[0].Value.Uint64())
}

// FuzzReadingAsItComesIsUnmarshal checks the streamed reading of a
// results file against json.Unmarshal of its whole text, the way files
// were read before: both accept the same files, and read the same
// results from them.
func FuzzReadingAsItComesIsUnmarshal(f *testing.F) {
	addResultsFiles(f)
	for _, s := range []string{
		`{"schema":2,"results":{"version":2,"keys":[{}],"classes":{},"timeline":[]}}`,
		`{"schema":2,"results":{"timeline":[{"offset_us":0}],"version":2,"keys":[{}]}}`,      // the timeline first
		`{"schema":2,"results":{"version":2,"keys":[{}],"TimeLine":[]}}`,                     // names match ignoring case
		`{"schema":2,"results":{"version":2,"keys":[{}],"timeline":[{}],"timeline":[]}}`,     // the last of two counts
		`{"schema":2,"results":{"version":2,"keys":[{}],"timeline":[{"keys":[{"key":1}]}]}}`, // no such key
		`{"schema":2,"results":{"version":2,"keys":[{}]},"results":null}`,
		`{"schema":2,"results":{"version":2,"keys":[{}]}} {}`,
		`{"schema":2,"Results":{"version":2,"keys":[{}]},"schema":3}`,
		`{"schema":1,"results":{"version":1,"timeline":[{"keys":[{"key":7}]}]}}`,
		`{"schema":2,"results":{"version":2,"keys":[{}],"timeline":[{"offset_us":"x"}]}}`,
		`{"schema":2,"results":[]}`, `{"results":{"timeline":null}}`, `null`, `[]`, `{"schema":2,"results":{`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		streamed, serr := ReadResults(bytes.NewReader(data))
		var whole struct {
			Schema  int              `json:"schema"`
			Liftoff string           `json:"liftoff"`
			Results *loadgen.Results `json:"results"`
		}
		uerr := json.Unmarshal(data, &whole)
		if uerr == nil && (whole.Schema != loadgen.SchemaVersion || whole.Results == nil) {
			uerr = errors.New("no results of this version")
		}
		if (serr == nil) != (uerr == nil) {
			t.Fatalf("read as it comes: %v; read whole: %v", serr, uerr)
		}
		if serr != nil {
			return
		}
		a, err := json.Marshal(streamed)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(whole.Results)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Fatalf("the results read as they come differ from those read whole:\n%s\n%s", a, b)
		}
	})
}

// addResultsFiles seeds a fuzz test with the test data's results files.
func addResultsFiles(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.results.json"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}
