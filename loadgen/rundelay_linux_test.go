//go:build linux

package loadgen

import (
	"os"
	"testing"
)

func TestSchedstatRunDelay(t *testing.T) {
	tests := []struct {
		line   string
		want   int64
		wantOK bool
	}{
		{"1527845 83021 12\n", 83021, true},
		{"0 0 0\n", 0, true},
		{"1527845\n", 0, false},
		{"", 0, false},
		{"1527845 x 12\n", 0, false},
	}
	for _, tt := range tests {
		got, ok := schedstatRunDelay([]byte(tt.line))
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("schedstatRunDelay(%q) = %d, %v; want %d, %v", tt.line, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestProcessRunDelayReadsThisProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/schedstat"); err != nil {
		t.Skip("this kernel keeps no schedstat")
	}
	d, ok := processRunDelay()
	if !ok || d < 0 {
		t.Fatalf("processRunDelay() = %v, %v; want a non-negative delay read from /proc", d, ok)
	}
}
