package parser

import (
	"github.com/bigtent/quarry/pkg/sqlplan/ast"
	"github.com/bigtent/quarry/pkg/sqlplan/lexer"
)

// enter guards recursion depth; callers must call leave when it returns true.
func (p *parser) enter() bool {
	p.depth++
	if p.depth > maxDepth {
		p.errorAt(p.cur().Start, "the query nests too deeply to be planned")
		return false
	}
	return true
}

func (p *parser) leave() { p.depth-- }

var writeKinds = map[lexer.KW]ast.StatementKind{
	lexer.KwInsert: ast.StmtInsert, lexer.KwUpdate: ast.StmtUpdate, lexer.KwDelete: ast.StmtDelete,
	lexer.KwMerge: ast.StmtMerge,
}

// parseQuery parses [WITH ...] body [tail clauses].
func (p *parser) parseQuery() *ast.Query {
	q := p.nodes.queries.put(ast.Query{Span: ast.Span{Start: p.cur().Start}})
	defer p.leave()
	if !p.enter() {
		p.skipBalanced(func(t lexer.Token) bool { return isPunct(p.src, t, ';') })
		q.Body = &ast.Select{Span: ast.Span{Start: q.Start, End: p.lastEnd}}
		q.End = p.lastEnd
		return q
	}
	if p.isKw(lexer.KwWith) {
		q.With = p.parseWith()
	}
	if t := p.cur(); t.Kind == lexer.Keyword && writeKinds[t.Kw] != ast.StmtUnknown {
		// WITH ... INSERT/UPDATE/DELETE/MERGE (PostgreSQL).
		p.writeInQuery = writeKinds[t.Kw]
		p.skipBalanced(func(t lexer.Token) bool { return isPunct(p.src, t, ';') })
		q.Body = &ast.Select{Span: ast.Span{Start: t.Start, End: p.lastEnd}}
		q.End = p.lastEnd
		return q
	}
	q.Body = p.parseSetExpr(0)
	if b, ok := q.Body.(*ast.Query); ok && !b.Paren {
		// A ClickHouse SELECT with its own tail clauses and no set
		// operation: the tails belong to this query.
		q.Body, q.OrderBy, q.LimitBy, q.Limit, q.Offset, q.Fetch, q.Settings = b.Body, b.OrderBy, b.LimitBy, b.Limit, b.Offset, b.Fetch, b.Settings
		q.LimitInsert = b.LimitInsert
	} else {
		q.LimitInsert = p.lastEnd
	}
	p.parseQueryTail(q, false)
	q.End = p.lastEnd
	return q
}

// parseWith parses WITH [RECURSIVE] cte, ...
func (p *parser) parseWith() *ast.With {
	w := p.nodes.withs.put(ast.With{Span: ast.Span{Start: p.advance().Start}})
	w.Recursive = p.acceptKw(lexer.KwRecursive)
	var buf [4]*ast.CTE
	ctes := buf[:0]
	for {
		start := p.pos
		ctes = append(ctes, p.parseCTE())
		if p.pos == start {
			p.errorAt(p.cur().Start, "expected a common table expression after WITH, found "+p.describe(p.cur()))
			break
		}
		if !p.acceptPunct(',') {
			break
		}
	}
	w.CTEs = p.nodes.cteLists.copyOf(ctes)
	w.End = p.lastEnd
	return w
}

func (p *parser) isNameToken(t lexer.Token) bool {
	return t.Kind == lexer.Ident || t.Kind == lexer.QuotedIdent || t.Kind == lexer.Keyword && !reservedName(t.Kw)
}

