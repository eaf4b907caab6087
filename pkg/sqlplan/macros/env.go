package macros

import (
	"fmt"
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
	fill     string
	resolve  TypeResolver
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
	return &Env{
		d: d, from: c.From.UTC(), to: c.To.UTC(), interval: iv, loc: loc, tz: name,
		fill: strings.TrimSpace(c.Fill), resolve: c.Resolve,
	}, nil
}

// LoadTimezone resolves a request time zone: "", "browser", "utc" and "UTC"
// are UTC (the backend cannot know the browser's zone); anything else must
// be an IANA name. It returns the location and the name to write in SQL.
func LoadTimezone(tz string) (*time.Location, string, error) {
	t := strings.TrimSpace(tz)
	switch strings.ToLower(t) {
	case "", "browser", "utc", "etc/utc", "z", "gmt":
		return time.UTC, "UTC", nil
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
