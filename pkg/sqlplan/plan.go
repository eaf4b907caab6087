package sqlplan

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/bigtent/quarry/pkg/sqlplan/ast"
	"github.com/bigtent/quarry/pkg/sqlplan/dialect"
	"github.com/bigtent/quarry/pkg/sqlplan/edit"
	"github.com/bigtent/quarry/pkg/sqlplan/guard"
	"github.com/bigtent/quarry/pkg/sqlplan/incremental"
	"github.com/bigtent/quarry/pkg/sqlplan/lexer"
	"github.com/bigtent/quarry/pkg/sqlplan/macros"
	"github.com/bigtent/quarry/pkg/sqlplan/pushdown"
)

// Build plans one request: lex and parse the SQL, refuse anything that is
// not one read-only statement, expand the macros, push the ad hoc filters
// and the time range down, add partition predicates, cap the rows, and
// apply all edits to the user's text at once. It does no I/O. Errors are
// *Error values; those about the SQL carry its line and column.
//
// Build starts from nothing each time; a Planner keeps its buffers between
// requests and is what a long-lived caller should use.
func Build(ctx context.Context, req Request) (*Plan, error) {
	return build(ctx, req, new(scratch))
}

// build is Build with the scratch state s, which it may reuse freely: no
// part of the returned Plan refers to it.
func build(ctx context.Context, req Request, s *scratch) (*Plan, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := req.validate(s.loadZone); err != nil {
		return nil, &Error{Message: err.Error()}
	}
	if plan, done, err := expandStatementMacros(ctx, req, s); done {
		return plan, err
	}
	src := req.RawSQL
	d, err := dialect.New(dialect.Name(req.Dialect), req.ServerVersion)
	if err != nil {
		return nil, &Error{Message: err.Error()}
	}
	script, err := s.parser.Parse(src, string(req.Dialect))
	if err != nil {
		return nil, sqlError(src, err)
	}
	s.guardOpts = req.Options
	refused := s.guard.Check(src, script, string(req.Dialect), &s.guardOpts)
	s.guardOpts = guard.Options{}
	if len(refused) > 0 {
		return nil, refusalError(src, refused)
	}
	st, err := readOnlyStatement(src, script)
	if err != nil {
		return nil, err
	}
	if d.Name() == dialect.ClickHouse && !d.Has(dialect.HashComments) {
		if err := hashComments(src, script.Tokens, d); err != nil {
			return nil, err
		}
	}
	query := st.Query
	if req.Catalog == nil && req.Lookup != nil {
		req.Catalog = req.Lookup(ctx, TableRefs(script))
	}
	req.Lookup = nil // the plan's request is data

	pd := &s.pushdown
	pd.Reset(pushdown.Options{
		Src: src, Query: query, Dialect: d, Catalog: req.Catalog,
		From: req.TimeRange.From, To: req.TimeRange.To,
	})
	resolve := func(expr string, at int) (dialect.TimeKind, bool) {
		col, ok := pd.ColumnAt(expr, at)
		if !ok {
			return dialect.Unknown, false
		}
		return d.ColumnKind(col)
	}
	env, err := s.macros.NewEnv(macros.Config{
		Dialect: dialect.Name(req.Dialect), ServerVersion: req.ServerVersion,
		From: req.TimeRange.From, To: req.TimeRange.To,
		IntervalMs: req.IntervalMs, MaxDataPoints: req.MaxDataPoints,
		Timezone: req.Timezone, Fill: req.Fill, Resolve: resolve, Variables: macroVariables(req.Variables),
	})
	if err != nil {
		return nil, &Error{Message: err.Error()}
	}
	mres, err := s.macros.ExpandAll(src, script.Tokens, env)
	if err != nil {
		return nil, sqlError(src, err)
	}

	plan := &Plan{Statement: st.Kind.String(), Steps: []Step{}, Warnings: []Warning{}, Request: req}
	edits, adhoc := s.edits[:0], s.adhoc[:0]
	for _, e := range mres.Edits {
		if e.AdHoc {
			adhoc = append(adhoc, ast.Span{Start: e.Start, End: e.End}) // the filter placement writes it
			continue
		}
		edits = append(edits, pushdown.Edit{Start: e.Start, End: e.End, Text: e.Text})
	}
	for _, w := range mres.Warnings {
		plan.Warnings = append(plan.Warnings, warning(src, w.Code, w.Message, w.Offset))
	}
	if f := mres.Fill; f != nil {
		plan.Fill = &Fill{Mode: FillMode(f.Mode), Value: f.Value, Interval: f.Interval, Months: f.Months}
	}

	if query == nil {
		for _, f := range req.Filters {
			plan.Warnings = append(plan.Warnings, Warning{Code: "unused_filter",
				Message: fmt.Sprintf("ad hoc filter %s was not applied: a %s statement has no query to filter", f.Key, strings.ToUpper(plan.Statement))})
		}
	} else {
		if err := pd.Filters(pushdownFilters(req.Filters), adhoc); err != nil {
			return nil, sqlError(src, err) // positioned when it is about a place in the SQL
		}
		expand := func(name, arg string, at int) (string, error) {
			x, err := macros.Expand(env, macros.Call{Name: name, Start: at, End: at, Parens: true,
				Args: []macros.Arg{{Text: arg, Start: at, End: at}}})
			return x.SQL, err
		}
		if err := pd.TimeRange(expand); err != nil {
			return nil, sqlError(src, err)
		}
		pd.Partitions()
		if st.Kind == ast.StmtSelect && req.MaxRows > 0 {
			plan.RowCap = req.MaxRows
			plan.LimitAdded = pd.RowCap(req.MaxRows)
		}
	}
	pedits, psteps, pwarns := pd.Result()
	edits = append(edits, pedits...)
	s.edits, s.adhoc = edits, adhoc
	if n := len(mres.Steps) + len(psteps); n > 0 {
		plan.Steps = make([]Step, 0, n)
		spans := make([]Span, n) // one allocation for every step's span
		for i, s := range mres.Steps {
			spans[i] = Span{s.Start, s.End}
			plan.Steps = append(plan.Steps, Step{Kind: s.Kind, Detail: s.Detail, Span: &spans[i]})
		}
		for i, s := range psteps {
			k := len(mres.Steps) + i
			spans[k] = Span{s.Start, s.End}
			plan.Steps = append(plan.Steps, Step{Kind: s.Kind, Detail: s.Detail, Span: &spans[k]})
		}
	}
	if req.Incremental && query != nil {
		dec := incremental.Analyze(src, st, incremental.Options{
			Interval: env.Interval(), UTC: isUTC(req.Timezone),
			WholeSeconds: d.Name() == dialect.ClickHouse && !d.Has(dialect.UnixTimestamp64),
		})
		plan.Incremental = &dec
		step := Step{Kind: "incremental", Detail: dec.Detail()}
		if !dec.Span.IsZero() {
			step.Span = &Span{dec.Span.Start, dec.Span.End}
		}
		plan.Steps = append(plan.Steps, step)
	}
	for _, w := range pwarns {
		plan.Warnings = append(plan.Warnings, warning(src, w.Code, w.Message, w.Offset))
	}
	edit.Sort(edits) // the buffer is ours: Apply need not copy it to sort
	out, err := applyEdits(src, edits)
	if err != nil {
		return nil, &Error{Message: err.Error()}
	}
	plan.SQL = out
	return plan, nil
}