func (p *parser) parseCTE() *ast.CTE {
	t := p.cur()
	c := p.nodes.ctes.put(ast.CTE{Span: ast.Span{Start: t.Start}})
	standard := false
	if p.isNameToken(t) {
		switch {
		case p.isKwAt(1, lexer.KwAs) && (p.isPunctAt(2, '(') || p.isKwAt(2, lexer.KwNot) || p.isWordAt(2, "MATERIALIZED")):
			standard = true
		case p.isPunctAt(1, '(') && (!p.d.ClickHouse || p.columnListCTE()):
			standard = true
		}
	}
	if !standard {
		if !p.d.ClickHouse {
			return c
		}
		// ClickHouse: WITH <expr> AS name.
		c.Expr = p.parseExpr()
		if !p.acceptKw(lexer.KwAs) {
			p.errorAt(p.cur().Start, "expected AS after the WITH expression, found "+p.describe(p.cur()))
		} else {
			c.Name = p.parseIdent()
		}
		c.End = p.lastEnd
		return c
	}
	c.Name = p.parseIdent()
	if p.isPunct('(') {
		c.Columns = p.parseIdentList()
	}
	if !p.acceptKw(lexer.KwAs) {
		p.errorAt(p.cur().Start, "expected AS in the common table expression "+quote(c.Name.Name)+", found "+p.describe(p.cur()))
	}
	p.acceptKw(lexer.KwNot)
	if p.isWordAt(0, "MATERIALIZED") {
		p.advance()
	}
	if p.expectPunctFor('(', "to open the body of ", c.Name.Name, true) {
		if t := p.cur(); t.Kind == lexer.Keyword && writeKinds[t.Kw] != ast.StmtUnknown {
			p.writeInQuery = writeKinds[t.Kw]
			p.skipBalanced(nil)
			c.Query = &ast.Query{Span: ast.Span{Start: t.Start, End: p.lastEnd}}
			c.Query.Body = &ast.Select{Span: c.Query.Span}
		} else {
			c.Query = p.parseQuery()
		}
		p.expectPunctFor(')', "to close the body of ", c.Name.Name, true)
	}
	if p.isWordAt(0, "SEARCH") || p.isWordAt(0, "CYCLE") {
		// PostgreSQL SEARCH / CYCLE clauses of a recursive CTE.
		p.skipBalanced(func(t lexer.Token) bool {
			return isPunct(p.src, t, ',') || t.Is(lexer.KwSelect) || t.Is(lexer.KwWith)
		})
	}
	c.End = p.lastEnd
	return c
}

// columnListCTE reports whether name (cols) AS ( follows (rather than a
// ClickHouse WITH f(x) AS name expression).
func (p *parser) columnListCTE() bool {
	depth := 0
	for i := 1; i < len(p.sig)-p.pos; i++ {
		t := p.peek(i)
		switch {
		case t.Kind == kindEOF:
			return false
		case isPunct(p.src, t, '('):
			depth++
		case isPunct(p.src, t, ')'):
			depth--
			if depth == 0 {
				return p.isKwAt(i+1, lexer.KwAs) && p.isPunctAt(i+2, '(')
			}
		}
	}
	return false
}

func setOpAt(t lexer.Token) (ast.SetOpKind, int) {
	if t.Kind != lexer.Keyword {
		return 0, 0
	}
	switch t.Kw {
	case lexer.KwUnion:
		return ast.Union, 1
	case lexer.KwExcept:
		return ast.Except, 1
	case lexer.KwIntersect:
		return ast.Intersect, 2
	}
	return 0, 0
}

// parseSetExpr parses operands joined by UNION / EXCEPT / INTERSECT.
func (p *parser) parseSetExpr(minPrec int) ast.SetExpr {
	left := p.parseSetOperand()
	for {
		op, prec := setOpAt(p.cur())
		if op == 0 || prec < minPrec {
			return left
		}
		opTok := p.advance()
		so := p.nodes.setOps.put(ast.SetOp{Op: op, Left: left, OpSpan: ast.Span{Start: opTok.Start, End: opTok.End}})
		switch {
		case p.acceptKw(lexer.KwAll):
			so.Quantifier = "ALL"
		case p.acceptKw(lexer.KwDistinct):
			so.Quantifier = "DISTINCT"
		}
		if p.isKw(lexer.KwBy) && p.isWordAt(1, "NAME") { // DuckDB UNION [ALL] BY NAME
			p.advance()
			p.advance()
			so.Quantifier += " BY NAME"
		}
		so.OpSpan.End = p.lastEnd
		so.Right = p.parseSetExpr(prec + 1)
		so.Span = ast.Span{Start: left.NodeSpan().Start, End: so.Right.NodeSpan().End}
		left = so
	}
}

