//go:build cgo && duckdb_arrow

package duckdb

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	duck "github.com/duckdb/duckdb-go/v2"

	"github.com/bigtent/quarry/pkg/frames"
)

// ArrowReader reports whether this build reads results through DuckDB's
// Arrow interface: true with the duckdb_arrow build tag (the plugin's
// builds, scripts/test.sh).
const ArrowReader = true

// read is the reader of Query in builds with the duckdb_arrow tag: DuckDB's
// Arrow record batches when every result column has a type the Arrow
// reader takes (arrowSpecs), else the driver's rows.
func (e *Engine) read(ctx context.Context, stmt *duck.Stmt, o frames.TableOptions) (*frames.Table, error) {
	t, ok, err := e.readArrow(ctx, stmt, o)
	if ok {
		return t, err
	}
	return e.readRowsPath(ctx, stmt, o)
}

// readArrowPath is the Arrow reader alone, for tests: a result it does not
// take is an error instead of a fallback to the rows.
func (e *Engine) readArrowPath(ctx context.Context, stmt *duck.Stmt, o frames.TableOptions) (*frames.Table, error) {
	t, ok, err := e.readArrow(ctx, stmt, o)
	if !ok {
		return nil, errNotArrow
	}
	return t, err
}

var errNotArrow = fmt.Errorf("the Arrow reader does not take this result's column types")

// readArrow runs stmt through DuckDB's Arrow interface and appends its
// record batches to a table, column by column: fixed-width values without
// NULLs and text without NULLs are one copy per batch, timestamps one loop
// (to nanoseconds), lists, arrays, structs and maps the rows path's JSON
// (arrow_nested.go). ok is false, before anything ran, when a result column
// has a type the reader does not take (UHUGEINT and TIMETZ lose bits in
// DuckDB's Arrow conversion; UNION, BIT, BIGNUM, GEOMETRY, VARIANT,
// extension types, JSON inside a nested type and MAP keys the driver cannot
// scan keep the rows path), or when DuckDB's batches do not
// have the Arrow types expected (another Arrow setting): the caller then
// reads stmt's rows.
//
// stmt is the statement prepareOne checked: one SELECT or EXPLAIN; it is
// run as prepared (queryArrow), not prepared again. The batches are
// DuckDB's data chunks (2048 rows), the unit the rows path commits in, so
// the row cap, the byte cap and cancellation act at the same rows.
func (e *Engine) readArrow(ctx context.Context, stmt *duck.Stmt, o frames.TableOptions) (t *frames.Table, ok bool, err error) {
	specs, kinds, ok := arrowSpecs(e.typeMap, stmt)
	if !ok {
		return nil, false, nil
	}
	rdr, err := queryArrow(ctx, stmt)
	if err != nil {
		return nil, true, err
	}
	defer rdr.Release()
	fields := rdr.Schema().Fields()
	if len(fields) != len(specs) {
		return nil, false, nil
	}
	t = frames.NewTable(specs, o)
	apps := make([]appender, len(specs))
	for i, f := range fields {
		app, ok := newAppender(t.Column(i), kinds[i], f.Type, o.NumericAsFloat)
		if !ok {
			return nil, false, nil
		}
		apps[i] = app
	}
	room := t.Room()
	for rdr.Next() {
		rec := rdr.RecordBatch()
		n := int(rec.NumRows())
		if n == 0 {
			continue
		}
		if room == 0 {
			t.MarkTruncated()
			break
		}
		take := min(n, room)
		for i, app := range apps {
			if c := rec.Column(i); c.Len() < take {
				return nil, true, fmt.Errorf("column %q: an Arrow batch of %d rows holds %d values", specs[i].Name, n, c.Len())
			}
			if err := app(rec.Column(i), take); err != nil {
				return nil, true, fmt.Errorf("rows %d-%d: column %q (%s): %w", t.Total()+1, t.Total()+int64(take), specs[i].Name, specs[i].DBType, err)
			}
		}
		if err := t.Commit(take); err != nil {
			return nil, true, err
		}
		if take < n {
			t.MarkTruncated()
			break
		}
		room = t.Room() // 0 once the byte cap cut the table
		if err := ctx.Err(); err != nil {
			return nil, true, err
		}
	}
	if err := rdr.Err(); err != nil {
		return nil, true, fmt.Errorf("reading DuckDB's Arrow batches: %w", err)
	}
	return t, true, nil
}

