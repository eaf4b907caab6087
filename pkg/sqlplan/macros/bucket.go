package macros

import (
	"strconv"
	"strings"

	"github.com/bigtent/quarry/pkg/sqlplan/dialect"
)

// Bucketing rules (see REFERENCE.md):
//   - fixed intervals shorter than a day, and whole days when the request
//     zone is UTC, are aligned to the Unix epoch in UTC;
//   - whole days in another zone are local calendar days;
//   - weeks ("1w", "2w") are calendar weeks starting on Monday, in the
//     request zone; several weeks are aligned to Monday 1970-01-05;
//   - months and years are calendar months/years in the request zone;
//     several months are aligned to January 1900, several years to year 0.
//
// Every dialect gets the same buckets; only the SQL differs.

type bmode int

const (
	bFixed bmode = iota
	bDays
	bWeeks
	bMonths
)

func (x *callExpander) mode(iv Interval) (bmode, int) {
	switch {
	case iv.Months > 0:
		return bMonths, iv.Months
	case iv.Weeks > 0:
		return bWeeks, iv.Weeks
	case iv.Days() > 0 && !x.env.utc():
		return bDays, iv.Days()
	}
	return bFixed, 0
}

// paren wraps an expression in parentheses unless it is a plain (possibly
// qualified or quoted) name, so that operators next to it bind correctly.
func paren(c string) string {
	simple := c != ""
	for i := 0; i < len(c) && simple; i++ {
		ch := c[i]
		simple = ch == '_' || ch == '.' || ch == '"' || ch == '`' || ch == '$' ||
			ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch >= 0x80
	}
	if simple || isCall(c) {
		return c
	}
	return "(" + c + ")"
}

// isCall reports whether c is one function call, name(...), whose opening
// parenthesis is closed by c's last byte (quotes are not tracked: a call
// with a parenthesis inside a string argument is simply parenthesised).
func isCall(c string) bool {
	i := strings.IndexByte(c, '(')
	if i <= 0 || c[len(c)-1] != ')' || strings.ContainsAny(c, "'\"`") {
		return false
	}
	for j := 0; j < i; j++ {
		ch := c[j]
		if !(ch == '_' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9') {
			return false
		}
	}
	depth := 0
	for j := i; j < len(c); j++ {
		switch c[j] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 && j != len(c)-1 {
				return false
			}
		}
	}
	return depth == 0
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// sqlParts are the pieces of a bucket expression, in order. The bucket
// functions return them rather than their concatenation, so that the
// expansion joins them with the step detail in one allocation.
type sqlParts [11]string

// String joins p.
func (p *sqlParts) String() string { return join(p[:]...) }

// used is the number of parts up to the last non-empty one.
func (p *sqlParts) used() int {
	n := len(p)
	for n > 0 && p[n-1] == "" {
		n--
	}
	return n
}

// wrap returns p between open and close: the parts shifted when they leave
// room, else joined.
func (p sqlParts) wrap(open, close string) sqlParts {
	n := p.used()
	if n+2 > len(p) {
		return sqlParts{open, p.String(), close}
	}
	var w sqlParts
	w[0] = open
	copy(w[1:], p[:n])
	w[n+1] = close
	return w
}

// then returns p followed by s (p joined when it has no room left).
func (p sqlParts) then(s string) sqlParts {
	n := p.used()
	if n == len(p) {
		return sqlParts{p.String(), s}
	}
	p[n] = s
	return p
}

// asTime converts a column of kind k to a time value ($__time).
func (x *callExpander) asTime(c string, k dialect.TimeKind) string {
	if !k.IsEpoch() {
		return c
	}
	p := paren(c)
	switch x.d.Name() {
	case dialect.Postgres:
		switch k {
		case dialect.EpochSeconds:
			return "to_timestamp(" + c + ")"
		case dialect.EpochMillis:
			return "to_timestamp(" + p + " / 1000.0)"
		case dialect.EpochMicros:
			return "to_timestamp(" + p + " / 1000000.0)"
		default:
			return "to_timestamp(" + p + " / 1000000000.0)"
		}
	case dialect.DuckDB:
		return "make_timestamptz(" + x.duckMicros(c, k) + ")"
	case dialect.BigQuery:
		return x.bqInstant(c, k)
	default:
		return x.chDateTime(c, k, true)
	}
}