// parseSetOperand parses a SELECT block, VALUES, or a parenthesized query.
func (p *parser) parseSetOperand() ast.SetExpr {
	t := p.cur()
	var operand ast.SetExpr
	switch {
	case p.isPunct('('):
		return p.parseParenQuery()
	case t.Is(lexer.KwSelect), t.Is(lexer.KwFrom) && p.fromFirst():
		operand = p.parseSelect()
	case t.Is(lexer.KwValues):
		operand = p.parseValues()
	case t.Is(lexer.KwWith) && p.d.ClickHouse:
		// ClickHouse: each SELECT of a UNION may have a WITH of its own
		// (SELECT … UNION ALL WITH (SELECT …) AS total SELECT …).
		w := p.parseWith()
		inner := p.parseSetOperand()
		q, ok := inner.(*ast.Query)
		if !ok || q.Paren || q.With != nil {
			q = p.nodes.queries.put(ast.Query{Span: inner.NodeSpan(), Body: inner, LimitInsert: p.lastEnd})
		}
		q.With, q.Start, q.End = w, t.Start, p.lastEnd
		return q
	default:
		p.errorAt(t.Start, "expected SELECT, found "+p.describe(t))
		return &ast.Select{Span: ast.Span{Start: t.Start, End: t.Start}, WhereInsert: t.Start}
	}
	if p.d.ClickHouse && (p.isKw(lexer.KwOrder) || p.isKw(lexer.KwLimit) || p.isKw(lexer.KwSettings) || p.isKw(lexer.KwOffset)) {
		// ClickHouse binds ORDER BY / LIMIT / SETTINGS to each SELECT of a
		// UNION; parseQuery unwraps this when there is no set operation.
		q := p.nodes.queries.put(ast.Query{Span: operand.NodeSpan(), Body: operand, LimitInsert: p.lastEnd})
		p.parseQueryTail(q, true)
		q.End = p.lastEnd
		return q
	}
	return operand
}

// parseParenQuery parses ( query ).
func (p *parser) parseParenQuery() *ast.Query {
	open := p.advance()
	inner := p.parseQuery()
	inner.Paren = true
	inner.Inner = inner.Span
	inner.Start = open.Start
	p.expectClosing(')', "to close the subquery opened at ", open.Start)
	inner.End = p.lastEnd
	return inner
}

func (p *parser) parseValues() *ast.Values {
	v := &ast.Values{Span: ast.Span{Start: p.advance().Start}}
	for {
		start := p.cur().Start
		if !p.isPunct('(') {
			p.errorAt(start, "expected '(' to start a VALUES row, found "+p.describe(p.cur()))
			break
		}
		p.advance()
		row := &ast.Tuple{Span: ast.Span{Start: start}, Items: p.parseExprList(')')}
		p.expectPunct(')', "to close the VALUES row")
		row.End = p.lastEnd
		v.Rows = append(v.Rows, row)
		if !p.acceptPunct(',') {
			break
		}
	}
	v.End = p.lastEnd
	return v
}

// parseQueryTail parses ORDER BY, LIMIT [BY], OFFSET, FETCH, SETTINGS and
// FORMAT in any order, each once. A ClickHouse UNION branch takes no FORMAT.
func (p *parser) parseQueryTail(q *ast.Query, branch bool) {
	for {
		t := p.cur()
		switch {
		case t.Is(lexer.KwOrder) && p.isKwAt(1, lexer.KwBy) && q.OrderBy == nil:
			q.OrderBy = p.parseOrderBy()
			q.LimitInsert = p.lastEnd
		case t.Is(lexer.KwLimit) && (q.Limit == nil || q.LimitBy == nil):
			p.parseLimit(q)
		case t.Is(lexer.KwOffset) && q.Offset == nil && (q.Limit == nil || q.Limit.Offset == nil):
			o := &ast.Offset{Span: ast.Span{Start: p.advance().Start}}
			o.Value = p.parseStrictExpr()
			if p.isKw(lexer.KwRow) || p.isKw(lexer.KwRows) {
				p.advance()
			}
			o.End = p.lastEnd
			q.Offset = o
		case t.Is(lexer.KwFetch) && q.Fetch == nil:
			q.Fetch = p.parseFetch()
		case t.Is(lexer.KwSettings) && q.Settings == nil:
			q.Settings = p.parseSettings()
		case t.Is(lexer.KwFormat) && q.Format == nil && !branch && p.peek(1).Kind != lexer.Punct:
			f := &ast.Format{Span: ast.Span{Start: p.advance().Start}}
			f.Name = p.parseIdent()
			f.End = p.lastEnd
			q.Format = f
		case t.Is(lexer.KwInto) && p.isWordAt(1, "OUTFILE"):
			// ClickHouse INTO OUTFILE 'file' [...]: writes a file.
			p.writeInQuery = ast.StmtCopy
			p.skipBalanced(func(t lexer.Token) bool {
				return t.Is(lexer.KwFormat) || t.Is(lexer.KwSettings) || isPunct(p.src, t, ';')
			})
		case t.Is(lexer.KwFor) && !branch && (p.isKwAt(1, lexer.KwUpdate) || p.isWordAt(1, "SHARE") || p.isWordAt(1, "NO") || p.isWordAt(1, "KEY")):
			// PostgreSQL locking clause: FOR UPDATE / SHARE ...
			p.skipBalanced(func(t lexer.Token) bool { return isPunct(p.src, t, ';') })
		default:
			return
		}
	}
}

