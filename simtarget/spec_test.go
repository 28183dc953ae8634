package simtarget

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseSpec(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		spec string
		want Config
	}{
		{"bare shop is all defaults", "sim:shop", Config{}},
		{"empty query", "sim:shop?", Config{}},
		{"empty pairs are skipped", "sim:shop?workers=4&&seed=1", Config{Workers: 4, Seed: 1}},
		{
			"every knob",
			"sim:shop?service=20ms&spread=0.5&queue=100&errors=2%&stall=1s/5s&workers=8&seed=7&tls=1",
			Config{Workers: 8, Service: 20 * time.Millisecond, Spread: 0.5, Queue: 100, ErrorRate: 0.02,
				StallEvery: 5 * time.Second, StallFor: time.Second, Seed: 7, TLS: true},
		},
		// ceil(300 × 5ms × e^(0.5²/2)) = ceil(1.6997)
		{"capacity with default service", "sim:shop?capacity=300", Config{Workers: 2}},
		// ceil(300 × 20ms × e^0.125) = ceil(6.799); capacity before service
		{"capacity uses later service", "sim:shop?capacity=300&service=20ms", Config{Workers: 7, Service: 20 * time.Millisecond}},
		// 200 × 5ms is 1 up to float noise, which must not add a worker
		{"capacity exactly whole", "sim:shop?service=5ms&spread=0&capacity=200", Config{Workers: 1, Service: 5 * time.Millisecond, Spread: -1}},
		{"tiny capacity still has a worker", "sim:shop?capacity=0.001", Config{Workers: 1}},
		{"errors as a ratio", "sim:shop?errors=0.02", Config{ErrorRate: 0.02}},
		{"errors of 100%", "sim:shop?errors=100%", Config{ErrorRate: 1}},
		{"negative zero errors is zero", "sim:shop?errors=-0", Config{}},
		{"queue 0 means none", "sim:shop?queue=0", Config{Queue: -1}},
		{"spread 0 means constant", "sim:shop?spread=0", Config{Spread: -1}},
		{"seed 0 means default", "sim:shop?seed=0", Config{}},
		{"largest seed", "sim:shop?seed=18446744073709551615", Config{Seed: 1<<64 - 1}},
		{"tls off", "sim:shop?tls=0", Config{}},
		{"largest workers", "sim:shop?workers=100000", Config{Workers: 100000}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseSpec(tc.spec)
			if err != nil {
				t.Fatalf("ParseSpec(%q) error: %v", tc.spec, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ParseSpec(%q) mismatch (-want +got):\n%s", tc.spec, diff)
			}
		})
	}
}

func TestParseSpecErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		spec string
		want string
	}{
		{"empty", "", `sim target "": not a sim target (want sim:shop)`},
		{"a url", "http://localhost:8080", `sim target "http://localhost:8080": not a sim target (want sim:shop)`},
		{"other shop", "sim:other", `sim target "sim:other": unknown shop "other" (known: shop)`},
		{"no shop", "sim:?workers=1", `sim target "sim:?workers=1": unknown shop "" (known: shop)`},
		{"unknown parameter", "sim:shop?x=1",
			`sim target "sim:shop?x=1": unknown parameter "x" (known: capacity, errors, queue, seed, service, spread, stall, tls, workers)`},
		{"suffix of a known name", "sim:shop?s=1",
			`sim target "sim:shop?s=1": unknown parameter "s" (known: capacity, errors, queue, seed, service, spread, stall, tls, workers)`},
		{"twice", "sim:shop?workers=8&workers=9", `sim target "sim:shop?workers=8&workers=9": parameter "workers" given twice`},
		{"capacity and workers", "sim:shop?capacity=300&workers=8", `sim target "sim:shop?capacity=300&workers=8": capacity and workers both set (use one)`},
		{"zero workers", "sim:shop?workers=0", `sim target "sim:shop?workers=0": workers "0": want a whole number from 1 to 100000, such as 8`},
		{"too many workers", "sim:shop?workers=100001", `sim target "sim:shop?workers=100001": workers "100001": want a whole number from 1 to 100000, such as 8`},
		{"no value", "sim:shop?workers", `sim target "sim:shop?workers": workers "": want a whole number from 1 to 100000, such as 8`},
		{"service not a duration", "sim:shop?service=fast", `sim target "sim:shop?service=fast": service "fast": want a duration above 0 and at most 1m0s, such as 20ms`},
		{"service without unit", "sim:shop?service=20", `sim target "sim:shop?service=20": service "20": want a duration above 0 and at most 1m0s, such as 20ms`},
		{"service zero", "sim:shop?service=0s", `sim target "sim:shop?service=0s": service "0s": want a duration above 0 and at most 1m0s, such as 20ms`},
		{"service too long", "sim:shop?service=2m", `sim target "sim:shop?service=2m": service "2m": want a duration above 0 and at most 1m0s, such as 20ms`},
		{"negative spread", "sim:shop?spread=-1", `sim target "sim:shop?spread=-1": spread "-1": want a number from 0 to 4, such as 0.5 (0 means constant service)`},
		{"nan spread", "sim:shop?spread=NaN", `sim target "sim:shop?spread=NaN": spread "NaN": want a number from 0 to 4, such as 0.5 (0 means constant service)`},
		{"negative queue", "sim:shop?queue=-1", `sim target "sim:shop?queue=-1": queue "-1": want a whole number from 0 to 1000000, such as 100 (0 means no queue)`},
		{"errors above 100%", "sim:shop?errors=150%", `sim target "sim:shop?errors=150%": errors "150%": want a share from 0% to 100%, such as 2% or 0.02`},
		{"errors as a word", "sim:shop?errors=some", `sim target "sim:shop?errors=some": errors "some": want a share from 0% to 100%, such as 2% or 0.02`},
		{"nan errors", "sim:shop?errors=NaN%", `sim target "sim:shop?errors=NaN%": errors "NaN%": want a share from 0% to 100%, such as 2% or 0.02`},
		{"stall longer than period", "sim:shop?stall=5s/1s", `sim target "sim:shop?stall=5s/1s": stall "5s/1s": want FOR/EVERY with 0 < FOR < EVERY, such as 1s/5s`},
		{"stall equal to period", "sim:shop?stall=1s/1s", `sim target "sim:shop?stall=1s/1s": stall "1s/1s": want FOR/EVERY with 0 < FOR < EVERY, such as 1s/5s`},
		{"stall without period", "sim:shop?stall=1s", `sim target "sim:shop?stall=1s": stall "1s": want FOR/EVERY with 0 < FOR < EVERY, such as 1s/5s`},
		{"zero stall", "sim:shop?stall=0s/5s", `sim target "sim:shop?stall=0s/5s": stall "0s/5s": want FOR/EVERY with 0 < FOR < EVERY, such as 1s/5s`},
		{"negative seed", "sim:shop?seed=-1", `sim target "sim:shop?seed=-1": seed "-1": want a whole number from 0 to 18446744073709551615, such as 7`},
		{"tls word", "sim:shop?tls=yes", `sim target "sim:shop?tls=yes": tls "yes": want 1 or 0`},
		{"zero capacity", "sim:shop?capacity=0", `sim target "sim:shop?capacity=0": capacity "0": want requests per second above 0, such as 300`},
		{"infinite capacity", "sim:shop?capacity=Inf", `sim target "sim:shop?capacity=Inf": capacity "Inf": want requests per second above 0, such as 300`},
		{"capacity beyond workers", "sim:shop?capacity=1e9",
			`sim target "sim:shop?capacity=1e9": capacity "1e9": needs 5665743 workers at a mean service time of 5.665742ms, more than 100000`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseSpec(tc.spec)
			if err == nil {
				t.Fatalf("ParseSpec(%q) = %v, want error %q", tc.spec, got, tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("ParseSpec(%q) error:\n got %s\nwant %s", tc.spec, err, tc.want)
			}
		})
	}
}

