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
	// rows (bounded by MaxRows, and by the chunk size when chunked).
	SizeHint int64
	// Chunk, when its Flush is set, hands the committed rows over in chunks
	// and empties the builders after each, so the table holds one chunk
	// at a time instead of the whole result. The caps (MaxRows, MaxBytes)
	// still count the whole result.
	Chunk Chunking
}

// Default chunk sizes (Chunking.Rows, Chunking.Bytes when 0).
const (
	DefaultChunkRows  = 64 * 1024
	DefaultChunkBytes = 8 << 20
)

// Chunking says when a table flushes its committed rows.
type Chunking struct {
	// Rows and Bytes end a chunk: the first Commit that brings the chunk
	// to Rows rows, or its values (counted as MaxBytes counts them) to
	// Bytes bytes, flushes it, so a chunk holds at most one commit (one
	// page or block) more than the limit. 0 = DefaultChunkRows,
	// DefaultChunkBytes.
	Rows  int
	Bytes int64
	// Flush receives the table holding the chunk's rows (Len of them; the
	// rows flushed before are gone). It must be done with the builders'
	// values when it returns: the builders are then emptied, keeping their
	// capacity, and refilled. An error from Flush is Commit's error. The
	// table never flushes the rows of the Commit that reached a cap, nor
	// those left when the engine stops: they stay in the table for the
	// last chunk, with the notices.
	Flush func(t *Table) error
}

func (c Chunking) rows() int {
	if c.Rows > 0 {
		return c.Rows
	}
	return DefaultChunkRows
}

func (c Chunking) bytes() int64 {
	if c.Bytes > 0 {
		return c.Bytes
	}
	return DefaultChunkBytes
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
	// flushed is the rows handed to Chunk.Flush (no longer in the
	// builders); chunkBytes is what the rows in the builders hold.
	flushed    int64
	chunkBytes int64
	chunks     int
}

// NewTable creates a table with one builder per spec.
func NewTable(specs []ColumnSpec, opts TableOptions) *Table {
	t := &Table{cols: make([]Column, len(specs)), opts: opts}
	hint := opts.SizeHint
	if opts.MaxRows > 0 && hint > opts.MaxRows {
		hint = opts.MaxRows
	}
	if opts.Chunk.Flush != nil && hint > int64(opts.Chunk.rows()) {
		hint = int64(opts.Chunk.rows())
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

// Len is the number of committed rows in the builders: the whole result,
// or when chunked the rows not flushed yet.
func (t *Table) Len() int { return t.rows }

// Total is the number of committed rows of the whole result, flushed
// chunks included.
func (t *Table) Total() int64 { return t.flushed + int64(t.rows) }

// Flushed is the number of rows handed to Chunk.Flush so far.
func (t *Table) Flushed() int64 { return t.flushed }

// Chunks is the number of chunks flushed so far.
func (t *Table) Chunks() int { return t.chunks }

// Chunked reports whether the table flushes its rows in chunks.
func (t *Table) Chunked() bool { return t.opts.Chunk.Flush != nil }

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
	return int(t.opts.MaxRows - t.Total())
}

// Commit records n rows appended to every column. It fails (without
// panicking) when a column holds a different number of values. Rows past
// the row cap, or past the byte cap, are cut and the table is marked
// truncated with the matching notice; in every case the table is left in
// a consistent state. A chunked table then flushes when the chunk is full
// (see Chunking), and returns Flush's error.
func (t *Table) Commit(n int) error {
	want := t.rows + n
	for _, c := range t.cols {
		if c.Len() != want {
			t.cutTo(t.rows)
			return fmt.Errorf("frames: column %q has %d values, want %d (engine appended an incomplete row)", c.Spec().Name, c.Len(), want)
		}
		if s, ok := c.(*Strings); ok && s.overflow {
			err := s.checkOverflow()
			t.cutTo(t.rows)
			return err
		}
	}
	keep, rowCut := want, false
	if t.opts.MaxRows > 0 && t.flushed+int64(want) > t.opts.MaxRows {
		keep, rowCut = int(t.opts.MaxRows-t.flushed), true
	}
	if (t.opts.MaxBytes > 0 || t.Chunked()) && keep > t.rows {
		add := t.valueBytes(t.rows, keep)
		if t.opts.MaxBytes > 0 && t.bytes+add > t.opts.MaxBytes {
			keep, add = t.rowsWithin(t.opts.MaxBytes-t.bytes, keep)
			t.bytes += add
			t.chunkBytes += add
			t.cutTo(keep)
			t.markByteCapped()
			return nil
		}
		if t.opts.MaxBytes > 0 {
			t.bytes += add
		}
		t.chunkBytes += add
	}
	if rowCut {
		t.cutTo(keep)
		t.MarkTruncated()
		return nil
	}
	t.rows = want
	if t.Chunked() && t.rows > 0 && t.Room() > 0 &&
		(t.rows >= t.opts.Chunk.rows() || t.chunkBytes >= t.opts.Chunk.bytes()) {
		return t.flush()
	}
	return nil
}

// flush hands the rows in the builders to Chunk.Flush and empties them.
func (t *Table) flush() error {
	err := t.opts.Chunk.Flush(t)
	t.flushed += int64(t.rows)
	t.chunks++
	for _, c := range t.cols {
		c.reset()
	}
	t.rows, t.chunkBytes = 0, 0
	if err != nil {
		return fmt.Errorf("writing chunk %d: %w", t.chunks, err)
	}
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
	t.notices = append(t.notices, ByteCapNotice(t.opts.MaxBytes, int(t.Total())))
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
// counts them, over the whole result (0 when the table has no byte cap).
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
