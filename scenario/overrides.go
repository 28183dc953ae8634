package scenario

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"go.yaml.in/yaml/v3"
)

// Overrides are the command line's changes to a scenario, so that one
// file serves staging, production and a smoke test. Parse applies them
// while it reads the file, through the same checks and the same plan
// derivation as the keys they replace, and a problem with one names its
// flag ("launch.yaml: --window: …").
type Overrides struct {
	// Target replaces the scenario's target (--target): an http or https
	// base URL, or a sim: spec. The file's target is not read at all, so
	// a ${VAR} in it may be unset.
	Target string
	// Vars set ${NAME} references (-e NAME=VALUE), winning over
	// Options.Getenv. Their values are secrets like any expanded value,
	// and no record holds them.
	Vars map[string]string
	// LoadFactor replaces traffic.load_factor (--load-factor 2x).
	LoadFactor string
	// Window replaces traffic.window (--window "peak 15m").
	Window string
	// Duration caps the test (--duration 5m): the tested plan, after
	// window and load factor, is cut there and its phases clipped. SLO
	// rules are judged on what ran; a rule about a phase the cap leaves
	// out entirely is a problem, since nothing could judge it.
	Duration string
	// Seed replaces traffic.seed (--seed).
	Seed *uint64
	// Smoke makes the run a smoke test (--smoke): one visitor per
	// journey, every check, no think time and no planned load. The
	// scenario's Plan is empty and Smoke is set.
	Smoke bool
}

// The flags Overrides stand for, as problems and records name them.
const (
	FlagTarget     = "--target"
	FlagVar        = "-e"
	FlagLoadFactor = "--load-factor"
	FlagWindow     = "--window"
	FlagDuration   = "--duration"
	FlagSeed       = "--seed"
	FlagSmoke      = "--smoke"
)

func (o Overrides) empty() bool {
	return o.Target == "" && len(o.Vars) == 0 && o.LoadFactor == "" && o.Window == "" &&
		o.Duration == "" && o.Seed == nil && !o.Smoke
}

// OverrideRecord is what results record of the overrides a run was given:
// the values as applied, secrets removed. A -e value is never recorded,
// only its name.
type OverrideRecord struct {
	Target     string   `json:"target,omitempty"`      // as TargetName shows it: no user:password
	Vars       []string `json:"vars,omitempty"`        // the names -e set, sorted; never their values
	LoadFactor float64  `json:"load_factor,omitempty"` // the factor --load-factor gave
	Window     string   `json:"window,omitempty"`      // the window --window gave, as a scenario writes it
	DurationS  float64  `json:"duration_s,omitempty"`  // the cap --duration gave, in seconds
	Seed       *uint64  `json:"seed,omitempty"`
	Smoke      bool     `json:"smoke,omitempty"`
}

// Flags writes the overrides as a command line gives them, one flag and
// its value per item, in a fixed order: "--target https://staging.example.com",
// "-e SHOP_TOKEN=[redacted]", "--load-factor 2x". Every report shows
// these.
func (o *OverrideRecord) Flags() []string {
	if o == nil {
		return nil
	}
	var out []string
	if o.Target != "" {
		out = append(out, FlagTarget+" "+o.Target)
	}
	for _, name := range o.Vars {
		out = append(out, FlagVar+" "+name+"=[redacted]")
	}
	if o.LoadFactor != 0 {
		out = append(out, FlagLoadFactor+" "+LoadFactor(o.LoadFactor).String())
	}
	if o.Window != "" {
		out = append(out, FlagWindow+" "+strconv.Quote(o.Window))
	}
	if o.DurationS != 0 {
		out = append(out, FlagDuration+" "+FormatDuration(Seconds(o.DurationS)))
	}
	if o.Seed != nil {
		out = append(out, FlagSeed+" "+strconv.FormatUint(*o.Seed, 10))
	}
	if o.Smoke {
		out = append(out, FlagSmoke)
	}
	return out
}

// IsSmoke reports whether the record is a smoke test's (--smoke).
func (rec Record) IsSmoke() bool { return rec.Overrides != nil && rec.Overrides.Smoke }

// lookup is Getenv with the -e values in front, noting every name the
// scenario refers to, so a -e the file never uses can be reported.
func (d *decoder) lookup(getenv func(string) (string, bool)) func(string) (string, bool) {
	vars := d.over.Vars
	if len(vars) == 0 {
		return getenv
	}
	d.referenced = map[string]bool{}
	return func(name string) (string, bool) {
		d.referenced[name] = true
		if v, ok := vars[name]; ok {
			return v, true
		}
		if getenv == nil {
			return "", false
		}
		return getenv(name)
	}
}

