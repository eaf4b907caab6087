package pushdown

import (
	"fmt"
	"strings"

	"github.com/bigtent/quarry/pkg/sqlplan/ast"
)

// Filters places the ad hoc filters. When the query holds $__adHocFilters
// (the spans passed in adhoc), every occurrence is replaced by the AND of
// all filters (1=1 when there are none) and nothing is placed
// automatically. Otherwise each filter goes into the WHERE of the
// innermost query block whose FROM provides its column (see place), or
// above the outer join whose optional side that block is on (see lift),
// and a warning names each clause that now picks among the matching rows
// only (see warnPickers).
func (p *Planner) Filters(fs []Filter, adhoc []ast.Span) error {
	if len(adhoc) > 0 {
		return p.explicit(fs, adhoc)
	}
	for _, f := range fs {
		parts, err := appendKeyParts(p.keyParts[:0], f.Key)
		if err != nil {
			return err
		}
		p.keyParts = parts
		targets, how, err := p.place(parts)
		if err != nil {
			return err
		}
		if len(targets) == 0 {
			continue
		}
		if targets, err = p.liftAll(targets, f.Key); err != nil {
			return err
		}
		for i, tg := range targets {
			if placedBefore(targets[:i], tg) {
				continue
			}
			pred, err := Predicate(p.o.Dialect, tg.colText, f, p.numeric(tg))
			if err != nil {
				return err
			}
			p.addCond(tg.b.sel, pred)
			sp := tg.b.sel.Span
			d := append(p.detail[:0], "ad hoc filter on "...)
			d = append(append(append(d, f.Key...), ": "...), pred...)
			d = appendBlockName(append(d, " added to the WHERE of "...), tg.b)
			if tg.above != "" {
				d = append(append(append(d, ", above the "...), tg.above...), " whose optional side holds the column's table"...)
			}
			p.detail = d
			p.steps = append(p.steps, Step{Kind: "pushdown", Start: sp.Start, End: sp.End, Detail: string(d)})
			if tg.note != "" {
				p.warn("ambiguous_pushdown", sp.Start, "ad hoc filter %s: %s", f.Key, tg.note)
			}
			p.warnPickers(f.Key, tg.b, tg.src, tg.colName, 0)
		}
		if how != "" {
			p.warn("ambiguous_pushdown", -1, "ad hoc filter %s: %s", f.Key, how)
		}
	}
	return nil
}