func (p *parser) parseLimit(q *ast.Query) {
	start := p.advance().Start
	var count, offset ast.Expr
	comma := false
	if p.acceptKw(lexer.KwAll) {
		count = nil
	} else {
		count = p.parseStrictExpr()
		if p.acceptPunct(',') {
			offset, count, comma = count, p.parseStrictExpr(), true
		}
	}
	if !comma && p.isKw(lexer.KwOffset) && (p.d.ClickHouse || q.Offset == nil) {
		// LIMIT n OFFSET m (an OFFSET after LIMIT ... BY belongs to it too).
		save := p.pos
		p.advance()
		offset = p.parseStrictExpr()
		if p.isKw(lexer.KwRow) || p.isKw(lexer.KwRows) {
			p.seek(save) // an OFFSET m ROWS clause of its own
			offset = nil
		}
	}
	if p.isKw(lexer.KwBy) && q.LimitBy == nil {
		p.advance()
		lb := &ast.LimitBy{Span: ast.Span{Start: start}, Count: count, Offset: offset}
		lb.By = p.parseExprList(0)
		lb.End = p.lastEnd
		q.LimitBy = lb
		q.LimitInsert = p.lastEnd
		return
	}
	l := p.nodes.limits.put(ast.Limit{Span: ast.Span{Start: start}, Count: count, Offset: offset, Comma: comma})
	if p.isKw(lexer.KwWith) && p.isKwAt(1, lexer.KwTies) {
		p.advance()
		p.advance()
		l.WithTies = true
	}
	l.End = p.lastEnd
	if q.Limit != nil {
		p.errorAt(start, "a second LIMIT clause: remove one")
		return
	}
	q.Limit = l
}

func (p *parser) parseFetch() *ast.Fetch {
	f := &ast.Fetch{Span: ast.Span{Start: p.advance().Start}}
	if p.isKw(lexer.KwFirst) || p.isKw(lexer.KwNext) {
		p.advance()
	}
	if !p.isKw(lexer.KwRow) && !p.isKw(lexer.KwRows) {
		f.Count = p.parseStrictExpr()
	}
	if p.isWordAt(0, "PERCENT") {
		p.advance()
	}
	if p.isKw(lexer.KwRow) || p.isKw(lexer.KwRows) {
		p.advance()
	} else {
		p.errorAt(p.cur().Start, "expected ROWS in FETCH, found "+p.describe(p.cur()))
	}
	switch {
	case p.acceptKw(lexer.KwOnly):
	case p.isKw(lexer.KwWith) && p.isKwAt(1, lexer.KwTies):
		p.advance()
		p.advance()
		f.WithTies = true
	default:
		p.errorAt(p.cur().Start, "expected ONLY or WITH TIES in FETCH, found "+p.describe(p.cur()))
	}
	f.End = p.lastEnd
	return f
}

