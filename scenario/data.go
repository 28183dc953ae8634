package scenario

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Data is a journey's data file: each visitor takes a row, and templates
// read its columns as {{ .row.COLUMN }}.
type Data struct {
	File    string // as named in the scenario, relative to the scenario file
	Columns []string
	Rows    [][]string
	Order   DataOrder
}

// DataOrder is how visitors take rows.
type DataOrder string

// Data orders.
const (
	// Sequential hands out rows in file order and starts over at the end.
	Sequential DataOrder = "sequential"
	// Random hands each visitor a row picked at random.
	Random DataOrder = "random"
	// Unique hands out each row once. When the rows run out, the journey's
	// further visitors cannot start and count as missed arrivals, which
	// makes the verdict INCONCLUSIVE: the test data, not the target,
	// limited the run.
	Unique DataOrder = "unique"
)

// Row returns row i as a map of column to value.
func (d *Data) Row(i int) map[string]string {
	m := make(map[string]string, len(d.Columns))
	for c, name := range d.Columns {
		m[name] = d.Rows[i][c]
	}
	return m
}

// data reads a journey's CSV file through the scenario's FS: a header row
// with unique column names, then at least one row.
func (d *decoder) data(n *yaml.Node, p, file string, order DataOrder) *Data {
	f, ok := d.openData(n, p, file)
	if !ok {
		return nil
	}
	defer f.Close()
	data, err := ReadCSV(f)
	if err != nil {
		d.fail(n, p, fmt.Sprintf("data file %q: %v", file, err), "")
		return nil
	}
	data.File, data.Order = file, order
	return data
}

// openData opens a data file the scenario names (a journey's rows, a
// campaign's export) through the scenario's FS. ok is false when the
// problem is recorded.
func (d *decoder) openData(n *yaml.Node, p, file string) (f fs.File, ok bool) {
	if d.fsys == nil {
		d.fail(n, p, fmt.Sprintf("cannot read %q: the scenario was not read from a file", file), "run liftoff on the scenario file, so data files resolve next to it")
		return nil, false
	}
	name := path.Clean(strings.TrimPrefix(file, "./"))
	if !fs.ValidPath(name) {
		d.fail(n, p, fmt.Sprintf("data file %q must be a relative path inside the scenario's directory", file), "")
		return nil, false
	}
	f, err := d.fsys.Open(name)
	if err != nil {
		d.fail(n, p, fmt.Sprintf("cannot read data file %q: %v", file, unwrapPathError(err)), "data files are relative to the scenario file")
		return nil, false
	}
	return f, true
}

// ReadCSV reads a data file: a header row naming the columns, then rows
// with one value per column.
func ReadCSV(r io.Reader) (*Data, error) {
	cr := csv.NewReader(r)
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("the file is empty; it needs a header row and at least one row")
	}
	if err != nil {
		return nil, err
	}
	data := &Data{}
	for i, name := range header {
		name = strings.TrimSpace(strings.TrimPrefix(name, "\ufeff"))
		switch {
		case !captureName().MatchString(name):
			return nil, fmt.Errorf("column %d is named %q; names are letters, digits and _, so templates can use them as {{ .row.NAME }}", i+1, name)
		case slices.Contains(data.Columns, name):
			return nil, fmt.Errorf("column %q appears twice in the header", name)
		}
		data.Columns = append(data.Columns, name)
	}
	for {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		data.Rows = append(data.Rows, row)
	}
	if len(data.Rows) == 0 {
		return nil, errors.New("the file has a header but no rows")
	}
	return data, nil
}

// unwrapPathError drops the path an fs.PathError repeats.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// DataUse says how a journey's data file meets the plan: how many visitors
// it can serve, how many the plan sends, and what happens past the last
// row, so `liftoff plan` can tell before a run.
type DataUse struct {
	Journey  string    `json:"journey"`
	File     string    `json:"file"`
	Order    DataOrder `json:"order"`
	Rows     int       `json:"rows"`              // rows in the file
	Expected float64   `json:"expected_visitors"` // visitors the plan sends the journey (open model)
}

// Short reports whether a unique file has fewer rows than the plan has
// visitors for it.
func (u DataUse) Short() bool { return u.Order == Unique && u.Expected > float64(u.Rows) }

// String explains the use in a sentence.
func (u DataUse) String() string {
	s := fmt.Sprintf("journey %s: %s has %d rows for about %.0f visitors", u.Journey, u.File, u.Rows, u.Expected)
	switch u.Order {
	case Random:
		return s + "; each visitor takes a row at random"
	case Unique:
		if u.Short() {
			return s + fmt.Sprintf("; each row is used once, so about %.0f visitors will find no row left and count as missed arrivals", u.Expected-float64(u.Rows))
		}
		return s + "; each row is used once, and there are enough"
	}
	if u.Expected > float64(u.Rows) {
		return s + "; visitors take rows in order and start over from the first after the last"
	}
	return s + "; visitors take rows in order"
}

// DataUses lists a DataUse for every journey with a data file.
// Closed-model phases are not counted: their visitors stop when a unique
// file runs out.
func (s *Scenario) DataUses() []DataUse {
	total := 0
	for _, j := range s.Journeys {
		total += j.Weight
	}
	var out []DataUse
	for _, j := range s.Journeys {
		if j.Data == nil || total == 0 {
			continue
		}
		out = append(out, DataUse{Journey: j.Name, File: j.Data.File, Order: j.Data.Order, Rows: len(j.Data.Rows),
			Expected: s.Plan.Visitors() * float64(j.Weight) / float64(total)})
	}
	return out
}
