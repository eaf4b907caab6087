package pushdown

import (
	"fmt"
	"strings"

	"github.com/bigtent/quarry/pkg/catalog"
	"github.com/bigtent/quarry/pkg/sqlplan/ast"
	"github.com/bigtent/quarry/pkg/sqlplan/dialect"
)

// ExpandFunc expands the one-argument time macro name (e.g.
// "__timeFilter") on the column text arg, as if it were written in the
// query block that starts at offset at.
type ExpandFunc func(name, arg string, at int) (string, error)

// pushableMacros are the time macros whose range is pushed into
// subqueries and CTEs: each is a range predicate on its one column.
var pushableMacros = map[string]bool{
	"__timeFilter": true, "__timeFilter_ms": true, "__unixEpochFilter": true,
	"__unixEpochNanoFilter": true, "__dateFilter": true, "__timeFrom": true, "__timeTo": true,
}

// whereConjuncts lists the top-level conjuncts of sel's WHERE in scratch
// space that the next call reuses.
func (p *Planner) whereConjuncts(sel *ast.Select) []ast.Expr {
	if sel.Where == nil {
		return nil
	}
	p.conjBuf = conjuncts(sel.Where.Expr, p.conjBuf[:0])
	return p.conjBuf
}

// timeMacro returns conjunct c when it is a pushable time macro on one
// plain column.
func timeMacro(c ast.Expr) (*ast.Macro, bool) {
	m, ok := c.(*ast.Macro)
	if !ok || !pushableMacros[m.Name] || len(m.Args) != 1 {
		return nil, false
	}
	if _, ok := m.Args[0].(*ast.ColumnRef); !ok {
		return nil, false
	}
	return m, true
}

// TimeRange pushes each top-level time filter on a column that comes from
// a subquery or CTE into that subquery or CTE as well, as deep as the
// column can be followed without changing the result: not into a query
// with LIMIT / OFFSET / FETCH / LIMIT BY, window functions, QUALIFY,
// DISTINCT ON, grouping sets or WITH ROLLUP/CUBE/TOTALS, a recursive CTE
// or a CTE used more than once, and never into the optional side of an
// outer join (or the picked side of an ANY / ASOF / SEMI / ANTI join),
// where it would change which rows the join matches.
func (p *Planner) TimeRange(expand ExpandFunc) error {
	t := p.analysis()
	if !t.nested {
		return nil // no subquery or CTE to push into
	}
	for _, b := range t.blocks {
		for _, c := range p.whereConjuncts(b.sel) {
			m, ok := timeMacro(c)
			if !ok {
				continue
			}
			ref := m.Args[0].(*ast.ColumnRef)
			tr := &tracer{t: t, quote: p.o.Dialect.QuoteIdent}
			s, _ := tr.pick(b, ref.Qualifier(), ref.Name().Name)
			if s == nil || (s.kind != srcDerived && s.kind != srcCTE) || s.optional != "" {
				continue
			}
			targets := p.pushTime(s, ref.Name().Name)
			for _, tg := range targets {
				if hasMacroOn(tg.b.sel, m.Name, tg.colText, p.o.Src) {
					continue
				}
				text, err := expand(m.Name, tg.colText, tg.b.sel.Start)
				if err != nil {
					return fmt.Errorf("pushing $%s(%s) into a subquery: %w", m.Name, tg.colText, err)
				}
				p.addCond(tg.b.sel, text)
				sp := tg.b.sel.Span
				d := append(append(append(p.detail[:0], '$'), m.Name...), '(')
				d = append(append(d, ref.Text(p.o.Src)...), ") also applied inside "...)
				d = append(append(appendBlockName(d, tg.b), " as "...), text...)
				p.detail = d
				p.steps = append(p.steps, Step{Kind: "timepushdown", Start: sp.Start, End: sp.End, Detail: string(d)})
				if part := partitionOf(tg.table); part != nil && part.Kind == catalog.PartitionColumn && strings.EqualFold(part.Column, tg.colName) {
					p.steps = append(p.steps, Step{Kind: "partition", Start: sp.Start, End: sp.End,
						Detail: fmt.Sprintf("the pushed time range is on the partition column %s, so the engine can prune partitions", tg.colName)})
				}
			}
		}
	}
	return nil
}