// readOnlyStatement returns the script's one statement, refusing scripts
// of several statements and anything that is not SELECT, WITH … SELECT,
// EXPLAIN, SHOW or DESCRIBE - before any of it reaches a database.
func readOnlyStatement(src string, s *ast.Script) (*ast.Statement, error) {
	switch len(s.Statements) {
	case 0:
		return nil, &Error{Message: "the query has no statement (it is empty or only comments): write one SELECT"}
	case 1:
	default:
		second := s.Statements[1]
		return nil, posError(src, second.Start, fmt.Sprintf(
			"the text holds %d statements; Quarry runs exactly one read-only statement (a single trailing ';' is fine): remove the others",
			len(s.Statements)))
	}
	if len(s.Semicolons) > 1 {
		return nil, posError(src, s.Semicolons[1].Start,
			"more than one ';': Quarry runs exactly one statement (a single trailing ';' is fine)")
	}
	st := s.Statements[0]
	kind := st.Kind
	if kind == ast.StmtExplain && st.Explained != ast.StmtUnknown && !st.Explained.ReadOnly() {
		return nil, posError(src, st.KeywordSpan.Start, fmt.Sprintf(
			"EXPLAIN of a %s statement is refused: Quarry only plans read-only statements (SELECT, WITH … SELECT, EXPLAIN, SHOW, DESCRIBE)",
			strings.ToUpper(st.Explained.String())))
	}
	if !kind.ReadOnly() {
		what := strings.ToUpper(kind.String())
		if kind == ast.StmtUnknown || kind == ast.StmtOther || kind == ast.StmtTransaction {
			what = strings.ToUpper(st.KeywordSpan.Text(src))
		}
		if what == "" {
			what = "this kind of"
		}
		return nil, posError(src, st.KeywordSpan.Start, fmt.Sprintf(
			"%s statements are refused: Quarry only runs read-only statements (SELECT, WITH … SELECT, EXPLAIN, SHOW, DESCRIBE)",
			what))
	}
	if kind == ast.StmtSelect && st.Query == nil {
		return nil, posError(src, st.Start, "could not find the query of this SELECT statement")
	}
	return st, nil
}

