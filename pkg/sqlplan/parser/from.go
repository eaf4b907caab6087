package parser

import (
	"strings"

	"github.com/bigtent/quarry/pkg/sqlplan/ast"
	"github.com/bigtent/quarry/pkg/sqlplan/lexer"
)

func (p *parser) parseFrom() *ast.From {
	f := p.nodes.froms.put(ast.From{Span: ast.Span{Start: p.advance().Start}})
	var buf [4]ast.TableExpr
	items := buf[:0]
	for {
		start := p.pos
		items = append(items, p.parseJoinTree())
		if p.pos == start || !p.acceptPunct(',') {
			break
		}
	}
	f.Items = p.nodes.tableLists.copyOf(items)
	f.End = p.lastEnd
	return f
}

// joinWords may appear in a join operator before JOIN.
func joinWord(t lexer.Token) bool {
	if t.Kind != lexer.Keyword {
		return false
	}
	switch t.Kw {
	case lexer.KwGlobal, lexer.KwNatural, lexer.KwInner, lexer.KwLeft, lexer.KwRight, lexer.KwFull,
		lexer.KwOuter, lexer.KwCross, lexer.KwAny, lexer.KwAll, lexer.KwAsof, lexer.KwSemi, lexer.KwAnti,
		lexer.KwArray, lexer.KwPositional, lexer.KwPaste:
		return true
	}
	return false
}

// joinAt returns the number of tokens of a join operator at the current
// position (… JOIN), or 0.
func (p *parser) joinAt() int {
	for i := 0; ; i++ {
		t := p.peek(i)
		if t.Is(lexer.KwJoin) {
			return i + 1
		}
		if !joinWord(t) || i > 5 {
			return 0
		}
	}
}

func (p *parser) parseJoinTree() ast.TableExpr {
	left := p.parseTablePrimary()
	for {
		n := p.joinAt()
		if n == 0 {
			// A LATERAL VIEW or comma ends the tree.
			return left
		}
		j := p.nodes.joins.put(ast.Join{Left: left})
		first := p.cur()
		array := false
		if n == 1 {
			p.advance()
			j.Kind = "JOIN"
		} else {
			var buf [64]byte
			kind := buf[:0]
			for i := 0; i < n; i++ {
				t := p.advance()
				if t.Is(lexer.KwArray) {
					array = true
				}
				if i > 0 {
					kind = append(kind, ' ')
				}
				kind = append(kind, t.Kw.String()...)
			}
			j.Kind = joinKind(kind)
		}
		j.KindSpan = ast.Span{Start: first.Start, End: p.lastEnd}
		if array {
			j.Right = p.parseArrayJoinList()
		} else {
			if p.isKw(lexer.KwLateral) {
				j.Lateral = true
			}
			j.Right = p.parseTablePrimary()
		}
		switch {
		case p.isKw(lexer.KwOn):
			p.advance()
			j.On = p.parseExpr()
		case p.isKw(lexer.KwUsing):
			p.advance()
			if p.isPunct('(') {
				j.Using = p.parseIdentList()
			} else {
				// ClickHouse allows USING a, b without parentheses.
				for {
					j.Using = append(j.Using, p.parseIdent())
					if !p.acceptPunct(',') {
						break
					}
				}
			}
		}
		j.Span = ast.Span{Start: left.NodeSpan().Start, End: p.lastEnd}
		left = j
	}
}

// commonJoinKinds are join operators of more than one word, kept as
// strings so naming them does not allocate.
var commonJoinKinds = func() map[string]ast.JoinKind {
	m := map[string]ast.JoinKind{}
	for _, k := range []ast.JoinKind{"LEFT JOIN", "LEFT OUTER JOIN", "RIGHT JOIN", "RIGHT OUTER JOIN", "FULL JOIN",
		"FULL OUTER JOIN", "INNER JOIN", "CROSS JOIN", "NATURAL JOIN", "ARRAY JOIN", "LEFT ARRAY JOIN", "ANY LEFT JOIN",
		"ANY INNER JOIN", "ALL LEFT JOIN", "ALL INNER JOIN", "ASOF JOIN", "ASOF LEFT JOIN", "GLOBAL JOIN",
		"GLOBAL LEFT JOIN", "GLOBAL INNER JOIN", "GLOBAL ANY LEFT JOIN", "GLOBAL ALL INNER JOIN", "SEMI JOIN",
		"ANTI JOIN", "LEFT SEMI JOIN", "LEFT ANTI JOIN", "POSITIONAL JOIN", "PASTE JOIN"} {
		m[string(k)] = k
	}
	return m
}()

