// Package incremental decides whether a planned query may be refreshed
// incrementally: run only over the tail of a shifted time range and merged
// with the cached answer of the previous range, with a result equal, value
// for value, to the full query's.
//
// It proves this from the syntax tree, never guesses. A query is safe in
// two shapes:
//
//   - buckets: the outermost query block groups by a time bucket
//     ($__timeGroup, $__timeGroupAlias, $__unixEpochGroup,
//     $__unixEpochGroupAlias, $__timeInterval) of the column its one
//     range filter ($__timeFilter and its compatibility forms) reads, so
//     every output is computed within one bucket;
//   - rows: raw rows filtered by the range filter and ordered by that
//     column first, with no LIMIT.
//
// Anything else is unsafe, with the reason: window functions and other
// cross-row functions, LIMIT/OFFSET/FETCH/LIMIT BY, ORDER BY other than
// time, $__from/$__to and other range values outside the filter, now() and
// other volatile functions, an aggregate over the whole range (no bucket in
// GROUP BY, ROLLUP/CUBE/GROUPING SETS/WITH TOTALS), a subquery or CTE that
// reads the range a second time, set operations, calendar buckets (months,
// weeks) and day buckets in a time zone other than UTC.
package incremental

import (
	"fmt"
	"strings"
	"time"

	"github.com/bigtent/quarry/pkg/sqlplan/ast"
	"github.com/bigtent/quarry/pkg/sqlplan/lexer"
	"github.com/bigtent/quarry/pkg/sqlplan/macros"
)

// Shape is the kind of result a safe query returns.
type Shape string

// The safe shapes.
const (
	Buckets Shape = "buckets" // one row per time bucket (and group key)
	Rows    Shape = "rows"    // raw rows ordered by time
)

// Options is the context the decision depends on.
type Options struct {
	// Interval is $__interval as the macro expansion resolved it.
	Interval time.Duration
	// UTC is true when buckets are aligned in UTC (the request's time zone
	// is UTC or unset).
	UTC bool
	// WholeSeconds is true when the server rounds sub-second buckets up to
	// whole seconds (ClickHouse before 20.5).
	WholeSeconds bool
}

// Decision is the answer for one query.
type Decision struct {
	Safe   bool
	Shape  Shape  // when Safe
	Reason string // why it is safe or why not, for the plan step
	// Column is the filtered (and bucketed) time column as written.
	Column string
	// Bucket is the bucket length of the Buckets shape.
	Bucket time.Duration
	// Output is the 0-based position of the time among the result's
	// columns (the bucket, or the ordering time of raw rows).
	Output int
	// Span is where the reason points in the SQL: the offending part, or
	// the filter of a safe query.
	Span ast.Span
}

// Detail is the decision as a plan step's detail.
func (d Decision) Detail() string {
	if d.Safe {
		return "safe: " + d.Reason
	}
	return "unsafe: " + d.Reason
}

// filterMacros read the range as a filter on their first argument.
var filterMacros = map[string]bool{
	"__timeFilter": true, "__timeFilter_ms": true, "__unixEpochFilter": true, "__unixEpochNanoFilter": true,
}

// groupMacros bucket their first argument by their second.
var groupMacros = map[string]bool{
	"__timeGroup": true, "__timeGroupAlias": true, "__unixEpochGroup": true, "__unixEpochGroupAlias": true,
	"__timeInterval": true, "__timeInterval_ms": true,
}

// rangeValueMacros turn the range into values; outside the filter they
// make the answer depend on the whole range.
var rangeValueMacros = map[string]bool{
	"__from": true, "__to": true, "__timeFrom": true, "__timeTo": true,
	"__unixEpochFrom": true, "__unixEpochTo": true, "__unixEpochNanoFrom": true, "__unixEpochNanoTo": true,
	"__range": true, "__range_s": true, "__range_ms": true, "__fromTime": true, "__toTime": true,
	"__fromTime_ms": true, "__toTime_ms": true, "__dateFilter": true, "__dateTimeFilter": true, "__dt": true,
}

