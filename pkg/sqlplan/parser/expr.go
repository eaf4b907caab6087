package parser

import (
	"strings"

	"github.com/bigtent/quarry/pkg/sqlplan/ast"
	"github.com/bigtent/quarry/pkg/sqlplan/lexer"
)

// Binary operator precedences (higher binds tighter).
const (
	precOr      = 1
	precAnd     = 2
	precNot     = 3
	precCmp     = 4
	precOther   = 5
	precAdd     = 6
	precMul     = 7
	precExp     = 8
	precAt      = 9
	precCollate = 10
)

// parseExpr parses an expression where no alias may follow.
func (p *parser) parseExpr() ast.Expr { return p.parseExprCtx(false) }

// parseExprCtx parses an expression. Tokens the grammar does not expect are
// absorbed into an Opaque node up to the next depth-0 boundary. With alias,
// a name after the expression is left for the caller (an alias).
func (p *parser) parseExprCtx(alias bool) ast.Expr {
	start := p.cur().Start
	if !p.enter() {
		p.leave()
		p.skipBalanced(func(t lexer.Token) bool { return isPunct(p.src, t, ',') || isPunct(p.src, t, ';') })
		return &ast.Opaque{Span: ast.Span{Start: start, End: p.lastEnd}}
	}
	defer p.leave()
	if p.t.Kind == lexer.Keyword {
		p.keywordAsName()
	}
	if p.atExprEnd() {
		p.errorAt(start, "expected an expression, found "+p.describe(p.cur()))
		return &ast.Opaque{Span: ast.Span{Start: start, End: start}}
	}
	e := p.parseBinary(0)
	for p.canAbsorb(alias) {
		before := p.pos
		e = p.absorb(start, e, 0)
		if p.pos == before {
			break
		}
		e = p.parseBinaryRest(e, 0)
	}
	return e
}

// parseExprOpaqueTo parses an expression inside brackets closed by closer:
// anything up to the next depth-0 ',' or closer that the grammar does not
// know is absorbed (SUBSTRING(x FROM 1 FOR 2), TRIM(BOTH ' ' FROM s)).
func (p *parser) parseExprOpaqueTo(closer byte) ast.Expr {
	start := p.cur().Start
	e := p.parseExpr()
	for !p.eof() && !p.isPunct(',') && !p.isPunct(closer) && !p.isPunct(')') && !p.isPunct(']') && !p.isPunct('}') && !p.isPunct(':') && !p.atArgSuffix() {
		before := p.pos
		e = p.absorb(start, e, closer)
		if p.pos == before {
			break
		}
		e = p.parseBinaryRest(e, 0)
	}
	return e
}

// atArgSuffix reports whether an aggregate's argument suffix starts here:
// ORDER BY, LIMIT, IGNORE NULLS, RESPECT NULLS.
func (p *parser) atArgSuffix() bool {
	t := p.cur()
	return t.Is(lexer.KwOrder) && p.isKwAt(1, lexer.KwBy) || t.Is(lexer.KwLimit) ||
		(t.Is(lexer.KwIgnore) || t.Is(lexer.KwRespect)) && p.isKwAt(1, lexer.KwNulls)
}

// atExprEnd reports whether no expression can start here.
func (p *parser) atExprEnd() bool {
	t := p.cur()
	switch t.Kind {
	case kindEOF:
		return true
	case lexer.Punct:
		switch p.src[t.Start] {
		case ',', ';', ')', ']', '}', ':':
			return true
		}
	case lexer.Keyword:
		if t.Is(lexer.KwOffset) && p.isPunctAt(1, '(') {
			return false // BigQuery arr[OFFSET(1)]
		}
		return p.isStopAt(0) && !t.Is(lexer.KwArray) && !t.Is(lexer.KwAny) && !t.Is(lexer.KwAll) || t.Is(lexer.KwSelect)
	}
	return false
}