// joinKind returns the join operator named by kind.
func joinKind(kind []byte) ast.JoinKind {
	if k, ok := commonJoinKinds[string(kind)]; ok {
		return k
	}
	return ast.JoinKind(kind)
}

func (p *parser) parseArrayJoinList() *ast.ArrayJoinList {
	l := &ast.ArrayJoinList{Span: ast.Span{Start: p.cur().Start}}
	for {
		it := &ast.SelectItem{Span: ast.Span{Start: p.cur().Start}}
		it.Expr = p.parseExprCtx(true)
		it.Alias = p.parseColumnAlias()
		it.End = p.lastEnd
		l.Items = append(l.Items, it)
		if !p.acceptPunct(',') {
			break
		}
	}
	l.End = p.lastEnd
	return l
}

// parseTablePrimary parses one FROM item without joins.
func (p *parser) parseTablePrimary() ast.TableExpr {
	t := p.cur()
	start := t.Start
	lateral := false
	if t.Is(lexer.KwLateral) {
		p.advance()
		lateral = true
		t = p.cur()
	}
	if t.Is(lexer.KwOnly) && p.isNameToken(p.peek(1)) && !p.aliasStopAt(1) { // PostgreSQL FROM ONLY t
		p.advance()
		t = p.cur()
	}
	switch {
	case isPunct(p.src, t, '(') && p.startsQuery():
		// (query) — but ((a JOIN b)) is a parenthesized join.
		save, saveErrs := p.pos, len(p.errs)
		q := p.parseParenQuery()
		if !p.bracketErrs && len(p.errs) > saveErrs && p.isSubqueryRetry(save) {
			p.seek(save)
			p.errs = p.errs[:saveErrs]
			return p.parseParenTable(start)
		}
		dt := p.nodes.derivedTables.put(ast.DerivedTable{Span: ast.Span{Start: start}, Lateral: lateral, Query: q})
		dt.Alias = p.parseTableAlias()
		dt.End = p.lastEnd
		return dt
	case isPunct(p.src, t, '(') && (p.isKwAt(1, lexer.KwPivot) || p.isKwAt(1, lexer.KwUnpivot)):
		// DuckDB (PIVOT t ON ... USING ...): an opaque table source.
		p.advance()
		kw := p.advance()
		tf := &ast.TableFunc{Span: ast.Span{Start: start}, Name: &ast.ObjectName{Span: ast.Span{Start: kw.Start, End: kw.End},
			Parts: []ast.Ident{{Span: ast.Span{Start: kw.Start, End: kw.End}, Name: upper(p.text(kw))}}}}
		argStart := p.cur().Start
		p.skipBalanced(nil)
		tf.ArgsSpan = ast.Span{Start: argStart, End: p.lastEnd}
		p.expectPunctFor(')', "to close ", p.text(kw), false)
		tf.Alias = p.parseTableAlias()
		tf.End = p.lastEnd
		return tf
	case isPunct(p.src, t, '('):
		return p.parseParenTable(start)
	case t.Is(lexer.KwUnnest) && p.isPunctAt(1, '('):
		u := p.nodes.unnests.put(ast.Unnest{Span: ast.Span{Start: start}})
		p.advance()
		p.advance()
		u.Args = p.parseExprList(')')
		p.expectPunct(')', "to close UNNEST")
		if p.isKw(lexer.KwWith) && p.isWordAt(1, "ORDINALITY") {
			p.advance()
			p.advance()
			u.HasOffset = true
		}
		u.Alias = p.parseTableAlias()
		if p.isKw(lexer.KwWith) && p.isKwAt(1, lexer.KwOffset) {
			p.advance()
			p.advance()
			u.HasOffset = true
			u.WithOffset = p.parseTableAlias()
		}
		u.End = p.lastEnd
		return u
	case t.Kind == lexer.String:
		// DuckDB: FROM 'file.parquet'.
		p.advance()
		name := &ast.ObjectName{Span: ast.Span{Start: t.Start, End: t.End}, Parts: []ast.Ident{p.identFromToken(t)}}
		tr := p.nodes.tableRefs.put(ast.TableRef{Span: ast.Span{Start: start}, Name: name})
		p.parseTableSuffixes(tr)
		tr.End = p.lastEnd
		return tr
	case p.isNameToken(t) || t.Kind == lexer.Macro || t.Kind == lexer.Variable || t.Kind == lexer.Param ||
		t.Kind == lexer.Keyword && p.isPunctAt(1, '(') && !t.Is(lexer.KwSelect):
		if t.Kind == lexer.Macro && p.isPunctAt(1, '(') && p.peek(1).Start == t.End {
			// A macro producing a table ($__table(...)): an opaque table.
			name := p.parseObjectName()
			tr := p.nodes.tableRefs.put(ast.TableRef{Span: ast.Span{Start: start}, Name: name})
			p.skipMacroArgs()
			p.parseTableSuffixes(tr)
			tr.End = p.lastEnd
			return tr
		}
		name := p.parseObjectName()
		if p.isPunct('(') {
			tf := p.nodes.tableFuncs.put(ast.TableFunc{Span: ast.Span{Start: start}, Name: name})
			open := p.advance()
			tf.Args = p.parseExprList(')')
			tf.ArgsSpan = ast.Span{Start: open.End, End: p.cur().Start}
			p.expectPunctFor(')', "to close the arguments of ", p.src[name.Start:name.End], true)
			if p.isKw(lexer.KwWith) && p.isWordAt(1, "ORDINALITY") {
				p.advance()
				p.advance()
				tf.WithOrdinality = true
			}
			tf.Alias = p.parseTableAlias()
			tf.End = p.lastEnd
			return tf
		}
		tr := p.nodes.tableRefs.put(ast.TableRef{Span: ast.Span{Start: start}, Name: name})
		p.parseTableSuffixes(tr)
		tr.End = p.lastEnd
		return tr
	}
	p.errorAt(t.Start, "expected a table, subquery or table function in FROM, found "+p.describe(t))
	return &ast.TableRef{Span: ast.Span{Start: t.Start, End: t.Start}, Name: &ast.ObjectName{Span: ast.Span{Start: t.Start, End: t.Start}}}
}

