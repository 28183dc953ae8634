package report

import (
	"testing"
	"time"
)

// TestFormatters pins what people read: each formatter on the values
// where its rules change.
func TestFormatters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"count", count(1234567), "1,234,567"},
		{"count negative", count(-1234), "-1,234"},
		{"count small", count(999), "999"},
		{"roundCount", roundCount(20043.6), "20,044"},
		{"roundCount negative", roundCount(-1500.4), "-1,500"},
		{"decimal hundreds", decimal(1234.4), "1,234"},
		{"decimal tens", decimal(14.40), "14.4"},
		{"decimal ones", decimal(2.70), "2.7"},
		{"decimal fraction", decimal(0.25), "0.25"},
		{"decimal zero", decimal(0), "0"},
		{"decimal tiny keeps its exponent", decimal(1.5e-10), "1.5e-10"},
		{"decimalPercent", decimalPercent(0.06), "6%"},
		{"decimalPercent small", decimalPercent(0.004), "0.4%"},
		{"percent", percent(0.999), "99.9%"},
		{"percent almost all", percent(0.99999), ">99.99%"},
		{"visitorsPerSecond", visitorsPerSecond(14.4), "14.4 visitors/s (864/min)"},
		{"visitorsPerSecond fast", visitorsPerSecond(120), "120 visitors/s"},
		{"requestsPerSecond", requestsPerSecond(77.76), "77.8 requests/s"},
		{"visitorsPerSecond one", visitorsPerSecond(1), "1 visitor/s (60/min)"},
		{"requestsPerSecond one", requestsPerSecond(1), "1 request/s"},
		{"requestsPerSecond one and a half", requestsPerSecond(1.5), "1.5 requests/s"},
		{"visitorRate", visitorRate(0.5), "30 visitors a minute"},
		{"visitorRate one a second", visitorRate(1), "1 visitor a second"},
		{"visitorRate one a minute", visitorRate(1.0 / 60), "1 visitor a minute"},
		{"visitorRate one and a half", visitorRate(1.5), "1.5 visitors a second"},
		{"goSentence one rule", goSentence(1), "The SLO rule held, and the generator kept up with the plan."},
		{"goSentence two rules", goSentence(2), "Both SLO rules held, and the generator kept up with the plan."},
		{"goSentence five rules", goSentence(5), "All 5 SLO rules held, and the generator kept up with the plan."},
		{"roughFactor", roughFactor(2.025), "2×"},
		{"roughFactor tenths", roughFactor(1.61), "1.6×"},
		{"offset", offset(90*time.Minute + 400*time.Millisecond), "1h30m"},
		{"offset seconds", offset(4540 * time.Millisecond), "4.5s"},
		{"offset milliseconds", offset(1234567 * time.Nanosecond), "1ms"},
		{"latency", latency(1500 * time.Microsecond), "1.5ms"},
		{"latency seconds", latency(12500 * time.Millisecond), "12.5s"},
		{"friendlyLength", friendlyLength(3 * time.Hour), "3 hours"},
		{"stretchLength", stretchLength(time.Minute), "60-second"},
		{"factor", factor(1.5), "1.5×"},
		{"trimZeros", trimZeros("2.500"), "2.5"},
		{"trimZeros whole", trimZeros("100"), "100"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}
