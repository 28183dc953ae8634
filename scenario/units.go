package scenario

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Rate is an arrival rate in events per second. Scenario files write it as
// N/s, N/min or N/h, so the unit is never guessed.
type Rate float64

// PerSecond returns the rate as a plain number of events per second.
func (r Rate) PerSecond() float64 { return float64(r) }

// String formats the rate in the unit that keeps the number at least 1, so
// 0.5/s prints as 30/min. ParseRate reads every String result back.
func (r Rate) String() string {
	v := float64(r)
	switch {
	case v == 0:
		return "0/s"
	case v >= 1:
		return formatNumber(v) + "/s"
	case v*60 >= 1:
		return formatNumber(v*60) + "/min"
	default:
		return formatNumber(v*3600) + "/h"
	}
}

// ParseRate reads "400/s", "90/min", "1500/h" or "1.5k/s".
func ParseRate(s string) (Rate, error) {
	text := strings.TrimSpace(s)
	num, unit, ok := strings.Cut(text, "/")
	if !ok {
		if _, err := parseNumber(text); err == nil {
			return 0, &unitError{msg: fmt.Sprintf("rate %q has no unit", s), hint: fmt.Sprintf("write %s/s, %s/min or %s/h", text, text, text)}
		}
		return 0, &unitError{msg: fmt.Sprintf("invalid rate %q", s), hint: "rates are N/s, N/min or N/h"}
	}
	v, err := parseNumber(strings.TrimSpace(num))
	if err != nil {
		return 0, &unitError{msg: fmt.Sprintf("invalid rate %q", s), hint: "rates are N/s, N/min or N/h"}
	}
	var per float64
	switch strings.TrimSpace(unit) {
	case "s":
		per = 1
	case "min":
		per = 60
	case "h":
		per = 3600
	default:
		return 0, &unitError{msg: fmt.Sprintf("unknown unit %q in rate %q", strings.TrimSpace(unit), s), hint: "rates are N/s, N/min or N/h"}
	}
	if v < 0 {
		return 0, &unitError{msg: fmt.Sprintf("rate %q is negative", s)}
	}
	return Rate(v / per), nil
}

// Ratio is a share between 0 and 1. Scenario files write it as a percentage
// ("6%"), so 0.06 and 6 are never confused.
type Ratio float64

// Percent returns the ratio as a percentage (0.06 → 6).
func (r Ratio) Percent() float64 { return float64(r) * 100 }

// String formats the ratio as a percentage, e.g. "6%" or "0.5%".
func (r Ratio) String() string { return formatNumber(float64(r)*100) + "%" }

// ParseRatio reads a percentage such as "6%" or "0.5%".
func ParseRatio(s string) (Ratio, error) {
	text := strings.TrimSpace(s)
	num, ok := strings.CutSuffix(text, "%")
	if !ok {
		if _, err := parseNumber(text); err == nil {
			return 0, &unitError{msg: fmt.Sprintf("%q is not a percentage", s), hint: fmt.Sprintf("write it as %s%%", text)}
		}
		return 0, &unitError{msg: fmt.Sprintf("invalid percentage %q", s), hint: "write it as N%, e.g. 6%"}
	}
	v, err := parseNumber(strings.TrimSpace(num))
	if err != nil {
		return 0, &unitError{msg: fmt.Sprintf("invalid percentage %q", s), hint: "write it as N%, e.g. 6%"}
	}
	if v < 0 {
		return 0, &unitError{msg: fmt.Sprintf("percentage %q is negative", s)}
	}
	return Ratio(v / 100), nil
}

// ParseDuration reads a Go duration ("90s", "15m", "1h30m") and rejects
// negative values and bare numbers, which would leave the unit to guess.
func ParseDuration(s string) (time.Duration, error) {
	text := strings.TrimSpace(s)
	if _, err := parseNumber(text); err == nil {
		return 0, &unitError{msg: fmt.Sprintf("duration %q has no unit", s), hint: fmt.Sprintf("write %ss, %sm or %sh", text, text, text)}
	}
	d, err := time.ParseDuration(text)
	if err != nil {
		return 0, &unitError{msg: fmt.Sprintf("invalid duration %q", s), hint: "durations look like 250ms, 90s, 15m or 2h"}
	}
	if d < 0 {
		return 0, &unitError{msg: fmt.Sprintf("duration %q is negative", s)}
	}
	return d, nil
}

// FormatDuration writes a duration as a scenario file does: Go's form
// without its trailing zero units ("1m", not "1m0s"). ParseDuration reads
// back every result for a duration that is not negative.
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// unitError is a value that could not be read; the decoder turns it into an
// Error at the value's line.
type unitError struct{ msg, hint string }

func (e *unitError) Error() string {
	if e.hint == "" {
		return e.msg
	}
	return e.msg + " (" + e.hint + ")"
}

// parseNumber reads a finite decimal number with an optional k (thousands)
// suffix, as marketing numbers are often written ("1.5k").
func parseNumber(s string) (float64, error) {
	mult := 1.0
	if t, ok := strings.CutSuffix(s, "k"); ok {
		s, mult = t, 1000
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, errors.New("not a number")
	}
	return v * mult, nil
}

// formatNumber prints v with up to four significant decimals and no
// exponent, so 0.1 stays "0.1" and 400 stays "400".
func formatNumber(v float64) string {
	s := strconv.FormatFloat(v, 'f', 4, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// Seconds is the Duration of s float seconds, rounded to the nanosecond:
// the inverse of time.Duration.Seconds for the float seconds that results
// files and JSON output write. Truncating instead would read 1.001s back
// as 1.000999999s.
func Seconds(s float64) time.Duration { return time.Duration(math.Round(s * float64(time.Second))) }

// FormatLatency writes a latency the way liftoff shows it everywhere:
// whole milliseconds from 10ms up, fractions below, seconds from 10s.
// It lives here, not with report's formatters, because loadgen writes
// latencies into the messages of failed max_duration checks, and loadgen
// cannot import report.
func FormatLatency(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case d >= 10*time.Second:
		return formatNumber(float64(d)/float64(time.Second)) + "s"
	case ms >= 10:
		return strconv.FormatFloat(ms, 'f', 0, 64) + "ms"
	case ms >= 1:
		return strconv.FormatFloat(ms, 'f', 1, 64) + "ms"
	default:
		return strconv.FormatFloat(ms, 'f', 2, 64) + "ms"
	}
}
