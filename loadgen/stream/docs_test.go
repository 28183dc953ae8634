package stream

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/liftoff/liftoff/loadgen"
)

// TestDocsNameEveryMetric checks docs/metrics.md against what an export
// holds: every metric's name, unit and attribute keys.
func TestDocsNameEveryMetric(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "metrics.md"))
	if err != nil {
		t.Fatal(err)
	}
	o := &OTLP{}
	now := time.Now()
	rm := o.metrics(loadgen.Tick{Began: now, Closed: now.Add(time.Second), Width: time.Second, Requests: 1,
		Keys:    []loadgen.TickKey{{Key: loadgen.Key{Journey: "j", Step: "s"}, Requests: 1, Latency: []loadgen.Bucket{{Value: time.Millisecond, Count: 1}}}},
		Classes: loadgen.ClassCounts{loadgen.ClassTimeout: 1}})
	for _, m := range rm.ScopeMetrics[0].Metrics {
		row := ""
		for _, line := range strings.Split(string(doc), "\n") {
			if strings.HasPrefix(line, "| `"+m.Name+"` |") {
				row = line
			}
		}
		if row == "" {
			t.Errorf("docs/metrics.md has no row for %s", m.Name)
			continue
		}
		if !strings.Contains(row, "| `"+m.Unit+"` |") {
			t.Errorf("%s: the docs' row does not give its unit %s:\n%s", m.Name, m.Unit, row)
		}
		for _, key := range attributeKeys(m.Data) {
			if !strings.Contains(row, "`"+key+"`") {
				t.Errorf("%s: the docs' row does not name its attribute %s:\n%s", m.Name, key, row)
			}
		}
	}
}

// attributeKeys lists the attribute keys of an aggregation's points.
func attributeKeys(data metricdata.Aggregation) []string {
	var sets []attribute.Set
	switch d := data.(type) {
	case metricdata.Sum[int64]:
		sets = attributesOf(d.DataPoints, func(p metricdata.DataPoint[int64]) attribute.Set { return p.Attributes })
	case metricdata.Gauge[float64]:
		sets = attributesOf(d.DataPoints, func(p metricdata.DataPoint[float64]) attribute.Set { return p.Attributes })
	case metricdata.Gauge[int64]:
		sets = attributesOf(d.DataPoints, func(p metricdata.DataPoint[int64]) attribute.Set { return p.Attributes })
	case metricdata.Histogram[float64]:
		sets = attributesOf(d.DataPoints, func(p metricdata.HistogramDataPoint[float64]) attribute.Set { return p.Attributes })
	}
	seen := map[string]bool{}
	var out []string
	for _, s := range sets {
		for _, kv := range s.ToSlice() {
			if k := string(kv.Key); !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out
}

func attributesOf[P any](points []P, attrs func(P) attribute.Set) []attribute.Set {
	var out []attribute.Set
	for _, p := range points {
		out = append(out, attrs(p))
	}
	return out
}

// TestCutOffIsNoError checks that requests the run's end cut off count
// among the requests, and in JSONL in a field of their own, but never
// among the errors: they did not fail.
func TestCutOffIsNoError(t *testing.T) {
	t.Parallel()
	now := time.Now()
	tick := loadgen.Tick{Began: now, Closed: now.Add(time.Second), Width: time.Second, Requests: 3, Errors: 1,
		Classes: loadgen.ClassCounts{loadgen.ClassTimeout: 1, loadgen.ClassCutOff: 2}}
	if l := LineOf(tick); len(l.ErrorsByClass) != 1 || l.ErrorsByClass["timeout"] != 1 || l.CutOff != 2 {
		t.Errorf("JSONL: errors by class %v, cut off %d; want timeout 1 and 2 cut off", l.ErrorsByClass, l.CutOff)
	}
	rm := (&OTLP{delta: true}).metrics(tick)
	for _, m := range rm.ScopeMetrics[0].Metrics {
		if m.Name != MetricErrors {
			continue
		}
		points := m.Data.(metricdata.Sum[int64]).DataPoints
		for _, p := range points {
			if class, _ := p.Attributes.Value(AttrError); class.AsString() != "timeout" || p.Value != 1 {
				t.Errorf("OTLP: %s = %d for %s", MetricErrors, p.Value, class.AsString())
			}
		}
		if len(points) != 1 {
			t.Errorf("OTLP: %d points of %s, want the timeout's alone", len(points), MetricErrors)
		}
	}
}
