package parser

import (
	"reflect"

	"github.com/bigtent/quarry/pkg/sqlplan/ast"
)

// Allocation. The nodes of one parse live and die together (the planner
// walks the tree and drops it), so they are handed out from slabs instead
// of being allocated one by one: the common node types and the small slices
// of the tree (name parts, argument and select lists) each come from a
// slab. A Parser keeps its slabs between parses: each parse starts again at
// the first block of every slab and overwrites the values it hands out. The
// first blocks of a new Parser are one allocation (firstBlocks) sized for a
// typical dashboard query; a slab that overflows gets, after that parse, a
// first block holding everything the parse needed, so a Parser that parses
// similar queries again stops allocating. Less common node types have slabs
// without a first block; the rarest are allocated directly.

// maxKeptBytes bounds what a Parser keeps after a parse: its token buffer,
// its index, and the grown first blocks of its slabs (together) each keep
// at most this many bytes; larger ones (from one huge query) are dropped.
const maxKeptBytes = 1 << 20

// minBlock is the smallest block: a slab without a first block starts with
// room for one value, as a direct allocation would have (measured: larger
// blocks cost the one-shot Parse more bytes and allocations than they save).
const minBlock = 1

// slab hands out values of T from blocks: block[used:] are free. Every
// value handed out is fully overwritten first, so reused memory never shows
// a previous parse's values.
type slab[T any] struct {
	block []T
	used  int
	// first is the block a parse starts in.
	first []T
	// grew is set when this parse left first; past counts the slots of the
	// blocks it left (between parses: the size wanted for first).
	grew bool
	past int
}

func (s *slab[T]) init(first []T) { s.first, s.block = first, first }

// put stores v in the slab and returns its address.
func (s *slab[T]) put(v T) *T {
	if s.used == len(s.block) {
		s.grow(1)
	}
	t := &s.block[s.used]
	*t = v
	s.used++
	return t
}

// copyOf returns a copy of xs in the slab, or nil when xs is empty. The
// copy has no spare capacity, so an append to it never overwrites the
// slab's next values.
func (s *slab[T]) copyOf(xs []T) []T {
	n := len(xs)
	if n == 0 {
		return nil
	}
	if n > len(s.block)-s.used {
		s.grow(n)
	}
	out := s.block[s.used : s.used+n : s.used+n]
	s.used += n
	copy(out, xs)
	return out
}

// one returns a slice of just v in the slab, without spare capacity (see
// copyOf).
func (s *slab[T]) one(v T) []T {
	if s.used == len(s.block) {
		s.grow(1)
	}
	out := s.block[s.used : s.used+1 : s.used+1]
	out[0] = v
	s.used++
	return out
}

// grow moves to a new block with room for n values. Blocks after the
// first double the slab's capacity, so a huge query needs few of them.
func (s *slab[T]) grow(n int) {
	s.grew = true
	s.past += len(s.block)
	s.block, s.used = make([]T, max(len(s.block), s.past, n, minBlock)), 0
}

// release ends a parse: the slab drops its overflow blocks (the tree keeps
// what it uses) and, after an overflow, notes in past the size of a first
// block that would have held the whole parse, adding its bytes to *bytes.
func (s *slab[T]) release(bytes *int) {
	if s.grew { // only a slab that grew has left its first block
		s.settle(bytes)
		s.block = s.first
	}
	s.used = 0
}

func (s *slab[T]) settle(bytes *int) {
	n := s.past + s.used
	*bytes += n * int(reflect.TypeFor[T]().Size())
	s.grew, s.past = false, n
}

// keepFirst forgets the size noted by release: the slab keeps its first
// block.
func (s *slab[T]) keepFirst() { s.past = 0 }

// start prepares the slab for a parse after release: it makes the larger
// first block noted then.
func (s *slab[T]) start() {
	if s.past > 0 {
		s.first = make([]T, s.past)
		s.block, s.past = s.first, 0
	}
}

