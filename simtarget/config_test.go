package simtarget

import (
	"math"
	"testing"
	"time"
)

func TestCapacity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		want float64 // requests/s
	}{
		// 64 / (5ms × e^(0.5²/2))
		{"defaults", Config{}, 64 / (0.005 * math.Exp(0.125))},
		{"constant service", Config{Workers: 2, Service: 50 * time.Millisecond, Spread: -1}, 40},
		{"one slow worker", Config{Workers: 1, Service: time.Second, Spread: -1}, 1},
		// 10 / (100ms × e^(1/2)) ≈ 60.65
		{"wide spread lowers capacity", Config{Workers: 10, Service: 100 * time.Millisecond, Spread: 1}, 100 / math.Exp(0.5)},
		// capacity=300 gives 2 workers, which serve a little more than asked
		{"from a capacity spec", mustParse(t, "sim:shop?capacity=300"), 2 / (0.005 * math.Exp(0.125))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.cfg.Capacity(); math.Abs(got-tc.want) > 1e-9*tc.want {
				t.Errorf("%v.Capacity() = %v, want %v", tc.cfg, got, tc.want)
			}
		})
	}
}

func TestMeanService(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cfg  Config
		want time.Duration
	}{
		{Config{}, 5665742 * time.Nanosecond}, // 5ms × e^0.125 = 5.6657423ms, truncated to ns
		{Config{Service: 20 * time.Millisecond, Spread: -1}, 20 * time.Millisecond},
	}
	for _, tc := range tests {
		if got := tc.cfg.MeanService(); got != tc.want {
			t.Errorf("%v.MeanService() = %v, want %v", tc.cfg, got, tc.want)
		}
	}
}

func TestStartRejectsBadConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"negative workers", Config{Workers: -1}, "start sim target: workers -1: want 0 (default) to 100000"},
		{"negative service", Config{Service: -time.Second}, "start sim target: service -1s: want 0 (default) to 1m0s"},
		{"nan spread", Config{Spread: math.NaN()}, "start sim target: spread NaN: want at most 4 (negative means constant)"},
		{"huge queue", Config{Queue: 2_000_000}, "start sim target: queue 2000000: want at most 1000000"},
		{"error rate above 1", Config{ErrorRate: 1.5}, "start sim target: error rate 1.5: want 0 to 1"},
		{"stall without period", Config{StallFor: time.Second}, "start sim target: stall 1s every 0s: want both zero or both positive"},
		{"stall as long as period", Config{StallFor: time.Second, StallEvery: time.Second},
			"start sim target: stall 1s every 1s: want the freeze shorter than its period"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := Start(tc.cfg)
			if err == nil {
				s.Close()
				t.Fatalf("Start(%#v) succeeded, want error %q", tc.cfg, tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("Start(%#v) error:\n got %s\nwant %s", tc.cfg, err, tc.want)
			}
		})
	}
}

func mustParse(t *testing.T, spec string) Config {
	t.Helper()
	cfg, err := ParseSpec(spec)
	if err != nil {
		t.Fatalf("ParseSpec(%q) error: %v", spec, err)
	}
	return cfg
}
