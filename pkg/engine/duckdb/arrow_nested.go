//go:build cgo && duckdb_arrow

package duckdb

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	duck "github.com/duckdb/duckdb-go/v2"

	"github.com/bigtent/quarry/pkg/frames"
)

// typeName is the name the driver's rows give a DuckDB type (the
// registry's key, and the shape parseShape reads), for the types the Arrow
// reader takes; ok is false for the others. top is false inside a nested
// type, where the reader takes no alias (the driver decodes a nested JSON
// value, and names it VARCHAR).
func typeName(info duck.TypeInfo, top bool) (name string, ok bool) {
	typ := info.InternalType()
	if alias := info.Alias(); alias != "" {
		if top && alias == "JSON" && typ == duck.TYPE_VARCHAR {
			return "JSON", true
		}
		return "", false // nested JSON, extension types (INET, ...)
	}
	if name, ok := arrowTypeNames[typ]; ok && typ != duck.TYPE_DECIMAL {
		return name, true
	}
	switch d := info.Details().(type) {
	case *duck.DecimalDetails:
		return fmt.Sprintf("DECIMAL(%d,%d)", d.Width, d.Scale), true
	case *duck.ListDetails:
		child, ok := typeName(d.Child, false)
		return child + "[]", ok
	case *duck.ArrayDetails:
		child, ok := typeName(d.Child, false)
		return fmt.Sprintf("%s[%d]", child, d.Size), ok
	case *duck.StructDetails:
		var b strings.Builder
		b.WriteString("STRUCT(")
		for i, f := range d.Entries {
			child, ok := typeName(f.Info(), false)
			if !ok {
				return "", false
			}
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(`"` + strings.ReplaceAll(f.Name(), `"`, `""`) + `" ` + child)
		}
		b.WriteByte(')')
		return b.String(), true
	case *duck.MapDetails:
		if !mapKeyType(d.Key) {
			return "", false
		}
		key, ok := typeName(d.Key, false)
		if !ok {
			return "", false
		}
		val, ok := typeName(d.Value, false)
		return "MAP(" + key + ", " + val + ")", ok
	}
	return "", false
}

// mapKeyType reports whether a MAP key type scans to a comparable Go value
// on the rows path (BLOB and UUID keys scan to []byte and fail there, as
// do nested keys): the Arrow reader leaves the others to the rows path.
func mapKeyType(info duck.TypeInfo) bool {
	switch info.InternalType() {
	case duck.TYPE_BLOB, duck.TYPE_UUID, duck.TYPE_LIST, duck.TYPE_ARRAY, duck.TYPE_STRUCT, duck.TYPE_MAP, duck.TYPE_UNION:
		return false
	}
	return true
}

// jsonEnc appends the JSON of value i of arr (not NULL at the top).
type jsonEnc func(dst []byte, arr arrow.Array, i int) []byte

// nestedAppender appends LIST, ARRAY, STRUCT and MAP values as the rows
// path's JSON (appendJSON of the driver's value, with the column's shape).
func nestedAppender(col frames.Column, info duck.TypeInfo, dt arrow.DataType) (appender, bool) {
	b, ok := col.(*frames.JSONs)
	if !ok {
		return nil, false
	}
	enc, ok := newJSONEnc(info, dt, parseShape(col.Spec().DBType))
	if !ok {
		return nil, false
	}
	var scratch []byte
	return func(arr arrow.Array, n int) error {
		b.Reserve(n)
		for i := range n {
			if arr.IsNull(i) {
				b.AppendNull()
				continue
			}
			scratch = enc(scratch[:0], arr, i)
			b.AppendBytes(scratch)
		}
		return nil
	}, true
}