// canAbsorb reports whether the current token continues an expression the
// grammar did not finish (juxtaposed tokens such as ts AT LOCAL or
// x::int4 operator(pg_catalog.+) y).
func (p *parser) canAbsorb(alias bool) bool {
	t := p.cur()
	switch t.Kind {
	case kindEOF:
		return false
	case lexer.Punct:
		switch p.src[t.Start] {
		case ',', ';', ')', ']', '}', ':':
			return false
		}
		return true
	case lexer.Keyword:
		if p.isStopAt(0) || reserved.has(t) && !p.isPunctAt(1, '(') {
			return false
		}
		return !alias
	case lexer.Ident:
		return !alias || p.isPunctAt(1, '(') // x OPERATOR(pg_catalog.+) y
	case lexer.QuotedIdent, lexer.String:
		return !alias
	}
	return true
}

// parseStrictExpr parses an expression without absorbing juxtaposed tokens
// (LIMIT / OFFSET values), so a stray token after it is reported.
func (p *parser) parseStrictExpr() ast.Expr {
	if p.atExprEnd() {
		p.errorAt(p.cur().Start, "expected a value, found "+p.describe(p.cur()))
		return &ast.Opaque{Span: ast.Span{Start: p.lastEnd, End: p.lastEnd}}
	}
	if !p.enter() {
		p.leave()
		return &ast.Opaque{Span: ast.Span{Start: p.lastEnd, End: p.lastEnd}}
	}
	defer p.leave()
	return p.parseBinary(0)
}

// absorb extends e (which started at start) with a balanced token run up to
// a depth-0 boundary: ',', ';', a closing bracket, ':' or a stop keyword.
// With closer != 0 stop keywords do not end the run.
func (p *parser) absorb(start int, e ast.Expr, closer byte) ast.Expr {
	from := p.pos
	depth := 0
	for !p.eof() {
		t := p.cur()
		if t.Kind == lexer.Punct {
			c := p.src[t.Start]
			switch c {
			case '(', '[', '{':
				depth++
			case ')', ']', '}':
				if depth == 0 {
					goto done
				}
				depth--
			case ',', ';', ':':
				if depth == 0 {
					goto done
				}
			}
		}
		if depth == 0 && p.pos > from {
			if closer == 0 && (p.isStopAt(0) || t.Is(lexer.KwSelect)) {
				break
			}
			// Aggregate suffixes inside the parentheses end the argument.
			if closer != 0 && p.atArgSuffix() {
				break
			}
		}
		p.advance()
	}
done:
	o := &ast.Opaque{Span: ast.Span{Start: start, End: p.lastEnd}}
	if old, ok := e.(*ast.Opaque); ok {
		o.Columns = old.Columns
	} else {
		o.Columns = ast.ColumnRefs(e)
	}
	o.Columns = append(o.Columns, p.columnsIn(from, p.pos)...)
	return o
}

// columnsIn finds name chains in the significant tokens [from, to) that are
// not function names: the column references of an opaque run.
func (p *parser) columnsIn(from, to int) []*ast.ColumnRef {
	var out []*ast.ColumnRef
	for i := from; i < to; i++ {
		t := p.tok(i)
		if !(t.Kind == lexer.Ident || t.Kind == lexer.QuotedIdent) {
			continue
		}
		if i > from && isPunct(p.src, p.tok(i-1), '.') {
			continue
		}
		c := &ast.ColumnRef{Span: ast.Span{Start: t.Start, End: t.End}}
		c.Parts = append(c.Parts, p.identFromToken(t))
		j := i + 1
		for j+1 < to && isPunct(p.src, p.tok(j), '.') && (p.tok(j+1).Kind == lexer.Ident || p.tok(j+1).Kind == lexer.QuotedIdent) {
			c.Parts = append(c.Parts, p.identFromToken(p.tok(j+1)))
			c.End = p.tok(j + 1).End
			j += 2
		}
		if j < len(p.sig) && isPunct(p.src, p.tok(j), '(') {
			i = j - 1
			continue // a function name
		}
		if len(c.Parts) == 1 && t.Kind == lexer.Ident && (isSQLWord(p.text(t)) || p.isIntervalUnitToken(t)) {
			continue
		}
		out = append(out, c)
		i = j - 1
	}
	return out
}

func (p *parser) parseBinary(minPrec int) ast.Expr {
	return p.parseBinaryRest(p.parseUnary(), minPrec)
}

