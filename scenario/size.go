package scenario

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Response bodies. liftoff reads every response body to its end and keeps
// none of it, except what a step's checks and captures read: up to
// max_body bytes, which every visitor on such a step may hold at once. A
// longer body fails the step, because a check on part of a body proves
// nothing.
const (
	DefaultMaxBody int64 = 1 << 20  // max_body when the scenario sets none
	MaxMaxBody     int64 = 64 << 20 // the largest max_body a scenario may set
)

var sizeUnits = []struct {
	suffix string
	bytes  int64
}{
	{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10},
	{"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"kB", 1e3}, {"B", 1},
}

// ParseSize reads a number of bytes with its unit: "512KiB", "1MiB",
// "2MB" or "300B". A bare number is refused, as for durations: the unit
// is never guessed.
func ParseSize(s string) (int64, error) {
	text := strings.TrimSpace(s)
	for _, u := range sizeUnits {
		num, ok := strings.CutSuffix(text, u.suffix)
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
		if err != nil || v < 0 || v*float64(u.bytes) > 1<<50 {
			break
		}
		return int64(v * float64(u.bytes)), nil
	}
	if _, err := strconv.ParseFloat(text, 64); err == nil {
		return 0, &unitError{msg: fmt.Sprintf("size %q has no unit", s), hint: fmt.Sprintf("write %sKiB, %sMiB or %sB", text, text, text)}
	}
	return 0, &unitError{msg: fmt.Sprintf("invalid size %q", s), hint: "sizes look like 512KiB, 1MiB or 2MB"}
}

// FormatSize writes a number of bytes in the largest binary unit that
// keeps it whole: 1048576 is "1MiB", 1500 is "1500B". ParseSize reads it
// back.
func FormatSize(n int64) string {
	for _, u := range sizeUnits[:3] {
		if n >= u.bytes && n%u.bytes == 0 {
			return strconv.FormatInt(n/u.bytes, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10) + "B"
}

// maxBody reads a max_body value: a size above zero and at most MaxMaxBody.
func (d *decoder) maxBody(n *yaml.Node, path string) (int64, bool) {
	s, ok := d.scalar(n, path)
	if !ok {
		return 0, false
	}
	v, err := ParseSize(s)
	switch {
	case err != nil:
		d.failValue(n, path, err)
		return 0, false
	case v < 1:
		d.fail(n, path, "must be at least 1B", "")
		return 0, false
	case v > MaxMaxBody:
		d.fail(n, path, fmt.Sprintf("%s is more than the %s a step may keep", strings.TrimSpace(n.Value), FormatSize(MaxMaxBody)),
			"every visitor on the step may hold this much at once; check a smaller body, or capture with a regex from its start")
		return 0, false
	}
	return v, true
}
