package loadgen

import (
	"encoding/json"
	"errors"

	"github.com/liftoff/liftoff/internal/jsonstream"
)

// DecodeResults reads the results dec is at, as UnmarshalJSON does (the
// same checks, the same errors), with the timeline read one interval at a
// time: UnmarshalJSON needs the whole text in memory, and a long run's
// results file is mostly its timeline: each interval is decoded and
// sealed as it is read (timelineReader). Null reads as nil results.
func DecodeResults(dec *json.Decoder) (*Results, error) {
	var t *timelineReader
	rest, err := jsonstream.Object(dec, "timeline", func(dec *json.Decoder) error {
		t = newTimelineReader() // of two timelines, the last counts, as for json.Unmarshal
		return eachItem(dec, MaxTimelineIntervals, "timeline", "intervals", t.add)
	})
	if errors.Is(err, jsonstream.ErrNull) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var f resultsFile
	if err := json.Unmarshal(rest, &f); err != nil {
		return nil, err
	}
	if t == nil {
		t = newTimelineReader()
	}
	var r Results
	if err := r.fromFile(&f, t); err != nil {
		return nil, err
	}
	return &r, nil
}
