package dialect

import (
	"strings"
	"unicode/utf8"

	"github.com/bigtent/quarry/pkg/catalog"
)

// TimeKind says how a column holds time, which decides the SQL a time macro
// writes for it.
type TimeKind int

// Time kinds.
const (
	// Unknown: the type is not known (or is not a time type). Macros then
	// write what the dialect's Grafana plugin writes.
	Unknown TimeKind = iota
	// Instant is an absolute point in time: PostgreSQL timestamptz,
	// BigQuery TIMESTAMP, ClickHouse DateTime, DuckDB TIMESTAMPTZ.
	Instant
	// Wall is a zoneless date-time read as UTC wall-clock time: PostgreSQL
	// timestamp, BigQuery DATETIME, DuckDB TIMESTAMP (and TIMESTAMP_S/MS/NS).
	Wall
	// Instant64 is ClickHouse DateTime64(p): an instant with sub-second
	// precision.
	Instant64
	// Date is a calendar day, read as a day of the request's time zone.
	Date
	// EpochSeconds .. EpochNanos are integers counting from 1970-01-01T00:00:00Z.
	EpochSeconds
	EpochMillis
	EpochMicros
	EpochNanos
)

var kindNames = [...]string{"unknown", "instant", "wall", "instant64", "date", "epoch_s", "epoch_ms", "epoch_us", "epoch_ns"}

// String names the kind (the names match catalog hints where one exists).
func (k TimeKind) String() string {
	if int(k) >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// IsEpoch reports whether the kind is an integer epoch.
func (k TimeKind) IsEpoch() bool { return k >= EpochSeconds && k <= EpochNanos }

// EpochPerSecond is the number of epoch units per second (0 when the kind is
// not an epoch kind).
func (k TimeKind) EpochPerSecond() int64 {
	switch k {
	case EpochSeconds:
		return 1
	case EpochMillis:
		return 1_000
	case EpochMicros:
		return 1_000_000
	case EpochNanos:
		return 1_000_000_000
	}
	return 0
}

// HintKind maps a catalog Column.Hint to a kind. "timestamp" and "datetime"
// mean a zoneless wall-clock time except in ClickHouse, whose DateTime is an
// instant. An empty or unknown hint gives false.
func (d Dialect) HintKind(hint string) (TimeKind, bool) {
	switch strings.ToLower(strings.TrimSpace(hint)) {
	case "epoch_s":
		return EpochSeconds, true
	case "epoch_ms":
		return EpochMillis, true
	case "epoch_us":
		return EpochMicros, true
	case "epoch_ns":
		return EpochNanos, true
	case "date":
		return Date, true
	case "timestamptz":
		return Instant, true
	case "datetime", "timestamp":
		if d.name == ClickHouse {
			return Instant, true
		}
		return Wall, true
	}
	return Unknown, false
}

// ColumnKind classifies a catalog column: its hint wins, then its type.
func (d Dialect) ColumnKind(c catalog.Column) (TimeKind, bool) {
	if k, ok := d.HintKind(c.Hint); ok {
		return k, true
	}
	return d.TypeKind(c.Type)
}

// TypeKind classifies an engine type string ("timestamp with time zone",
// "DateTime64(6, 'UTC')", "Nullable(Date)", "TIMESTAMP", "TIMESTAMP_MS", ...).
// Integer types are not time types on their own (a hint says which epoch
// unit they hold), so they give false like any non-time type.
func (d Dialect) TypeKind(typ string) (TimeKind, bool) {
	t := strings.TrimSpace(typ)
	if d.name == ClickHouse {
		return chTypeKind(t)
	}
	if t == "" || t[0] < utf8.RuneSelf && t[0]|0x20 != 't' && t[0]|0x20 != 'd' && t[0] != '(' {
		return Unknown, false // every name namedKind knows starts with t or d
	}
	var buf [maxTypeLen]byte
	lt, ok := normType(buf[:0], t)
	if !ok {
		return d.namedKind(slowNormType(t))
	}
	return d.namedKind(lt)
}

// namedKind maps a normalised PostgreSQL, DuckDB or BigQuery type name
// (lower case, no precision, single spaces) to its kind.
func (d Dialect) namedKind(lt []byte) (TimeKind, bool) {
	switch d.name {
	case BigQuery:
		switch string(lt) {
		case "timestamp":
			return Instant, true
		case "datetime":
			return Wall, true
		case "date":
			return Date, true
		}
	default: // Postgres, DuckDB
		switch string(lt) {
		case "timestamptz", "timestamp with time zone":
			return Instant, true
		case "timestamp", "timestamp without time zone", "datetime",
			"timestamp_s", "timestamp_ms", "timestamp_ns", "timestamp_us":
			return Wall, true
		case "date":
			return Date, true
		}
	}
	return Unknown, false
}

// maxTypeLen bounds the type names normType handles; longer ones take the
// general path.
const maxTypeLen = 64

// normType normalises an ASCII type name into dst without allocating: lower
// case, whitespace runs as one space, and a precision "(…)" dropped, as
// slowNormType does. ok is false when t is not ASCII or too long.
func normType(dst []byte, t string) ([]byte, bool) {
	if len(t) > maxTypeLen {
		return nil, false
	}
	start := len(dst)
	space, dropped := false, false
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case 'a' <= c && c <= 'z':
			// the common case: kept as it is
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		case c >= utf8.RuneSelf:
			return nil, false
		case c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r':
			space = true
			continue
		case c == '(' && !dropped:
			// The first "(…)" is dropped; the words around it join
			// unless whitespace separates them.
			if j := strings.IndexByte(t[i:], ')'); j >= 0 {
				if !isASCII(t[i : i+j]) {
					return nil, false
				}
				dropped = true
				i += j
				continue
			}
		}
		if space && len(dst) > start {
			dst = append(dst, ' ')
		}
		space = false
		dst = append(dst, c)
	}
	return dst, true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// slowNormType is normType for any text (non-ASCII or long type names).
