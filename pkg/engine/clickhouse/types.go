package clickhouse

import (
	"errors"

	"encoding/json"
	"fmt"
	ch "github.com/ClickHouse/clickhouse-go/v2"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/shopspring/decimal"

	"github.com/bigtent/quarry/pkg/frames"
)

// TypeMap is ClickHouse's type → frame kind registry. Nullable(...) and
// LowCardinality(...) are unwrapped first (see baseType).
var TypeMap = frames.NewTypeMap(
	frames.TypeRule{Pattern: "Int8", Kind: frames.KindInt8},
	frames.TypeRule{Pattern: "Int16", Kind: frames.KindInt16},
	frames.TypeRule{Pattern: "Int32", Kind: frames.KindInt32},
	frames.TypeRule{Pattern: "Int64", Kind: frames.KindInt64},
	frames.TypeRule{Pattern: "UInt8", Kind: frames.KindUint8},
	frames.TypeRule{Pattern: "UInt16", Kind: frames.KindUint16},
	frames.TypeRule{Pattern: "UInt32", Kind: frames.KindUint32},
	frames.TypeRule{Pattern: "UInt64", Kind: frames.KindUint64},
	frames.TypeRule{Pattern: "Int128", Kind: frames.KindNumeric},
	frames.TypeRule{Pattern: "Int256", Kind: frames.KindNumeric},
	frames.TypeRule{Pattern: "UInt128", Kind: frames.KindNumeric},
	frames.TypeRule{Pattern: "UInt256", Kind: frames.KindNumeric},
	frames.TypeRule{Pattern: "Float32", Kind: frames.KindFloat32},
	frames.TypeRule{Pattern: "Float64", Kind: frames.KindFloat64},
	frames.TypeRule{Pattern: "Bool", Kind: frames.KindBool},
	frames.TypeRule{Pattern: "String", Kind: frames.KindString},
	frames.TypeRule{Pattern: "FixedString(*", Kind: frames.KindString},
	frames.TypeRule{Pattern: "Enum8(*", Kind: frames.KindEnum},
	frames.TypeRule{Pattern: "Enum16(*", Kind: frames.KindEnum},
	frames.TypeRule{Pattern: "Date", Kind: frames.KindTime},
	frames.TypeRule{Pattern: "Date32", Kind: frames.KindTime},
	frames.TypeRule{Pattern: "DateTime", Kind: frames.KindTime},
	frames.TypeRule{Pattern: "DateTime(*", Kind: frames.KindTime},
	frames.TypeRule{Pattern: "DateTime64(*", Kind: frames.KindTime, Params: dateTime64Precision},
	frames.TypeRule{Pattern: "Decimal*", Kind: frames.KindNumeric, Params: decimalScale},
	frames.TypeRule{Pattern: "UUID", Kind: frames.KindUUID},
	frames.TypeRule{Pattern: "IPv4", Kind: frames.KindInet},
	frames.TypeRule{Pattern: "IPv6", Kind: frames.KindInet},
	frames.TypeRule{Pattern: "Array(*", Kind: frames.KindArray},
	frames.TypeRule{Pattern: "Nested(*", Kind: frames.KindArray},
	frames.TypeRule{Pattern: "Tuple(*", Kind: frames.KindStruct},
	frames.TypeRule{Pattern: "Map(*", Kind: frames.KindMap},
	frames.TypeRule{Pattern: "JSON", Kind: frames.KindJSON},
	frames.TypeRule{Pattern: "Object(*", Kind: frames.KindJSON},
	frames.TypeRule{Pattern: "Nothing", Kind: frames.KindString},
)

// baseType strips Nullable(...) and LowCardinality(...) wrappers.
func baseType(t string) (base string, nullable bool) {
	for {
		switch {
		case strings.HasPrefix(t, "Nullable(") && strings.HasSuffix(t, ")"):
			t, nullable = t[len("Nullable("):len(t)-1], true
		case strings.HasPrefix(t, "LowCardinality(") && strings.HasSuffix(t, ")"):
			t = t[len("LowCardinality(") : len(t)-1]
		default:
			return t, nullable
		}
	}
}

