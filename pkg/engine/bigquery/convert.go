package bigquery

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	bqv2 "google.golang.org/api/bigquery/v2"

	"github.com/bigtent/quarry/pkg/frames"
)

// newTypeMap is the declarative BigQuery type -> frame kind registry. Both
// the legacy REST names (INTEGER, FLOAT, BOOLEAN, RECORD) and the standard
// SQL names are listed. A REPEATED field of any type is an array (JSON).
func newTypeMap() *frames.TypeMap {
	numeric := func(p, s int) func(string, *frames.ColumnSpec) {
		return func(_ string, c *frames.ColumnSpec) { c.Precision, c.Scale = p, s }
	}
	micros := func(_ string, c *frames.ColumnSpec) { c.Precision = 6 }
	return frames.NewTypeMap(
		frames.TypeRule{Pattern: "INTEGER", Kind: frames.KindInt64},
		frames.TypeRule{Pattern: "INT64", Kind: frames.KindInt64},
		frames.TypeRule{Pattern: "FLOAT", Kind: frames.KindFloat64},
		frames.TypeRule{Pattern: "FLOAT64", Kind: frames.KindFloat64},
		frames.TypeRule{Pattern: "NUMERIC", Kind: frames.KindNumeric, Params: numeric(38, 9)},
		frames.TypeRule{Pattern: "BIGNUMERIC", Kind: frames.KindNumeric, Params: numeric(76, 38)},
		frames.TypeRule{Pattern: "BOOLEAN", Kind: frames.KindBool},
		frames.TypeRule{Pattern: "BOOL", Kind: frames.KindBool},
		frames.TypeRule{Pattern: "STRING", Kind: frames.KindString},
		frames.TypeRule{Pattern: "BYTES", Kind: frames.KindBytes},
		frames.TypeRule{Pattern: "DATE", Kind: frames.KindTime},
		frames.TypeRule{Pattern: "DATETIME", Kind: frames.KindTime, Params: micros},
		frames.TypeRule{Pattern: "TIMESTAMP", Kind: frames.KindTime, Params: micros},
		// TIME is a time of day, not an instant: kept as its canonical text.
		frames.TypeRule{Pattern: "TIME", Kind: frames.KindString},
		frames.TypeRule{Pattern: "INTERVAL", Kind: frames.KindInterval},
		frames.TypeRule{Pattern: "JSON", Kind: frames.KindJSON},
		frames.TypeRule{Pattern: "RECORD", Kind: frames.KindStruct},
		frames.TypeRule{Pattern: "STRUCT", Kind: frames.KindStruct},
		frames.TypeRule{Pattern: "GEOGRAPHY", Kind: frames.KindGeography},
		frames.TypeRule{Pattern: "RANGE", Kind: frames.KindString},
	)
}

// columnSpecs maps a result schema to frame column specs.
func columnSpecs(types *frames.TypeMap, schema *bqv2.TableSchema) []frames.ColumnSpec {
	specs := make([]frames.ColumnSpec, len(schema.Fields))
	for i, f := range schema.Fields {
		spec, _ := types.Spec(f.Name, f.Type)
		spec.DBType = typeName(f)
		if f.Mode == "REPEATED" {
			spec.Kind = frames.KindArray
		}
		specs[i] = spec
	}
	return specs
}

// typeName spells a field's type in standard SQL (ARRAY<INT64>,
// STRUCT<a STRING, b INT64>).
func typeName(f *bqv2.TableFieldSchema) string {
	t := strings.ToUpper(f.Type)
	switch t {
	case "INTEGER":
		t = "INT64"
	case "FLOAT":
		t = "FLOAT64"
	case "BOOLEAN":
		t = "BOOL"
	case "RECORD", "STRUCT":
		parts := make([]string, len(f.Fields))
		for i, sub := range f.Fields {
			parts[i] = sub.Name + " " + typeName(sub)
		}
		t = "STRUCT<" + strings.Join(parts, ", ") + ">"
	}
	if f.Mode == "REPEATED" {
		return "ARRAY<" + t + ">"
	}
	return t
}

// cellWriter appends one raw cell value (JSON bytes) to its column.
type cellWriter func(raw []byte) error

