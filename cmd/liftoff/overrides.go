package main

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/liftoff/liftoff/report"
	"github.com/liftoff/liftoff/scenario"
)

// overrideOptions are the flags that change a scenario from the command
// line, so one file serves staging, production and a smoke test. The
// scenario package applies them (scenario.Overrides), so a bad value is
// told against its flag with the same checks as the key it replaces.
type overrideOptions struct {
	target     string
	vars       []string // -e KEY=VALUE, as given
	loadFactor string
	window     string
	duration   string
	smoke      bool
}

// addOverrideFlags binds the override flags; run and demo also get
// --smoke, which validate and plan do not take (a smoke test plans no
// traffic to show).
func addOverrideFlags(cmd *cobra.Command, o *overrideOptions, smoke bool) {
	addTargetFlags(cmd, o)
	f := cmd.Flags()
	f.StringVar(&o.loadFactor, "load-factor", "", "test at `N`x the expected traffic (e.g. 2x), replacing traffic.load_factor")
	f.StringVar(&o.window, "window", "", "the `WINDOW` of the expected traffic to test: full, 'peak DURATION' or 'compressed DURATION', replacing traffic.window")
	f.StringVar(&o.duration, "duration", "", "stop the test after `DURATION`: the plan is cut there and its phases clipped; rules are judged on what ran")
	if smoke {
		f.BoolVar(&o.smoke, "smoke", false, "a smoke test instead of the load test: one visitor per journey, every check, no think time, no load")
	}
}

// addTargetFlags binds --target and -e, the overrides that say where
// and as whom a scenario runs (probe takes only these: it sets the load
// itself).
func addTargetFlags(cmd *cobra.Command, o *overrideOptions) {
	f := cmd.Flags()
	f.StringVar(&o.target, "target", "", "send to `URL` instead of the scenario's target (an http or https base URL, or sim:shop?…)")
	f.StringArrayVarP(&o.vars, "env", "e", nil, "set ${KEY} from `KEY=VALUE`, winning over the environment; repeatable; the value is never printed")
}

// varName is what ${NAME} accepts.
var varName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// parseVar reads one -e KEY=VALUE. A message quotes the name only, and
// without an = only its start: the value may be a secret.
func parseVar(kv string) (name, value string, err error) {
	name, value, ok := strings.Cut(kv, "=")
	switch {
	case !ok:
		return "", "", usagef("-e %s: write KEY=VALUE", truncateKey(name))
	case !varName.MatchString(name):
		return "", "", usagef("-e %s: the name must be letters, digits and _, not starting with a digit, as ${NAME} reads it", name)
	}
	return name, value, nil
}

// truncateKey shortens what a mistyped -e shows to its first three
// characters: without an =, the whole argument may be a secret someone
// meant as a value. (Three characters are shorter than any value treated
// as a secret.)
func truncateKey(s string) string {
	if r := []rune(s); len(r) > 3 {
		return string(r[:3]) + "…"
	}
	return s
}

// overrides turns the flags into scenario.Overrides; seed is --seed when
// it was given.
func (o overrideOptions) overrides(seed *uint64) (scenario.Overrides, error) {
	over := scenario.Overrides{Target: o.target, LoadFactor: o.loadFactor, Window: o.window, Duration: o.duration, Smoke: o.smoke, Seed: seed}
	for _, kv := range o.vars {
		name, value, err := parseVar(kv)
		if err != nil {
			return scenario.Overrides{}, err
		}
		if over.Vars == nil {
			over.Vars = map[string]string{}
		}
		over.Vars[name] = value // the last -e of a name wins, as in a shell
	}
	return over, nil
}

// runHeader is what run prints before it starts: the version, the
// scenario and target, what the command line overrode, and the plan (or
// what a smoke test sends instead).
func runHeader(sc *scenario.Scenario) string {
	var b strings.Builder
	fmt.Fprintf(&b, "liftoff %s: %s → %s\n", version(), sc.Name, sc.TargetName())
	if o := sc.Overrides.Flags(); len(o) > 0 {
		fmt.Fprintf(&b, "overrides: %s\n", strings.Join(o, " "))
	}
	if sc.Smoke {
		n := len(sc.Journeys)
		fmt.Fprintf(&b, "smoke test: one visitor per journey (%d journey%s), every step and check, no think time, no load; SLO rules are not judged\n", n, plural(n))
		return b.String()
	}
	b.WriteString(report.PlanLine(sc) + "\n")
	return b.String()
}