// hashComments refuses a # comment for a ClickHouse server older than
// 22.2, which answers it with a syntax error.
func hashComments(src string, toks []lexer.Token, d dialect.Dialect) error {
	for _, t := range toks {
		if t.Kind == lexer.Comment && src[t.Start] == '#' {
			return posError(src, t.Start, fmt.Sprintf(
				"ClickHouse %s does not accept # comments (they came in 22.2): write -- instead", d.Version()))
		}
	}
	return nil
}

// macroVariables is the request's variables as the macro expansion takes
// them (nil when there are none: no allocation).
func macroVariables(vs map[string]VariableValue) map[string]macros.Variable {
	if len(vs) == 0 {
		return nil
	}
	out := make(map[string]macros.Variable, len(vs))
	for k, v := range vs {
		out[k] = macros.Variable{Values: v.Values, Multi: v.Multi}
	}
	return out
}

func pushdownFilters(fs []Filter) []pushdown.Filter {
	out := make([]pushdown.Filter, len(fs))
	for i, f := range fs {
		out[i] = pushdown.Filter{Key: f.Key, Operator: f.Operator, Value: f.Value, Values: f.Values}
	}
	return out
}

// refusalError turns the trust guard's refusals into one positioned error
// (the first refusal) that lists each refusal as a "refused" step.
// RefusalError is the error for trust refusals found in src: positioned at
// the first, with a plan step of kind "refused" per refusal. Engines use it
// for what only the server can tell (BigQuery's dry run), so those refusals
// look like the planner's.
func RefusalError(src string, refused []guard.Refusal) *Error { return refusalError(src, refused) }

func refusalError(src string, refused []guard.Refusal) *Error {
	first := refused[0]
	msg := first.Message()
	if len(refused) > 1 {
		msg += fmt.Sprintf(" (and %d more refusals: see the plan steps)", len(refused)-1)
	}
	e := posError(src, first.Start, msg)
	e.Steps = make([]Step, len(refused))
	spans := make([]Span, len(refused))
	for i, r := range refused {
		spans[i] = Span{r.Start, r.End}
		e.Steps[i] = Step{Kind: "refused", Detail: r.Message(), Span: &spans[i]}
	}
	return e
}

// warning turns a warning at a byte offset (-1: none) into a Warning.
func warning(src, code, msg string, off int) Warning {
	w := Warning{Code: code, Message: msg}
	if off >= 0 {
		w.Line, w.Column = lexer.Position(src, off)
	}
	return w
}

// posError is an Error at byte offset off of src.
func posError(src string, off int, msg string) *Error {
	e := lexer.NewError(src, off, msg)
	return &Error{Message: e.Message, Line: e.Line, Column: e.Column, Snippet: e.Snippet, Offset: e.Offset}
}

// sqlError converts a lexer, parser or macro error into an *Error with a
// position.
func sqlError(src string, err error) *Error {
	var le *lexer.Error
	if errors.As(err, &le) {
		return &Error{Message: le.Message, Line: le.Line, Column: le.Column, Snippet: le.Snippet, Offset: le.Offset}
	}
	var me *macros.Error
	if errors.As(err, &me) {
		return posError(src, me.Offset, me.Error())
	}
	var pe *Error
	if errors.As(err, &pe) {
		return pe
	}
	return &Error{Message: err.Error()}
}

// applyEdits applies all edits to src at once with the edit buffer
// (validated: in range, no overlaps; insertions at one offset keep their
// order and come before a replacement there).
func applyEdits(src string, edits []edit.Edit) (string, error) {
	out, err := edit.Apply(src, edits)
	if err != nil {
		return "", fmt.Errorf("internal planner error: %w", err)
	}
	return out, nil
}

// isUTC reports whether the request's time zone aligns buckets in UTC.
func isUTC(tz string) bool {
	switch strings.ToLower(strings.TrimSpace(tz)) {
	case "", "utc", "browser", "etc/utc", "gmt", "etc/gmt", "z":
		return true
	}
	return false
}
