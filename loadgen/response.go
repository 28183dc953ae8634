package loadgen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/liftoff/liftoff/scenario"
)

// classifyResponse decides a response's class: its status, unless the step
// expects that status, and then the step's checks. A 4xx or 5xx the step
// did not expect keeps its status class, because it is the target's answer;
// any other failed expectation is a check failure. msg explains a check
// failure.
func (sp *stepPlan) classifyResponse(ex *exchange, latency time.Duration) (class ErrorClass, msg string) {
	if len(sp.expect.Status) == 0 {
		if class = classifyStatus(ex.status); class != ClassNone {
			return class, ""
		}
	} else if !statusExpected(sp.expect.Status, ex.status) {
		if class = classifyStatus(ex.status); class != ClassNone {
			return class, ""
		}
		return ClassCheck, fmt.Sprintf("status %d, expected %s", ex.status, statusList(sp.expect.Status))
	}
	if ex.bodyTooLarge {
		return ClassCheck, fmt.Sprintf("the body is larger than max_body %s, so its checks and captures cannot read it", scenario.FormatSize(int64(sp.maxBody)))
	}
	for _, s := range sp.expect.BodyContains {
		if !bytes.Contains(ex.respBody, []byte(s)) {
			return ClassCheck, fmt.Sprintf("the body does not contain %q", s)
		}
	}
	if len(sp.expect.JSON) > 0 {
		doc, err := decodeJSONBody(ex.respBody)
		if err != nil {
			return ClassCheck, err.Error()
		}
		for _, e := range sp.expect.JSON {
			got, ok := e.Path.Lookup(doc)
			if !ok {
				return ClassCheck, fmt.Sprintf("%s is missing, expected %s", e.Path, e.Value)
			}
			var want any
			json.Unmarshal([]byte(e.Value), &want) // the scenario wrote it as JSON
			if !reflect.DeepEqual(got, want) {
				return ClassCheck, fmt.Sprintf("%s is %s, expected %s", e.Path, jsonText(got), e.Value)
			}
		}
	}
	if m := sp.expect.MaxDuration; m > 0 && latency > m {
		return ClassCheck, fmt.Sprintf("took %s, max_duration %s", scenario.FormatLatency(latency), scenario.FormatLatency(m))
	}
	return ClassNone, ""
}

func statusExpected(want []scenario.StatusMatch, status int) bool {
	for _, m := range want {
		if m.Matches(status) {
			return true
		}
	}
	return false
}

func statusList(want []scenario.StatusMatch) string {
	parts := make([]string, len(want))
	for i, m := range want {
		parts[i] = m.String()
	}
	return strings.Join(parts, " or ")
}

// capture takes the step's captures from the response into vars. It stops
// at the first capture that finds nothing and says which.
func (sp *stepPlan) capture(ex *exchange, vars map[string]any) (msg string) {
	var doc any
	docErr := error(nil)
	docRead := false
	headerAt := 0
	for _, c := range sp.captures {
		switch c.Source {
		case scenario.CaptureHeader:
			v := ex.headerValues[headerAt]
			headerAt++
			if v == "" {
				return fmt.Sprintf("capture %s: the response has no %s header", c.Name, c.Expr)
			}
			vars[c.Name] = v
		case scenario.CaptureJSON:
			if !docRead {
				doc, docErr = decodeJSONBody(ex.respBody)
				docRead = true
			}
			if docErr != nil {
				return fmt.Sprintf("capture %s: %v", c.Name, docErr)
			}
			v, ok := c.Path.Lookup(doc)
			if !ok || v == nil {
				return fmt.Sprintf("capture %s: %s found nothing in the response", c.Name, c.Path)
			}
			if s, isString := v.(string); isString {
				vars[c.Name] = s
			} else {
				vars[c.Name] = jsonText(v)
			}
		case scenario.CaptureRegexp:
			m := c.Regexp.FindSubmatch(ex.respBody)
			if m == nil {
				return fmt.Sprintf("capture %s: %s matched nothing in the response", c.Name, c.Expr)
			}
			vars[c.Name] = string(m[len(m)-1])
		}
	}
	return ""
}

func decodeJSONBody(body []byte) (any, error) {
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("the body is not JSON (%v)", err)
	}
	return doc, nil
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
