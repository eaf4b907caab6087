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
	// Variables are the template variables' current values by name
	// (without "$"); see variables.go for how they are written into SQL.
	Variables map[string]Variable
}

// Env is the fixed context of one expansion: dialect, time range, interval
// and time zone. One from NewEnv is immutable and safe to share; one from an
// Expander is valid until the Expander's next call.
type Env struct {
	d        dialect.Dialect
	from, to time.Time
	interval time.Duration
	loc      *time.Location
	tz       string // canonical zone name written into SQL
	tzLit    string // tz as the dialect's string literal
	browser  bool   // the request asked for the browser's zone (written as UTC)
	fill     string
	resolve  TypeResolver
	vars     map[string]Variable
	b        *bounds // the range bounds, formatted once (see init)
	// cache is the Expander's cache (nil for an Env from NewEnv): it
	// keeps recent $__timeFilter expansions.
	cache *envCache
}

// bounds are the range bounds as most macros write them, formatted once per
// Env (nearly every query filters on time). Index 0 is from, 1 is to.
// Every text is a substring of one string.
type bounds struct {
	quoted [2]string // '2024-01-01T00:00:00Z' (RFC 3339 in UTC)
	rfc    [2]string // the same without quotes, for step details
	typed  [2]string // BigQuery TIMESTAMP '…+00', ClickHouse toDateTime(epoch)
	wall   [2]string // BigQuery DATETIME '…' (the UTC wall time)
	// Unix time in seconds, milliseconds and nanoseconds ($__from,
	// $__unixEpochFilter, …).
	sec, milli, nano [2]string
}

// bounds returns the formatted range bounds.
func (e *Env) bounds() *bounds { return e.b }

