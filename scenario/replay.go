package scenario

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The custom shape replays an analytics export: a CSV whose rows give the
// visitors that arrived in each interval. Only the first two columns are
// read, time and visitors; more columns are ignored, a first row whose
// visitors column is not a number is a header, and lines starting with #
// are comments. The delimiter is a comma, a semicolon or a tab, whichever
// the first line holds most of. The time column is one of
//
//	minutes since the start     0, 15, 30
//	a duration since the start  0s, 15m, 1h30m
//	a clock time                10:00, 10:15:00 (past midnight it wraps)
//	a date and time             2025-11-28 10:00, 2025-11-28T10:00:00Z
//
// and every row uses the same form. Times count from the first row. The
// smallest gap between rows is the export's interval: each row holds the
// visitors of one interval, and missing intervals (exports often drop rows
// with no visitors) had none.

// Bounds on an export, so that a wrong file fails fast instead of
// exhausting memory.
const (
	maxExportBytes     = 10 << 20
	maxExportIntervals = 100_000
	// maxExportGroups bounds the plan's corners: longer exports are
	// replayed in groups of whole intervals.
	maxExportGroups = 1000
)

// exportRow is one row of an export: visitors in the interval starting at
// at, counted from the first row.
type exportRow struct {
	at       time.Duration
	visitors float64
	line     int
	when     string // the time as the export writes it
}

// exportError is a problem with an export, at a line of the CSV (0 when it
// concerns the whole file).
type exportError struct {
	line      int
	msg, hint string
}

func (e *exportError) Error() string {
	s := e.msg
	if e.line > 0 {
		s = fmt.Sprintf("line %d: %s", e.line, e.msg)
	}
	if e.hint != "" {
		s += " (" + e.hint + ")"
	}
	return s
}

// parseExport reads the rows of an export. Errors are *exportError.
func parseExport(r io.Reader) ([]exportRow, error) {
	src, err := io.ReadAll(io.LimitReader(r, maxExportBytes+1))
	if err != nil {
		return nil, &exportError{msg: err.Error()}
	}
	if len(src) > maxExportBytes {
		return nil, &exportError{msg: fmt.Sprintf("larger than %d MB", maxExportBytes>>20), hint: "export coarser intervals, e.g. per minute or per 15 minutes"}
	}
	text := strings.TrimPrefix(string(src), "\ufeff") // the byte-order mark spreadsheets write
	cr := csv.NewReader(strings.NewReader(text))
	cr.Comma = delimiter(text)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true

	var rows []exportRow
	var form timeForm
	var origin, day time.Duration
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &exportError{line: pe.Line, msg: pe.Err.Error()}
			}
			return nil, &exportError{msg: err.Error()}
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) < 2 {
			return nil, &exportError{line: line, msg: fmt.Sprintf("expected two columns, time and visitors, found %q", rec[0])}
		}
		timeText, countText := strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1])
		visitors, countErr := parseVisitorCount(countText)
		if countErr != nil && len(rows) == 0 && form == formUnknown {
			form = formHeader // a header row: names, not numbers
			continue
		}
		if countErr != nil {
			return nil, &exportError{line: line, msg: fmt.Sprintf("%q is not a number of visitors", countText)}
		}
		if visitors < 0 {
			return nil, &exportError{line: line, msg: fmt.Sprintf("%q visitors is negative", countText)}
		}
		f, at, ok := parseExportTime(timeText)
		if !ok {
			return nil, &exportError{line: line, msg: fmt.Sprintf("cannot read time %q", timeText), hint: "use minutes (15), a duration (15m), a clock time (10:15) or a date and time (2025-11-28 10:15)"}
		}
		if len(rows) == 0 {
			form, origin = f, at
		} else if f != form {
			return nil, &exportError{line: line, msg: fmt.Sprintf("time %q is written differently from the first row's", timeText), hint: "write every time the same way"}
		}
		at -= origin
		if len(rows) > 0 {
			prev := rows[len(rows)-1].at
			if form == formClock {
				at += day
				// A clock time earlier than the row before, by most of a
				// day, is the next day's.
				if at < prev && at+24*time.Hour-prev <= 12*time.Hour {
					day += 24 * time.Hour
					at += 24 * time.Hour
				}
			}
			if at <= prev {
				return nil, &exportError{line: line, msg: fmt.Sprintf("time %q is not after the row before it", timeText), hint: "sort the rows by time, one row per interval"}
			}
		}
		if len(rows) == maxExportIntervals {
			return nil, &exportError{line: line, msg: fmt.Sprintf("more than %d rows", maxExportIntervals), hint: "export coarser intervals"}
		}
		rows = append(rows, exportRow{at: at, visitors: visitors, line: line, when: timeText})
	}
	switch {
	case len(rows) == 0:
		return nil, &exportError{msg: "has no rows of time,visitors"}
	case len(rows) == 1:
		return nil, &exportError{line: rows[0].line, msg: "has one row; the interval needs at least two", hint: "add the next interval's row, even with 0 visitors"}
	}
	return rows, nil
}

