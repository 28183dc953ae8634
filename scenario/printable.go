package scenario

import (
	"strings"
	"unicode/utf8"
)

// Printable returns s fit to print: terminal escape sequences (colours,
// cursor moves, window titles, hyperlinks: ANSI CSI and OSC, in their
// 7-bit and 8-bit forms) are removed whole, other control characters and
// the bidirectional overrides that reorder what a reader sees are
// dropped, tabs and line breaks become spaces, and bytes that are not
// UTF-8 become U+FFFD. Anything a target sent (an error body, a header,
// a transport error quoting its bytes) passes through it before a report
// shows it, so a hostile answer cannot drive the terminal.
func Printable(s string) string {
	if isPrintable(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == 0x1b || (r >= 0x80 && r <= 0x9f):
			i += escapeLength(s[i:])
			continue
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f || isBidiControl(r):
		default:
			b.WriteRune(r) // writes U+FFFD for a byte that is not UTF-8
		}
		i += size
	}
	return b.String()
}

func isPrintable(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r < 0x20 || (r >= 0x7f && r <= 0x9f) || (r == utf8.RuneError && size == 1) || isBidiControl(r) {
			return false
		}
		i += size
	}
	return true
}

// isBidiControl reports the embedding, override and isolate controls of
// Unicode's bidirectional algorithm.
func isBidiControl(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// escapeLength is the length of the escape sequence or C1 control at the
// start of s: ESC or a C1 character (U+0080–U+009F), its parameters and
// its final byte, or up to its terminator for strings (OSC, DCS, SOS, PM,
// APC). An unterminated sequence runs to the end of s.
func escapeLength(s string) int {
	var kind byte // what follows the introducer: '[' CSI, ']' OSC and the string kinds, 0 one character
	n := 0
	if s[0] == 0x1b {
		if len(s) < 2 {
			return 1
		}
		switch c := s[1]; c {
		case '[', ']', 'P', 'X', '^', '_':
			kind, n = c, 2
		default:
			// ESC, intermediates (0x20–0x2F), then one final character.
			n = 1
			for n < len(s) && s[n] >= 0x20 && s[n] <= 0x2f {
				n++
			}
			if n < len(s) && s[n] >= 0x30 && s[n] <= 0x7e {
				n++
			}
			return n
		}
	} else {
		r, size := utf8.DecodeRuneInString(s)
		n = size
		switch r {
		case 0x9b:
			kind = '['
		case 0x9d, 0x90, 0x98, 0x9e, 0x9f:
			kind = ']'
		default:
			return n // any other C1 control stands alone
		}
	}
	if kind == '[' { // parameters and intermediates, then a final byte
		for n < len(s) {
			switch c := s[n]; {
			case c >= 0x40 && c <= 0x7e:
				return n + 1
			case c >= 0x20 && c <= 0x3f:
				n++
			default:
				return n // a broken sequence: what follows is text again
			}
		}
		return n
	}
	for n < len(s) { // a string, ended by BEL, ESC \ or the C1 string terminator
		switch {
		case s[n] == 0x07:
			return n + 1
		case s[n] == 0x1b && n+1 < len(s) && s[n+1] == '\\':
			return n + 2
		case strings.HasPrefix(s[n:], "\u009c"):
			return n + len("\u009c")
		}
		n++
	}
	return n
}
