package har

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/liftoff/liftoff/scenario"
)

// The HAR 1.2 subset Import reads (http://www.softwareishard.com/blog/har-12-spec/).
// Everything else in a recording (response bodies, timings, caches) is
// skipped by encoding/json without being kept. No HAR library is used:
// the candidates pull in a proxy framework or an experimental JSON module
// for these few structs (see shared/DEPENDENCIES.md, section 8).

type harFile struct {
	Log *harLog `json:"log"`
}

type harLog struct {
	Pages   []harPage   `json:"pages"`
	Entries *[]harEntry `json:"entries"` // a pointer, to tell a missing list from an empty one
}

type harPage struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

type harEntry struct {
	PageRef         string      `json:"pageref"`
	StartedDateTime string      `json:"startedDateTime"`
	Time            float64     `json:"time"` // milliseconds from start to the response's end
	Request         harRequest  `json:"request"`
	Response        harResponse `json:"response"`
	// ResourceType is Chrome's classification of the request: document,
	// xhr, fetch, script, image, …
	ResourceType string `json:"_resourceType"`
}

type harRequest struct {
	Method      string         `json:"method"`
	URL         string         `json:"url"`
	HTTPVersion string         `json:"httpVersion"`
	Headers     []harNameValue `json:"headers"`
	PostData    *harPostData   `json:"postData"`
}

type harPostData struct {
	MimeType string         `json:"mimeType"`
	Text     string         `json:"text"`
	Params   []harNameValue `json:"params"`
	// Encoding is not in HAR 1.2, but some tools write "base64" here for
	// bodies that are not text, as HAR 1.2 does for response content.
	Encoding string `json:"encoding"`
}

type harResponse struct {
	Status      int            `json:"status"`
	Headers     []harNameValue `json:"headers"`
	Content     harContent     `json:"content"`
	RedirectURL string         `json:"redirectURL"`
}

type harContent struct {
	MimeType string `json:"mimeType"`
}

type harNameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// header returns the value of the first header called name (any case).
func harHeader(hs []harNameValue, name string) (string, bool) {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return h.Value, true
		}
	}
	return "", false
}

// started parses the entry's start time; ok is false when the recording
// has none or writes it in a form other than RFC 3339.
func (e *harEntry) started() (t time.Time, ok bool) {
	t, err := time.Parse(time.RFC3339Nano, e.StartedDateTime)
	return t, err == nil
}

// readHAR decodes a recording. Its problems are Errors that name the line
// of a JSON mistake, so cmd reports them as it reports scenario problems.
func readHAR(r io.Reader, name string) (*harLog, error) {
	src, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	notHAR := func(line int, path, msg string) error {
		return &scenario.Error{File: name, Line: line, Path: path, Msg: msg,
			Hint: "save the recording from the browser's developer tools: Network tab, Export HAR (or Save all as HAR)"}
	}
	var f harFile
	if err := json.Unmarshal(src, &f); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return nil, notHAR(lineAt(src, syn.Offset), "", "not a HAR file: invalid JSON: "+strings.TrimPrefix(syn.Error(), "json: "))
		case errors.As(err, &typ) && typ.Field == "":
			return nil, notHAR(lineAt(src, typ.Offset), "", fmt.Sprintf("not a HAR file: the file holds a JSON %s, not an object", typ.Value))
		case errors.As(err, &typ):
			return nil, notHAR(lineAt(src, typ.Offset), typ.Field, fmt.Sprintf("not a HAR file: found a JSON %s where HAR has %s", typ.Value, jsonKindName(typ.Type.Kind().String())))
		}
		return nil, notHAR(0, "", "not a HAR file: "+strings.TrimPrefix(err.Error(), "json: "))
	}
	if f.Log == nil {
		return nil, notHAR(0, "", `not a HAR file: it has no "log"`)
	}
	if f.Log.Entries == nil {
		return nil, notHAR(0, "log", `not a HAR file: the log has no "entries"`)
	}
	if len(*f.Log.Entries) == 0 {
		return nil, &scenario.Error{File: name, Path: "log.entries", Msg: "the recording holds no requests",
			Hint: "open the Network tab before using the site, then export the recording"}
	}
	return f.Log, nil
}

// lineAt returns the 1-based line of byte offset off in src.
func lineAt(src []byte, off int64) int {
	off = min(max(off, 0), int64(len(src)))
	return bytes.Count(src[:off], []byte("\n")) + 1
}

// jsonKindName names a Go kind the way JSON would, with its article.
func jsonKindName(kind string) string {
	switch kind {
	case "int":
		return "a whole number"
	case "float64":
		return "a number"
	case "slice", "ptr":
		return "a list"
	case "struct":
		return "an object"
	case "bool":
		return "true or false"
	}
	return "a " + kind
}
