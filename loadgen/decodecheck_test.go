package loadgen

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// sampleResults are small results as a run writes them: two keys, a
// journey, lag and a two-interval timeline.
func sampleResults(t testing.TB) []byte {
	t.Helper()
	kl := newKeyLayout(nil, func(s string) string { return s })
	kl.keys = append(kl.keys, Key{Journey: "j"}, Key{Journey: "j", Step: "GET /"})
	rec := newRecorder(keyLayout{keys: kl.keys, journeyKey: []int{1}, stepBase: []int{0}, stepJourney: []int{0}, stepKeys: []int{2}}, 1, time.Second, 10)
	now := time.Now()
	for i := range 4 {
		class := ClassNone
		if i == 3 {
			class = ClassStatus5xx
		}
		rec.record(0, sample{intended: now, sent: now.Add(time.Millisecond), done: now.Add(time.Duration(i+2) * time.Millisecond), class: class, open: true})
		rec.recordVisit(0, 0, 3*time.Millisecond, class != ClassNone)
		rec.collect(time.Duration(i)*time.Second, IntervalSignals{})
	}
	res := rec.results()
	res.Arrivals = ArrivalCounts{Planned: 4, Started: 4, Completed: 3, Failed: 1}
	res.Elapsed = 4 * time.Second
	data, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// edit decodes a results file into generic JSON, lets change alter it and
// encodes it again.
func edit(t testing.TB, data []byte, change func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	change(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// rawHistogram encodes an empty histogram with any header, as a hostile
// file may declare it, without allocating what the header asks for.
func rawHistogram(lowest, highest int64, digits int32) string {
	head := make([]byte, v2HeaderSize)
	binary.BigEndian.PutUint32(head[0:], v2EncodingCookie)
	binary.BigEndian.PutUint32(head[12:], uint32(digits))
	binary.BigEndian.PutUint64(head[16:], uint64(lowest))
	binary.BigEndian.PutUint64(head[24:], uint64(highest))
	binary.BigEndian.PutUint64(head[32:], math.Float64bits(1))
	var z bytes.Buffer
	z.Write(make([]byte, 8))
	w := zlib.NewWriter(&z)
	w.Write(head)
	w.Close()
	out := z.Bytes()
	binary.BigEndian.PutUint32(out[0:], v2CompressedEncodingCookie)
	binary.BigEndian.PutUint32(out[4:], uint32(len(out)-8))
	return base64.StdEncoding.EncodeToString(out)
}

func key(m map[string]any, i int) map[string]any { return m["keys"].([]any)[i].(map[string]any) }

func interval(m map[string]any, i int) map[string]any {
	return m["timeline"].([]any)[i].(map[string]any)
}

func TestDecodeRefusesImpossibleResults(t *testing.T) {
	t.Parallel()
	good := sampleResults(t)
	if _, err := Decode(bytes.NewReader(good)); err != nil {
		t.Fatalf("the sample does not decode: %v", err)
	}
	huge := rawHistogram(1, 1<<62, 5)
	tests := []struct {
		name   string
		change func(m map[string]any)
		want   string
	}{
		{"huge histogram", func(m map[string]any) { key(m, 2)["latency"] = huge },
			"keys[2].latency: histogram of values 1 to 4611686018427387904 with 5 significant digits; liftoff writes 1 to 3600000000 with 3"},
		{"two digits, as timelines once had", func(m map[string]any) { m["lag"] = rawHistogram(1, histHighest, 2) },
			"lag: histogram of values 1 to 3600000000 with 2 significant digits; liftoff writes 1 to 3600000000 with 3"},
		{"huge timeline histogram", func(m map[string]any) { interval(m, 0)["keys"].([]any)[0].(map[string]any)["service"] = huge },
			"timeline[0].service: histogram of values 1 to 4611686018427387904"},
		{"not a histogram", func(m map[string]any) { m["lag"] = "SGVsbG8sIHdvcmxkIQ==" }, "lag: decode histogram: not an HdrHistogram V2 compressed encoding"},
		{"negative requests", func(m map[string]any) { m["requests"] = -5; key(m, 0)["requests"] = -5 }, "requests is negative (-5)"},
		{"errors beyond requests", func(m map[string]any) { m["errors"] = 9 }, "9 errors among 4 requests"},
		{"classes beyond errors", func(m map[string]any) { m["classes"] = map[string]any{"5xx": 1, "timeout": 3} }, "the error classes add up to 4, not to the 1 errors"},
		{"completed beyond started", func(m map[string]any) { m["arrivals"].(map[string]any)["completed"] = 10 }, "arrivals: 10 completed and 1 failed of 4 started"},
		{"keys[0] not the whole run", func(m map[string]any) { key(m, 0)["journey"] = "x" }, "keys[0] must be every request"},
		{"key errors beyond requests", func(m map[string]any) { key(m, 2)["errors"] = 7 }, "keys[2]: 7 errors"},
		{"latencies beyond requests", func(m map[string]any) { key(m, 2)["requests"] = 2; key(m, 2)["errors"] = 0 }, "keys[2]: 0 errors, 4 latencies and 4 service times of 2 requests"},
		{"timeline out of order", func(m map[string]any) { interval(m, 1)["offset_us"] = 0 }, "timeline[1]: offset 0s does not follow the one before"},
		{"interval errors beyond requests", func(m map[string]any) { interval(m, 3)["errors"] = 5 }, "timeline[3]: a negative count, or 5 errors among 1 requests"},
		{"timeline without interval", func(m map[string]any) { m["interval_us"] = 0 }, "a timeline needs interval_us above zero"},
		{"too many intervals", func(m map[string]any) {
			tl := m["timeline"].([]any)
			for len(tl) <= MaxTimelineIntervals {
				tl = append(tl, map[string]any{})
			}
			m["timeline"] = tl
		}, "the timeline has more than the 10000 intervals liftoff reads"},
		{"too many examples", func(m map[string]any) { m["examples"] = map[string]any{"5xx": []string{"a", "b", "c", "d", "e", "f"}} }, "6 examples of class 5xx"},
	}
	for _, tc := range tests {
		_, err := Decode(bytes.NewReader(edit(t, good, tc.change)))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to say %q", tc.name, err, tc.want)
		}
	}
}

// TestDecodeMemoryIsBounded decodes files built to cost memory: histogram
// headers declaring huge ranges (each used to allocate what it declared),
// and more whole-run histograms than the budget holds. Each is refused
// having allocated a small part of what it asked for.
func TestDecodeMemoryIsBounded(t *testing.T) { // not parallel: it measures the heap and sets the budget
	defer func(b int64) { decodeBudget = b }(decodeBudget)
	decodeBudget = 16 << 20
	good := sampleResults(t)
	dense := encodeHistogram(newTotalHistogram())
	tests := []struct {
		name   string
		change func(m map[string]any)
		want   string
	}{
		{"declared range", func(m map[string]any) {
			// 2^40 µs at 4 digits is a 230 MiB counts array per histogram.
			for i := range 3 {
				key(m, i)["latency"] = rawHistogram(1, 1<<40, 4)
			}
		}, "histogram of values 1 to 1099511627776 with 4 significant digits"},
		{"many histograms", func(m map[string]any) {
			keys := m["keys"].([]any)
			for range 200 { // 400 histograms of 184 KiB: 72 MiB
				keys = append(keys, map[string]any{"journey": "j", "step": "x", "latency": dense, "service": dense})
			}
			m["keys"] = keys
		}, "its histograms would need more than 16 MiB of memory to read"},
	}
	for _, tc := range tests {
		data := edit(t, good, tc.change)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := Decode(bytes.NewReader(data))
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to say %q", tc.name, err, tc.want)
		}
		// Reading a histogram also makes garbage (base64 and zlib state),
		// which the collector takes back: twice the budget bounds it here.
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 2*uint64(decodeBudget)+64*uint64(len(data)) {
			t.Errorf("%s: a %d KiB file allocated %d MiB, want at most twice the budget", tc.name, len(data)>>10, alloc>>20)
		}
	}
}

// TestDecodeChargesTimelineHistogramsPacked decodes a long timeline under
// a small budget. Timeline histograms share the whole-run histograms'
// geometry (three significant digits) but stay packed: each is charged
// what its payload can hold, never a whole-run histogram's 184 KiB, which
// would refuse a real run's file of a few thousand of them.
func TestDecodeChargesTimelineHistogramsPacked(t *testing.T) { // not parallel: it sets the budget
	defer func(b int64) { decodeBudget = b }(decodeBudget)
	decodeBudget = 16 << 20 // 89 whole-run histograms
	data := edit(t, sampleResults(t), func(m map[string]any) {
		tl := m["timeline"].([]any)
		for i := len(tl); i < 300; i++ { // 300 intervals of 3 keys: 1,800 histograms
			iv := map[string]any{}
			for k, v := range tl[i%4].(map[string]any) {
				iv[k] = v
			}
			iv["offset_us"] = i * 1e6
			tl = append(tl, iv)
		}
		m["timeline"] = tl
	})
	res, err := Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("a 300-interval timeline within a %d MiB budget: %v", decodeBudget>>20, err)
	}
	if n := len(res.Timeline); n != 300 {
		t.Errorf("%d intervals decoded, want 300", n)
	}
}