// arrowType is a result column's DuckDB type as the Arrow reader sees it
// (with the JSON alias told apart from VARCHAR).
type arrowType struct {
	duck duck.Type
	json bool
	info duck.TypeInfo
}

// arrowTypeNames are the scalar DuckDB types the Arrow reader takes, with
// the type names the driver's rows report for them (the registry's keys).
// DECIMAL's name has its width and scale (typeName).
var arrowTypeNames = map[duck.Type]string{
	duck.TYPE_BOOLEAN: "BOOLEAN", duck.TYPE_TINYINT: "TINYINT", duck.TYPE_SMALLINT: "SMALLINT",
	duck.TYPE_INTEGER: "INTEGER", duck.TYPE_BIGINT: "BIGINT", duck.TYPE_UTINYINT: "UTINYINT",
	duck.TYPE_USMALLINT: "USMALLINT", duck.TYPE_UINTEGER: "UINTEGER", duck.TYPE_UBIGINT: "UBIGINT",
	duck.TYPE_FLOAT: "FLOAT", duck.TYPE_DOUBLE: "DOUBLE", duck.TYPE_HUGEINT: "HUGEINT",
	duck.TYPE_DECIMAL: "DECIMAL", duck.TYPE_VARCHAR: "VARCHAR", duck.TYPE_BLOB: "BLOB",
	duck.TYPE_DATE: "DATE", duck.TYPE_TIME: "TIME", duck.TYPE_TIMESTAMP: "TIMESTAMP",
	duck.TYPE_TIMESTAMP_TZ: "TIMESTAMPTZ", duck.TYPE_TIMESTAMP_S: "TIMESTAMP_S",
	duck.TYPE_TIMESTAMP_MS: "TIMESTAMP_MS", duck.TYPE_TIMESTAMP_NS: "TIMESTAMP_NS",
	duck.TYPE_INTERVAL: "INTERVAL", duck.TYPE_UUID: "UUID", duck.TYPE_ENUM: "ENUM",
}

// arrowSpecs maps the prepared statement's result columns to column specs,
// with the same names and type names as the driver's rows (so the same
// registry entries); ok is false when a column has a type the Arrow reader
// does not take.
func arrowSpecs(types *frames.TypeMap, stmt *duck.Stmt) (specs []frames.ColumnSpec, kinds []arrowType, ok bool) {
	n, err := stmt.ColumnCount()
	if err != nil {
		return nil, nil, false
	}
	specs = make([]frames.ColumnSpec, n)
	kinds = make([]arrowType, n)
	for i := range n {
		name, err := stmt.ColumnName(i)
		if err != nil {
			return nil, nil, false
		}
		info, err := stmt.ColumnTypeInfo(i) // an error for types the driver cannot describe
		if err != nil {
			return nil, nil, false
		}
		dbType, ok := typeName(info, true)
		if !ok {
			return nil, nil, false
		}
		kinds[i] = arrowType{duck: info.InternalType(), json: dbType == "JSON", info: info}
		specs[i] = columnSpec(types, name, dbType)
	}
	return specs, kinds, true
}

// appender appends the first n values of a batch's column.
type appender func(arr arrow.Array, n int) error