// binaryOp returns the precedence of the binary operator at the current
// position (0 if none).
func (p *parser) binaryOp() int {
	t := p.cur()
	switch t.Kind {
	case lexer.Keyword:
		switch t.Kw {
		case lexer.KwOr:
			return precOr
		case lexer.KwAnd:
			return precAnd
		case lexer.KwBetween:
			if p.names[t.Kw] && p.endsAliasStrictly(1) {
				return 0 // SELECT 1 between FROM t: an alias (PostgreSQL, DuckDB)
			}
			return precCmp
		case lexer.KwIs, lexer.KwIn, lexer.KwLike, lexer.KwILike, lexer.KwRLike, lexer.KwRegexp:
			return precCmp
		case lexer.KwSimilar:
			if p.isKwAt(1, lexer.KwTo) {
				return precCmp
			}
		case lexer.KwNot:
			n := p.peek(1)
			if n.Is(lexer.KwIn) || n.Is(lexer.KwLike) || n.Is(lexer.KwILike) || n.Is(lexer.KwBetween) ||
				n.Is(lexer.KwSimilar) || n.Is(lexer.KwRegexp) || n.Is(lexer.KwRLike) || p.isWordAt(1, "GLOB") {
				return precCmp
			}
		case lexer.KwGlobal:
			if p.isKwAt(1, lexer.KwIn) || p.isKwAt(1, lexer.KwNot) && p.isKwAt(2, lexer.KwIn) {
				return precCmp
			}
		case lexer.KwAt:
			if p.isWordAt(1, "TIME") && p.isKwAt(2, lexer.KwZone) || p.isWordAt(1, "LOCAL") {
				return precAt
			}
		case lexer.KwCollate:
			return precCollate
		}
		return 0
	case lexer.Ident:
		switch {
		case p.isWord(t, "XOR"):
			return precAnd
		case p.isWord(t, "GLOB"):
			return precCmp
		case p.isWord(t, "DIV") || p.isWord(t, "MOD"):
			if p.d.ClickHouse || p.d.Name == "duckdb" {
				return precMul
			}
		}
		return 0
	case lexer.Operator:
		switch p.text(t) {
		case "=", "==", "!=", "<>", "<", ">", "<=", ">=", "<=>", "~", "!~", "~*", "!~*", "~~", "!~~", "~~*", "!~~*", "=~":
			return precCmp
		case "+", "-":
			return precAdd
		case "*", "/", "%", "//":
			return precMul
		case "^":
			return precExp
		case "::":
			return 0 // postfix
		case ":=", "=>":
			return precOr
		}
		return precOther
	case lexer.Invalid:
		return precOther
	}
	return 0
}

func (p *parser) parseBinaryRest(left ast.Expr, minPrec int) ast.Expr {
	for {
		prec := p.binaryOp()
		if prec == 0 || prec < minPrec {
			return left
		}
		start := left.NodeSpan().Start
		t := p.cur()
		// Lambdas: x -> body, (x, y) -> body (ClickHouse, DuckDB).
		if t.Kind == lexer.Operator && p.text(t) == "->" && p.lambdaParams(left) != nil {
			lam := &ast.Lambda{Span: ast.Span{Start: start}, Params: p.lambdaParams(left)}
			p.advance()
			lam.Body = p.parseBinary(0)
			lam.End = p.lastEnd
			return lam
		}
		switch {
		case t.Is(lexer.KwIs):
			left = p.parseIs(left)
			continue
		case t.Is(lexer.KwIn), t.Is(lexer.KwGlobal), t.Is(lexer.KwNot) && (p.isKwAt(1, lexer.KwIn) || p.isKwAt(1, lexer.KwBetween)),
			t.Is(lexer.KwBetween):
			left = p.parseInOrBetween(left)
			continue
		}
		op := p.nodes.binaries.put(ast.Binary{Span: ast.Span{Start: start}, Left: left})
		opStart := t.Start
		switch {
		case t.Is(lexer.KwNot):
			p.advance()
			n := p.advance()
			op.Op = "NOT " + p.upperWord(n)
			if n.Is(lexer.KwSimilar) {
				p.advance()
				op.Op += " TO"
			}
		case t.Is(lexer.KwSimilar):
			p.advance()
			p.advance()
			op.Op = "SIMILAR TO"
		case t.Is(lexer.KwAt):
			p.advance()
			if p.isWordAt(0, "LOCAL") {
				p.advance()
				op.Op = "AT LOCAL"
				op.OpSpan = ast.Span{Start: opStart, End: p.lastEnd}
				op.End = p.lastEnd
				left = op
				continue
			}
			p.advance()
			p.advance()
			op.Op = "AT TIME ZONE"
		case t.Kind == lexer.Keyword || t.Kind == lexer.Ident:
			p.advance()
			op.Op = p.upperWord(t)
		default:
			p.advance()
			op.Op = p.text(t)
		}
		op.OpSpan = ast.Span{Start: opStart, End: p.lastEnd}
		if p.atExprEnd() {
			p.errorAt(p.cur().Start, "expected an expression after "+quote(op.Op)+", found "+p.describe(p.cur()))
			op.Right = &ast.Opaque{Span: ast.Span{Start: p.lastEnd, End: p.lastEnd}}
		} else if op.Op == "COLLATE" {
			op.Right = p.parsePrimary()
		} else {
			op.Right = p.parseBinary(prec + 1)
		}
		if (strings.HasSuffix(op.Op, "LIKE") || strings.HasSuffix(op.Op, "SIMILAR TO")) && p.isKw(lexer.KwEscape) {
			p.advance()
			p.parseBinary(precOther)
		}
		op.End = p.lastEnd
		left = op
	}
}

