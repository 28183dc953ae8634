package scenario

import (
	"testing"
)

func TestParseSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int64
		err  string
	}{
		{in: "1MiB", want: 1 << 20},
		{in: "512KiB", want: 512 << 10},
		{in: "1.5 MiB", want: 3 << 19},
		{in: "2MB", want: 2e6},
		{in: "300B", want: 300},
		{in: "300", err: `size "300" has no unit (write 300KiB, 300MiB or 300B)`},
		{in: "1TB", err: `invalid size "1TB" (sizes look like 512KiB, 1MiB or 2MB)`},
		{in: "-1MiB", err: `invalid size "-1MiB" (sizes look like 512KiB, 1MiB or 2MB)`},
	}
	for _, tc := range tests {
		got, err := ParseSize(tc.in)
		switch {
		case tc.err != "" && (err == nil || err.Error() != tc.err):
			t.Errorf("ParseSize(%q) error %v, want %q", tc.in, err, tc.err)
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	for _, n := range []int64{1 << 20, 3 << 10, 1500, 64 << 20} {
		if back, err := ParseSize(FormatSize(n)); err != nil || back != n {
			t.Errorf("FormatSize(%d) = %q reads back as %d, %v", n, FormatSize(n), back, err)
		}
	}
}

func TestParseMaxBodyAndTLS(t *testing.T) {
	t.Parallel()
	src := "name: t\ntarget: https://127.0.0.1:9\ndefaults: { max_body: 256KiB, tls: { insecure: true } }\ntraffic:\n  phases: [ { duration: 1s, rate: 1/s } ]\njourneys:\n  - name: j\n    steps:\n      - GET /\n      - { request: GET /big, max_body: 8MiB }\n"
	sc, err := parseString(t, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sc.Defaults.MaxBody != 256<<10 || !sc.Defaults.TLS.Insecure {
		t.Errorf("defaults: max_body %d, insecure %v", sc.Defaults.MaxBody, sc.Defaults.TLS.Insecure)
	}
	if steps := sc.Journeys[0].Steps; steps[0].MaxBody != 0 || steps[1].MaxBody != 8<<20 {
		t.Errorf("steps' max_body %d and %d, want 0 (the default) and 8MiB", steps[0].MaxBody, steps[1].MaxBody)
	}
	for _, tc := range []struct{ value, problem string }{
		{"0B", "launch.yaml:3:23: defaults.max_body: must be at least 1B"},
		{"1GiB", "launch.yaml:3:23: defaults.max_body: 1GiB is more than the 64MiB a step may keep (every visitor on the step may hold this much at once; check a smaller body, or capture with a regex from its start)"},
		{"lots", `launch.yaml:3:23: defaults.max_body: invalid size "lots" (sizes look like 512KiB, 1MiB or 2MB)`},
	} {
		bad := "name: t\ntarget: https://127.0.0.1:9\ndefaults: { max_body: " + tc.value + " }\ntraffic:\n  phases: [ { duration: 1s, rate: 1/s } ]\njourneys: [ { name: j, steps: [ GET / ] } ]\n"
		problems := Problems(func() error { _, err := parseString(t, bad, nil); return err }())
		if len(problems) != 1 || problems[0].Error() != tc.problem {
			t.Errorf("max_body %s: problems %v, want %s", tc.value, problems, tc.problem)
		}
	}
}
