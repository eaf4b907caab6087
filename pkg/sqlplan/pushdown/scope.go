package pushdown

import (
	"cmp"
	"slices"
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
	// recursive is set for a reference to a CTE of a WITH RECURSIVE (never
	// traced into: its body may refer to itself).
	recursive bool
	// mayHaveAny is set for items whose columns are unknown (table functions
	// without a column list).
	mayHaveAny bool
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
	cols []ast.Ident
	// optional is the join operator that makes this item the optional side
	// of its block's FROM (LEFT JOIN's right side, FULL JOIN's both, the
	// picked side of ClickHouse ANY / ASOF / SEMI / ANTI joins), or "". A
	// filter never goes below it: it is applied in the block's WHERE.
	optional ast.JoinKind
}

// env is a CTE scope: names defined by WITH clauses, innermost first.
type env struct {
	parent *env
	// ctes are the CTEs visible in this scope in definition order; a later
	// one hides an earlier one of the same name.
	ctes []cteDef
}

// cteDef is a CTE as a scope sees it.
type cteDef struct {
	name      string // lower-cased
	cte       *ast.CTE
	scope     *env // the scope its body is resolved in
	recursive bool
}

func (e *env) lookup(name string) *cteDef {
	for s := e; s != nil; s = s.parent {
		for i := len(s.ctes) - 1; i >= 0; i-- {
			if s.ctes[i].name == name {
				return &s.ctes[i]
			}
		}
	}
	return nil
}

// block is one SELECT block of the statement's FROM tree (the statement's
// query, set operation branches, derived tables and CTE bodies; not
// subqueries inside expressions).
type block struct {
	sel     *ast.Select
	env     *env
	sources []source
	depth   int
	// inExpr is set for blocks of subqueries inside expressions (EXISTS,
	// IN, scalar subqueries): they resolve columns but take no ad hoc
	// filters.
	inExpr bool
	// root is the query the block belongs to at its FROM level: the
	// statement's query, a derived table's, a CTE's or an expression
	// subquery's (set operation branches and parenthesized queries inside
	// it share it).
	root *ast.Query
	// up is the block whose FROM item (up.sources[via]) is root, or whose
	// expression holds root (via -1); nil for the outermost blocks and CTE
	// bodies. cte is the CTE whose body root is.
	up  *block
	via int
	cte *ast.CTE
}

// tree is the analysed statement.
type tree struct {
	src string
	cat *catalog.Catalog
	// blocks are in analysis order: a block, the blocks of its FROM items,
	// then those of the subqueries in its expressions.
	blocks []*block
	// top holds the blocks of the outermost query (several for a set
	// operation).
	top []*block
	// nested is set when a FROM item is a derived table or a CTE
	// reference; partitioned when a base table has catalog partitioning.
	nested, partitioned bool
	// byDepth is blocks sorted by depth (stable), made on first use.
	byDepth []*block

	// Analysis state.
	// exprQueries is unset when no expression of the statement can hold a
	// query (see mayHoldQuery), so that no expression needs a look.
	exprQueries bool
	exprDepth   int                 // > 0 while analysing subqueries inside expressions
	cur         *block              // the block whose expressions visit walks
	at          origin              // where the blocks being analysed hang
	visit       func(ast.Node) bool // visitExpr, made on first need
	arena       []block             // blocks are allocated here, a chunk at a time
	srcs        []source            // sources are allocated here; blocks slice it

	// The last column lookup (see column): table, name and answer.
	colTable *catalog.Table
	colName  string
	colFound *catalog.Column

	// Buffers kept by reset for the next statement: the chunks of blocks
	// made beyond arenaBuf (chunks[:used] are in use) and the byDepth
	// copy.
	chunks     [][]block
	used       int
	byDepthBuf []*block

	// Room for the blocks and sources of a small statement (most have one
	// block on one table), so that most analyses allocate no slices.
	blockBuf  [1]*block
	topBuf    [1]*block
	arenaBuf  [1]block
	sourceBuf [1]source
}

// origin is where a query's blocks hang in the tree (see block).
type origin struct {
	root *ast.Query
	up   *block
	via  int
	cte  *ast.CTE
}

