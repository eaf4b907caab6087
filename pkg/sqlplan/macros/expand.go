package macros

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/bigtent/quarry/pkg/sqlplan/dialect"
)

// Arg is one macro argument: its text with nested macros already expanded,
// trimmed of surrounding whitespace, and the byte span [Start, End) of the
// argument in the original SQL.
type Arg struct {
	Text       string
	Start, End int
}

// Call is one macro use: the name ("timeFilter", "__timeFilter" and
// "$__timeFilter" are all accepted), its span in the original SQL, whether
// it had an argument list ($__timeFrom() vs $__timeFrom) and the arguments.
type Call struct {
	Name       string
	Start, End int
	Parens     bool
	Args       []Arg
}

// FillMode says how the frame layer fills missing buckets. The values equal
// sqlplan.FillMode's.
type FillMode string

// Fill modes.
const (
	FillNull     FillMode = "null"
	FillPrevious FillMode = "previous"
	FillValue    FillMode = "value"
)

// Fill is a fill request recorded by $__timeGroup(c, interval, fill). It
// mirrors sqlplan.Fill; Months is set for calendar intervals (Interval is
// then approximate: 30 days a month, 365 a year).
type Fill struct {
	Mode     FillMode
	Value    float64
	Interval time.Duration
	Months   int
}

// Expansion is the result of one macro.
type Expansion struct {
	// SQL replaces the macro call.
	SQL string
	// Fill is set by $__timeGroup-style macros given a fill argument.
	Fill *Fill
	// Detail says what the macro did, for the plan's step list.
	Detail string
	// AdHoc marks $__adHocFilters: SQL is empty and the plan assembly
	// writes the ad hoc filter predicate (or 1=1) at this spot.
	AdHoc bool
}