// newJSONEnc builds the encoder of a value of DuckDB type info held in an
// Arrow array of type dt; sh is its shape (struct field order).
func newJSONEnc(info duck.TypeInfo, dt arrow.DataType, sh *shape) (jsonEnc, bool) {
	elem := func(child duck.TypeInfo, cdt arrow.DataType, csh *shape) (jsonEnc, bool) {
		enc, ok := newJSONEnc(child, cdt, csh)
		if !ok {
			return nil, false
		}
		return func(dst []byte, arr arrow.Array, i int) []byte {
			if arr.IsNull(i) {
				return append(dst, "null"...)
			}
			return enc(dst, arr, i)
		}, true
	}
	id := dt.ID()
	switch d := info.Details().(type) {
	case *duck.ListDetails:
		lt, ok := dt.(*arrow.ListType)
		if !ok {
			return nil, false
		}
		enc, ok := elem(d.Child, lt.Elem(), sh.element())
		if !ok {
			return nil, false
		}
		return func(dst []byte, arr arrow.Array, i int) []byte {
			a := arr.(*array.List)
			from, to := a.ValueOffsets(i)
			return appendList(dst, a.ListValues(), int(from), int(to), enc)
		}, true
	case *duck.ArrayDetails:
		ft, ok := dt.(*arrow.FixedSizeListType)
		if !ok {
			return nil, false
		}
		enc, ok := elem(d.Child, ft.Elem(), sh.element())
		if !ok {
			return nil, false
		}
		return func(dst []byte, arr arrow.Array, i int) []byte {
			a := arr.(*array.FixedSizeList)
			from, to := a.ValueOffsets(i)
			return appendList(dst, a.ListValues(), int(from), int(to), enc)
		}, true
	case *duck.StructDetails:
		st, ok := dt.(*arrow.StructType)
		if !ok || st.NumFields() != len(d.Entries) {
			return nil, false
		}
		// The rows path writes a struct (a Go map) in sh.order's key order.
		names := make(map[string]any, len(d.Entries))
		index := make(map[string]int, len(d.Entries))
		for j, f := range d.Entries {
			names[f.Name()] = nil
			index[f.Name()] = j
		}
		keys := sh.order(names)
		order := make([]int, len(keys))
		encs := make([]jsonEnc, len(d.Entries))
		for k, name := range keys {
			order[k] = index[name]
		}
		for j, f := range d.Entries {
			var ok bool
			if encs[j], ok = elem(f.Info(), st.Field(j).Type, sh.field(f.Name())); !ok {
				return nil, false
			}
		}
		return func(dst []byte, arr arrow.Array, i int) []byte {
			a := arr.(*array.Struct)
			dst = append(dst, '{')
			for k, j := range order {
				if k > 0 {
					dst = append(dst, ',')
				}
				dst = strconv.AppendQuote(dst, keys[k])
				dst = append(dst, ':')
				dst = encs[j](dst, a.Field(j), i)
			}
			return append(dst, '}')
		}, true
	case *duck.MapDetails:
		mt, ok := dt.(*arrow.MapType)
		if !ok {
			return nil, false
		}
		key, ok := mapKeyEnc(d.Key, mt.KeyType())
		if !ok {
			return nil, false
		}
		val, ok := elem(d.Value, mt.ItemType(), sh.value())
		if !ok {
			return nil, false
		}
		return func(dst []byte, arr arrow.Array, i int) []byte {
			a := arr.(*array.Map)
			from, to := a.ValueOffsets(i)
			keys, items := a.Keys(), a.Items()
			dst = append(dst, '{')
			for j := int(from); j < int(to); j++ {
				if j > int(from) {
					dst = append(dst, ',')
				}
				dst = key(dst, keys, j)
				dst = append(dst, ':')
				dst = val(dst, items, j)
			}
			return append(dst, '}')
		}, true
	}
	return scalarJSONEnc(info.InternalType(), dt, id)
}

func appendList(dst []byte, vals arrow.Array, from, to int, enc jsonEnc) []byte {
	dst = append(dst, '[')
	for j := from; j < to; j++ {
		if j > from {
			dst = append(dst, ',')
		}
		dst = enc(dst, vals, j)
	}
	return append(dst, ']')
}