// newAppender builds the appender of one column for the Arrow type DuckDB
// gives it; ok is false for an Arrow type other than the one expected.
// Values are those the rows path appends for the same DuckDB value.
func newAppender(col frames.Column, kind arrowType, dt arrow.DataType, numericAsFloat bool) (appender, bool) {
	id := dt.ID()
	switch kind.duck {
	case duck.TYPE_BOOLEAN:
		return boolAppender(col, id)
	case duck.TYPE_TINYINT:
		return fixed[int8](col, id, arrow.INT8)
	case duck.TYPE_SMALLINT:
		return fixed[int16](col, id, arrow.INT16)
	case duck.TYPE_INTEGER:
		return fixed[int32](col, id, arrow.INT32)
	case duck.TYPE_BIGINT:
		return fixed[int64](col, id, arrow.INT64)
	case duck.TYPE_UTINYINT:
		return fixed[uint8](col, id, arrow.UINT8)
	case duck.TYPE_USMALLINT:
		return fixed[uint16](col, id, arrow.UINT16)
	case duck.TYPE_UINTEGER:
		return fixed[uint32](col, id, arrow.UINT32)
	case duck.TYPE_UBIGINT:
		return fixed[uint64](col, id, arrow.UINT64)
	case duck.TYPE_FLOAT:
		return fixed[float32](col, id, arrow.FLOAT32)
	case duck.TYPE_DOUBLE:
		return fixed[float64](col, id, arrow.FLOAT64)
	case duck.TYPE_HUGEINT, duck.TYPE_DECIMAL:
		return decimalAppender(col, kind.duck, dt, numericAsFloat)
	case duck.TYPE_VARCHAR:
		if kind.json {
			return jsonAppender(col, id)
		}
		return stringAppender(col, id)
	case duck.TYPE_UUID:
		return stringAppender(col, id) // DuckDB's canonical text, as duck.UUID prints
	case duck.TYPE_ENUM:
		return enumAppender(col, dt)
	case duck.TYPE_BLOB:
		return blobAppender(col, id)
	case duck.TYPE_DATE:
		if id != arrow.DATE32 {
			return nil, false
		}
		return timeAppender[int32](col, int64(24*time.Hour))
	case duck.TYPE_TIMESTAMP, duck.TYPE_TIMESTAMP_TZ, duck.TYPE_TIMESTAMP_S, duck.TYPE_TIMESTAMP_MS, duck.TYPE_TIMESTAMP_NS:
		ts, isTS := dt.(*arrow.TimestampType)
		if !isTS {
			return nil, false
		}
		want := map[duck.Type]arrow.TimeUnit{duck.TYPE_TIMESTAMP: arrow.Microsecond, duck.TYPE_TIMESTAMP_TZ: arrow.Microsecond,
			duck.TYPE_TIMESTAMP_S: arrow.Second, duck.TYPE_TIMESTAMP_MS: arrow.Millisecond, duck.TYPE_TIMESTAMP_NS: arrow.Nanosecond}[kind.duck]
		if ts.Unit != want {
			return nil, false
		}
		return timeAppender[int64](col, int64(ts.Unit.Multiplier()))
	case duck.TYPE_TIME:
		if t64, isTime := dt.(*arrow.Time64Type); !isTime || t64.Unit != arrow.Microsecond {
			return nil, false
		}
		return timeOfDayAppender(col)
	case duck.TYPE_INTERVAL:
		if id != arrow.INTERVAL_MONTH_DAY_NANO {
			return nil, false
		}
		return intervalAppender(col)
	case duck.TYPE_LIST, duck.TYPE_ARRAY, duck.TYPE_STRUCT, duck.TYPE_MAP:
		return nestedAppender(col, kind.info, dt)
	}
	return nil, false
}

// values returns the first n values of a fixed-width Arrow array (an error,
// not a panic, when the batch holds fewer).
func values[T arrow.FixedWidthType](arr arrow.Array, n int) ([]T, error) {
	vs := arrow.GetValues[T](arr.Data(), 1)
	if len(vs) < n {
		return nil, fmt.Errorf("an Arrow %s array of %d values for %d rows", arr.DataType(), len(vs), n)
	}
	return vs[:n], nil
}

// fixed appends values whose Arrow layout is the builder's: one copy of the
// batch's values, NULLs marked from its validity bitmap.
func fixed[T arrow.IntType | arrow.UintType | float32 | float64](col frames.Column, id, want arrow.Type) (appender, bool) {
	b, ok := col.(*frames.Builder[T])
	if !ok || id != want {
		return nil, false
	}
	return func(arr arrow.Array, n int) error {
		vs, err := values[T](arr, n)
		if err != nil {
			return err
		}
		if arr.NullN() == 0 {
			b.AppendValues(vs)
		} else {
			b.AppendSliceValidity(vs, arr.NullBitmapBytes(), arr.Data().Offset())
		}
		return nil
	}, true
}

func boolAppender(col frames.Column, id arrow.Type) (appender, bool) {
	b, ok := col.(*frames.Builder[bool])
	if !ok || id != arrow.BOOL {
		return nil, false
	}
	return func(arr arrow.Array, n int) error {
		a := arr.(*array.Boolean)
		b.Reserve(n)
		for i := range n {
			if a.IsNull(i) {
				b.AppendNull()
			} else {
				b.Append(a.Value(i))
			}
		}
		return nil
	}, true
}