// Error is a macro error: a wrong argument count, an unknown $__macro, a
// bad interval or fill. Offset is the byte offset in the original SQL
// (the argument's, or the macro's); the plan assembly turns it into
// line:column.
type Error struct {
	Offset int
	// Macro is the macro as written, e.g. "$__timeGroup".
	Macro string
	// Arg is the 1-based argument number the error is about, 0 for none.
	Arg int
	Msg string
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Macro)
	if e.Arg > 0 {
		fmt.Fprintf(&b, " argument %d", e.Arg)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// normName turns "$__x", "__x" or "x" into "x".
func normName(n string) string {
	n = strings.TrimPrefix(n, "$")
	return strings.TrimPrefix(n, "__")
}

// Known reports whether name ("timeFilter", "$__timeFilter") is a macro
// Expand understands.
func Known(name string) bool {
	_, ok := specs[normName(name)]
	return ok
}

// spec is the argument shape of one macro.
type spec struct {
	min, max int    // argument count when called with parens
	bare     bool   // may be used without parens
	usage    string // e.g. "$__timeGroup(column, interval[, fill])"
}

var specs = map[string]spec{
	"time":                {1, 1, false, "$__time(column)"},
	"timeEpoch":           {1, 1, false, "$__timeEpoch(column)"},
	"timeFilter":          {1, 1, false, "$__timeFilter(column)"},
	"timeFilter_ms":       {1, 1, false, "$__timeFilter_ms(column)"},
	"timeFrom":            {0, 1, true, "$__timeFrom() or $__timeFrom(column)"},
	"timeTo":              {0, 1, true, "$__timeTo() or $__timeTo(column)"},
	"timeGroup":           {2, 3, false, "$__timeGroup(column, interval[, fill])"},
	"timeGroupAlias":      {2, 3, false, "$__timeGroupAlias(column, interval[, fill])"},
	"unixEpochFilter":     {1, 1, false, "$__unixEpochFilter(column)"},
	"unixEpochFrom":       {0, 0, true, "$__unixEpochFrom()"},
	"unixEpochTo":         {0, 0, true, "$__unixEpochTo()"},
	"unixEpochNanoFilter": {1, 1, false, "$__unixEpochNanoFilter(column)"},
	"unixEpochNanoFrom":   {0, 0, true, "$__unixEpochNanoFrom()"},
	"unixEpochNanoTo":     {0, 0, true, "$__unixEpochNanoTo()"},
	"unixEpochGroup":      {2, 3, false, "$__unixEpochGroup(column, interval[, fill])"},
	"unixEpochGroupAlias": {2, 3, false, "$__unixEpochGroupAlias(column, interval[, fill])"},
	"interval":            {0, 0, true, "$__interval"},
	"interval_ms":         {0, 0, true, "$__interval_ms"},
	"interval_s":          {0, 0, true, "$__interval_s"},
	"from":                {0, 0, true, "$__from"},
	"to":                  {0, 0, true, "$__to"},
	"range":               {0, 0, true, "$__range"},
	"range_s":             {0, 0, true, "$__range_s"},
	"range_ms":            {0, 0, true, "$__range_ms"},
	"dateFilter":          {1, 1, false, "$__dateFilter(column)"},
	"timezone":            {0, 0, true, "$__timezone"},
	"adHocFilters":        {0, 0, true, "$__adHocFilters"},
	"dateTimeFilter":      {2, 2, false, "$__dateTimeFilter(dateColumn, timeColumn)"},
	"dt":                  {2, 2, false, "$__dt(dateColumn, timeColumn)"},
	"fromTime":            {0, 0, true, "$__fromTime"},
	"toTime":              {0, 0, true, "$__toTime"},
	"fromTime_ms":         {0, 0, true, "$__fromTime_ms"},
	"toTime_ms":           {0, 0, true, "$__toTime_ms"},
	"timeInterval":        {1, 1, false, "$__timeInterval(column)"},
	"timeInterval_ms":     {1, 1, false, "$__timeInterval_ms(column)"},
	"conditionalAll":      {2, 2, false, "$__conditionalAll(condition, $variable)"},
}

// Expand expands one macro call whose arguments are already expanded.
func Expand(env *Env, c Call) (Expansion, error) {
	return expandCall(env, c, "")
}

// expandCall is Expand whose Detail starts with "raw: " when raw (the macro
// as written) is set: the step text, built in one piece.
func expandCall(env *Env, c Call, raw string) (Expansion, error) {
	name := normName(c.Name)
	sp, ok := specs[name]
	if !ok {
		return Expansion{}, &Error{Offset: c.Start, Macro: "$__" + name, Msg: "unknown macro; see the macro reference for the supported $__ macros"}
	}
	return expandSpec(env, c, name, sp, raw, nil)
}

// expandSpec is expandCall of the macro called name (normalised) whose
// spec is sp. A fill is stored in *fill (a new Fill when fill is nil).
func expandSpec(env *Env, c Call, name string, sp spec, raw string, fill *Fill) (Expansion, error) {
	if !c.Parens && !sp.bare {
		return Expansion{}, &Error{Offset: c.Start, Macro: "$__" + name, Msg: "needs arguments: write " + sp.usage}
	}
	if c.Parens {
		n := len(c.Args)
		if n == 1 && c.Args[0].Text == "" && sp.min == 0 {
			n = 0
		}
		if n > sp.max && name == "timeFilter" && env.d.Name() == dialect.Postgres {
			// Grafana's PostgreSQL data source reads the first argument of
			// $__timeFilter and ignores the rest; dashboards written for it
			// (pgwatch2's "$__timeFilter(time, $online_interval)") keep
			// their meaning here. The step says so.
			c.Args = c.Args[:sp.max]
			exp, err := expandSpec(env, c, name, sp, raw, fill)
			if err == nil {
				exp.Detail += fmt.Sprintf(" (%d argument(s) after the first ignored, as Grafana's PostgreSQL data source does)", n-sp.max)
			}
			return exp, err
		}
		if n < sp.min || n > sp.max {
			return Expansion{}, &Error{Offset: c.Start, Macro: "$__" + name,
				Msg: fmt.Sprintf("wrong number of arguments: got %d, want %s (usage: %s)", n, countText(sp), sp.usage)}
		}
		if n == 0 {
			c.Args = nil
		}
		for i, a := range c.Args {
			if a.Text == "" {
				return Expansion{}, &Error{Offset: a.Start, Macro: "$__" + name, Arg: i + 1, Msg: "empty argument (usage: " + sp.usage + ")"}
			}
		}
	}
	x := callExpander{env: env, d: env.d, c: c, name: name, raw: raw, fill: fill}
	return x.expand(name)
}

func countText(sp spec) string {
	switch {
	case sp.min == sp.max:
		return strconv.Itoa(sp.min)
	default:
		return fmt.Sprintf("%d to %d", sp.min, sp.max)
	}
}

// callExpander expands one macro call (an Expander expands whole queries).
type callExpander struct {
	env  *Env
	d    dialect.Dialect
	c    Call
	name string // the macro's name without "$__"
	raw  string // the macro as written, to start the detail with ("" for none)
	fill *Fill  // where group stores a fill (nil: a new one)
}

// macro is the macro's name for errors, e.g. "$__timeGroup".
func (x *callExpander) macro() string { return "$__" + x.name }

func (x *callExpander) errf(arg int, format string, a ...any) error {
	off := x.c.Start
	if arg > 0 && arg <= len(x.c.Args) {
		off = x.c.Args[arg-1].Start
	}
	return &Error{Offset: off, Macro: x.macro(), Arg: arg, Msg: fmt.Sprintf(format, a...)}
}

// detail joins parts into the expansion's detail, after "raw: " when x
// has the macro as written, with one allocation.
func (x *callExpander) detail(parts ...string) string {
	if x.raw == "" && len(parts) == 1 {
		return parts[0]
	}
	n := len(x.raw) + len(": ")
	for _, p := range parts {
		n += len(p)
	}
	var b strings.Builder
	b.Grow(n)
	if x.raw != "" {
		b.WriteString(x.raw)
		b.WriteString(": ")
	}
	for _, p := range parts {
		b.WriteString(p)
	}
	return b.String()
}

// expansion returns an Expansion whose SQL joins sql and whose Detail is
// x.detail(detail...), with one allocation for both.
func (x *callExpander) expansion(sql []string, detail ...string) Expansion {
	n := len(x.raw) + len(": ")
	for _, p := range sql {
		n += len(p)
	}
	for _, p := range detail {
		n += len(p)
	}
	var b strings.Builder
	b.Grow(n)
	for _, p := range sql {
		b.WriteString(p)
	}
	cut := b.Len()
	if x.raw != "" {
		b.WriteString(x.raw)
		b.WriteString(": ")
	}
	for _, p := range detail {
		b.WriteString(p)
	}
	s := b.String()
	return Expansion{SQL: s[:cut], Detail: s[cut:]}
}

// join concatenates parts with one allocation.
func join(parts ...string) string {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	var b strings.Builder
	b.Grow(n)
	for _, p := range parts {
		b.WriteString(p)
	}
	return b.String()
}

func (x *callExpander) expand(name string) (Expansion, error) {
	e, d, b := x.env, x.d, x.env.bounds()
	from, to := e.from, e.to
	args := x.c.Args
	col := func(i int) string { return args[i].Text }
	ok := func(sql string, detail ...string) (Expansion, error) {
		return Expansion{SQL: sql, Detail: x.detail(detail...)}, nil
	}
	switch name {
	case "time":
		k := e.kindOf(args[0])
		sql := [2]string{x.asTime(col(0), k), timeAlias(d)}
		return x.expansion(sql[:], "time column ", col(0), kindNote(k)), nil
	case "timeEpoch":
		k := e.kindOf(args[0])
		if d.Name() == dialect.Postgres && k == dialect.Unknown {
			sql := [3]string{"extract(epoch from ", col(0), ") as \"time\""}
			return x.expansion(sql[:], "epoch seconds of ", col(0)), nil
		}
		sql := [2]string{x.epochSeconds(col(0), k), timeAlias(d)}
		return x.expansion(sql[:], "epoch seconds of ", col(0), kindNote(k)), nil
	case "timeFilter":
		k := e.kindOf(args[0])
		if exp, ok := e.cache.filter(e, x.raw, col(0), k); ok {
			return exp, nil
		}
		sql := x.rangeFilterParts(col(0), k)
		exp := x.expansion(sql[:], "time filter on ", col(0), kindNote(k), " ", b.rfc[0], "..", b.rfc[1])
		e.cache.keepFilter(e, x.raw, col(0), k, exp)
		return exp, nil
	case "timeFilter_ms":
		k := e.kindOf(args[0])
		if d.Name() == dialect.ClickHouse && d.Has(dialect.UnixTimestamp64) && (k == dialect.Unknown || k == dialect.Instant64) {
			sql := [8]string{col(0), " >= fromUnixTimestamp64Milli(", b.milli[0], ") AND ", col(0), " <= fromUnixTimestamp64Milli(", b.milli[1], ")"}
			return x.expansion(sql[:], "millisecond time filter on ", col(0), " ", b.rfc[0], "..", b.rfc[1]), nil
		}
		sql := x.rangeFilterParts(col(0), k)
		return x.expansion(sql[:], "time filter on ", col(0), kindNote(k), " ", b.rfc[0], "..", b.rfc[1]), nil
	case "timeFrom", "timeTo":
		isTo, op := name == "timeTo", " >= "
		if isTo {
			op = " <= "
		}
		if len(args) == 0 {
			return ok(x.bareInstant(isTo), name, " literal")
		}
		k := e.kindOf(args[0])
		sql := [3]string{col(0), op, x.lit(k, isTo)}
		return x.expansion(sql[:], name, " comparison on ", col(0), kindNote(k)), nil
	case "timeGroup", "timeGroupAlias", "unixEpochGroup", "unixEpochGroupAlias":
		return x.group(name)
	case "unixEpochFilter":
		sql := [7]string{col(0), " >= ", b.sec[0], " AND ", col(0), " <= ", b.sec[1]}
		return x.expansion(sql[:], "epoch-second filter on ", col(0)), nil
	case "unixEpochNanoFilter":
		sql := [7]string{col(0), " >= ", b.nano[0], " AND ", col(0), " <= ", b.nano[1]}
		return x.expansion(sql[:], "epoch-nanosecond filter on ", col(0)), nil
	case "unixEpochFrom":
		return ok(b.sec[0], "from, epoch seconds")
	case "unixEpochTo":
		return ok(b.sec[1], "to, epoch seconds")
	case "unixEpochNanoFrom":
		return ok(b.nano[0], "from, epoch nanoseconds")
	case "unixEpochNanoTo":
		return ok(b.nano[1], "to, epoch nanoseconds")
	case "interval":
		return ok(FormatInterval(e.interval), "interval")
	case "interval_ms":
		return ok(itoa(e.interval.Milliseconds()), "interval in milliseconds")
	case "interval_s":
		return ok(itoa(intervalSeconds(e.interval)), "interval in seconds (at least 1)")
	case "from":
		return ok(b.milli[0], "from, epoch milliseconds")
	case "to":
		return ok(b.milli[1], "to, epoch milliseconds")
	case "range":
		return ok(FormatInterval(to.Sub(from)), "range")
	case "range_s":
		return ok(itoa(int64(to.Sub(from)/time.Second)), "range in seconds")
	case "range_ms":
		return ok(itoa(to.Sub(from).Milliseconds()), "range in milliseconds")
	case "dateFilter":
		return ok(x.rangeFilter(col(0), dialect.Date), "date filter on ", col(0), " ", x.dateRangeText())
	case "dateTimeFilter", "dt":
		dk := dialect.Date
		tk := e.kindOf(args[1])
		var sql string
		if d.Name() == dialect.ClickHouse && tk == dialect.Unknown {
			sql = "(" + x.cmpPair(col(0), x.lit(dk, false), x.lit(dk, true)) + ") AND (" +
				x.cmpPair(col(1), b.typed[0], b.typed[1]) + ")"
		} else {
			sql = "(" + x.rangeFilter(col(0), dk) + ") AND (" + x.rangeFilter(col(1), tk) + ")"
		}
		return ok(sql, "date filter on ", col(0), " and time filter on ", col(1), " ", b.rfc[0], "..", b.rfc[1])
	case "timezone":
		return ok(e.tzLit, "time zone ", e.tz)
	case "adHocFilters":
		return Expansion{AdHoc: true, Detail: x.detail("ad hoc filters placed here")}, nil
	case "fromTime", "toTime":
		i, t := 0, from
		if name == "toTime" {
			i, t = 1, to
		}
		if d.Name() == dialect.ClickHouse {
			return ok(b.typed[i], name)
		}
		return ok(d.InstantLiteral(t.Truncate(time.Second)), name)
	case "fromTime_ms", "toTime_ms":
		i, t := 0, from
		if name == "toTime_ms" {
			i, t = 1, to
		}
		if d.Name() == dialect.ClickHouse {
			if d.Has(dialect.UnixTimestamp64) {
				sql := [3]string{"fromUnixTimestamp64Milli(", b.milli[i], ")"}
				return x.expansion(sql[:], name), nil
			}
			return ok(b.typed[i], name, " (seconds: this server has no DateTime64)")
		}
		return ok(d.InstantLiteral(t.Truncate(time.Millisecond)), name)
	case "timeInterval", "timeInterval_ms":
		return x.timeInterval(name == "timeInterval_ms")
	case "conditionalAll":
		v := strings.TrimSpace(col(1))
		switch v {
		case "$__all", "'$__all'", "\"$__all\"", "''", "\"\"", "":
			return ok("1=1", "conditionalAll: all values selected")
		}
		return ok(col(0), "conditionalAll: condition kept")
	}
	return Expansion{}, x.errf(0, "unknown macro")
}

// timeAlias names a column "time" the way QuoteIdent quotes it:
// ` AS "time"`, or with backquotes in BigQuery and ClickHouse.
func timeAlias(d dialect.Dialect) string {
	switch d.Name() {
	case dialect.BigQuery, dialect.ClickHouse:
		return " AS `time`"
	}
	return ` AS "time"`
}

// intervalSeconds is the interval in whole seconds, at least 1 (the
// ClickHouse plugin's $__interval_s).
func intervalSeconds(d time.Duration) int64 {
	s := int64(d / time.Second)
	if s < 1 {
		return 1
	}
	return s
}

// kindNotes are the kindNote texts of the known kinds.
var kindNotes = func() (notes [dialect.EpochNanos + 1]string) {
	for k := range notes {
		if k != int(dialect.Unknown) {
			notes[k] = " (" + dialect.TimeKind(k).String() + ")"
		}
	}
	return notes
}()

// kindNote is " (kind)" for a step detail, "" for an unknown kind.
func kindNote(k dialect.TimeKind) string {
	if k >= 0 && int(k) < len(kindNotes) {
		return kindNotes[k]
	}
	return " (" + k.String() + ")"
}

func (x *callExpander) dateRangeText() string {
	return x.env.from.In(x.env.loc).Format("2006-01-02") + ".." + x.env.to.In(x.env.loc).Format("2006-01-02") + " (" + x.env.tz + ")"
}

// cmpPair writes "c BETWEEN lo AND hi" (PostgreSQL, DuckDB, as Grafana's
// PostgreSQL plugin) or "c >= lo AND c <= hi" (BigQuery, ClickHouse, as
// their plugins). Both include both ends.
func (x *callExpander) cmpPair(c, lo, hi string) string {
	p := x.cmpParts(c, lo, hi)
	return join(p[:]...)
}

// cmpParts are the parts of cmpPair's text.
func (x *callExpander) cmpParts(c, lo, hi string) [7]string {
	switch x.d.Name() {
	case dialect.Postgres, dialect.DuckDB:
		return [7]string{c, " BETWEEN ", lo, " AND ", hi}
	}
	return [7]string{c, " >= ", lo, " AND ", c, " <= ", hi}
}

func (x *callExpander) rangeFilter(c string, k dialect.TimeKind) string {
	return x.cmpPair(c, x.lit(k, false), x.lit(k, true))
}

// rangeFilterParts are the parts of rangeFilter's text.
func (x *callExpander) rangeFilterParts(c string, k dialect.TimeKind) [7]string {
	return x.cmpParts(c, x.lit(k, false), x.lit(k, true))
}

// lit writes the range start (or end, when isTo) as a literal comparable
// with a column of kind k. Epoch bounds are rounded inward (ceil for from,
// floor for to), which is exact for integer columns.
func (x *callExpander) lit(k dialect.TimeKind, isTo bool) string {
	d := x.d
	i, t := 0, x.env.from
	if isTo {
		i, t = 1, x.env.to
	}
	if k.IsEpoch() {
		per := k.EpochPerSecond()
		ns := t.UnixNano()
		unit := int64(time.Second) / per
		v := floorDiv(ns, unit)
		if !isTo && v*unit != ns {
			v++
		}
		return strconv.FormatInt(v, 10)
	}
	if k == dialect.Date {
		return d.DateLiteral(t.In(x.env.loc))
	}
	b := x.env.bounds()
	switch d.Name() {
	case dialect.Postgres, dialect.DuckDB:
		return b.quoted[i]
	case dialect.BigQuery:
		switch k {
		case dialect.Instant, dialect.Instant64:
			return b.typed[i]
		case dialect.Wall:
			return b.wall[i]
		}
		return b.quoted[i]
	default: // ClickHouse
		if k == dialect.Instant64 && d.Has(dialect.DateTime64) {
			return d.Instant64Literal(t)
		}
		return b.typed[i]
	}
}

// bareInstant is $__timeFrom() / $__timeTo() without a column.
func (x *callExpander) bareInstant(isTo bool) string {
	i := 0
	if isTo {
		i = 1
	}
	b := x.env.bounds()
	switch x.d.Name() {
	case dialect.Postgres, dialect.DuckDB:
		return b.quoted[i]
	}
	return b.typed[i] // BigQuery TIMESTAMP '…', ClickHouse toDateTime(epoch)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// num formats a number of seconds or units the way Grafana's %v does.
func num(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

func (x *callExpander) tzLit() string { return x.env.tzLit }

// group expands $__timeGroup, $__timeGroupAlias, $__unixEpochGroup and
// $__unixEpochGroupAlias.
func (x *callExpander) group(name string) (Expansion, error) {
	args := x.c.Args
	iv, err := ParseInterval(args[1].Text)
	if err != nil {
		return Expansion{}, &Error{Offset: args[1].Start, Macro: x.macro(), Arg: 2, Msg: "bad interval " + strconv.Quote(args[1].Text), Err: err}
	}
	note := ""
	epoch := strings.HasPrefix(name, "unixEpoch")
	if !epoch && x.d.Name() == dialect.ClickHouse && !x.d.Has(dialect.UnixTimestamp64) && iv.Fixed%time.Second != 0 {
		// No DateTime64 before 20.5: whole seconds are the finest buckets
		// (an automatic $__interval of 300ms becomes 1s).
		iv.Fixed = (iv.Fixed/time.Second + 1) * time.Second
		note = " (rounded up to whole seconds: ClickHouse before 20.5 has no DateTime64)"
	}
	var fill *Fill
	fillText := ""
	if len(args) == 3 {
		fillText = args[2].Text
	}
	if x.env.fill != "" {
		fillText = x.env.fill
	}
	if fillText != "" {
		f, err := parseFill(fillText)
		if err != nil {
			if len(args) == 3 && x.env.fill == "" {
				return Expansion{}, &Error{Offset: args[2].Start, Macro: x.macro(), Arg: 3, Msg: "bad fill " + strconv.Quote(fillText), Err: err}
			}
			return Expansion{}, &Error{Offset: x.c.Start, Macro: x.macro(), Msg: "bad request fill " + strconv.Quote(fillText), Err: err}
		}
		f.Interval = iv.Approx()
		f.Months = iv.Months
		fill = x.fill
		if fill == nil {
			fill = new(Fill)
		}
		*fill = f
	}
	k := dialect.EpochSeconds
	if !epoch {
		k = x.env.kindOf(args[0])
	}
	var sql sqlParts
	if epoch || x.d.Name() == dialect.Postgres {
		sql, err = x.bucketEpochSeconds(args[0].Text, k, iv)
	} else {
		sql, err = x.bucketInstant(args[0].Text, k, iv)
	}
	if err != nil {
		return Expansion{}, x.errf(0, "%s", err.Error())
	}
	if strings.HasSuffix(name, "Alias") {
		sql = sql.then(timeAlias(x.d))
	}
	in, tz := "", ""
	if iv.IsCalendar() || iv.Days() > 0 && !x.env.utc() {
		in, tz = " in ", x.env.tz
	}
	fillNote, mode := "", ""
	if fill != nil {
		fillNote, mode = ", fill ", string(fill.Mode)
	}
	exp := x.expansion(sql[:], iv.Text, " buckets of ", args[0].Text, kindNote(k), note, in, tz, fillNote, mode)
	exp.Fill = fill
	return exp, nil
}

func parseFill(s string) (Fill, error) {
	t := strings.TrimSpace(s)
	if len(t) >= 2 && t[0] == '\'' && t[len(t)-1] == '\'' {
		t = t[1 : len(t)-1]
	}
	switch strings.ToLower(t) {
	case "null":
		return Fill{Mode: FillNull}, nil
	case "previous":
		return Fill{Mode: FillPrevious}, nil
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return Fill{}, fmt.Errorf("fill must be NULL, previous or a number")
	}
	return Fill{Mode: FillValue, Value: v}, nil
}

// timeInterval is the ClickHouse plugin's $__timeInterval(c) (whole
// seconds, at least 1) and $__timeInterval_ms(c) (milliseconds).
func (x *callExpander) timeInterval(ms bool) (Expansion, error) {
	c := x.c.Args[0].Text
	e, d := x.env, x.d
	if d.Name() == dialect.ClickHouse {
		if !ms {
			s := intervalSeconds(e.interval)
			if d.Has(dialect.ToStartOfInterval) {
				return Expansion{SQL: fmt.Sprintf("toStartOfInterval(toDateTime(%s), INTERVAL %d second)", c, s), Detail: x.detail(fmt.Sprintf("%ds buckets of %s", s, c))}, nil
			}
			return Expansion{SQL: fmt.Sprintf("toDateTime(intDiv(toUInt32(toDateTime(%s)), %d) * %d)", c, s, s), Detail: x.detail(fmt.Sprintf("%ds buckets of %s (integer bucketing: no toStartOfInterval on this server)", s, c))}, nil
		}
		msv := e.interval.Milliseconds()
		if msv < 1 {
			msv = 1
		}
		if d.Has(dialect.SubSecondIntervals) {
			return Expansion{SQL: fmt.Sprintf("toStartOfInterval(toDateTime64(%s, 3), INTERVAL %d millisecond)", c, msv), Detail: x.detail(fmt.Sprintf("%dms buckets of %s", msv, c))}, nil
		}
		if d.Has(dialect.UnixTimestamp64) {
			return Expansion{SQL: fmt.Sprintf("fromUnixTimestamp64Milli(toInt64(intDiv(toUnixTimestamp64Milli(toDateTime64(%s, 3)), %d) * %d))", c, msv, msv), Detail: x.detail(fmt.Sprintf("%dms buckets of %s (integer bucketing)", msv, c))}, nil
		}
		s := msv / 1000
		if s < 1 {
			s = 1
		}
		return Expansion{SQL: fmt.Sprintf("toDateTime(intDiv(toUInt32(toDateTime(%s)), %d) * %d)", c, s, s), Detail: x.detail(fmt.Sprintf("%ds buckets of %s (this server has no DateTime64: whole seconds)", s, c))}, nil
	}
	iv := Interval{Fixed: time.Duration(intervalSeconds(e.interval)) * time.Second}
	if ms {
		iv.Fixed = e.interval.Truncate(time.Millisecond)
		if iv.Fixed < time.Millisecond {
			iv.Fixed = time.Millisecond
		}
	}
	iv.Text = FormatInterval(iv.Fixed)
	k := e.kindOf(x.c.Args[0])
	sql, err := x.bucketInstant(c, k, iv)
	if err != nil {
		return Expansion{}, x.errf(0, "%s", err.Error())
	}
	return x.expansion(sql[:], iv.Text, " buckets of ", c, kindNote(k)), nil
}