// mapKeyEnc writes a MAP key as appendMap does: a string key quoted as it
// is, any other key as its JSON text without quotes, then quoted.
func mapKeyEnc(info duck.TypeInfo, dt arrow.DataType) (jsonEnc, bool) {
	typ := info.InternalType()
	if typ == duck.TYPE_VARCHAR || typ == duck.TYPE_ENUM {
		text, ok := textEnc(dt)
		if !ok {
			return nil, false
		}
		return func(dst []byte, arr arrow.Array, i int) []byte {
			return strconv.AppendQuote(dst, text(arr, i))
		}, true
	}
	enc, ok := scalarJSONEnc(typ, dt, dt.ID())
	if !ok {
		return nil, false
	}
	var scratch []byte
	return func(dst []byte, arr arrow.Array, i int) []byte {
		if arr.IsNull(i) {
			scratch = append(scratch[:0], "null"...)
		} else {
			scratch = enc(scratch[:0], arr, i)
		}
		return strconv.AppendQuote(dst, strings.Trim(string(scratch), `"`))
	}, true
}

// textEnc reads a VARCHAR (utf8) or ENUM (dictionary of utf8) value.
func textEnc(dt arrow.DataType) (func(arr arrow.Array, i int) string, bool) {
	switch t := dt.(type) {
	case *arrow.StringType:
		return func(arr arrow.Array, i int) string { return arr.(*array.String).Value(i) }, true
	case *arrow.DictionaryType:
		if t.ValueType.ID() != arrow.STRING {
			return nil, false
		}
		return func(arr arrow.Array, i int) string {
			a := arr.(*array.Dictionary)
			return a.Dictionary().(*array.String).Value(a.GetValueIndex(i))
		}, true
	}
	return nil, false
}