// timeAppender appends integer times in units of mul nanoseconds (days of
// a DATE, the unit of a TIMESTAMP) as Unix nanoseconds, wrapping outside
// 1677-2262 as time.Time.UnixNano does on the rows path.
func timeAppender[T int32 | int64](col frames.Column, mul int64) (appender, bool) {
	b, ok := col.(*frames.Times)
	if !ok {
		return nil, false
	}
	return func(arr arrow.Array, n int) error {
		vs, err := values[T](arr, n)
		if err != nil {
			return err
		}
		b.Reserve(n)
		if arr.NullN() == 0 {
			for _, v := range vs {
				b.AppendNanos(int64(v) * mul)
			}
			return nil
		}
		for i, v := range vs {
			if arr.IsNull(i) {
				b.AppendNull()
			} else {
				b.AppendNanos(int64(v) * mul)
			}
		}
		return nil
	}, true
}

// stringAppender appends utf8 values: offsets and bytes in one copy for a
// batch without NULLs.
func stringAppender(col frames.Column, id arrow.Type) (appender, bool) {
	b, ok := col.(*frames.Strings)
	if !ok || id != arrow.STRING {
		return nil, false
	}
	return func(arr arrow.Array, n int) error {
		a := arr.(*array.String)
		offsets, data, err := textBuffers(a, n)
		if err != nil {
			return err
		}
		if a.NullN() == 0 {
			b.AppendOffsets(offsets, data)
			return nil
		}
		b.Reserve(n)
		for i := range n {
			if a.IsNull(i) {
				b.AppendNull()
			} else {
				b.AppendBytes(data[offsets[i]:offsets[i+1]])
			}
		}
		return nil
	}, true
}

// textBuffers returns the offsets of the first n values of a utf8 array
// and its whole data buffer, which the offsets index (a sliced array's
// offsets do not start at 0).
func textBuffers(a *array.String, n int) (offsets []int32, data []byte, err error) {
	offsets = a.ValueOffsets()
	if len(offsets) < n+1 {
		return nil, nil, fmt.Errorf("an Arrow utf8 array of %d values for %d rows", len(offsets)-1, n)
	}
	offsets = offsets[:n+1]
	if buf := a.Data().Buffers()[2]; buf != nil {
		data = buf.Bytes()
	}
	if offsets[0] < 0 || int(offsets[n]) > len(data) || offsets[0] > offsets[n] {
		return nil, nil, fmt.Errorf("the Arrow utf8 offsets %d..%d outside its %d bytes", offsets[0], offsets[n], len(data))
	}
	return offsets, data, nil
}

func blobAppender(col frames.Column, id arrow.Type) (appender, bool) {
	b, ok := col.(*frames.Strings)
	if !ok || id != arrow.BINARY {
		return nil, false
	}
	return func(arr arrow.Array, n int) error {
		a := arr.(*array.Binary)
		b.Reserve(n)
		for i := range n {
			if a.IsNull(i) {
				b.AppendNull()
			} else {
				b.AppendBytesHex(a.Value(i))
			}
		}
		return nil
	}, true
}

// enumAppender appends the text of a dictionary-encoded ENUM.
func enumAppender(col frames.Column, dt arrow.DataType) (appender, bool) {
	b, ok := col.(*frames.Strings)
	d, isDict := dt.(*arrow.DictionaryType)
	if !ok || !isDict || d.ValueType.ID() != arrow.STRING {
		return nil, false
	}
	return func(arr arrow.Array, n int) error {
		a := arr.(*array.Dictionary)
		dict, isStr := a.Dictionary().(*array.String)
		if !isStr {
			return fmt.Errorf("ENUM dictionary of Arrow type %s", a.Dictionary().DataType())
		}
		b.Reserve(n)
		for i := range n {
			if a.IsNull(i) {
				b.AppendNull()
			} else {
				b.Append(dict.Value(a.GetValueIndex(i)))
			}
		}
		return nil
	}, true
}

