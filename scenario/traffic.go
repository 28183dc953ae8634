package scenario

import (
	"fmt"
	"strconv"
	"time"

	"go.yaml.in/yaml/v3"
)

// The traffic mapping says how visitors arrive: a campaign's marketing
// numbers or explicit phases, then the window and load factor that turn
// the expected traffic into the test.

var trafficKeys = []string{"campaign", "phases", "load_factor", "window", "arrivals", "max_concurrency", "seed"}

// trafficPlans are the plans traffic derives: what is expected, in
// campaign time, and what the test sends after window and load_factor.
type trafficPlans struct {
	expected, tested Plan
	start            time.Duration // where the test's time 0 falls in campaign time
}

func (d *decoder) traffic(n *yaml.Node, path string) (Traffic, trafficPlans) {
	t := Traffic{Arrivals: Poisson, MaxConcurrency: DefaultMaxConcurrency}
	fields := d.mapping(n, path, trafficKeys)
	var campaignField, phasesField, windowField *field
	for _, f := range fields {
		switch f.key {
		case "campaign":
			campaignField = &f
		case "phases":
			phasesField = &f
			t.Phases = d.phases(f.val, f.path)
		case "load_factor":
			if s, ok := d.scalar(f.val, f.path); ok {
				lf, err := ParseLoadFactor(s)
				if err != nil {
					d.failValue(f.val, f.path, rewordValue(err, s, f.val.Value))
				}
				t.LoadFactor = lf
			}
		case "window":
			if s, ok := d.scalar(f.val, f.path); ok {
				w, err := ParseWindow(s)
				if err != nil {
					d.failValue(f.val, f.path, rewordValue(err, s, f.val.Value))
				} else {
					windowField, t.Window = &f, w
				}
			}
		case "arrivals":
			if s, ok := d.scalar(f.val, f.path); ok {
				switch Arrivals(s) {
				case Poisson, Uniform:
					t.Arrivals = Arrivals(s)
				default:
					d.fail(f.val, f.path, fmt.Sprintf("unknown arrival process %q", s), "use poisson or uniform")
				}
			}
		case "max_concurrency":
			if v, ok := d.integer(f.val, f.path, 1); ok {
				t.MaxConcurrency = v
			}
		case "seed":
			if s, ok := d.scalar(f.val, f.path); ok {
				v, err := strconv.ParseUint(s, 10, 64)
				if err != nil {
					d.fail(f.val, f.path, fmt.Sprintf("%q is not a whole number", s), "")
				}
				t.Seed = v
			}
		}
	}
	windowFlag := d.overrideTraffic(&t)
	var tp trafficPlans
	switch {
	case campaignField != nil && phasesField != nil:
		second := phasesField
		if campaignField.keyN.Line > second.keyN.Line {
			second = campaignField
		}
		d.fail(second.keyN, path, `traffic has both "campaign" and "phases"`, "a campaign derives its phases from the marketing numbers; keep one of them")
		return t, tp
	case campaignField != nil:
		c, plan, ok := d.campaign(campaignField.val, campaignField.path)
		if !ok {
			return t, tp
		}
		t.Campaign, tp.expected = c, plan
	case phasesField != nil:
		tp.expected = planFromPhases(t.Phases)
	case fields != nil:
		d.fail(n, path, `missing "campaign" or "phases"`, "e.g. campaign: { shape: email-blast, audience: 400000, response: 6%, peak_at: 20m, duration: 3h }, or phases: [ { duration: 1m, rate: 10/s } ]")
		return t, tp
	}
	if windowField != nil || windowFlag {
		if msg, hint := checkWindow(t.Window, tp.expected); msg != "" {
			if windowFlag {
				d.failFlag(FlagWindow, msg, hint)
			} else {
				d.fail(windowField.val, windowField.path, msg, hint)
			}
			return t, tp
		}
	}
	tp.tested, tp.start = testedPlan(tp.expected, t.Window, t.LoadFactor)
	tp.tested = d.capPlan(tp.tested)
	for _, ph := range tp.tested.Phases {
		if ph.Concurrency > t.MaxConcurrency {
			d.fail(n, joinPath(path, "max_concurrency"), fmt.Sprintf("phase %q runs %d visitors, above max_concurrency %d", ph.Name, ph.Concurrency, t.MaxConcurrency), "raise max_concurrency")
		}
	}
	return t, tp
}