// failFlag records a problem with a flag's value. It has no line: the
// flag's name is its place.
func (d *decoder) failFlag(flag, msg, hint string) {
	d.errs = append(d.errs, &Error{File: d.file, Path: flag, Msg: msg, Hint: hint})
}

// flagValue turns a unit parser's error about a flag's value into a
// problem at the flag.
func (d *decoder) flagValue(flag string, err error) {
	if ue, ok := err.(*unitError); ok {
		d.failFlag(flag, ue.msg, ue.hint)
		return
	}
	d.failFlag(flag, err.Error(), "")
}

// overrideTarget reads --target through the same checks as the file's
// target key.
func (d *decoder) overrideTarget() Target {
	t := d.target(&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: d.over.Target}, FlagTarget)
	t.Line = 0
	return t
}

// overrideTraffic applies --load-factor, --window and --seed to t.
// window reports whether the window came from the flag.
func (d *decoder) overrideTraffic(t *Traffic) (window bool) {
	o := d.over
	if o.Smoke && (o.LoadFactor != "" || o.Window != "" || o.Duration != "") {
		d.failFlag(FlagSmoke, "a smoke test sends no load, so --load-factor, --window and --duration do not apply to it",
			"drop them, or drop --smoke for the load test")
	}
	if o.LoadFactor != "" {
		if lf, err := ParseLoadFactor(o.LoadFactor); err != nil {
			d.flagValue(FlagLoadFactor, err)
		} else {
			t.LoadFactor = lf
		}
	}
	if o.Window != "" {
		if w, err := ParseWindow(o.Window); err != nil {
			d.flagValue(FlagWindow, err)
		} else {
			t.Window, window = w, true
		}
	}
	if o.Seed != nil {
		t.Seed = *o.Seed
	}
	return window
}

// capPlan cuts the tested plan at --duration. It remembers the phases the
// cut leaves out entirely, so a rule about one of them is told against
// the flag.
func (d *decoder) capPlan(tested Plan) Plan {
	if d.over.Duration == "" {
		return tested
	}
	limit, err := ParseDuration(d.over.Duration)
	switch {
	case err != nil:
		d.flagValue(FlagDuration, err)
		return tested
	case limit <= 0:
		d.failFlag(FlagDuration, "must be longer than zero", "e.g. --duration 2m")
		return tested
	}
	d.cap = limit
	if limit >= tested.Duration() {
		return tested
	}
	capped := tested.slice(0, limit)
	d.cutPhases = map[string]time.Duration{}
	for _, ph := range tested.Phases {
		if ph.Start >= limit {
			d.cutPhases[ph.Name] = ph.Start
		}
	}
	return capped
}

// cutByDuration says why rule r cannot be judged when --duration cut its
// phase out of the test, or "" when it can.
func (d *decoder) cutByDuration(r Rule) (msg, hint string) {
	start, cut := d.cutPhases[r.Phase]
	if r.Phase == "" || !cut {
		return "", ""
	}
	return fmt.Sprintf("phase %q starts at %s, after %s %s ends the test, so this rule could not be judged", r.Phase, FormatDuration(start), FlagDuration, FormatDuration(d.cap)),
		fmt.Sprintf("give %s past %s, or run without it", FlagDuration, FormatDuration(start))
}

// applyOverrides finishes the overridden scenario once the file is read:
// the smoke test's empty plan, the warnings about -e names the file never
// uses, and the record of what the command line changed.
func (d *decoder) applyOverrides(sc *Scenario) {
	o := d.over
	if o.empty() {
		return
	}
	if o.Smoke {
		// Rules were checked against the plan; a smoke test plans no
		// traffic and judges none of them.
		sc.Smoke, sc.Plan = true, Plan{}
	}
	rec := &OverrideRecord{Window: o.Window, Seed: o.Seed, Smoke: o.Smoke}
	if o.Target != "" {
		rec.Target = sc.TargetName()
	}
	if o.LoadFactor != "" {
		rec.LoadFactor = sc.Traffic.LoadFactor.Value()
	}
	if o.Window != "" {
		rec.Window = sc.Traffic.Window.String()
	}
	rec.DurationS = d.cap.Seconds()
	rec.Vars = slices.Sorted(maps.Keys(o.Vars))
	sc.Overrides = rec
}

// unusedVars warns about each -e name the scenario never refers to: most
// likely a typo, and the value meant for it goes nowhere.
func (d *decoder) unusedVars() []*Error {
	var out []*Error
	for _, name := range slices.Sorted(maps.Keys(d.over.Vars)) {
		if !d.referenced[name] {
			out = append(out, &Error{File: d.file, Path: FlagVar,
				Msg:  fmt.Sprintf("%s is set, and the scenario uses no ${%s}", name, name),
				Hint: "check the name against the scenario's ${…} references"})
		}
	}
	return out
}