// liftAll applies lift to every target, returning targets itself when no
// target needs to move (the common case: no outer join above).
func (p *Planner) liftAll(targets []target, key string) ([]target, error) {
	t := p.analysis()
	moved := false
	for _, tg := range targets {
		if t.mustLift(tg.b, 0) {
			moved = true
			break
		}
	}
	if !moved {
		return targets, nil
	}
	out := make([]target, 0, len(targets))
	for _, tg := range targets {
		var err error
		if out, err = p.lift(out, tg, key, 0); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// placedBefore reports whether one of targets filters the same column in
// the same block as tg.
func placedBefore(targets []target, tg target) bool {
	for _, o := range targets {
		if o.b.sel == tg.b.sel && o.colText == tg.colText {
			return true
		}
	}
	return false
}

func (p *Planner) explicit(fs []Filter, adhoc []ast.Span) error {
	preds := make([]string, 0, len(fs))
	for _, f := range fs {
		parts, err := KeyParts(f.Key)
		if err != nil {
			return err
		}
		col, err := p.o.Dialect.QuotePath(strings.Join(parts, "."))
		if err != nil {
			return fmt.Errorf("filter key %q: %w", f.Key, err)
		}
		pred, err := Predicate(p.o.Dialect, col, f, p.anyNumeric(parts[len(parts)-1]))
		if err != nil {
			return err
		}
		preds = append(preds, pred)
	}
	text := "1=1"
	switch len(preds) {
	case 0:
	case 1:
		text = preds[0]
	default:
		text = "(" + strings.Join(preds, " AND ") + ")"
	}
	for _, m := range adhoc {
		p.edits = append(p.edits, Edit{Start: m.Start, End: m.End, Text: text})
		detail := "$__adHocFilters: no ad hoc filters, so 1=1"
		if len(preds) > 0 {
			detail = fmt.Sprintf("$__adHocFilters: %d ad hoc filter(s) placed here: %s", len(preds), text)
		}
		p.steps = append(p.steps, Step{Kind: "pushdown", Start: m.Start, End: m.End, Detail: detail})
	}
	return nil
}

// place finds where a filter on key parts goes. how explains a fallback
// ("" when the placement followed the column).
func (p *Planner) place(parts []string) ([]target, string, error) {
	quote := p.o.Dialect.QuoteIdent
	pathOf := func(rest []string) string {
		var b strings.Builder
		for _, r := range rest {
			b.WriteByte('.')
			b.WriteString(quote(r))
		}
		return b.String()
	}
	t := p.analysis()
	blocks := t.blocksByDepth()

	// A dotted key whose first part names a FROM item: qualifier.column.
	if len(parts) >= 2 {
		q := strings.ToLower(parts[0])
		for _, b := range blocks {
			if b.inExpr {
				continue
			}
			for i := range b.sources {
				if b.sources[i].name != q {
					continue
				}
				tr := &tracer{t: t, quote: quote, path: pathOf(parts[2:]), place: true}
				qual := [1]ast.Ident{{Name: parts[0]}}
				if tg, st := tr.traceRef(p.targetBuf[:0], b, qual[:], parts[1], ""); st == found {
					p.targetBuf = tg[:0]
					return tg, "", nil
				}
			}
		}
	}
	col := parts[0]
	tr := &tracer{t: t, quote: quote, path: pathOf(parts[1:]), place: true}

	// Follow the column down from the outermost blocks.
	out := p.targetBuf[:0]
	for _, b := range t.top {
		if tg, st := tr.traceRef(out, b, nil, col, ""); st == found {
			out = tg
		}
	}
	p.targetBuf = out[:0]
	if len(out) > 0 {
		return out, "", nil
	}
	// The key names an output column of the statement (an alias, or a
	// column at the same position of every set operation branch).
	if p.o.Query != nil {
		if tg, st := tr.traceBody(nil, p.o.Query.Body, col); st == found {
			return tg, "", nil
		}
	}

	// The outermost FROM does not show the column: take the innermost
	// blocks whose own tables have it (by the catalog).
	var sure, unsure []target
	for _, b := range blocks {
		if b.inExpr {
			continue
		}
		for i := range b.sources {
			s := &b.sources[i]
			switch {
			case s.kind == srcBase && s.table != nil:
				if _, ok := t.column(s.table, col); ok {
					sure = append(sure, tr.here(b, s, nil, col, "", ""))
				}
			}
		}
	}
	if len(sure) == 0 {
		// No catalog entry has the column: the blocks whose FROM items
		// may still provide it (tables the catalog does not describe,
		// table functions without a column list).
		for _, b := range blocks {
			if b.inExpr {
				continue
			}
			var cand *source
			n := 0
			for i := range b.sources {
				if s := &b.sources[i]; s.kind == srcBase && s.table == nil || s.kind == srcFunc && s.mayHaveAny {
					cand, n = s, n+1
				}
			}
			switch {
			case n == 1:
				unsure = append(unsure, tr.here(b, cand, nil, col, "", ""))
			case n > 1:
				unsure = append(unsure, tr.here(b, &source{kind: srcBase}, nil, col, "",
					fmt.Sprintf("no catalog entry says which of %d FROM items provides %s; left it unqualified", n, col)))
			}
		}
	}
	if len(sure) == 0 {
		if semi := semiJoinTargets(t, blocks, tr, col); len(semi) > 0 {
			return semi, fmt.Sprintf("the query does not select %s; it restricts the rows through the subquery of a positive IN or EXISTS whose table has it, so the filter went into that subquery", col), nil
		}
	}
	if len(sure) > 0 {
		how := ""
		if len(sure) > 1 {
			how = fmt.Sprintf("the outermost query does not select %s; added it for each of the %d tables that have it", col, len(sure))
		}
		return sure, how, nil
	}
	if len(unsure) > 0 {
		if len(unsure) == 1 {
			return unsure, fmt.Sprintf("the outermost query does not select %s and no catalog entry describes the tables; assumed %s provides it", col, p.blockName(unsure[0].b)), nil
		}
		return unsure, fmt.Sprintf("the outermost query does not select %s and no catalog entry describes the tables; assumed the %d query blocks whose tables may have it provide it", col, len(unsure)), nil
	}

	// Nothing can provide the column. When every FROM item is known, the
	// filter does not apply to the query: leave it out. A column only a
	// subquery inside an expression may provide has no place: never put
	// it where the column does not exist.
	if len(t.blocks) == 0 {
		p.warn("unused_filter", -1, "ad hoc filter %s was not applied: the statement has no query block to filter", strings.Join(parts, "."))
		return nil, "", nil
	}
	if p.catalogCoversAll() {
		p.warn("unused_filter", -1, "ad hoc filter %s was not applied: no table of this query has a column %s", strings.Join(parts, "."), col)
		return nil, "", nil
	}
	return nil, "", fmt.Errorf("ad hoc filter %s: no FROM item of the query can provide column %s (only tables inside expression subqueries are unknown, and filters do not go there): select %s from a table of the query, or place the filter with $__adHocFilters", strings.Join(parts, "."), col, col)
}

// catalogCoversAll reports whether every FROM item of the statement is
// known: catalog tables, or items whose columns the query itself names.
func (p *Planner) catalogCoversAll() bool {
	t := p.analysis()
	if len(t.blocks) == 0 {
		return false
	}
	for _, b := range t.blocks {
		for i := range b.sources {
			switch s := &b.sources[i]; s.kind {
			case srcBase:
				if s.table == nil {
					return false
				}
			case srcFunc:
				if s.mayHaveAny {
					return false
				}
			}
		}
	}
	return true
}

// numeric reports whether the target column is numeric in the catalog.
func (p *Planner) numeric(tg target) bool {
	return tg.column != nil && NumericType(tg.column.Type)
}

// anyNumeric reports whether a table of the statement has a numeric
// column named col (for $__adHocFilters, whose place has no single source).
func (p *Planner) anyNumeric(col string) bool {
	found, num := false, true
	for _, b := range p.analysis().blocks {
		for i := range b.sources {
			s := &b.sources[i]
			if s.table == nil {
				continue
			}
			if c, ok := column(s.table, col); ok {
				found = true
				num = num && NumericType(c.Type)
			}
		}
	}
	return found && num
}

// blockName names a block for step details: its tables, or "the query
// block".
func (p *Planner) blockName(b *block) string {
	return string(appendBlockName(nil, b))
}

// appendBlockName appends blockName(b) to dst.
func appendBlockName(dst []byte, b *block) []byte {
	n := len(dst)
	for i := range b.sources {
		name := b.sources[i].tableName
		if name == "" {
			name = b.sources[i].qual
		}
		if name == "" {
			continue
		}
		if len(dst) == n {
			dst = append(dst, "the query block on "...)
		} else {
			dst = append(dst, ", "...)
		}
		dst = append(dst, name...)
	}
	if len(dst) == n {
		dst = append(dst, "the query block"...)
	}
	return dst
}

// semiJoinTargets finds the subqueries that only restrict a block's rows -
// the query of a positive IN or EXISTS that is one of the block's WHERE
// conjuncts - whose own tables have the column col. Filtering such a
// subquery keeps the rows whose match satisfies the filter, which is what
// the viewer asks for. A negated (NOT IN, NOT EXISTS) or OR-ed subquery
// is never a target: filtering it would let more rows through, not fewer.
func semiJoinTargets(t *tree, blocks []*block, tr *tracer, col string) []target {
	var out []target
	for _, b := range blocks {
		if b.inExpr || b.sel == nil || b.sel.Where == nil {
			continue
		}
		for _, c := range conjuncts(b.sel.Where.Expr, nil) {
			var q *ast.Query
			switch x := c.(type) {
			case *ast.In:
				if !x.Not {
					q = x.Query
				}
			case *ast.Exists:
				if !x.Not {
					q = x.Query
				}
			}
			if q == nil {
				continue
			}
			sel, ok := q.Body.(*ast.Select)
			if !ok {
				continue
			}
			sb := t.block(sel)
			if sb == nil {
				continue
			}
			for i := range sb.sources {
				s := &sb.sources[i]
				if s.kind != srcBase || s.table == nil {
					continue
				}
				if _, ok := t.column(s.table, col); ok {
					out = append(out, tr.here(sb, s, nil, col, "", ""))
				}
			}
		}
	}
	return out
}
