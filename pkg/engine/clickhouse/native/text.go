package native

import (
	"fmt"
	"slices"

	"github.com/ClickHouse/ch-go/proto"
)

// Bounds on what a server's stream can make the client allocate before
// the bytes arrive (ch-go's String column sizes its buffer from the
// lengths it is sent).
const (
	// maxValueBytes is the longest String value read (ClickHouse's own
	// default limit on a string in a query is far below it).
	maxValueBytes = 1 << 30
	// readChunk is how much of a long value is read per buffer growth: a
	// value's memory follows the bytes received, not its announced length.
	readChunk = 1 << 20
	// maxFixedColumnBytes bounds one FixedString column of one block.
	maxFixedColumnBytes = 1 << 28
)

// Text is a String column decoded into one byte buffer and the end offset
// of each value. Unlike ch-go's ColStr it grows with the bytes received,
// so an announced length cannot make it allocate ahead of the data. It is
// a proto.ColumnOf[string], so ch-go's Nullable and LowCardinality wrap it.
type Text struct {
	Buf  []byte
	Ends []int // value i is Buf[Ends[i-1]:Ends[i]] (from 0 for i = 0)
}

var _ proto.ColumnOf[string] = (*Text)(nil)

// Type is String.
func (t *Text) Type() proto.ColumnType { return proto.ColumnTypeString }

// Rows is the number of values.
func (t *Text) Rows() int { return len(t.Ends) }

// Reset empties the column, keeping its buffers.
func (t *Text) Reset() { t.Buf, t.Ends = t.Buf[:0], t.Ends[:0] }

// Bytes is value i (aliasing the column's buffer).
func (t *Text) Bytes(i int) []byte {
	start := 0
	if i > 0 {
		start = t.Ends[i-1]
	}
	return t.Buf[start:t.Ends[i]]
}

// Row is value i as a string.
func (t *Text) Row(i int) string { return string(t.Bytes(i)) }

// Append adds v.
func (t *Text) Append(v string) {
	t.Buf = append(t.Buf, v...)
	t.Ends = append(t.Ends, len(t.Buf))
}

// AppendArr adds vs.
func (t *Text) AppendArr(vs []string) {
	for _, v := range vs {
		t.Append(v)
	}
}

// DecodeColumn reads rows values.
func (t *Text) DecodeColumn(r *proto.Reader, rows int) error {
	for i := range rows {
		n, err := r.StrLen()
		if err != nil {
			return fmt.Errorf("row %d: length: %w", i, err)
		}
		if n > maxValueBytes {
			return fmt.Errorf("row %d: a value of %d bytes is longer than the %d the client reads", i, n, maxValueBytes)
		}
		if t.Buf, err = appendRead(r, t.Buf, n); err != nil {
			return fmt.Errorf("row %d: %w", i, err)
		}
		t.Ends = append(t.Ends, len(t.Buf))
	}
	return nil
}

// appendRead appends the next n bytes of r to buf, growing buf by at most
// readChunk bytes ahead of what has arrived.
func appendRead(r *proto.Reader, buf []byte, n int) ([]byte, error) {
	for n > 0 {
		k := min(n, readChunk)
		start := len(buf)
		buf = slices.Grow(buf, k)[:start+k]
		if err := r.ReadFull(buf[start:]); err != nil {
			return buf[:start], err
		}
		n -= k
	}
	return buf, nil
}

// EncodeColumn writes the values as a String column.
func (t *Text) EncodeColumn(b *proto.Buffer) {
	for i := range t.Ends {
		v := t.Bytes(i)
		b.PutUVarInt(uint64(len(v)))
		b.PutRaw(v)
	}
}

// WriteColumn writes the values as a String column.
func (t *Text) WriteColumn(w *proto.Writer) {
	w.ChainBuffer(t.EncodeColumn)
}

// fixedBytes is how many bytes a block of rows of c's FixedString takes
// (0 for other columns).
func fixedBytes(c proto.ColResult, rows int) int {
	switch c := c.(type) {
	case *proto.ColFixedStr:
		return c.Size * rows
	case *proto.ColNullable[[]byte]:
		return fixedBytes(c.Values, rows)
	}
	return 0
}