func (p *parser) parseSettings() *ast.Settings {
	s := &ast.Settings{Span: ast.Span{Start: p.advance().Start}}
	for {
		st := &ast.Setting{Span: ast.Span{Start: p.cur().Start}}
		if !p.isNameToken(p.cur()) {
			p.errorAt(p.cur().Start, "expected a setting name after SETTINGS, found "+p.describe(p.cur()))
			break
		}
		st.Name = p.parseIdent()
		if p.isOp("=") {
			p.advance()
			st.Value = p.parseExpr()
		} else {
			p.errorAt(p.cur().Start, "expected '=' after the setting "+quote(st.Name.Name)+", found "+p.describe(p.cur()))
		}
		st.End = p.lastEnd
		s.Items = append(s.Items, st)
		if !p.acceptPunct(',') {
			break
		}
	}
	s.End = p.lastEnd
	return s
}

// ---------------------------------------------------------------- SELECT

func (p *parser) parseSelect() *ast.Select {
	sel := p.nodes.selects.put(ast.Select{Span: ast.Span{Start: p.cur().Start}})
	if p.isKw(lexer.KwFrom) { // DuckDB FROM-first
		sel.From = p.parseFrom()
		sel.WhereInsert = p.lastEnd
	}
	if p.isKw(lexer.KwSelect) {
		kw := p.advance()
		sel.KeywordSpan = ast.Span{Start: kw.Start, End: kw.End}
		p.parseSelectList(sel)
		if sel.From != nil {
			sel.WhereInsert = p.lastEnd // FROM t SELECT a [WHERE ...]
		}
	}
	if p.isKw(lexer.KwInto) {
		// SELECT ... INTO t creates a table (PostgreSQL, DuckDB); ClickHouse
		// INTO OUTFILE writes a file: both are writes, classified as such.
		p.advance()
		if p.isWordAt(0, "OUTFILE") {
			p.writeInQuery = ast.StmtCopy
		} else {
			p.writeInQuery = ast.StmtCreate
		}
		p.skipBalanced(func(t lexer.Token) bool {
			return t.Is(lexer.KwFrom) || t.Is(lexer.KwWhere) || t.Is(lexer.KwGroup) || t.Is(lexer.KwOrder) ||
				t.Is(lexer.KwLimit) || t.Is(lexer.KwUnion) || isPunct(p.src, t, ';')
		})
	}
	if sel.WhereInsert == 0 {
		sel.WhereInsert = p.lastEnd
	}
	if p.isKw(lexer.KwFrom) && sel.From == nil {
		sel.From = p.parseFrom()
		sel.WhereInsert = p.lastEnd
	}
	if p.d.ClickHouse && p.isKw(lexer.KwPrewhere) {
		sel.Prewhere = p.parseClause()
		sel.WhereInsert = p.lastEnd
	}
	if p.isKw(lexer.KwWhere) {
		sel.Where = p.parseClause()
	}
	if p.isKw(lexer.KwGroup) && p.isKwAt(1, lexer.KwBy) {
		sel.GroupBy = p.parseGroupBy()
	}
	for {
		switch {
		case p.isKw(lexer.KwHaving) && sel.Having == nil:
			sel.Having = p.parseClause()
		case p.isKw(lexer.KwWindow) && sel.Window == nil:
			sel.Window = p.parseWindowClause()
		case p.isKw(lexer.KwQualify) && sel.Qualify == nil:
			sel.Qualify = p.parseClause()
		case p.isKw(lexer.KwUsing) && p.isKwAt(1, lexer.KwSample) && sel.Sample == nil:
			// DuckDB USING SAMPLE 10% [(method)] / 100 ROWS.
			sel.Sample = &ast.Sample{Span: ast.Span{Start: p.advance().Start}}
			p.advance()
			p.parseSampleSize(sel.Sample)
		default:
			sel.End = p.lastEnd
			p.checkClauseEnd()
			return sel
		}
	}
}

