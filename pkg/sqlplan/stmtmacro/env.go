package stmtmacro

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/bigtent/quarry/pkg/sqlplan/dialect"
)

// env is the fixed context of one expansion, computed as the Altinity
// plugin computes it.
type env struct {
	a        Altinity
	dtType   string
	factor   int
	interval int64 // $interval, whole seconds, at least 1
	ivMs     int64 // $__interval_ms as Altinity's macros see it
	round    int64 // seconds, 0 = none
	from, to time.Time
	// fromS and toS are the rounded range bounds in epoch seconds ($from, $to).
	fromS, toS int64
	window     bool // window functions instead of runningDifference
	lttb       bool // the server has the lttb aggregate function
	hasValue   func(string) bool
}

// Server versions (ClickHouse releases) that change the SQL.
var (
	windowVersion = []int{21, 9}  // window functions generally available (ClickHouse PR #27184, docs #33788)
	lttbVersion   = []int{23, 10} // largestTriangleThreeBuckets (lttb)
)

// dateTimeTypes are the values of dateTimeType the plugin knows.
var dateTimeTypes = map[string]bool{
	"DATETIME": true, "DATETIME64": true, "TIMESTAMP": true, "FLOAT": true,
	"TIMESTAMP64_3": true, "TIMESTAMP64_6": true, "TIMESTAMP64_9": true,
}

func newEnv(o Options) (*env, error) {
	e := &env{a: o.Altinity, from: o.From, to: o.To, hasValue: o.HasValue}
	e.dtType = strings.ToUpper(strings.TrimSpace(o.Altinity.DateTimeType))
	if e.dtType == "" {
		e.dtType = "DATETIME"
	}
	if !dateTimeTypes[e.dtType] {
		return nil, fmt.Errorf("dateTimeType %q is not one of DATETIME, DATETIME64, TIMESTAMP, TIMESTAMP64_3, TIMESTAMP64_6, TIMESTAMP64_9, FLOAT", o.Altinity.DateTimeType)
	}
	e.factor = o.Altinity.IntervalFactor
	if e.factor < 0 {
		return nil, fmt.Errorf("intervalFactor is %d: it must be 1 or more", e.factor)
	}
	if e.factor == 0 {
		e.factor = 1
	}
	// The interval: the query's own, else the panel's, else the range over
	// maxDataPoints (100 points when unknown); whole seconds, at least 1.
	ms := o.IntervalMs
	if s := strings.TrimSpace(o.Altinity.Interval); s != "" {
		d, err := parseInterval(s)
		if err != nil {
			return nil, fmt.Errorf("interval %q: %w", s, err)
		}
		ms = d.Milliseconds()
	}
	if ms <= 0 {
		n := o.MaxDataPoints
		if n <= 0 {
			n = 100
		}
		ms = o.To.Sub(o.From).Milliseconds() / n
	}
	ms = max(ms, 1)
	e.ivMs = ms * int64(e.factor)
	e.interval = max(int64(math.Ceil(float64(ms)/1000)), 1) * int64(e.factor)

	switch r := strings.TrimSpace(o.Altinity.Round); r {
	case "", "0", "0s":
	case "$step":
		e.round = e.interval
	default:
		d, err := time.ParseDuration(r)
		if err != nil || d < 0 {
			return nil, fmt.Errorf("round %q is not a duration such as 15s, 1m or $step", r)
		}
		e.round = int64(math.Ceil(d.Seconds() * float64(e.factor)))
	}
	e.fromS, e.toS = e.roundDown(o.From).Unix(), e.roundDown(o.To).Unix()

	v, err := dialect.ParseVersion(o.ServerVersion)
	if err != nil {
		return nil, err
	}
	modern := v.IsZero() || v.AtLeast(windowVersion...)
	e.window = modern && (o.Altinity.UseWindowFuncForMacros == nil || *o.Altinity.UseWindowFuncForMacros)
	e.lttb = v.IsZero() || v.AtLeast(lttbVersion...)
	return e, nil
}

func (e *env) roundDown(t time.Time) time.Time {
	if e.round <= 0 {
		return t
	}
	return time.Unix(t.Unix()/e.round*e.round, 0).UTC()
}

// extended returns the range for $timeFilterByColumn: rounded, then widened
// by 2*round-1 seconds on each side so rounding loses no edge point.
func (e *env) extended() (time.Time, time.Time) {
	from, to := e.roundDown(e.from), e.roundDown(e.to)
	if e.round > 0 {
		w := time.Duration(e.round*2-1) * time.Second
		from, to = from.Add(-w), to.Add(w)
	}
	return from, to
}

var intervalRe = regexp.MustCompile(`^(\d+(?:\.\d+)?)(ms|s|m|h|d|w|M|y)$`)

// parseInterval reads Grafana's interval form: a number and one unit.
func parseInterval(s string) (time.Duration, error) {
	m := intervalRe.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("not an interval such as 30s, 1m or 1h")
	}
	n, _ := strconv.ParseFloat(m[1], 64)
	unit := map[string]time.Duration{
		"ms": time.Millisecond, "s": time.Second, "m": time.Minute, "h": time.Hour,
		"d": 24 * time.Hour, "w": 7 * 24 * time.Hour, "M": 30 * 24 * time.Hour, "y": 365 * 24 * time.Hour,
	}[m[2]]
	return time.Duration(n * float64(unit)), nil
}

var bareIdent = regexp.MustCompile(`^[a-zA-Z][0-9a-zA-Z_]+$`)

// column renders $dateCol/$dateTimeCol as the plugin does: a plain name or
// an expression as it is, anything else double-quoted.
func column(s string) string {
	if bareIdent.MatchString(s) || strings.ContainsAny(s, "()/*+-") {
		return s
	}
	return `"` + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`) + `"`
}

// tableName renders a database or table name: plain or back-quoted.
func tableName(s string) string {
	if bareIdent.MatchString(s) {
		return s
	}
	return "`" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "`", "\\`") + "`"
}
