package scenario

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// laughs is a "billion laughs" document inside a step's json body: each
// level names the one before ten times, so nine levels stand for 10^9
// strings in about a kilobyte.
func laughs(levels int) string {
	var b strings.Builder
	b.WriteString("name: t\ntarget: http://127.0.0.1:9\ntraffic:\n  phases: [ { duration: 1s, rate: 1/s } ]\njourneys:\n  - name: j\n    steps:\n      - request: POST /\n        json:\n")
	b.WriteString(`          l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]` + "\n")
	for i := 1; i < levels; i++ {
		fmt.Fprintf(&b, "          l%d: &l%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d,", i-1), 10), ","))
	}
	return b.String()
}

func TestAliasExpansionIsBounded(t *testing.T) { // not parallel: it measures the heap
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := parseString(t, laughs(9), nil)
	runtime.ReadMemStats(&after)
	problems := Problems(err)
	if len(problems) != 1 {
		t.Fatalf("want one problem, got %v", err)
	}
	// Each *l1 adds 111 nodes, *l2 1,111 and *l3 11,111: the levels up to
	// l3 add 12,330, and the eighth *l3 in l4 (line 14) crosses 100,000.
	want := "launch.yaml:14:48: alias *l3 takes the scenario's aliases past 100000 nodes (aliases of aliases multiply; write the repeated part out, or nest fewer aliases)"
	if got := problems[0].Error(); got != want {
		t.Errorf("problem:\n got %s\nwant %s", got, want)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("refusing the document allocated %d bytes, want under 4 MiB", alloc)
	}
}

func TestAliasesWithinBudget(t *testing.T) {
	t.Parallel()
	src := "name: t\ntarget: http://127.0.0.1:9\ndefaults:\n  headers: &h { X-A: a, X-B: b }\ntraffic:\n  phases: [ { duration: 1s, rate: 1/s } ]\njourneys:\n  - name: j\n    steps:\n"
	for i := range 50 {
		src += fmt.Sprintf("      - { request: GET /%d, headers: *h, json: &j%d { a: [1, 2, 3] } }\n", i, i)
	}
	sc, err := parseString(t, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(sc.Journeys[0].Steps[49].Headers); got != 2 {
		t.Errorf("step 50 has %d headers, want the 2 the alias names", got)
	}
	if _, err := parseString(t, laughs(4), nil); err != nil {
		t.Errorf("4 levels of aliases (11,110 nodes) should parse: %v", err)
	}
}

func TestRecursiveAlias(t *testing.T) {
	t.Parallel()
	src := "name: t\ntarget: http://127.0.0.1:9\ntraffic:\n  phases: [ { duration: 1s, rate: 1/s } ]\njourneys:\n  - name: j\n    steps:\n      - { request: POST /, json: &a [ *a ] }\n"
	_, err := parseString(t, src, nil)
	if len(Problems(err)) == 0 {
		t.Fatalf("a recursive alias should be a problem, got %v", err)
	}
}
