package macros

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // IANA zones for request time zones on hosts without tzdata

	"github.com/bigtent/quarry/pkg/sqlplan/dialect"
)

// TypeResolver reports the time kind of a macro's column argument: expr is
// the argument's text (nested macros already expanded) and at its byte
// offset in the original SQL. The plan assembly implements it from the AST
// scope and the catalog; ok is false when the type is not known.
type TypeResolver func(expr string, at int) (kind dialect.TimeKind, ok bool)

// Config is what NewEnv needs; the plan assembly fills it from
// sqlplan.Request.
type Config struct {
	Dialect       dialect.Name
	ServerVersion string
	From, To      time.Time
	// IntervalMs is $__interval in milliseconds. When it is 0 the interval
	// is (To-From)/MaxDataPoints (1000 points when MaxDataPoints is 0).
	IntervalMs    int64
	MaxDataPoints int64
	// Timezone is an IANA name, "UTC", or ""/"browser" (UTC).
	Timezone string
	// Fill, when set, overrides the fill argument of $__timeGroup ("0",
	// "NULL", "previous").
	Fill string
	// Resolve is optional; without it every column is of unknown type.
	Resolve TypeResolver
}

// Env is the fixed context of one expansion: dialect, time range, interval
// and time zone. It is immutable and safe to share.
type Env struct {
	d        dialect.Dialect
	from, to time.Time
	interval time.Duration
	loc      *time.Location
	tz       string // canonical zone name written into SQL
	tzLit    string // tz as the dialect's string literal
	fill     string
	resolve  TypeResolver
	b        bounds // the range bounds, formatted once
}

// bounds are the range bounds as most macros write them, formatted once per
// Env (nearly every query filters on time). Index 0 is from, 1 is to.
// Every text is a substring of one string.
type bounds struct {
	quoted [2]string // '2024-01-01T00:00:00Z' (RFC 3339 in UTC)
	rfc    [2]string // the same without quotes, for step details
	typed  [2]string // BigQuery TIMESTAMP '…+00', ClickHouse toDateTime(epoch)
	wall   [2]string // BigQuery DATETIME '…' (the UTC wall time)
}

// bounds returns the formatted range bounds.
func (e *Env) bounds() *bounds { return &e.b }

// formatBounds fills e.b with one allocation, writing only the forms the
// dialect uses (the others stay empty).
func (e *Env) formatBounds() {
	var rfc [2][40]byte
	from := e.from.AppendFormat(rfc[0][:0], time.RFC3339Nano)
	to := e.to.AppendFormat(rfc[1][:0], time.RFC3339Nano)
	n := len(from) + len(to) + 4 // quoted bounds
	switch e.d.Name() {
	case dialect.BigQuery:
		n += 2*(len(from)+len(to)) + 64 // TIMESTAMP and DATETIME literals
	case dialect.ClickHouse:
		n += 48 // toDateTime(epoch)
	}
	var w strings.Builder
	w.Grow(n)
	var ends [6]int // where each piece ends in w: quoted, typed, wall
	for i, r := range [2][]byte{from, to} {
		w.WriteByte('\'')
		w.Write(r)
		w.WriteByte('\'')
		ends[i] = w.Len()
	}
	var tmp [64]byte
	for i, t := range [2]time.Time{e.from, e.to} {
		switch e.d.Name() {
		case dialect.BigQuery:
			w.Write(e.d.AppendInstantLiteral(tmp[:0], t))
		case dialect.ClickHouse:
			w.WriteString("toDateTime(")
			w.Write(strconv.AppendInt(tmp[:0], t.Unix(), 10))
			w.WriteByte(')')
		}
		ends[2+i] = w.Len()
	}
	for i, t := range [2]time.Time{e.from, e.to} {
		if e.d.Name() == dialect.BigQuery {
			w.Write(e.d.AppendWallLiteral(tmp[:0], t))
		}
		ends[4+i] = w.Len()
	}

	s := w.String()
	piece := func(i int) string {
		if i == 0 {
			return s[:ends[0]]
		}
		return s[ends[i-1]:ends[i]]
	}
	e.b.quoted = [2]string{piece(0), piece(1)}
	for i, q := range e.b.quoted {
		e.b.rfc[i] = q[1 : len(q)-1]
	}
	e.b.typed = [2]string{piece(2), piece(3)}
	e.b.wall = [2]string{piece(4), piece(5)}
}

