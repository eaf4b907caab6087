package frames

import (
	"encoding/json"
	"fmt"
)

// Part is a run of a table's rows chosen by their time: the rows whose
// value in column Time is in [From, To) (To 0: no upper bound), in the
// table's order.
type Part struct {
	Table    *Table
	Time     int
	From, To int64 // Unix nanoseconds
}

// Splice builds a new table of the parts' rows, in order: the merge of an
// incremental refresh (cached buckets, then the queried tail). Every part
// must have the first part's columns (names and kinds); a row whose time is
// NULL or not a time is left out.
func Splice(parts []Part, opts TableOptions) (*Table, error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("splice: no parts")
	}
	specs := parts[0].Table.Specs()
	out := NewTable(specs, opts)
	for pi, p := range parts {
		ps := p.Table.Specs()
		if len(ps) != len(specs) {
			return nil, fmt.Errorf("splice: part %d has %d columns, the first has %d", pi, len(ps), len(specs))
		}
		for i := range ps {
			if ps[i].Name != specs[i].Name || Storage(ps[i].Kind, p.Table.NumericAsFloat()) != Storage(specs[i].Kind, parts[0].Table.NumericAsFloat()) {
				return nil, fmt.Errorf("splice: column %d of part %d is %s %s, the first part's is %s %s", i+1, pi, ps[i].Name, ps[i].Kind, specs[i].Name, specs[i].Kind)
			}
		}
		if p.Time < 0 || p.Time >= len(ps) {
			return nil, fmt.Errorf("splice: no column %d", p.Time)
		}
		get, ok := timeGetter(p.Table.Column(p.Time))
		if !ok {
			return nil, fmt.Errorf("splice: column %s is not a time", ps[p.Time].Name)
		}
		var rows []int
		for r := 0; r < p.Table.Len(); r++ {
			t, ok := get(r)
			if ok && t >= p.From && (p.To == 0 || t < p.To) {
				rows = append(rows, r)
			}
		}
		for c := range ps {
			if err := appendRows(out.cols[c], p.Table.Column(c), rows); err != nil {
				return nil, fmt.Errorf("splice: column %s: %w", ps[c].Name, err)
			}
		}
		out.rows += len(rows)
	}
	out.bytes = out.valueBytes(0, out.rows)
	return out, nil
}

// TimeNanos returns the Unix nanoseconds of row r of column c (false when
// NULL or not a time).
func (t *Table) TimeNanos(c, r int) (int64, bool) {
	get, ok := timeGetter(t.Column(c))
	if !ok {
		return 0, false
	}
	return get(r)
}

func appendRows(dst, src Column, rows []int) error {
	switch s := src.(type) {
	case *Builder[int8]:
		return appendTyped(dst, s, rows)
	case *Builder[int16]:
		return appendTyped(dst, s, rows)
	case *Builder[int32]:
		return appendTyped(dst, s, rows)
	case *Builder[int64]:
		return appendTyped(dst, s, rows)
	case *Builder[uint8]:
		return appendTyped(dst, s, rows)
	case *Builder[uint16]:
		return appendTyped(dst, s, rows)
	case *Builder[uint32]:
		return appendTyped(dst, s, rows)
	case *Builder[uint64]:
		return appendTyped(dst, s, rows)
	case *Builder[float32]:
		return appendTyped(dst, s, rows)
	case *Builder[float64]:
		return appendTyped(dst, s, rows)
	case *Builder[bool]:
		return appendTyped(dst, s, rows)
	case *Times:
		d, ok := dst.(*Times)
		if !ok {
			return fmt.Errorf("storage differs")
		}
		return appendTyped(&d.Builder, &s.Builder, rows)
	case *Strings:
		d, ok := dst.(*Strings)
		if !ok {
			return fmt.Errorf("storage differs")
		}
		for _, r := range rows {
			if s.IsNull(r) {
				d.AppendNull()
			} else {
				d.AppendBytes(s.Bytes(r))
			}
		}
		return d.checkOverflow()
	case *JSONs:
		d, ok := dst.(*JSONs)
		if !ok {
			return fmt.Errorf("storage differs")
		}
		for _, r := range rows {
			if s.IsNull(r) {
				d.AppendNull()
			} else {
				d.Append(json.RawMessage(s.vals[r]))
			}
		}
		return nil
	}
	return fmt.Errorf("unknown column storage %T", src)
}

func appendTyped[T any](dst Column, s *Builder[T], rows []int) error {
	d, ok := dst.(*Builder[T])
	if !ok {
		return fmt.Errorf("storage differs")
	}
	for _, r := range rows {
		if s.IsNull(r) {
			d.AppendNull()
		} else {
			d.Append(s.vals[r])
		}
	}
	return nil
}
