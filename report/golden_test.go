package report

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/liftoff/liftoff/internal/golden"
	"github.com/liftoff/liftoff/loadgen"
)

// renderers are every output a run can write.
var renderers = []struct {
	name  string
	ext   string
	write func(io.Writer, Document) error
}{
	{"terminal", "txt", WriteTerminal},
	{"json", "json", WriteJSON},
	{"junit", "xml", WriteJUnit},
	{"markdown", "md", WriteMarkdown},
	{"html", "html", WriteHTML},
}

// TestRenderers renders every fixture with every renderer and compares the
// output with its golden file, byte for byte. Rendering twice must give
// the same bytes: renderers read no clock and no map order.
func TestRenderers(t *testing.T) {
	for _, fx := range []struct {
		name    string
		verdict Verdict
	}{{"go", Go}, {"nogo", NoGo}, {"inconclusive", Inconclusive}} {
		doc := fixture(t, fx.name)
		if doc.Judgement.Verdict != fx.verdict {
			t.Fatalf("fixture %s: verdict %s, want %s", fx.name, doc.Judgement.Verdict, fx.verdict)
		}
		for _, r := range renderers {
			t.Run(fx.name+"/"+r.name, func(t *testing.T) {
				t.Parallel()
				got := render(t, r.write, doc)
				if again := render(t, r.write, doc); !bytes.Equal(got, again) {
					t.Fatalf("%s is not deterministic: two renders differ", r.name)
				}
				golden.Check(t, filepath.Join("testdata", "golden", fx.name+"."+r.ext), got)
			})
		}
	}
}

func render(t *testing.T, write func(io.Writer, Document) error, doc Document) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := write(&b, doc); err != nil {
		t.Fatalf("render: %v", err)
	}
	return b.Bytes()
}

// TestJSONRoundTrip checks that a results file read back and written again
// is the same file, which is what lets 'liftoff report' reproduce a run's
// outputs byte for byte.
func TestJSONRoundTrip(t *testing.T) {
	for _, name := range []string{"go", "nogo", "inconclusive", "xss"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			want, err := os.ReadFile(filepath.Join("testdata", name+".results.json"))
			if err != nil {
				t.Fatal(err)
			}
			got := render(t, WriteJSON, fixture(t, name))
			if !bytes.Equal(want, got) {
				t.Errorf("results file changed on a round trip (-want +got):\n%s", cmp.Diff(string(want), string(got)))
			}
		})
	}
}

// TestReadJSONRefusesOlderSchemas reads a schema 1 results file: its
// latency figures mixed failed requests in, so it is refused with that
// reason, not judged again by rules it was not measured for.
func TestReadJSONRefusesOlderSchemas(t *testing.T) {
	t.Parallel()
	_, err := ReadJSON(strings.NewReader(`{"schema": 1, "liftoff": "v0.3.0", "verdict": "GO", "results": {"version": 1, "liftoff": "v0.3.0"}}`))
	want := "results schema version 1 (written by liftoff v0.3.0) is older than this liftoff reads (version 2): its latency figures include failed requests"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("ReadJSON error = %v, want %q…", err, want)
	}
}

// TestEveryFailureClassHasAColour checks that the HTML report's error
// chart and table colour every class a request can fail with: a class
// the stylesheet does not know draws its bars black.
func TestEveryFailureClassHasAColour(t *testing.T) {
	t.Parallel()
	css, err := os.ReadFile(filepath.Join("templates", "report.css"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range loadgen.ErrorClasses() {
		if c.Failed() && !strings.Contains(string(css), ".e-"+c.String()+" {") {
			t.Errorf("report.css has no colour for the %s class", c)
		}
	}
}
