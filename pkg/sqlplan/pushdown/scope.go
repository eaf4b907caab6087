package pushdown

import (
	"strings"

	"github.com/bigtent/quarry/pkg/catalog"
	"github.com/bigtent/quarry/pkg/sqlplan/ast"
)

// srcKind says what a FROM item is.
type srcKind uint8

const (
	srcBase      srcKind = iota + 1 // a named table (maybe in the catalog)
	srcCTE                          // a reference to a CTE
	srcDerived                      // (subquery) alias
	srcFunc                         // a table function
	srcUnnest                       // UNNEST(...)
	srcArrayJoin                    // ClickHouse ARRAY JOIN list
)

// source is one leaf item of a FROM clause.
type source struct {
	kind srcKind
	node ast.TableExpr
	// name is the lower-cased name a column qualifier uses (alias, else the
	// table's last name part); qual is the same name as written.
	name, qual string
	// table is the catalog entry of a base table (nil when unknown).
	table *catalog.Table
	// tableName is the table name as written (base tables).
	tableName string
	// query is the body of a derived table or CTE; env is the CTE scope it
	// is resolved in.
	query *ast.Query
	env   *env
	cte   *ast.CTE
	// cols are column names the item declares: an alias column list, a CTE
	// column list, UNNEST / ARRAY JOIN aliases.
	cols []string
	// mayHaveAny is set for items whose columns are unknown (table functions
	// without a column list).
	mayHaveAny bool
}

// env is a CTE scope: names defined by WITH clauses, innermost first.
type env struct {
	parent *env
	ctes   map[string]*ast.CTE
	// scopes maps each CTE to the scope its body is resolved in.
	scopes map[*ast.CTE]*env
}

func (e *env) lookup(name string) (*ast.CTE, *env) {
	for s := e; s != nil; s = s.parent {
		if c, ok := s.ctes[name]; ok {
			return c, s.scopes[c]
		}
	}
	return nil, nil
}

// block is one SELECT block of the statement's FROM tree (the statement's
// query, set operation branches, derived tables and CTE bodies; not
// subqueries inside expressions).
type block struct {
	sel     *ast.Select
	query   *ast.Query // the query whose body holds sel (barrier clauses live there)
	env     *env
	sources []*source
	depth   int
	parent  *block
	// inExpr is set for blocks of subqueries inside expressions (EXISTS,
	// IN, scalar subqueries): they resolve columns but take no ad hoc
	// filters.
	inExpr bool
}

// tree is the analysed statement.
type tree struct {
	src    string
	cat    *catalog.Catalog
	blocks []*block
	byNode map[*ast.Select]*block
	// cteRefs counts references to each CTE.
	cteRefs map[*ast.CTE]int
	// top holds the blocks of the outermost query (several for a set
	// operation).
	top []*block
	// exprDepth is > 0 while analysing subqueries inside expressions.
	exprDepth int
}

func analyse(src string, q *ast.Query, cat *catalog.Catalog) *tree {
	t := &tree{src: src, cat: cat, byNode: map[*ast.Select]*block{}, cteRefs: map[*ast.CTE]int{}}
	if q == nil {
		return t
	}
	t.query(q, nil, nil, 0, true)
	return t
}

func (t *tree) query(q *ast.Query, e *env, parent *block, depth int, top bool) {
	if q.With != nil && len(q.With.CTEs) > 0 {
		ne := &env{parent: e, ctes: map[string]*ast.CTE{}, scopes: map[*ast.CTE]*env{}}
		for _, c := range q.With.CTEs {
			if c.Query == nil {
				continue // ClickHouse WITH <expr> AS name
			}
			if q.With.Recursive {
				ne.ctes[strings.ToLower(c.Name.Name)] = c
			}
			// A CTE body sees the CTEs defined before it (and itself when
			// recursive); it is resolved in a scope holding those.
			scope := &env{parent: e, ctes: map[string]*ast.CTE{}, scopes: map[*ast.CTE]*env{}}
			for k, v := range ne.ctes {
				scope.ctes[k] = v
				scope.scopes[v] = ne.scopes[v]
			}
			ne.scopes[c] = scope
			if q.With.Recursive {
				scope.scopes[c] = scope
			}
			ne.ctes[strings.ToLower(c.Name.Name)] = c
			t.query(c.Query, scope, parent, depth+1, false)
		}
		e = ne
	}
	t.setExpr(q.Body, q, e, parent, depth, top)
}