// volatile are functions whose value changes from one run to the next
// (lower case).
var volatile = map[string]bool{
	"now": true, "now64": true, "nowinblock": true, "current_timestamp": true, "current_date": true,
	"current_time": true, "current_datetime": true, "localtimestamp": true, "localtime": true,
	"today": true, "yesterday": true, "clock_timestamp": true, "statement_timestamp": true,
	"transaction_timestamp": true, "timeofday": true, "get_current_time": true, "unix_timestamp": true,
	"random": true, "rand": true, "rand32": true, "rand64": true, "randconstant": true, "randomstring": true,
	"randomprintableascii": true, "randomfixedstring": true, "setseed": true, "uuid": true,
	"gen_random_uuid": true, "generateuuidv4": true, "generate_uuid": true, "uuidv4": true,
	"nextval": true, "currval": true, "lastval": true,
}

// crossRow are non-window functions that read other rows of the result.
var crossRow = map[string]bool{
	"runningdifference": true, "runningdifferencestartingwithfirstvalue": true, "runningaccumulate": true,
	"neighbor": true, "rownumberinblock": true, "rownumberinallblocks": true, "blocknumber": true,
}

// aggregates are the aggregate functions (lower case, without ClickHouse
// combinator suffixes).
var aggregates = map[string]bool{
	"count": true, "sum": true, "avg": true, "min": true, "max": true, "any": true, "anylast": true,
	"anyheavy": true, "argmin": true, "argmax": true, "median": true, "stddev": true, "stddev_pop": true,
	"stddev_samp": true, "stddevpop": true, "stddevsamp": true, "variance": true, "var_pop": true,
	"var_samp": true, "varpop": true, "varsamp": true, "array_agg": true, "string_agg": true,
	"group_concat": true, "listagg": true, "grouparray": true, "groupuniqarray": true, "grouparrayinsertat": true,
	"uniq": true, "uniqexact": true, "uniqcombined": true, "uniqhll12": true, "uniqcombined64": true,
	"quantile": true, "quantiles": true, "quantileexact": true, "quantiletdigest": true, "quantiletiming": true,
	"percentile_cont": true, "percentile_disc": true, "approx_count_distinct": true, "approx_quantiles": true,
	"approx_top_count": true, "approx_top_sum": true, "bool_and": true, "bool_or": true, "every": true,
	"logical_and": true, "logical_or": true, "bit_and": true, "bit_or": true, "bit_xor": true,
	"countif": true, "sumif": true, "first": true, "last": true, "first_value": true, "last_value": true,
	"mode": true, "corr": true, "covar_pop": true, "covar_samp": true, "regr_slope": true, "topk": true,
	"sumwithoverflow": true, "summap": true, "avgweighted": true, "histogram": true, "count_if": true,
	"any_value": true, "arbitrary": true, "product": true, "entropy": true, "kurtosis": true, "skewness": true,
	"approx_distinct": true, "hll_count.merge": true, "json_agg": true, "jsonb_agg": true, "xmlagg": true,
}

var combinators = []string{"if", "array", "state", "merge", "ornull", "ordefault", "distinct", "foreach", "resample", "simplestate"}

func isAggregate(name string) bool {
	n := strings.ToLower(name)
	for {
		if aggregates[n] {
			return true
		}
		trimmed := false
		for _, c := range combinators {
			if len(n) > len(c) && strings.HasSuffix(n, c) {
				n, trimmed = n[:len(n)-len(c)], true
				break
			}
		}
		if !trimmed {
			return false
		}
	}
}

// Analyze decides for the one statement st of src.
func Analyze(src string, st *ast.Statement, o Options) Decision {
	a := analyzer{src: src, o: o}
	return a.run(st)
}

type analyzer struct {
	src string
	o   Options
}

func (a *analyzer) unsafe(n ast.Node, format string, args ...any) Decision {
	d := Decision{Reason: fmt.Sprintf(format, args...)}
	if n != nil {
		d.Span = n.NodeSpan()
		line, col := lexer.Position(a.src, d.Span.Start)
		d.Reason += fmt.Sprintf(" (line %d, column %d)", line, col)
	}
	return d
}

func (a *analyzer) text(n ast.Node) string { return n.NodeSpan().Text(a.src) }

// norm is an expression's text for comparison: spaces removed and, outside
// quotes, lower case.
func (a *analyzer) norm(n ast.Node) string {
	t := a.text(n)
	var b strings.Builder
	quote := byte(0)
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
			b.WriteByte(c)
		case c == '"' || c == '`' || c == '\'':
			quote = c
			b.WriteByte(c)
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		default:
			b.WriteString(strings.ToLower(string(c)))
		}
	}
	return b.String()
}

