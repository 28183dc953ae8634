package report

import (
	"strings"
	"testing"
)

func TestTableRender(t *testing.T) {
	tests := []struct {
		name   string
		header []string
		rows   [][]string
		want   string
	}{
		{
			name:   "header only: no rule under it",
			header: []string{"A", "B"},
			want:   "┌───┬───┐\n│ A │ B │\n└───┴───┘\n",
		},
		{
			name:   "header left, columns aligned, widths from the widest cell",
			header: []string{"Journey", "n", "x"},
			rows:   [][]string{{"日本語 journey", "3", ""}, {"émoji 🚀 x", "12", "  kept "}},
			want: "┌────────────────┬────┬─────────┐\n" +
				"│ Journey        │ n  │ x       │\n" +
				"├────────────────┼────┼─────────┤\n" +
				"│ 日本語 journey │  3 │         │\n" +
				"│ émoji 🚀 x     │ 12 │   kept  │\n" +
				"└────────────────┴────┴─────────┘\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			tb := newTable(&b, alignLeft, alignRight, alignLeft)
			tb.Header(tt.header...)
			for _, r := range tt.rows {
				tb.Append(r...)
			}
			if err := tb.Render(); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), tt.want)
			}
		})
	}
}
