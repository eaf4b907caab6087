package builder

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/bigtent/quarry/pkg/sqlplan/ast"
	"github.com/bigtent/quarry/pkg/sqlplan/dialect"
	"github.com/bigtent/quarry/pkg/sqlplan/lexer"
	"github.com/bigtent/quarry/pkg/sqlplan/parser"
)

// Parse maps sql to the builder model. mode picks logs or table for a
// query without a time group ("" means table); a query with one is a time
// series. When the query does not fit, the error is a *NotFit with the
// reason and its position; a syntax error is the parser's error.
func Parse(sql string, d dialect.Dialect, mode Mode) (*Model, error) {
	script, err := parser.Parse(sql, string(d.Name()))
	if err != nil {
		return nil, fmt.Errorf("parsing the SQL: %w", err)
	}
	r := reader{src: sql, d: d}
	m, err := r.script(script)
	if err != nil {
		return nil, err
	}
	switch {
	case m.Time != nil:
		m.Mode = ModeTimeSeries
	case mode == ModeLogs:
		m.Mode = ModeLogs
	default:
		m.Mode = ModeTable
	}
	// The model must write back to a query that reads back the same: a
	// guard against a reading that drops a part of the query.
	again, err := Build(m, d)
	if err != nil {
		return nil, r.refuse(script.Span, "the builder cannot write this query back: %v", err)
	}
	m2, err := read(again, d)
	if err == nil {
		m2.Mode = m.Mode
	}
	if err != nil || !reflect.DeepEqual(m, m2) {
		return nil, r.refuse(script.Span, "the builder would not write this query back unchanged")
	}
	return m, nil
}

// read parses sql and reads its model (the mode left empty).
func read(sql string, d dialect.Dialect) (*Model, error) {
	script, err := parser.Parse(sql, string(d.Name()))
	if err != nil {
		return nil, err
	}
	r := reader{src: sql, d: d}
	return r.script(script)
}

type reader struct {
	src string
	d   dialect.Dialect
}

func (r *reader) refuse(n ast.Node, format string, args ...any) *NotFit {
	off := n.NodeSpan().Start
	line, col := lexer.Position(r.src, off)
	return &NotFit{Reason: fmt.Sprintf(format, args...), Line: line, Column: col, Offset: off}
}

func (r *reader) script(s *ast.Script) (*Model, error) {
	for _, t := range s.Tokens {
		if t.Kind == lexer.Comment {
			return nil, r.refuse(ast.Span{Start: t.Start, End: t.End}, "a comment: the builder would not keep it")
		}
	}
	switch len(s.Statements) {
	case 0:
		return nil, &NotFit{Reason: "the query is empty"}
	case 1:
	default:
		return nil, r.refuse(s.Statements[1], "more than one statement")
	}
	st := s.Statements[0]
	if st.Kind != ast.StmtSelect || st.Query == nil {
		return nil, r.refuse(st, "the statement is %s: the builder writes SELECT queries", strings.ToUpper(st.Kind.String()))
	}
	return r.query(st.Query)
}