func funcName(f *ast.Func) string {
	if f.Name == nil || len(f.Name.Parts) == 0 {
		return ""
	}
	return strings.ToLower(f.Name.Parts[len(f.Name.Parts)-1].Name)
}

func (a *analyzer) run(st *ast.Statement) Decision {
	if st == nil || st.Kind != ast.StmtSelect || st.Query == nil {
		return a.unsafe(nil, "only a SELECT is refreshed incrementally")
	}
	q := st.Query
	orderBy := q.OrderBy
	sel, ok := q.Body.(*ast.Select)
	for !ok {
		inner, isQuery := q.Body.(*ast.Query)
		if !isQuery {
			return a.unsafe(q.Body, "a set operation (UNION, INTERSECT, EXCEPT) is not merged incrementally")
		}
		if q.Limit != nil || q.Offset != nil || q.Fetch != nil || q.LimitBy != nil {
			break // reported below
		}
		if inner.OrderBy != nil && orderBy != nil {
			return a.unsafe(inner, "a parenthesised query with its own ORDER BY")
		}
		if orderBy == nil {
			orderBy = inner.OrderBy
		}
		q = inner
		sel, ok = q.Body.(*ast.Select)
	}
	switch {
	case q.Limit != nil:
		return a.unsafe(q.Limit, "LIMIT picks rows from the whole range")
	case q.Offset != nil:
		return a.unsafe(q.Offset, "OFFSET skips rows counted over the whole range")
	case q.Fetch != nil:
		return a.unsafe(q.Fetch, "FETCH picks rows from the whole range")
	case q.LimitBy != nil:
		return a.unsafe(q.LimitBy, "LIMIT BY picks rows from the whole range")
	case sel.Qualify != nil:
		return a.unsafe(sel.Qualify, "QUALIFY filters on window functions across rows")
	case sel.Window != nil:
		return a.unsafe(sel.Window, "a WINDOW clause computes across rows")
	case sel.Sample != nil:
		return a.unsafe(sel.Sample, "SAMPLE picks rows by the whole table")
	case sel.Distinct != nil && len(sel.Distinct.On) > 0:
		return a.unsafe(sel.Distinct, "DISTINCT ON picks one row per key over the whole range")
	}
	if orderBy != nil && orderBy.Interpolate != nil {
		return a.unsafe(orderBy, "ORDER BY … INTERPOLATE fills across rows")
	}

	// One walk over the whole statement: volatile and cross-row
	// functions, window functions, every macro.
	var (
		bad     *Decision
		filters []*ast.Macro
		groups  []*ast.Macro
	)
	ast.Inspect(st, func(n ast.Node) bool {
		if bad != nil {
			return false
		}
		switch n := n.(type) {
		case *ast.Func:
			name := funcName(n)
			switch {
			case n.Over != nil:
				d := a.unsafe(n, "window function %s computes across rows", a.text(n.Name))
				bad = &d
			case volatile[name]:
				d := a.unsafe(n, "%s is volatile: its value changes between refreshes", a.text(n.Name))
				bad = &d
			case crossRow[name]:
				d := a.unsafe(n, "%s reads other rows of the result", a.text(n.Name))
				bad = &d
			}
		case *ast.ColumnRef:
			if len(n.Parts) == 1 && !n.Parts[0].Quoted && volatile[strings.ToLower(n.Parts[0].Name)] {
				d := a.unsafe(n, "%s is volatile: its value changes between refreshes", a.text(n))
				bad = &d
			}
		case *ast.Macro:
			switch {
			case filterMacros[n.Name]:
				filters = append(filters, n)
			case groupMacros[n.Name]:
				groups = append(groups, n)
			case rangeValueMacros[n.Name]:
				d := a.unsafe(n, "$%s uses the time range outside the filter", n.Name)
				bad = &d
			}
		}
		return true
	})
	if bad != nil {
		return *bad
	}
	// Every macro token of the text must be one the tree placed; one hidden
	// in an opaque run could read the range anywhere.
	seen := len(filters) + len(groups)
	ast.Inspect(st, func(n ast.Node) bool {
		if m, ok := n.(*ast.Macro); ok && !filterMacros[m.Name] && !groupMacros[m.Name] {
			seen++
		}
		return true
	})
	if toks := macroTokens(a.src, st.Span); toks > seen {
		return a.unsafe(nil, "a macro sits where the parser cannot see its role")
	}
	switch len(filters) {
	case 0:
		return a.unsafe(nil, "no $__timeFilter: the query does not read a time range")
	case 1:
	default:
		return a.unsafe(filters[1], "the time range is read in a second place")
	}
	filter := filters[0]
	if len(filter.Args) != 1 {
		return a.unsafe(filter, "the time filter takes one column")
	}
	if !conjunct(sel.Where, filter) && !conjunct(sel.Prewhere, filter) {
		return a.unsafe(filter, "the time filter is not a condition AND-ed into the outermost WHERE (a subquery that reads the range, or an OR around it)")
	}
	col := filter.Args[0]
	colText := a.norm(col)

	// ORDER BY: time first, ascending.
	var orderFirst ast.Expr
	if orderBy != nil {
		if orderBy.All || len(orderBy.Items) == 0 {
			return a.unsafe(orderBy, "ORDER BY other than time")
		}
		first := orderBy.Items[0]
		if first.Desc {
			return a.unsafe(first, "ORDER BY time DESC is not merged incrementally (only ascending time)")
		}
		if first.Fill != nil {
			return a.unsafe(first, "ORDER BY … WITH FILL fills across the whole range")
		}
		orderFirst = first.Expr
	}

	if len(groups) > 0 || sel.GroupBy != nil || sel.Having != nil || a.hasAggregate(sel) {
		return a.buckets(sel, filter, colText, groups, orderFirst)
	}
	if sel.Distinct != nil {
		return a.unsafe(sel.Distinct, "DISTINCT over raw rows compares rows across the whole range")
	}
	if orderFirst == nil {
		return a.unsafe(sel, "raw rows without ORDER BY time: the order is not defined")
	}
	if !a.isTime(sel, orderFirst, colText, nil) {
		return a.unsafe(orderFirst, "ORDER BY other than time (%s)", a.text(orderFirst))
	}
	out := -1
	if item := a.itemFor(sel, orderFirst); item != nil {
		out = a.index(sel, item)
	} else {
		for i, it := range sel.Items {
			if a.isTime(sel, it.Expr, colText, nil) {
				out = i
				break
			}
		}
	}
	if out < 0 {
		return a.unsafe(orderFirst, "the ordering time %s is not an output column", a.text(orderFirst))
	}
	if star := a.starBefore(sel, out); star != nil {
		return a.unsafe(star, "a * before the time column hides its position")
	}
	return Decision{Safe: true, Shape: Rows, Column: a.text(col), Span: filter.Span, Output: out,
		Reason: fmt.Sprintf("raw rows filtered by $%s(%s) and ordered by time", filter.Name, a.text(col))}
}