// lambdaParams returns the parameter names if e can be a lambda's
// parameter list and the dialect has lambdas, else nil.
func (p *parser) lambdaParams(e ast.Expr) []ast.Ident {
	if !p.d.ClickHouse && p.d.Name != "duckdb" {
		return nil
	}
	if p.d.Name == "duckdb" && p.peek(1).Kind == lexer.String {
		return nil // DuckDB JSON: j -> '$.a'
	}
	switch e := e.(type) {
	case *ast.ColumnRef:
		if len(e.Parts) == 1 {
			return e.Parts
		}
	case *ast.Paren:
		if c, ok := e.X.(*ast.ColumnRef); ok && len(c.Parts) == 1 {
			return c.Parts
		}
	case *ast.Tuple:
		var ids []ast.Ident
		for _, it := range e.Items {
			c, ok := it.(*ast.ColumnRef)
			if !ok || len(c.Parts) != 1 {
				return nil
			}
			ids = append(ids, c.Parts[0])
		}
		if e.Keyword == "" && len(ids) > 0 {
			return ids
		}
	}
	return nil
}

func (p *parser) parseIs(left ast.Expr) ast.Expr {
	is := &ast.Is{Span: ast.Span{Start: left.NodeSpan().Start}, X: left}
	p.advance()
	is.Not = p.acceptKw(lexer.KwNot)
	t := p.cur()
	switch {
	case t.Is(lexer.KwDistinct) && p.isKwAt(1, lexer.KwFrom):
		p.advance()
		p.advance()
		is.What = "DISTINCT FROM"
		is.Right = p.parseBinary(precOther)
	case t.Is(lexer.KwNull) || t.Is(lexer.KwTrue) || t.Is(lexer.KwFalse) || p.isWordAt(0, "UNKNOWN") || p.isWordAt(0, "NAN") || p.isWordAt(0, "JSON"):
		p.advance()
		is.What = p.upperWord(t)
	case p.atExprEnd():
		p.errorAt(t.Start, "expected NULL, TRUE, FALSE or DISTINCT FROM after IS, found "+p.describe(t))
	default:
		is.Right = p.parseBinary(precOther)
	}
	is.End = p.lastEnd
	return is
}

