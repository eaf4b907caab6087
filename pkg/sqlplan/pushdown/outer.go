package pushdown

import (
	"fmt"
	"strings"

	"github.com/bigtent/quarry/pkg/sqlplan/ast"
	"github.com/bigtent/quarry/pkg/sqlplan/lexer"
)

// An ad hoc filter means "keep only the base rows whose key matches". The
// WHERE of the block whose FROM holds the key's table does exactly that,
// whatever the block does after its WHERE. Two things change the picture:
//
//   - Outer joins. A filter below the optional side of an outer join (or the
//     picked side of an ANY / ASOF / SEMI / ANTI join) would keep every row
//     of the other side, NULL-extended: the filter goes above the join
//     instead, in the WHERE of the block that joins, on the column as that
//     block sees it (lift).
//   - Row pickers. A LIMIT, OFFSET, FETCH, DISTINCT ON, LIMIT BY or window
//     function not partitioned by the key, at or above the filter, picks
//     its rows among the matching rows only: the filter stays where the
//     rule puts it and a warning says what changed (warnPickers).

// maxLiftDepth bounds the walks up the tree (a query nests far less).
const maxLiftDepth = 64

// mustLift reports whether block b lies below the optional side of an
// outer join: a filter placed in b would drop rows the join then restores
// as NULLs.
func (t *tree) mustLift(b *block, depth int) bool {
	if depth > maxLiftDepth {
		return false
	}
	switch {
	case b.up != nil && b.via >= 0:
		return b.up.sources[b.via].optional != "" || t.mustLift(b.up, depth+1)
	case b.up != nil:
		return t.mustLift(b.up, depth+1)
	case b.cte != nil:
		for _, r := range t.blocks {
			for i := range r.sources {
				if s := &r.sources[i]; s.kind == srcCTE && s.cte == b.cte && !t.inside(r, b.cte) {
					if s.optional != "" || t.mustLift(r, depth+1) {
						return true
					}
				}
			}
		}
	}
	return false
}

// inside reports whether block b is part of the body of CTE c (a
// recursive CTE refers to itself).
func (t *tree) inside(b *block, c *ast.CTE) bool {
	for i := 0; b != nil && i < maxLiftDepth; i++ {
		if b.cte == c {
			return true
		}
		b = b.up
	}
	return false
}

// lift appends to dst where target tg's filter goes once outer joins are
// respected: tg itself when no optional side lies above its block, else
// the WHERE of each block that joins the optional side, on the column as
// that block names it. It fails when that block cannot name the column.
func (p *Planner) lift(dst []target, tg target, key string, depth int) ([]target, error) {
	t := &p.t
	b := tg.b
	if depth > maxLiftDepth || !t.mustLift(b, 0) {
		return append(dst, tg), nil
	}
	switch {
	case b.up != nil && b.via >= 0:
		d := &b.up.sources[b.via]
		up, err := p.liftOne(tg, b.up, d, key)
		if err != nil {
			return dst, err
		}
		return p.lift(dst, up, key, depth+1)
	case b.up != nil:
		return dst, p.liftError(key, b.up, nil, fmt.Sprintf(
			"its column %s belongs to a subquery inside an expression, which the block above the join cannot name", tg.colName))
	case b.cte != nil:
		n := len(dst)
		for _, r := range t.blocks {
			for i := range r.sources {
				s := &r.sources[i]
				if s.kind != srcCTE || s.cte != b.cte || t.inside(r, b.cte) {
					continue
				}
				up, err := p.liftOne(tg, r, s, key)
				if err != nil {
					return dst[:n], err
				}
				if dst, err = p.lift(dst, up, key, depth+1); err != nil {
					return dst[:n], err
				}
			}
		}
		return dst, nil
	}
	return append(dst, tg), nil
}

