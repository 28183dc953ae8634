package scenario

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

var campaignKeys = []string{"shape", "audience", "response", "visitors", "peak", "peak_at", "duration", "data"}

// Hints that explain a campaign key by example.
const (
	audienceHint = "audience is the number of people the campaign reaches, e.g. 400000 or 400k"
	responseHint = "response is the share of the audience that visits, e.g. 6%"
	visitorsHint = "visitors is how many visitors the campaign brings over its duration, e.g. 24000"
	sizeHint     = "give audience and response (e.g. audience: 400000, response: 6%), visitors (e.g. visitors: 24000) or peak (e.g. peak: 1200/min)"
)

// Bounds on a campaign's size: beyond them a typo is likelier than a plan,
// and the arithmetic would leave float64.
const (
	maxCampaignCount = 1e12 // people or visitors
	maxCampaignPeak  = 1e9  // visitors per second
)

// peakAtExample is a plausible peak_at for each shape, for hints.
var peakAtExample = map[Shape]string{
	ShapeEmailBlast: "20m", ShapeTVSpot: "90s", ShapeSocialViral: "6h", ShapeProductLaunch: "30m", ShapeFlashSale: "5m",
}

// campaignFields is what the campaign mapping holds: each key's field when
// present, and whether its value could be read.
type campaignFields struct {
	at   map[string]*field
	read map[string]bool
}

func (cf campaignFields) has(key string) bool { return cf.at[key] != nil }

// campaign reads traffic.campaign and builds its expected plan. ok is false
// when a problem was recorded.
func (d *decoder) campaign(n *yaml.Node, path string) (c *Campaign, plan Plan, ok bool) {
	before := len(d.errs)
	fields := d.mapping(n, path, campaignKeys)
	node := resolve(n)
	if node == nil || node.Kind != yaml.MappingNode {
		return nil, Plan{}, false
	}
	c = &Campaign{Line: node.Line}
	cf := campaignFields{at: map[string]*field{}, read: map[string]bool{}}
	for _, f := range fields {
		cf.at[f.key] = &f
		cf.read[f.key] = d.campaignField(f, c)
	}
	d.checkCampaign(n, path, c, cf)
	if len(d.errs) > before {
		return nil, Plan{}, false
	}
	if c.Shape == ShapeCustom {
		plan, ok = d.replayPlan(c, cf.at["data"])
		return c, plan, ok
	}
	pr := profileOf(c.Shape, c.PeakAt.Seconds(), c.Duration.Seconds())
	c.Visitors = c.size(pr.area)
	plan = campaignPlan(*c)
	c.PeakRate, _ = plan.Peak()
	return c, plan, true
}

// size is the expected visitors of a campaign whose relative rate (peak 1)
// integrates to area seconds: audience × response, visitors as given, or
// the peak rate times area.
func (c *Campaign) size(area float64) float64 {
	switch {
	case c.Audience > 0:
		return c.Audience * float64(c.Response)
	case c.Visitors > 0:
		return c.Visitors
	}
	return float64(c.PeakRate) * area
}