// checkClauseEnd reports a stray token after a SELECT block: anything that
// cannot follow it (a clause out of order, a second FROM, a lone word).
func (p *parser) checkClauseEnd() {
	t := p.cur()
	if t.Kind == kindEOF || isPunct(p.src, t, ';') || isPunct(p.src, t, ')') {
		return
	}
	if t.Kind == lexer.Keyword {
		switch t.Kw {
		case lexer.KwUnion, lexer.KwIntersect, lexer.KwExcept, lexer.KwOrder, lexer.KwLimit, lexer.KwOffset,
			lexer.KwFetch, lexer.KwSettings, lexer.KwFormat, lexer.KwFor, lexer.KwInto:
			return
		case lexer.KwWhere, lexer.KwGroup, lexer.KwHaving, lexer.KwFrom, lexer.KwPrewhere, lexer.KwQualify, lexer.KwWindow:
			p.errorAt(t.Start, "unexpected "+p.describe(t)+": this clause is out of order or repeated "+
				"(the order is FROM, PREWHERE, WHERE, GROUP BY, HAVING, WINDOW, QUALIFY, ORDER BY, LIMIT)")
			return
		}
	}
	p.errorAt(t.Start, "unexpected "+p.describe(t)+" at clause level: expected WHERE, GROUP BY, ORDER BY, LIMIT "+
		"or the end of the query (is a comma, operator or quote missing?)")
}

// parseClause parses KEYWORD expr (WHERE, PREWHERE, HAVING, QUALIFY).
func (p *parser) parseClause() *ast.Clause {
	kw := p.advance()
	c := p.nodes.clauses.put(ast.Clause{Span: ast.Span{Start: kw.Start}, KeywordSpan: ast.Span{Start: kw.Start, End: kw.End}})
	c.Expr = p.parseExpr()
	c.End = p.lastEnd
	return c
}

func (p *parser) parseSelectList(sel *ast.Select) {
	if p.acceptKw(lexer.KwAll) {
	} else if p.isKw(lexer.KwDistinct) {
		d := p.nodes.distincts.put(ast.Distinct{Span: ast.Span{Start: p.advance().Start}})
		if p.isKw(lexer.KwOn) && p.isPunctAt(1, '(') {
			p.advance()
			p.advance()
			d.On = p.parseExprList(')')
			p.expectPunct(')', "to close DISTINCT ON")
		}
		d.End = p.lastEnd
		sel.Distinct = d
	}
	if p.isKw(lexer.KwAs) && (p.isKwAt(1, lexer.KwStruct) || p.isKwAt(1, lexer.KwValue)) {
		p.advance()
		sel.As = p.text(p.advance())
		sel.As = upper(sel.As)
	}
	sel.ItemsSpan.Start = p.cur().Start
	var buf [16]*ast.SelectItem
	items := buf[:0]
	for !p.atSelectListEnd() {
		start := p.pos
		items = append(items, p.parseSelectItem())
		if p.pos == start {
			break
		}
		if !p.acceptPunct(',') {
			break
		}
	}
	sel.Items = p.nodes.itemLists.copyOf(items)
	sel.ItemsSpan.End = p.lastEnd
	if sel.ItemsSpan.End < sel.ItemsSpan.Start {
		sel.ItemsSpan.End = sel.ItemsSpan.Start
	}
}

// atSelectListEnd reports whether the select list ends here (it may end
// with a trailing comma, as BigQuery and DuckDB allow).
func (p *parser) atSelectListEnd() bool {
	t := p.cur()
	switch {
	case t.Kind == kindEOF, isPunct(p.src, t, ';'), isPunct(p.src, t, ')'):
		return true
	case t.Kind == lexer.Keyword:
		switch t.Kw {
		case lexer.KwFrom, lexer.KwWhere, lexer.KwGroup, lexer.KwHaving, lexer.KwOrder, lexer.KwLimit,
			lexer.KwUnion, lexer.KwIntersect, lexer.KwExcept, lexer.KwQualify, lexer.KwWindow, lexer.KwInto:
			return true
		case lexer.KwSettings, lexer.KwFormat, lexer.KwPrewhere:
			return p.d.ClickHouse
		}
	}
	return false
}

func (p *parser) parseSelectItem() *ast.SelectItem {
	it := p.nodes.selectItems.put(ast.SelectItem{Span: ast.Span{Start: p.cur().Start}})
	it.Expr = p.parseExprCtx(true)
	it.Alias = p.parseColumnAlias()
	it.End = p.lastEnd
	return it
}

