package report

import (
	"strconv"
	"strings"
	"time"

	"github.com/liftoff/liftoff/scenario"
)

// count formats a whole number with thousands separators: 12,345.
func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// percent formats a 0..1 ratio as a percentage with enough digits to tell
// 99.9% from 100%.
func percent(r float64) string {
	p := r * 100
	switch {
	case p == 0 || p == 100:
		return strconv.FormatFloat(p, 'f', 0, 64) + "%"
	case p < 0.01:
		return "<0.01%"
	case p > 99.99 && p < 100:
		return ">99.99%"
	case p < 10 || p > 90:
		return trimZeros(strconv.FormatFloat(p, 'f', 2, 64)) + "%"
	}
	return trimZeros(strconv.FormatFloat(p, 'f', 1, 64)) + "%"
}

// trimZeros drops trailing zeros after a decimal point: "1.00" → "1".
func trimZeros(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}

// formatValue formats a value in its unit.
func formatValue(v float64, unit Unit) string {
	switch unit {
	case UnitMS:
		return latency(time.Duration(v * float64(time.Millisecond)))
	case UnitPerSecond:
		return rate(v)
	}
	return percent(v)
}

// latency formats a duration as reports show latencies.
func latency(d time.Duration) string { return scenario.FormatLatency(d) }

// rate formats a per-second rate: 1,234/s, 12.5/s, 0.25/s.
func rate(perSecond float64) string {
	switch {
	case perSecond >= 100:
		return count(int64(perSecond+0.5)) + "/s"
	case perSecond >= 1:
		return strconv.FormatFloat(perSecond, 'f', 1, 64) + "/s"
	}
	return strconv.FormatFloat(perSecond, 'f', 2, 64) + "/s"
}
