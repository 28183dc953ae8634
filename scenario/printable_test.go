package scenario

import "testing"

func TestPrintable(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain text, ünïcode ✓", "plain text, ünïcode ✓"},
		{"\x1b[31mred\x1b[0m and \x1b[1;4mbold\x1b[m", "red and bold"},
		{"\x1b]0;pwned title\x07after", "after"},
		{"\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\", "link"},
		{"clear\x1b[2J\x1b[Hscreen", "clearscreen"},
		{"\u009b31mred\u009b0m", "red"},
		{"\u009d0;title\u009cafter", "after"},
		{"a\x1bcb", "ab"},
		{"bell\x07 back\x08space\x00nul\x7fdel", "bell backspacenuldel"},
		{"line\nbreak\ttab\r", "line break tab "},
		{"bidi \u202eevil\u202c", "bidi evil"},
		{"bad \xff byte", "bad \ufffd byte"},
		{"unterminated \x1b]0;title", "unterminated "},
		{"\x1b", ""},
	}
	for _, tc := range tests {
		if got := Printable(tc.in); got != tc.want {
			t.Errorf("Printable(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzPrintable(f *testing.F) {
	for _, s := range []string{"\x1b[31mred", "\x1b]0;t\x07", "\u009b1m", "a\x1b", "ok"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Printable(s)
		if !isPrintable(out) {
			t.Fatalf("Printable(%q) = %q still holds a control character", s, out)
		}
		if Printable(out) != out {
			t.Fatalf("Printable is not idempotent on %q", s)
		}
	})
}
