package builder

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bigtent/quarry/pkg/sqlplan/dialect"
	"github.com/bigtent/quarry/pkg/sqlplan/lexer"
	"github.com/bigtent/quarry/pkg/sqlplan/macros"
)

// ModelError is a model that cannot be written as SQL: Field says which
// part ("columns[1].aggregate", "filters[0].value") and Message why.
type ModelError struct {
	Field   string
	Message string
}

func (e *ModelError) Error() string { return e.Field + ": " + e.Message }

func modelErr(field, format string, args ...any) error {
	return &ModelError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// Build writes m as SQL of dialect d. The text is canonical (one select
// item per line, filters joined with AND), so Parse(Build(m)) == m. A model
// that cannot be written (no table, an unknown aggregate or operator, a
// value that is neither a string, a number nor one template variable) is a
// *ModelError.
func Build(m *Model, d dialect.Dialect) (string, error) {
	if m == nil {
		return "", modelErr("model", "is missing")
	}
	w := writer{d: d}
	if err := w.check(m); err != nil {
		return "", err
	}
	var b strings.Builder
	var items []string
	if t := m.Time; t != nil {
		items = append(items, w.timeGroup(t))
	}
	for i, c := range m.Columns {
		s, err := w.column(c)
		if err != nil {
			return "", prefix(fmt.Sprintf("columns[%d]", i), err)
		}
		items = append(items, s)
	}
	b.WriteString("SELECT\n  ")
	b.WriteString(strings.Join(items, ",\n  "))
	b.WriteString("\nFROM ")
	b.WriteString(w.table(m.Table))
	for i, f := range m.Filters {
		s, err := w.filter(f)
		if err != nil {
			return "", prefix(fmt.Sprintf("filters[%d]", i), err)
		}
		if i == 0 {
			b.WriteString("\nWHERE ")
		} else {
			b.WriteString("\n  AND ")
		}
		b.WriteString(s)
	}
	if m.grouped() {
		var g []string
		if m.Time != nil {
			g = append(g, "1")
		}
		for _, c := range m.GroupBy {
			g = append(g, w.ident(c))
		}
		b.WriteString("\nGROUP BY ")
		b.WriteString(strings.Join(g, ", "))
	}
	if len(m.OrderBy) > 0 {
		var o []string
		for i, it := range m.OrderBy {
			s, err := w.order(it, m)
			if err != nil {
				return "", prefix(fmt.Sprintf("orderBy[%d]", i), err)
			}
			o = append(o, s)
		}
		b.WriteString("\nORDER BY ")
		b.WriteString(strings.Join(o, ", "))
	}
	if m.Limit != nil {
		b.WriteString("\nLIMIT ")
		b.WriteString(strconv.FormatInt(*m.Limit, 10))
	}
	return b.String(), nil
}

func prefix(field string, err error) error {
	var me *ModelError
	if errors.As(err, &me) {
		return &ModelError{Field: field + me.Field, Message: me.Message}
	}
	return fmt.Errorf("%s: %w", field, err)
}

type writer struct {
	d dialect.Dialect
}

// check validates the parts of m that have no writer of their own.
func (w writer) check(m *Model) error {
	switch m.Mode {
	case ModeTable, ModeTimeSeries, ModeLogs:
	case "":
		return modelErr("mode", "is missing: use table, time_series or logs")
	default:
		return modelErr("mode", "%q is not a builder mode: use table, time_series or logs", m.Mode)
	}
	if m.Table.Name == "" {
		return modelErr("table.name", "pick a table")
	}
	if m.Table.Project != "" && w.d.Name() != dialect.BigQuery {
		return modelErr("table.project", "only BigQuery tables have a project")
	}
	if m.Table.Project != "" && m.Table.Dataset == "" {
		return modelErr("table.dataset", "a BigQuery table with a project needs its dataset")
	}
	if m.Time == nil && len(m.Columns) == 0 {
		return modelErr("columns", "pick at least one column")
	}
	if m.Mode == ModeTimeSeries && m.Time == nil {
		return modelErr("time", "a time series needs a time column to group by")
	}
	if t := m.Time; t != nil {
		if t.Column == "" {
			return modelErr("time.column", "pick the time column")
		}
		if err := w.checkInterval(t.Interval); err != nil {
			return err
		}
		if _, err := w.fill(t.Fill); err != nil {
			return err
		}
	}
	for i, c := range m.GroupBy {
		if c == "" || c == "*" {
			return modelErr(fmt.Sprintf("groupBy[%d]", i), "pick a column")
		}
	}
	if err := checkNames(m); err != nil {
		return err
	}
	if m.Limit != nil && *m.Limit < 0 {
		return modelErr("limit", "must be 0 or more, not %d", *m.Limit)
	}
	return nil
}

// checkNames refuses names with control characters: no engine needs them
// and the dialects escape them differently.
func checkNames(m *Model) error {
	type named struct{ field, name string }
	ns := []named{{"table.project", m.Table.Project}, {"table.dataset", m.Table.Dataset}, {"table.name", m.Table.Name}}
	if m.Time != nil {
		ns = append(ns, named{"time.column", m.Time.Column}, named{"time.alias", m.Time.Alias})
	}
	for i, c := range m.Columns {
		ns = append(ns, named{fmt.Sprintf("columns[%d].name", i), c.Name}, named{fmt.Sprintf("columns[%d].alias", i), c.Alias})
	}
	for i, f := range m.Filters {
		ns = append(ns, named{fmt.Sprintf("filters[%d].column", i), f.Column})
	}
	for i, g := range m.GroupBy {
		ns = append(ns, named{fmt.Sprintf("groupBy[%d]", i), g})
	}
	for i, o := range m.OrderBy {
		ns = append(ns, named{fmt.Sprintf("orderBy[%d].column", i), o.Column})
	}
	for _, n := range ns {
		for _, c := range n.name {
			if c < 0x20 || c == 0x7f {
				return modelErr(n.field, "%q has a control character", n.name)
			}
		}
		if !utf8.ValidString(n.name) {
			return modelErr(n.field, "%q is not valid UTF-8", n.name)
		}
	}
	return nil
}

// isPlain reports whether name is lower-case letters, digits and
// underscores, not starting with a digit: a name no dialect needs to quote
// unless it is a keyword.
func isPlain(name string) bool {
	if name == "" || name[0] >= '0' && name[0] <= '9' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// isBare reports whether name can be written without quotes: a plain name
// that is not a keyword. Keywords are quoted even where a dialect would
// take them bare: which words are reserved differs between engines and
// versions (PostgreSQL reads a bare user as CURRENT_USER), and the
// planner's tolerant parser is no authority on that.
func (w writer) isBare(name string) bool {
	return isPlain(name) && lexer.LookupKeyword(name) == lexer.KwNone
}

// ident writes one identifier, quoted only when it needs quotes.
func (w writer) ident(name string) string {
	if w.isBare(name) {
		return name
	}
	return w.d.QuoteIdent(name)
}

func (w writer) table(t Table) string {
	var parts []string
	for _, p := range []string{t.Project, t.Dataset} {
		if p != "" {
			parts = append(parts, w.ident(p))
		}
	}
	return strings.Join(append(parts, w.ident(t.Name)), ".")
}

func (w writer) timeGroup(t *TimeGroup) string {
	fill, _ := w.fill(t.Fill) // checked
	args := w.ident(t.Column) + ", " + w.interval(t.Interval)
	if fill != "" {
		args += ", " + fill
	}
	if t.Alias == "" {
		return "$__timeGroupAlias(" + args + ")"
	}
	return "$__timeGroup(" + args + ") AS " + w.ident(t.Alias)
}

func (w writer) checkInterval(iv string) error {
	switch {
	case iv == "":
		return modelErr("time.interval", "is missing: use $__interval or a duration such as 5m")
	case iv == "$__interval":
		return nil
	case strings.HasPrefix(iv, "$") || strings.HasPrefix(iv, "[["):
		if !w.isVariable(iv) {
			return modelErr("time.interval", "%q is not one template variable ($name or ${name})", iv)
		}
		return nil
	}
	if _, err := macros.ParseInterval(iv); err != nil {
		return modelErr("time.interval", "%v", err)
	}
	return nil
}

func (w writer) interval(iv string) string {
	if strings.HasPrefix(iv, "$") || strings.HasPrefix(iv, "[[") {
		return iv
	}
	return w.d.MustQuoteString(iv) // a checked duration: plain ASCII
}

// fill returns the fill argument's text: NULL, previous or a number.
func (w writer) fill(f string) (string, error) {
	switch {
	case f == "":
		return "", nil
	case strings.EqualFold(f, "null"):
		return "NULL", nil
	case strings.EqualFold(f, "previous"):
		return "previous", nil
	}
	if n, ok := w.d.NumberLiteral(f); ok {
		return strings.TrimSuffix(strings.TrimPrefix(n, "("), ")"), nil
	}
	return "", modelErr("time.fill", "%q is not a fill: use NULL, previous or a number", f)
}

// isVariable reports whether s is exactly one template variable token.
func (w writer) isVariable(s string) bool {
	toks, err := lexer.Lex(s, string(w.d.Name()))
	return err == nil && len(toks) == 1 && toks[0].Kind == lexer.Variable && !strings.HasPrefix(s, "$__")
}

func (w writer) aggregate(a Aggregate, col string) (string, error) {
	arg := "*"
	if col != "*" {
		if col == "" {
			return "", modelErr(".name", "pick a column")
		}
		arg = w.ident(col)
	}
	switch a {
	case AggNone:
		return arg, nil
	case AggCount:
		return "count(" + arg + ")", nil
	case AggSum, AggAvg, AggMin, AggMax:
		if col == "*" {
			return "", modelErr(".aggregate", "%s needs a column, not *", a)
		}
		return string(a) + "(" + arg + ")", nil
	case AggCountDistinct:
		if col == "*" {
			return "", modelErr(".aggregate", "count distinct needs a column, not *")
		}
		return "count(DISTINCT " + arg + ")", nil
	}
	return "", modelErr(".aggregate", "%q is not an aggregate: use count, sum, avg, min, max or count_distinct", a)
}

func (w writer) column(c Column) (string, error) {
	s, err := w.aggregate(c.Aggregate, c.Name)
	if err != nil {
		return "", err
	}
	if c.Alias != "" {
		if c.Name == "*" && c.Aggregate == AggNone {
			return "", modelErr(".alias", "* cannot have an alias")
		}
		s += " AS " + w.ident(c.Alias)
	}
	return s, nil
}

func (w writer) value(v Value) (string, error) {
	switch v.Kind {
	case ValueString:
		s, err := w.d.QuoteString(v.Text)
		if err != nil {
			return "", modelErr(".value", "%v", err)
		}
		return s, nil
	case ValueNumber:
		n, ok := w.d.NumberLiteral(v.Text)
		if !ok {
			return "", modelErr(".value", "%q is not a number", v.Text)
		}
		return n, nil
	case ValueVariable:
		if !w.isVariable(v.Text) {
			return "", modelErr(".value", "%q is not one template variable ($name or ${name})", v.Text)
		}
		return v.Text, nil
	}
	return "", modelErr(".value", "kind %q is not a value kind: use string, number or variable", v.Kind)
}

func (w writer) filter(f Filter) (string, error) {
	if f.Column == "" || f.Column == "*" {
		return "", modelErr(".column", "pick a column")
	}
	col := w.ident(f.Column)
	switch f.Op {
	case OpTimeFilter:
		return "$__timeFilter(" + col + ")", nil
	case OpIsNull, OpIsNotNull:
		return col + " " + f.Op, nil
	case OpEq, OpNe, OpLt, OpGt, OpLe, OpGe, OpLike, OpNotLike:
		if f.Value == nil {
			return "", modelErr(".value", "%s needs a value", f.Op)
		}
		if (f.Op == OpLike || f.Op == OpNotLike) && f.Value.Kind == ValueNumber {
			return "", modelErr(".value", "%s needs a string or a variable", f.Op)
		}
		v, err := w.value(*f.Value)
		if err != nil {
			return "", err
		}
		return col + " " + f.Op + " " + v, nil
	case OpIn, OpNotIn:
		if len(f.Values) == 0 {
			return "", modelErr(".values", "%s needs at least one value", f.Op)
		}
		vs := make([]string, len(f.Values))
		for i, v := range f.Values {
			s, err := w.value(v)
			if err != nil {
				return "", prefix(fmt.Sprintf(".values[%d]", i), err)
			}
			vs[i] = s
		}
		return col + " " + f.Op + " (" + strings.Join(vs, ", ") + ")", nil
	}
	return "", modelErr(".op", "%q is not a builder operator", f.Op)
}

func (w writer) order(o Order, m *Model) (string, error) {
	var s string
	if o.Time {
		if m.Time == nil {
			return "", modelErr(".time", "there is no time group to order by")
		}
		if o.Column != "" || o.Aggregate != AggNone {
			return "", modelErr(".time", "orders by the time group: leave column and aggregate empty")
		}
		s = "1"
	} else {
		if o.Column == "*" && o.Aggregate == AggNone {
			return "", modelErr(".column", "pick a column")
		}
		var err error
		if s, err = w.aggregate(o.Aggregate, o.Column); err != nil {
			return "", err
		}
	}
	if o.Desc {
		s += " DESC"
	}
	return s, nil
}
