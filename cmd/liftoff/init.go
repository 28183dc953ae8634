package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/liftoff/liftoff/report"
	"github.com/liftoff/liftoff/scenario"
)

type initOptions struct {
	env     *env
	file    string // "" or "-": standard output
	force   bool
	starter starter
	shape   string
}

func newInitCmd(e *env, runF func(*initOptions) error) *cobra.Command {
	opts := &initOptions{env: e}
	cmd := &cobra.Command{
		Use:   "init [FILE]",
		Short: "Write a commented starter scenario from the campaign's numbers",
		Long: `init writes a starter scenario from what a launch meeting knows: the kind of
campaign (--shape), its size (--audience with --response, or --visitors, or
--peak) and the site to test (--target). The rest has defaults that suit the
shape: when visits peak and for how long (--peak-at, --duration), the
stretch worth testing (--window) and the headroom (--load-factor 2x), one
journey that opens the home page, and SLO rules to start the conversation.
Every key carries a comment that says what it means.

The file is checked before it is written, so it validates and plans as
written; a number that cannot work is reported against its flag. FILE
must not exist unless --force is given; without FILE, or with -, the
scenario goes to standard output.

Shapes: email-blast, tv-spot, social-viral, product-launch, flash-sale,
steady, custom (a replay of --data, a CSV of time,visitors).`,
		Example: `  liftoff init launch.yaml --shape email-blast --audience 400k --response 6% --target https://staging.shop.example.com
  liftoff init tv.yaml --shape tv-spot --audience 3.5M --response 0.4% --peak-at 90s --target sim:shop
  liftoff init --shape flash-sale --visitors 30000 --duration 1h --target sim:shop
  liftoff init steady.yaml --shape steady --peak 300/min --target sim:shop --force`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.file = args[0]
			}
			opts.starter.shape = scenario.Shape(opts.shape)
			if runF != nil {
				return runF(opts)
			}
			return initRun(opts)
		},
	}
	f := cmd.Flags()
	s := &opts.starter
	f.StringVar(&opts.shape, "shape", "", "the campaign's `SHAPE`: "+strings.Join(shapeNames(), ", "))
	f.StringVar(&s.target, "target", "", "the site to test: a `URL` such as https://staging.shop.example.com, or sim:shop")
	f.StringVar(&s.audience, "audience", "", "the `COUNT` of people the campaign reaches, e.g. 400000 or 400k (with --response)")
	f.StringVar(&s.response, "response", "", "the `SHARE` of the audience that visits, e.g. 6% (with --audience)")
	f.StringVar(&s.visitors, "visitors", "", "the `COUNT` of visitors the campaign brings in all, instead of --audience and --response")
	f.StringVar(&s.peak, "peak", "", "the visitor `RATE` at the busiest moment, e.g. 1200/min, instead of a count")
	f.StringVar(&s.peakAt, "peak-at", "", "the `DURATION` after the campaign starts when visits peak, e.g. 20m (default: the shape's)")
	f.StringVar(&s.duration, "duration", "", "the `DURATION` the campaign brings visitors for, e.g. 3h (default: the shape's)")
	f.StringVar(&s.data, "data", "", "custom: the `CSV` of time,visitors to replay, relative to the scenario file")
	f.StringVar(&s.loadFactor, "load-factor", "", "test at this `FACTOR` times the expected rates (default 2x)")
	f.StringVar(&s.window, "window", "", "the `WINDOW` to test: full, peak DURATION or compressed DURATION (default: the shape's)")
	f.StringVar(&s.name, "name", "", "the scenario's `NAME` (default: from the shape)")
	f.BoolVar(&opts.force, "force", false, "replace FILE if it exists")
	return cmd
}