// reset empties t for another statement, keeping its buffers.
func (t *tree) reset() {
	t.src, t.cat = "", nil
	t.blocks, t.top, t.byDepth = t.blocks[:0], t.top[:0], nil
	t.nested, t.partitioned = false, false
	t.exprQueries, t.exprDepth, t.cur, t.visit = false, 0, nil, nil
	t.at = origin{}
	t.arena, t.used = nil, 0
	t.srcs = t.srcs[:0]
	t.colTable, t.colName, t.colFound = nil, "", nil
}

// column is column(tab, name), remembering the last answer: a trace asks
// for the same column of the same table several times in a row (the
// source that provides it, then the target on it).
func (t *tree) column(tab *catalog.Table, name string) (*catalog.Column, bool) {
	if tab == nil {
		return nil, false
	}
	if tab != t.colTable || name != t.colName {
		t.colFound, _ = column(tab, name)
		t.colTable, t.colName = tab, name
	}
	return t.colFound, t.colFound != nil
}

// analyse finds the blocks of q and their FROM items (nothing when q is
// nil). The Planner calls it once, on first need, after reset.
func (t *tree) analyse(src string, q *ast.Query, cat *catalog.Catalog) {
	t.src, t.cat = src, cat
	if q == nil {
		return
	}
	if t.blocks == nil {
		t.blocks, t.top = t.blockBuf[:0], t.topBuf[:0]
	}
	if t.srcs == nil {
		t.srcs = t.sourceBuf[:0]
	}
	t.arena = t.arenaBuf[:0]
	text := q.Span.Text(src)
	t.exprQueries = text == "" || mayHoldQuery(text)
	t.at = origin{root: q, via: -1}
	t.query(q, nil, 0, true)
	t.visit, t.cur, t.arena, t.at = nil, nil, nil, origin{}
}

// block returns the block of sel (nil when sel is not analysed).
func (t *tree) block(sel *ast.Select) *block {
	for _, b := range t.blocks {
		if b.sel == sel {
			return b
		}
	}
	return nil
}

// blocksByDepth returns the blocks, outermost first (stable).
func (t *tree) blocksByDepth() []*block {
	if t.byDepth == nil {
		byDepth := func(a, b *block) int { return cmp.Compare(a.depth, b.depth) }
		t.byDepth = t.blocks
		if !slices.IsSortedFunc(t.blocks, byDepth) {
			t.byDepthBuf = append(t.byDepthBuf[:0], t.blocks...)
			t.byDepth = t.byDepthBuf
			slices.SortStableFunc(t.byDepth, byDepth)
		}
	}
	return t.byDepth
}

// cteRefs counts the FROM items that refer to c.
func (t *tree) cteRefs(c *ast.CTE) int {
	n := 0
	for _, b := range t.blocks {
		for i := range b.sources {
			if s := &b.sources[i]; s.kind == srcCTE && s.cte == c {
				n++
			}
		}
	}
	return n
}

// newBlock allocates a block. Blocks come from chunks so that pointers to
// them stay valid when the next chunk is taken; chunks made for a previous
// statement are taken again.
func (t *tree) newBlock() *block {
	if len(t.arena) == cap(t.arena) {
		if t.used == len(t.chunks) {
			t.chunks = append(t.chunks, make([]block, 0, max(2, 2*cap(t.arena))))
		}
		t.arena = t.chunks[t.used][:0]
		t.used++
	}
	t.arena = append(t.arena, block{})
	return &t.arena[len(t.arena)-1]
}

func (t *tree) query(q *ast.Query, e *env, depth int, top bool) {
	if q.With != nil && len(q.With.CTEs) > 0 {
		e = t.with(q.With, e, depth)
	}
	t.setExpr(q.Body, e, depth, top)
}

// with analyses the CTE bodies of w and returns the scope of the query
// body: e and the CTEs.
func (t *tree) with(w *ast.With, e *env, depth int) *env {
	// envs[0] is the body's scope; envs[i+1] the scope of CTE i's body:
	// the CTEs defined before it (and itself when recursive).
	envs := make([]env, len(w.CTEs)+1)
	defs := make([]cteDef, 0, len(w.CTEs))
	ne := &envs[0]
	ne.parent = e
	for i, c := range w.CTEs {
		if c.Query == nil {
			continue // ClickHouse WITH <expr> AS name
		}
		scope := &envs[i+1]
		scope.parent = e
		defs = append(defs, cteDef{name: strings.ToLower(c.Name.Name), cte: c, scope: scope, recursive: w.Recursive})
		n := len(defs)
		if !w.Recursive {
			n-- // a CTE body does not see itself
		}
		scope.ctes = defs[:n:n]
		ne.ctes = defs
		prev := t.at
		t.at = origin{root: c.Query, via: -1, cte: c}
		t.query(c.Query, scope, depth+1, false)
		t.at = prev
	}
	return ne
}