// newWriters returns one writer per column of t, asserting each builder's
// concrete type once.
func newWriters(t *frames.Table, schema *bqv2.TableSchema) ([]cellWriter, error) {
	ws := make([]cellWriter, len(schema.Fields))
	for i, f := range schema.Fields {
		w, err := newWriter(t.Column(i), f, t.NumericAsFloat())
		if err != nil {
			return nil, err
		}
		ws[i] = w
	}
	return ws, nil
}

func builderMismatch(col frames.Column, f *bqv2.TableFieldSchema) error {
	return fmt.Errorf("bigquery: column %q (%s): unexpected builder %T", f.Name, typeName(f), col)
}

func newWriter(col frames.Column, f *bqv2.TableFieldSchema, numericAsFloat bool) (cellWriter, error) {
	kind := col.Spec().Kind
	if kind == frames.KindArray || kind == frames.KindStruct {
		b, ok := col.(*frames.JSONs)
		if !ok {
			return nil, builderMismatch(col, f)
		}
		var scratch []byte
		return func(raw []byte) error {
			if isNull(raw) {
				if f.Mode == "REPEATED" {
					// BigQuery returns an empty array for a NULL array.
					b.AppendBytes([]byte("[]"))
					return nil
				}
				b.AppendNull()
				return nil
			}
			var err error
			scratch, err = appendJSON(scratch[:0], f, raw, false)
			if err != nil {
				return fmt.Errorf("column %q: %w", f.Name, err)
			}
			b.AppendBytes(scratch)
			return nil
		}, nil
	}
	switch kind {
	case frames.KindInt64:
		b, ok := col.(*frames.Builder[int64])
		if !ok {
			return nil, builderMismatch(col, f)
		}
		return func(raw []byte) error {
			s, null, err := stringValue(raw)
			if err != nil || null {
				b.AppendNull()
				return err
			}
			v, err := strconv.ParseInt(string(s), 10, 64)
			if err != nil {
				return fmt.Errorf("column %q: %w", f.Name, err)
			}
			b.Append(v)
			return nil
		}, nil
	case frames.KindFloat64:
		b, ok := col.(*frames.Builder[float64])
		if !ok {
			return nil, builderMismatch(col, f)
		}
		return floatWriter(b, f), nil
	case frames.KindNumeric:
		if numericAsFloat {
			b, ok := col.(*frames.Builder[float64])
			if !ok {
				return nil, builderMismatch(col, f)
			}
			return floatWriter(b, f), nil
		}
		return stringWriter(col, f)
	case frames.KindBool:
		b, ok := col.(*frames.Builder[bool])
		if !ok {
			return nil, builderMismatch(col, f)
		}
		return func(raw []byte) error {
			s, null, err := stringValue(raw)
			if err != nil || null {
				b.AppendNull()
				return err
			}
			switch string(s) {
			case "true":
				b.Append(true)
			case "false":
				b.Append(false)
			default:
				b.AppendNull()
				return fmt.Errorf("column %q: %q is not a boolean", f.Name, s)
			}
			return nil
		}, nil
	case frames.KindTime:
		b, ok := col.(*frames.Times)
		if !ok {
			return nil, builderMismatch(col, f)
		}
		parse := parseTimestamp
		switch strings.ToUpper(f.Type) {
		case "DATE":
			parse = parseDate
		case "DATETIME":
			parse = parseDateTime
		}
		return func(raw []byte) error {
			s, null, err := stringValue(raw)
			if err != nil || null {
				b.AppendNull()
				return err
			}
			v, err := parse(s)
			if err != nil {
				b.AppendNull()
				return fmt.Errorf("column %q: %w", f.Name, err)
			}
			b.Append(v)
			return nil
		}, nil
	case frames.KindJSON:
		b, ok := col.(*frames.JSONs)
		if !ok {
			return nil, builderMismatch(col, f)
		}
		var scratch []byte
		return func(raw []byte) error {
			s, null, err := stringValue(raw)
			if err != nil || null {
				b.AppendNull()
				return err
			}
			if json.Valid(s) {
				b.AppendBytes(s)
				return nil
			}
			// Not JSON text (should not happen): keep it as a JSON string.
			scratch = strconv.AppendQuote(scratch[:0], string(s))
			b.AppendBytes(scratch)
			return nil
		}, nil
	case frames.KindBytes:
		b, ok := col.(*frames.Strings)
		if !ok {
			return nil, builderMismatch(col, f)
		}
		var dec, out []byte
		return func(raw []byte) error {
			s, null, err := stringValue(raw)
			if err != nil || null {
				b.AppendNull()
				return err
			}
			dec = dec[:0]
			dec, err = base64.StdEncoding.AppendDecode(dec, s)
			if err != nil {
				b.AppendNull()
				return fmt.Errorf("column %q: bad base64: %w", f.Name, err)
			}
			out = append(out[:0], '\\', 'x')
			out = hex.AppendEncode(out, dec)
			b.AppendBytes(out)
			return nil
		}, nil
	default:
		return stringWriter(col, f)
	}
}

