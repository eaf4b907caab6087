package dialect

import (
	"strconv"
	"time"
)

// InstantLiteral writes t as a typed absolute-time literal:
// PostgreSQL '…Z'::timestamptz, BigQuery TIMESTAMP '… +00', ClickHouse
// toDateTime(epoch) (toDateTime64('…', 3, 'UTC') when t has milliseconds and
// the server has DateTime64), DuckDB TIMESTAMPTZ '…+00'.
func (d Dialect) InstantLiteral(t time.Time) string {
	var buf [64]byte
	return string(d.AppendInstantLiteral(buf[:0], t))
}

// AppendInstantLiteral appends InstantLiteral(t) to dst.
func (d Dialect) AppendInstantLiteral(dst []byte, t time.Time) []byte {
	t = t.UTC()
	switch d.name {
	case Postgres:
		dst = append(dst, '\'')
		dst = t.AppendFormat(dst, time.RFC3339Nano)
		return append(dst, "'::timestamptz"...)
	case BigQuery:
		dst = append(dst, "TIMESTAMP '"...)
		dst = appendWallText(dst, t)
		return append(dst, "+00'"...)
	case ClickHouse:
		if t.Nanosecond() != 0 && d.Has(DateTime64) {
			return appendCHInstant64(dst, t)
		}
		dst = append(dst, "toDateTime("...)
		dst = strconv.AppendInt(dst, t.Unix(), 10)
		return append(dst, ')')
	default:
		dst = append(dst, "TIMESTAMPTZ '"...)
		dst = appendWallText(dst, t)
		return append(dst, "+00'"...)
	}
}

// Instant64Literal writes t as a ClickHouse DateTime64(3) in UTC; other
// dialects get InstantLiteral.
func (d Dialect) Instant64Literal(t time.Time) string {
	var buf [64]byte
	return string(d.AppendInstant64Literal(buf[:0], t))
}

// AppendInstant64Literal appends Instant64Literal(t) to dst.
func (d Dialect) AppendInstant64Literal(dst []byte, t time.Time) []byte {
	if d.name != ClickHouse {
		return d.AppendInstantLiteral(dst, t)
	}
	return appendCHInstant64(dst, t)
}

// appendCHInstant64 appends t as toDateTime64('…', 3, 'UTC').
func appendCHInstant64(dst []byte, t time.Time) []byte {
	dst = append(dst, "toDateTime64('"...)
	dst = t.UTC().AppendFormat(dst, "2006-01-02 15:04:05.000")
	return append(dst, "', 3, 'UTC')"...)
}

// WallLiteral writes the wall-clock time of t (in t's location) as a
// zoneless literal: PostgreSQL/DuckDB TIMESTAMP '…', BigQuery DATETIME '…',
// ClickHouse toDateTime('…', 'UTC') (ClickHouse has no zoneless type; the
// wall time is read as UTC).
func (d Dialect) WallLiteral(t time.Time) string {
	var buf [64]byte
	return string(d.AppendWallLiteral(buf[:0], t))
}

// AppendWallLiteral appends WallLiteral(t) to dst.
func (d Dialect) AppendWallLiteral(dst []byte, t time.Time) []byte {
	switch d.name {
	case BigQuery:
		dst = append(dst, "DATETIME '"...)
		dst = appendWallText(dst, t)
		return append(dst, '\'')
	case ClickHouse:
		dst = append(dst, "toDateTime('"...)
		dst = t.AppendFormat(dst, "2006-01-02 15:04:05")
		return append(dst, "', 'UTC')"...)
	default:
		dst = append(dst, "TIMESTAMP '"...)
		dst = appendWallText(dst, t)
		return append(dst, '\'')
	}
}

// DateLiteral writes the calendar day of t (in t's location): DATE
// 'YYYY-MM-DD', or toDate('YYYY-MM-DD') for ClickHouse.
func (d Dialect) DateLiteral(t time.Time) string {
	var buf [32]byte
	return string(d.AppendDateLiteral(buf[:0], t))
}

// AppendDateLiteral appends DateLiteral(t) to dst.
func (d Dialect) AppendDateLiteral(dst []byte, t time.Time) []byte {
	if d.name == ClickHouse {
		dst = append(dst, "toDate('"...)
		dst = t.AppendFormat(dst, "2006-01-02")
		return append(dst, "')"...)
	}
	dst = append(dst, "DATE '"...)
	dst = t.AppendFormat(dst, "2006-01-02")
	return append(dst, '\'')
}

// appendWallText appends "YYYY-MM-DD HH:MM:SS[.ffffff]" with trailing zeros
// trimmed (t.Format("2006-01-02 15:04:05.999999"), written directly for
// years 0-9999).
func appendWallText(dst []byte, t time.Time) []byte {
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		if t.Nanosecond() == 0 {
			return t.AppendFormat(dst, "2006-01-02 15:04:05")
		}
		return t.AppendFormat(dst, "2006-01-02 15:04:05.999999")
	}
	hour, minute, sec := t.Clock()
	dst = appendDigits(dst, year, 4)
	dst = append(dst, '-')
	dst = appendDigits(dst, int(month), 2)
	dst = append(dst, '-')
	dst = appendDigits(dst, day, 2)
	dst = append(dst, ' ')
	dst = appendDigits(dst, hour, 2)
	dst = append(dst, ':')
	dst = appendDigits(dst, minute, 2)
	dst = append(dst, ':')
	dst = appendDigits(dst, sec, 2)
	if us := t.Nanosecond() / 1000; us != 0 {
		dst = append(dst, '.')
		dst = appendDigits(dst, us, 6)
		for dst[len(dst)-1] == '0' {
			dst = dst[:len(dst)-1]
		}
	}
	return dst
}

// appendDigits appends the non-negative n zero-padded to width digits.
func appendDigits(dst []byte, n, width int) []byte {
	var buf [8]byte
	i := len(buf)
	for ; n > 0 || i > len(buf)-width; n /= 10 {
		i--
		buf[i] = byte('0' + n%10)
	}
	return append(dst, buf[i:]...)
}
