package scenario

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
)

const journeyHead = "name: t\ntarget: http://127.0.0.1:8080\ntraffic:\n  phases:\n    - { duration: 1m, rate: 10/s }\n"

func parseJourneys(t *testing.T, journeys string, files fstest.MapFS) (*Scenario, error) {
	t.Helper()
	return Parse(strings.NewReader(journeyHead+journeys), "launch.yaml", Options{FS: files})
}

var customersCSV = fstest.MapFS{
	"data/customers.csv": {Data: []byte("email,password,tags\nann@example.com,pw1,red|blue\nbob@example.com,pw2,green\n")},
}

func TestParseJourneySteps(t *testing.T) {
	t.Parallel()
	sc, err := parseJourneys(t, `defaults:
  think: 1s..3s
journeys:
  - name: checkout
    data: data/customers.csv
    order: unique
    steps:
      - name: login
        request: POST /api/login
        json: { email: "{{ .row.email }}", remember: true, n: 3, tags: [a, "{{ randomItem .row.tags }}"] }
        expect: { status: [200, 2xx], body_contains: token, json: { "$.ok": true }, max_duration: 500ms }
        capture: { token: "json:$.token", next: "header:Location", csrf: "regex:csrf=(\\w+)" }
        think: 2s
      - name: cart
        request: "POST /api/cart?visitor={{ .visitor }}"
        headers: { Authorization: "Bearer {{ .token }}" }
        form: { csrf: "{{ .csrf }}", qty: "2" }
        query: { ref: mail }
        timeout: 3s
`, customersCSV)
	if err != nil {
		t.Fatal(err)
	}
	j := sc.Journeys[0]
	if j.Data == nil || j.Data.Order != Unique || len(j.Data.Rows) != 2 || strings.Join(j.Data.Columns, ",") != "email,password,tags" {
		t.Fatalf("data = %+v", j.Data)
	}
	if got := j.Data.Row(1)["email"]; got != "bob@example.com" {
		t.Errorf("Row(1)[email] = %q", got)
	}
	if sc.Defaults.Think != (Think{Min: time.Second, Max: 3 * time.Second}) {
		t.Errorf("defaults.think = %v", sc.Defaults.Think)
	}
	login, cart := j.Steps[0], j.Steps[1]
	if got := login.Body.JSON.Literal(); got != `{"email":"{{ .row.email }}","remember":true,"n":3,"tags":["a","{{ randomItem .row.tags }}"]}` {
		t.Errorf("login JSON = %s", got)
	}
	wantExpect := Expect{
		Status:       []StatusMatch{{Code: 200}, {Class: 2}},
		BodyContains: []string{"token"},
		JSON:         []JSONExpect{{Path: mustPath(t, "$.ok"), Value: "true"}},
		MaxDuration:  500 * time.Millisecond,
	}
	if diff := cmp.Diff(wantExpect, login.Expect, cmp.AllowUnexported(JSONPath{}, pathPart{})); diff != "" {
		t.Errorf("expect mismatch (-want +got):\n%s", diff)
	}
	var captures []string
	for _, c := range login.Captures {
		captures = append(captures, c.Name+"="+string(c.Source)+":"+c.Expr)
	}
	if got := strings.Join(captures, " "); got != `token=json:$.token next=header:Location csrf=regex:csrf=(\w+)` {
		t.Errorf("captures = %s", got)
	}
	if login.Think == nil || *login.Think != (Think{Min: 2 * time.Second, Max: 2 * time.Second}) {
		t.Errorf("login think = %v", login.Think)
	}
	if cart.Body.Kind != FormBody || len(cart.Body.Form) != 2 || cart.Query[0] != (Param{Name: "ref", Value: "mail"}) || cart.Timeout != 3*time.Second {
		t.Errorf("cart step = %+v", cart)
	}
	if cart.Think != nil {
		t.Errorf("cart think = %v, want nil (the default applies)", cart.Think)
	}
}