// liftOne moves target tg (in a block of the query that FROM item d of
// block up reads) to block up: the column is named there as d's output
// column that passes tg's column through.
func (p *Planner) liftOne(tg target, up *block, d *source, key string) (target, error) {
	name, ok := p.t.passedUp(tg.b, tg.src, tg.colName, d)
	if !ok {
		what := "derived table"
		if d.kind == srcCTE {
			what = "CTE"
		}
		alias := d.qual
		if alias == "" {
			alias = "(unnamed)"
		}
		return target{}, p.liftError(key, up, d, fmt.Sprintf(
			"the %s %s does not select column %s, so the block that joins it cannot filter on it: select %s in the %s, or place the filter with $__adHocFilters",
			what, alias, tg.colName, tg.colName, what))
	}
	text := p.o.Dialect.QuoteIdent(name)
	if d.qual != "" {
		text = d.qual + "." + text
	}
	above := tg.above
	if d.optional != "" {
		above = d.optional
	}
	return target{b: up, colText: text + tg.path, colName: name, column: tg.column, src: d, path: tg.path,
		note: tg.note, above: above}, nil
}

// liftError is the error for a filter that must go above an outer join in
// block b but cannot be written there; it is positioned at the join.
func (p *Planner) liftError(key string, b *block, d *source, why string) error {
	off := b.sel.Start
	kind := ast.JoinKind("outer join")
	if j := joinOf(b.sel, d); j != nil {
		off, kind = j.KindSpan.Start, j.Kind
	}
	return lexer.NewError(p.o.Src, off, fmt.Sprintf(
		"ad hoc filter %s: its table is on the optional side of this %s, so the filter must be applied above the join (where a WHERE of the query would go), but %s",
		key, kind, why))
}

// joinOf finds the join of sel's FROM that makes d optional (the first
// outer join when d is nil).
func joinOf(sel *ast.Select, d *source) *ast.Join {
	if sel.From == nil {
		return nil
	}
	var found *ast.Join
	var walk func(te ast.TableExpr)
	walk = func(te ast.TableExpr) {
		switch x := te.(type) {
		case *ast.Join:
			walk(x.Left)
			walk(x.Right)
			if found == nil {
				if l, r := optionalSides(x.Kind); (l || r) && (d == nil || x.Kind == d.optional) {
					found = x
				}
			}
		case *ast.ParenTable:
			walk(x.Inner)
		}
	}
	for _, it := range sel.From.Items {
		walk(it)
	}
	return found
}

// passedUp finds the name under which the block up the tree sees column
// col of source s of block b, through FROM item d (a derived table or CTE
// reference whose query holds b): b's output column that selects it (by
// name, or through a star), renamed by position in a set operation's first
// branch and by d's column list.
func (t *tree) passedUp(b *block, s *source, col string, d *source) (string, bool) {
	pos, name, ok := t.outputOf(b, s, col)
	if !ok {
		return "", false
	}
	root := b.root
	if root == nil {
		return "", false
	}
	if first := firstSelect(root.Body); first != nil && first != b.sel {
		if pos < 0 || pos >= len(first.Items) {
			return "", false
		}
		if _, star := first.Items[pos].Expr.(*ast.Star); star {
			return "", false
		}
		if name = outputName(first.Items[pos]); name == "" {
			return "", false
		}
	}
	if len(d.cols) > 0 {
		if pos < 0 || pos >= len(d.cols) {
			return "", false
		}
		name = d.cols[pos].Name
	}
	return name, true
}

// outputOf finds the select item of block b that outputs column col of
// source s: its position (-1 for a star) and output name.
func (t *tree) outputOf(b *block, s *source, col string) (int, string, bool) {
	if s == nil || col == "" {
		return 0, "", false
	}
	for i, it := range b.sel.Items {
		switch x := it.Expr.(type) {
		case *ast.Star:
			if hasIdent(x.Except, col) {
				continue
			}
			if len(x.Qualifier) > 0 && !strings.EqualFold(x.Qualifier[len(x.Qualifier)-1].Name, s.name) {
				continue
			}
			if len(x.Qualifier) == 0 && s.name != "" && t.provides(s, col) == no {
				continue
			}
			pos := -1
			if len(b.sel.Items) == 1 && s.kind == srcBase && s.table != nil {
				// SELECT * FROM t: the catalog gives the position.
				for j := range s.table.Columns {
					if strings.EqualFold(s.table.Columns[j].Name, col) {
						pos = j
						break
					}
				}
			}
			return pos, col, true
		case *ast.ColumnRef:
			if !strings.EqualFold(x.Name().Name, col) {
				continue
			}
			if q := x.Qualifier(); len(q) > 0 {
				if strings.EqualFold(q[len(q)-1].Name, s.name) {
					return i, outputName(it), true
				}
				continue
			}
			tr := tracer{t: t}
			if src, _ := tr.pick(b, nil, col); src == s || s.name == "" || len(b.sources) == 1 {
				return i, outputName(it), true
			}
		}
	}
	return 0, "", false
}