// buckets decides a grouped query.
func (a *analyzer) buckets(sel *ast.Select, filter *ast.Macro, col string, groups []*ast.Macro, orderFirst ast.Expr) Decision {
	if sel.GroupBy == nil {
		if sel.Having != nil {
			return a.unsafe(sel.Having, "HAVING without GROUP BY: an aggregate over the whole range")
		}
		return a.unsafe(sel, "an aggregate over the whole range (no GROUP BY time bucket)")
	}
	gb := sel.GroupBy
	if len(gb.With) > 0 {
		return a.unsafe(gb, "GROUP BY … WITH %s adds rows over the whole range", strings.ToUpper(strings.Join(gb.With, " ")))
	}
	for _, it := range gb.Items {
		if gs, ok := it.(*ast.GroupingSet); ok {
			return a.unsafe(gs, "%s adds totals over the whole range", gs.Kind)
		}
	}
	if len(groups) == 0 {
		return a.unsafe(gb, "no time bucket ($__timeGroup) in GROUP BY: an aggregate over the whole range")
	}
	for _, other := range groups[1:] {
		if a.norm(other) != a.norm(groups[0]) {
			return a.unsafe(other, "more than one time bucket")
		}
	}
	g := groups[0]
	if len(g.Args) == 0 || a.norm(g.Args[0]) != col {
		return a.unsafe(g, "the bucket's column is not the filtered column %s", a.text(filter.Args[0]))
	}
	if !a.groupedByBucket(sel, g) {
		return a.unsafe(gb, "GROUP BY does not hold the time bucket")
	}
	if !within(sel.Span, g.Span) {
		return a.unsafe(g, "the time bucket is not in the outermost query")
	}
	for _, it := range sel.Items {
		if subqueryReadsRange(it) {
			return a.unsafe(it, "a subquery in the output reads the time range")
		}
	}
	if orderFirst != nil && !a.isTime(sel, orderFirst, col, g) {
		return a.unsafe(orderFirst, "ORDER BY other than time (%s)", a.text(orderFirst))
	}
	step, err := a.bucketLength(g)
	if err != nil {
		return a.unsafe(g, "%s", err.Error())
	}
	out := -1
	for i, it := range sel.Items {
		if within(it.Span, g.Span) {
			out = i
			break
		}
	}
	if out < 0 || !within(g.Span, sel.Items[out].Expr.NodeSpan()) {
		return a.unsafe(g, "the time bucket is not an output column of its own")
	}
	if star := a.starBefore(sel, out); star != nil {
		return a.unsafe(star, "a * before the time bucket hides its position")
	}
	return Decision{Safe: true, Shape: Buckets, Column: a.text(filter.Args[0]), Bucket: step, Span: g.Span, Output: out,
		Reason: fmt.Sprintf("%s buckets of %s filtered by $%s, every output computed within its bucket",
			macros.FormatInterval(step), a.text(filter.Args[0]), filter.Name)}
}