// epochSeconds writes the epoch seconds of a column of kind k ($__timeEpoch).
func (x *callExpander) epochSeconds(c string, k dialect.TimeKind) string {
	p := paren(c)
	tz := x.tzLit()
	switch x.d.Name() {
	case dialect.Postgres:
		switch k {
		case dialect.EpochSeconds:
			return c
		case dialect.EpochMillis:
			return p + " / 1000.0"
		case dialect.EpochMicros:
			return p + " / 1000000.0"
		case dialect.EpochNanos:
			return p + " / 1000000000.0"
		case dialect.Date:
			if x.env.utc() {
				return "extract(epoch from " + c + ")"
			}
			return "extract(epoch from " + p + "::timestamp AT TIME ZONE " + tz + ")"
		}
		return "extract(epoch from " + c + ")"
	case dialect.DuckDB:
		switch {
		case k == dialect.EpochSeconds:
			return c
		case k.IsEpoch():
			return p + " / " + itoa(k.EpochPerSecond())
		case k == dialect.Date:
			if x.env.utc() {
				return "epoch(CAST(" + c + " AS TIMESTAMP))"
			}
			return "epoch(CAST(" + c + " AS TIMESTAMP) AT TIME ZONE " + tz + ")"
		}
		return "epoch(" + c + ")"
	case dialect.BigQuery:
		switch {
		case k == dialect.EpochSeconds:
			return c
		case k.IsEpoch():
			return p + " / " + itoa(k.EpochPerSecond())
		}
		return "UNIX_SECONDS(" + x.bqInstant(c, k) + ")"
	default:
		switch {
		case k == dialect.EpochSeconds:
			return c
		case k.IsEpoch():
			return p + " / " + itoa(k.EpochPerSecond())
		case k == dialect.Instant64 && x.d.Has(dialect.UnixTimestamp64):
			return "toUnixTimestamp64Milli(" + c + ") / 1000"
		case k == dialect.Date:
			return "toUInt32(toDateTime(" + c + ", " + tz + "))"
		}
		return "toUInt32(" + c + ")"
	}
}

// bucketEpochSeconds writes the bucket start as epoch seconds: PostgreSQL's
// $__timeGroup (as Grafana's PostgreSQL plugin) and every dialect's
// $__unixEpochGroup.
func (x *callExpander) bucketEpochSeconds(c string, k dialect.TimeKind, iv Interval) (sqlParts, error) {
	m, _ := x.mode(iv)
	if m != bFixed {
		inst, err := x.bucketInstant(c, k, iv)
		if err != nil {
			return sqlParts{}, err
		}
		switch x.d.Name() {
		case dialect.Postgres:
			return inst.wrap("extract(epoch from ", ")"), nil
		case dialect.DuckDB:
			return inst.wrap("CAST(epoch(", ") AS BIGINT)"), nil
		case dialect.BigQuery:
			return inst.wrap("UNIX_SECONDS(", ")"), nil
		default:
			return inst.wrap("toUInt32(", ")"), nil
		}
	}
	ms := iv.Fixed.Milliseconds()
	sec := float64(ms) / 1000
	if x.d.Name() == dialect.Postgres {
		switch {
		case k.IsEpoch():
			units := float64(ms) * float64(k.EpochPerSecond()) / 1000
			return sqlParts{"floor((", c, ")/", num(units), ")*", num(sec)}, nil
		case k == dialect.Date && !x.env.utc():
			return sqlParts{"floor(extract(epoch from ", paren(c), "::timestamp AT TIME ZONE ", x.tzLit(), ")/", num(sec), ")*", num(sec)}, nil
		}
		return sqlParts{"floor(extract(epoch from ", c, ")/", num(sec), ")*", num(sec)}, nil
	}
	// Other dialects only bucket epoch-second columns here ($__unixEpochGroup).
	p := paren(c)
	if ms%1000 != 0 {
		switch x.d.Name() {
		case dialect.BigQuery:
			return sqlParts{"FLOOR(", p, " / ", num(sec), ") * ", num(sec)}, nil
		default:
			return sqlParts{"floor(", p, " / ", num(sec), ") * ", num(sec)}, nil
		}
	}
	s := itoa(ms / 1000)
	switch x.d.Name() {
	case dialect.BigQuery:
		return sqlParts{"DIV(", c, ", ", s, ") * ", s}, nil
	case dialect.ClickHouse:
		return sqlParts{"intDiv(", c, ", ", s, ") * ", s}, nil
	default:
		return sqlParts{"(", p, " // ", s, ") * ", s}, nil
	}
}