// pickerWarning is the warning code for a filter placed below a clause
// that picks rows.
const pickerWarning = "filter_changes_rows"

// warnPickers adds a warning for each clause at or above the filter in
// block b (on column col of source s there; col "" once the key is no
// longer visible) that picks rows, so that filtering first changes which
// rows it picks: LIMIT (WITH TIES too), OFFSET, FETCH, DISTINCT ON and
// LIMIT BY not on the key, window functions not partitioned by the key (in
// the select list or QUALIFY), and a DuckDB USING SAMPLE of a block above
// the filter's. Table samples (TABLESAMPLE, ClickHouse SAMPLE) sample the
// base table before any WHERE, so the filter changes nothing there.
func (p *Planner) warnPickers(key string, b *block, s *source, col string, depth int) {
	if b == nil || depth > maxLiftDepth {
		return
	}
	t := &p.t
	sel := b.sel
	src := p.o.Src
	if d := sel.Distinct; d != nil && len(d.On) > 0 && !byKey(d.On, s, col) {
		p.pickerWarn(d.Start, "ad hoc filter %s is applied before this DISTINCT ON, which is not on %s: it keeps one row per group among the matching rows only, so it may keep other rows than without the filter", key, keyName(key, col))
	}
	if w := p.unpartitionedWindow(sel, s, col); w != nil {
		p.pickerWarn(w.Start, "ad hoc filter %s is applied before the window function %s, which is not partitioned by %s: it is computed over the matching rows only", key, clip(w.Span.Text(src)), keyName(key, col))
	}
	if sm := sel.Sample; sm != nil && depth > 0 {
		// DuckDB samples the rows of its FROM before its own WHERE, so the
		// filter in the same block samples nothing differently; a filter in
		// a block below does.
		p.pickerWarn(sm.Start, "ad hoc filter %s is applied before this USING SAMPLE, which samples the matching rows only", key)
	}
	p.warnQueryPickers(key, b.root, sel, s, col)

	switch {
	case b.up != nil && b.via >= 0:
		d := &b.up.sources[b.via]
		name, ok := t.passedUp(b, s, col, d)
		if !ok {
			name = ""
		}
		p.warnPickers(key, b.up, d, name, depth+1)
	case b.up != nil:
		p.warnPickers(key, b.up, nil, "", depth+1)
	case b.cte != nil:
		for _, r := range t.blocks {
			for i := range r.sources {
				rs := &r.sources[i]
				if rs.kind != srcCTE || rs.cte != b.cte || t.inside(r, b.cte) {
					continue
				}
				name, ok := t.passedUp(b, s, col, rs)
				if !ok {
					name = ""
				}
				p.warnPickers(key, r, rs, name, depth+1)
			}
		}
	}
}

// warnQueryPickers warns about the LIMIT-like clauses of the queries from
// q down to block sel (q's body, maybe through set operations and
// parenthesized queries).
func (p *Planner) warnQueryPickers(key string, q *ast.Query, sel *ast.Select, s *source, col string) {
	if q == nil || !containsSelect(q.Body, sel) {
		return
	}
	if l := q.Limit; l != nil && l.Count != nil {
		p.pickerWarn(l.Start, "ad hoc filter %s is applied before this LIMIT: it picks its rows among the matching rows only, not from the rows the query returns without the filter", key)
	} else if l != nil && l.Offset != nil {
		p.pickerWarn(l.Start, "ad hoc filter %s is applied before this OFFSET: it skips matching rows only", key)
	}
	if o := q.Offset; o != nil {
		p.pickerWarn(o.Start, "ad hoc filter %s is applied before this OFFSET: it skips matching rows only", key)
	}
	if f := q.Fetch; f != nil {
		p.pickerWarn(f.Start, "ad hoc filter %s is applied before this FETCH: it picks its rows among the matching rows only", key)
	}
	if lb := q.LimitBy; lb != nil && !byKey(lb.By, s, col) {
		p.pickerWarn(lb.Start, "ad hoc filter %s is applied before this LIMIT BY, which is not by %s: it picks its rows per group among the matching rows only", key, keyName(key, col))
	}
	p.warnNestedPickers(key, q.Body, sel, s, col)
}