// typeArgs returns the comma-separated arguments of T(a, b).
func typeArgs(t string) []string {
	i, j := strings.IndexByte(t, '('), strings.LastIndexByte(t, ')')
	if i < 0 || j < i {
		return nil
	}
	parts := strings.Split(t[i+1:j], ",")
	for k := range parts {
		parts[k] = strings.TrimSpace(parts[k])
	}
	return parts
}

func dateTime64Precision(t string, s *frames.ColumnSpec) {
	if a := typeArgs(t); len(a) > 0 {
		s.Precision, _ = strconv.Atoi(a[0])
	}
}

func decimalScale(t string, s *frames.ColumnSpec) {
	a := typeArgs(t)
	switch {
	case strings.HasPrefix(t, "Decimal(") && len(a) == 2:
		s.Precision, _ = strconv.Atoi(a[0])
		s.Scale, _ = strconv.Atoi(a[1])
	case len(a) == 1: // Decimal32(S), Decimal64(S), ...
		s.Scale, _ = strconv.Atoi(a[0])
	}
}

// target is a typed scan destination for one column and the function that
// appends the scanned value to the column's builder.
type target struct {
	dest any
	emit func() error
}

// prim scans T (or *T when nullable) and appends it.
func prim[T any](b *frames.Builder[T], nullable bool, conv func(T) T) target {
	if nullable {
		p := new(*T)
		return target{p, func() error {
			if *p == nil {
				b.AppendNull()
			} else if conv != nil {
				b.Append(conv(**p))
			} else {
				b.Append(**p)
			}
			return nil
		}}
	}
	p := new(T)
	if conv != nil {
		return target{p, func() error { b.Append(conv(*p)); return nil }}
	}
	return target{p, func() error { b.Append(*p); return nil }}
}

// text is prim for a string column: Strings.Append copies the string's
// bytes into the column's buffer.
func text(b *frames.Strings, nullable bool, conv func(string) string) target {
	if conv == nil {
		conv = func(s string) string { return s }
	}
	if nullable {
		p := new(*string)
		return target{p, func() error {
			if *p == nil {
				b.AppendNull()
			} else {
				b.Append(conv(**p))
			}
			return nil
		}}
	}
	p := new(string)
	return target{p, func() error { b.Append(conv(*p)); return nil }}
}

// timeTarget scans a time.Time (or *time.Time) and appends its Unix
// nanoseconds.
func timeTarget(b *frames.Times, nullable bool) target {
	if nullable {
		p := new(*time.Time)
		return target{p, func() error {
			if *p == nil {
				b.AppendNull()
			} else {
				b.Append(**p)
			}
			return nil
		}}
	}
	p := new(time.Time)
	return target{p, func() error { b.Append(*p); return nil }}
}

func trimNUL(s string) string { return strings.TrimRight(s, "\x00") }

