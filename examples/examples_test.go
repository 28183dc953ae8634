package examples_test

import (
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/liftoff/liftoff/examples"
	"github.com/liftoff/liftoff/scenario"
)

// TestExamples loads and validates every example scenario, computes its
// plan (no traffic is sent), and checks what makes it an example: a
// comment with the marketing numbers it encodes, the simulated shop as its
// target, and a plan that adds up.
func TestExamples(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	shapes := map[scenario.Shape]string{}
	for _, file := range files {
		sc, err := scenario.Load(file, scenario.Options{})
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(src), "# Marketing numbers it encodes:") {
			t.Errorf("%s: no comment saying which marketing numbers it encodes", file)
		}
		if !strings.HasPrefix(sc.Target.Sim, "sim:shop") {
			t.Errorf("%s: target %q; examples target the simulated shop, so they run anywhere", file, sc.TargetName())
		}
		expected, tested := sc.Expected.Visitors(), sc.Plan.Visitors()
		peak, _ := sc.Plan.Peak()
		if perVisitor := sc.Record().RequestsPerVisitor(); expected <= 0 || tested <= 0 || peak <= 0 || perVisitor <= 0 {
			t.Errorf("%s: expects %v visitors, tests %v at up to %v, %v requests each: no traffic", file, expected, tested, peak, perVisitor)
		}
		if d := sc.Plan.Duration(); d > 30*time.Minute {
			t.Errorf("%s: tests for %s; an example should finish within half an hour", file, d)
		}
		if c := sc.Traffic.Campaign; c != nil {
			if other, dup := shapes[c.Shape]; dup {
				t.Errorf("%s and %s both show shape %s", other, file, c.Shape)
			}
			shapes[c.Shape] = file
			if want := c.Visitors; math.Abs(expected-want) > 1e-6*want {
				t.Errorf("%s: the plan expects %v visitors, the campaign %v", file, expected, want)
			}
		}
	}
	for _, s := range scenario.Shapes() {
		if _, ok := shapes[s]; !ok {
			t.Errorf("no example shows shape %s", s)
		}
	}
}

// TestEmbedded checks that the binary carries every example and the data
// files they read, so the scenarios run from the embedded copy too.
func TestEmbedded(t *testing.T) {
	t.Parallel()
	var onDisk, embedded []string
	for _, pattern := range []string{"*.yaml", "data/*.csv"} {
		d, _ := filepath.Glob(pattern)
		e, _ := fs.Glob(examples.FS, pattern)
		onDisk, embedded = append(onDisk, d...), append(embedded, e...)
	}
	if !slices.Equal(onDisk, embedded) {
		t.Errorf("embedded %v, on disk %v", embedded, onDisk)
	}
	if !slices.Contains(embedded, examples.Quickstart) {
		t.Errorf("the quickstart %s is not embedded", examples.Quickstart)
	}
}