// warnNestedPickers runs warnQueryPickers on the parenthesized queries of
// set expression e (through set operations) that hold sel.
func (p *Planner) warnNestedPickers(key string, e ast.SetExpr, sel *ast.Select, s *source, col string) {
	switch e := e.(type) {
	case *ast.SetOp:
		p.warnNestedPickers(key, e.Left, sel, s, col)
		p.warnNestedPickers(key, e.Right, sel, s, col)
	case *ast.Query:
		p.warnQueryPickers(key, e, sel, s, col)
	}
}

// containsSelect reports whether set expression e holds block sel.
func containsSelect(e ast.SetExpr, sel *ast.Select) bool {
	switch e := e.(type) {
	case *ast.Select:
		return e == sel
	case *ast.SetOp:
		return containsSelect(e.Left, sel) || containsSelect(e.Right, sel)
	case *ast.Query:
		return containsSelect(e.Body, sel)
	}
	return false
}

// pickerWarn adds a row-picker warning once per place and text.
func (p *Planner) pickerWarn(off int, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	for _, w := range p.warns {
		if w.Code == pickerWarning && w.Offset == off && w.Message == msg {
			return
		}
	}
	p.warns = append(p.warns, Warning{Code: pickerWarning, Message: msg, Offset: off})
}

// unpartitionedWindow returns a window function of sel (select list,
// QUALIFY) that is not partitioned by column col of source s, or nil.
func (p *Planner) unpartitionedWindow(sel *ast.Select, s *source, col string) *ast.Func {
	src := p.o.Src
	if !mayHaveWindow(sel.ItemsSpan.Text(src)) && (sel.Qualify == nil || !mayHaveWindow(sel.Qualify.Span.Text(src))) {
		return nil
	}
	var found *ast.Func
	visit := func(n ast.Node) bool {
		if found != nil {
			return false
		}
		switch n := n.(type) {
		case *ast.Func:
			if n.Over != nil && !byKey(windowPartition(sel, n.Over), s, col) {
				found = n
				return false
			}
		case *ast.Query, *ast.Subquery, *ast.Exists:
			return false
		}
		return true
	}
	for _, it := range sel.Items {
		ast.Inspect(it, visit)
	}
	if sel.Qualify != nil {
		ast.Inspect(sel.Qualify, visit)
	}
	return found
}

// windowPartition is the PARTITION BY list of a window, following a named
// window of the WINDOW clause.
func windowPartition(sel *ast.Select, w *ast.WindowSpec) []ast.Expr {
	for i := 0; w != nil && i < 8; i++ {
		if len(w.PartitionBy) > 0 || w.Name == nil || sel.Window == nil {
			return w.PartitionBy
		}
		var next *ast.WindowSpec
		for _, nw := range sel.Window.Windows {
			if strings.EqualFold(nw.Name.Name, w.Name.Name) {
				next = nw.Spec
				break
			}
		}
		w = next
	}
	return nil
}

// mayHaveWindow reports whether text may hold a window function: whether
// it holds the word OVER in any case.
func mayHaveWindow(text string) bool {
	for i := 0; i+4 <= len(text); i++ {
		if text[i]|0x20 == 'o' && text[i+1]|0x20 == 'v' && text[i+2]|0x20 == 'e' && text[i+3]|0x20 == 'r' {
			return true
		}
	}
	return false
}

// byKey reports whether exprs hold a reference to column col of source s
// (unqualified, or qualified by s's name).
func byKey(exprs []ast.Expr, s *source, col string) bool {
	if col == "" {
		return false
	}
	for _, e := range exprs {
		if pe, ok := e.(*ast.Paren); ok {
			e = pe.X
		}
		ref, ok := e.(*ast.ColumnRef)
		if !ok || !strings.EqualFold(ref.Name().Name, col) {
			continue
		}
		q := ref.Qualifier()
		if len(q) == 0 || s == nil || strings.EqualFold(q[len(q)-1].Name, s.name) {
			return true
		}
	}
	return false
}

// keyName names the key in a warning: the column as the block sees it, or
// the filter key.
func keyName(key, col string) string {
	if col != "" {
		return col
	}
	return key
}

// clip shortens text for a message.
func clip(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	if len(text) > 80 {
		return text[:77] + "..."
	}
	return text
}
