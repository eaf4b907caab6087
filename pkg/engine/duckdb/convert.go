//go:build cgo

package duckdb

import (
	"database/sql/driver"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"

	duck "github.com/duckdb/duckdb-go/v2"

	"github.com/bigtent/quarry/pkg/frames"
)

// newTypeMap is the declarative DuckDB type -> frame kind registry, keyed by
// the driver's type names. LIST/ARRAY types (`INTEGER[]`, `INTEGER[3]`) are
// recognised by their trailing `]` before the registry is consulted.
func newTypeMap() *frames.TypeMap {
	prec := func(p int) func(string, *frames.ColumnSpec) {
		return func(_ string, c *frames.ColumnSpec) { c.Precision = p }
	}
	decimal := func(t string, c *frames.ColumnSpec) {
		// DECIMAL(12,2)
		in := strings.TrimSuffix(strings.TrimPrefix(strings.ToUpper(t), "DECIMAL("), ")")
		p, s, _ := strings.Cut(in, ",")
		c.Precision, _ = strconv.Atoi(strings.TrimSpace(p))
		c.Scale, _ = strconv.Atoi(strings.TrimSpace(s))
	}
	return frames.NewTypeMap(
		frames.TypeRule{Pattern: "BOOLEAN", Kind: frames.KindBool},
		frames.TypeRule{Pattern: "TINYINT", Kind: frames.KindInt8},
		frames.TypeRule{Pattern: "SMALLINT", Kind: frames.KindInt16},
		frames.TypeRule{Pattern: "INTEGER", Kind: frames.KindInt32},
		frames.TypeRule{Pattern: "BIGINT", Kind: frames.KindInt64},
		frames.TypeRule{Pattern: "UTINYINT", Kind: frames.KindUint8},
		frames.TypeRule{Pattern: "USMALLINT", Kind: frames.KindUint16},
		frames.TypeRule{Pattern: "UINTEGER", Kind: frames.KindUint32},
		frames.TypeRule{Pattern: "UBIGINT", Kind: frames.KindUint64},
		frames.TypeRule{Pattern: "FLOAT", Kind: frames.KindFloat32},
		frames.TypeRule{Pattern: "DOUBLE", Kind: frames.KindFloat64},
		// 128-bit and arbitrary integers do not fit int64: exact strings.
		frames.TypeRule{Pattern: "HUGEINT", Kind: frames.KindNumeric, Params: prec(39)},
		frames.TypeRule{Pattern: "UHUGEINT", Kind: frames.KindNumeric, Params: prec(39)},
		frames.TypeRule{Pattern: "BIGNUM", Kind: frames.KindNumeric},
		frames.TypeRule{Pattern: "DECIMAL(*", Kind: frames.KindNumeric, Params: decimal},
		frames.TypeRule{Pattern: "VARCHAR", Kind: frames.KindString},
		frames.TypeRule{Pattern: "BIT", Kind: frames.KindString},
		frames.TypeRule{Pattern: "BLOB", Kind: frames.KindBytes},
		frames.TypeRule{Pattern: "GEOMETRY", Kind: frames.KindGeography},
		frames.TypeRule{Pattern: "UUID", Kind: frames.KindUUID},
		frames.TypeRule{Pattern: "ENUM", Kind: frames.KindEnum},
		frames.TypeRule{Pattern: "JSON", Kind: frames.KindJSON},
		frames.TypeRule{Pattern: "INTERVAL", Kind: frames.KindInterval},
		frames.TypeRule{Pattern: "DATE", Kind: frames.KindTime},
		frames.TypeRule{Pattern: "TIMESTAMP", Kind: frames.KindTime, Params: prec(6)},
		frames.TypeRule{Pattern: "TIMESTAMPTZ", Kind: frames.KindTime, Params: prec(6)},
		frames.TypeRule{Pattern: "TIMESTAMP_S", Kind: frames.KindTime, Params: prec(0)},
		frames.TypeRule{Pattern: "TIMESTAMP_MS", Kind: frames.KindTime, Params: prec(3)},
		frames.TypeRule{Pattern: "TIMESTAMP_NS", Kind: frames.KindTime, Params: prec(9)},
		// A time of day (with or without offset) is not an instant: text.
		frames.TypeRule{Pattern: "TIME", Kind: frames.KindString},
		frames.TypeRule{Pattern: "TIMETZ", Kind: frames.KindString},
		frames.TypeRule{Pattern: "STRUCT(*", Kind: frames.KindStruct},
		frames.TypeRule{Pattern: "UNION(*", Kind: frames.KindStruct},
		frames.TypeRule{Pattern: "MAP(*", Kind: frames.KindMap},
		frames.TypeRule{Pattern: "VARIANT", Kind: frames.KindJSON},
	)
}