// parseColumnAlias parses [AS] alias after a select item.
func (p *parser) parseColumnAlias() *ast.Ident {
	if p.acceptKw(lexer.KwAs) {
		t := p.cur()
		if t.Kind == lexer.String || p.isNameToken(t) || t.Kind == lexer.Keyword {
			return p.nodes.ident(p.parseIdent())
		}
		p.errorAt(t.Start, "expected an alias after AS, found "+p.describe(t))
		return nil
	}
	if t := p.cur(); (p.isNameToken(t) || p.keywordAlias(0, false)) && !p.aliasStopAt(0) && !(t.Kind == lexer.Ident && p.isPunctAt(1, '(')) {
		return p.nodes.ident(p.parseIdent())
	}
	return nil
}

func (p *parser) parseGroupBy() *ast.GroupBy {
	g := p.nodes.groupBys.put(ast.GroupBy{Span: ast.Span{Start: p.advance().Start}})
	p.advance() // BY
	if p.isKw(lexer.KwAll) && !p.isPunctAt(1, '(') {
		p.advance()
		g.All = true
	} else {
		var buf [8]ast.Expr
		items := buf[:0]
		for {
			t := p.cur()
			switch {
			case (t.Is(lexer.KwRollup) || t.Is(lexer.KwCube)) && p.isPunctAt(1, '('):
				gs := p.nodes.groupingSets.put(ast.GroupingSet{Span: ast.Span{Start: t.Start}, Kind: p.upperWord(t)})
				p.advance()
				p.advance()
				gs.Items = p.parseExprList(')')
				p.expectPunctFor(')', "to close ", gs.Kind, false)
				gs.End = p.lastEnd
				items = append(items, gs)
			case t.Is(lexer.KwGrouping) && p.isKwAt(1, lexer.KwSets):
				gs := p.nodes.groupingSets.put(ast.GroupingSet{Span: ast.Span{Start: t.Start}, Kind: "GROUPING SETS"})
				p.advance()
				p.advance()
				if p.expectPunct('(', "after GROUPING SETS") {
					gs.Items = p.parseExprList(')')
					p.expectPunct(')', "to close GROUPING SETS")
				}
				gs.End = p.lastEnd
				items = append(items, gs)
			default:
				items = append(items, p.parseExpr())
			}
			if !p.acceptPunct(',') {
				break
			}
		}
		g.Items = p.nodes.exprs.copyOf(items)
	}
	for p.isKw(lexer.KwWith) && (p.isKwAt(1, lexer.KwRollup) || p.isKwAt(1, lexer.KwCube) || p.isKwAt(1, lexer.KwTotals)) {
		p.advance()
		g.With = append(g.With, upper(p.text(p.advance())))
	}
	g.End = p.lastEnd
	return g
}

func (p *parser) parseWindowClause() *ast.WindowClause {
	w := p.nodes.windowClauses.put(ast.WindowClause{Span: ast.Span{Start: p.advance().Start}})
	var buf [4]*ast.NamedWindow
	windows := buf[:0]
	for {
		nw := p.nodes.namedWindows.put(ast.NamedWindow{Span: ast.Span{Start: p.cur().Start}})
		if !p.isNameToken(p.cur()) {
			p.errorAt(p.cur().Start, "expected a window name, found "+p.describe(p.cur()))
			break
		}
		nw.Name = p.parseIdent()
		if !p.acceptKw(lexer.KwAs) {
			p.errorAt(p.cur().Start, "expected AS after the window name, found "+p.describe(p.cur()))
		}
		nw.Spec = p.parseWindowSpec()
		nw.End = p.lastEnd
		windows = append(windows, nw)
		if !p.acceptPunct(',') {
			break
		}
	}
	w.Windows = p.nodes.windowLists.copyOf(windows)
	w.End = p.lastEnd
	return w
}

