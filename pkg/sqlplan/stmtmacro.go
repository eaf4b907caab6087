package sqlplan

import (
	"context"
	"errors"
	"unicode/utf8"

	"github.com/bigtent/quarry/pkg/sqlplan/lexer"
	"github.com/bigtent/quarry/pkg/sqlplan/stmtmacro"
)

// expandStatementMacros is the phase before parsing: it expands statement
// macros and the Altinity plugin's macros (package stmtmacro). When it
// changed the SQL it plans the expanded text and reports the plan in terms
// of the original: errors, step spans and warnings at the line and column
// of req.RawSQL, the expansion as the first steps. done is false when there
// was nothing to expand.
func expandStatementMacros(ctx context.Context, req Request, s *scratch) (plan *Plan, done bool, err error) {
	if !stmtmacro.MayExpand(req.RawSQL, string(req.Dialect)) {
		return nil, false, nil
	}
	res, err := stmtmacro.Expand(req.RawSQL, stmtmacro.Options{
		Dialect: string(req.Dialect), ServerVersion: req.ServerVersion,
		From: req.TimeRange.From, To: req.TimeRange.To,
		IntervalMs: req.IntervalMs, MaxDataPoints: req.MaxDataPoints,
		Altinity: req.Altinity, Tokens: &s.stmtTokens,
	})
	if err != nil {
		var me *stmtmacro.Error
		if errors.As(err, &me) && me.Offset >= 0 {
			return nil, true, posError(req.RawSQL, me.Offset, me.Message)
		}
		return nil, true, &Error{Message: err.Error()}
	}
	if !res.Changed {
		return nil, false, nil
	}
	exp := req
	exp.RawSQL = res.SQL
	plan, err = build(ctx, exp, s)
	if err != nil {
		var pe *Error
		if errors.As(err, &pe) && pe.Line > 0 {
			return nil, true, posError(req.RawSQL, res.Orig(pe.Offset), pe.Message+" (in the expansion of the query's macros)")
		}
		return nil, true, err
	}
	steps := make([]Step, 0, len(res.Steps)+len(plan.Steps))
	for _, st := range res.Steps {
		steps = append(steps, Step{Kind: st.Kind, Detail: st.Detail, Span: &Span{st.Start, st.End}})
	}
	for _, st := range plan.Steps {
		if st.Span != nil {
			st.Span = &Span{res.Orig(st.Span.Start), res.Orig(st.Span.End)}
		}
		steps = append(steps, st)
	}
	plan.Steps = steps
	warns := make([]Warning, 0, len(res.Warnings)+len(plan.Warnings))
	for _, w := range res.Warnings {
		warns = append(warns, warning(req.RawSQL, w.Code, w.Message, w.Offset))
	}
	for _, w := range plan.Warnings {
		if w.Line > 0 {
			w.Line, w.Column = lexer.Position(req.RawSQL, res.Orig(offsetOf(res.SQL, w.Line, w.Column)))
		}
		warns = append(warns, w)
	}
	plan.Warnings = warns
	cat := plan.Request.Catalog // the expansion's, when Lookup found it
	plan.Request = req
	if req.Lookup != nil {
		plan.Request.Catalog, plan.Request.Lookup = cat, nil
	}
	return plan, true, nil
}

// offsetOf turns a 1-based line and column (in characters, as
// lexer.Position counts them) of src back into a byte offset.
func offsetOf(src string, line, col int) int {
	off := 0
	for l := 1; l < line && off < len(src); off++ {
		if src[off] == '\n' {
			l++
		}
	}
	for c := 1; c < col && off < len(src); c++ {
		_, n := utf8.DecodeRuneInString(src[off:])
		off += n
	}
	return off
}