// campaignField reads one key of the campaign into c.
func (d *decoder) campaignField(f field, c *Campaign) bool {
	switch f.key {
	case "shape":
		s, ok := d.scalar(f.val, f.path)
		if !ok {
			return false
		}
		if !slices.Contains(Shapes(), Shape(s)) {
			d.fail(f.val, f.path, fmt.Sprintf("unknown shape %q", s), suggest(s, shapeNames(), "shapes"))
			return false
		}
		c.Shape = Shape(s)
	case "audience":
		v, ok := d.count(f.val, f.path, "audience", "reaches nobody", audienceHint)
		c.Audience = v
		return ok
	case "visitors":
		v, ok := d.count(f.val, f.path, "visitors", "brings no traffic", visitorsHint)
		c.Visitors = v
		return ok
	case "response":
		s, ok := d.scalar(f.val, f.path)
		if !ok {
			return false
		}
		r, err := ParseRatio(s)
		switch {
		case err != nil:
			d.failValue(f.val, f.path, rewordValue(err, s, f.val.Value))
			return false
		case r > 1:
			d.fail(f.val, f.path, fmt.Sprintf("response %s is above 100%%", f.val.Value), responseHint)
			return false
		case r == 0:
			d.fail(f.val, f.path, fmt.Sprintf("response %s brings no visitors", f.val.Value), responseHint)
			return false
		}
		c.Response = r
	case "peak":
		r, ok := d.rate(f.val, f.path)
		const hint = "peak is the highest visitor rate expected, e.g. 1200/min"
		switch {
		case ok && r == 0:
			d.fail(f.val, f.path, fmt.Sprintf("peak %s brings no traffic", f.val.Value), hint)
			return false
		case ok && r > maxCampaignPeak:
			d.fail(f.val, f.path, fmt.Sprintf("peak %s is more than a billion visitors a second", f.val.Value), hint)
			return false
		}
		c.PeakRate = r
		return ok
	case "peak_at":
		v, ok := d.duration(f.val, f.path)
		c.PeakAt = v
		return ok
	case "duration":
		v, ok := d.duration(f.val, f.path)
		if ok && v <= 0 {
			d.fail(f.val, f.path, "must be longer than zero", "")
			return false
		}
		c.Duration = v
		return ok
	case "data":
		s, ok := d.scalar(f.val, f.path)
		c.Data = s
		return ok
	}
	return true
}

// count reads a positive number of people, as marketing writes it:
// 400000, 400_000, 400,000, 400k or 1.2M.
func (d *decoder) count(n *yaml.Node, path, name, zeroMsg, hint string) (float64, bool) {
	s, ok := d.scalar(n, path)
	if !ok {
		return 0, false
	}
	text := strings.TrimSpace(s)
	mult := 1.0
	if t, ok := strings.CutSuffix(text, "M"); ok {
		text, mult = t, 1e6
	}
	v, err := parseVisitorCount(text)
	switch {
	case err != nil:
		d.fail(n, path, fmt.Sprintf("%s %q is not a number", name, n.Value), hint)
		return 0, false
	case v < 0:
		d.fail(n, path, fmt.Sprintf("%s %s is negative", name, n.Value), hint)
		return 0, false
	case v == 0:
		d.fail(n, path, fmt.Sprintf("%s %s %s", name, n.Value, zeroMsg), hint)
		return 0, false
	case v*mult > maxCampaignCount:
		d.fail(n, path, fmt.Sprintf("%s %s is more than a trillion", name, n.Value), hint)
		return 0, false
	}
	return v * mult, true
}

// checkCampaign records what is missing from a campaign, or does not fit
// together: the size given twice or not at all, keys the shape does not
// take, a peak outside the campaign.
func (d *decoder) checkCampaign(n *yaml.Node, path string, c *Campaign, cf campaignFields) {
	if !cf.has("shape") {
		d.fail(n, path, `missing "shape"`, "shapes: "+strings.Join(shapeNames(), ", "))
	}
	d.checkSize(n, path, cf, c.Shape == ShapeCustom)
	if c.Shape == "" {
		return // the shape's own rules cannot be checked
	}
	if c.Shape == ShapeCustom {
		if f := cf.at["duration"]; f != nil {
			d.fail(f.keyN, f.path, "a custom campaign lasts as long as its data", "remove duration; window: peak DURATION tests part of it")
		}
		if f := cf.at["peak_at"]; f != nil {
			d.fail(f.keyN, f.path, "a custom campaign takes its peak from its data", "remove peak_at")
		}
		if !cf.has("data") {
			d.fail(n, path, `missing "data"`, "the CSV of time,visitors to replay, relative to the scenario, e.g. data: data/black-friday.csv")
		}
		return
	}
	if f := cf.at["data"]; f != nil {
		d.fail(f.keyN, f.path, fmt.Sprintf("a %s campaign reads no data", c.Shape), "data is for shape: custom, which replays a CSV export")
	}
	if !cf.has("duration") {
		d.fail(n, path, `missing "duration"`, "how long the campaign brings visitors, e.g. duration: 3h")
	}
	f := cf.at["peak_at"]
	switch {
	case !c.Shape.needsPeakAt() && f != nil:
		d.fail(f.keyN, f.path, fmt.Sprintf("a %s campaign has no peak", c.Shape), "remove peak_at, or pick a shape with a peak")
	case c.Shape.needsPeakAt() && f == nil:
		d.fail(n, path, `missing "peak_at"`, fmt.Sprintf("when the visitor rate peaks, counted from the campaign's start, e.g. peak_at: %s", peakAtExample[c.Shape]))
	case f == nil || !cf.read["peak_at"] || !cf.read["duration"]:
	case c.PeakAt >= c.Duration:
		d.fail(f.val, f.path, fmt.Sprintf("peak_at %s is not before the end of the campaign (duration %s)", f.val.Value, FormatDuration(c.Duration)), "peak_at counts from the campaign's start")
	case c.PeakAt == 0 && !c.Shape.peakAtMayBeZero():
		d.fail(f.val, f.path, fmt.Sprintf("peak_at %s is the very start, and %s campaigns take time to bring their visitors", f.val.Value, c.Shape), fmt.Sprintf("peak_at counts from the campaign's start, e.g. peak_at: %s", peakAtExample[c.Shape]))
	}
}