// scalarJSONEnc writes a scalar inside a nested value as appendJSON writes
// the driver's Go value for it.
func scalarJSONEnc(typ duck.Type, dt arrow.DataType, id arrow.Type) (jsonEnc, bool) {
	intEnc := func(want arrow.Type, get func(arr arrow.Array, i int) int64) (jsonEnc, bool) {
		if id != want {
			return nil, false
		}
		return func(dst []byte, arr arrow.Array, i int) []byte { return strconv.AppendInt(dst, get(arr, i), 10) }, true
	}
	uintEnc := func(want arrow.Type, get func(arr arrow.Array, i int) uint64) (jsonEnc, bool) {
		if id != want {
			return nil, false
		}
		return func(dst []byte, arr arrow.Array, i int) []byte { return strconv.AppendUint(dst, get(arr, i), 10) }, true
	}
	quoted := func(text func(arr arrow.Array, i int) string) jsonEnc {
		return func(dst []byte, arr arrow.Array, i int) []byte { return strconv.AppendQuote(dst, text(arr, i)) }
	}
	// A time as textOf renders the driver's time.Time.
	timeEnc := func(t func(arr arrow.Array, i int) time.Time) jsonEnc {
		return quoted(func(arr arrow.Array, i int) string {
			s, _ := textOf(t(arr, i))
			return s
		})
	}
	switch typ {
	case duck.TYPE_BOOLEAN:
		if id != arrow.BOOL {
			return nil, false
		}
		return func(dst []byte, arr arrow.Array, i int) []byte {
			return strconv.AppendBool(dst, arr.(*array.Boolean).Value(i))
		}, true
	case duck.TYPE_TINYINT:
		return intEnc(arrow.INT8, func(arr arrow.Array, i int) int64 { return int64(arr.(*array.Int8).Value(i)) })
	case duck.TYPE_SMALLINT:
		return intEnc(arrow.INT16, func(arr arrow.Array, i int) int64 { return int64(arr.(*array.Int16).Value(i)) })
	case duck.TYPE_INTEGER:
		return intEnc(arrow.INT32, func(arr arrow.Array, i int) int64 { return int64(arr.(*array.Int32).Value(i)) })
	case duck.TYPE_BIGINT:
		return intEnc(arrow.INT64, func(arr arrow.Array, i int) int64 { return arr.(*array.Int64).Value(i) })
	case duck.TYPE_UTINYINT:
		return uintEnc(arrow.UINT8, func(arr arrow.Array, i int) uint64 { return uint64(arr.(*array.Uint8).Value(i)) })
	case duck.TYPE_USMALLINT:
		return uintEnc(arrow.UINT16, func(arr arrow.Array, i int) uint64 { return uint64(arr.(*array.Uint16).Value(i)) })
	case duck.TYPE_UINTEGER:
		return uintEnc(arrow.UINT32, func(arr arrow.Array, i int) uint64 { return uint64(arr.(*array.Uint32).Value(i)) })
	case duck.TYPE_UBIGINT:
		return uintEnc(arrow.UINT64, func(arr arrow.Array, i int) uint64 { return arr.(*array.Uint64).Value(i) })
	case duck.TYPE_FLOAT:
		if id != arrow.FLOAT32 {
			return nil, false
		}
		return func(dst []byte, arr arrow.Array, i int) []byte {
			return appendFloat(dst, float64(arr.(*array.Float32).Value(i)), 32)
		}, true
	case duck.TYPE_DOUBLE:
		if id != arrow.FLOAT64 {
			return nil, false
		}
		return func(dst []byte, arr arrow.Array, i int) []byte {
			return appendFloat(dst, arr.(*array.Float64).Value(i), 64)
		}, true
	case duck.TYPE_HUGEINT, duck.TYPE_DECIMAL:
		d, ok := dt.(*arrow.Decimal128Type)
		if !ok || (typ == duck.TYPE_HUGEINT && d.Scale != 0) {
			return nil, false
		}
		scale := int(d.Scale)
		num := func(arr arrow.Array, i int) decimal128.Num { return arr.(*array.Decimal128).Value(i) }
		if typ == duck.TYPE_HUGEINT { // a *big.Int: a bare number
			return func(dst []byte, arr arrow.Array, i int) []byte { return num(arr, i).BigInt().Append(dst, 10) }, true
		}
		return quoted(func(arr arrow.Array, i int) string { return frames.FormatDecimal(num(arr, i).BigInt(), scale) }), true
	case duck.TYPE_VARCHAR, duck.TYPE_ENUM, duck.TYPE_UUID:
		text, ok := textEnc(dt)
		if !ok {
			return nil, false
		}
		return quoted(text), true
	case duck.TYPE_BLOB:
		if id != arrow.BINARY {
			return nil, false
		}
		return func(dst []byte, arr arrow.Array, i int) []byte {
			p := arr.(*array.Binary).Value(i)
			if len(p) == 16 {
				return strconv.AppendQuote(dst, frames.UUIDString([16]byte(p)))
			}
			dst = append(dst, '"', '\\', '\\', 'x')
			dst = hex.AppendEncode(dst, p)
			return append(dst, '"')
		}, true
	case duck.TYPE_DATE:
		if id != arrow.DATE32 {
			return nil, false
		}
		return timeEnc(func(arr arrow.Array, i int) time.Time {
			return time.Unix(int64(arr.(*array.Date32).Value(i))*86400, 0).UTC()
		}), true
	case duck.TYPE_TIMESTAMP, duck.TYPE_TIMESTAMP_TZ, duck.TYPE_TIMESTAMP_S, duck.TYPE_TIMESTAMP_MS, duck.TYPE_TIMESTAMP_NS:
		ts, ok := dt.(*arrow.TimestampType)
		if !ok {
			return nil, false
		}
		unit := ts.Unit
		return timeEnc(func(arr arrow.Array, i int) time.Time {
			v := int64(arr.(*array.Timestamp).Value(i))
			switch unit {
			case arrow.Second:
				return time.Unix(v, 0).UTC()
			case arrow.Millisecond:
				return time.UnixMilli(v).UTC()
			case arrow.Microsecond:
				return time.UnixMicro(v).UTC()
			}
			return time.Unix(0, v).UTC()
		}), true
	case duck.TYPE_TIME:
		if t64, ok := dt.(*arrow.Time64Type); !ok || t64.Unit != arrow.Microsecond {
			return nil, false
		}
		return timeEnc(func(arr arrow.Array, i int) time.Time {
			u := time.UnixMicro(int64(arr.(*array.Time64).Value(i))).UTC()
			return time.Date(1, time.January, 1, u.Hour(), u.Minute(), u.Second(), u.Nanosecond(), time.UTC)
		}), true
	case duck.TYPE_INTERVAL:
		if id != arrow.INTERVAL_MONTH_DAY_NANO {
			return nil, false
		}
		return quoted(func(arr arrow.Array, i int) string {
			v := arr.(*array.MonthDayNanoInterval).Value(i)
			return frames.IntervalString(v.Months, v.Days, v.Nanoseconds/1000)
		}), true
	}
	return nil, false
}