func (p *parser) parseInOrBetween(left ast.Expr) ast.Expr {
	start := left.NodeSpan().Start
	p.acceptKw(lexer.KwGlobal)
	not := p.acceptKw(lexer.KwNot)
	if p.acceptKw(lexer.KwBetween) {
		b := p.nodes.betweens.put(ast.Between{Span: ast.Span{Start: start}, X: left, Not: not})
		if p.isWordAt(0, "SYMMETRIC") {
			p.advance()
		}
		b.Lo = p.parseBinary(precOther)
		if !p.acceptKw(lexer.KwAnd) {
			p.errorAt(p.cur().Start, "expected AND in BETWEEN, found "+p.describe(p.cur()))
		} else {
			b.Hi = p.parseBinary(precOther)
		}
		b.End = p.lastEnd
		return b
	}
	in := p.nodes.ins.put(ast.In{Span: ast.Span{Start: start}, X: left, Not: not})
	p.advance() // IN
	switch {
	case p.isPunct('(') && p.startsQueryAt(1) && !p.isPunctAt(1, '('):
		in.Query = p.parseParenQuery()
	case p.isPunct('('):
		save, saveErrs := p.pos, len(p.errs)
		if p.startsQuery() {
			q := p.parseParenQuery()
			if len(p.errs) == saveErrs {
				in.Query = q
				break
			}
			p.seek(save)
			p.errs = p.errs[:saveErrs]
		}
		p.advance()
		in.List = p.parseExprList(')')
		p.expectPunct(')', "to close the IN list")
	case p.atExprEnd():
		p.errorAt(p.cur().Start, "expected a list or subquery after IN, found "+p.describe(p.cur()))
	default:
		in.Other = p.parsePostfix(p.parsePrimary())
	}
	in.End = p.lastEnd
	return in
}

// parseUnary parses prefix operators and NOT.
func (p *parser) parseUnary() ast.Expr {
	t := p.cur()
	switch {
	case t.Is(lexer.KwNot):
		p.advance()
		u := &ast.Unary{Span: ast.Span{Start: t.Start}, Op: "NOT"}
		if p.atExprEnd() {
			p.errorAt(p.cur().Start, "expected an expression after NOT, found "+p.describe(p.cur()))
			u.X = &ast.Opaque{Span: ast.Span{Start: p.lastEnd, End: p.lastEnd}}
		} else {
			u.X = p.parseBinary(precNot + 1)
		}
		u.End = p.lastEnd
		return u
	case t.Kind == lexer.Operator && p.text(t) != "*":
		p.advance()
		u := &ast.Unary{Span: ast.Span{Start: t.Start}, Op: p.text(t)}
		if p.atExprEnd() {
			p.errorAt(p.cur().Start, "expected an expression after "+quote(u.Op)+", found "+p.describe(p.cur()))
			u.X = &ast.Opaque{Span: ast.Span{Start: p.lastEnd, End: p.lastEnd}}
		} else if !p.enter() {
			u.X = &ast.Opaque{Span: ast.Span{Start: p.lastEnd, End: p.lastEnd}}
		} else {
			u.X = p.parseBinary(precExp)
		}
		if p.depth > maxDepth {
			p.skipBalanced(nil)
		}
		p.leave()
		u.End = p.lastEnd
		return u
	}
	return p.parsePostfix(p.parsePrimary())
}

// parsePostfix parses ::type, [subscript], .field and PostgreSQL ISNULL /
// NOTNULL after an operand.
func (p *parser) parsePostfix(e ast.Expr) ast.Expr {
	for {
		t := p.cur()
		start := e.NodeSpan().Start
		switch {
		case t.Kind == lexer.Operator && p.text(t) == "::":
			p.advance()
			c := p.nodes.casts.put(ast.Cast{Span: ast.Span{Start: start}, Kind: "::", X: e})
			c.Type = p.parseType()
			c.End = p.lastEnd
			e = c
		case isPunct(p.src, t, '['):
			p.advance()
			s := &ast.Subscript{Span: ast.Span{Start: start}, X: e}
			if !p.isPunct(':') && !p.isPunct(']') {
				s.Index = p.parseExprOpaqueTo(']')
			}
			if p.acceptPunct(':') {
				s.Slice = true
				if !p.isPunct(']') {
					s.Hi = p.parseExprOpaqueTo(']')
				}
			}
			p.expectPunct(']', "to close the subscript")
			s.End = p.lastEnd
			e = s
		case isPunct(p.src, t, '.') && p.peek(1).Start == t.End || isPunct(p.src, t, '.') && (p.isNameToken(p.peek(1)) || p.peek(1).Kind == lexer.Keyword):
			n := p.peek(1)
			if !(p.isNameToken(n) || n.Kind == lexer.Keyword || n.Kind == lexer.Number) {
				if n.Kind == lexer.Operator && p.text(n) == "*" {
					p.advance()
					p.advance()
					e = &ast.Star{Span: ast.Span{Start: start, End: p.lastEnd}}
					continue
				}
				return e
			}
			p.advance()
			p.advance()
			f := &ast.FieldAccess{Span: ast.Span{Start: start, End: n.End}, X: e, Field: p.identFromToken(n)}
			e = f
		case p.isWord(t, "ISNULL") || p.isWord(t, "NOTNULL"):
			p.advance()
			e = &ast.Is{Span: ast.Span{Start: start, End: p.lastEnd}, X: e, Not: p.isWordAt(-1, "NOTNULL"), What: "NULL"}
		default:
			return e
		}
	}
}