// bucketInstant writes the bucket start as a time value: $__timeGroup for
// BigQuery (TIMESTAMP), ClickHouse (DateTime) and DuckDB (TIMESTAMPTZ).
func (x *callExpander) bucketInstant(c string, k dialect.TimeKind, iv Interval) (sqlParts, error) {
	switch x.d.Name() {
	case dialect.Postgres, dialect.DuckDB:
		return x.pgBucket(c, k, iv)
	case dialect.BigQuery:
		return x.bqBucket(c, k, iv), nil
	default:
		return x.chBucket(c, k, iv)
	}
}

// --- PostgreSQL and DuckDB ---

// pgLocal is the column as a zoneless wall-clock timestamp in the request zone.
func (x *callExpander) pgLocal(c string, k dialect.TimeKind) string {
	tz := x.tzLit()
	p := paren(c)
	duck := x.d.Name() == dialect.DuckDB
	switch k {
	case dialect.Date:
		return "CAST(" + c + " AS TIMESTAMP)"
	case dialect.Wall:
		if x.env.utc() {
			return p
		}
		return "(" + p + " AT TIME ZONE 'UTC') AT TIME ZONE " + tz
	case dialect.Instant, dialect.Instant64:
		return p + " AT TIME ZONE " + tz
	case dialect.EpochSeconds, dialect.EpochMillis, dialect.EpochMicros, dialect.EpochNanos:
		if duck {
			return "make_timestamptz(" + x.duckMicros(c, k) + ") AT TIME ZONE " + tz
		}
		if k == dialect.EpochSeconds {
			return "to_timestamp(" + c + ") AT TIME ZONE " + tz
		}
		return "to_timestamp(" + p + " / " + itoa(k.EpochPerSecond()) + ".0) AT TIME ZONE " + tz
	}
	return "CAST(" + c + " AS TIMESTAMPTZ) AT TIME ZONE " + tz
}

// duckMicros is the column as epoch microseconds (DuckDB).
func (x *callExpander) duckMicros(c string, k dialect.TimeKind) string {
	p := paren(c)
	switch k {
	case dialect.EpochSeconds:
		return p + " * 1000000"
	case dialect.EpochMillis:
		return p + " * 1000"
	case dialect.EpochMicros:
		return c
	case dialect.EpochNanos:
		return p + " // 1000"
	case dialect.Date:
		if x.env.utc() {
			return "epoch_us(CAST(" + c + " AS TIMESTAMP))"
		}
		return "epoch_us(CAST(" + c + " AS TIMESTAMP) AT TIME ZONE " + x.tzLit() + ")"
	}
	return "epoch_us(" + c + ")"
}

func (x *callExpander) pgBucket(c string, k dialect.TimeKind, iv Interval) (sqlParts, error) {
	m, n := x.mode(iv)
	tz := x.tzLit()
	if m == bFixed {
		if x.d.Name() == dialect.DuckDB {
			N := itoa(iv.Fixed.Microseconds())
			return sqlParts{"make_timestamptz((", paren(x.duckMicros(c, k)), " // ", N, ") * ", N, ")"}, nil
		}
		s, err := x.bucketEpochSeconds(c, k, iv)
		if err != nil {
			return sqlParts{}, err
		}
		return s.wrap("to_timestamp(", ")"), nil
	}
	L := x.pgLocal(c, k)
	var B string
	switch m {
	case bDays:
		if n == 1 {
			B = "date_trunc('day', " + L + ")"
		} else {
			D := "CAST(" + L + " AS DATE)"
			B = D + " - CAST((" + D + " - DATE '1970-01-01') % " + strconv.Itoa(n) + " AS INTEGER)"
		}
	case bWeeks:
		W := "date_trunc('week', " + L + ")"
		if n == 1 {
			B = W
		} else {
			D := "CAST(" + W + " AS DATE)"
			B = D + " - CAST((" + D + " - DATE '1970-01-05') % " + strconv.Itoa(7*n) + " AS INTEGER)"
		}
	case bMonths:
		if n%12 == 0 {
			Y := "date_trunc('year', " + L + ")"
			if n == 12 {
				B = Y
			} else {
				B = Y + " - interval '1 year' * (CAST(extract(year from " + Y + ") AS INTEGER) % " + strconv.Itoa(n/12) + ")"
			}
		} else {
			M := "date_trunc('month', " + L + ")"
			if n == 1 {
				B = M
			} else {
				B = M + " - interval '1 month' * (((CAST(extract(year from " + M + ") AS INTEGER) - 1900) * 12 + CAST(extract(month from " + M + ") AS INTEGER) - 1) % " + strconv.Itoa(n) + ")"
			}
		}
	}
	return sqlParts{"CAST(", B, " AS TIMESTAMP) AT TIME ZONE ", tz}, nil
}

