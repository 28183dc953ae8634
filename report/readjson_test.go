package report

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
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
	files, _ := filepath.Glob(filepath.Join("testdata", "*.results.json"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
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
