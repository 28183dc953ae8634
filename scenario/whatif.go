package scenario

import (
	"fmt"
	"strings"
)

// WhatIf is another campaign to weigh against a probe's measured
// capacity (--what-if): the scenario's own, with some of its marketing
// numbers changed. "audience=2M" keeps the response rate and the shape;
// "peak=800/s" names the peak visitor rate at once. Several changes join
// with commas: "audience=2M,response=8%".
type WhatIf struct {
	Text     string  // as given
	Audience float64 // 0: the campaign's own
	Response Ratio   // 0: the campaign's own
	Visitors float64 // 0: from audience × response, or the campaign's own
	Peak     Rate    // 0: from the visitors
}

// whatIfKeys are the numbers a what-if may change.
var whatIfKeys = []string{"audience", "response", "visitors", "peak"}

// ParseWhatIf reads one --what-if value.
func ParseWhatIf(s string) (WhatIf, error) {
	w := WhatIf{Text: strings.TrimSpace(s)}
	hint := "e.g. audience=2M, response=8%, visitors=150k or peak=800/s"
	if w.Text == "" {
		return w, &unitError{msg: "empty what-if", hint: hint}
	}
	seen := map[string]bool{}
	for _, part := range strings.Split(w.Text, ",") {
		key, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if !ok || value == "" {
			return w, &unitError{msg: fmt.Sprintf("what-if %q is not NAME=VALUE", part), hint: hint}
		}
		if seen[key] {
			return w, &unitError{msg: fmt.Sprintf("what-if %q sets %s twice", s, key)}
		}
		seen[key] = true
		var err error
		switch key {
		case "audience":
			w.Audience, err = parseCount(value)
		case "visitors":
			w.Visitors, err = parseCount(value)
		case "response":
			w.Response, err = ParseRatio(value)
			if err == nil && (w.Response <= 0 || w.Response > 1) {
				err = &unitError{msg: fmt.Sprintf("response %q is not above 0%% and at most 100%%", value)}
			}
		case "peak":
			w.Peak, err = ParseRate(value)
			if err == nil && w.Peak <= 0 {
				err = &unitError{msg: fmt.Sprintf("peak %q is not above zero", value)}
			}
		default:
			return w, &unitError{msg: fmt.Sprintf("unknown what-if %q", key), hint: suggest(key, whatIfKeys, "what-ifs")}
		}
		if err != nil {
			return w, fmt.Errorf("what-if %s: %w", key, err)
		}
	}
	if w.Peak > 0 && len(seen) > 1 {
		return w, &unitError{msg: fmt.Sprintf("what-if %q gives peak with other numbers", s), hint: "peak names the rate at once: give it alone"}
	}
	if w.Visitors > 0 && (w.Audience > 0 || w.Response > 0) {
		return w, &unitError{msg: fmt.Sprintf("what-if %q gives visitors with audience or response", s), hint: "visitors is audience × response: give one or the other"}
	}
	return w, nil
}

// parseCount reads a positive number of people as marketing writes it:
// 400000, 400_000, 400,000, 400k or 1.2M.
func parseCount(s string) (float64, error) {
	text, mult := s, 1.0
	if t, ok := strings.CutSuffix(text, "M"); ok {
		text, mult = t, 1e6
	}
	v, err := parseVisitorCount(text)
	if err != nil || v <= 0 || v*mult > maxCampaignCount {
		return 0, &unitError{msg: fmt.Sprintf("%q is not a positive number of people", s), hint: "e.g. 2M, 400k or 150000"}
	}
	return v * mult, nil
}

// WhatIfFactor is the expected peak visitor rate under w over the
// scenario's own: the load factor the what-if needs the target to hold.
// A campaign's peak is proportional to its visitors for a given shape,
// so audience, response and visitors scale it; a scenario of phases has
// no audience, only a peak.
func (s *Scenario) WhatIfFactor(w WhatIf) (float64, error) {
	peak, _ := s.PeakPhase()
	if peak <= 0 {
		return 0, ErrNoPeak
	}
	if w.Peak > 0 {
		return float64(w.Peak) / float64(peak), nil
	}
	c := s.Traffic.Campaign
	if c == nil || c.Visitors <= 0 {
		return 0, &unitError{msg: fmt.Sprintf("what-if %q changes a campaign, and the scenario gives phases", w.Text), hint: "name the peak rate instead, e.g. peak=800/s"}
	}
	visitors := w.Visitors
	if visitors == 0 {
		audience, response := w.Audience, w.Response
		if audience == 0 {
			audience = c.Audience
		}
		if response == 0 {
			response = c.Response
		}
		if audience == 0 || response == 0 {
			return 0, &unitError{msg: fmt.Sprintf("what-if %q needs an audience and a response, and the campaign gives visitors or a peak", w.Text), hint: "give both, e.g. audience=2M,response=6%, or visitors=120k"}
		}
		visitors = audience * float64(response)
	}
	return visitors / c.Visitors, nil
}