// FuzzDecode checks that no input panics the results decoder, that what it
// accepts encodes again, and that what decoding keeps is within its budget
// plus a multiple of the input's size, whatever the input declares. The
// memory limit makes the collector take back decoding's garbage early.
func FuzzDecode(f *testing.F) {
	defer func(b int64) { decodeBudget = b }(decodeBudget)
	decodeBudget = 8 << 20
	debug.SetMemoryLimit(256 << 20) // a fuzz input that escapes the budget fails fast
	good := sampleResults(f)
	f.Add(good)
	f.Add(edit(f, good, func(m map[string]any) { key(m, 2)["latency"] = rawHistogram(1, 1<<62, 5) }))
	f.Add(edit(f, good, func(m map[string]any) { m["timeline"] = []any{} }))
	f.Add([]byte(`{"version":1,"keys":[{}],"classes":{},"timeline":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		res, err := Decode(bytes.NewReader(data))
		runtime.GC()
		runtime.ReadMemStats(&after)
		if kept := int64(after.HeapAlloc) - int64(before.HeapAlloc); kept > decodeBudget+64*int64(len(data))+1<<20 {
			t.Fatalf("a %d-byte input keeps %d MiB", len(data), kept>>20)
		}
		if err != nil {
			return
		}
		if _, err := json.Marshal(res); err != nil {
			t.Fatalf("decoded results do not encode: %v", err)
		}
	})
}