// isSubqueryRetry reports whether a failed (query) parse at save should be
// retried as a parenthesized join: ((SELECT ...) AS a JOIN b ON ...).
func (p *parser) isSubqueryRetry(save int) bool {
	return isPunct(p.src, p.tok(save), '(') && isPunct(p.src, p.tok(save+1), '(')
}

func (p *parser) parseParenTable(start int) ast.TableExpr {
	p.advance()
	pt := &ast.ParenTable{Span: ast.Span{Start: start}}
	pt.Inner = p.parseJoinTree()
	for p.acceptPunct(',') { // (a, b) comma joins inside parentheses
		right := p.parseJoinTree()
		pt.Inner = &ast.Join{Span: ast.Span{Start: pt.Inner.NodeSpan().Start, End: p.lastEnd}, Kind: ",", Left: pt.Inner, Right: right}
	}
	p.expectPunct(')', "to close the parenthesized FROM item")
	pt.Alias = p.parseTableAlias()
	pt.End = p.lastEnd
	return pt
}

// parseTableSuffixes parses a table's alias, ClickHouse FINAL and SAMPLE,
// TABLESAMPLE and BigQuery FOR SYSTEM_TIME AS OF, in any order.
func (p *parser) parseTableSuffixes(tr *ast.TableRef) {
	for {
		t := p.cur()
		switch {
		case t.Is(lexer.KwFinal) && p.d.ClickHouse && tr.Final == nil:
			p.advance()
			tr.Final = &ast.Span{Start: t.Start, End: t.End}
		case t.Is(lexer.KwSample) && p.d.ClickHouse && tr.Sample == nil:
			s := &ast.Sample{Span: ast.Span{Start: p.advance().Start}}
			s.Ratio = p.parseExpr()
			if p.acceptKw(lexer.KwOffset) {
				s.Offset = p.parseExpr()
			}
			s.End = p.lastEnd
			tr.Sample = s
		case t.Is(lexer.KwTablesample) && tr.Sample == nil:
			s := &ast.Sample{Span: ast.Span{Start: p.advance().Start}}
			if !p.isNameToken(p.cur()) && !p.isPunct('(') {
				p.parseSampleSize(s) // DuckDB TABLESAMPLE 10% [(method)]
			} else {
				for p.isNameToken(p.cur()) && !p.isPunct('(') {
					p.advance() // method: SYSTEM, BERNOULLI, RESERVOIR
				}
				if p.acceptPunct('(') {
					s.Ratio = p.parseExprOpaqueTo(')')
					p.expectPunct(')', "to close TABLESAMPLE")
				}
			}
			if p.isWordAt(0, "REPEATABLE") && p.isPunctAt(1, '(') {
				p.advance()
				p.advance()
				p.skipBalanced(nil)
				p.acceptPunct(')')
			}
			s.End = p.lastEnd
			tr.Sample = s
		case t.Is(lexer.KwFor) && (p.isWordAt(1, "SYSTEM_TIME") || p.isWordAt(1, "SYSTEM")):
			// BigQuery FOR SYSTEM_TIME AS OF expr.
			p.advance()
			p.advance()
			if p.acceptKw(lexer.KwAs) {
				p.acceptKw(lexer.KwOf)
			}
			p.parseExpr()
		case tr.Alias == nil && (t.Is(lexer.KwAs) || (p.isNameToken(t) || p.keywordAlias(0, true)) && !p.tableAliasStopAt(0)):
			tr.Alias = p.parseTableAlias()
			if tr.Alias == nil {
				return
			}
		default:
			return
		}
	}
}

