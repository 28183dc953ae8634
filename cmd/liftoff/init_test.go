package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/liftoff/liftoff/internal/golden"
	"github.com/liftoff/liftoff/scenario"
)

// replayCSV is a small analytics export for the custom shape.
const replayCSV = "minute,visitors\n0,100\n10,400\n20,900\n30,300\n40,100\n60,50\n"

// TestInitEveryShapeValidatesAndPlans writes a starter for every shape,
// with each way of giving the campaign's size, and checks that what it
// wrote validates and plans, and holds the numbers as typed.
func TestInitEveryShapeValidatesAndPlans(t *testing.T) {
	t.Parallel()
	tests := []struct {
		shape scenario.Shape
		flags []string
		want  []string // lines the file holds
	}{
		{scenario.ShapeEmailBlast, []string{"--audience", "400k", "--response", "6%"}, []string{"    audience: 400k ", "    response: 6% ", "    peak_at: 20m ", "    duration: 3h ", "  window: peak 15m "}},
		{scenario.ShapeTVSpot, []string{"--audience", "3.5M", "--response", "0.4%", "--peak-at", "90s"}, []string{"    audience: 3.5M ", "    peak_at: 90s ", "  window: peak 5m "}},
		{scenario.ShapeSocialViral, []string{"--visitors", "100000", "--load-factor", "3x"}, []string{"    visitors: 100000 ", "    peak_at: 5h ", "    duration: 24h ", "  load_factor: 3x "}},
		{scenario.ShapeProductLaunch, []string{"--peak", "1200/min", "--duration", "1h"}, []string{"    peak: 1200/min ", "    peak_at: 30m ", "    duration: 1h "}},
		{scenario.ShapeFlashSale, []string{"--visitors", "30,000", "--window", "full"}, []string{"    visitors: 30,000 ", "  window: full "}},
		{scenario.ShapeSteady, []string{"--peak", "300/min", "--duration", "5m"}, []string{"    peak: 300/min ", "    duration: 5m ", "  window: full "}},
		{scenario.ShapeCustom, []string{"--data", "data/last-year.csv", "--visitors", "50000"}, []string{"    data: data/last-year.csv ", "    visitors: 50000 ", "  window: peak 30m "}},
		{scenario.ShapeCustom, []string{"--data", "data/last-year.csv"}, []string{"    shape: custom "}},
	}
	for _, tc := range tests {
		t.Run(string(tc.shape)+strings.Join(tc.flags, "_"), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if err := os.Mkdir(filepath.Join(dir, "data"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "data", "last-year.csv"), []byte(replayCSV), 0o644); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(dir, "launch.yaml")
			args := append([]string{"init", file, "--shape", string(tc.shape), "--target", "https://staging.shop.example.com"}, tc.flags...)
			tio := newTestIO(nil)
			if code := tio.liftoff(t.Context(), args...); code != exitGo {
				t.Fatalf("liftoff %s: exit %d\n%s", strings.Join(args, " "), code, tio.err)
			}
			if !strings.HasPrefix(tio.err.String(), file+" written: ") || !strings.Contains(tio.err.String(), "next: liftoff plan "+file) {
				t.Errorf("stderr:\n%s", tio.err)
			}
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range append(tc.want, "    shape: "+string(tc.shape)+" ", "target: https://staging.shop.example.com ") {
				if !strings.Contains(string(src), "\n"+want) {
					t.Errorf("the scenario lacks the line %q:\n%s", want, src)
				}
			}
			for _, cmd := range [][]string{{"validate", file}, {"plan", file}, {"plan", file, "--json"}} {
				tio := newTestIO(nil)
				if code := tio.liftoff(t.Context(), cmd...); code != exitGo {
					t.Errorf("liftoff %s: exit %d\n%s", strings.Join(cmd, " "), code, tio.err)
				}
			}
		})
	}
}