func (t *tree) setExpr(s ast.SetExpr, owner *ast.Query, e *env, parent *block, depth int, top bool) {
	switch s := s.(type) {
	case *ast.Select:
		b := &block{sel: s, query: owner, env: e, depth: depth, parent: parent, inExpr: t.exprDepth > 0}
		t.blocks = append(t.blocks, b)
		t.byNode[s] = b
		if top {
			t.top = append(t.top, b)
		}
		if s.From != nil {
			for _, it := range s.From.Items {
				t.tableExpr(it, b)
			}
		}
		t.exprSubqueries(s, b)
	case *ast.SetOp:
		t.setExpr(s.Left, owner, e, parent, depth, top)
		t.setExpr(s.Right, owner, e, parent, depth, top)
	case *ast.Query:
		t.query(s, e, parent, depth, top)
	}
}

func (t *tree) tableExpr(it ast.TableExpr, b *block) {
	switch it := it.(type) {
	case *ast.Join:
		t.tableExpr(it.Left, b)
		t.tableExpr(it.Right, b)
	case *ast.ParenTable:
		t.tableExpr(it.Inner, b)
	case *ast.TableRef:
		s := &source{kind: srcBase, node: it}
		if it.Name != nil && len(it.Name.Parts) > 0 {
			s.tableName = it.Name.Text(t.src)
			last := it.Name.Parts[len(it.Name.Parts)-1]
			s.name = strings.ToLower(last.Name)
			s.qual = last.Text(t.src)
			if len(it.Name.Parts) == 1 {
				if c, ce := b.env.lookup(strings.ToLower(last.Name)); c != nil {
					s.kind, s.cte, s.query, s.env = srcCTE, c, c.Query, ce
					for _, col := range c.Columns {
						s.cols = append(s.cols, col.Name)
					}
					t.cteRefs[c]++
				}
			}
			if s.kind == srcBase {
				// A one-part BigQuery name may hold dots: `sample.table`.
				if i := strings.LastIndexByte(s.name, '.'); i >= 0 {
					s.name = s.name[i+1:]
				}
				s.table = lookupTable(t.cat, catalogName(it.Name))
			}
		}
		setAlias(s, it.Alias, t.src)
		b.sources = append(b.sources, s)
	case *ast.DerivedTable:
		s := &source{kind: srcDerived, node: it, query: it.Query, env: b.env}
		setAlias(s, it.Alias, t.src)
		b.sources = append(b.sources, s)
		if it.Query != nil {
			t.query(it.Query, b.env, b, b.depth+1, false)
		}
	case *ast.TableFunc:
		s := &source{kind: srcFunc, node: it, mayHaveAny: true}
		if it.Name != nil && len(it.Name.Parts) > 0 {
			last := it.Name.Parts[len(it.Name.Parts)-1]
			s.name, s.qual = strings.ToLower(last.Name), last.Text(t.src)
		}
		setAlias(s, it.Alias, t.src)
		if it.Alias != nil && len(it.Alias.Columns) > 0 {
			s.mayHaveAny = false
		}
		b.sources = append(b.sources, s)
	case *ast.Unnest:
		s := &source{kind: srcUnnest, node: it}
		setAlias(s, it.Alias, t.src)
		if it.Alias != nil && len(it.Alias.Columns) == 0 {
			// UNNEST(x) AS tag: the alias names the element column.
			s.cols = append(s.cols, it.Alias.Name.Name)
		}
		if it.WithOffset != nil && it.WithOffset.Name.Name != "" {
			s.cols = append(s.cols, it.WithOffset.Name.Name)
		}
		b.sources = append(b.sources, s)
	case *ast.ArrayJoinList:
		s := &source{kind: srcArrayJoin, node: it}
		for _, item := range it.Items {
			switch {
			case item.Alias != nil:
				s.cols = append(s.cols, item.Alias.Name)
			default:
				if ref, ok := item.Expr.(*ast.ColumnRef); ok {
					s.cols = append(s.cols, ref.Name().Name)
				}
			}
		}
		b.sources = append(b.sources, s)
	}
}

func setAlias(s *source, a *ast.Alias, src string) {
	if a == nil || a.Name.Name == "" {
		return
	}
	s.name = strings.ToLower(a.Name.Name)
	s.qual = a.Name.Text(src)
	if len(a.Columns) > 0 {
		s.cols = s.cols[:0]
		for _, c := range a.Columns {
			s.cols = append(s.cols, c.Name)
		}
	}
}

// catalogName joins an object name's parts for a catalog lookup.
func catalogName(n *ast.ObjectName) string {
	parts := make([]string, len(n.Parts))
	for i, p := range n.Parts {
		parts[i] = p.Name
	}
	return strings.Join(parts, ".")
}

