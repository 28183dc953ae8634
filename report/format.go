package report

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/liftoff/liftoff/scenario"
)

// This file holds every formatter for people: the reports, `liftoff plan`
// and the plan line `liftoff run` prints all write numbers, rates and
// times through these, so a number reads the same wherever it appears.
// Formatters for machines (JSON, JUnit's seconds, SVG coordinates) stay
// with their encoders. Latencies are written by scenario.FormatLatency,
// which loadgen's check messages share.

// count formats a whole number with thousands separators: 12,345.
func count(n int64) string { return thousands(strconv.FormatInt(n, 10)) }

// roundCount formats an expected number of visitors or requests, rounded
// to a whole number, with thousands separators: 24,000.
func roundCount(v float64) string {
	if v < 0 {
		return "-" + roundCount(-v)
	}
	return thousands(strconv.FormatFloat(math.Round(v), 'f', 0, 64))
}

// thousands puts a comma between each group of three digits of a whole
// number written out, after its sign.
func thousands(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// decimal formats a rate or a ratio with three significant digits, and
// whole numbers from 100 up: 0.25, 14.4, 864, 1,234.
func decimal(v float64) string {
	switch a := math.Abs(v); {
	case a >= 100:
		return roundCount(v)
	case a >= 10:
		return trimZeros(strconv.FormatFloat(v, 'f', 1, 64))
	case a >= 1:
		return trimZeros(strconv.FormatFloat(v, 'f', 2, 64))
	case a == 0:
		return "0"
	}
	return trimZeros(strconv.FormatFloat(v, 'g', 3, 64))
}

// trimZeros drops trailing zeros after a decimal point: "1.00" → "1". A
// number with an exponent keeps its digits.
func trimZeros(s string) string {
	if !strings.Contains(s, ".") || strings.ContainsAny(s, "eE") {
		return s
	}
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
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

// decimalPercent formats a 0..1 ratio as a percentage with three
// significant digits, as a plan states a campaign's response: 6%, 0.5%.
func decimalPercent(r float64) string { return decimal(r*100) + "%" }

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

// latency formats a duration as reports show latencies: 240ms, 1.5ms.
func latency(d time.Duration) string { return scenario.FormatLatency(d) }

// friendlyLatency formats a latency for people: "240 ms", "1.2 s".
func friendlyLatency(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case d >= 10*time.Second:
		return strconv.FormatFloat(d.Seconds(), 'f', 0, 64) + " s"
	case d >= time.Second:
		return trimZeros(strconv.FormatFloat(d.Seconds(), 'f', 1, 64)) + " s"
	case ms >= 10:
		return strconv.FormatFloat(ms, 'f', 0, 64) + " ms"
	}
	return trimZeros(strconv.FormatFloat(ms, 'f', 1, 64)) + " ms"
}

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

// shortRate formats a rate for a table cell or a card: "90/s", "2.5/s",
// "1,200/s".
func shortRate(perSecond float64) string {
	if perSecond >= 100 {
		return count(int64(perSecond+0.5)) + "/s"
	}
	return trimZeros(strconv.FormatFloat(perSecond, 'f', 1, 64)) + "/s"
}

// visitorRate says a visitor rate the way people say it: "120 visitors a
// second", "1 visitor a second", "30 visitors a minute".
func visitorRate(perSecond float64) string {
	switch {
	case perSecond >= 10:
		return visitors(count(int64(perSecond+0.5))) + " a second"
	case perSecond >= 1:
		return visitors(trimZeros(strconv.FormatFloat(perSecond, 'f', 1, 64))) + " a second"
	case perSecond*60 >= 1:
		return visitors(trimZeros(strconv.FormatFloat(perSecond*60, 'f', 1, 64))) + " a minute"
	}
	return visitors(trimZeros(strconv.FormatFloat(perSecond*3600, 'f', 1, 64))) + " an hour"
}

// visitors puts a number written out before "visitor" or "visitors":
// only exactly one is singular ("1 visitor", "1.5 visitors").
func visitors(n string) string {
	if n == "1" {
		return "1 visitor"
	}
	return n + " visitors"
}

// visitorsPerSecond formats a visitor rate as a plan states it, and per
// minute when that reads better, as marketing counts: "14.4 visitors/s
// (864/min)", "1 visitor/s (60/min)".
func visitorsPerSecond(v float64) string {
	s := perSecondOf(decimal(v), "visitor")
	if v < 100 && v > 0 {
		s += " (" + decimal(v*60) + "/min)"
	}
	return s
}

// requestsPerSecond formats a request rate as a plan states it: "77.8
// requests/s".
func requestsPerSecond(v float64) string { return perSecondOf(decimal(v), "request") }

// perSecondOf puts a number written out before a rate's unit: only
// exactly one is singular ("1 visitor/s", "1.5 visitors/s").
func perSecondOf(n, what string) string {
	if n == "1" {
		return "1 " + what + "/s"
	}
	return n + " " + what + "s/s"
}

// factor formats a load factor: "2×", "1.5×".
func factor(f float64) string {
	return trimZeros(strconv.FormatFloat(f, 'f', 2, 64)) + "×"
}

// offset formats a time into the run, or a stretch of time, as people read
// it: whole seconds from a minute up, tenths of a second below,
// milliseconds under a second, and no trailing zero units ("45s",
// "2m10s", "1h30m", "4.5s").
func offset(d time.Duration) string { return scenario.FormatDuration(roundDuration(d)) }

// roundDuration trims a duration to what a person reads.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Minute:
		return d.Round(time.Second)
	case d >= time.Second:
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}

// friendlyLength says how long something lasted: "30 seconds", "15
// minutes", "3 hours".
func friendlyLength(d time.Duration) string {
	unit := func(n float64, one string) string {
		s := trimZeros(strconv.FormatFloat(n, 'f', 1, 64))
		if s == "1" {
			return s + " " + one
		}
		return s + " " + one + "s"
	}
	switch {
	case d >= 2*time.Hour:
		return unit(d.Hours(), "hour")
	case d >= 2*time.Minute:
		return unit(d.Minutes(), "minute")
	}
	return unit(d.Seconds(), "second")
}

// pluralS is the "s" of a plural noun: "1 phase", "4 phases".
func pluralS(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// stretchLength names a window's length as an adjective: "5-second",
// "1-minute", "1.5-hour".
func stretchLength(d time.Duration) string {
	length := friendlyLength(d)
	n, unit, _ := strings.Cut(length, " ")
	return n + "-" + strings.TrimSuffix(unit, "s")
}

// lowerFirst lower-cases a sentence's first letter, to use it inside
// another: "The error rate" becomes "the error rate".
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