// bucketLength is the fixed bucket length of g, or why there is none.
func (a *analyzer) bucketLength(g *ast.Macro) (time.Duration, error) {
	var step time.Duration
	switch g.Name {
	case "__timeInterval", "__timeInterval_ms":
		step = a.o.Interval
		if g.Name == "__timeInterval" {
			step = step.Truncate(time.Second)
			if step < time.Second {
				step = time.Second
			}
		}
	default:
		if len(g.Args) < 2 {
			return 0, fmt.Errorf("the bucket has no interval")
		}
		text := strings.TrimSpace(a.text(g.Args[1]))
		if m, ok := g.Args[1].(*ast.Macro); ok && m.Name == "__interval" {
			step = a.o.Interval
			break
		}
		iv, err := macros.ParseInterval(text)
		if err != nil {
			return 0, fmt.Errorf("the bucket interval %q is not a fixed length", text)
		}
		if iv.IsCalendar() {
			return 0, fmt.Errorf("calendar buckets (%s) have no fixed length", text)
		}
		if iv.Days() > 0 && !a.o.UTC {
			return 0, fmt.Errorf("day buckets (%s) are aligned to the time zone, not to a fixed step", text)
		}
		step = iv.Fixed
		if a.o.WholeSeconds && step%time.Second != 0 && !strings.HasPrefix(g.Name, "__unixEpoch") {
			step = (step/time.Second + 1) * time.Second
		}
	}
	if step <= 0 {
		return 0, fmt.Errorf("the bucket length is not positive")
	}
	if (24*time.Hour)%step != 0 && step%(24*time.Hour) != 0 && !a.o.UTC {
		return 0, fmt.Errorf("buckets of %s do not divide a day in time zone time", step)
	}
	return step, nil
}

// groupedByBucket reports whether GROUP BY holds g: the macro itself, its
// select item's alias or position, or GROUP BY ALL with g an output.
func (a *analyzer) groupedByBucket(sel *ast.Select, g *ast.Macro) bool {
	gb := sel.GroupBy
	if gb.All {
		return a.inItems(sel, g)
	}
	for _, it := range gb.Items {
		if it == ast.Expr(g) || within(it.NodeSpan(), g.Span) || a.norm(it) == a.norm(g) {
			return true
		}
		if item := a.itemFor(sel, it); item != nil && within(item.Span, g.Span) {
			return true
		}
	}
	return false
}

// index is item's position among sel's outputs (-1 when not there).
func (a *analyzer) index(sel *ast.Select, item *ast.SelectItem) int {
	for i, it := range sel.Items {
		if it == item {
			return i
		}
	}
	return -1
}

// starBefore is a * among the outputs before position i, if any.
func (a *analyzer) starBefore(sel *ast.Select, i int) ast.Node {
	for _, it := range sel.Items[:i] {
		if st, ok := it.Expr.(*ast.Star); ok {
			return st
		}
	}
	return nil
}

func (a *analyzer) inItems(sel *ast.Select, g *ast.Macro) bool {
	for _, it := range sel.Items {
		if within(it.Span, g.Span) {
			return true
		}
	}
	return false
}