// validate checks what needs no parsing: the flags that must be there,
// and the ones that go together.
func (o *initOptions) validate() error {
	s := o.starter
	var problems []string
	if !slices.Contains(scenario.Shapes(), s.shape) {
		if o.shape == "" {
			problems = append(problems, "--shape is required: "+strings.Join(shapeNames(), ", "))
		} else {
			problems = append(problems, fmt.Sprintf("--shape %q: use %s", o.shape, strings.Join(shapeNames(), ", ")))
		}
	}
	if s.target == "" {
		problems = append(problems, "--target is required: the site to test, e.g. https://staging.shop.example.com (or sim:shop, the simulated shop)")
	}
	sizes := 0
	for _, given := range []bool{s.audience != "" || s.response != "", s.visitors != "", s.peak != ""} {
		if given {
			sizes++
		}
	}
	switch {
	case sizes > 1:
		problems = append(problems, "give the campaign's size one way: --audience with --response, --visitors, or --peak")
	case sizes == 0 && s.shape != scenario.ShapeCustom:
		problems = append(problems, "give the campaign's size: --audience with --response (400k and 6%), --visitors (24000), or --peak (1200/min)")
	case (s.audience == "") != (s.response == ""):
		problems = append(problems, "--audience and --response go together: the people reached, and the share of them who visit (400k and 6%)")
	}
	if s.shape == scenario.ShapeCustom && s.data == "" {
		problems = append(problems, "--shape custom replays a CSV of time,visitors: give it with --data")
	}
	if s.shape != scenario.ShapeCustom && s.data != "" {
		problems = append(problems, "--data is for --shape custom, which replays it")
	}
	for flag, value := range map[string]string{"--name": s.name, "--target": s.target, "--data": s.data} {
		if !printableText(value) {
			problems = append(problems, flag+" must be printable text on one line")
		}
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return usageLines(problems)
	}
	return nil
}

func initRun(opts *initOptions) error {
	if err := opts.validate(); err != nil {
		return err
	}
	e := opts.env
	toStdout := opts.file == "" || opts.file == "-"
	if !toStdout && !opts.force {
		if _, err := os.Stat(opts.file); err == nil {
			return usagef("%s exists: pass --force to replace it, or name another file", opts.file)
		}
	}
	s := opts.starter.withDefaults()
	src := s.render()
	name, dir := "liftoff-init.yaml", "."
	if !toStdout {
		name, dir = opts.file, filepath.Dir(opts.file)
	}
	sc, err := checkStarter(e, src, name, os.DirFS(dir))
	if err != nil {
		return err
	}
	if toStdout {
		_, err := e.Out.Write(src)
		return err
	}
	dests, err := resolveDestinations(e, []namedPath{{"FILE", opts.file}}, nil)
	if err != nil {
		return err
	}
	if err := dests[0].write(bytes.NewReader(src)); err != nil {
		return err
	}
	fmt.Fprintf(e.Err, "%s written: %s\n%s\nnext: liftoff plan %s, then liftoff run %s\n", opts.file, sc.Name, report.PlanLine(sc), opts.file, opts.file)
	return nil
}

// flagOfKey names the init flag that sets each key of the starter.
var flagOfKey = map[string]string{
	"name":                      "--name",
	"target":                    "--target",
	"traffic.campaign.shape":    "--shape",
	"traffic.campaign.audience": "--audience",
	"traffic.campaign.response": "--response",
	"traffic.campaign.visitors": "--visitors",
	"traffic.campaign.peak":     "--peak",
	"traffic.campaign.peak_at":  "--peak-at",
	"traffic.campaign.duration": "--duration",
	"traffic.campaign.data":     "--data",
	"traffic.load_factor":       "--load-factor",
	"traffic.window":            "--window",
}

// checkStarter parses the starter as liftoff validate would, and turns
// each problem into one about the flag that set the value. The file holds
// only values the user typed and defaults that fit them, so a problem is
// the user's number; problems no flag explains follow from those (a rule
// naming a phase of a plan that could not be made), and alone they are a
// defect of the starter, reported as a runtime error.
func checkStarter(e *env, src []byte, name string, fsys fs.FS) (*scenario.Scenario, error) {
	sc, err := scenario.Parse(bytes.NewReader(src), name, scenario.Options{Getenv: e.Getenv, FS: fsys})
	if err == nil && sc.Target.IsSim() {
		_, err = simConfig(sc)
	}
	if err == nil {
		return sc, nil
	}
	problems := scenario.Problems(err)
	if problems == nil {
		return nil, err
	}
	var lines []string
	for _, p := range problems {
		flag, ok := flagOfKey[p.Path]
		if !ok {
			continue // a consequence, such as a rule naming a phase of a plan that could not be made
		}
		msg := flag + ": " + p.Msg
		if p.Hint != "" {
			msg += " (" + p.Hint + ")"
		}
		lines = append(lines, msg)
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("init wrote a scenario that does not validate (a liftoff defect): %s", err)
	}
	return nil, usageLines(lines)
}

// printableText reports whether s is valid UTF-8 without control
// characters, as a value in the starter must be.
func printableText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

// usageLines is a usage error of several problems, printed one per line,
// each as execute prints one.
func usageLines(problems []string) error {
	return &usageError{err: errors.New(strings.Join(problems, "\nliftoff: "))}
}
