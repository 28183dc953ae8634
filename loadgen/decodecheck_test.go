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
	res := mustResults(t, rec)
	for i := range res.Timeline { // the ledger's part: each visit where it arrived
		res.Timeline[i].Arrivals, res.Timeline[i].Completed = 1, 1
	}
	res.Timeline[3].Completed, res.Timeline[3].Failed = 0, 1
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
		{"latencies beyond requests", func(m map[string]any) { key(m, 2)["requests"] = 2; key(m, 2)["errors"] = 0 },
			"keys[2]: 0 errors (0 the generator's), 0 cut off, 3 latencies and 3 service times of 2 requests"},
		{"latencies of failed requests", func(m map[string]any) { key(m, 2)["errors"] = 2 },
			"keys[2]: 2 errors (0 the generator's), 0 cut off, 3 latencies and 3 service times of 4 requests"},
		{"generator errors beyond errors", func(m map[string]any) { key(m, 2)["generator_errors"] = 2 }, "keys[2]: 1 errors (2 the generator's)"},
		{"cut off beyond requests", func(m map[string]any) { key(m, 2)["cut_off"] = 4 }, "keys[2]: 1 errors (0 the generator's), 4 cut off"},
		{"a cut-off request counted as an error", func(m map[string]any) { m["classes"] = map[string]any{"cut-off": 1} },
			"the error classes add up to 0, not to the 1 errors"},
		{"cut-off class not the requests cut off", func(m map[string]any) { m["classes"] = map[string]any{"5xx": 1, "cut-off": 2} },
			"keys[0] counts 4 requests, 1 errors (0 the generator's) and 0 cut off; the run 4, 1 (0) and 2"},
		{"generator class not the generator's errors", func(m map[string]any) { m["classes"] = map[string]any{"generator": 1} },
			"keys[0] counts 4 requests, 1 errors (0 the generator's) and 0 cut off; the run 4, 1 (1) and 0"},
		{"failure timings beyond their class", func(m map[string]any) {
			m["failures"].(map[string]any)["5xx"].(map[string]any)["latency"] = encodeDistribution(DistributionOf(time.Millisecond, time.Millisecond))
		}, "failures.5xx: 2 timings of 1 failed requests"},
		{"failure timings of cut-off requests", func(m map[string]any) {
			m["failures"].(map[string]any)["cut-off"] = map[string]any{"latency": encodeDistribution(DistributionOf(time.Millisecond))}
		}, "failures.cut-off: 1 timings of 0 failed requests"},
		{"huge failure histogram", func(m map[string]any) { m["failures"].(map[string]any)["5xx"].(map[string]any)["service"] = huge },
			"failures.5xx.service: histogram of values 1 to 4611686018427387904"},
		{"stopped beyond visitors", func(m map[string]any) { m["closed"] = map[string]any{"visitors": 1, "stopped": 2} }, "closed: 2 of 1 visitors stopped"},
		{"ran beyond elapsed", func(m map[string]any) { m["ran_us"] = 5e6 }, "ran_us 5000000 and interrupted_at_us 0 must lie within elapsed_us 4000000"},
		{"negative signals", func(m map[string]any) { m["generator"].(map[string]any)["cpu_us"] = -1 }, "generator.cpu_us is negative (-1)"},
		{"negative peak of open connections", func(m map[string]any) { m["generator"].(map[string]any)["peak_connections"] = -3 },
			"generator: -3 connections open at the peak and 0 port failures"},
		{"negative port failures", func(m map[string]any) { m["generator"].(map[string]any)["port_failures"] = -1 },
			"generator: 0 connections open at the peak and -1 port failures"},
		{"negative port range", func(m map[string]any) { m["generator"].(map[string]any)["local_ports"] = -1 }, "generator.local_ports is -1"},
		{"more ports than there are", func(m map[string]any) { m["generator"].(map[string]any)["local_ports"] = 70000 }, "generator.local_ports is 70000"},
		{"negative interval peak", func(m map[string]any) { interval(m, 1)["peak_connections"] = -1 }, "timeline[1]: negative generator signals"},
		{"negative interval port failures", func(m map[string]any) { interval(m, 1)["port_failures"] = -1 }, "timeline[1]: negative generator signals"},
		{"huge signal histogram", func(m map[string]any) { m["generator"].(map[string]any)["delay"] = huge },
			"generator.delay: histogram of values 1 to 4611686018427387904"},
		{"huge interval signal", func(m map[string]any) { interval(m, 2)["sched"] = huge }, "timeline[2].sched: histogram of values 1 to 4611686018427387904"},
		{"interval visits beyond arrivals", func(m map[string]any) { interval(m, 0)["completed"] = 5 }, "timeline[0]: 5 completed and 0 failed of 1 visits that arrived"},
		{"interval lag beyond requests", func(m map[string]any) { interval(m, 0)["lag"] = encodeSparse(SparseOf(1, 2, 3)) },
			"timeline[0]: negative generator signals, or 3 lag values for 1 requests"},
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
	dense := encodePacked(fullPacked())
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
			for range 200 { // 400 histograms of every bucket: 90 MiB packed
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
	f.Add(edit(f, good, func(m map[string]any) { // every schema 2 field that holds a histogram or a count
		m["generator"] = map[string]any{"cpus": 2, "cpu_us": 1000, "cpu_known": true, "delay": encodeSparse(SparseOf(time.Millisecond)),
			"sched": encodeSparse(SparseOf(time.Microsecond)), "shared_connect": encodeSparse(SparseOf(time.Millisecond)), "pre_opened": 1,
			"peak_connections": 3, "local_ports": 28232, "port_failures": 1}
		interval(m, 0)["sched"] = encodeSparse(SparseOf(time.Microsecond))
		interval(m, 0)["peak_connections"], interval(m, 0)["port_failures"] = 3, 1
		interval(m, 1)["keys"].([]any)[0].(map[string]any)["cut_off"] = 1
		m["closed"] = map[string]any{"visitors": 2, "stopped": 1}
	}))
	f.Add([]byte(`{"version":2,"keys":[{}],"classes":{},"timeline":[]}`))
	f.Add(mergedSample(f, good))
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

// mergedSample is sample merged from two segments, each holding the
// sample's results: a file with every segment field.
func mergedSample(t testing.TB, sample []byte) []byte {
	t.Helper()
	var m Merger
	for i := range 2 {
		r, err := Decode(bytes.NewReader(sample))
		if err != nil {
			t.Fatal(err)
		}
		r.Segment, r.Host, r.StartDelay = Segment{i, 2}, "host", time.Millisecond
		if err := m.Add("sample", r); err != nil {
			t.Fatal(err)
		}
	}
	res, err := m.Result(false)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