// nodes holds the slabs of a Parser.
type nodes struct {
	scripts     slab[ast.Script]
	statements  slab[ast.Statement]
	queries     slab[ast.Query]
	selects     slab[ast.Select]
	selectItems slab[ast.SelectItem]
	columnRefs  slab[ast.ColumnRef]
	objectNames slab[ast.ObjectName]
	funcs       slab[ast.Func]
	binaries    slab[ast.Binary]
	literals    slab[ast.Literal]
	macros      slab[ast.Macro]
	clauses     slab[ast.Clause]
	froms       slab[ast.From]
	tableRefs   slab[ast.TableRef]
	orderBys    slab[ast.OrderBy]
	orderItems  slab[ast.OrderItem]
	groupBys    slab[ast.GroupBy]
	aliases     slab[ast.Alias]
	stars       slab[ast.Star]
	limits      slab[ast.Limit]

	idents        slab[ast.Ident] // name parts, identifier lists and aliases
	exprs         slab[ast.Expr]
	itemLists     slab[*ast.SelectItem]
	tableLists    slab[ast.TableExpr]
	orderLists    slab[*ast.OrderItem]
	statementList slab[*ast.Statement]

	// Less common nodes: their slabs start empty.
	withs         slab[ast.With]
	ctes          slab[ast.CTE]
	cteLists      slab[*ast.CTE]
	derivedTables slab[ast.DerivedTable]
	joins         slab[ast.Join]
	windowSpecs   slab[ast.WindowSpec]
	ins           slab[ast.In]
	betweens      slab[ast.Between]
	casts         slab[ast.Cast]
	setOps        slab[ast.SetOp]
	intervals     slab[ast.Interval]
	cases         slab[ast.Case]
	whens         slab[ast.When]
	whenLists     slab[*ast.When]
	variables     slab[ast.Variable]
	subqueries    slab[ast.Subquery]
	parens        slab[ast.Paren]
	tuples        slab[ast.Tuple]
	distincts     slab[ast.Distinct]
	spans         slab[ast.Span]
	unnests       slab[ast.Unnest]
	tableFuncs    slab[ast.TableFunc]
	groupingSets  slab[ast.GroupingSet]
	windowClauses slab[ast.WindowClause]
	namedWindows  slab[ast.NamedWindow]
	windowLists   slab[*ast.NamedWindow]
	exists        slab[ast.Exists]

	// resized is set by a release that noted a larger first block for some
	// slab; start has nothing to do otherwise.
	resized bool
}

// firstBlocks are the first blocks of the slabs, allocated together. The
// sizes fit the median corpus query and keep the block within the 2688-byte
// allocation size class (measured: more slots cost more in garbage
// collection than the allocations they save).
type firstBlocks struct {
	scripts     [1]ast.Script
	statements  [1]ast.Statement
	queries     [1]ast.Query
	selects     [1]ast.Select
	selectItems [4]ast.SelectItem
	columnRefs  [6]ast.ColumnRef
	objectNames [2]ast.ObjectName
	funcs       [1]ast.Func
	binaries    [2]ast.Binary
	literals    [2]ast.Literal
	macros      [2]ast.Macro
	clauses     [1]ast.Clause
	froms       [1]ast.From
	tableRefs   [1]ast.TableRef
	orderBys    [1]ast.OrderBy
	orderItems  [1]ast.OrderItem
	groupBys    [1]ast.GroupBy
	aliases     [1]ast.Alias
	stars       [1]ast.Star
	limits      [1]ast.Limit

	idents        [12]ast.Ident
	exprs         [5]ast.Expr
	itemLists     [4]*ast.SelectItem
	tableLists    [1]ast.TableExpr
	orderLists    [1]*ast.OrderItem
	statementList [1]*ast.Statement
}

func (n *nodes) init() {
	b := new(firstBlocks)
	n.scripts.init(b.scripts[:])
	n.statements.init(b.statements[:])
	n.queries.init(b.queries[:])
	n.selects.init(b.selects[:])
	n.selectItems.init(b.selectItems[:])
	n.columnRefs.init(b.columnRefs[:])
	n.objectNames.init(b.objectNames[:])
	n.funcs.init(b.funcs[:])
	n.binaries.init(b.binaries[:])
	n.literals.init(b.literals[:])
	n.macros.init(b.macros[:])
	n.clauses.init(b.clauses[:])
	n.froms.init(b.froms[:])
	n.tableRefs.init(b.tableRefs[:])
	n.orderBys.init(b.orderBys[:])
	n.orderItems.init(b.orderItems[:])
	n.groupBys.init(b.groupBys[:])
	n.aliases.init(b.aliases[:])
	n.stars.init(b.stars[:])
	n.limits.init(b.limits[:])
	n.idents.init(b.idents[:])
	n.exprs.init(b.exprs[:])
	n.itemLists.init(b.itemLists[:])
	n.tableLists.init(b.tableLists[:])
	n.orderLists.init(b.orderLists[:])
	n.statementList.init(b.statementList[:])
}

// release ends a parse (see slab.release). When the slabs that overflowed
// would keep more than maxKeptBytes together (one huge query), they keep
// their first blocks instead.
func (n *nodes) release() {
	bytes := 0
	n.scripts.release(&bytes)
	n.statements.release(&bytes)
	n.queries.release(&bytes)
	n.selects.release(&bytes)
	n.selectItems.release(&bytes)
	n.columnRefs.release(&bytes)
	n.objectNames.release(&bytes)
	n.funcs.release(&bytes)
	n.binaries.release(&bytes)
	n.literals.release(&bytes)
	n.macros.release(&bytes)
	n.clauses.release(&bytes)
	n.froms.release(&bytes)
	n.tableRefs.release(&bytes)
	n.orderBys.release(&bytes)
	n.orderItems.release(&bytes)
	n.groupBys.release(&bytes)
	n.aliases.release(&bytes)
	n.stars.release(&bytes)
	n.limits.release(&bytes)
	n.idents.release(&bytes)
	n.exprs.release(&bytes)
	n.itemLists.release(&bytes)
	n.tableLists.release(&bytes)
	n.orderLists.release(&bytes)
	n.statementList.release(&bytes)
	n.withs.release(&bytes)
	n.ctes.release(&bytes)
	n.cteLists.release(&bytes)
	n.derivedTables.release(&bytes)
	n.joins.release(&bytes)
	n.windowSpecs.release(&bytes)
	n.ins.release(&bytes)
	n.betweens.release(&bytes)
	n.casts.release(&bytes)
	n.setOps.release(&bytes)
	n.intervals.release(&bytes)
	n.cases.release(&bytes)
	n.whens.release(&bytes)
	n.whenLists.release(&bytes)
	n.variables.release(&bytes)
	n.subqueries.release(&bytes)
	n.parens.release(&bytes)
	n.tuples.release(&bytes)
	n.distincts.release(&bytes)
	n.spans.release(&bytes)
	n.unnests.release(&bytes)
	n.tableFuncs.release(&bytes)
	n.groupingSets.release(&bytes)
	n.windowClauses.release(&bytes)
	n.namedWindows.release(&bytes)
	n.windowLists.release(&bytes)
	n.exists.release(&bytes)
	if bytes > maxKeptBytes {
		n.keepFirst()
	}
	n.resized = bytes > 0
}