// TestInitStarter pins the starter's text, comments and all.
func TestInitStarter(t *testing.T) {
	t.Parallel()
	tio := newTestIO(nil)
	args := []string{"init", "--shape", "email-blast", "--audience", "400k", "--response", "6%", "--target", "https://staging.shop.example.com", "--name", "Spring sale: 50% off, #1"}
	if code := tio.liftoff(t.Context(), args...); code != exitGo {
		t.Fatalf("exit %d\n%s", code, tio.err)
	}
	golden.Check(t, filepath.Join("testdata", "TestInit", "email-blast.yaml"), []byte(tio.out.String()))
	sc, err := scenario.Parse(strings.NewReader(tio.out.String()), "starter.yaml", scenario.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sc.Name != "Spring sale: 50% off, #1" {
		t.Errorf("name %q, want the --name as typed", sc.Name)
	}
}

// TestInitOutput checks where the starter goes: standard output without a
// file or with -, never over an existing file unless --force.
func TestInitOutput(t *testing.T) {
	t.Parallel()
	flags := []string{"--shape", "tv-spot", "--audience", "1M", "--response", "1%", "--target", "sim:shop"}
	stdout := func(args ...string) string {
		t.Helper()
		tio := newTestIO(nil)
		if code := tio.liftoff(t.Context(), append(append([]string{"init"}, args...), flags...)...); code != exitGo {
			t.Fatalf("liftoff init %v: exit %d\n%s", args, code, tio.err)
		}
		if tio.err.String() != "" {
			t.Errorf("liftoff init %v wrote to stderr:\n%s", args, tio.err)
		}
		return tio.out.String()
	}
	noFile, dash := stdout(), stdout("-")
	if noFile != dash || !strings.Contains(noFile, "shape: tv-spot") {
		t.Errorf("init and init - differ, or hold no scenario:\n%s\n---\n%s", noFile, dash)
	}

	file := filepath.Join(t.TempDir(), "launch.yaml")
	if err := os.WriteFile(file, []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tio := newTestIO(nil)
	if code := tio.liftoff(t.Context(), append([]string{"init", file}, flags...)...); code != exitUsage {
		t.Errorf("init over an existing file: exit %d, want %d", code, exitUsage)
	}
	if want := "liftoff: " + file + " exists: pass --force to replace it, or name another file\n"; !strings.HasPrefix(tio.err.String(), want) {
		t.Errorf("stderr %q, want %q", tio.err, want)
	}
	if src, _ := os.ReadFile(file); string(src) != "mine\n" {
		t.Errorf("the existing file changed:\n%s", src)
	}
	tio = newTestIO(nil)
	if code := tio.liftoff(t.Context(), append([]string{"init", file, "--force"}, flags...)...); code != exitGo {
		t.Fatalf("init --force: exit %d\n%s", code, tio.err)
	}
	if src, _ := os.ReadFile(file); string(src) != noFile {
		t.Errorf("--force wrote something else than init prints:\n%s", src)
	}
}

// TestInitProblemsNameTheirFlags checks that every problem is told against
// the flag that caused it, all at once, and nothing is written.
func TestInitProblemsNameTheirFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"nothing", nil, `liftoff: --shape is required: email-blast, tv-spot, social-viral, product-launch, flash-sale, steady, custom
liftoff: --target is required: the site to test, e.g. https://staging.shop.example.com (or sim:shop, the simulated shop)
liftoff: give the campaign's size: --audience with --response (400k and 6%), --visitors (24000), or --peak (1200/min)
`},
		{"unknown shape", []string{"--shape", "radio", "--target", "sim:shop", "--visitors", "9"}, "liftoff: --shape \"radio\": use email-blast, tv-spot, social-viral, product-launch, flash-sale, steady, custom\n"},
		{"two sizes", []string{"--shape", "steady", "--target", "sim:shop", "--visitors", "9", "--peak", "1/s"}, "liftoff: give the campaign's size one way: --audience with --response, --visitors, or --peak\n"},
		{"audience alone", []string{"--shape", "steady", "--target", "sim:shop", "--audience", "9"}, "liftoff: --audience and --response go together: the people reached, and the share of them who visit (400k and 6%)\n"},
		{"custom without data", []string{"--shape", "custom", "--target", "sim:shop"}, "liftoff: --shape custom replays a CSV of time,visitors: give it with --data\n"},
		{"data without custom", []string{"--shape", "steady", "--target", "sim:shop", "--peak", "1/s", "--data", "x.csv"}, "liftoff: --data is for --shape custom, which replays it\n"},
		{"a name of two lines", []string{"--shape", "steady", "--target", "sim:shop", "--peak", "1/s", "--name", "a\nb"}, "liftoff: --name must be printable text on one line\n"},
		{"numbers the scenario rejects", []string{"--shape", "email-blast", "--target", "shop.example.com", "--audience", "-5", "--response", "160%", "--peak-at", "4h", "--duration", "3h"},
			`liftoff: --target: "shop.example.com" is not an http or https URL (e.g. https://shop.example.com, or sim:shop for the built-in simulated shop)
liftoff: --audience: audience -5 is negative (audience is the number of people the campaign reaches, e.g. 400000 or 400k)
liftoff: --response: response 160% is above 100% (response is the share of the audience that visits, e.g. 6%)
liftoff: --peak-at: peak_at 4h is not before the end of the campaign (duration 3h) (peak_at counts from the campaign's start)
`},
		{"a window longer than the campaign", []string{"--shape", "tv-spot", "--target", "sim:shop", "--visitors", "1000", "--window", "peak 2h"}, "liftoff: --window: "},
		{"a data file that is not there", []string{"--shape", "custom", "--target", "sim:shop", "--data", "missing.csv"}, `liftoff: --data: cannot read data file "missing.csv"`},
		{"a bad simulated shop", []string{"--shape", "steady", "--target", "sim:shop?capacity=lots", "--peak", "1/s"}, "liftoff: --target: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join(t.TempDir(), "launch.yaml")
			tio := newTestIO(nil)
			if code := tio.liftoff(t.Context(), append([]string{"init", file}, tc.args...)...); code != exitUsage {
				t.Errorf("exit %d, want %d\n%s", code, exitUsage, tio.err)
			}
			if !strings.HasPrefix(tio.err.String(), tc.want) || !strings.HasSuffix(tio.err.String(), "run 'liftoff --help' for usage\n") {
				t.Errorf("stderr:\n%s\nwant it to start with:\n%s", tio.err, tc.want)
			}
			if _, err := os.Stat(file); !os.IsNotExist(err) {
				t.Errorf("a file was written: %v", err)
			}
		})
	}
}