// hasCol reports whether names holds col (case-insensitively).
func hasCol(names []string, col string) bool {
	for _, n := range names {
		if strings.EqualFold(n, col) {
			return true
		}
	}
	return false
}

// answer is what a lookup of a column in a source found.
type answer uint8

const (
	no answer = iota
	maybe
	yes
)

// provides says whether source s provides column col, looking through
// derived tables and CTEs at their select lists.
func (t *tree) provides(s *source, col string) answer {
	switch s.kind {
	case srcBase:
		if s.table == nil {
			return maybe
		}
		if _, ok := column(s.table, col); ok {
			return yes
		}
		return no
	case srcCTE, srcDerived:
		if len(s.cols) > 0 {
			if hasCol(s.cols, col) {
				return yes
			}
			return no
		}
		return t.outputs(s.query, s.env, col)
	case srcUnnest, srcArrayJoin:
		if hasCol(s.cols, col) {
			return yes
		}
		return no
	case srcFunc:
		if hasCol(s.cols, col) || strings.EqualFold(s.name, col) {
			return yes
		}
		if s.mayHaveAny {
			return maybe
		}
		return no
	}
	return no
}

// outputs says whether query q has an output column named col.
func (t *tree) outputs(q *ast.Query, e *env, col string) answer {
	if q == nil {
		return no
	}
	sel := firstSelect(q.Body)
	if sel == nil {
		return maybe
	}
	best := no
	for _, it := range sel.Items {
		switch x := it.Expr.(type) {
		case *ast.Star:
			if hasIdent(x.Except, col) {
				continue
			}
			b := t.byNode[sel]
			if b == nil {
				return maybe
			}
			for _, s := range b.sources {
				if len(x.Qualifier) > 0 && !strings.EqualFold(s.name, x.Qualifier[len(x.Qualifier)-1].Name) {
					continue
				}
				if a := t.provides(s, col); a > best {
					best = a
				}
			}
		default:
			if strings.EqualFold(outputName(it), col) {
				return yes
			}
		}
	}
	return best
}

// outputName is the name of a select item's output column, or "".
func outputName(it *ast.SelectItem) string {
	if it.Alias != nil {
		return it.Alias.Name
	}
	if ref, ok := it.Expr.(*ast.ColumnRef); ok {
		return ref.Name().Name
	}
	return ""
}

func hasIdent(ids []ast.Ident, col string) bool {
	for _, id := range ids {
		if strings.EqualFold(id.Name, col) {
			return true
		}
	}
	return false
}

// firstSelect is the leftmost SELECT block of a set expression (its
// select list names the output columns).
func firstSelect(s ast.SetExpr) *ast.Select {
	switch s := s.(type) {
	case *ast.Select:
		return s
	case *ast.SetOp:
		return firstSelect(s.Left)
	case *ast.Query:
		return firstSelect(s.Body)
	}
	return nil
}

// branches lists the SELECT blocks of a set expression, left to right.
func branches(s ast.SetExpr, out []*ast.Select) []*ast.Select {
	switch s := s.(type) {
	case *ast.Select:
		return append(out, s)
	case *ast.SetOp:
		out = branches(s.Left, out)
		return branches(s.Right, out)
	case *ast.Query:
		return branches(s.Body, out)
	}
	return out
}

// exprSubqueries analyses the subqueries inside sel's expressions (select
// list, WHERE, PREWHERE, HAVING, QUALIFY, join conditions) so that macros
// there resolve their columns.
func (t *tree) exprSubqueries(sel *ast.Select, b *block) {
	visit := func(n ast.Node) {
		if n == nil {
			return
		}
		ast.Inspect(n, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.DerivedTable:
				return false
			case *ast.Query:
				t.exprDepth++
				t.query(n, b.env, b, b.depth+1, false)
				t.exprDepth--
				return false
			}
			return true
		})
	}
	for _, it := range sel.Items {
		visit(it)
	}
	for _, c := range []*ast.Clause{sel.Prewhere, sel.Where, sel.Having, sel.Qualify} {
		if c != nil {
			visit(c)
		}
	}
	if sel.From != nil {
		var joins func(te ast.TableExpr)
		joins = func(te ast.TableExpr) {
			switch x := te.(type) {
			case *ast.Join:
				joins(x.Left)
				joins(x.Right)
				if x.On != nil {
					visit(x.On)
				}
			case *ast.ParenTable:
				joins(x.Inner)
			}
		}
		for _, it := range sel.From.Items {
			joins(it)
		}
	}
}