// columnSpec maps a result column to a frame column spec.
func columnSpec(types *frames.TypeMap, name, dbType string) frames.ColumnSpec {
	if strings.HasSuffix(dbType, "]") {
		return frames.ColumnSpec{Name: name, DBType: dbType, Kind: frames.KindArray}
	}
	spec, _ := types.Spec(name, dbType)
	return spec
}

// writer appends one driver value (nil = NULL) to its column.
type writer func(v driver.Value) error

func typeError(spec frames.ColumnSpec, v driver.Value) error {
	return fmt.Errorf("column %q (%s): unexpected driver value of type %T", spec.Name, spec.DBType, v)
}

// typed builds a writer for a fixed-width builder whose driver value has
// type T.
func typed[T any](col frames.Column) (writer, bool) {
	b, ok := col.(*frames.Builder[T])
	if !ok {
		return nil, false
	}
	spec := col.Spec()
	return func(v driver.Value) error {
		if v == nil {
			b.AppendNull()
			return nil
		}
		x, ok := v.(T)
		if !ok {
			b.AppendNull()
			return typeError(spec, v)
		}
		b.Append(x)
		return nil
	}, true
}

// newWriter builds the writer of one column, asserting its builder once.
func newWriter(col frames.Column, numericAsFloat bool) (writer, error) {
	spec := col.Spec()
	var (
		w  writer
		ok bool
	)
	switch spec.Kind {
	case frames.KindBool:
		w, ok = typed[bool](col)
	case frames.KindInt8:
		w, ok = typed[int8](col)
	case frames.KindInt16:
		w, ok = typed[int16](col)
	case frames.KindInt32:
		w, ok = typed[int32](col)
	case frames.KindInt64:
		w, ok = typed[int64](col)
	case frames.KindUint8:
		w, ok = typed[uint8](col)
	case frames.KindUint16:
		w, ok = typed[uint16](col)
	case frames.KindUint32:
		w, ok = typed[uint32](col)
	case frames.KindUint64:
		w, ok = typed[uint64](col)
	case frames.KindFloat32:
		w, ok = typed[float32](col)
	case frames.KindFloat64:
		w, ok = typed[float64](col)
	case frames.KindTime:
		w, ok = timeWriter(col)
	case frames.KindNumeric:
		if numericAsFloat {
			w, ok = numericFloatWriter(col)
		} else {
			w, ok = textWriter(col, func(v driver.Value) (string, bool) {
				switch x := v.(type) {
				case duck.Decimal:
					return frames.FormatDecimal(x.Value, int(x.Scale)), true
				case *big.Int:
					return x.String(), true
				}
				return "", false
			})
		}
	case frames.KindArray, frames.KindStruct, frames.KindMap, frames.KindJSON:
		w, ok = jsonWriter(col)
	case frames.KindBytes:
		b, isStr := col.(*frames.Strings)
		ok = isStr
		w = func(v driver.Value) error {
			switch x := v.(type) {
			case nil:
				b.AppendNull()
			case []byte:
				b.AppendBytesHex(x)
			default:
				b.AppendNull()
				return typeError(spec, v)
			}
			return nil
		}
	case frames.KindGeography:
		w, ok = textWriter(col, func(v driver.Value) (string, bool) {
			p, isBytes := v.([]byte)
			if !isBytes {
				return "", false
			}
			if wkt, err := frames.WKBToWKT(p); err == nil {
				return wkt, true
			}
			return frames.BytesString(p), true
		})
	default:
		w, ok = textWriter(col, textOf)
	}
	if !ok {
		return nil, fmt.Errorf("duckdb: column %q (%s): unexpected builder %T", spec.Name, spec.DBType, col)
	}
	return w, nil
}

func numericFloatWriter(col frames.Column) (writer, bool) {
	b, ok := col.(*frames.Builder[float64])
	if !ok {
		return nil, false
	}
	spec := col.Spec()
	return func(v driver.Value) error {
		switch x := v.(type) {
		case nil:
			b.AppendNull()
		case duck.Decimal:
			b.Append(x.Float64())
		case *big.Int:
			f, _ := new(big.Float).SetInt(x).Float64()
			b.Append(f)
		default:
			b.AppendNull()
			return typeError(spec, v)
		}
		return nil
	}, true
}

// timeWriter appends a time.Time driver value to a *Times column.
func timeWriter(col frames.Column) (writer, bool) {
	b, ok := col.(*frames.Times)
	if !ok {
		return nil, false
	}
	spec := col.Spec()
	return func(v driver.Value) error {
		if v == nil {
			b.AppendNull()
			return nil
		}
		x, ok := v.(time.Time)
		if !ok {
			b.AppendNull()
			return typeError(spec, v)
		}
		b.Append(x)
		return nil
	}, true
}