// jsonAppender decodes and re-encodes JSON text as the rows path does (the
// driver unmarshals JSON values into Go values; appendJSON writes them
// back with sorted object keys). A JSON null is a NULL there too.
func jsonAppender(col frames.Column, id arrow.Type) (appender, bool) {
	b, ok := col.(*frames.JSONs)
	if !ok || id != arrow.STRING {
		return nil, false
	}
	var scratch []byte
	return func(arr arrow.Array, n int) error {
		a := arr.(*array.String)
		b.Reserve(n)
		for i := range n {
			if a.IsNull(i) {
				b.AppendNull()
				continue
			}
			var v any
			if err := json.Unmarshal([]byte(a.Value(i)), &v); err != nil {
				b.AppendNull()
				return err
			}
			if v == nil {
				b.AppendNull()
				continue
			}
			var err error
			if scratch, err = appendJSON(scratch[:0], v, nil); err != nil {
				b.AppendNull()
				return err
			}
			b.AppendBytes(scratch)
		}
		return nil
	}, true
}

// decimalAppender appends DECIMAL and HUGEINT values (Arrow decimal128) as
// exact text, or as float64 with NumericAsFloat, computed as the rows path
// computes them from the driver's duck.Decimal and *big.Int.
func decimalAppender(col frames.Column, typ duck.Type, dt arrow.DataType, asFloat bool) (appender, bool) {
	d, ok := dt.(*arrow.Decimal128Type)
	if !ok || (typ == duck.TYPE_HUGEINT && d.Scale != 0) {
		return nil, false
	}
	scale := int(d.Scale)
	if asFloat {
		b, ok := col.(*frames.Builder[float64])
		if !ok {
			return nil, false
		}
		return func(arr arrow.Array, n int) error {
			vs, err := values[decimal128.Num](arr, n)
			if err != nil {
				return err
			}
			b.Reserve(n)
			for i, v := range vs {
				switch {
				case arr.IsNull(i):
					b.AppendNull()
				case typ == duck.TYPE_HUGEINT:
					f, _ := new(big.Float).SetInt(v.BigInt()).Float64()
					b.Append(f)
				default:
					b.Append(duck.Decimal{Width: uint8(d.Precision), Scale: uint8(scale), Value: v.BigInt()}.Float64())
				}
			}
			return nil
		}, true
	}
	b, ok := col.(*frames.Strings)
	if !ok {
		return nil, false
	}
	return func(arr arrow.Array, n int) error {
		vs, err := values[decimal128.Num](arr, n)
		if err != nil {
			return err
		}
		b.Reserve(n)
		for i, v := range vs {
			switch {
			case arr.IsNull(i):
				b.AppendNull()
			case v.HighBits() == 0 && v.LowBits() < 1<<63, v.HighBits() == -1 && v.LowBits() >= 1<<63:
				b.Append(frames.FormatDecimal64(int64(v.LowBits()), scale))
			default:
				b.Append(frames.FormatDecimal(v.BigInt(), scale))
			}
		}
		return nil
	}, true
}

// timeOfDayAppender appends TIME values (microseconds since midnight) as
// the rows path's text: the driver's time.Time on 0001-01-01, formatted
// "15:04:05.999999".
func timeOfDayAppender(col frames.Column) (appender, bool) {
	b, ok := col.(*frames.Strings)
	if !ok {
		return nil, false
	}
	var scratch []byte
	return func(arr arrow.Array, n int) error {
		vs, err := values[int64](arr, n)
		if err != nil {
			return err
		}
		b.Reserve(n)
		for i, v := range vs {
			if arr.IsNull(i) {
				b.AppendNull()
				continue
			}
			u := time.UnixMicro(v).UTC()
			tod := time.Date(1, time.January, 1, u.Hour(), u.Minute(), u.Second(), u.Nanosecond(), time.UTC)
			scratch = tod.AppendFormat(scratch[:0], "15:04:05.999999")
			b.AppendBytes(scratch)
		}
		return nil
	}, true
}

// intervalAppender appends INTERVAL values as frames.IntervalString text
// (DuckDB's microseconds arrive as nanoseconds).
func intervalAppender(col frames.Column) (appender, bool) {
	b, ok := col.(*frames.Strings)
	if !ok {
		return nil, false
	}
	return func(arr arrow.Array, n int) error {
		vs, err := values[arrow.MonthDayNanoInterval](arr, n)
		if err != nil {
			return err
		}
		b.Reserve(n)
		for i, v := range vs {
			if arr.IsNull(i) {
				b.AppendNull()
			} else {
				b.Append(frames.IntervalString(v.Months, v.Days, v.Nanoseconds/1000))
			}
		}
		return nil
	}, true
}