// newTarget picks the scan destination for a column.
func newTarget(ct driver.ColumnType, col frames.Column) (target, error) {
	base, nullable := baseType(ct.DatabaseTypeName())
	nullable = nullable || ct.Nullable()
	spec := col.Spec()
	switch b := col.(type) {
	case *frames.Builder[int8]:
		return prim(b, nullable, nil), nil
	case *frames.Builder[int16]:
		return prim(b, nullable, nil), nil
	case *frames.Builder[int32]:
		return prim(b, nullable, nil), nil
	case *frames.Builder[int64]:
		return prim(b, nullable, nil), nil
	case *frames.Builder[uint8]:
		return prim(b, nullable, nil), nil
	case *frames.Builder[uint16]:
		return prim(b, nullable, nil), nil
	case *frames.Builder[uint32]:
		return prim(b, nullable, nil), nil
	case *frames.Builder[uint64]:
		return prim(b, nullable, nil), nil
	case *frames.Builder[float32]:
		return prim(b, nullable, nil), nil
	case *frames.Builder[bool]:
		return prim(b, nullable, nil), nil
	case *frames.Times:
		return timeTarget(b, nullable), nil
	case *frames.Builder[float64]:
		if spec.Kind == frames.KindNumeric {
			return decimalTarget(ct, nullable, func(d decimal.Decimal) { b.Append(d.InexactFloat64()) }, b.AppendNull)
		}
		return prim(b, nullable, nil), nil
	case *frames.Strings:
		switch spec.Kind {
		case frames.KindNumeric:
			if strings.HasPrefix(base, "Decimal") {
				scale := int32(spec.Scale)
				return decimalTarget(ct, nullable, func(d decimal.Decimal) { b.Append(d.StringFixed(scale)) }, b.AppendNull)
			}
			return reflectTarget(ct, func(v any) error { b.Append(fmt.Sprint(v)); return nil }, b.AppendNull), nil
		case frames.KindString, frames.KindEnum, frames.KindUUID, frames.KindInet:
			if strings.HasPrefix(base, "FixedString") {
				return text(b, nullable, trimNUL), nil
			}
			if base == "Nothing" {
				return reflectTarget(ct, func(v any) error { b.AppendNull(); return nil }, b.AppendNull), nil
			}
			return text(b, nullable, nil), nil
		default:
			return reflectTarget(ct, func(v any) error { b.Append(fmt.Sprint(v)); return nil }, b.AppendNull), nil
		}
	case *frames.JSONs:
		bytesInside := containsBytes(ct.ScanType())
		return reflectTarget(ct, func(v any) error {
			if bytesInside {
				v = bytesAsNumbers(reflect.ValueOf(v))
			}
			out, err := json.Marshal(v)
			if err != nil {
				return fmt.Errorf("column %q (%s): %w", spec.Name, spec.DBType, err)
			}
			b.Append(out)
			return nil
		}, b.AppendNull), nil
	}
	return target{}, fmt.Errorf("column %q: no scan target for %s", spec.Name, ct.DatabaseTypeName())
}

func decimalTarget(ct driver.ColumnType, nullable bool, emit func(decimal.Decimal), null func()) (target, error) {
	if nullable {
		p := new(*decimal.Decimal)
		return target{p, func() error {
			if *p == nil {
				null()
			} else {
				emit(**p)
			}
			return nil
		}}, nil
	}
	p := new(decimal.Decimal)
	return target{p, func() error { emit(*p); return nil }}, nil
}

// reflectTarget scans into the driver's own scan type (arrays, tuples,
// maps, big integers) and hands the value on; nil pointers are NULL.
func reflectTarget(ct driver.ColumnType, emit func(any) error, null func()) target {
	st := ct.ScanType()
	p := reflect.New(st)
	return target{p.Interface(), func() error {
		v := p.Elem()
		for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
			if v.IsNil() {
				null()
				return nil
			}
			v = v.Elem()
		}
		return emit(v.Interface())
	}}
}

func asException(err error, target **ch.Exception) bool { return errors.As(err, target) }

var byteType = reflect.TypeFor[uint8]()

// containsBytes reports whether t holds a []uint8 anywhere, which
// encoding/json would print as base64 instead of an array of numbers.
func containsBytes(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		if (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) && t.Elem() == byteType {
			return true
		}
		return containsBytes(t.Elem())
	case reflect.Map:
		return containsBytes(t.Key()) || containsBytes(t.Elem())
	case reflect.Interface:
		return true // []any may hold anything
	}
	return false
}

// bytesAsNumbers rewrites []uint8 (at any depth) as []uint16 so they print
// as JSON arrays of numbers.
func bytesAsNumbers(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Invalid:
		return nil
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return bytesAsNumbers(v.Elem())
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return []any{}
		}
		if v.Type().Elem() == byteType {
			out := make([]uint16, v.Len())
			for i := range out {
				out[i] = uint16(v.Index(i).Uint())
			}
			return out
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = bytesAsNumbers(v.Index(i))
		}
		return out
	case reflect.Map:
		out := make(map[string]any, v.Len())
		it := v.MapRange()
		for it.Next() {
			out[fmt.Sprint(it.Key().Interface())] = bytesAsNumbers(it.Value())
		}
		return out
	}
	return v.Interface()
}
