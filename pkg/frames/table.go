package frames

import (
	"fmt"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// TableOptions configure a Table.
type TableOptions struct {
	// MaxRows is the row cap (0 = none). Builders never grow past it.
	MaxRows int64
	// MaxBytes is the byte cap (0 = none): Commit keeps the rows whose
	// values fit in it, cutting a page in the middle when needed, and the
	// table then has no more room. Values are counted as they are held:
	// fixed-width values by their size, text and JSON by their header and
	// their bytes, whoever allocated them.
	MaxBytes int64
	// NumericAsFloat stores NUMERIC/DECIMAL as float64 instead of exact strings.
	NumericAsFloat bool
	// SizeHint, when known (e.g. from an estimate), preallocates that many
	// rows (bounded by MaxRows).
	SizeHint int64
}

// Table is a set of column builders filled row by row or block by block.
// It is not safe for concurrent use.
type Table struct {
	cols      []Column
	opts      TableOptions
	rows      int
	truncated bool
	notices   []data.Notice
	// bytes is what the committed rows' values hold (see MaxBytes);
	// byteCapped is set once MaxBytes cut the table.
	bytes      int64
	byteCapped bool
}

// NewTable creates a table with one builder per spec.
func NewTable(specs []ColumnSpec, opts TableOptions) *Table {
	t := &Table{cols: make([]Column, len(specs)), opts: opts}
	hint := opts.SizeHint
	if opts.MaxRows > 0 && hint > opts.MaxRows {
		hint = opts.MaxRows
	}
	for i, s := range specs {
		if s.Name == "" {
			s.Name = fmt.Sprintf("column%d", i+1)
		}
		c := newColumn(s, opts.NumericAsFloat)
		if opts.MaxRows > 0 {
			c.setLimit(int(opts.MaxRows))
		}
		if hint > 0 {
			reserve(c, int(hint))
		}
		t.cols[i] = c
	}
	return t
}

// reserve preallocates n values (every builder has Reserve, *Strings and
// *JSONs through their embedded Builder).
func reserve(c Column, n int) {
	if r, ok := c.(interface{ Reserve(int) }); ok {
		r.Reserve(n)
	}
}

// Columns returns the builders.
func (t *Table) Columns() []Column { return t.cols }

// Column returns builder i.
func (t *Table) Column(i int) Column { return t.cols[i] }

// NumColumns is the number of columns.
func (t *Table) NumColumns() int { return len(t.cols) }

// Specs returns the column specs.
func (t *Table) Specs() []ColumnSpec {
	s := make([]ColumnSpec, len(t.cols))
	for i, c := range t.cols {
		s[i] = c.Spec()
	}
	return s
}

// Len is the number of committed rows.
func (t *Table) Len() int { return t.rows }

// MaxRows is the row cap (0 = none).
func (t *Table) MaxRows() int64 { return t.opts.MaxRows }

// NumericAsFloat reports whether NUMERIC columns are float64.
func (t *Table) NumericAsFloat() bool { return t.opts.NumericAsFloat }

// Room is how many more rows may be appended before the cap.
func (t *Table) Room() int {
	if t.byteCapped {
		return 0
	}
	if t.opts.MaxRows <= 0 {
		return int(^uint(0) >> 1)
	}
	return int(t.opts.MaxRows) - t.rows
}

// Commit records n rows appended to every column. It fails (without
// panicking) when a column holds a different number of values. Rows past
// the row cap, or past the byte cap, are cut and the table is marked
// truncated with the matching notice; in every case the table is left in
// a consistent state.
func (t *Table) Commit(n int) error {
	want := t.rows + n
	for _, c := range t.cols {
		if c.Len() != want {
			t.cutTo(t.rows)
			return fmt.Errorf("frames: column %q has %d values, want %d (engine appended an incomplete row)", c.Spec().Name, c.Len(), want)
		}
	}
	keep, rowCut := want, false
	if t.opts.MaxRows > 0 && int64(want) > t.opts.MaxRows {
		keep, rowCut = int(t.opts.MaxRows), true
	}
	if t.opts.MaxBytes > 0 && keep > t.rows {
		add := t.valueBytes(t.rows, keep)
		if t.bytes+add > t.opts.MaxBytes {
			keep, add = t.rowsWithin(t.opts.MaxBytes-t.bytes, keep)
			t.bytes += add
			t.cutTo(keep)
			t.markByteCapped()
			return nil
		}
		t.bytes += add
	}
	if rowCut {
		t.cutTo(keep)
		t.MarkTruncated()
		return nil
	}
	t.rows = want
	return nil
}

// valueBytes is what rows [from, to) hold in every column.
func (t *Table) valueBytes(from, to int) int64 {
	var n int64
	for _, c := range t.cols {
		n += c.valueBytes(from, to)
	}
	return n
}

// rowsWithin returns the end of the longest run of rows from t.rows on,
// below to, whose values fit in budget bytes, and those rows' bytes.
func (t *Table) rowsWithin(budget int64, to int) (end int, used int64) {
	end = t.rows
	for end < to {
		b := t.valueBytes(end, end+1)
		if used+b > budget {
			break
		}
		used += b
		end++
	}
	return end, used
}

// markByteCapped records that the byte cap cut the result, and adds its
// notice.
func (t *Table) markByteCapped() {
	t.byteCapped = true
	if t.truncated {
		return
	}
	t.truncated = true
	t.notices = append(t.notices, ByteCapNotice(t.opts.MaxBytes, t.rows))
}

func (t *Table) cutTo(n int) {
	for _, c := range t.cols {
		c.truncate(n)
	}
	t.rows = n
}

// MarkTruncated records that the source had more rows than the cap, and adds
// the truncation notice.
func (t *Table) MarkTruncated() {
	if t.truncated {
		return
	}
	t.truncated = true
	t.notices = append(t.notices, TruncationNotice(t.opts.MaxRows))
}

// Truncated reports whether rows were dropped at the row or byte cap.
func (t *Table) Truncated() bool { return t.truncated }

// ByteCapped reports whether the byte cap (TableOptions.MaxBytes) cut the
// result.
func (t *Table) ByteCapped() bool { return t.byteCapped }

// MaxBytes is the byte cap (0 = none).
func (t *Table) MaxBytes() int64 { return t.opts.MaxBytes }

// ValueBytes is what the committed rows' values hold, as the byte cap
// counts them (0 when the table has no byte cap).
func (t *Table) ValueBytes() int64 { return t.bytes }

// AddNotice attaches a notice to every frame shaped from the table.
func (t *Table) AddNotice(n data.Notice) { t.notices = append(t.notices, n) }

// Notices returns the table's notices.
func (t *Table) Notices() []data.Notice { return t.notices }

// SizeBytes approximates the heap the table holds.
func (t *Table) SizeBytes() int64 {
	var n int64
	for _, c := range t.cols {
		n += c.SizeBytes()
	}
	return n
}

// ByteCapNotice is the warning a result cut at the byte cap carries.
func ByteCapNotice(maxBytes int64, rows int) data.Notice {
	return data.Notice{
		Severity: data.NoticeSeverityWarning,
		Text: fmt.Sprintf("results truncated at %d rows: they reached the result size limit of %s; raise Max result bytes (maxResultBytes) or narrow the query",
			rows, byteSize(maxBytes)),
	}
}

// byteSize writes n bytes in the largest binary unit that divides it
// evenly (256 MiB, 1536 KiB, 1000 bytes).
func byteSize(n int64) string {
	for _, u := range []struct {
		size int64
		name string
	}{{1 << 30, "GiB"}, {1 << 20, "MiB"}, {1 << 10, "KiB"}} {
		if n >= u.size && n%u.size == 0 {
			return fmt.Sprintf("%d %s", n/u.size, u.name)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}

// TruncationNotice is the warning a capped result carries.
func TruncationNotice(maxRows int64) data.Notice {
	return data.Notice{
		Severity: data.NoticeSeverityWarning,
		Text:     fmt.Sprintf("results truncated at %d rows; raise Max rows or narrow the query", maxRows),
	}
}