func (r *reader) query(q *ast.Query) (*Model, error) {
	switch {
	case q.With != nil:
		return nil, r.refuse(q.With, "a CTE (WITH): the builder reads one table")
	case q.Paren:
		return nil, r.refuse(q, "a parenthesized query")
	case q.LimitBy != nil:
		return nil, r.refuse(q.LimitBy, "LIMIT ... BY is not in the builder")
	case q.Offset != nil:
		return nil, r.refuse(q.Offset, "OFFSET is not in the builder")
	case q.Fetch != nil:
		return nil, r.refuse(q.Fetch, "FETCH is not in the builder")
	case q.Settings != nil:
		return nil, r.refuse(q.Settings, "SETTINGS is not in the builder")
	case q.Format != nil:
		return nil, r.refuse(q.Format, "FORMAT is not in the builder")
	}
	var sel *ast.Select
	switch b := q.Body.(type) {
	case *ast.Select:
		sel = b
	case *ast.SetOp:
		return nil, r.refuse(ast.Span{Start: b.OpSpan.Start}, "%s: the builder reads one SELECT", b.Op)
	case *ast.Query:
		return nil, r.refuse(b, "a parenthesized query")
	default:
		return nil, r.refuse(q, "this query form is not in the builder")
	}
	m := &Model{}
	if err := r.selectBlock(sel, m); err != nil {
		return nil, err
	}
	if q.OrderBy != nil {
		if err := r.orderBy(q.OrderBy, m); err != nil {
			return nil, err
		}
	}
	if l := q.Limit; l != nil {
		if l.Offset != nil || l.Comma {
			return nil, r.refuse(l, "LIMIT with an offset is not in the builder")
		}
		if l.WithTies {
			return nil, r.refuse(l, "LIMIT ... WITH TIES is not in the builder")
		}
		lit, ok := l.Count.(*ast.Literal)
		if !ok || lit.Kind != ast.LitNumber {
			at := ast.Node(l)
			if l.Count != nil {
				at = l.Count
			}
			return nil, r.refuse(at, "a LIMIT that is not a whole number")
		}
		n, err := strconv.ParseInt(lit.Text(r.src), 10, 64)
		if err != nil || n < 0 {
			return nil, r.refuse(lit, "a LIMIT that is not a whole number")
		}
		m.Limit = &n
	}
	return m, nil
}

func (r *reader) selectBlock(s *ast.Select, m *Model) error {
	switch {
	case s.Distinct != nil:
		return r.refuse(s.Distinct, "SELECT DISTINCT is not in the builder")
	case s.As != "":
		return r.refuse(s.KeywordSpan, "SELECT AS %s is not in the builder", s.As)
	case s.From == nil:
		return r.refuse(s, "a query without FROM: the builder reads a table")
	case s.Prewhere != nil:
		return r.refuse(s.Prewhere, "PREWHERE is not in the builder")
	case s.Having != nil:
		return r.refuse(s.Having, "HAVING is not in the builder")
	case s.Window != nil:
		return r.refuse(s.Window, "a WINDOW clause is not in the builder")
	case s.Qualify != nil:
		return r.refuse(s.Qualify, "QUALIFY is not in the builder")
	case s.Sample != nil:
		return r.refuse(s.Sample, "a sample clause is not in the builder")
	}
	if err := r.from(s.From, m); err != nil {
		return err
	}
	for i, it := range s.Items {
		if err := r.selectItem(i, it, m); err != nil {
			return err
		}
	}
	if s.Where != nil {
		if err := r.where(s.Where.Expr, m); err != nil {
			return err
		}
	}
	return r.groupBy(s, m)
}

func (r *reader) from(f *ast.From, m *Model) error {
	if len(f.Items) != 1 {
		return r.refuse(f.Items[1], "more than one table: the builder reads one table")
	}
	switch t := f.Items[0].(type) {
	case *ast.TableRef:
		if t.Final != nil {
			return r.refuse(*t.Final, "FINAL is not in the builder")
		}
		if t.Sample != nil {
			return r.refuse(t.Sample, "SAMPLE is not in the builder")
		}
		if t.Alias != nil {
			return r.refuse(t.Alias, "a table alias is not in the builder")
		}
		return r.tableName(t.Name, m)
	case *ast.Join:
		return r.refuse(ast.Span{Start: t.KindSpan.Start}, "joins are not in the builder")
	case *ast.ParenTable:
		return r.refuse(t, "joins are not in the builder")
	case *ast.DerivedTable:
		return r.refuse(t, "a subquery in FROM: the builder reads a table")
	case *ast.TableFunc:
		return r.refuse(t, "a table function: the builder reads a table")
	case *ast.Unnest:
		return r.refuse(t, "UNNEST is not in the builder")
	default:
		return r.refuse(f.Items[0], "this FROM item is not in the builder")
	}
}

// name returns an identifier's value: PostgreSQL folds bare names to lower
// case.
func (r *reader) name(id ast.Ident) string {
	if !id.Quoted && r.d.Name() == dialect.Postgres {
		return strings.ToLower(id.Name)
	}
	return id.Name
}