// itemFor is the select item e names: a 1-based position or an alias.
func (a *analyzer) itemFor(sel *ast.Select, e ast.Expr) *ast.SelectItem {
	switch e := e.(type) {
	case *ast.Literal:
		if e.Kind != ast.LitNumber {
			return nil
		}
		var n int
		if _, err := fmt.Sscanf(a.text(e), "%d", &n); err != nil || n < 1 || n > len(sel.Items) {
			return nil
		}
		return sel.Items[n-1]
	case *ast.ColumnRef:
		if len(e.Parts) != 1 {
			return nil
		}
		name := e.Parts[0]
		for _, it := range sel.Items {
			if it.Alias != nil && strings.EqualFold(it.Alias.Name, name.Name) {
				return it
			}
			// $__timeGroupAlias and $__unixEpochGroupAlias name their output "time".
			if m, ok := it.Expr.(*ast.Macro); ok && it.Alias == nil && strings.HasSuffix(m.Name, "Alias") && strings.EqualFold(name.Name, "time") {
				return it
			}
		}
	}
	return nil
}

// isTime reports whether the ORDER BY key e is the time: the bucket g, the
// filtered column, or an output that is one of them ($__time(c) too).
func (a *analyzer) isTime(sel *ast.Select, e ast.Expr, col string, g *ast.Macro) bool {
	isTimeExpr := func(x ast.Expr) bool {
		if p, ok := x.(*ast.Paren); ok {
			x = p.X
		}
		if g != nil && within(x.NodeSpan(), g.Span) && within(g.Span, x.NodeSpan()) {
			return true
		}
		if m, ok := x.(*ast.Macro); ok {
			if groupMacros[m.Name] && g != nil && len(m.Args) > 0 && a.norm(m.Args[0]) == col {
				return true
			}
			if (m.Name == "__time" || m.Name == "__timeEpoch") && len(m.Args) == 1 && a.norm(m.Args[0]) == col {
				return g == nil
			}
			return false
		}
		if g == nil {
			return a.norm(x) == col
		}
		return false
	}
	if item := a.itemFor(sel, e); item != nil {
		return isTimeExpr(item.Expr)
	}
	return isTimeExpr(e)
}

// hasAggregate reports whether the block's outputs use an aggregate
// outside any subquery.
func (a *analyzer) hasAggregate(sel *ast.Select) bool {
	found := false
	for _, it := range sel.Items {
		ast.Inspect(it, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.Query, *ast.Subquery, *ast.Exists:
				return false
			case *ast.Func:
				if n.Over == nil && isAggregate(funcName(n)) {
					found = true
				}
			}
			return !found
		})
	}
	return found
}

// conjunct reports whether m is the clause's condition or one of its
// top-level AND terms (through parentheses).
func conjunct(c *ast.Clause, m *ast.Macro) bool {
	if c == nil {
		return false
	}
	var walk func(e ast.Expr) bool
	walk = func(e ast.Expr) bool {
		switch e := e.(type) {
		case *ast.Macro:
			return e == m
		case *ast.Paren:
			return walk(e.X)
		case *ast.Binary:
			if strings.EqualFold(e.Op, "AND") {
				return walk(e.Left) || walk(e.Right)
			}
		}
		return false
	}
	return walk(c.Expr)
}

// subqueryReadsRange reports whether n holds a subquery with a macro.
func subqueryReadsRange(n ast.Node) bool {
	found := false
	ast.Inspect(n, func(x ast.Node) bool {
		switch x := x.(type) {
		case *ast.Subquery, *ast.Exists, *ast.In, *ast.Quantified:
			ast.Inspect(x, func(y ast.Node) bool {
				if _, ok := y.(*ast.Macro); ok {
					found = true
				}
				return !found
			})
			return false
		}
		return !found
	})
	return found
}

func within(outer, inner ast.Span) bool {
	return outer.Start <= inner.Start && inner.End <= outer.End
}

// macroTokens counts the $__ macro tokens of src within span.
func macroTokens(src string, span ast.Span) int {
	n := 0
	text := span.Text(src)
	for i := 0; i+3 <= len(text); i++ {
		if text[i] == '$' && text[i+1] == '_' && text[i+2] == '_' {
			n++
		}
	}
	return n
}
