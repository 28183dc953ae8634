package loadgen

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// TestWriteIndentedIsIndentedMarshal checks that streaming the results
// file writes what indenting the whole encoding writes, byte for byte,
// for timelines of none, one and many intervals, with names a JSON
// encoder escapes, at the depths the results file and tests use.
func TestWriteIndentedIsIndentedMarshal(t *testing.T) {
	t.Parallel()
	for _, intervals := range []int{0, 1, 30} {
		r := newRecorder(newKeyLayout(journeyOf(3), noRedact), 2, time.Second, DefaultMaxIntervals)
		feed(r, 3, 50, intervals, 0, nil)
		res := mustResults(t, r)
		res.Scenario.Name = "<launch> & \"sale\" \u2028 ünïcode"
		res.Examples[ClassReset] = []string{"GET /a?b=<c>&d: 503 \x1b[31m"}
		whole, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		for _, depth := range []struct{ prefix, indent string }{{"", "  "}, {"  ", "  "}, {"\t", "\t"}} {
			var want, got bytes.Buffer
			if err := json.Indent(&want, whole, depth.prefix, depth.indent); err != nil {
				t.Fatal(err)
			}
			if err := res.WriteIndented(&got, depth.prefix, depth.indent); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Errorf("%d intervals, prefix %q: streamed text differs from the indented encoding\n got %.300q\nwant %.300q", intervals, depth.prefix, got.String(), want.String())
			}
		}
	}
}