// formatBounds fills *e.b with one allocation, writing only the forms the
// dialect uses (the others stay empty).
func (e *Env) formatBounds() {
	var rfc [2][40]byte
	from := e.from.AppendFormat(rfc[0][:0], time.RFC3339Nano)
	to := e.to.AppendFormat(rfc[1][:0], time.RFC3339Nano)
	n := len(from) + len(to) + 4 + 2*20 // quoted bounds, Unix times in nanoseconds
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
	var unix [2][3][2]int // where the Unix times of from and to are in w
	for i, t := range [2]time.Time{e.from, e.to} {
		unix[i] = writeUnix(&w, t)
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
	for i, at := range unix {
		e.b.sec[i] = s[at[0][0]:at[0][1]]
		e.b.milli[i] = s[at[1][0]:at[1][1]]
		e.b.nano[i] = s[at[2][0]:at[2][1]]
	}
}

// writeUnix writes t's Unix time in nanoseconds to w, and in seconds and
// milliseconds unless they are its leading digits (from 1970-01-01T00:00:01
// to 2262). It returns where each text (seconds, milliseconds, nanoseconds)
// starts and ends in w.
func writeUnix(w *strings.Builder, t time.Time) (at [3][2]int) {
	var tmp [24]byte
	start := w.Len()
	ns := t.UnixNano()
	w.Write(strconv.AppendInt(tmp[:0], ns, 10))
	end := w.Len()
	at[2] = [2]int{start, end}
	if sec := t.Unix(); sec >= 1 && ns/1e9 == sec { // no overflow
		at[0] = [2]int{start, end - 9}
		at[1] = [2]int{start, end - 6}
		return at
	}
	for i, v := range [2]int64{t.Unix(), t.UnixMilli()} {
		start := w.Len()
		w.Write(strconv.AppendInt(tmp[:0], v, 10))
		at[i] = [2]int{start, w.Len()}
	}
	return at
}

// NewEnv checks c and builds an Env.
func NewEnv(c Config) (*Env, error) {
	r := new(envRoom)
	if err := r.env.init(c, &r.b, nil); err != nil {
		return nil, err
	}
	return &r.env, nil
}

// envRoom is an Env and its bounds, for one allocation.
type envRoom struct {
	env Env
	b   bounds
}

// init checks c and sets every field of e from it, with e's bounds in *b.
// A non-nil cache lends zones and range bounds already loaded or formatted
// (b is then &cache.b), and keeps the ones init makes.
func (e *Env) init(c Config, b *bounds, cache *envCache) error {
	d, err := cache.dialect(c.Dialect, c.ServerVersion)
	if err != nil {
		return err
	}
	if c.From.IsZero() || c.To.IsZero() {
		return fmt.Errorf("time range: from and to are required")
	}
	if c.To.Before(c.From) {
		return fmt.Errorf("time range: to (%s) is before from (%s)", c.To.UTC().Format(time.RFC3339), c.From.UTC().Format(time.RFC3339))
	}
	z, err := cache.zone(c.Timezone, d)
	if err != nil {
		return err
	}
	iv := time.Duration(c.IntervalMs) * time.Millisecond
	if c.IntervalMs < 0 {
		return fmt.Errorf("intervalMs %d is negative", c.IntervalMs)
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
	*e = Env{
		d: d, from: c.From.UTC(), to: c.To.UTC(), interval: iv, loc: z.loc, tz: z.name, tzLit: z.lit,
		browser: dialect.EqualFoldLower(strings.TrimSpace(c.Timezone), "browser"),
		fill:    strings.TrimSpace(c.Fill), resolve: c.Resolve, vars: c.Variables, b: b, cache: cache,
	}
	cache.bounds(e)
	return nil
}

// envCache is what an Expander keeps between NewEnv calls: the zones it
// loaded, the last dialect, the last range bounds it formatted (the
// queries of one dashboard share their range) and the $__timeFilter
// expansions made with them. The methods work on a nil cache, which keeps
// nothing.
type envCache struct {
	zones [maxZones]zone
	next  int // the entry the next new zone replaces

	// boundsOf is what b was formatted for (b.quoted[0] is "" before the
	// first time).
	boundsOf struct {
		d        dialect.Dialect
		from, to time.Time
	}
	b bounds
	// boundsGen counts the times b was formatted: filters made with other
	// bounds are stale.
	boundsGen uint64

	dialectOf dialectKey // the last dialect made

	filters    [maxFilters]filterExp
	nextFilter int // the entry the next new filter replaces
}

// dialectKey is a dialect and what dialect.New was given for it.
type dialectKey struct {
	ok      bool
	name    dialect.Name
	version string
	d       dialect.Dialect
}

// maxFilters bounds envCache.filters: a dashboard's queries filter on a
// few time columns.
const maxFilters = 8

// filterExp is a $__timeFilter expansion kept for the queries after: its
// text depends only on the macro as written, the column, its kind, the
// range bounds (with the dialect) and, for dates, the time zone.
type filterExp struct {
	gen uint64 // boundsGen when made; 0 for an unused entry
	// key is the macro as written followed by the column (a copy, not a
	// piece of the query's SQL, which the cache must not keep alive).
	key    string
	rawLen int // the macro's length in key
	kind   dialect.TimeKind
	loc    *time.Location
	exp    Expansion
}

// filter returns the kept expansion of raw on column col of kind k in e,
// if there is one.
func (c *envCache) filter(e *Env, raw, col string, k dialect.TimeKind) (Expansion, bool) {
	if c == nil {
		return Expansion{}, false
	}
	for i := range c.filters {
		f := &c.filters[i]
		if f.gen == c.boundsGen && f.kind == k && f.loc == e.loc && f.rawLen == len(raw) &&
			len(f.key) == len(raw)+len(col) && f.key[len(raw):] == col && f.key[:len(raw)] == raw {
			return f.exp, true
		}
	}
	return Expansion{}, false
}

// keepFilter keeps exp, the expansion of raw on column col of kind k in
// e, for filter.
func (c *envCache) keepFilter(e *Env, raw, col string, k dialect.TimeKind, exp Expansion) {
	if c == nil {
		return
	}
	c.filters[c.nextFilter] = filterExp{gen: c.boundsGen, key: raw + col, rawLen: len(raw), kind: k, loc: e.loc, exp: exp}
	c.nextFilter = (c.nextFilter + 1) % maxFilters
}

// dialect returns dialect.New(name, version), from the cache when the last
// call asked for the same.
func (c *envCache) dialect(name dialect.Name, version string) (dialect.Dialect, error) {
	if c == nil {
		return dialect.New(name, version)
	}
	k := &c.dialectOf
	if k.ok && k.name == name && k.version == version {
		return k.d, nil
	}
	d, err := dialect.New(name, version)
	if err != nil {
		return d, err
	}
	*k = dialectKey{ok: true, name: name, version: version, d: d}
	return d, nil
}

// maxZones bounds envCache.zones: requests of one data source use few.
const maxZones = 8

// zone is a loaded request time zone.
type zone struct {
	tz    string         // the request's zone as given
	loc   *time.Location // nil for an unused cache entry
	name  string         // the canonical name written into SQL
	lit   string         // name as a string literal of litOf
	litOf dialect.Name
}

// zone loads the request time zone tz, from the cache when it has it, and
// quotes its name for d.
func (c *envCache) zone(tz string, d dialect.Dialect) (zone, error) {
	if c == nil {
		return loadZone(tz, d)
	}
	for i := range c.zones {
		z := &c.zones[i]
		if z.loc != nil && z.tz == tz {
			if z.litOf != d.Name() {
				z.lit, z.litOf = quoteZone(z.name, d), d.Name()
			}
			return *z, nil
		}
	}
	z, err := loadZone(tz, d)
	if err != nil {
		return zone{}, err
	}
	c.zones[c.next] = z
	c.next = (c.next + 1) % maxZones
	return z, nil
}

// loadZone resolves tz with LoadTimezone and quotes its name for d.
func loadZone(tz string, d dialect.Dialect) (zone, error) {
	loc, name, err := LoadTimezone(tz)
	if err != nil {
		return zone{}, err
	}
	return zone{tz: tz, loc: loc, name: name, lit: quoteZone(name, d), litOf: d.Name()}, nil
}

// quoteZone is the zone name as d's string literal.
func quoteZone(name string, d dialect.Dialect) string {
	if name == "UTC" {
		return "'UTC'"
	}
	return d.MustQuoteString(name)
}

// bounds formats e's bounds unless the cache holds them: e.b is &c.b, which
// keeps the bounds last formatted and boundsOf says for what.
func (c *envCache) bounds(e *Env) {
	if c == nil {
		e.formatBounds()
		return
	}
	k := &c.boundsOf
	if c.b.quoted[0] != "" && k.d == e.d && k.from.Equal(e.from) && k.to.Equal(e.to) {
		return
	}
	e.formatBounds()
	k.d, k.from, k.to = e.d, e.from, e.to
	c.boundsGen++
}

// utcNames are the lower-case request time zones that mean UTC.
var utcNames = [...]string{"", "browser", "utc", "etc/utc", "z", "gmt"}

// LoadTimezone resolves a request time zone: "", "browser", "utc" and "UTC"
// are UTC (the backend cannot know the browser's zone); anything else must
// be an IANA name. It returns the location and the name to write in SQL.
func LoadTimezone(tz string) (*time.Location, string, error) {
	t := strings.TrimSpace(tz)
	for _, utc := range utcNames {
		if dialect.EqualFoldLower(t, utc) {
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
