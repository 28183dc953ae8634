package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestREADMEScenariosValidate keeps the README honest: every YAML block in
// it is a scenario that validates (a fragment, within a minimal scenario).
func TestREADMEScenariosValidate(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllSubmatch(readme, -1)
	if len(blocks) == 0 {
		t.Fatal("the README shows no scenario")
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "examples", "data", "customers.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range blocks {
		dir := t.TempDir()
		if err := os.Mkdir(filepath.Join(dir, "data"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "data", "customers.csv"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		src := b[1]
		if !regexp.MustCompile(`(?m)^target:`).Match(src) { // a fragment: validate it in a minimal scenario
			src = append([]byte("name: readme\ntarget: sim:shop\ntraffic: { phases: [ { duration: 1m, rate: 1/s } ] }\n"), src...)
		}
		path := filepath.Join(dir, "readme.yaml")
		if err := os.WriteFile(path, src, 0o644); err != nil {
			t.Fatal(err)
		}
		tio := newTestIO(map[string]string{"SHOP_TOKEN": "example-token"})
		if code := tio.liftoff(t.Context(), "validate", path); code != exitGo {
			t.Errorf("README scenario %d does not validate (exit %d):\n%s", i+1, code, tio.err)
		}
	}
}

// TestREADMECommandsAreReal checks every liftoff command line in the
// README's shell blocks as the help's examples are checked: a real
// command, only flags it has, the arguments it takes.
func TestREADMECommandsAreReal(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	e := newTestIO(nil).env
	n := 0
	for _, block := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllSubmatch(readme, -1) {
		for _, line := range strings.Split(string(block[1]), "\n") {
			for _, words := range shellCommands(line) {
				if words[0] != "liftoff" {
					continue
				}
				n++
				if err := commandLineProblem(e, words); err != nil {
					t.Errorf("README: %q: %v", strings.Join(words, " "), err)
				}
			}
		}
	}
	if n < 10 {
		t.Errorf("found %d liftoff command lines in the README, want the dozen it shows", n)
	}
}

// shellCommands splits one shell line into its commands' words: quotes
// group words and are dropped, a # outside quotes starts a comment, and
// &&, || and ; separate commands.
func shellCommands(line string) [][]string {
	var out [][]string
	var words []string
	var word strings.Builder
	inWord := false
	var quote rune
	end := func() {
		if inWord {
			words = append(words, word.String())
			word.Reset()
			inWord = false
		}
	}
	flush := func() {
		end()
		if len(words) > 0 {
			out = append(out, words)
		}
		words = nil
	}
	rs := []rune(line)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				word.WriteRune(r)
			}
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == '#' && !inWord:
			flush()
			return out
		case r == ';':
			flush()
		case (r == '&' || r == '|') && i+1 < len(rs) && rs[i+1] == r:
			flush()
			i++
		case r == ' ' || r == '\t':
			end()
		default:
			word.WriteRune(r)
			inWord = true
		}
	}
	flush()
	return out
}
