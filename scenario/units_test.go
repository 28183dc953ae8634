package scenario

import (
	"math"
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Rate
		err  string
	}{
		{in: "400/s", want: 400},
		{in: "90/min", want: 1.5},
		{in: "1800/h", want: 0.5},
		{in: "1.5k/s", want: 1500},
		{in: " 12 / s ", want: 12},
		{in: "0/s", want: 0},
		{in: "400", err: `rate "400" has no unit (write 400/s, 400/min or 400/h)`},
		{in: "40/sec", err: `unknown unit "sec" in rate "40/sec" (rates are N/s, N/min or N/h)`},
		{in: "lots/s", err: `invalid rate "lots/s" (rates are N/s, N/min or N/h)`},
		{in: "-5/s", err: `rate "-5/s" is negative`},
		{in: "NaN/s", err: `invalid rate "NaN/s" (rates are N/s, N/min or N/h)`},
		{in: "", err: `invalid rate "" (rates are N/s, N/min or N/h)`},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseRate(tc.in)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("ParseRate(%q) error = %v, want %q", tc.in, err, tc.err)
				}
				return
			}
			if err != nil || math.Abs(float64(got-tc.want)) > 1e-12 {
				t.Fatalf("ParseRate(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestRateString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   Rate
		want string
	}{
		{400, "400/s"},
		{12.5, "12.5/s"},
		{0.5, "30/min"},
		{1.0 / 60, "1/min"},
		{0.001, "3.6/h"},
		{0, "0/s"},
	}
	for _, tc := range tests {
		if got := tc.in.String(); got != tc.want {
			t.Errorf("Rate(%v).String() = %q, want %q", float64(tc.in), got, tc.want)
		}
	}
}

func TestParseRatio(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Ratio
		err  string
	}{
		{in: "6%", want: 0.06},
		{in: "0.5%", want: 0.005},
		{in: "100%", want: 1},
		{in: "160%", want: 1.6}, // the caller decides whether above 100% makes sense
		{in: "6", err: `"6" is not a percentage (write it as 6%)`},
		{in: "six%", err: `invalid percentage "six%" (write it as N%, e.g. 6%)`},
		{in: "-1%", err: `percentage "-1%" is negative`},
	}
	for _, tc := range tests {
		got, err := ParseRatio(tc.in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("ParseRatio(%q) error = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || math.Abs(float64(got-tc.want)) > 1e-12 {
			t.Errorf("ParseRatio(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Duration
		err  string
	}{
		{in: "90s", want: 90 * time.Second},
		{in: "1h30m", want: 90 * time.Minute},
		{in: "250ms", want: 250 * time.Millisecond},
		{in: "90", err: `duration "90" has no unit (write 90s, 90m or 90h)`},
		{in: "2d", err: `invalid duration "2d" (durations look like 250ms, 90s, 15m or 2h)`},
		{in: "-1s", err: `duration "-1s" is negative`},
	}
	for _, tc := range tests {
		got, err := ParseDuration(tc.in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("ParseDuration(%q) error = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   time.Duration
		want string
	}{
		{time.Minute, "1m"},
		{time.Hour, "1h"},
		{90 * time.Minute, "1h30m"},
		{time.Hour + time.Second, "1h0m1s"},
		{1500 * time.Millisecond, "1.5s"},
		{250 * time.Millisecond, "250ms"},
		{0, "0s"},
	}
	for _, tc := range tests {
		got := FormatDuration(tc.in)
		if got != tc.want {
			t.Errorf("FormatDuration(%v) = %q, want %q", tc.in, got, tc.want)
		}
		if back, err := ParseDuration(got); err != nil || back != tc.in {
			t.Errorf("ParseDuration(FormatDuration(%v)) = %v, %v; want it back", tc.in, back, err)
		}
	}
}

// FuzzParseRate checks that parsing never panics and that a parsed rate
// formats to text that parses back to the same rate, to String's precision.
func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"400/s", "90/min", "1800/h", "1.5k/s", "0/s", "1e300/s", "-1/s", "/s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRate(s)
		if err != nil {
			return
		}
		back, err := ParseRate(r.String())
		if err != nil {
			t.Fatalf("ParseRate(%q) = %v, but its String %q does not parse: %v", s, r, r.String(), err)
		}
		if !closeEnough(float64(back), float64(r)) {
			t.Fatalf("ParseRate(%q) = %v; round trip through %q gave %v", s, float64(r), r.String(), float64(back))
		}
	})
}

// FuzzParseRatio is FuzzParseRate for percentages.
func FuzzParseRatio(f *testing.F) {
	for _, s := range []string{"6%", "0.5%", "100%", "1e3%", "%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRatio(s)
		if err != nil {
			return
		}
		back, err := ParseRatio(r.String())
		if err != nil || !closeEnough(float64(back), float64(r)) {
			t.Fatalf("ParseRatio(%q) = %v; round trip through %q gave %v, %v", s, float64(r), r.String(), float64(back), err)
		}
	})
}

// closeEnough allows for String's rounding to four decimals (at most
// 0.00005 in any unit, so at most that per second) and float noise.
func closeEnough(a, b float64) bool {
	return math.Abs(a-b) <= 0.00005+1e-12*math.Abs(b)
}
