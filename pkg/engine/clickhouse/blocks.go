package clickhouse

import (
	"bytes"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/ch-go/proto"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/bigtent/quarry/pkg/engine/clickhouse/native"
	"github.com/bigtent/quarry/pkg/frames"
)

// The element types of ch-go's Nullable UUID and time columns.
type (
	uuidValue = uuid.UUID
	timeValue = time.Time
)

// errNoColumnar says a result column has a type the block reader does not
// decode (arrays, tuples, maps, decimals, …): the query then runs through
// clickhouse-go's row scan instead.
var errNoColumnar = errors.New("clickhouse: a result column has no columnar reader")

// blockColumnFor returns the ch-go column that decodes a column of
// ClickHouse type typ, or false for the types read through clickhouse-go.
func blockColumnFor(typ string) (proto.ColResult, bool) {
	if inner, ok := strings.CutPrefix(typ, "Nullable("); ok && strings.HasSuffix(inner, ")") {
		return nullableColumnFor(inner[:len(inner)-1])
	}
	switch typ {
	case "Int8":
		return new(proto.ColInt8), true
	case "Int16":
		return new(proto.ColInt16), true
	case "Int32":
		return new(proto.ColInt32), true
	case "Int64":
		return new(proto.ColInt64), true
	case "UInt8":
		return new(proto.ColUInt8), true
	case "UInt16":
		return new(proto.ColUInt16), true
	case "UInt32":
		return new(proto.ColUInt32), true
	case "UInt64":
		return new(proto.ColUInt64), true
	case "Float32":
		return new(proto.ColFloat32), true
	case "Float64":
		return new(proto.ColFloat64), true
	case "Bool":
		return new(proto.ColBool), true
	case "String":
		return new(native.Text), true
	case "LowCardinality(String)":
		return proto.NewLowCardinality[string](new(native.Text)), true
	case "Date":
		return new(proto.ColDate), true
	case "Date32":
		return new(proto.ColDate32), true
	case "UUID":
		return new(proto.ColUUID), true
	}
	switch {
	case typ == "DateTime" || strings.HasPrefix(typ, "DateTime("):
		return new(proto.ColDateTime), true
	case strings.HasPrefix(typ, "DateTime64("):
		if p, ok := dateTime64Digits(typ); ok {
			return new(proto.ColDateTime64).WithPrecision(proto.Precision(p)), true
		}
	case strings.HasPrefix(typ, "FixedString("):
		if n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(typ, "FixedString("), ")")); err == nil && n > 0 && n <= maxFixedString {
			return &proto.ColFixedStr{Size: n}, true
		}
	case strings.HasPrefix(typ, "Decimal("):
		if p, _, ok := decimalArgs(typ); ok {
			if p <= 9 {
				return new(proto.ColDecimal32), true
			}
			if p <= 18 {
				return new(proto.ColDecimal64), true
			}
		}
	case strings.HasPrefix(typ, "Enum8(") || strings.HasPrefix(typ, "Enum16("):
		c := new(proto.ColEnum)
		if err := c.Infer(proto.ColumnType(typ)); err == nil {
			return c, true
		}
	}
	return nil, false
}