// delimiter picks the CSV delimiter from the first line of text.
func delimiter(text string) rune {
	first, _, _ := strings.Cut(text, "\n")
	best, n := ',', strings.Count(first, ",")
	for _, d := range []rune{';', '\t'} {
		if c := strings.Count(first, string(d)); c > n {
			best, n = d, c
		}
	}
	return best
}

// thousands matches a number grouped with commas, as spreadsheets write
// 12,345.
var thousands = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\d{1,3}(,\d{3})+(\.\d+)?$`) })

// parseVisitorCount reads a visitor count: 1234, 1234.5, 12,345 or 1.2k.
func parseVisitorCount(s string) (float64, error) {
	if thousands().MatchString(s) {
		s = strings.ReplaceAll(s, ",", "")
	}
	return parseNumber(strings.ReplaceAll(s, "_", ""))
}

// timeForm is how an export writes its times.
type timeForm int

const (
	formUnknown timeForm = iota
	formHeader
	formMinutes
	formDuration
	formClock
	formDateTime
)

var dateTimeLayouts = []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04"}

// parseExportTime reads one time in any of the forms an export may use.
func parseExportTime(s string) (timeForm, time.Duration, bool) {
	if v, err := strconv.ParseFloat(s, 64); err == nil {
		if v < 0 || math.IsNaN(v) || v > float64(math.MaxInt64)/float64(time.Minute) {
			return formMinutes, 0, false
		}
		return formMinutes, time.Duration(v * float64(time.Minute)), true
	}
	if d, err := ParseDuration(s); err == nil {
		return formDuration, d, true
	}
	if h, m, sec, ok := clockTime(s); ok {
		return formClock, time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(sec)*time.Second, true
	}
	for _, layout := range dateTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			// Offsets from year 1 fit in a Duration only near it; count from
			// 2000 instead, as exports are recent.
			return formDateTime, t.Sub(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)), true
		}
	}
	return formUnknown, 0, false
}

// clockTime reads HH:MM or HH:MM:SS.
func clockTime(s string) (h, m, sec int, ok bool) {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, 0, 0, false
	}
	var v [3]int
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || len(p) > 2 {
			return 0, 0, 0, false
		}
		v[i] = n
	}
	if v[0] > 23 || v[1] > 59 || v[2] > 59 {
		return 0, 0, 0, false
	}
	return v[0], v[1], v[2], true
}

// exportCurve turns an export's rows into the corners of a relative rate,
// with the total visitors (the corners' exact integral), the interval, and
// the duration. Each row's rate, visitors over the interval, sits at the
// interval's middle, and the rate is linear between middles and flat in
// the first and last half intervals; with equal intervals this keeps the
// integral exactly the export's total. Exports longer than maxExportGroups
// intervals are replayed in groups of whole intervals.
func exportCurve(rows []exportRow) (cs []corner, total float64, interval time.Duration, err error) {
	interval = rows[1].at - rows[0].at
	for i := 2; i < len(rows); i++ {
		interval = min(interval, rows[i].at-rows[i-1].at)
	}
	counts := make([]float64, 0, len(rows))
	for _, r := range rows {
		slot := float64(r.at) / float64(interval)
		idx := math.Round(slot)
		if math.Abs(slot-idx) > 0.01 {
			return nil, 0, 0, &exportError{line: r.line, msg: fmt.Sprintf("the row is %s after the first, not a whole number of %s intervals", FormatDuration(r.at), FormatDuration(interval)), hint: "exports have one row per interval of equal length"}
		}
		if idx >= maxExportIntervals {
			return nil, 0, 0, &exportError{line: r.line, msg: fmt.Sprintf("the export spans more than %d intervals of %s", maxExportIntervals, FormatDuration(interval)), hint: "export coarser intervals"}
		}
		for len(counts) < int(idx) {
			counts = append(counts, 0) // a dropped row: nobody came
		}
		counts = append(counts, r.visitors)
		total += r.visitors
	}
	if total <= 0 {
		return nil, 0, 0, &exportError{msg: "every row has 0 visitors"}
	}
	group := (len(counts) + maxExportGroups - 1) / maxExportGroups
	w := interval.Seconds()
	var mids []corner
	for start := 0; start < len(counts); start += group {
		end := min(start+group, len(counts))
		sum := 0.0
		for _, c := range counts[start:end] {
			sum += c
		}
		width := float64(end-start) * w
		mids = append(mids, corner{t: float64(start)*w + width/2, v: sum / width})
	}
	peak := 0.0
	for _, m := range mids {
		peak = max(peak, m.v)
	}
	end := float64(len(counts)) * w
	cs = append(cs, corner{0, mids[0].v / peak})
	for _, m := range mids {
		cs = append(cs, corner{m.t, m.v / peak})
	}
	cs = append(cs, corner{end, mids[len(mids)-1].v / peak})
	// The corners hold rate/peak, so their integral is total/peak.
	return cs, total / peak, interval, nil
}