func (r *reader) tableName(n *ast.ObjectName, m *Model) error {
	var parts []string
	for _, p := range n.Parts {
		if p.Quoted && r.d.Name() == dialect.BigQuery && strings.Contains(p.Name, ".") {
			parts = append(parts, strings.Split(p.Name, ".")...)
			continue
		}
		parts = append(parts, r.name(p))
	}
	for _, p := range parts {
		if p == "" {
			return r.refuse(n, "a table name with an empty part")
		}
	}
	switch len(parts) {
	case 1:
		m.Table = Table{Name: parts[0]}
	case 2:
		m.Table = Table{Dataset: parts[0], Name: parts[1]}
	case 3:
		if r.d.Name() != dialect.BigQuery {
			return r.refuse(n, "a table in another database: the builder reads %s", kindOfDataset(r.d.Name()))
		}
		m.Table = Table{Project: parts[0], Dataset: parts[1], Name: parts[2]}
	default:
		return r.refuse(n, "a table name with %d parts", len(parts))
	}
	if r.d.Name() == dialect.BigQuery && strings.HasSuffix(m.Table.Name, "*") {
		return r.refuse(n, "a wildcard table is not in the builder")
	}
	return nil
}

func kindOfDataset(n dialect.Name) string {
	switch n {
	case dialect.ClickHouse:
		return "database.table"
	default:
		return "schema.table"
	}
}

// column reads a plain column reference.
func (r *reader) column(e ast.Expr, what string) (string, error) {
	c, ok := e.(*ast.ColumnRef)
	if !ok {
		return "", r.refuse(e, "an expression in %s the builder cannot show: it takes column names", what)
	}
	if len(c.Parts) != 1 {
		return "", r.refuse(c, "a qualified column name in %s: the builder takes plain column names", what)
	}
	return r.name(c.Parts[0]), nil
}

// aggregate reads col, *, or an aggregate call of either.
func (r *reader) aggregate(e ast.Expr, what string) (string, Aggregate, error) {
	switch x := e.(type) {
	case *ast.ColumnRef:
		name, err := r.column(x, what)
		return name, AggNone, err
	case *ast.Star:
		if len(x.Qualifier) > 0 || len(x.Except) > 0 || len(x.Replace) > 0 {
			return "", "", r.refuse(x, "a qualified or modified * is not in the builder")
		}
		return "*", AggNone, nil
	case *ast.Func:
		return r.aggCall(x, what)
	}
	return "", "", r.refuse(e, "an expression in %s the builder cannot show", what)
}

func (r *reader) aggCall(f *ast.Func, what string) (string, Aggregate, error) {
	if len(f.Name.Parts) != 1 {
		return "", "", r.refuse(f, "a qualified function name in %s", what)
	}
	fn := strings.ToLower(f.Name.Parts[0].Name)
	var agg Aggregate
	switch fn {
	case "count", "sum", "avg", "min", "max":
		agg = Aggregate(fn)
	default:
		return "", "", r.refuse(f, "the function %s in %s: the builder has count, sum, avg, min and max", f.Name.Parts[0].Name, what)
	}
	switch {
	case f.Over != nil:
		return "", "", r.refuse(f.Over, "a window function is not in the builder")
	case len(f.Params) > 0 || len(f.OrderBy) > 0 || len(f.Within) > 0 || f.Filter != nil:
		return "", "", r.refuse(f, "an aggregate with modifiers is not in the builder")
	case fn == "count" && len(f.Args) == 0 && !f.Distinct && !f.ArgsSpan.IsZero():
		return "*", AggCount, nil // ClickHouse count()
	case len(f.Args) != 1:
		return "", "", r.refuse(f, "%s with %d arguments: the builder takes one column", fn, len(f.Args))
	}
	col, inner, err := r.aggregate(f.Args[0], what)
	if err != nil {
		return "", "", err
	}
	if inner != AggNone {
		return "", "", r.refuse(f.Args[0], "a nested aggregate is not in the builder")
	}
	if f.Distinct {
		if agg != AggCount || col == "*" {
			return "", "", r.refuse(f, "%s(DISTINCT ...): the builder has count distinct of a column", fn)
		}
		agg = AggCountDistinct
	}
	if col == "*" && agg != AggCount {
		return "", "", r.refuse(f, "%s(*) is not an aggregate", fn)
	}
	return col, agg, nil
}