func slowNormType(t string) []byte {
	lt := strings.ToLower(strings.Join(strings.Fields(t), " "))
	// Drop a precision: timestamp(3) with time zone, TIMESTAMP(6).
	if i := strings.IndexByte(lt, '('); i >= 0 {
		if j := strings.IndexByte(lt[i:], ')'); j >= 0 {
			lt = strings.TrimSpace(lt[:i] + lt[i+j+1:])
			lt = strings.Join(strings.Fields(lt), " ")
		}
	}
	return []byte(lt)
}

// chTypeKind classifies a ClickHouse type, looking through Nullable(...)
// and LowCardinality(...).
func chTypeKind(t string) (TimeKind, bool) {
	t = unwrapCH(t)
	switch {
	case EqualFoldLower(t, "date") || EqualFoldLower(t, "date32"):
		return Date, true
	case hasPrefixFoldASCII(t, "datetime64"):
		return Instant64, true
	case EqualFoldLower(t, "datetime") || hasPrefixFoldASCII(t, "datetime("):
		return Instant, true
	}
	return Unknown, false
}

// unwrapCH removes Nullable(...) and LowCardinality(...) wrappers.
func unwrapCH(t string) string {
	for {
		switch {
		case hasPrefixFoldASCII(t, "nullable(") && strings.HasSuffix(t, ")"):
			t = strings.TrimSpace(t[len("nullable(") : len(t)-1])
		case hasPrefixFoldASCII(t, "lowcardinality(") && strings.HasSuffix(t, ")"):
			t = strings.TrimSpace(t[len("lowcardinality(") : len(t)-1])
		default:
			return t
		}
	}
}

// hasPrefixFoldASCII reports whether s starts with the lower-case ASCII
// prefix, ignoring ASCII case (what strings.HasPrefix(strings.ToLower(s),
// prefix) says for the ClickHouse type names, without the copy).
func hasPrefixFoldASCII(s, prefix string) bool {
	return len(s) >= len(prefix) && EqualFoldLower(s[:len(prefix)], prefix)
}

// EqualFoldLower reports whether s equals the lower-case ASCII text lower,
// ignoring the ASCII case of s (strings.EqualFold without the Unicode work).
func EqualFoldLower(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}
