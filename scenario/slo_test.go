package scenario

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseRule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want Rule
		err  string
	}{
		{name: "percentile", in: "p95 < 300ms",
			want: Rule{Text: "p95 < 300ms", Metric: MetricPercentile, Quantile: 95, Op: Less, Latency: 300 * time.Millisecond}},
		{name: "fractional percentile", in: "p99.9 <= 1s",
			want: Rule{Text: "p99.9 <= 1s", Metric: MetricPercentile, Quantile: 99.9, Op: LessEqual, Latency: time.Second}},
		{name: "max", in: "max < 2s",
			want: Rule{Text: "max < 2s", Metric: MetricMax, Op: Less, Latency: 2 * time.Second}},
		{name: "error rate", in: "error_rate < 1%",
			want: Rule{Text: "error_rate < 1%", Metric: MetricErrorRate, Op: Less, Ratio: 0.01}},
		{name: "throughput", in: "throughput >= 99%",
			want: Rule{Text: "throughput >= 99%", Metric: MetricThroughput, Op: GreaterEqual, Ratio: 0.99}},
		{name: "journey scope", in: "checkout: p95 < 800ms",
			want: Rule{Text: "checkout: p95 < 800ms", Journey: "checkout", Metric: MetricPercentile, Quantile: 95, Op: Less, Latency: 800 * time.Millisecond}},
		{name: "step scope", in: "checkout/login: mean < 200ms",
			want: Rule{Text: "checkout/login: mean < 200ms", Journey: "checkout", Step: "login", Metric: MetricMean, Op: Less, Latency: 200 * time.Millisecond}},
		{name: "phase scope and window", in: "phase peak: p95 < 300ms for 1m",
			want: Rule{Text: "phase peak: p95 < 300ms for 1m", Phase: "peak", Metric: MetricPercentile, Quantile: 95, Op: Less, Latency: 300 * time.Millisecond, Window: time.Minute}},
		{name: "normalizes spacing", in: "  p95<300ms ",
			want: Rule{Text: "p95 < 300ms", Metric: MetricPercentile, Quantile: 95, Op: Less, Latency: 300 * time.Millisecond}},
		{name: "no operator", in: "p95 300ms", err: `cannot read rule "p95 300ms" (rules look like p95 < 300ms, error_rate < 1% or throughput >= 99%)`},
		{name: "unknown metric", in: "p95x < 1s", err: `unknown metric "p95x" (known metrics: p50, p90, p95, p99, p99.9, max, mean, error_rate, throughput)`},
		{name: "percentile out of range", in: "p101 < 1s", err: `percentile "p101" is out of range (use p50 up to p100, e.g. p95 or p99.9)`},
		{name: "latency without unit", in: "p95 < 300", err: `latency limit "300" has no unit (latency limits need a unit: write 300ms)`},
		{name: "small latency without unit", in: "max < 2", err: `latency limit "2" has no unit (latency limits need a unit: write 2s or 2ms)`},
		{name: "latency with a bad unit", in: "p95 < 300x", err: `invalid duration "300x" (durations look like 250ms, 90s, 15m or 2h)`},
		{name: "window without unit", in: "p95 < 1s for 5", err: `duration "5" has no unit (write 5s, 5m or 5h)`},
		{name: "ratio without percent", in: "error_rate < 0.01", err: `"0.01" is not a percentage (write it as 0.01%)`},
		{name: "ratio above 100%", in: "throughput >= 120%", err: `throughput limit "120%" is above 100%`},
		{name: "empty scope", in: ": p95 < 1s", err: `empty scope before ":" (write journey: rule, journey/step: rule or phase name: rule)`},
		{name: "zero window", in: "p95 < 1s for 0s", err: `the window after "for" must be longer than zero`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseRule(tc.in)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("ParseRule(%q) error = %v, want %q", tc.in, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseRule(%q) error = %v", tc.in, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Fatalf("ParseRule(%q) mismatch (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

func TestOpHolds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		op          Op
		measured, l float64
		want        bool
	}{
		{Less, 1, 2, true}, {Less, 2, 2, false},
		{LessEqual, 2, 2, true}, {LessEqual, 3, 2, false},
		{Greater, 3, 2, true}, {Greater, 2, 2, false},
		{GreaterEqual, 2, 2, true}, {GreaterEqual, 1, 2, false},
	}
	for _, tc := range tests {
		if got := tc.op.Holds(tc.measured, tc.l); got != tc.want {
			t.Errorf("%q.Holds(%v, %v) = %v, want %v", tc.op, tc.measured, tc.l, got, tc.want)
		}
	}
}

// FuzzParseRule checks that rule parsing never panics and that a rule's
// canonical text parses back to the same rule.
func FuzzParseRule(f *testing.F) {
	for _, s := range []string{"p95 < 300ms", "checkout/login: p99.9 <= 1s for 1m", "phase peak: error_rate < 1%", "throughput >= 99%", "a:b:c: max > 0s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRule(s)
		if err != nil {
			return
		}
		back, err := ParseRule(r.Text)
		if err != nil {
			t.Fatalf("ParseRule(%q) gave text %q, which does not parse: %v", s, r.Text, err)
		}
		if diff := cmp.Diff(r, back); diff != "" {
			t.Fatalf("ParseRule(%q) round trip through %q changed the rule (-first +second):\n%s", s, r.Text, diff)
		}
	})
}