// typeContinuation words continue a multi-word type name.
var typeContinuation = newWordSet("PRECISION", "VARYING", "UNSIGNED", "SIGNED", "WITHOUT", "TIME", "ZONE", "LOCAL")

// parseType parses a type after :: or AS in CAST and returns its span:
// int, varchar(10), timestamp with time zone, double precision, int[],
// ARRAY<STRUCT<a INT64>>, Nullable(DateTime64(3, 'UTC')), pg_catalog.text.
func (p *parser) parseType() ast.Span {
	start := p.cur().Start
	if !p.cur().IsWord() && p.cur().Kind != lexer.QuotedIdent {
		if p.cur().Kind == lexer.String { // ClickHouse CAST(x, 'T') handled by the caller; x::'T' is odd but harmless
			p.advance()
			return ast.Span{Start: start, End: p.lastEnd}
		}
		p.errorAt(start, "expected a type name, found "+p.describe(p.cur()))
		return ast.Span{Start: start, End: start}
	}
	p.advance()
	for p.isPunct('.') && (p.peek(1).IsWord() || p.peek(1).Kind == lexer.QuotedIdent) {
		p.advance()
		p.advance()
	}
	for {
		switch {
		case p.isPunct('(') && p.cur().Start == p.lastEnd || p.isPunct('('):
			p.advance()
			p.skipBalanced(nil)
			p.expectPunct(')', "to close the type arguments")
		case p.isOp("<"):
			p.skipAngles()
		case p.isKw(lexer.KwWith) && p.isWordAt(1, "TIME") && p.isKwAt(2, lexer.KwZone):
			p.advance()
			p.advance()
			p.advance()
		case p.cur().IsWord() && p.isTypeContinuation():
			p.advance()
		case p.isPunct('[') && (p.isPunctAt(1, ']') || p.peek(1).Kind == lexer.Number && p.isPunctAt(2, ']')):
			p.advance()
			if !p.isPunct(']') {
				p.advance()
			}
			p.advance()
		default:
			return ast.Span{Start: start, End: p.lastEnd}
		}
	}
}

func (p *parser) isTypeContinuation() bool { return typeContinuation.has(p.text(p.cur())) }

// skipAngles skips a balanced <...> type parameter list (BigQuery, DuckDB).
func (p *parser) skipAngles() {
	depth := 0
	for !p.eof() {
		t := p.cur()
		if t.Kind == lexer.Operator {
			for _, c := range p.text(t) {
				switch c {
				case '<':
					depth++
				case '>':
					depth--
				}
			}
		}
		if isPunct(p.src, t, ';') || isPunct(p.src, t, ')') {
			return
		}
		p.advance()
		if isPunct(p.src, t, '(') {
			p.skipBalanced(nil)
			p.acceptPunct(')')
		}
		if depth <= 0 {
			return
		}
	}
}

// parseExprList parses comma-separated expressions up to closer (not
// consumed); with closer 0 it parses a list without brackets.
func (p *parser) parseExprList(closer byte) []ast.Expr {
	var buf [8]ast.Expr
	list := buf[:0]
	for {
		if closer != 0 && (p.isPunct(closer) || p.eof()) {
			return p.nodes.exprs.copyOf(list)
		}
		start := p.pos
		if closer != 0 {
			list = append(list, p.parseExprOpaqueTo(closer))
		} else {
			list = append(list, p.parseExpr())
		}
		if p.pos == start || !p.acceptPunct(',') {
			return p.nodes.exprs.copyOf(list)
		}
	}
}