func floatWriter(b *frames.Builder[float64], f *bqv2.TableFieldSchema) cellWriter {
	return func(raw []byte) error {
		s, null, err := stringValue(raw)
		if err != nil || null {
			b.AppendNull()
			return err
		}
		v, err := strconv.ParseFloat(string(s), 64)
		if err != nil {
			b.AppendNull()
			return fmt.Errorf("column %q: %w", f.Name, err)
		}
		b.Append(v)
		return nil
	}
}

func stringWriter(col frames.Column, f *bqv2.TableFieldSchema) (cellWriter, error) {
	b, ok := col.(*frames.Strings)
	if !ok {
		return nil, builderMismatch(col, f)
	}
	return func(raw []byte) error {
		s, null, err := stringValue(raw)
		if err != nil || null {
			b.AppendNull()
			return err
		}
		b.AppendBytes(s)
		return nil
	}, nil
}

func isNull(raw []byte) bool { return len(raw) == 4 && string(raw) == "null" }

// parseTimestamp reads a TIMESTAMP cell: integer microseconds since the
// epoch (formatOptions.useInt64Timestamp) or, in nested values and older
// servers, floating-point seconds ("1.7040672E9").
func parseTimestamp(s []byte) (time.Time, error) {
	if len(s) >= 19 && s[4] == '-' && s[7] == '-' {
		// Text form (the emulator's nested values): RFC 3339 or BigQuery's
		// canonical "2024-01-01 00:00:00[.ffffff]+00" / " UTC".
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07", "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999 MST"} {
			if t, err := time.Parse(layout, string(s)); err == nil {
				return t.UTC(), nil
			}
		}
		return time.Time{}, fmt.Errorf("bad TIMESTAMP %q", s)
	}
	isFloat := false
	for _, c := range s {
		if c == '.' || c == 'e' || c == 'E' {
			isFloat = true
			break
		}
	}
	if !isFloat {
		us, err := strconv.ParseInt(string(s), 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("bad TIMESTAMP %q", s)
		}
		return time.UnixMicro(us).UTC(), nil
	}
	// Split at the decimal point to keep microsecond precision.
	str := string(s)
	if !strings.ContainsAny(str, "eE") {
		whole, frac, _ := strings.Cut(str, ".")
		sec, err := strconv.ParseInt(whole, 10, 64)
		if err == nil {
			frac = (frac + "000000000")[:9]
			ns, err2 := strconv.ParseInt(frac, 10, 64)
			if err2 == nil {
				if strings.HasPrefix(whole, "-") {
					ns = -ns
				}
				return time.Unix(sec, ns).UTC(), nil
			}
		}
	}
	f, err := strconv.ParseFloat(str, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return time.Time{}, fmt.Errorf("bad TIMESTAMP %q", s)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e6))*1000).UTC(), nil
}

// parseDate reads YYYY-MM-DD as midnight UTC.
func parseDate(s []byte) (time.Time, error) {
	if len(s) == 10 && s[4] == '-' && s[7] == '-' {
		y, ok1 := atoi(s[0:4])
		m, ok2 := atoi(s[5:7])
		d, ok3 := atoi(s[8:10])
		if ok1 && ok2 && ok3 {
			return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), nil
		}
	}
	t, err := time.Parse(time.DateOnly, string(s))
	if err != nil {
		return time.Time{}, fmt.Errorf("bad DATE %q", s)
	}
	return t, nil
}

