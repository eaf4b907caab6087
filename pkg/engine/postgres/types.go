package postgres

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/bigtent/quarry/pkg/frames"
)

// TypeMap is PostgreSQL's type-name → frame kind registry. Names are the
// pg_type names (arrays start with `_`); enums, domains and extension types
// are resolved through pg_type first.
var TypeMap = frames.NewTypeMap(
	frames.TypeRule{Pattern: "bool", Kind: frames.KindBool},
	frames.TypeRule{Pattern: "int2", Kind: frames.KindInt16},
	frames.TypeRule{Pattern: "int4", Kind: frames.KindInt32},
	frames.TypeRule{Pattern: "int8", Kind: frames.KindInt64},
	frames.TypeRule{Pattern: "oid", Kind: frames.KindUint32},
	frames.TypeRule{Pattern: "xid", Kind: frames.KindUint32},
	frames.TypeRule{Pattern: "cid", Kind: frames.KindUint32},
	frames.TypeRule{Pattern: "float4", Kind: frames.KindFloat32},
	frames.TypeRule{Pattern: "float8", Kind: frames.KindFloat64},
	frames.TypeRule{Pattern: "numeric", Kind: frames.KindNumeric},
	frames.TypeRule{Pattern: "text", Kind: frames.KindString},
	frames.TypeRule{Pattern: "varchar", Kind: frames.KindString},
	frames.TypeRule{Pattern: "bpchar", Kind: frames.KindString},
	frames.TypeRule{Pattern: "name", Kind: frames.KindString},
	frames.TypeRule{Pattern: "char", Kind: frames.KindString},
	frames.TypeRule{Pattern: "bytea", Kind: frames.KindBytes},
	frames.TypeRule{Pattern: "date", Kind: frames.KindTime},
	frames.TypeRule{Pattern: "timestamp", Kind: frames.KindTime, Params: micros},
	frames.TypeRule{Pattern: "timestamptz", Kind: frames.KindTime, Params: micros},
	frames.TypeRule{Pattern: "time", Kind: frames.KindString},
	frames.TypeRule{Pattern: "timetz", Kind: frames.KindString},
	frames.TypeRule{Pattern: "interval", Kind: frames.KindInterval},
	frames.TypeRule{Pattern: "uuid", Kind: frames.KindUUID},
	frames.TypeRule{Pattern: "json", Kind: frames.KindJSON},
	frames.TypeRule{Pattern: "jsonb", Kind: frames.KindJSON},
	frames.TypeRule{Pattern: "inet", Kind: frames.KindInet},
	frames.TypeRule{Pattern: "cidr", Kind: frames.KindInet},
	frames.TypeRule{Pattern: "record", Kind: frames.KindStruct},
	frames.TypeRule{Pattern: "geometry", Kind: frames.KindGeography},
	frames.TypeRule{Pattern: "geography", Kind: frames.KindGeography},
	frames.TypeRule{Pattern: "_*", Kind: frames.KindArray},
)

func micros(_ string, s *frames.ColumnSpec) { s.Precision = 6 }

// pgEpoch is PostgreSQL's binary time origin.
var pgEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Unix()

// decoder appends one wire value (nil = NULL) to its column.
type decoder func(src []byte) error

// columnType is a result column's resolved type.
type columnType struct {
	name    string // pg_type name (domains resolved to their base)
	enum    bool
	oid     uint32
	format  int16
	typeMap *pgtype.Map
}