// checkSize records a campaign whose size is given twice, half-given, or
// not at all (which only a custom campaign may do: its data has a size).
func (d *decoder) checkSize(n *yaml.Node, path string, cf campaignFields, custom bool) {
	var given []*field
	for _, k := range []string{"audience", "response", "visitors", "peak"} {
		if f := cf.at[k]; f != nil {
			given = append(given, f)
		}
	}
	slices.SortFunc(given, func(a, b *field) int { return a.keyN.Line - b.keyN.Line })
	var ways []string
	for _, f := range given {
		way := f.key
		if way == "audience" || way == "response" {
			way = "audience × response"
		}
		if !slices.Contains(ways, way) {
			ways = append(ways, way)
		}
	}
	var last *field
	if len(given) > 0 {
		last = given[len(given)-1]
	}
	switch {
	case len(ways) > 1:
		times := map[int]string{2: "twice", 3: "three times"}[len(ways)]
		d.fail(last.keyN, last.path, fmt.Sprintf("the campaign's size is given %s: by %s", times, strings.Join(ways, " and by ")), "keep one: audience and response, visitors, or peak")
	case len(ways) == 0 && !custom:
		d.fail(n, path, "missing the campaign's size", sizeHint)
	case cf.has("audience") && !cf.has("response"):
		d.fail(n, path, `missing "response"`, responseHint)
	case cf.has("response") && !cf.has("audience"):
		d.fail(n, path, `missing "audience"`, audienceHint)
	}
}

// replayPlan reads a custom campaign's CSV and builds its plan, scaled to
// the campaign's size when it gives one.
func (d *decoder) replayPlan(c *Campaign, data *field) (Plan, bool) {
	f, ok := d.openData(data.val, data.path, c.Data)
	if !ok {
		return Plan{}, false
	}
	defer f.Close()
	rows, err := parseExport(f)
	var cs []corner
	var area float64
	var interval time.Duration
	if err == nil {
		cs, area, interval, err = exportCurve(rows)
	}
	if err != nil {
		var ee *exportError
		hint := "the CSV holds rows of time,visitors, one per interval"
		if errors.As(err, &ee) && ee.hint != "" {
			hint = ee.hint
			ee.hint = ""
		}
		d.fail(data.val, data.path, fmt.Sprintf("data file %q: %v", c.Data, err), hint)
		return Plan{}, false
	}
	if c.Audience == 0 && c.Visitors == 0 && c.PeakRate == 0 {
		// The data's own size: its peak rate is the busiest interval's.
		total := 0.0
		for _, r := range rows {
			total += r.visitors
		}
		c.Visitors = total
	} else {
		c.Visitors = c.size(area)
	}
	plan := shapedPlan(cs, area, c.Visitors, ShapeCustom, c.Line)
	c.PeakRate, c.PeakAt = plan.Peak()
	c.Duration = plan.Duration()
	c.Interval, c.Start = interval, rows[0].when
	return plan, true
}

// shapeNames names every shape, for hints.
func shapeNames() []string {
	var names []string
	for _, s := range Shapes() {
		names = append(names, string(s))
	}
	return names
}