// FuzzStarterText checks that any one-line name and target reach the
// scenario exactly as typed: quoting keeps YAML from reading them as
// anything else, and a target the scenario rejects is told as --target.
func FuzzStarterText(f *testing.F) {
	f.Add("Spring sale", "https://shop.example.com")
	f.Add("a: b # c", "sim:shop?capacity=300&service=20ms")
	f.Add("- [x]", "'https://x'")
	f.Add("yes", "&anchor *alias")
	f.Fuzz(func(t *testing.T, name, target string) {
		if !printableText(name) || !printableText(target) || name == "" || target == "" {
			return // init refuses these before writing
		}
		s := starter{name: name, target: target, shape: scenario.ShapeSteady, peak: "10/s", duration: "1h"}.withDefaults()
		src := s.render()
		sc, err := scenario.Parse(bytes.NewReader(src), "starter.yaml", scenario.Options{})
		if err != nil {
			for _, p := range scenario.Problems(err) {
				if p.Path != "target" && p.Path != "name" {
					t.Fatalf("name %q, target %q: %v\n%s", name, target, p, src)
				}
			}
			return
		}
		var raw struct{ Target string }
		if err := yaml.Unmarshal(src, &raw); err != nil {
			t.Fatal(err)
		}
		if sc.Name != name || raw.Target != target {
			t.Fatalf("name %q, target %q read back as %q, %q\n%s", name, target, sc.Name, raw.Target, src)
		}
	})
}