func TestConfigString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"defaults", Config{}, "sim:shop"},
		{
			"every knob, alphabetical",
			Config{Workers: 8, Service: 20 * time.Millisecond, Spread: 0.5, Queue: 100, ErrorRate: 0.02,
				StallEvery: 5 * time.Second, StallFor: time.Second, Seed: 7, TLS: true},
			"sim:shop?errors=2%&queue=100&seed=7&service=20ms&spread=0.5&stall=1s/5s&tls=1&workers=8",
		},
		{"none is written as 0", Config{Queue: -1, Spread: -1}, "sim:shop?queue=0&spread=0"},
		{"any negative is none", Config{Queue: -7, Spread: -0.3}, "sim:shop?queue=0&spread=0"},
		{"share as percent when exact", Config{ErrorRate: 0.3}, "sim:shop?errors=30%"},
		{"shortest exact percent", Config{ErrorRate: 0.07}, "sim:shop?errors=7%"},
		{"long share", Config{ErrorRate: 0.123456789}, "sim:shop?errors=12.3456789%"},
		{"ratio when no percent reads back", Config{ErrorRate: 9.817477042468103e-06}, "sim:shop?errors=9.817477042468103e-06"},
		{"sub-millisecond service", Config{Service: 250 * time.Microsecond}, "sim:shop?service=250µs"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := tc.cfg.String()
			if got != tc.want {
				t.Errorf("%#v.String() = %q, want %q", tc.cfg, got, tc.want)
			}
			back, err := ParseSpec(got)
			if err != nil {
				t.Fatalf("ParseSpec(%q) error: %v", got, err)
			}
			want := tc.cfg // but every "none" reads back as -1
			if want.Queue < 0 {
				want.Queue = -1
			}
			if want.Spread < 0 {
				want.Spread = -1
			}
			if diff := cmp.Diff(want, back); diff != "" {
				t.Errorf("ParseSpec(%q) does not round-trip (-want +got):\n%s", got, diff)
			}
		})
	}
}

// FuzzParseSpec checks that ParseSpec never panics, that whatever it
// accepts Start would accept too, and that parse → String → parse gives
// the same Config.
func FuzzParseSpec(f *testing.F) {
	for _, seed := range []string{
		"sim:shop",
		"sim:shop?capacity=300",
		"sim:shop?capacity=300&service=20ms&spread=0.5&queue=100&errors=2%&stall=1s/5s&seed=7",
		"sim:shop?workers=8&queue=0&spread=0&tls=1",
		"sim:shop?errors=0.123456789",
		"sim:shop?errors=-0",
		"sim:shop?x=1",
		"sim:other",
		"sim:shop?stall=1s/1s",
		"sim:shop?capacity=1e9",
		"sim:shop?service=1.5µs&spread=3.9999",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		cfg, err := ParseSpec(spec)
		if err != nil {
			return
		}
		if err := cfg.validate(); err != nil {
			t.Fatalf("ParseSpec(%q) = %#v, which Start rejects: %v", spec, cfg, err)
		}
		canonical := cfg.String()
		back, err := ParseSpec(canonical)
		if err != nil {
			t.Fatalf("ParseSpec(%q) = %#v; its String %q does not parse: %v", spec, cfg, canonical, err)
		}
		if diff := cmp.Diff(cfg, back); diff != "" {
			t.Fatalf("ParseSpec(%q) does not round-trip through %q (-first +second):\n%s", spec, canonical, diff)
		}
	})
}