// pushTime follows output column col of a derived table or CTE inward and
// returns the innermost blocks where a range on it may be added.
func (p *Planner) pushTime(s *source, col string) []target {
	if s.query == nil || queryBarrier(s.query) {
		return nil
	}
	t := p.analysis()
	if s.kind == srcCTE && (s.cte == nil || t.cteRefs(s.cte) != 1 || s.recursive) {
		return nil
	}
	if len(s.cols) > 0 {
		i := indexFold(s.cols, col)
		sel := firstSelect(s.query.Body)
		if i < 0 || sel == nil || i >= len(sel.Items) {
			return nil
		}
		col = outputName(sel.Items[i])
	}
	brs, ok := strictBranches(s.query.Body, nil)
	if !ok || len(brs) == 0 {
		return nil
	}
	idx := -1
	for i, it := range brs[0].Items {
		if strings.EqualFold(outputName(it), col) {
			idx = i
		}
	}
	if idx < 0 {
		return nil
	}
	var out []target
	for _, br := range brs {
		if idx >= len(br.Items) || blockBarrier(br) {
			return nil
		}
		ref, ok := br.Items[idx].Expr.(*ast.ColumnRef)
		if !ok {
			return nil
		}
		b := t.block(br)
		if b == nil {
			return nil
		}
		tr := &tracer{t: t, quote: p.o.Dialect.QuoteIdent}
		inner, _ := tr.pick(b, ref.Qualifier(), ref.Name().Name)
		if inner == nil {
			return nil
		}
		if (inner.kind == srcDerived || inner.kind == srcCTE) && inner.optional == "" {
			if deeper := p.pushTime(inner, ref.Name().Name); len(deeper) > 0 {
				out = append(out, deeper...)
				continue
			}
		}
		out = append(out, target{b: b, colText: ref.Text(p.o.Src), table: inner.table, colName: ref.Name().Name})
	}
	return out
}

// strictBranches lists the SELECT blocks of a set expression, failing when
// a parenthesized branch has its own LIMIT-like clause.
func strictBranches(s ast.SetExpr, out []*ast.Select) ([]*ast.Select, bool) {
	switch s := s.(type) {
	case *ast.Select:
		return append(out, s), true
	case *ast.SetOp:
		out, ok := strictBranches(s.Left, out)
		if !ok {
			return nil, false
		}
		return strictBranches(s.Right, out)
	case *ast.Query:
		if queryBarrier(s) {
			return nil, false
		}
		return strictBranches(s.Body, out)
	}
	return nil, false
}

// queryBarrier reports whether filtering the rows of q's body would change
// which rows q returns beyond the filter: a row limit.
func queryBarrier(q *ast.Query) bool {
	return q.Limit != nil || q.Offset != nil || q.Fetch != nil || q.LimitBy != nil
}

// blockBarrier reports whether filtering sel's input rows first would
// change its other rows: window functions, QUALIFY, DISTINCT ON, grouping
// sets and WITH ROLLUP/CUBE/TOTALS.
func blockBarrier(sel *ast.Select) bool {
	if sel.Qualify != nil || sel.Window != nil || (sel.Distinct != nil && len(sel.Distinct.On) > 0) {
		return true
	}
	if g := sel.GroupBy; g != nil {
		if len(g.With) > 0 {
			return true
		}
		for _, it := range g.Items {
			if _, ok := any(it).(*ast.GroupingSet); ok {
				return true
			}
		}
	}
	window := false
	for _, it := range sel.Items {
		ast.Inspect(it, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.Func:
				if n.Over != nil {
					window = true
				}
			case *ast.Query, *ast.Subquery, *ast.Exists:
				return false
			}
			return !window
		})
	}
	return window
}

// hasMacroOn reports whether sel's WHERE already has macro name on the
// column written as col.
func hasMacroOn(sel *ast.Select, name, col, src string) bool {
	if sel.Where == nil {
		return false
	}
	for _, c := range conjuncts(sel.Where.Expr, nil) {
		if m, ok := timeMacro(c); ok && m.Name == name && strings.EqualFold(strings.TrimSpace(m.Args[0].NodeSpan().Text(src)), col) {
			return true
		}
	}
	return false
}

