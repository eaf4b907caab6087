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
	t = t.UTC()
	switch d.name {
	case Postgres:
		return "'" + t.Format(time.RFC3339Nano) + "'::timestamptz"
	case BigQuery:
		return "TIMESTAMP '" + wallText(t) + "+00'"
	case ClickHouse:
		if t.Nanosecond() != 0 && d.Has(DateTime64) {
			return d.Instant64Literal(t)
		}
		return "toDateTime(" + strconv.FormatInt(t.Unix(), 10) + ")"
	default:
		return "TIMESTAMPTZ '" + wallText(t) + "+00'"
	}
}

// Instant64Literal writes t as a ClickHouse DateTime64(3) in UTC; other
// dialects get InstantLiteral.
func (d Dialect) Instant64Literal(t time.Time) string {
	if d.name != ClickHouse {
		return d.InstantLiteral(t)
	}
	return "toDateTime64('" + t.UTC().Format("2006-01-02 15:04:05.000") + "', 3, 'UTC')"
}

// WallLiteral writes the wall-clock time of t (in t's location) as a
// zoneless literal: PostgreSQL/DuckDB TIMESTAMP '…', BigQuery DATETIME '…',
// ClickHouse toDateTime('…', 'UTC') (ClickHouse has no zoneless type; the
// wall time is read as UTC).
func (d Dialect) WallLiteral(t time.Time) string {
	switch d.name {
	case BigQuery:
		return "DATETIME '" + wallText(t) + "'"
	case ClickHouse:
		return "toDateTime('" + t.Format("2006-01-02 15:04:05") + "', 'UTC')"
	default:
		return "TIMESTAMP '" + wallText(t) + "'"
	}
}

// DateLiteral writes the calendar day of t (in t's location): DATE
// 'YYYY-MM-DD', or toDate('YYYY-MM-DD') for ClickHouse.
func (d Dialect) DateLiteral(t time.Time) string {
	if d.name == ClickHouse {
		return "toDate('" + t.Format("2006-01-02") + "')"
	}
	return "DATE '" + t.Format("2006-01-02") + "'"
}

// wallText is "YYYY-MM-DD HH:MM:SS[.ffffff]" with trailing zeros trimmed.
func wallText(t time.Time) string {
	if t.Nanosecond() == 0 {
		return t.Format("2006-01-02 15:04:05")
	}
	return t.Format("2006-01-02 15:04:05.999999")
}
