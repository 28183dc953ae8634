package jsonstream

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// read runs Object on in, streaming field "big" as a list of numbers.
func read(in string) (rest string, big [][]int, err error) {
	dec := json.NewDecoder(strings.NewReader(in))
	r, err := Object(dec, "big", func(dec *json.Decoder) error {
		var v []int
		if err := dec.Decode(&v); err != nil {
			return err
		}
		big = append(big, v)
		return nil
	})
	if err == nil {
		err = End(dec)
	}
	return string(r), big, err
}

func TestObject(t *testing.T) {
	tests := []struct {
		name, in, rest string
		big            [][]int
		err            string // substring; "" for none
	}{
		{"fields around the streamed one", `{"a":1,"big":[1,2],"b":{"c":[3]}}`, `{"a":1,"b":{"c":[3]}}`, [][]int{{1, 2}}, ""},
		{"no streamed field", `{"a":"x"}`, `{"a":"x"}`, nil, ""},
		{"empty object", ` {} `, `{}`, nil, ""},
		{"names ignore case", `{"BIG":[1],"Big":[2]}`, `{}`, [][]int{{1}, {2}}, ""},
		{"a name that needs escaping", `{"a\"b\u003c":1}`, `{"a\"b\u003c":1}`, nil, ""},
		{"null", `null`, ``, nil, "null"},
		{"a list", `[1]`, ``, nil, "where an object belongs"},
		{"cut short", `{"a":1,"big":[1`, ``, nil, "EOF"},
		{"cut short after a field", `{"a":1`, ``, nil, "EOF"},
		{"trailing text", `{"a":1} {}`, `{"a":1}`, nil, "after top-level value"},
		{"the streamed field fails", `{"big":"x"}`, ``, nil, "cannot unmarshal"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rest, big, err := read(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error = %v, want one containing %q", err, tc.err)
				}
				if tc.in == "null" && !errors.Is(err, ErrNull) {
					t.Errorf("null gives %v, want ErrNull", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rest != tc.rest || !reflect.DeepEqual(big, tc.big) {
				t.Errorf("got %s and %v, want %s and %v", rest, big, tc.rest, tc.big)
			}
		})
	}
}

// FuzzObject checks Object against json.Unmarshal of the whole text:
// what Unmarshal accepts as an object, Object accepts, and the fields it
// gathers decode to the same values but the streamed one.
func FuzzObject(f *testing.F) {
	for _, s := range []string{`{"a":1,"big":[1,2],"b":{"c":[3]}}`, `{"BIG":[1]}`, `{}`, `null`, `{"a":1} x`, `{"a":"\u00e9"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var whole map[string]any
		werr := json.Unmarshal([]byte(in), &whole)
		rest, _, err := read(in)
		if werr != nil || whole == nil {
			return // not an object: Object may refuse it any way it likes
		}
		var bigNotList bool
		for k, v := range whole {
			if strings.EqualFold(k, "big") {
				if _, ok := v.([]any); !ok && v != nil {
					bigNotList = true // the streamed reader wants a list
				}
			}
		}
		if err != nil {
			if bigNotList || strings.Contains(err.Error(), "cannot unmarshal") {
				return
			}
			t.Fatalf("Unmarshal reads %q, Object fails: %v", in, err)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(rest), &got); err != nil {
			t.Fatalf("the gathered fields %q do not decode: %v", rest, err)
		}
		for k := range whole {
			if strings.EqualFold(k, "big") {
				delete(whole, k)
			}
		}
		if !reflect.DeepEqual(got, whole) {
			t.Fatalf("gathered %v, the whole object has %v", got, whole)
		}
	})
}
