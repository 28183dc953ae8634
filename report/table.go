package report

import (
	"io"
	"os"
	"strings"
	"sync"

	"github.com/mattn/go-runewidth"
)

// align is how a column's cells sit in their width.
type align bool

const (
	alignLeft  align = false
	alignRight align = true
)

// table is a box-drawn text table: a header row, then the rows, every
// cell padded by one space. The reports' tables are small and their cells
// single-line printable text (scenario.Printable), so a few lines do what
// a table library did; the library cost every liftoff start-up ~0.7 MB of
// width cache and every table another ~0.4 MB map, which pushed a
// one-request run into a garbage collection.
type table struct {
	w      io.Writer
	aligns []align
	header []string
	rows   [][]string
}

// newTable starts a table written to w on Render; aligns gives each
// column's alignment (the header's cells are always on the left).
func newTable(w io.Writer, aligns ...align) *table {
	return &table{w: w, aligns: aligns}
}

// cells measures a cell's width in terminal columns. Characters of
// ambiguous width count as one column, as modern terminals draw them,
// whatever the locale, unless RUNEWIDTH_EASTASIAN asks for two.
var cells = sync.OnceValue(func() *runewidth.Condition {
	c := runewidth.NewCondition()
	switch strings.ToLower(os.Getenv("RUNEWIDTH_EASTASIAN")) {
	case "1", "on", "true", "yes":
		c.EastAsianWidth = true
	default:
		c.EastAsianWidth = false
	}
	return c
})

// Header sets the header row.
func (t *table) Header(cells ...string) { t.header = cells }

// Append adds a row.
func (t *table) Append(cells ...string) { t.rows = append(t.rows, cells) }

// Render writes the table in one write.
func (t *table) Render() error {
	cols := len(t.header)
	for _, r := range t.rows {
		cols = max(cols, len(r))
	}
	widths := make([]int, cols)
	measure := func(row []string) {
		for i, c := range row {
			widths[i] = max(widths[i], cells().StringWidth(c))
		}
	}
	measure(t.header)
	for _, r := range t.rows {
		measure(r)
	}
	var b strings.Builder
	rule := func(left, mid, right string) {
		b.WriteString(left)
		for i, w := range widths {
			if i > 0 {
				b.WriteString(mid)
			}
			b.WriteString(strings.Repeat("─", w+2))
		}
		b.WriteString(right + "\n")
	}
	line := func(row []string, header bool) {
		b.WriteString("│")
		for i, w := range widths {
			c := ""
			if i < len(row) {
				c = row[i]
			}
			pad := strings.Repeat(" ", w-cells().StringWidth(c))
			b.WriteString(" ")
			if !header && i < len(t.aligns) && t.aligns[i] == alignRight {
				b.WriteString(pad + c)
			} else {
				b.WriteString(c + pad)
			}
			b.WriteString(" │")
		}
		b.WriteString("\n")
	}
	rule("┌", "┬", "┐")
	if len(t.header) > 0 {
		line(t.header, true)
		if len(t.rows) > 0 {
			rule("├", "┼", "┤")
		}
	}
	for _, r := range t.rows {
		line(r, false)
	}
	rule("└", "┴", "┘")
	_, err := io.WriteString(t.w, b.String())
	return err
}