// nullableColumnFor is blockColumnFor for Nullable(typ).
func nullableColumnFor(typ string) (proto.ColResult, bool) {
	c, ok := blockColumnFor(typ)
	if !ok {
		return nil, false
	}
	switch c := c.(type) {
	case *proto.ColInt8:
		return c.Nullable(), true
	case *proto.ColInt16:
		return c.Nullable(), true
	case *proto.ColInt32:
		return c.Nullable(), true
	case *proto.ColInt64:
		return c.Nullable(), true
	case *proto.ColUInt8:
		return c.Nullable(), true
	case *proto.ColUInt16:
		return c.Nullable(), true
	case *proto.ColUInt32:
		return c.Nullable(), true
	case *proto.ColUInt64:
		return c.Nullable(), true
	case *proto.ColFloat32:
		return c.Nullable(), true
	case *proto.ColFloat64:
		return c.Nullable(), true
	case *proto.ColBool:
		return c.Nullable(), true
	case *native.Text:
		return &proto.ColNullable[string]{Values: c}, true
	case *proto.ColDate:
		return c.Nullable(), true
	case *proto.ColDate32:
		return c.Nullable(), true
	case *proto.ColDateTime:
		return c.Nullable(), true
	case *proto.ColDateTime64:
		return c.Nullable(), true
	case *proto.ColUUID:
		return c.Nullable(), true
	case *proto.ColFixedStr:
		return &proto.ColNullable[[]byte]{Values: c}, true
	case *proto.ColDecimal32:
		return c.Nullable(), true
	case *proto.ColDecimal64:
		return c.Nullable(), true
	}
	return nil, false
}

// decimalArgs are the precision and scale of Decimal(P, S).
func decimalArgs(typ string) (p, s int, ok bool) {
	a := typeArgs(typ)
	if len(a) != 2 {
		return 0, 0, false
	}
	p, err1 := strconv.Atoi(a[0])
	s, err2 := strconv.Atoi(a[1])
	return p, s, err1 == nil && err2 == nil && p > 0 && s >= 0 && s <= p
}

// maxFixedString is the widest FixedString the block reader decodes.
const maxFixedString = 1 << 16

// dateTime64Digits is the precision of DateTime64(p[, tz]), 0 to 9.
func dateTime64Digits(typ string) (int, bool) {
	a := typeArgs(typ)
	if len(a) == 0 {
		return 0, false
	}
	p, err := strconv.Atoi(a[0])
	return p, err == nil && p >= 0 && p <= 9
}

// eachRow appends rows one by one: null for a row the block's null map
// marks (nil: none), value(i) for the others.
func eachRow(nulls *proto.ColUInt8, null func(), value func(i int)) appendBlock {
	return func(n int) {
		for i := range n {
			if nulls != nil && (*nulls)[i] != 0 {
				null()
			} else {
				value(i)
			}
		}
	}
}

// appendBlock copies the first n rows of a decoded column into a table
// column.
type appendBlock func(n int)

// appenderFor binds a decoded column to the table's builder for it; false
// when the builder is not the one the column's values go into.
func appenderFor(data proto.ColResult, col frames.Column, typ string) (appendBlock, bool) {
	if f, ok := numbers(data, col); ok {
		return f, true
	}
	if f, ok := decimals(data, col, typ); ok {
		return f, true
	}
	switch b := col.(type) {
	case *frames.Strings:
		return textAppender(data, b)
	case *frames.Times:
		return timeAppender(data, b, typ)
	}
	return nil, false
}

// numbers binds the number and boolean columns, whose values the builders
// hold as they are.
func numbers(data proto.ColResult, col frames.Column) (appendBlock, bool) {
	for _, try := range []func(proto.ColResult, frames.Column) (appendBlock, bool){
		sliceAppender[int8, proto.ColInt8], sliceAppender[int16, proto.ColInt16],
		sliceAppender[int32, proto.ColInt32], sliceAppender[int64, proto.ColInt64],
		sliceAppender[uint8, proto.ColUInt8], sliceAppender[uint16, proto.ColUInt16],
		sliceAppender[uint32, proto.ColUInt32], sliceAppender[uint64, proto.ColUInt64],
		sliceAppender[float32, proto.ColFloat32], sliceAppender[float64, proto.ColFloat64],
		sliceAppender[bool, proto.ColBool],
	} {
		if f, ok := try(data, col); ok {
			return f, true
		}
	}
	return nil, false
}