// --- BigQuery ---

// bqInstant is the column as a TIMESTAMP.
func (x *callExpander) bqInstant(c string, k dialect.TimeKind) string {
	switch k {
	case dialect.Wall:
		return "TIMESTAMP(" + c + ")"
	case dialect.Date:
		return "TIMESTAMP(" + c + ", " + x.tzLit() + ")"
	case dialect.EpochSeconds:
		return "TIMESTAMP_SECONDS(" + c + ")"
	case dialect.EpochMillis:
		return "TIMESTAMP_MILLIS(" + c + ")"
	case dialect.EpochMicros:
		return "TIMESTAMP_MICROS(" + c + ")"
	case dialect.EpochNanos:
		return "TIMESTAMP_MICROS(DIV(" + c + ", 1000))"
	}
	return c
}

func (x *callExpander) bqBucket(c string, k dialect.TimeKind, iv Interval) sqlParts {
	m, n := x.mode(iv)
	tz := x.tzLit()
	if m == bFixed {
		ms := iv.Fixed.Milliseconds()
		N := itoa(ms)
		switch {
		case k == dialect.EpochMillis:
			return sqlParts{"TIMESTAMP_MILLIS(DIV(", c, ", ", N, ") * ", N, ")"}
		case k == dialect.EpochSeconds && ms%1000 == 0:
			S := itoa(ms / 1000)
			return sqlParts{"TIMESTAMP_SECONDS(DIV(", c, ", ", S, ") * ", S, ")"}
		}
		return sqlParts{"TIMESTAMP_MILLIS(DIV(UNIX_MILLIS(", x.bqInstant(c, k), "), ", N, ") * ", N, ")"}
	}
	D := c
	if k != dialect.Date {
		D = "DATE(" + x.bqInstant(c, k) + ", " + tz + ")"
	}
	ns := strconv.Itoa(n)
	var B string
	switch m {
	case bDays:
		B = D
		if n > 1 {
			B = "DATE_SUB(" + D + ", INTERVAL MOD(UNIX_DATE(" + D + "), " + ns + ") DAY)"
		}
	case bWeeks:
		W := "DATE_TRUNC(" + D + ", ISOWEEK)"
		B = W
		if n > 1 {
			B = "DATE_SUB(" + W + ", INTERVAL MOD(UNIX_DATE(" + W + ") - 4, " + strconv.Itoa(7*n) + ") DAY)"
		}
	case bMonths:
		if n%12 == 0 {
			Y := "DATE_TRUNC(" + D + ", YEAR)"
			B = Y
			if n > 12 {
				B = "DATE_SUB(" + Y + ", INTERVAL MOD(EXTRACT(YEAR FROM " + Y + "), " + strconv.Itoa(n/12) + ") YEAR)"
			}
		} else {
			M := "DATE_TRUNC(" + D + ", MONTH)"
			B = M
			if n > 1 {
				B = "DATE_SUB(" + M + ", INTERVAL MOD((EXTRACT(YEAR FROM " + M + ") - 1900) * 12 + EXTRACT(MONTH FROM " + M + ") - 1, " + ns + ") MONTH)"
			}
		}
	}
	return sqlParts{"TIMESTAMP(", B, ", ", tz, ")"}
}

// --- ClickHouse ---

// chDateTime is the column as a DateTime (DateTime64(3) for sub-second
// epochs when sub is true and the server has it).
func (x *callExpander) chDateTime(c string, k dialect.TimeKind, sub bool) string {
	d := x.d
	switch k {
	case dialect.Date:
		return "toDateTime(" + c + ", " + x.tzLit() + ")"
	case dialect.EpochSeconds:
		return "toDateTime(" + c + ", 'UTC')"
	case dialect.EpochMillis, dialect.EpochMicros, dialect.EpochNanos:
		if sub && d.Has(dialect.UnixTimestamp64) {
			fn := "fromUnixTimestamp64Nano(toInt64("
			switch k {
			case dialect.EpochMillis:
				fn = "fromUnixTimestamp64Milli(toInt64("
			case dialect.EpochMicros:
				fn = "fromUnixTimestamp64Micro(toInt64("
			}
			return fn + c + "), 'UTC')"
		}
		return "toDateTime(intDiv(" + c + ", " + itoa(k.EpochPerSecond()) + "), 'UTC')"
	case dialect.Instant64:
		if !sub {
			return "toDateTime(" + c + ")"
		}
	}
	return c
}