// parseDateTime reads a civil DATETIME ("2024-01-01T12:00:00[.ffffff]", or
// with a space) as UTC wall-clock time.
func parseDateTime(s []byte) (time.Time, error) {
	if len(s) >= 19 && s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == ' ') && s[13] == ':' && s[16] == ':' {
		y, ok1 := atoi(s[0:4])
		mo, ok2 := atoi(s[5:7])
		d, ok3 := atoi(s[8:10])
		h, ok4 := atoi(s[11:13])
		mi, ok5 := atoi(s[14:16])
		sec, ok6 := atoi(s[17:19])
		ns := 0
		ok7 := true
		if len(s) > 19 {
			if s[19] != '.' || len(s) == 20 || len(s) > 29 {
				ok7 = false
			} else {
				frac := s[20:]
				v, ok := atoi(frac)
				ok7 = ok
				for i := len(frac); i < 9; i++ {
					v *= 10
				}
				ns = v
			}
		}
		if ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7 {
			return time.Date(y, time.Month(mo), d, h, mi, sec, ns, time.UTC), nil
		}
	}
	return time.Time{}, fmt.Errorf("bad DATETIME %q", s)
}

func atoi(b []byte) (int, bool) {
	if len(b) == 0 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// appendJSON converts a BigQuery REST value (with its f/v nesting) of field
// f into plain JSON: arrays as arrays, records as objects keyed by field
// name, numbers as numbers (NUMERIC stays an exact string), TIMESTAMP as
// RFC 3339. elem is true for an element of a repeated field.
func appendJSON(dst []byte, f *bqv2.TableFieldSchema, raw []byte, elem bool) ([]byte, error) {
	if isNull(raw) {
		return append(dst, "null"...), nil
	}
	if f.Mode == "REPEATED" && !elem {
		s := &rowScanner{buf: raw}
		if err := s.expect('['); err != nil {
			return dst, err
		}
		dst = append(dst, '[')
		for i := 0; ; i++ {
			if s.peek() == ']' {
				break
			}
			if i > 0 {
				if err := s.expect(','); err != nil {
					return dst, err
				}
				dst = append(dst, ',')
			}
			v, err := s.cellValue()
			if err != nil {
				return dst, err
			}
			if dst, err = appendJSON(dst, f, v, true); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	}
	switch strings.ToUpper(f.Type) {
	case "RECORD", "STRUCT":
		s := &rowScanner{buf: raw}
		if err := s.beginFields(); err != nil {
			return dst, err
		}
		dst = append(dst, '{')
		for i, sub := range f.Fields {
			v, err := s.cell(i == 0)
			if err != nil {
				return dst, err
			}
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = strconv.AppendQuote(dst, sub.Name)
			dst = append(dst, ':')
			if dst, err = appendJSON(dst, sub, v, false); err != nil {
				return dst, err
			}
		}
		if err := s.endRow(); err != nil {
			return dst, err
		}
		return append(dst, '}'), nil
	case "INTEGER", "INT64", "FLOAT", "FLOAT64":
		s, _, err := stringValue(raw)
		if err != nil {
			return dst, err
		}
		if _, perr := strconv.ParseFloat(string(s), 64); perr == nil && !strings.ContainsAny(string(s), "nN") {
			return append(dst, s...), nil
		}
		return append(dst, raw...), nil // NaN, Infinity: keep the string
	case "BOOLEAN", "BOOL":
		s, _, err := stringValue(raw)
		if err != nil {
			return dst, err
		}
		return append(dst, s...), nil
	case "TIMESTAMP":
		s, _, err := stringValue(raw)
		if err != nil {
			return dst, err
		}
		t, err := parseTimestamp(s)
		if err != nil {
			return dst, err
		}
		dst = append(dst, '"')
		dst = t.AppendFormat(dst, time.RFC3339Nano)
		return append(dst, '"'), nil
	case "JSON":
		s, _, err := stringValue(raw)
		if err != nil {
			return dst, err
		}
		if json.Valid(s) {
			return append(dst, s...), nil
		}
		return append(dst, raw...), nil
	default:
		// Already a valid JSON string (STRING, NUMERIC, DATE, BYTES as base64, ...).
		if raw[0] != '"' {
			return dst, fmt.Errorf("want a JSON string for %s, found %.40q", f.Type, raw)
		}
		return append(dst, raw...), nil
	}
}