// sliceAppender copies a column whose values are a []T (or Nullable of
// one) into a Builder[T]: one copy per block when nothing is NULL.
func sliceAppender[T any, C ~[]T, PC interface {
	*C
	proto.ColumnOf[T]
}](data proto.ColResult, col frames.Column) (appendBlock, bool) {
	b, ok := col.(*frames.Builder[T])
	if !ok {
		return nil, false
	}
	switch d := data.(type) {
	case PC:
		return func(n int) { b.AppendValues([]T(*d)[:n]) }, true
	case *proto.ColNullable[T]:
		vals, ok := d.Values.(PC)
		if !ok {
			return nil, false
		}
		return func(n int) {
			v := []T(*vals)
			for i := range n {
				if d.Nulls[i] != 0 {
					b.AppendNull()
				} else {
					b.Append(v[i])
				}
			}
		}, true
	}
	return nil, false
}

// textAppender binds the columns read as text: String (its bytes and
// offsets copied at once), FixedString (trailing NULs trimmed, as the row
// scan does), LowCardinality(String), enums by name and UUIDs.
func textAppender(data proto.ColResult, b *frames.Strings) (appendBlock, bool) {
	switch d := data.(type) {
	case *native.Text:
		var offsets []int32
		return func(n int) {
			if n == 0 {
				return
			}
			if len(d.Buf) > math.MaxInt32 {
				for i := range n {
					b.AppendBytes(d.Bytes(i))
				}
				return
			}
			offsets = append(offsets[:0], 0)
			for _, end := range d.Ends[:n] {
				offsets = append(offsets, int32(end))
			}
			b.AppendOffsets(offsets, d.Buf)
		}, true
	case *proto.ColNullable[string]:
		s, ok := d.Values.(*native.Text)
		if !ok {
			return nil, false
		}
		return eachRow(&d.Nulls, b.AppendNull, func(i int) { b.AppendBytes(s.Bytes(i)) }), true
	case *proto.ColLowCardinality[string]:
		return func(n int) {
			for i := range n {
				b.Append(d.Row(i))
			}
		}, true
	case *proto.ColFixedStr:
		return func(n int) {
			for i := range n {
				b.AppendBytes(bytes.TrimRight(d.Row(i), "\x00"))
			}
		}, true
	case *proto.ColNullable[[]byte]:
		f, ok := d.Values.(*proto.ColFixedStr)
		if !ok {
			return nil, false
		}
		return eachRow(&d.Nulls, b.AppendNull, func(i int) { b.AppendBytes(bytes.TrimRight(f.Row(i), "\x00")) }), true
	case *proto.ColEnum:
		return func(n int) {
			for i := range n {
				b.Append(d.Row(i))
			}
		}, true
	case *proto.ColUUID:
		var buf [36]byte
		return func(n int) {
			for _, u := range (*d)[:n] {
				b.AppendBytes(formatUUID(&buf, u))
			}
		}, true
	case *proto.ColNullable[uuidValue]:
		u, ok := d.Values.(*proto.ColUUID)
		if !ok {
			return nil, false
		}
		var buf [36]byte
		return eachRow(&d.Nulls, b.AppendNull, func(i int) { b.AppendBytes(formatUUID(&buf, (*u)[i])) }), true
	}
	return nil, false
}

// formatUUID writes u in the 8-4-4-4-12 form.
func formatUUID(buf *[36]byte, u uuidValue) []byte {
	const hexDigits = "0123456789abcdef"
	j := 0
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			buf[j] = '-'
			j++
		}
		buf[j], buf[j+1] = hexDigits[c>>4], hexDigits[c&0x0f]
		j += 2
	}
	return buf[:]
}

const (
	nanosPerSecond = int64(1e9)
	nanosPerDay    = 86400 * nanosPerSecond
)