// textWriter appends the text form of a value to a *Strings column.
func textWriter(col frames.Column, text func(driver.Value) (string, bool)) (writer, bool) {
	b, ok := col.(*frames.Strings)
	if !ok {
		return nil, false
	}
	spec := col.Spec()
	return func(v driver.Value) error {
		if v == nil {
			b.AppendNull()
			return nil
		}
		if s, ok := v.(string); ok {
			b.Append(s)
			return nil
		}
		s, ok := text(v)
		if !ok {
			b.AppendNull()
			return typeError(spec, v)
		}
		b.Append(s)
		return nil
	}, true
}

// textOf renders the values that become text columns: VARCHAR, ENUM, BIT,
// UUID, INTERVAL, TIME, TIMETZ.
func textOf(v driver.Value) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case []byte:
		if len(x) == 16 { // UUID
			return frames.UUIDString([16]byte(x)), true
		}
		return frames.BytesString(x), true
	case duck.UUID:
		return frames.UUIDString([16]byte(x)), true
	case duck.Interval:
		return frames.IntervalString(x.Months, x.Days, x.Micros), true
	case time.Time:
		if x.Year() == 1 && x.Month() == 1 && x.Day() == 1 { // TIME / TIMETZ
			if _, off := x.Zone(); off != 0 || x.Location() != time.UTC {
				return x.Format("15:04:05.999999-07:00"), true
			}
			return x.Format("15:04:05.999999"), true
		}
		return x.Format(time.RFC3339Nano), true
	case fmt.Stringer:
		return x.String(), true
	}
	return "", false
}

func jsonWriter(col frames.Column) (writer, bool) {
	b, ok := col.(*frames.JSONs)
	if !ok {
		return nil, false
	}
	spec := col.Spec()
	sh := parseShape(spec.DBType)
	var scratch []byte
	return func(v driver.Value) error {
		if v == nil {
			b.AppendNull()
			return nil
		}
		var err error
		scratch, err = appendJSON(scratch[:0], v, sh)
		if err != nil {
			b.AppendNull()
			return fmt.Errorf("column %q (%s): %w", spec.Name, spec.DBType, err)
		}
		b.AppendBytes(scratch)
		return nil
	}, true
}

// appendJSON encodes a driver value (lists, structs, maps, unions and their
// scalar members) as JSON. Decimals and 128-bit integers stay exact, times
// are RFC 3339, intervals use the PostgreSQL-style text, bytes are \x hex
// (16-byte values inside nested types are shown as UUIDs).
//
// sh, parsed from the column's type name, gives struct fields their
// declared order (the driver returns structs as Go maps); nil sorts keys.
func appendJSON(dst []byte, v any, sh *shape) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case bool:
		return strconv.AppendBool(dst, x), nil
	case int8:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int16:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case int:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case uint8:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint16:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint32:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint64:
		return strconv.AppendUint(dst, x, 10), nil
	case float32:
		return appendFloat(dst, float64(x), 32), nil
	case float64:
		return appendFloat(dst, x, 64), nil
	case string:
		return strconv.AppendQuote(dst, x), nil
	case *big.Int:
		return x.Append(dst, 10), nil
	case duck.Decimal:
		return strconv.AppendQuote(dst, frames.FormatDecimal(x.Value, int(x.Scale))), nil
	case time.Time:
		s, _ := textOf(x)
		return strconv.AppendQuote(dst, s), nil
	case duck.Interval:
		return strconv.AppendQuote(dst, frames.IntervalString(x.Months, x.Days, x.Micros)), nil
	case duck.UUID:
		return strconv.AppendQuote(dst, frames.UUIDString([16]byte(x))), nil
	case []byte:
		if len(x) == 16 {
			return strconv.AppendQuote(dst, frames.UUIDString([16]byte(x))), nil
		}
		dst = append(dst, '"', '\\', '\\', 'x')
		dst = hex.AppendEncode(dst, x)
		return append(dst, '"'), nil
	case []any:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendJSON(dst, e, sh.element()); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case map[string]any:
		keys := sh.order(x)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = strconv.AppendQuote(dst, k)
			dst = append(dst, ':')
			var err error
			if dst, err = appendJSON(dst, x[k], sh.field(k)); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	case duck.OrderedMap:
		return appendMap(dst, x.Keys(), x.Values(), sh.value())
	case *duck.OrderedMap:
		return appendMap(dst, x.Keys(), x.Values(), sh.value())
	case duck.Map:
		keys := make([]any, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
		vals := make([]any, len(keys))
		for i, k := range keys {
			vals[i] = x[k]
		}
		return appendMap(dst, keys, vals, sh.value())
	case duck.Union:
		dst = append(dst, `{"tag":`...)
		dst = strconv.AppendQuote(dst, x.Tag)
		dst = append(dst, `,"value":`...)
		var err error
		if dst, err = appendJSON(dst, x.Value, sh.field(x.Tag)); err != nil {
			return dst, err
		}
		return append(dst, '}'), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return dst, fmt.Errorf("cannot encode %T as JSON: %w", v, err)
	}
	return append(dst, b...), nil
}