func (x *callExpander) chBucket(c string, k dialect.TimeKind, iv Interval) (sqlParts, error) {
	d := x.d
	m, n := x.mode(iv)
	tz := x.tzLit()
	if m == bFixed {
		ms := iv.Fixed.Milliseconds()
		if ms%1000 != 0 && !d.Has(dialect.UnixTimestamp64) {
			// No DateTime64 before 20.5: whole seconds are the finest
			// buckets (an automatic $__interval of 300ms becomes 1s).
			ms = (ms + 999) / 1000 * 1000
		}
		if ms%1000 != 0 {
			var MS string
			switch k {
			case dialect.EpochSeconds:
				MS = "toInt64(" + c + ") * 1000"
			case dialect.EpochMillis:
				MS = "toInt64(" + c + ")"
			case dialect.EpochMicros:
				MS = "intDiv(toInt64(" + c + "), 1000)"
			case dialect.EpochNanos:
				MS = "intDiv(toInt64(" + c + "), 1000000)"
			case dialect.Instant64:
				MS = "toUnixTimestamp64Milli(" + c + ")"
			case dialect.Date:
				MS = "toInt64(toUInt32(toDateTime(" + c + ", " + tz + "))) * 1000"
			default:
				MS = "toUnixTimestamp64Milli(toDateTime64(" + c + ", 3))"
			}
			N := itoa(ms)
			return sqlParts{"fromUnixTimestamp64Milli(toInt64(intDiv(", MS, ", ", N, ") * ", N, "), 'UTC')"}, nil
		}
		S := ms / 1000
		Ss := itoa(S)
		if k.IsEpoch() {
			sec := c
			if k != dialect.EpochSeconds {
				sec = "intDiv(" + c + ", " + itoa(k.EpochPerSecond()) + ")"
			}
			return sqlParts{"toDateTime(intDiv(", sec, ", ", Ss, ") * ", Ss, ", 'UTC')"}, nil
		}
		X := x.chDateTime(c, k, d.Has(dialect.SubSecondIntervals))
		if d.Has(dialect.ToStartOfInterval) && 86400%S == 0 {
			unit, cnt := "second", S
			switch {
			case S%3600 == 0:
				unit, cnt = "hour", S/3600
			case S%60 == 0:
				unit, cnt = "minute", S/60
			}
			return sqlParts{"toStartOfInterval(", X, ", INTERVAL ", itoa(cnt), " ", unit, ", 'UTC')"}, nil
		}
		if k == dialect.Instant64 {
			X = "toDateTime(" + c + ")"
		}
		return sqlParts{"toDateTime(intDiv(toUInt32(", X, "), ", Ss, ") * ", Ss, ", 'UTC')"}, nil
	}
	X := x.chDateTime(c, k, false)
	ns := strconv.Itoa(n)
	if d.Has(dialect.ToStartOfInterval) {
		unit, cnt := "day", n
		switch m {
		case bWeeks:
			unit = "week"
		case bMonths:
			unit = "month"
			if n%12 == 0 {
				unit, cnt = "year", n/12
			}
		}
		return sqlParts{"toDateTime(toStartOfInterval(", X, ", INTERVAL ", strconv.Itoa(cnt), " ", unit, ", ", tz, "), ", tz, ")"}, nil
	}
	var B string
	switch m {
	case bDays:
		LD := "toDate(" + X + ", " + tz + ")"
		B = LD
		if n > 1 {
			B = LD + " - (toUInt32(" + LD + ") % " + ns + ")"
		}
	case bWeeks:
		W := "toMonday(" + X + ", " + tz + ")"
		B = W
		if n > 1 {
			B = W + " - ((toUInt32(" + W + ") - 4) % " + strconv.Itoa(7*n) + ")"
		}
	case bMonths:
		if n%12 == 0 {
			Y := "toStartOfYear(" + X + ", " + tz + ")"
			B = Y
			if n > 12 {
				B = "addYears(" + Y + ", -toInt32(toYear(" + Y + ") % " + strconv.Itoa(n/12) + "))"
			}
		} else {
			M := "toStartOfMonth(" + X + ", " + tz + ")"
			B = M
			if n > 1 {
				B = "addMonths(" + M + ", -toInt32(((toYear(" + M + ") - 1900) * 12 + toMonth(" + M + ") - 1) % " + ns + "))"
			}
		}
	}
	return sqlParts{"toDateTime(", B, ", ", tz, ")"}, nil
}