func (t *tree) setExpr(s ast.SetExpr, e *env, depth int, top bool) {
	switch s := s.(type) {
	case *ast.Select:
		b := t.newBlock()
		*b = block{sel: s, env: e, depth: depth, inExpr: t.exprDepth > 0,
			root: t.at.root, up: t.at.up, via: t.at.via, cte: t.at.cte}
		t.blocks = append(t.blocks, b)
		if top {
			t.top = append(t.top, b)
		}
		if s.From != nil {
			lo := len(t.srcs)
			for _, it := range s.From.Items {
				t.tableExpr(it, b, "")
			}
			hi := len(t.srcs)
			b.sources = t.srcs[lo:hi:hi]
			prev := t.at
			for i := range b.sources {
				if s := &b.sources[i]; s.kind == srcDerived && s.query != nil {
					t.at = origin{root: s.query, up: b, via: i}
					t.query(s.query, b.env, b.depth+1, false)
				}
			}
			t.at = prev
		}
		t.exprSubqueries(s, b)
	case *ast.SetOp:
		t.setExpr(s.Left, e, depth, top)
		t.setExpr(s.Right, e, depth, top)
	case *ast.Query:
		t.query(s, e, depth, top)
	}
}

// tableExpr adds the sources of FROM item it of block b to t.srcs (the
// blocks of derived tables are analysed after all of b's sources). opt is
// the join operator that makes it an optional side ("" when none).
func (t *tree) tableExpr(it ast.TableExpr, b *block, opt ast.JoinKind) {
	lo := len(t.srcs)
	switch it := it.(type) {
	case *ast.Join:
		lopt, ropt := optionalSides(it.Kind)
		t.tableExpr(it.Left, b, firstKind(opt, lopt, it.Kind))
		t.tableExpr(it.Right, b, firstKind(opt, ropt, it.Kind))
		return
	case *ast.ParenTable:
		t.tableExpr(it.Inner, b, opt)
		return
	case *ast.TableRef:
		t.tableRef(it, b)
	case *ast.DerivedTable:
		s := source{kind: srcDerived, query: it.Query, env: b.env}
		setAlias(&s, it.Alias, t.src)
		t.nested = true
		t.srcs = append(t.srcs, s)
	case *ast.TableFunc:
		s := source{kind: srcFunc, mayHaveAny: true}
		if it.Name != nil && len(it.Name.Parts) > 0 {
			last := it.Name.Parts[len(it.Name.Parts)-1]
			s.name, s.qual = strings.ToLower(last.Name), last.Text(t.src)
		}
		setAlias(&s, it.Alias, t.src)
		if it.Alias != nil && len(it.Alias.Columns) > 0 {
			s.mayHaveAny = false
		}
		t.srcs = append(t.srcs, s)
	case *ast.Unnest:
		s := source{kind: srcUnnest}
		setAlias(&s, it.Alias, t.src)
		var extra []ast.Ident
		if it.Alias != nil && len(it.Alias.Columns) == 0 {
			// UNNEST(x) AS tag: the alias names the element column.
			extra = append(extra, it.Alias.Name)
		}
		if it.WithOffset != nil && it.WithOffset.Name.Name != "" {
			extra = append(extra, it.WithOffset.Name)
		}
		if len(extra) > 0 {
			s.cols = append(append([]ast.Ident(nil), s.cols...), extra...)
		}
		t.srcs = append(t.srcs, s)
	case *ast.ArrayJoinList:
		s := source{kind: srcArrayJoin}
		for _, item := range it.Items {
			switch {
			case item.Alias != nil:
				s.cols = append(s.cols, *item.Alias)
			default:
				if ref, ok := item.Expr.(*ast.ColumnRef); ok {
					s.cols = append(s.cols, ref.Name())
				}
			}
		}
		t.srcs = append(t.srcs, s)
	}
	if opt != "" {
		for i := lo; i < len(t.srcs); i++ {
			t.srcs[i].optional = opt
		}
	}
}