// appendMap writes a MAP as a JSON object in key order; keys that are not
// strings are rendered as their text.
func appendMap(dst []byte, keys, vals []any, valShape *shape) ([]byte, error) {
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		ks, ok := k.(string)
		if !ok {
			kb, err := appendJSON(nil, k, nil)
			if err != nil {
				return dst, err
			}
			ks = strings.Trim(string(kb), `"`)
		}
		dst = strconv.AppendQuote(dst, ks)
		dst = append(dst, ':')
		var err error
		if dst, err = appendJSON(dst, vals[i], valShape); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

func appendFloat(dst []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.AppendQuote(dst, strconv.FormatFloat(f, 'g', -1, bits))
	}
	return strconv.AppendFloat(dst, f, 'g', -1, bits)
}

// shape is the nesting of a LIST/ARRAY/STRUCT/MAP/UNION type, parsed from
// the driver's type name (`STRUCT("a" INTEGER, "b" VARCHAR[])[]`), so that
// struct fields keep their declared order.
type shape struct {
	fields   []string
	children map[string]*shape
	elem     *shape // LIST / ARRAY element
	val      *shape // MAP value
}

func (s *shape) element() *shape {
	if s == nil {
		return nil
	}
	return s.elem
}

func (s *shape) value() *shape {
	if s == nil {
		return nil
	}
	return s.val
}

func (s *shape) field(name string) *shape {
	if s == nil {
		return nil
	}
	return s.children[name]
}

// order returns the keys of m in declared order (sorted when unknown).
func (s *shape) order(m map[string]any) []string {
	if s != nil && len(s.fields) == len(m) {
		ok := true
		for _, f := range s.fields {
			if _, has := m[f]; !has {
				ok = false
				break
			}
		}
		if ok {
			return s.fields
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// parseShape parses a DuckDB type name; nil for scalars or anything it does
// not understand.
func parseShape(t string) *shape {
	t = strings.TrimSpace(t)
	if strings.HasSuffix(t, "]") {
		if i := strings.LastIndexByte(t, '['); i > 0 {
			return &shape{elem: parseShape(t[:i])}
		}
		return nil
	}
	upper := strings.ToUpper(t)
	switch {
	case (strings.HasPrefix(upper, "STRUCT(") || strings.HasPrefix(upper, "UNION(")) && strings.HasSuffix(t, ")"):
		inner := t[strings.IndexByte(t, '(')+1 : len(t)-1]
		sh := &shape{children: map[string]*shape{}}
		for _, part := range splitTop(inner) {
			name, typ := splitName(part)
			sh.fields = append(sh.fields, name)
			sh.children[name] = parseShape(typ)
		}
		return sh
	case strings.HasPrefix(upper, "MAP(") && strings.HasSuffix(t, ")"):
		parts := splitTop(t[4 : len(t)-1])
		if len(parts) == 2 {
			return &shape{val: parseShape(parts[1])}
		}
	}
	return nil
}

// splitTop splits at commas outside parentheses, brackets and quotes.
func splitTop(s string) []string {
	var parts []string
	depth, start, inQuote := 0, 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			inQuote = !inQuote
		case inQuote:
		case c == '(' || c == '[':
			depth++
		case c == ')' || c == ']':
			depth--
		case c == ',' && depth == 0:
			parts = append(parts, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	return append(parts, strings.TrimSpace(s[start:]))
}

// splitName splits `"na""me" TYPE` or `name TYPE` into name and type.
func splitName(part string) (name, typ string) {
	if strings.HasPrefix(part, `"`) {
		var b strings.Builder
		for i := 1; i < len(part); i++ {
			if part[i] == '"' {
				if i+1 < len(part) && part[i+1] == '"' {
					b.WriteByte('"')
					i++
					continue
				}
				return b.String(), strings.TrimSpace(part[i+1:])
			}
			b.WriteByte(part[i])
		}
		return b.String(), ""
	}
	name, typ, _ = strings.Cut(part, " ")
	return name, strings.TrimSpace(typ)
}