// parseSampleSize parses DuckDB's sample size: 10%, 10 PERCENT, 100 ROWS,
// then an optional (method [, seed]).
func (p *parser) parseSampleSize(s *ast.Sample) {
	s.Ratio = p.parsePostfix(p.parsePrimary())
	for p.isOp("%") || p.isWordAt(0, "PERCENT") || p.isKw(lexer.KwRows) {
		p.advance()
	}
	if p.acceptPunct('(') {
		p.skipBalanced(nil)
		p.expectPunct(')', "to close the sample method")
	}
	s.End = p.lastEnd
}

// parseTableAlias parses [AS] name [(col, ...)].
func (p *parser) parseTableAlias() *ast.Alias {
	t := p.cur()
	start := t.Start
	if p.acceptKw(lexer.KwAs) {
		t = p.cur()
		if !p.isNameToken(t) && t.Kind != lexer.Keyword {
			p.errorAt(t.Start, "expected an alias after AS, found "+p.describe(t))
			return nil
		}
	} else if !(p.isNameToken(t) || p.keywordAlias(0, true)) || p.tableAliasStopAt(0) {
		return nil
	}
	a := p.nodes.aliases.put(ast.Alias{Span: ast.Span{Start: start}})
	a.Name = p.parseIdent()
	if p.isPunct('(') && !p.d.ClickHouse {
		a.Columns = p.parseIdentList()
	}
	a.End = p.lastEnd
	return a
}

// parseIdentList parses (a, b, ...).
func (p *parser) parseIdentList() []ast.Ident {
	p.advance()
	var buf [8]ast.Ident
	ids := buf[:0]
	for !p.isPunct(')') && !p.eof() {
		if !p.isNameToken(p.cur()) && p.cur().Kind != lexer.Keyword {
			p.errorAt(p.cur().Start, "expected a name, found "+p.describe(p.cur()))
			p.skipBalanced(nil)
			break
		}
		ids = append(ids, p.parseIdent())
		// Column definitions (a INT) in table-function aliases: skip the type.
		if !p.isPunct(',') && !p.isPunct(')') {
			p.skipBalanced(func(t lexer.Token) bool { return isPunct(p.src, t, ',') })
		}
		if !p.acceptPunct(',') {
			break
		}
	}
	p.expectPunct(')', "to close the name list")
	return p.nodes.idents.copyOf(ids)
}

// parseIdent parses one name token (a word, a quoted identifier, or — after
// AS — a string or keyword) into an Ident.
func (p *parser) parseIdent() ast.Ident {
	t := p.cur()
	switch t.Kind {
	case lexer.Ident, lexer.Keyword, lexer.QuotedIdent, lexer.String, lexer.Variable, lexer.Macro, lexer.Param:
		p.advance()
		id := ast.Ident{Span: ast.Span{Start: t.Start, End: t.End}, Name: p.text(t)}
		if t.Kind == lexer.QuotedIdent || t.Kind == lexer.String {
			id = p.quotedIdent(t)
		}
		// Glue adjacent template pieces: events_$env, ${prefix}_logs.
		for {
			n := p.cur()
			if n.Start != p.lastEnd || !(n.Kind == lexer.Variable || (t.Kind == lexer.Variable || t.Kind == lexer.Ident || t.Kind == lexer.Keyword) && (n.Kind == lexer.Ident || n.Kind == lexer.Number || n.Kind == lexer.Keyword)) {
				break
			}
			p.advance()
			id.End = n.End
			id.Name = p.src[id.Start:id.End]
			t = n
		}
		return id
	}
	p.errorAt(t.Start, "expected a name, found "+p.describe(t))
	return ast.Ident{Span: ast.Span{Start: t.Start, End: t.Start}}
}