// firstKind is outer when set (an item inside an optional side stays
// optional), else kind when optional, else "".
func firstKind(outer ast.JoinKind, optional bool, kind ast.JoinKind) ast.JoinKind {
	switch {
	case outer != "":
		return outer
	case optional:
		return kind
	}
	return ""
}

// optionalSides says which sides of a join a filter must not go below:
// the side an outer join fills with NULLs (LEFT: the right side, RIGHT:
// the left, FULL: both), and the side a join picks rows from (ClickHouse
// ANY and ASOF pick one matching row, SEMI and ANTI test for a match,
// DuckDB's POSITIONAL JOIN pairs rows by position), where filtering first
// would change which rows are picked. INNER, CROSS, comma and NATURAL joins
// have none; ARRAY JOIN's right side is not a table.
func optionalSides(kind ast.JoinKind) (left, right bool) {
	k := string(kind)
	if strings.Contains(k, "ARRAY") {
		return false, false
	}
	has := func(w string) bool {
		for rest := k; rest != ""; {
			var word string
			word, rest, _ = strings.Cut(rest, " ")
			if word == w {
				return true
			}
		}
		return false
	}
	switch {
	case has("FULL"), has("POSITIONAL"), has("PASTE"):
		return true, true
	case has("RIGHT"):
		return true, false
	case has("LEFT"), has("ANY"), has("ASOF"), has("SEMI"), has("ANTI"):
		return false, true
	}
	return false, false
}

// tableRef adds the source of a named table: a CTE reference, else a base
// table (looked up in the catalog).
func (t *tree) tableRef(it *ast.TableRef, b *block) {
	s := source{kind: srcBase}
	if it.Name != nil && len(it.Name.Parts) > 0 {
		s.tableName = it.Name.Text(t.src)
		last := it.Name.Parts[len(it.Name.Parts)-1]
		s.name = strings.ToLower(last.Name)
		s.qual = last.Text(t.src)
		if len(it.Name.Parts) == 1 {
			if d := b.env.lookup(s.name); d != nil {
				s.kind, s.cte, s.query, s.env, s.recursive = srcCTE, d.cte, d.cte.Query, d.scope, d.recursive
				s.cols = d.cte.Columns
				t.nested = true
			}
		}
		if s.kind == srcBase {
			// A one-part BigQuery name may hold dots: `sample.table`.
			if i := strings.LastIndexByte(s.name, '.'); i >= 0 {
				s.name = s.name[i+1:]
			}
			var buf [64]byte // the name is on the stack unless it is long
			s.table = lookupTable(t.cat, string(appendCatalogName(buf[:0], it.Name.Parts)))
			if s.table != nil && s.table.Partitioning != nil {
				t.partitioned = true
			}
		}
	}
	setAlias(&s, it.Alias, t.src)
	t.srcs = append(t.srcs, s)
}

func setAlias(s *source, a *ast.Alias, src string) {
	if a == nil || a.Name.Name == "" {
		return
	}
	s.name = strings.ToLower(a.Name.Name)
	s.qual = a.Name.Text(src)
	if len(a.Columns) > 0 {
		s.cols = a.Columns
	}
}

