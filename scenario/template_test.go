package scenario

import (
	"regexp"
	"strings"
	"testing"
	"text/template"
	"time"
)

// TestTemplateFuncs runs each function a template may call the way
// loadgen does: through text/template, with TemplateFuncs.
func TestTemplateFuncs(t *testing.T) {
	t.Parallel()
	data := map[string]any{
		"one":   []string{"solo"},
		"empty": []string{},
		"cell":  "red",
		"n":     7,
		"quote": `say "hi"`,
	}
	tests := []struct {
		name, template string
		want           *regexp.Regexp // matches the whole output
		err            string         // the error ends with it
	}{
		{"randInt of one number", "{{ randInt 3 3 }}", regexp.MustCompile(`^3$`), ""},
		{"randInt within its range", "{{ randInt 1 3 }}", regexp.MustCompile(`^[123]$`), ""},
		{"randInt backwards", "{{ randInt 9 1 }}", nil, "the second number (1) must not be below the first (9)"},
		{"randomItem of a list", "{{ randomItem .one }}", regexp.MustCompile(`^solo$`), ""},
		{"randomItem of a CSV cell", `{{ randomItem "a|b" }}`, regexp.MustCompile(`^(a|b)$`), ""},
		{"randomItem of a cell with no |", "{{ randomItem .cell }}", regexp.MustCompile(`^red$`), ""},
		{"randomItem of an empty list", "{{ randomItem .empty }}", nil, "randomItem of an empty list"},
		{"randomItem of a number", "{{ randomItem .n }}", nil, "randomItem needs a list, not int"},
		{"uuid", "{{ uuid }}", regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`), ""},
		{"now", "{{ now }}", regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`), ""},
		{"json of a string", "{{ json .quote }}", regexp.MustCompile(`^"say \\"hi\\""$`), ""},
		{"json of a list", "{{ json .one }}", regexp.MustCompile(`^\["solo"\]$`), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tmpl := template.Must(template.New("").Funcs(TemplateFuncs()).Parse(tc.template))
			// Random functions run many times, so a value out of range
			// shows up.
			for range 50 {
				var b strings.Builder
				err := tmpl.Execute(&b, data)
				if tc.err != "" {
					if err == nil || !strings.HasSuffix(err.Error(), tc.err) {
						t.Fatalf("%s: error %v, want one ending %q", tc.template, err, tc.err)
					}
					return
				}
				if err != nil || !tc.want.MatchString(b.String()) {
					t.Fatalf("%s = %q, %v; want a match for %s", tc.template, b.String(), err, tc.want)
				}
			}
		})
	}
}

// TestNowIsUTC checks now against the clock, to the second it writes.
func TestNowIsUTC(t *testing.T) {
	t.Parallel()
	before := time.Now().Truncate(time.Second)
	got, err := time.Parse(time.RFC3339, now())
	after := time.Now()
	if err != nil || got.Location() != time.UTC || got.Before(before) || got.After(after) {
		t.Errorf("now() = %v, %v; want UTC between %v and %v", got, err, before, after)
	}
}

// TestTemplatesCallEveryFunction checks that a scenario may call each
// function TemplateFuncs runs: the check and the run share one list.
func TestTemplatesCallEveryFunction(t *testing.T) {
	t.Parallel()
	var steps []string
	for name := range TemplateFuncs() {
		steps = append(steps, `"GET /x?v={{ `+name+` }}"`)
	}
	src := journeyHead + "journeys:\n  - name: j\n    steps: [ " + strings.Join(steps, ", ") + " ]\n"
	if _, err := Parse(strings.NewReader(src), "launch.yaml", Options{}); err != nil {
		t.Fatal(err)
	}
}