// newDecoder returns the decoder for a column; col is the table's builder.
func newDecoder(ct columnType, col frames.Column) (decoder, error) {
	binaryFmt := ct.format == pgtype.BinaryFormatCode
	spec := col.Spec()
	switch b := col.(type) {
	case *frames.Builder[bool]:
		return func(src []byte) error {
			if src == nil {
				b.AppendNull()
				return nil
			}
			if binaryFmt {
				if len(src) != 1 {
					return badLen(spec, len(src))
				}
				b.Append(src[0] != 0)
				return nil
			}
			b.Append(len(src) > 0 && (src[0] == 't' || src[0] == 'T'))
			return nil
		}, nil
	case *frames.Builder[int16]:
		return intDecoder(b, spec, binaryFmt, 2, func(p []byte) int16 { return int16(binary.BigEndian.Uint16(p)) }), nil
	case *frames.Builder[int32]:
		return intDecoder(b, spec, binaryFmt, 4, func(p []byte) int32 { return int32(binary.BigEndian.Uint32(p)) }), nil
	case *frames.Builder[int64]:
		return intDecoder(b, spec, binaryFmt, 8, func(p []byte) int64 { return int64(binary.BigEndian.Uint64(p)) }), nil
	case *frames.Builder[uint32]:
		return intDecoder(b, spec, binaryFmt, 4, binary.BigEndian.Uint32), nil
	case *frames.Builder[float32]:
		return floatDecoder(b, spec, binaryFmt, 4, func(p []byte) float32 { return math.Float32frombits(binary.BigEndian.Uint32(p)) }), nil
	case *frames.Builder[float64]:
		if spec.Kind == frames.KindNumeric {
			var scratch []byte
			return func(src []byte) error {
				if src == nil {
					b.AppendNull()
					return nil
				}
				txt := src
				if binaryFmt {
					var err error
					if scratch, err = appendNumeric(scratch[:0], src); err != nil {
						return fmt.Errorf("column %q: %w", spec.Name, err)
					}
					txt = scratch
				}
				f, err := strconv.ParseFloat(string(txt), 64)
				if err != nil {
					b.AppendNull() // NaN/Infinity text variants
					return nil
				}
				b.Append(f)
				return nil
			}, nil
		}
		return floatDecoder(b, spec, binaryFmt, 8, func(p []byte) float64 { return math.Float64frombits(binary.BigEndian.Uint64(p)) }), nil
	case *frames.Times:
		return timeDecoder(b, ct, binaryFmt), nil
	case *frames.Strings:
		return stringDecoder(b, ct, binaryFmt), nil
	case *frames.JSONs:
		return jsonDecoder(b, ct, binaryFmt), nil
	}
	return nil, fmt.Errorf("column %q: no decoder for %s (%s)", spec.Name, ct.name, spec.Kind)
}

func badLen(spec frames.ColumnSpec, n int) error {
	return fmt.Errorf("column %q (%s): unexpected %d-byte binary value", spec.Name, spec.DBType, n)
}

type integer interface {
	~int16 | ~int32 | ~int64 | ~uint32
}

func intDecoder[T integer](b *frames.Builder[T], spec frames.ColumnSpec, binaryFmt bool, size int, get func([]byte) T) decoder {
	if binaryFmt {
		return func(src []byte) error {
			if src == nil {
				b.AppendNull()
				return nil
			}
			if len(src) != size {
				return badLen(spec, len(src))
			}
			b.Append(get(src))
			return nil
		}
	}
	return func(src []byte) error {
		if src == nil {
			b.AppendNull()
			return nil
		}
		v, err := strconv.ParseInt(string(src), 10, 64)
		if err != nil {
			return fmt.Errorf("column %q: %w", spec.Name, err)
		}
		b.Append(T(v))
		return nil
	}
}

func floatDecoder[T float32 | float64](b *frames.Builder[T], spec frames.ColumnSpec, binaryFmt bool, size int, get func([]byte) T) decoder {
	return func(src []byte) error {
		if src == nil {
			b.AppendNull()
			return nil
		}
		if binaryFmt {
			if len(src) != size {
				return badLen(spec, len(src))
			}
			b.Append(get(src))
			return nil
		}
		v, err := strconv.ParseFloat(string(src), 64)
		if err != nil {
			return fmt.Errorf("column %q: %w", spec.Name, err)
		}
		b.Append(T(v))
		return nil
	}
}

func timeDecoder(b *frames.Times, ct columnType, binaryFmt bool) decoder {
	date := ct.name == "date"
	return func(src []byte) error {
		if src == nil {
			b.AppendNull()
			return nil
		}
		if !binaryFmt {
			t, ok := parseTimeText(string(src))
			if !ok {
				b.AppendNull()
				return nil
			}
			b.Append(t)
			return nil
		}
		if date {
			if len(src) != 4 {
				return badLen(b.Spec(), len(src))
			}
			d := int32(binary.BigEndian.Uint32(src))
			if d == math.MaxInt32 || d == math.MinInt32 { // ±infinity
				b.AppendNull()
				return nil
			}
			b.AppendNanos((pgEpoch + int64(d)*86400) * 1e9)
			return nil
		}
		if len(src) != 8 {
			return badLen(b.Spec(), len(src))
		}
		us := int64(binary.BigEndian.Uint64(src))
		if us == math.MaxInt64 || us == math.MinInt64 {
			b.AppendNull()
			return nil
		}
		// Unix nanoseconds, as time.Unix(…).UnixNano() gives them (both
		// wrap the same way outside 1677-2262).
		b.AppendNanos((us + pgEpoch*1e6) * 1000)
		return nil
	}
}