func mustPath(t *testing.T, s string) JSONPath {
	t.Helper()
	p, err := ParseJSONPath(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParseJourneyProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		journeys string
		want     []string
	}{
		{
			name:     "a template refers to a value no earlier step captures",
			journeys: "journeys:\n  - name: j\n    steps:\n      - { request: POST /login, capture: { token: \"json:$.token\" } }\n      - { request: GET /cart, headers: { Authorization: \"Bearer {{ .tokn }}\" } }\n",
			want:     []string{`launch.yaml:10:40: journeys[0].steps[1].headers.Authorization: {{ .tokn }} refers to "tokn", which no earlier step captures (captured so far: token)`},
		},
		{
			name:     "a step cannot use its own capture",
			journeys: "journeys:\n  - name: j\n    steps:\n      - { request: \"GET /{{ .id }}\", capture: { id: \"json:$.id\" } }\n",
			want:     []string{`launch.yaml:9:20: journeys[0].steps[0].request: {{ .id }} refers to "id", which no earlier step captures (capture it in an earlier step, e.g. capture: { id: "json:$.id" })`},
		},
		{
			name:     "a row without a data file",
			journeys: "journeys:\n  - name: j\n    steps: [ \"GET /u/{{ .row.email }}\" ]\n",
			want:     []string{`launch.yaml:8:14: journeys[0].steps[0]: {{ .row.email }} needs a data file, and this journey has none (add data: file.csv to the journey)`},
		},
		{
			name:     "a column the file lacks",
			journeys: "journeys:\n  - name: j\n    data: data/customers.csv\n    steps: [ \"GET /u/{{ .row.mail }}\" ]\n",
			want:     []string{`launch.yaml:9:14: journeys[0].steps[0]: {{ .row.mail }}: data/customers.csv has no column "mail" (its columns: email, password, tags)`},
		},
		{
			name:     "template syntax",
			journeys: "journeys:\n  - name: j\n    steps: [ \"GET /p/{{ randomInt 1 5 }}\" ]\n",
			want:     []string{`launch.yaml:8:14: journeys[0].steps[0]: template error: function "randomInt" not defined (templates look like {{ .row.email }}, {{ .token }} or {{ randInt 1 500 }})`},
		},
		{
			name:     "a data file that is missing",
			journeys: "journeys:\n  - name: j\n    data: data/nope.csv\n    steps: [ GET / ]\n",
			want:     []string{`launch.yaml:8:11: journeys[0].data: cannot read data file "data/nope.csv": file does not exist (data files are relative to the scenario file)`},
		},
		{
			name:     "a capture with a bad source",
			journeys: "journeys:\n  - name: j\n    steps:\n      - { request: GET /, capture: { token: \"body:$.token\" } }\n",
			want:     []string{`launch.yaml:9:45: journeys[0].steps[0].capture.token: cannot read capture "body:$.token" (write json:PATH, header:NAME or regex:PATTERN, e.g. "json:$.token")`},
		},
		{
			name:     "a bad JSON path",
			journeys: "journeys:\n  - name: j\n    steps:\n      - { request: GET /, capture: { id: \"json:$.items[x]\" } }\n",
			want:     []string{`launch.yaml:9:42: journeys[0].steps[0].capture.id: invalid JSON path "$.items[x]": [x] is not an index (paths look like $.token or $.items[0].id)`},
		},
		{
			name:     "a regular expression with two groups",
			journeys: "journeys:\n  - name: j\n    steps:\n      - { request: GET /, capture: { id: \"regex:(a)(b)\" } }\n",
			want:     []string{`launch.yaml:9:42: journeys[0].steps[0].capture.id: the regular expression has 2 groups (the value is the first group; keep one group, or make the others non-capturing with (?:...))`},
		},
		{
			name:     "two bodies",
			journeys: "journeys:\n  - name: j\n    steps:\n      - { request: POST /, body: x, json: { a: 1 } }\n",
			want:     []string{`launch.yaml:9:9: journeys[0].steps[0]: a step has one body, and this one has body and json (keep one of body, json and form)`},
		},
		{
			name:     "a status that is not one",
			journeys: "journeys:\n  - name: j\n    steps:\n      - { request: GET /, expect: { status: [200, 6xx] } }\n",
			want:     []string{`launch.yaml:9:51: journeys[0].steps[0].expect.status: "6xx" is not an HTTP status (write a code such as 200, a class such as 2xx, or a list: [200, 201])`},
		},
		{
			name:     "a think time that runs backwards",
			journeys: "journeys:\n  - name: j\n    steps:\n      - { request: GET /, think: 3s..1s }\n",
			want:     []string{`launch.yaml:9:34: journeys[0].steps[0].think: think time "3s..1s" runs backwards (write the shorter time first, e.g. 1s..3s)`},
		},
		{
			name:     "order without data",
			journeys: "journeys:\n  - name: j\n    order: unique\n    steps: [ GET / ]\n",
			want:     []string{`launch.yaml:8:12: journeys[0].order: order applies to a data file, and this journey has none (add data: file.csv)`},
		},
		{
			name:     "unknown step key",
			journeys: "journeys:\n  - name: j\n    steps:\n      - { request: GET /, header: { A: b } }\n",
			want:     []string{`launch.yaml:9:27: journeys[0].steps[0]: unknown key "header" (did you mean "headers"?)`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := parseJourneys(t, tc.journeys, customersCSV)
			var got []string
			for _, p := range Problems(err) {
				got = append(got, p.Error())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Fatalf("problems mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadCSV(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, err string
	}{
		{"empty", "", "the file is empty; it needs a header row and at least one row"},
		{"header only", "email\n", "the file has a header but no rows"},
		{"bad column name", "e-mail\nx\n", `column 1 is named "e-mail"; names are letters, digits and _, so templates can use them as {{ .row.NAME }}`},
		{"duplicate column", "a,a\n1,2\n", `column "a" appears twice in the header`},
		{"ragged row", "a,b\n1\n", "record on line 2: wrong number of fields"},
	}
	for _, tc := range tests {
		_, err := ReadCSV(strings.NewReader(tc.in))
		if err == nil || err.Error() != tc.err {
			t.Errorf("%s: ReadCSV error = %v, want %q", tc.name, err, tc.err)
		}
	}
}

func TestJSONPathLookup(t *testing.T) {
	t.Parallel()
	doc := map[string]any{"token": "abc", "items": []any{map[string]any{"id": 7.0}}, "a b": map[string]any{"c": true}}
	tests := []struct {
		path string
		want any
		ok   bool
	}{
		{"$.token", "abc", true},
		{"token", "abc", true},
		{"$.items[0].id", 7.0, true},
		{"items[0].id", 7.0, true},
		{"$['a b'].c", true, true},
		{"$.items[1].id", nil, false},
		{"$.token.x", nil, false},
		{"$", doc, true},
	}
	for _, tc := range tests {
		p, err := ParseJSONPath(tc.path)
		if err != nil {
			t.Fatalf("ParseJSONPath(%q): %v", tc.path, err)
		}
		got, ok := p.Lookup(doc)
		if ok != tc.ok || !cmp.Equal(got, tc.want) {
			t.Errorf("Lookup(%q) = %v, %v; want %v, %v", tc.path, got, ok, tc.want, tc.ok)
		}
	}
}

// FuzzParseJSONPath checks that path parsing never panics and that a path
// that parses can look things up without panicking.
func FuzzParseJSONPath(f *testing.F) {
	for _, s := range []string{"$.token", "items[0].id", "$['a'][0]", "$..x", "[", "$.a[-1]"} {
		f.Add(s)
	}
	doc := map[string]any{"a": []any{1.0, map[string]any{"b": "c"}}}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseJSONPath(s)
		if err != nil {
			return
		}
		p.Lookup(doc)
	})
}

// FuzzReadCSV checks that data file reading never panics, and that every
// file it accepts has a header and rows of the header's width.
func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{"email,password\na@b.c,x\n", "a\n\"x\ny\"\n", "\ufeffa,b\n1,2\n", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ReadCSV(strings.NewReader(s))
		if err != nil {
			return
		}
		if len(d.Columns) == 0 || len(d.Rows) == 0 {
			t.Fatalf("accepted %q with %d columns and %d rows", s, len(d.Columns), len(d.Rows))
		}
		for _, row := range d.Rows {
			if len(row) != len(d.Columns) {
				t.Fatalf("row %q has %d fields, header %d", row, len(row), len(d.Columns))
			}
		}
	})
}