// keepFirst makes every slab keep its first block (see slab.keepFirst).
func (n *nodes) keepFirst() {
	n.scripts.keepFirst()
	n.statements.keepFirst()
	n.queries.keepFirst()
	n.selects.keepFirst()
	n.selectItems.keepFirst()
	n.columnRefs.keepFirst()
	n.objectNames.keepFirst()
	n.funcs.keepFirst()
	n.binaries.keepFirst()
	n.literals.keepFirst()
	n.macros.keepFirst()
	n.clauses.keepFirst()
	n.froms.keepFirst()
	n.tableRefs.keepFirst()
	n.orderBys.keepFirst()
	n.orderItems.keepFirst()
	n.groupBys.keepFirst()
	n.aliases.keepFirst()
	n.stars.keepFirst()
	n.limits.keepFirst()
	n.idents.keepFirst()
	n.exprs.keepFirst()
	n.itemLists.keepFirst()
	n.tableLists.keepFirst()
	n.orderLists.keepFirst()
	n.statementList.keepFirst()
	n.withs.keepFirst()
	n.ctes.keepFirst()
	n.cteLists.keepFirst()
	n.derivedTables.keepFirst()
	n.joins.keepFirst()
	n.windowSpecs.keepFirst()
	n.ins.keepFirst()
	n.betweens.keepFirst()
	n.casts.keepFirst()
	n.setOps.keepFirst()
	n.intervals.keepFirst()
	n.cases.keepFirst()
	n.whens.keepFirst()
	n.whenLists.keepFirst()
	n.variables.keepFirst()
	n.subqueries.keepFirst()
	n.parens.keepFirst()
	n.tuples.keepFirst()
	n.distincts.keepFirst()
	n.spans.keepFirst()
	n.unnests.keepFirst()
	n.tableFuncs.keepFirst()
	n.groupingSets.keepFirst()
	n.windowClauses.keepFirst()
	n.namedWindows.keepFirst()
	n.windowLists.keepFirst()
	n.exists.keepFirst()
}

// start prepares the slabs for a parse (see slab.start).
func (n *nodes) start() {
	if !n.resized {
		return
	}
	n.resized = false
	n.scripts.start()
	n.statements.start()
	n.queries.start()
	n.selects.start()
	n.selectItems.start()
	n.columnRefs.start()
	n.objectNames.start()
	n.funcs.start()
	n.binaries.start()
	n.literals.start()
	n.macros.start()
	n.clauses.start()
	n.froms.start()
	n.tableRefs.start()
	n.orderBys.start()
	n.orderItems.start()
	n.groupBys.start()
	n.aliases.start()
	n.stars.start()
	n.limits.start()
	n.idents.start()
	n.exprs.start()
	n.itemLists.start()
	n.tableLists.start()
	n.orderLists.start()
	n.statementList.start()
	n.withs.start()
	n.ctes.start()
	n.cteLists.start()
	n.derivedTables.start()
	n.joins.start()
	n.windowSpecs.start()
	n.ins.start()
	n.betweens.start()
	n.casts.start()
	n.setOps.start()
	n.intervals.start()
	n.cases.start()
	n.whens.start()
	n.whenLists.start()
	n.variables.start()
	n.subqueries.start()
	n.parens.start()
	n.tuples.start()
	n.distincts.start()
	n.spans.start()
	n.unnests.start()
	n.tableFuncs.start()
	n.groupingSets.start()
	n.windowClauses.start()
	n.namedWindows.start()
	n.windowLists.start()
	n.exists.start()
}

// ident returns the address of a copy of id.
func (n *nodes) ident(id ast.Ident) *ast.Ident { return n.idents.put(id) }

// objectName returns a name with a copy of parts.
func (n *nodes) objectName(span ast.Span, parts []ast.Ident) *ast.ObjectName {
	return n.objectNames.put(ast.ObjectName{Span: span, Parts: n.idents.copyOf(parts)})
}