func (r *reader) alias(a *ast.Ident) string {
	if a == nil {
		return ""
	}
	return r.name(*a)
}

func (r *reader) selectItem(i int, it *ast.SelectItem, m *Model) error {
	if mc, ok := it.Expr.(*ast.Macro); ok && (mc.Name == "__timeGroup" || mc.Name == "__timeGroupAlias") {
		if i != 0 {
			return r.refuse(it, "$%s after other columns: the builder puts the time group first", mc.Name)
		}
		t, err := r.timeGroup(mc)
		if err != nil {
			return err
		}
		switch {
		case mc.Name == "__timeGroupAlias" && it.Alias != nil:
			return r.refuse(it.Alias, "an alias after $__timeGroupAlias: use $__timeGroup(...) AS name")
		case mc.Name == "__timeGroup" && it.Alias == nil:
			return r.refuse(it, "$__timeGroup without an alias: write AS time, or use $__timeGroupAlias")
		}
		t.Alias = r.alias(it.Alias)
		m.Time = t
		return nil
	}
	name, agg, err := r.aggregate(it.Expr, "the select list")
	if err != nil {
		return err
	}
	c := Column{Name: name, Aggregate: agg, Alias: r.alias(it.Alias)}
	if c.Name == "*" && c.Aggregate == AggNone && c.Alias != "" {
		return r.refuse(it.Alias, "* cannot have an alias")
	}
	m.Columns = append(m.Columns, c)
	return nil
}

func (r *reader) timeGroup(mc *ast.Macro) (*TimeGroup, error) {
	if !mc.HasArgs || len(mc.Args) < 2 || len(mc.Args) > 3 {
		return nil, r.refuse(mc, "$%s needs (column, interval[, fill])", mc.Name)
	}
	col, err := r.column(mc.Args[0], "$"+mc.Name)
	if err != nil {
		return nil, err
	}
	t := &TimeGroup{Column: col}
	switch iv := mc.Args[1].(type) {
	case *ast.Macro:
		if iv.Name != "__interval" || iv.HasArgs {
			return nil, r.refuse(iv, "the interval $%s: the builder takes $__interval, a variable or a duration", iv.Name)
		}
		t.Interval = "$__interval"
	case *ast.Variable:
		t.Interval = iv.Text(r.src)
	case *ast.Literal:
		if iv.Kind != ast.LitString {
			return nil, r.refuse(iv, "the interval must be a duration string such as '5m'")
		}
		s, err := r.stringValue(iv)
		if err != nil {
			return nil, err
		}
		t.Interval = s
	default:
		return nil, r.refuse(mc.Args[1], "an interval the builder cannot show: use $__interval, a variable or a duration such as '5m'")
	}
	if len(mc.Args) == 3 {
		f, err := r.fillArg(mc.Args[2])
		if err != nil {
			return nil, err
		}
		t.Fill = f
	}
	return t, nil
}

func (r *reader) fillArg(e ast.Expr) (string, error) {
	switch x := e.(type) {
	case *ast.Literal:
		switch x.Kind {
		case ast.LitNull:
			return "NULL", nil
		case ast.LitNumber:
			return x.Text(r.src), nil
		}
	case *ast.ColumnRef:
		if len(x.Parts) == 1 && !x.Parts[0].Quoted && strings.EqualFold(x.Parts[0].Name, "previous") {
			return "previous", nil
		}
	case *ast.Unary:
		if lit, ok := x.X.(*ast.Literal); ok && x.Op == "-" && lit.Kind == ast.LitNumber {
			return "-" + lit.Text(r.src), nil
		}
	}
	return "", r.refuse(e, "a fill the builder cannot show: use NULL, previous or a number")
}