func TestDataUses(t *testing.T) {
	t.Parallel()
	sc, err := parseJourneys(t, `journeys:
  - name: browse
    weight: 3
    data: data/customers.csv
    steps: [ "GET /u/{{ .row.email }}" ]
  - name: checkout
    weight: 1
    data: data/customers.csv
    order: unique
    steps: [ "GET /u/{{ .row.email }}" ]
`, customersCSV)
	if err != nil {
		t.Fatal(err)
	}
	got := sc.DataUses()
	// 10/s for a minute is 600 visitors; a quarter of them check out.
	want := []DataUse{
		{Journey: "browse", File: "data/customers.csv", Order: Sequential, Rows: 2, Expected: 450},
		{Journey: "checkout", File: "data/customers.csv", Order: Unique, Rows: 2, Expected: 150},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("DataUses mismatch (-want +got):\n%s", diff)
	}
	if got[0].Short() || !got[1].Short() {
		t.Errorf("Short() = %v, %v; want only the unique file short", got[0].Short(), got[1].Short())
	}
	wantText := []string{
		"journey browse: data/customers.csv has 2 rows for about 450 visitors; visitors take rows in order and start over from the first after the last",
		"journey checkout: data/customers.csv has 2 rows for about 150 visitors; each row is used once, so about 148 visitors will find no row left and count as missed arrivals",
	}
	for i, u := range got {
		if s := u.String(); s != wantText[i] {
			t.Errorf("String() = %q\nwant       %q", s, wantText[i])
		}
	}
}