// hasCol reports whether names holds col (case-insensitively).
func hasCol(names []ast.Ident, col string) bool {
	return indexFold(names, col) >= 0
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
		if _, ok := t.column(s.table, col); ok {
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
			b := t.block(sel)
			if b == nil {
				return maybe
			}
			for i := range b.sources {
				s := &b.sources[i]
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
	if !t.exprQueries {
		return
	}
	prev := t.cur
	t.cur = b
	for _, it := range sel.Items {
		t.findSubqueriesIn(it)
	}
	for _, c := range [...]*ast.Clause{sel.Prewhere, sel.Where, sel.Having, sel.Qualify} {
		if c != nil {
			t.findSubqueriesIn(c)
		}
	}
	if sel.From != nil {
		for _, it := range sel.From.Items {
			t.joinConditions(it)
		}
	}
	t.cur = prev
}

// findSubqueriesIn analyses the subqueries inside n, skipping the walk
// when n's text cannot hold one.
func (t *tree) findSubqueriesIn(n ast.Node) {
	if mayHoldQuery(n.NodeSpan().Text(t.src)) {
		t.findSubqueries(n)
	}
}

// mayHoldQuery reports whether text, an expression's, may hold a query.
// The parser reads a query inside an expression only after a '(' (a
// subquery, EXISTS, IN, ANY, ARRAY), and the query starts with SELECT, WITH,
// VALUES or FROM, maybe after more '(' and white space; a node's span covers
// the tokens of its children. So it looks after each '(' for one of those
// words; a comment or a non-ASCII byte there counts as a maybe. (Longer
// names starting with the words match too; that only costs a walk.)
func mayHoldQuery(text string) bool {
	for {
		open := strings.IndexByte(text, '(')
		if open < 0 {
			return false
		}
		text = text[open+1:]
		i := 0
		for i < len(text) && (text[i] <= ' ' || text[i] == '(') {
			i++
		}
		if i == len(text) {
			return false
		}
		switch c := text[i]; {
		case c == '-' || c == '/' || c == '#' || c >= 0x7f:
			return true
		case queryWordAt[c] != 0:
			word := queryWords[queryWordAt[c]]
			if len(text)-i >= len(word) && asciiFoldPrefix(text[i:], word) {
				return true
			}
		}
		text = text[i:]
	}
}

// queryWords are the words a query starts with; queryWordAt maps the first
// byte of one (either case) to its index.
var (
	queryWords  = [...]string{1: "select", 2: "with", 3: "values", 4: "from"}
	queryWordAt = [256]uint8{'s': 1, 'S': 1, 'w': 2, 'W': 2, 'v': 3, 'V': 3, 'f': 4, 'F': 4}
)

// asciiFoldPrefix reports whether s starts with the lower-case ASCII word,
// ignoring ASCII case.
func asciiFoldPrefix(s, word string) bool {
	for j := 0; j < len(word); j++ {
		if s[j]|0x20 != word[j] {
			return false
		}
	}
	return true
}

// joinConditions walks the ON conditions of the joins in te.
func (t *tree) joinConditions(te ast.TableExpr) {
	switch x := te.(type) {
	case *ast.Join:
		t.joinConditions(x.Left)
		t.joinConditions(x.Right)
		if x.On != nil {
			t.findSubqueriesIn(x.On)
		}
	case *ast.ParenTable:
		t.joinConditions(x.Inner)
	}
}

// findSubqueries analyses the subqueries inside n as ast.Inspect with
// visitExpr would, in the same order. It walks the common expression nodes
// itself (they make up most of every query, and this is faster) and hands
// any other node to ast.Inspect.
func (t *tree) findSubqueries(n ast.Node) {
	switch n := n.(type) {
	case *ast.ColumnRef, *ast.Literal, *ast.Variable, *ast.Param:
		// No children.
	case *ast.SelectItem:
		t.findIn(n.Expr)
	case *ast.Clause:
		t.findIn(n.Expr)
	case *ast.Binary:
		t.findIn(n.Left)
		t.findIn(n.Right)
	case *ast.Paren:
		t.findIn(n.X)
	case *ast.Unary:
		t.findIn(n.X)
	case *ast.Cast:
		t.findIn(n.X)
	case *ast.Macro:
		for _, a := range n.Args {
			t.findIn(a)
		}
	case *ast.Func:
		if len(n.OrderBy) > 0 || len(n.Within) > 0 || n.Filter != nil || n.Over != nil {
			t.inspect(n)
			return
		}
		for _, a := range n.Params {
			t.findIn(a)
		}
		for _, a := range n.Args {
			t.findIn(a)
		}
	default:
		t.inspect(n)
	}
}

// inspect walks n with ast.Inspect and visitExpr.
func (t *tree) inspect(n ast.Node) {
	if t.visit == nil {
		t.visit = t.visitExpr
	}
	ast.Inspect(n, t.visit)
}

func (t *tree) findIn(e ast.Expr) {
	if e != nil {
		t.findSubqueries(e)
	}
}

// visitExpr is the ast.Inspect callback of exprSubqueries: it analyses
// each subquery as a child of block t.cur.
func (t *tree) visitExpr(n ast.Node) bool {
	switch n := n.(type) {
	case *ast.DerivedTable:
		return false
	case *ast.Query:
		b := t.cur
		t.exprDepth++
		t.query(n, b.env, b.depth+1, false)
		t.exprDepth--
		return false
	}
	return true
}