// where reads a conjunction of builder filters.
func (r *reader) where(e ast.Expr, m *Model) error {
	if b, ok := e.(*ast.Binary); ok && b.Op == "AND" {
		if err := r.where(b.Left, m); err != nil {
			return err
		}
		return r.where(b.Right, m)
	}
	f, err := r.filter(e)
	if err != nil {
		return err
	}
	m.Filters = append(m.Filters, f)
	return nil
}

func (r *reader) filter(e ast.Expr) (Filter, error) {
	switch x := e.(type) {
	case *ast.Macro:
		if x.Name != "__timeFilter" {
			return Filter{}, r.refuse(x, "the macro $%s in WHERE: the builder has $__timeFilter", x.Name)
		}
		if !x.HasArgs || len(x.Args) != 1 {
			return Filter{}, r.refuse(x, "$__timeFilter takes one column")
		}
		col, err := r.column(x.Args[0], "$__timeFilter")
		return Filter{Column: col, Op: OpTimeFilter}, err
	case *ast.Binary:
		op := x.Op
		switch op {
		case "<>":
			op = OpNe
		case OpEq, OpNe, OpLt, OpGt, OpLe, OpGe, OpLike, OpNotLike:
		case "OR":
			return Filter{}, r.refuse(x.OpSpan, "OR in WHERE: the builder joins filters with AND")
		default:
			return Filter{}, r.refuse(x.OpSpan, "the operator %s in WHERE is not in the builder", x.Op)
		}
		col, err := r.column(x.Left, "WHERE")
		if err != nil {
			return Filter{}, err
		}
		v, err := r.value(x.Right)
		if err != nil {
			return Filter{}, err
		}
		if (op == OpLike || op == OpNotLike) && v.Kind == ValueNumber {
			return Filter{}, r.refuse(x.Right, "%s with a number", op)
		}
		return Filter{Column: col, Op: op, Value: &v}, nil
	case *ast.In:
		col, err := r.column(x.X, "WHERE")
		if err != nil {
			return Filter{}, err
		}
		if x.Query != nil || x.Other != nil || len(x.List) == 0 {
			return Filter{}, r.refuse(x, "IN takes a list of values in the builder")
		}
		f := Filter{Column: col, Op: OpIn}
		if x.Not {
			f.Op = OpNotIn
		}
		for _, it := range x.List {
			v, err := r.value(it)
			if err != nil {
				return Filter{}, err
			}
			f.Values = append(f.Values, v)
		}
		return f, nil
	case *ast.Is:
		if x.What != "NULL" {
			return Filter{}, r.refuse(x, "IS %s is not in the builder", x.What)
		}
		col, err := r.column(x.X, "WHERE")
		if err != nil {
			return Filter{}, err
		}
		f := Filter{Column: col, Op: OpIsNull}
		if x.Not {
			f.Op = OpIsNotNull
		}
		return f, nil
	case *ast.Between:
		return Filter{}, r.refuse(x, "BETWEEN is not in the builder: use >= and <=")
	case *ast.Paren:
		return Filter{}, r.refuse(x, "a parenthesized condition: the builder joins filters with AND")
	case *ast.Unary:
		if strings.EqualFold(x.Op, "NOT") {
			return Filter{}, r.refuse(x, "NOT is not in the builder: use !=, NOT IN or NOT LIKE")
		}
	}
	return Filter{}, r.refuse(e, "a condition the builder cannot show")
}

// value reads a filter value: a string, a number (maybe negative) or one
// template variable.
func (r *reader) value(e ast.Expr) (Value, error) {
	switch x := e.(type) {
	case *ast.Literal:
		if !x.Type.IsZero() {
			return Value{}, r.refuse(x, "a typed literal is not in the builder")
		}
		switch x.Kind {
		case ast.LitString:
			s, err := r.stringValue(x)
			return Value{Kind: ValueString, Text: s}, err
		case ast.LitNumber:
			return r.number(x, x.Text(r.src))
		}
	case *ast.Variable:
		return Value{Kind: ValueVariable, Text: x.Text(r.src)}, nil
	case *ast.Paren:
		if u, ok := x.X.(*ast.Unary); ok {
			return r.negative(u, e)
		}
	case *ast.Unary:
		return r.negative(x, e)
	}
	return Value{}, r.refuse(e, "a value the builder cannot show: it takes a string, a number or a variable")
}