var textTimeLayouts = []string{
	"2006-01-02 15:04:05.999999999Z07:00:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z07",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

func parseTimeText(s string) (time.Time, bool) {
	for _, l := range textTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func stringDecoder(b *frames.Strings, ct columnType, binaryFmt bool) decoder {
	spec := b.Spec()
	var scratch []byte
	emit := func(p []byte) error { b.AppendBytes(p); return nil }
	switch {
	case !binaryFmt && spec.Kind == frames.KindGeography:
		// Extension types arrive as text: hex (E)WKB.
		return func(src []byte) error {
			if src == nil {
				b.AppendNull()
				return nil
			}
			raw, err := hex.DecodeString(string(src))
			if err != nil {
				return emit(src)
			}
			wkt, err := frames.WKBToWKT(raw)
			if err != nil {
				return emit(src)
			}
			b.Append(wkt)
			return nil
		}
	case !binaryFmt:
		return func(src []byte) error {
			if src == nil {
				b.AppendNull()
				return nil
			}
			return emit(src)
		}
	}
	var conv func(src []byte) ([]byte, error)
	switch ct.name {
	case "numeric":
		conv = func(src []byte) ([]byte, error) { return appendNumeric(scratch[:0], src) }
	case "bytea":
		conv = func(src []byte) ([]byte, error) {
			scratch = append(scratch[:0], '\\', 'x')
			return hex.AppendEncode(scratch, src), nil
		}
	case "uuid":
		conv = func(src []byte) ([]byte, error) {
			if len(src) != 16 {
				return nil, badLen(spec, len(src))
			}
			return append(scratch[:0], frames.UUIDString([16]byte(src))...), nil
		}
	case "interval":
		conv = func(src []byte) ([]byte, error) {
			if len(src) != 16 {
				return nil, badLen(spec, len(src))
			}
			us := int64(binary.BigEndian.Uint64(src))
			days := int32(binary.BigEndian.Uint32(src[8:]))
			months := int32(binary.BigEndian.Uint32(src[12:]))
			return append(scratch[:0], frames.IntervalString(months, days, us)...), nil
		}
	case "time", "timetz":
		conv = func(src []byte) ([]byte, error) {
			if len(src) < 8 {
				return nil, badLen(spec, len(src))
			}
			s := clock(int64(binary.BigEndian.Uint64(src)))
			if len(src) == 12 {
				off := -int32(binary.BigEndian.Uint32(src[8:]))
				s += zoneSuffix(off)
			}
			return append(scratch[:0], s...), nil
		}
	case "inet", "cidr":
		conv = func(src []byte) ([]byte, error) {
			if len(src) < 4 || len(src) != 4+int(src[3]) {
				return nil, badLen(spec, len(src))
			}
			addr, ok := netip.AddrFromSlice(src[4:])
			if !ok {
				return nil, badLen(spec, len(src))
			}
			p := netip.PrefixFrom(addr, int(src[1]))
			if ct.name == "cidr" {
				return append(scratch[:0], p.String()...), nil
			}
			return append(scratch[:0], frames.InetString(p)...), nil
		}
	case "char", "text", "varchar", "bpchar", "name":
		conv = nil
	}
	if conv == nil && ct.typeMap != nil && !isTextType(ct.name) {
		// Any other binary type pgx knows: let pgx decode it, then print it.
		conv = func(src []byte) ([]byte, error) {
			var v any
			if err := ct.typeMap.Scan(ct.oid, ct.format, src, &v); err != nil {
				return nil, fmt.Errorf("column %q (%s): %w", spec.Name, ct.name, err)
			}
			return fmt.Appendf(scratch[:0], "%v", v), nil
		}
	}
	if conv == nil {
		return func(src []byte) error {
			if src == nil {
				b.AppendNull()
				return nil
			}
			return emit(src)
		}
	}
	return func(src []byte) error {
		if src == nil {
			b.AppendNull()
			return nil
		}
		out, err := conv(src)
		if err != nil {
			return err
		}
		scratch = out[:0]
		return emit(out)
	}
}

func clock(us int64) string {
	d := time.Duration(us) * time.Microsecond
	s := fmt.Sprintf("%02d:%02d:%02d", int64(d/time.Hour), int64(d%time.Hour/time.Minute), int64(d%time.Minute/time.Second))
	if f := us % 1e6; f != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%06d", f), "0")
	}
	return s
}

func zoneSuffix(off int32) string {
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	s := fmt.Sprintf("%c%02d", sign, off/3600)
	if m := off % 3600 / 60; m != 0 {
		s += fmt.Sprintf(":%02d", m)
	}
	return s
}

func jsonDecoder(b *frames.JSONs, ct columnType, binaryFmt bool) decoder {
	spec := b.Spec()
	switch {
	case ct.name == "json" || (ct.name == "jsonb" && !binaryFmt):
		return func(src []byte) error {
			if src == nil {
				b.AppendNull()
				return nil
			}
			b.AppendBytes(src)
			return nil
		}
	case ct.name == "jsonb":
		return func(src []byte) error {
			if src == nil {
				b.AppendNull()
				return nil
			}
			if len(src) == 0 || src[0] != 1 {
				return fmt.Errorf("column %q: unknown jsonb version", spec.Name)
			}
			b.AppendBytes(src[1:])
			return nil
		}
	}
	// Arrays, records: decoded by pgx, rendered as JSON.
	return func(src []byte) error {
		if src == nil {
			b.AppendNull()
			return nil
		}
		if ct.typeMap == nil || ct.format != pgtype.BinaryFormatCode {
			out, _ := json.Marshal(string(src))
			b.Append(out)
			return nil
		}
		var v any
		if err := ct.typeMap.Scan(ct.oid, ct.format, src, &v); err != nil {
			return fmt.Errorf("column %q (%s): %w", spec.Name, ct.name, err)
		}
		out, err := json.Marshal(jsonable(v))
		if err != nil {
			return fmt.Errorf("column %q (%s): %w", spec.Name, ct.name, err)
		}
		b.Append(out)
		return nil
	}
}

// jsonable turns pgx-decoded values into JSON-friendly ones: exact NUMERIC
// text, UUID strings, RFC 3339 times.
func jsonable(v any) any {
	switch x := v.(type) {
	case []any:
		for i := range x {
			x[i] = jsonable(x[i])
		}
		return x
	case map[string]any:
		for k := range x {
			x[k] = jsonable(x[k])
		}
		return x
	case pgtype.Numeric:
		if !x.Valid {
			return nil
		}
		if x.NaN {
			return "NaN"
		}
		if x.InfinityModifier != pgtype.Finite {
			return x.InfinityModifier.String()
		}
		return json.Number(frames.FormatDecimal(x.Int, -int(x.Exp)))
	case [16]byte:
		return frames.UUIDString(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case netip.Prefix:
		return frames.InetString(x)
	case pgtype.Interval:
		return frames.IntervalString(x.Months, x.Days, x.Microseconds)
	case []byte:
		return frames.BytesString(x)
	}
	return v
}

// appendNumeric renders a binary NUMERIC exactly (to its display scale).
func appendNumeric(dst, src []byte) ([]byte, error) {
	if len(src) < 8 {
		return dst, fmt.Errorf("numeric: short value (%d bytes)", len(src))
	}
	ndigits := int(binary.BigEndian.Uint16(src))
	weight := int(int16(binary.BigEndian.Uint16(src[2:])))
	sign := binary.BigEndian.Uint16(src[4:])
	dscale := int(binary.BigEndian.Uint16(src[6:]))
	if len(src) != 8+2*ndigits {
		return dst, fmt.Errorf("numeric: %d digits in %d bytes", ndigits, len(src))
	}
	switch sign {
	case 0xC000:
		return append(dst, "NaN"...), nil
	case 0xD000:
		return append(dst, "Infinity"...), nil
	case 0xF000:
		return append(dst, "-Infinity"...), nil
	}
	digit := func(i int) int {
		if i < 0 || i >= ndigits {
			return 0
		}
		return int(binary.BigEndian.Uint16(src[8+2*i:]))
	}
	if sign == 0x4000 {
		dst = append(dst, '-')
	}
	if weight < 0 {
		dst = append(dst, '0')
	} else {
		for i := 0; i <= weight; i++ {
			d := digit(i)
			if i == 0 {
				dst = strconv.AppendInt(dst, int64(d), 10)
			} else {
				dst = append(dst, byte('0'+d/1000), byte('0'+d/100%10), byte('0'+d/10%10), byte('0'+d%10))
			}
		}
	}
	if dscale > 0 {
		dst = append(dst, '.')
		start := len(dst)
		for i := weight + 1; len(dst)-start < dscale; i++ {
			d := digit(i)
			dst = append(dst, byte('0'+d/1000), byte('0'+d/100%10), byte('0'+d/10%10), byte('0'+d%10))
		}
		dst = dst[:start+dscale]
	}
	if sign == 0x4000 && strings.Trim(string(dst[1:]), "0.") == "" {
		dst = append(dst[:0], dst[1:]...) // -0 → 0
	}
	return dst, nil
}

func isTextType(name string) bool {
	switch name {
	case "char", "text", "varchar", "bpchar", "name", "xml", "unknown":
		return true
	}
	return false
}
