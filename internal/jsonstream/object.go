// Package jsonstream reads a JSON object whose one field is too large to
// hold as text: that field is handed to the caller to read from the
// decoder, piece by piece, and the others are gathered into a small object
// for json.Unmarshal. A results file is mostly its timeline; read whole,
// its text and what it decodes to were both in memory at once.
package jsonstream

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrNull is returned by Object for a JSON null where the object was.
var ErrNull = errors.New("null")

// Object reads the object dec is at. The value of the field named field
// (matched as json.Unmarshal matches names, ignoring case) is read by
// stream, from dec, each time the field appears; every other field is
// returned, in its order, as a JSON object for json.Unmarshal, which then
// matches their names as it would have in the whole object. Anything but
// an object is an error; null is ErrNull.
func Object(dec *json.Decoder, field string, stream func(*json.Decoder) error) (rest []byte, err error) {
	tok, err := dec.Token()
	switch {
	case err != nil:
		return nil, err
	case tok == nil:
		return nil, ErrNull
	case tok != json.Delim('{'):
		return nil, fmt.Errorf("%v where an object belongs", tok)
	}
	var out bytes.Buffer
	out.WriteByte('{')
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("%v where a field name belongs", tok)
		}
		if strings.EqualFold(name, field) {
			if err := stream(dec); err != nil {
				return nil, err
			}
			continue
		}
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, err
		}
		if out.Len() > 1 {
			out.WriteByte(',')
		}
		quoted, err := json.Marshal(name)
		if err != nil {
			return nil, err
		}
		out.Write(quoted)
		out.WriteByte(':')
		out.Write(value)
	}
	if _, err := dec.Token(); err != nil { // the closing }: More is false at the end of the input too
		return nil, err
	}
	return append(out.Bytes(), '}'), nil
}

// End checks that dec has nothing left but white space, as
// json.Unmarshal checks its input.
func End(dec *json.Decoder) error {
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err == nil {
			return errors.New("invalid character after top-level value")
		}
		return err
	}
	return nil
}