// parseWindowSpec parses (spec) or a window name.
func (p *parser) parseWindowSpec() *ast.WindowSpec {
	ws := p.nodes.windowSpecs.put(ast.WindowSpec{Span: ast.Span{Start: p.cur().Start}})
	if !p.isPunct('(') {
		if p.isNameToken(p.cur()) {
			ws.Name = p.nodes.ident(p.parseIdent())
		} else {
			p.errorAt(p.cur().Start, "expected a window specification, found "+p.describe(p.cur()))
		}
		ws.End = p.lastEnd
		return ws
	}
	p.advance()
	if p.isNameToken(p.cur()) && !p.isKw(lexer.KwPartition) && !p.isKw(lexer.KwOrder) && !isFrameKw(p.cur()) {
		ws.Name = p.nodes.ident(p.parseIdent())
	}
	if p.isKw(lexer.KwPartition) && p.isKwAt(1, lexer.KwBy) {
		p.advance()
		p.advance()
		ws.PartitionBy = p.parseExprList(0)
	}
	if p.isKw(lexer.KwOrder) && p.isKwAt(1, lexer.KwBy) {
		p.advance()
		p.advance()
		ws.OrderBy = p.parseOrderItems()
	}
	if !p.isPunct(')') {
		start := p.cur().Start
		p.skipBalanced(nil)
		ws.Frame = p.nodes.spans.put(ast.Span{Start: start, End: p.lastEnd})
	}
	p.expectPunct(')', "to close the window specification")
	ws.End = p.lastEnd
	return ws
}

func isFrameKw(t lexer.Token) bool {
	return t.Is(lexer.KwRows) || t.Is(lexer.KwRange) || t.Is(lexer.KwGroups)
}

func (p *parser) parseOrderBy() *ast.OrderBy {
	o := p.nodes.orderBys.put(ast.OrderBy{Span: ast.Span{Start: p.advance().Start}})
	p.advance()                                      // BY
	if p.isKw(lexer.KwAll) && !p.isPunctAt(1, '(') { // DuckDB ORDER BY ALL
		p.advance()
		o.All = true
		if p.isKw(lexer.KwAsc) || p.isKw(lexer.KwDesc) {
			o.Desc = p.advance().Is(lexer.KwDesc)
		}
		if p.isKw(lexer.KwNulls) && (p.isKwAt(1, lexer.KwFirst) || p.isKwAt(1, lexer.KwLast)) {
			p.advance()
			p.advance()
		}
	} else {
		o.Items = p.parseOrderItems()
	}
	if p.isKw(lexer.KwInterpolate) {
		start := p.advance().Start
		if p.acceptPunct('(') {
			p.skipBalanced(nil)
			p.expectPunct(')', "to close INTERPOLATE")
		}
		o.Interpolate = &ast.Span{Start: start, End: p.lastEnd}
	}
	o.End = p.lastEnd
	return o
}

func (p *parser) parseOrderItems() []*ast.OrderItem {
	var buf [8]*ast.OrderItem
	items := buf[:0]
	for {
		it := p.nodes.orderItems.put(ast.OrderItem{Span: ast.Span{Start: p.cur().Start}})
		it.Expr = p.parseExpr()
		switch {
		case p.acceptKw(lexer.KwAsc):
		case p.acceptKw(lexer.KwDesc):
			it.Desc = true
		}
		if p.isKw(lexer.KwNulls) && (p.isKwAt(1, lexer.KwFirst) || p.isKwAt(1, lexer.KwLast)) {
			p.advance()
			first := p.advance().Is(lexer.KwFirst)
			it.NullsFirst = &first
		}
		if p.isKw(lexer.KwCollate) {
			p.advance()
			p.advance()
		}
		if p.isKw(lexer.KwUsing) && p.peek(1).Kind == lexer.Operator { // PostgreSQL ORDER BY x USING <
			p.advance()
			p.advance()
		}
		if p.isKw(lexer.KwWith) && p.isKwAt(1, lexer.KwFill) {
			f := &ast.WithFill{Span: ast.Span{Start: p.advance().Start}}
			p.advance()
			for {
				switch {
				case p.isKw(lexer.KwFrom) && f.From == nil:
					p.advance()
					f.From = p.parseExpr()
					continue
				case p.isKw(lexer.KwTo) && f.To == nil:
					p.advance()
					f.To = p.parseExpr()
					continue
				case p.isKw(lexer.KwStep) && f.Step == nil:
					p.advance()
					f.Step = p.parseExpr()
					continue
				case p.isWordAt(0, "STALENESS"):
					p.advance()
					p.parseExpr()
					continue
				}
				break
			}
			f.End = p.lastEnd
			it.Fill = f
		}
		it.End = p.lastEnd
		items = append(items, it)
		if !p.acceptPunct(',') {
			return p.nodes.orderLists.copyOf(items)
		}
	}
}