// NewEnv checks c and builds an Env.
func NewEnv(c Config) (*Env, error) {
	d, err := dialect.New(c.Dialect, c.ServerVersion)
	if err != nil {
		return nil, err
	}
	if c.From.IsZero() || c.To.IsZero() {
		return nil, fmt.Errorf("time range: from and to are required")
	}
	if c.To.Before(c.From) {
		return nil, fmt.Errorf("time range: to (%s) is before from (%s)", c.To.UTC().Format(time.RFC3339), c.From.UTC().Format(time.RFC3339))
	}
	loc, name, err := LoadTimezone(c.Timezone)
	if err != nil {
		return nil, err
	}
	iv := time.Duration(c.IntervalMs) * time.Millisecond
	if c.IntervalMs < 0 {
		return nil, fmt.Errorf("intervalMs %d is negative", c.IntervalMs)
	}
	if iv == 0 {
		points := c.MaxDataPoints
		if points <= 0 {
			points = 1000
		}
		iv = c.To.Sub(c.From) / time.Duration(points)
		iv = iv.Truncate(time.Millisecond)
		if iv < time.Millisecond {
			iv = time.Millisecond
		}
	}
	tzLit := "'UTC'"
	if name != "UTC" {
		tzLit = d.MustQuoteString(name)
	}
	e := &Env{
		d: d, from: c.From.UTC(), to: c.To.UTC(), interval: iv, loc: loc, tz: name, tzLit: tzLit,
		fill: strings.TrimSpace(c.Fill), resolve: c.Resolve,
	}
	e.formatBounds()
	return e, nil
}

// utcNames are the lower-case request time zones that mean UTC.
var utcNames = [...]string{"", "browser", "utc", "etc/utc", "z", "gmt"}

// equalFoldASCII reports whether s equals the lower-case ASCII text lower,
// ignoring ASCII case: what s lowered equals for these zone names, without
// the copy.
func equalFoldASCII(s, lower string) bool {
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

// LoadTimezone resolves a request time zone: "", "browser", "utc" and "UTC"
// are UTC (the backend cannot know the browser's zone); anything else must
// be an IANA name. It returns the location and the name to write in SQL.
func LoadTimezone(tz string) (*time.Location, string, error) {
	t := strings.TrimSpace(tz)
	for _, utc := range utcNames {
		if equalFoldASCII(t, utc) {
			return time.UTC, "UTC", nil
		}
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '/' || c == '_' || c == '-' || c == '+') {
			return nil, "", fmt.Errorf("timezone %q is not an IANA time zone name (e.g. Europe/Berlin, UTC)", tz)
		}
	}
	loc, err := time.LoadLocation(t)
	if err != nil {
		return nil, "", fmt.Errorf("timezone %q is not an IANA time zone name (e.g. Europe/Berlin, UTC): %w", tz, err)
	}
	return loc, loc.String(), nil
}

// Dialect returns the env's dialect.
func (e *Env) Dialect() dialect.Dialect { return e.d }

// Interval returns $__interval.
func (e *Env) Interval() time.Duration { return e.interval }

// Location returns the request time zone.
func (e *Env) Location() *time.Location { return e.loc }

// Range returns the time range in UTC.
func (e *Env) Range() (from, to time.Time) { return e.from, e.to }

func (e *Env) utc() bool { return e.tz == "UTC" }

func (e *Env) kindOf(a Arg) dialect.TimeKind {
	if e.resolve == nil {
		return dialect.Unknown
	}
	k, ok := e.resolve(a.Text, a.Start)
	if !ok {
		return dialect.Unknown
	}
	return k
}