// timeAppender binds the time columns: DateTime (seconds), DateTime64
// (ticks of its precision), Date and Date32 (days), each to Unix
// nanoseconds.
func timeAppender(data proto.ColResult, b *frames.Times, typ string) (appendBlock, bool) {
	switch d := data.(type) {
	case *proto.ColDateTime:
		return func(n int) {
			for _, v := range d.Data[:n] {
				b.AppendNanos(int64(v) * nanosPerSecond)
			}
		}, true
	case *proto.ColNullable[timeValue]:
		return nullableTimes(d, b, typ)
	case *proto.ColDateTime64:
		mul, ok := tickNanos(typ)
		if !ok {
			return nil, false
		}
		return func(n int) {
			for _, v := range d.Data[:n] {
				b.AppendNanos(int64(v) * mul)
			}
		}, true
	case *proto.ColDate:
		return func(n int) {
			for _, v := range (*d)[:n] {
				b.AppendNanos(int64(v) * nanosPerDay)
			}
		}, true
	case *proto.ColDate32:
		return func(n int) {
			for _, v := range (*d)[:n] {
				b.AppendNanos(int64(v) * nanosPerDay)
			}
		}, true
	}
	return nil, false
}

// nullableTimes is timeAppender for the Nullable time columns.
func nullableTimes(d *proto.ColNullable[timeValue], b *frames.Times, typ string) (appendBlock, bool) {
	var nanos func(i int) int64
	switch v := d.Values.(type) {
	case *proto.ColDateTime:
		nanos = func(i int) int64 { return int64(v.Data[i]) * nanosPerSecond }
	case *proto.ColDateTime64:
		mul, ok := tickNanos(strings.TrimSuffix(strings.TrimPrefix(typ, "Nullable("), ")"))
		if !ok {
			return nil, false
		}
		nanos = func(i int) int64 { return int64(v.Data[i]) * mul }
	case *proto.ColDate:
		nanos = func(i int) int64 { return int64((*v)[i]) * nanosPerDay }
	case *proto.ColDate32:
		nanos = func(i int) int64 { return int64((*v)[i]) * nanosPerDay }
	default:
		return nil, false
	}
	return eachRow(&d.Nulls, b.AppendNull, func(i int) { b.AppendNanos(nanos(i)) }), true
}

// tickNanos is the nanoseconds in one tick of DateTime64(p).
func tickNanos(typ string) (int64, bool) {
	p, ok := dateTime64Digits(typ)
	if !ok {
		return 0, false
	}
	mul := int64(1)
	for range 9 - p {
		mul *= 10
	}
	return mul, true
}

// decimals binds Decimal(P ≤ 18, S) columns: as text with exactly S
// digits after the point, or as float64 (numericAsFloat), the values the
// row scan gives (shopspring decimal of the unscaled integer).
func decimals(data proto.ColResult, col frames.Column, typ string) (appendBlock, bool) {
	if inner, ok := strings.CutPrefix(typ, "Nullable("); ok {
		typ = strings.TrimSuffix(inner, ")")
	}
	_, scale, ok := decimalArgs(typ)
	if !ok {
		return nil, false
	}
	var emit func(v int64)
	var null func()
	switch b := col.(type) {
	case *frames.Strings:
		emit = func(v int64) { b.Append(decimal.New(v, -int32(scale)).StringFixed(int32(scale))) }
		null = b.AppendNull
	case *frames.Builder[float64]:
		emit = func(v int64) { b.Append(decimal.New(v, -int32(scale)).InexactFloat64()) }
		null = b.AppendNull
	default:
		return nil, false
	}
	switch d := data.(type) {
	case *proto.ColDecimal32:
		return eachRow(nil, null, func(i int) { emit(int64((*d)[i])) }), true
	case *proto.ColDecimal64:
		return eachRow(nil, null, func(i int) { emit(int64((*d)[i])) }), true
	case *proto.ColNullable[proto.Decimal32]:
		if v, ok := d.Values.(*proto.ColDecimal32); ok {
			return eachRow(&d.Nulls, null, func(i int) { emit(int64((*v)[i])) }), true
		}
	case *proto.ColNullable[proto.Decimal64]:
		if v, ok := d.Values.(*proto.ColDecimal64); ok {
			return eachRow(&d.Nulls, null, func(i int) { emit(int64((*v)[i])) }), true
		}
	}
	return nil, false
}