func partitionOf(t *catalog.Table) *catalog.Partitioning {
	if t == nil {
		return nil
	}
	return t.Partitioning
}

// Partitions adds BigQuery partition and shard predicates where the
// catalog makes them provably correct: a top-level $__timeFilter on the
// column the catalog names as a table's partitioning column
// (Partitioning.Column) gives
//   - for a wildcard table family (events_*): _TABLE_SUFFIX BETWEEN
//     'YYYYMMDD' AND 'YYYYMMDD' (UTC days of the range);
//   - for an ingestion-time table: _PARTITIONDATE BETWEEN the days (DAY) or
//     _PARTITIONTIME BETWEEN the truncated bounds (HOUR, MONTH, YEAR);
//   - for a column-partitioned table: nothing to add (the filter is on the
//     partition column already); the step records that it prunes.
func (p *Planner) Partitions() {
	if p.o.Dialect.Name() != dialect.BigQuery {
		return
	}
	t := p.analysis()
	if !t.partitioned {
		return // no table with catalog partitioning
	}
	from, to := p.o.From.UTC(), p.o.To.UTC()
	for _, b := range t.blocks {
		for _, c := range p.whereConjuncts(b.sel) {
			m, ok := timeMacro(c)
			if !ok || m.Name != "__timeFilter" && m.Name != "__dateFilter" {
				continue
			}
			ref := m.Args[0].(*ast.ColumnRef)
			tr := &tracer{t: t, quote: p.o.Dialect.QuoteIdent}
			s, _ := tr.pick(b, ref.Qualifier(), ref.Name().Name)
			if s == nil || s.kind != srcBase || s.table == nil || s.table.Partitioning == nil {
				continue
			}
			part := s.table.Partitioning
			if !strings.EqualFold(part.Column, ref.Name().Name) {
				continue
			}
			qual := ""
			if len(b.sources) > 1 && s.qual != "" {
				qual = s.qual + "."
			}
			sp := m.Span
			switch part.Kind {
			case catalog.PartitionShards:
				if !strings.HasSuffix(strings.Trim(s.tableName, "`"), "_*") {
					continue
				}
				pred := fmt.Sprintf("%s_TABLE_SUFFIX BETWEEN '%s' AND '%s'", qual, from.Format("20060102"), to.Format("20060102"))
				p.addCond(b.sel, pred)
				p.steps = append(p.steps, Step{Kind: "partition", Start: sp.Start, End: sp.End,
					Detail: fmt.Sprintf("%s is sharded by day of %s: %s reads only the shards of the time range", s.tableName, part.Column, pred)})
			case catalog.PartitionIngestion:
				g := strings.ToUpper(part.Granularity)
				if g == "" {
					g = "DAY"
				}
				var pred string
				if g == "DAY" {
					pred = fmt.Sprintf("%s_PARTITIONDATE BETWEEN DATE '%s' AND DATE '%s'", qual, from.Format("2006-01-02"), to.Format("2006-01-02"))
				} else {
					pred = fmt.Sprintf("%s_PARTITIONTIME BETWEEN TIMESTAMP_TRUNC(%s, %s) AND TIMESTAMP_TRUNC(%s, %s)",
						qual, p.o.Dialect.InstantLiteral(from), g, p.o.Dialect.InstantLiteral(to), g)
				}
				p.addCond(b.sel, pred)
				p.steps = append(p.steps, Step{Kind: "partition", Start: sp.Start, End: sp.End,
					Detail: fmt.Sprintf("%s is ingestion-time partitioned by %s (%s): %s", s.tableName, part.Column, g, pred)})
			case catalog.PartitionColumn:
				p.steps = append(p.steps, Step{Kind: "partition", Start: sp.Start, End: sp.End,
					Detail: s.tableName + " is partitioned by " + part.Column + " and the time filter is on it: only the partitions of the range are read"})
			}
		}
	}
}
