package loadgen

import (
	"math/rand/v2"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

func TestEncodeHistogramIsStandardV2(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		values []int64
	}{
		{"empty", nil},
		{"one value", []int64{1234}},
		{"spread", func() []int64 {
			r := rand.New(rand.NewPCG(1, 2))
			var v []int64
			for range 20000 {
				v = append(v, int64(r.ExpFloat64()*5000)+1)
			}
			return v
		}()},
		{"extremes", []int64{1, histHighest, histHighest, 2}},
		{"large counts", func() []int64 {
			v := make([]int64, 0, 300000)
			for range 300000 {
				v = append(v, 777)
			}
			return v
		}()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newTotalHistogram()
			for _, v := range tc.values {
				if err := h.RecordValue(v); err != nil {
					t.Fatal(err)
				}
			}
			decoded, err := hdr.Decode([]byte(encodeHistogram(h)))
			if err != nil {
				t.Fatalf("the library cannot decode our encoding: %v", err)
			}
			if !decoded.Equals(h) {
				t.Fatalf("decoded histogram differs: count %d max %d, want count %d max %d",
					decoded.TotalCount(), decoded.Max(), h.TotalCount(), h.Max())
			}
			// The library's own encoder writes the same histogram in the same
			// format: both decode to equal histograms.
			lib, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
			if err != nil {
				t.Fatal(err)
			}
			fromLib, err := decodeHistogram(string(lib))
			if err != nil || !fromLib.Equals(decoded) {
				t.Fatalf("library encoding decodes differently: %v", err)
			}
		})
	}
}

func TestMicrosClamps(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   time.Duration
		want int64
	}{
		{-time.Second, 1},
		{0, 1},
		{1500 * time.Nanosecond, 1},
		{250 * time.Millisecond, 250000},
		{2 * time.Hour, histHighest},
	}
	for _, tc := range tests {
		if got := micros(tc.in); got != tc.want {
			t.Errorf("micros(%v) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestZigZagMatchesV2(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   int64
		want []byte
	}{
		{0, []byte{0}},
		{1, []byte{2}},
		{-1, []byte{1}},
		{63, []byte{126}},
		{64, []byte{0x80, 0x01}},
		{-3, []byte{5}},
		{1 << 62, []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80}},
	}
	for _, tc := range tests {
		got := appendZigZag(nil, tc.in)
		if string(got) != string(tc.want) {
			t.Errorf("appendZigZag(%d) = %x, want %x", tc.in, got, tc.want)
		}
	}
}