// identFromToken builds an Ident, undoing quotes.
func (p *parser) identFromToken(t lexer.Token) ast.Ident {
	if t.Kind == lexer.QuotedIdent || t.Kind == lexer.String {
		return p.quotedIdent(t)
	}
	return ast.Ident{Span: ast.Span{Start: t.Start, End: t.End}, Name: p.src[t.Start:t.End]}
}

// quotedIdent is identFromToken for a quoted identifier or a string.
func (p *parser) quotedIdent(t lexer.Token) ast.Ident {
	s := p.text(t)
	id := ast.Ident{Span: ast.Span{Start: t.Start, End: t.End}, Name: s, Quoted: true}
	if len(s) < 2 {
		return id
	}
	q := s[0]
	if t.Kind == lexer.String && q != '\'' && q != '"' {
		return id // prefixed strings are kept as written
	}
	inner := s[1 : len(s)-1]
	if strings.IndexByte(inner, q) < 0 && strings.IndexByte(inner, '\\') < 0 {
		id.Name = inner
		return id
	}
	var b strings.Builder
	for i := 0; i < len(inner); i++ {
		c := inner[i]
		switch {
		case c == '\\' && p.d.BackslashEscapes && i+1 < len(inner):
			i++
			b.WriteByte(inner[i])
		case c == q && i+1 < len(inner) && inner[i+1] == q:
			i++
			b.WriteByte(q)
		default:
			b.WriteByte(c)
		}
	}
	id.Name = b.String()
	return id
}

// parseObjectName parses a dotted name. In BigQuery a quoted part holding
// dots (`project.dataset.table`) is split into parts, and unquoted project
// names may contain dashes (my-project.dataset.table).
func (p *parser) parseObjectName() *ast.ObjectName {
	start := p.cur().Start
	var buf [4]ast.Ident
	parts := buf[:0]
	for {
		t := p.cur()
		id := p.parseIdent()
		if p.d.BacktickIdent && !p.d.DoubleQuoteIdent && t.Kind == lexer.QuotedIdent && strings.IndexByte(id.Name, '.') >= 0 {
			parts = appendPath(parts, id)
		} else {
			if !p.d.DoubleQuoteIdent {
				// BigQuery: my-project, events_* (adjacent tokens).
				for {
					c := p.cur()
					if c.Start != p.lastEnd || !(c.Kind == lexer.Operator && (p.text(c) == "-" || p.text(c) == "*") || c.Kind == lexer.Ident || c.Kind == lexer.Number) {
						break
					}
					if p.text(c) == "-" && !(p.peek(1).Start == c.End && (p.peek(1).IsWord() || p.peek(1).Kind == lexer.Number)) {
						break
					}
					if p.text(c) == "*" && (p.isPunctAt(1, '(') || p.peek(1).Start == c.End) {
						break
					}
					p.advance()
					id.End = c.End
					id.Name = p.src[id.Start:id.End]
				}
			}
			parts = append(parts, id)
		}
		if !p.isPunct('.') || !(p.isNameToken(p.peek(1)) || p.peek(1).Kind == lexer.Keyword || p.peek(1).Kind == lexer.Variable) {
			break
		}
		p.advance()
	}
	return p.nodes.objectName(ast.Span{Start: start, End: p.lastEnd}, parts)
}

// appendPath appends the parts of a quoted `a.b.c` identifier to parts,
// with spans inside the quotes.
func appendPath(parts []ast.Ident, id ast.Ident) []ast.Ident {
	off, name := id.Start+1, id.Name
	for {
		i := strings.IndexByte(name, '.')
		if i < 0 {
			return append(parts, ast.Ident{Span: ast.Span{Start: off, End: off + len(name)}, Name: name, Quoted: true})
		}
		parts = append(parts, ast.Ident{Span: ast.Span{Start: off, End: off + i}, Name: name[:i], Quoted: true})
		off += i + 1
		name = name[i+1:]
	}
}

// skipMacroArgs skips a macro's (args).
func (p *parser) skipMacroArgs() {
	if p.acceptPunct('(') {
		p.skipBalanced(nil)
		p.expectPunct(')', "to close the macro arguments")
	}
}

func upper(s string) string { return strings.ToUpper(s) }

// upperWord returns a word token in upper case, without allocating for
// keywords.
func (p *parser) upperWord(t lexer.Token) string {
	if t.Kind == lexer.Keyword {
		return t.Kw.String()
	}
	return strings.ToUpper(p.text(t))
}