func (r *reader) negative(u *ast.Unary, at ast.Expr) (Value, error) {
	if lit, ok := u.X.(*ast.Literal); ok && u.Op == "-" && lit.Kind == ast.LitNumber {
		return r.number(lit, "-"+lit.Text(r.src))
	}
	return Value{}, r.refuse(at, "a value the builder cannot show: it takes a string, a number or a variable")
}

func (r *reader) number(at ast.Node, text string) (Value, error) {
	if _, ok := r.d.NumberLiteral(text); !ok {
		return Value{}, r.refuse(at, "the number %s: the builder takes decimal numbers", text)
	}
	return Value{Kind: ValueNumber, Text: text}, nil
}

func (r *reader) groupBy(s *ast.Select, m *Model) error {
	g := s.GroupBy
	if g == nil {
		if m.Time != nil && m.hasAggregate() {
			return r.refuse(ast.Span{Start: s.End}, "aggregates next to the time group without GROUP BY 1")
		}
		return nil
	}
	switch {
	case g.All:
		return r.refuse(g, "GROUP BY ALL is not in the builder")
	case len(g.With) > 0:
		return r.refuse(g, "GROUP BY ... WITH %s is not in the builder", g.With[0])
	}
	items := g.Items
	if m.Time != nil {
		if len(items) == 0 || !isOne(items[0], r.src) {
			at := ast.Node(g)
			if len(items) > 0 {
				at = items[0]
			}
			return r.refuse(at, "GROUP BY must start with 1 (the time group)")
		}
		items = items[1:]
	}
	for _, it := range items {
		if lit, ok := it.(*ast.Literal); ok && lit.Kind == ast.LitNumber {
			return r.refuse(it, "a column position in GROUP BY: the builder groups by column names")
		}
		col, err := r.column(it, "GROUP BY")
		if err != nil {
			return err
		}
		m.GroupBy = append(m.GroupBy, col)
	}
	if !m.grouped() {
		return r.refuse(g, "GROUP BY 1 without aggregates is not in the builder")
	}
	return nil
}

func isOne(e ast.Expr, src string) bool {
	lit, ok := e.(*ast.Literal)
	return ok && lit.Kind == ast.LitNumber && lit.Text(src) == "1"
}

func (r *reader) orderBy(o *ast.OrderBy, m *Model) error {
	if o.All {
		return r.refuse(o, "ORDER BY ALL is not in the builder")
	}
	if o.Interpolate != nil {
		return r.refuse(*o.Interpolate, "INTERPOLATE is not in the builder")
	}
	for _, it := range o.Items {
		switch {
		case it.NullsFirst != nil:
			return r.refuse(it, "NULLS FIRST/LAST is not in the builder")
		case it.Fill != nil:
			return r.refuse(it.Fill, "WITH FILL is not in the builder")
		}
		if isOne(it.Expr, r.src) && m.Time != nil {
			m.OrderBy = append(m.OrderBy, Order{Time: true, Desc: it.Desc})
			continue
		}
		if lit, ok := it.Expr.(*ast.Literal); ok && lit.Kind == ast.LitNumber {
			return r.refuse(it, "a column position in ORDER BY: the builder orders by the time group or column names")
		}
		col, agg, err := r.aggregate(it.Expr, "ORDER BY")
		if err != nil {
			return err
		}
		if col == "*" && agg == AggNone {
			return r.refuse(it, "ORDER BY * is not SQL")
		}
		m.OrderBy = append(m.OrderBy, Order{Column: col, Aggregate: agg, Desc: it.Desc})
	}
	return nil
}
