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
		case lexer.KwIs, lexer.KwIn, lexer.KwBetween, lexer.KwLike, lexer.KwILike, lexer.KwRLike, lexer.KwRegexp:
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

// typedLiteralWords may prefix a string to make a typed literal.
var typedLiteralWords = newWordSet("DATE", "TIME", "TIMESTAMP", "DATETIME", "TIMESTAMPTZ", "JSON", "NUMERIC",
	"BIGNUMERIC", "DECIMAL", "UUID", "INET", "BYTES", "RANGE")

func (p *parser) isTypedLiteral() bool {
	t := p.cur()
	n := p.peek(1)
	if !t.IsWord() || n.Kind != lexer.String {
		return false
	}
	return typedLiteralWords.has(p.text(t))
}

// parsePrimary parses an operand.
func (p *parser) parsePrimary() ast.Expr {
	t := p.cur()
	start := t.Start
	switch t.Kind {
	case lexer.Number:
		p.advance()
		return p.nodes.literals.put(ast.Literal{Span: ast.Span{Start: start, End: t.End}, Kind: ast.LitNumber})
	case lexer.String:
		p.advance()
		// Adjacent string literals ('a' 'b') continue the literal.
		for p.cur().Kind == lexer.String && !p.d.TripleQuotes {
			p.advance()
		}
		return p.nodes.literals.put(ast.Literal{Span: ast.Span{Start: start, End: p.lastEnd}, Kind: ast.LitString})
	case lexer.Param:
		p.advance()
		return &ast.Param{Span: ast.Span{Start: start, End: t.End}}
	case lexer.Variable:
		p.advance()
		// A variable glued to a name (events_$env) is still one operand.
		for n := p.cur(); n.Start == p.lastEnd && (n.IsWord() || n.Kind == lexer.Variable || n.Kind == lexer.Number); n = p.cur() {
			p.advance()
		}
		return p.nodes.variables.put(ast.Variable{Span: ast.Span{Start: start, End: p.lastEnd}})
	case lexer.Macro:
		return p.parseMacro()
	case lexer.Ident, lexer.QuotedIdent:
		if p.isTypedLiteral() {
			p.advance()
			p.advance()
			return p.nodes.literals.put(ast.Literal{Span: ast.Span{Start: start, End: p.lastEnd}, Kind: ast.LitString, Type: ast.Span{Start: t.Start, End: t.End}})
		}
		return p.parseNameOrCall()
	case lexer.Operator:
		if p.text(t) == "*" {
			return p.parseStar(nil, start)
		}
	case lexer.Punct:
		switch p.src[start] {
		case '(':
			return p.parseParenExpr()
		case '[':
			p.advance()
			a := &ast.Array{Span: ast.Span{Start: start}}
			a.Items = p.parseExprList(']')
			p.expectPunct(']', "to close the array")
			a.End = p.lastEnd
			return a
		case '{':
			return p.parseMapLiteral()
		}
	case lexer.Keyword:
		return p.parseKeywordPrimary()
	}
	// Not an operand: an opaque token (the caller's absorption continues).
	if p.atExprEnd() {
		p.errorAt(start, "expected an expression, found "+p.describe(t))
		return &ast.Opaque{Span: ast.Span{Start: start, End: start}}
	}
	p.advance()
	return &ast.Opaque{Span: ast.Span{Start: start, End: p.lastEnd}}
}

func (p *parser) parseKeywordPrimary() ast.Expr {
	t := p.cur()
	start := t.Start
	next := p.peek(1)
	call := isPunct(p.src, next, '(')
	switch t.Kw {
	case lexer.KwTrue, lexer.KwFalse:
		p.advance()
		return p.nodes.literals.put(ast.Literal{Span: ast.Span{Start: start, End: t.End}, Kind: ast.LitBool})
	case lexer.KwNull:
		p.advance()
		return p.nodes.literals.put(ast.Literal{Span: ast.Span{Start: start, End: t.End}, Kind: ast.LitNull})
	case lexer.KwCase:
		return p.parseCase()
	case lexer.KwCast, lexer.KwTryCast, lexer.KwSafeCast:
		if call {
			return p.parseCast()
		}
	case lexer.KwExtract:
		if call {
			return p.parseExtract()
		}
	case lexer.KwInterval:
		return p.parseInterval()
	case lexer.KwExists:
		if call {
			p.advance()
			e := p.nodes.exists.put(ast.Exists{Span: ast.Span{Start: start}})
			e.Query = p.parseParenQuery()
			e.End = p.lastEnd
			return e
		}
	case lexer.KwAny, lexer.KwSome, lexer.KwAll:
		if call {
			p.advance()
			q := &ast.Quantified{Span: ast.Span{Start: start}, Quantifier: p.upperWord(t)}
			if p.startsQueryAt(1) {
				q.Query = p.parseParenQuery()
			} else {
				p.advance()
				q.X = p.parseExprOpaqueTo(')')
				p.expectPunctFor(')', "to close ", q.Quantifier, false)
			}
			q.End = p.lastEnd
			return q
		}
	case lexer.KwArray:
		switch {
		case isPunct(p.src, next, '['):
			p.advance()
			p.advance()
			a := &ast.Array{Span: ast.Span{Start: start}}
			a.Items = p.parseExprList(']')
			p.expectPunct(']', "to close the array")
			a.End = p.lastEnd
			return a
		case call && p.startsQueryAt(1):
			p.advance()
			a := &ast.Array{Span: ast.Span{Start: start}}
			a.Query = p.parseParenQuery()
			a.End = p.lastEnd
			return a
		case next.Kind == lexer.Operator && p.text(next) == "<":
			p.advance()
			p.skipAngles()
			a := &ast.Array{Span: ast.Span{Start: start}}
			if p.acceptPunct('[') {
				a.Items = p.parseExprList(']')
				p.expectPunct(']', "to close the array")
			}
			a.End = p.lastEnd
			return a
		}
	case lexer.KwStruct, lexer.KwRow:
		angles := next.Kind == lexer.Operator && p.text(next) == "<"
		if call || angles {
			p.advance()
			if angles {
				p.skipAngles()
			}
			tu := &ast.Tuple{Span: ast.Span{Start: start}, Keyword: p.upperWord(t)}
			if p.expectPunctFor('(', "after ", tu.Keyword, false) {
				tu.Items = p.parseStructItems()
				p.expectPunctFor(')', "to close ", tu.Keyword, false)
			}
			tu.End = p.lastEnd
			return tu
		}
	case lexer.KwMap:
		if isPunct(p.src, next, '{') {
			p.advance()
			m := p.parseMapLiteral().(*ast.Map)
			m.Start = start
			return m
		}
	}
	if call && !t.Is(lexer.KwSelect) && !(t.Is(lexer.KwIn) || t.Is(lexer.KwOn) || t.Is(lexer.KwUsing) || t.Is(lexer.KwAs) ||
		t.Is(lexer.KwAnd) || t.Is(lexer.KwOr) || t.Is(lexer.KwOver) || t.Is(lexer.KwWhen) || t.Is(lexer.KwThen)) {
		return p.parseNameOrCall()
	}
	if !reservedName(t.Kw) {
		return p.parseNameOrCall()
	}
	if p.atExprEnd() || reservedName(t.Kw) && !t.Is(lexer.KwAny) {
		p.errorAt(start, "expected an expression, found "+p.describe(t))
		if p.atExprEnd() {
			return &ast.Opaque{Span: ast.Span{Start: start, End: start}}
		}
	}
	p.advance()
	return &ast.Opaque{Span: ast.Span{Start: start, End: p.lastEnd}}
}

// parseStructItems parses BigQuery STRUCT(expr [AS name], ...).
func (p *parser) parseStructItems() []ast.Expr {
	var items []ast.Expr
	for !p.isPunct(')') && !p.eof() {
		start := p.pos
		e := p.parseExpr()
		if p.acceptKw(lexer.KwAs) {
			p.parseIdent()
		}
		for !p.eof() && !p.isPunct(',') && !p.isPunct(')') {
			before := p.pos
			e = p.absorb(p.tok(start).Start, e, ')')
			if p.pos == before {
				break
			}
		}
		items = append(items, e)
		if p.pos == start || !p.acceptPunct(',') {
			break
		}
	}
	return items
}

func (p *parser) parseParenExpr() ast.Expr {
	start := p.cur().Start
	if p.startsQuery() {
		save, saveErrs := p.pos, len(p.errs)
		q := p.parseParenQuery()
		if len(p.errs) == saveErrs || p.bracketErrs {
			return p.nodes.subqueries.put(ast.Subquery{Span: ast.Span{Start: start, End: p.lastEnd}, Query: q})
		}
		p.seek(save)
		p.errs = p.errs[:saveErrs]
	}
	p.advance()
	items := p.parseExprList(')')
	p.expectClosing(')', "to close the parenthesis opened at ", start)
	if len(items) == 1 && p.src[p.lastEnd-1] == ')' && !p.trailingCommaBefore() {
		return p.nodes.parens.put(ast.Paren{Span: ast.Span{Start: start, End: p.lastEnd}, X: items[0]})
	}
	return p.nodes.tuples.put(ast.Tuple{Span: ast.Span{Start: start, End: p.lastEnd}, Items: items})
}

// trailingCommaBefore reports whether the token before the closing ')' just
// consumed is a ',' ((a,) is a one-element tuple).
func (p *parser) trailingCommaBefore() bool {
	return p.pos >= 2 && isPunct(p.src, p.tok(p.pos-2), ',')
}

func (p *parser) parseMapLiteral() ast.Expr {
	m := &ast.Map{Span: ast.Span{Start: p.advance().Start}}
	for !p.isPunct('}') && !p.eof() {
		start := p.pos
		k := p.parseExprOpaqueTo('}')
		m.Keys = append(m.Keys, k)
		if p.acceptPunct(':') {
			m.Values = append(m.Values, p.parseExprOpaqueTo('}'))
		} else {
			p.errorAt(p.cur().Start, "expected ':' in the map literal, found "+p.describe(p.cur()))
			p.skipBalanced(func(t lexer.Token) bool { return isPunct(p.src, t, ',') })
			m.Values = append(m.Values, &ast.Opaque{Span: ast.Span{Start: p.lastEnd, End: p.lastEnd}})
		}
		if p.pos == start || !p.acceptPunct(',') {
			break
		}
	}
	p.expectPunct('}', "to close the map literal")
	m.End = p.lastEnd
	return m
}

// sqlWords are bare words of special function syntax (TRIM(BOTH ...),
// OVERLAY(... PLACING ...)) that are not column references in opaque runs.
var sqlWords = newWordSet("BOTH", "LEADING", "TRAILING", "PLACING", "OPERATOR", "ISNULL", "NOTNULL", "GLOB", "XOR",
	"DIV", "MOD", "SEPARATOR", "PERCENT", "NAME", "TIME", "LOCAL", "EPOCH", "SYMMETRIC", "UNKNOWN")

func isSQLWord(w string) bool { return sqlWords.has(w) }

// niladic are SQL functions called without parentheses.
var niladic = newWordSet("CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP", "LOCALTIME", "LOCALTIMESTAMP",
	"CURRENT_USER", "SESSION_USER", "CURRENT_SCHEMA", "CURRENT_CATALOG", "CURRENT_ROLE", "CURRENT_DATETIME")

func isNiladic(w string) bool { return niladic.has(w) }

// parseNameOrCall parses a column reference a.b.c, a qualified star t.*, or a
// function call name(args) with its suffixes. The niladic SQL functions
// (CURRENT_DATE, CURRENT_TIMESTAMP, ...) written without parentheses are
// Funcs without arguments.
func (p *parser) parseNameOrCall() ast.Expr {
	start := p.cur().Start
	if t := p.cur(); t.Kind == lexer.Ident && isNiladic(p.text(t)) && !p.isPunctAt(1, '(') && !p.isPunctAt(1, '.') {
		p.advance()
		id := p.identFromToken(t)
		return &ast.Func{Span: ast.Span{Start: start, End: t.End}, Name: &ast.ObjectName{Span: id.Span, Parts: []ast.Ident{id}}}
	}
	first := p.parseIdent()
	if !p.isPunct('.') { // one part, the common case: no buffer to copy
		return p.nameOrCall(start, p.nodes.idents.one(first))
	}
	var buf [4]ast.Ident
	parts := append(buf[:0], first)
	for {
		n := p.peek(1)
		if n.Kind == lexer.Operator && p.text(n) == "*" {
			p.advance()
			return p.parseStar(p.nodes.idents.copyOf(parts), start)
		}
		if !(p.isNameToken(n) || n.Kind == lexer.Keyword) {
			break
		}
		p.advance()
		parts = append(parts, p.parseIdent())
		if !p.isPunct('.') {
			break
		}
	}
	return p.nameOrCall(start, p.nodes.idents.copyOf(parts))
}

// nameOrCall returns the name that started at start with its parts (in the
// slab) as a function call if '(' follows, else as a column reference.
func (p *parser) nameOrCall(start int, parts []ast.Ident) ast.Expr {
	span := ast.Span{Start: start, End: p.lastEnd}
	if p.isPunct('(') {
		return p.parseCall(p.nodes.objectNames.put(ast.ObjectName{Span: span, Parts: parts}))
	}
	return p.nodes.columnRefs.put(ast.ColumnRef{Span: span, Parts: parts})
}

// parseStar parses * (at the current token) with EXCEPT / EXCLUDE / REPLACE.
func (p *parser) parseStar(qual []ast.Ident, start int) ast.Expr {
	p.advance()
	s := p.nodes.stars.put(ast.Star{Span: ast.Span{Start: start}, Qualifier: qual})
	for p.d.SelectExceptReplace {
		t := p.cur()
		switch {
		case (t.Is(lexer.KwExcept) || t.Is(lexer.KwExclude)) && p.isPunctAt(1, '(') && !p.startsQueryAt(1):
			p.advance()
			s.Except = append(s.Except, p.parseIdentList()...)
			continue
		case (t.Is(lexer.KwExcept) || t.Is(lexer.KwExclude)) && p.d.ClickHouse && p.isNameToken(p.peek(1)) && !p.aliasStopAt(1):
			p.advance()
			s.Except = append(s.Except, p.parseIdent())
			continue
		case t.Is(lexer.KwReplace) && p.isPunctAt(1, '('):
			p.advance()
			p.advance()
			for !p.isPunct(')') && !p.eof() {
				it := &ast.SelectItem{Span: ast.Span{Start: p.cur().Start}}
				it.Expr = p.parseExpr()
				if p.acceptKw(lexer.KwAs) {
					id := p.parseIdent()
					it.Alias = &id
				}
				it.End = p.lastEnd
				s.Replace = append(s.Replace, it)
				if !p.acceptPunct(',') {
					break
				}
			}
			p.expectPunct(')', "to close REPLACE")
			continue
		}
		break
	}
	s.End = p.lastEnd
	return s
}

// parseCall parses (args) and the suffixes of a call: ClickHouse parametric
// (params)(args), WITHIN GROUP, FILTER (WHERE ...), IGNORE/RESPECT NULLS and
// OVER.
func (p *parser) parseCall(name *ast.ObjectName) ast.Expr {
	f := p.nodes.funcs.put(ast.Func{Span: ast.Span{Start: name.Start}, Name: name})
	p.parseArgs(f)
	if p.isPunct('(') && p.cur().Start == p.lastEnd && p.d.ClickHouse {
		// quantile(0.9)(x): the first list holds parameters.
		f.Params = f.Args
		f.Args, f.OrderBy, f.Distinct = nil, nil, false
		p.parseArgs(f)
	}
	for {
		switch {
		case p.isKw(lexer.KwWithin) && p.isKwAt(1, lexer.KwGroup) && p.isPunctAt(2, '('):
			p.advance()
			p.advance()
			p.advance()
			if p.isKw(lexer.KwOrder) && p.isKwAt(1, lexer.KwBy) {
				p.advance()
				p.advance()
				f.Within = p.parseOrderItems()
			}
			p.expectPunct(')', "to close WITHIN GROUP")
		case p.isKw(lexer.KwFilter) && p.isPunctAt(1, '('):
			p.advance()
			p.advance()
			p.acceptKw(lexer.KwWhere)
			f.Filter = p.parseExprOpaqueTo(')')
			p.expectPunct(')', "to close FILTER")
		case (p.isKw(lexer.KwIgnore) || p.isKw(lexer.KwRespect)) && p.isKwAt(1, lexer.KwNulls):
			p.advance()
			p.advance()
		case p.isKw(lexer.KwOver):
			p.advance()
			f.Over = p.parseWindowSpec()
		default:
			f.End = p.lastEnd
			return f
		}
	}
}

// parseArgs parses ([DISTINCT|ALL] args [ORDER BY ...] [LIMIT n]
// [IGNORE|RESPECT NULLS]).
func (p *parser) parseArgs(f *ast.Func) {
	open := p.advance()
	var buf [8]ast.Expr
	args := buf[:0]
	defer func() { f.Args = p.nodes.exprs.copyOf(args) }()
	if p.acceptKw(lexer.KwDistinct) {
		f.Distinct = true
	} else if p.isKw(lexer.KwAll) && !p.isPunctAt(1, '(') && !p.isPunctAt(1, ')') {
		p.advance()
	}
	for !p.isPunct(')') && !p.eof() {
		start := p.pos
		switch {
		case p.isKw(lexer.KwOrder) && p.isKwAt(1, lexer.KwBy):
			p.advance()
			p.advance()
			f.OrderBy = p.parseOrderItems()
		case p.isKw(lexer.KwLimit) || (p.isKw(lexer.KwIgnore) || p.isKw(lexer.KwRespect)) && p.isKwAt(1, lexer.KwNulls) || p.isWordAt(0, "SEPARATOR"):
			p.advance()
			if !p.isPunct(')') {
				if p.isKw(lexer.KwNulls) {
					p.advance()
				} else {
					p.parseExpr()
				}
			}
		default:
			args = append(args, p.parseExprOpaqueTo(')'))
		}
		if p.pos == start {
			break
		}
		if !p.acceptPunct(',') && (p.isPunct(')') || p.eof() || !(p.isKw(lexer.KwOrder) || p.isKw(lexer.KwLimit) || p.isKw(lexer.KwIgnore) || p.isKw(lexer.KwRespect) || p.isWordAt(0, "SEPARATOR"))) {
			break
		}
	}
	f.ArgsSpan = ast.Span{Start: open.End, End: p.cur().Start}
	p.expectPunctFor(')', "to close the arguments of ", p.src[f.Name.Start:f.Name.End], true)
}

// parseMacro parses $__name or $__name(args); arguments are split at
// depth-0 commas and parsed tolerantly.
func (p *parser) parseMacro() ast.Expr {
	t := p.advance()
	m := p.nodes.macros.put(ast.Macro{Span: ast.Span{Start: t.Start, End: t.End}, Name: p.src[t.Start+1 : t.End]})
	if p.isPunct('(') && p.cur().Start == t.End {
		open := p.advance()
		m.HasArgs = true
		m.Args = p.parseExprList(')')
		m.ArgsSpan = ast.Span{Start: open.End, End: p.cur().Start}
		p.expectPunctFor(')', "to close the arguments of $", m.Name, false)
		m.End = p.lastEnd
	}
	return m
}

func (p *parser) parseCase() ast.Expr {
	c := p.nodes.cases.put(ast.Case{Span: ast.Span{Start: p.advance().Start}})
	if !p.isKw(lexer.KwWhen) {
		c.Operand = p.parseExpr()
	}
	var buf [8]*ast.When
	whens := buf[:0]
	for p.isKw(lexer.KwWhen) {
		w := p.nodes.whens.put(ast.When{Span: ast.Span{Start: p.advance().Start}})
		w.Cond = p.parseExpr()
		if p.acceptKw(lexer.KwThen) {
			w.Result = p.parseExpr()
		} else {
			p.errorAt(p.cur().Start, "expected THEN in CASE, found "+p.describe(p.cur()))
		}
		w.End = p.lastEnd
		whens = append(whens, w)
	}
	c.Whens = p.nodes.whenLists.copyOf(whens)
	if p.acceptKw(lexer.KwElse) {
		c.Else = p.parseExpr()
	}
	if !p.acceptKw(lexer.KwEnd) {
		p.errorAt(p.cur().Start, "expected END to close the CASE at "+posText(p.src, c.Start)+", found "+p.describe(p.cur()))
	}
	c.End = p.lastEnd
	return c
}

func (p *parser) parseCast() ast.Expr {
	kw := p.advance()
	c := p.nodes.casts.put(ast.Cast{Span: ast.Span{Start: kw.Start}, Kind: p.upperWord(kw)})
	p.advance() // (
	c.X = p.parseExpr()
	switch {
	case p.acceptKw(lexer.KwAs):
		c.Type = p.parseType()
		if p.isKw(lexer.KwFormat) { // BigQuery CAST(x AS STRING FORMAT 'YYYY')
			p.advance()
			p.parseExpr()
		}
	case p.acceptPunct(','): // ClickHouse CAST(x, 'Type')
		tstart := p.cur().Start
		p.parseExpr()
		c.Type = ast.Span{Start: tstart, End: p.lastEnd}
	default:
		p.errorAt(p.cur().Start, "expected AS in "+c.Kind+", found "+p.describe(p.cur()))
		p.skipBalanced(nil)
	}
	p.expectPunctFor(')', "to close ", c.Kind, false)
	c.End = p.lastEnd
	return c
}

func (p *parser) parseExtract() ast.Expr {
	kw := p.advance()
	p.advance() // (
	e := &ast.Extract{Span: ast.Span{Start: kw.Start}}
	if p.cur().Kind == lexer.String || p.isNameToken(p.cur()) || p.cur().Kind == lexer.Keyword {
		e.Part = p.parseIdent()
		if p.isPunct('(') { // BigQuery WEEK(MONDAY)
			p.advance()
			p.skipBalanced(nil)
			p.expectPunct(')', "to close the date part")
		}
	}
	if p.acceptKw(lexer.KwFrom) {
		e.X = p.parseExprOpaqueTo(')')
	} else {
		p.errorAt(p.cur().Start, "expected FROM in EXTRACT, found "+p.describe(p.cur()))
		p.skipBalanced(nil)
	}
	p.expectPunct(')', "to close EXTRACT")
	e.End = p.lastEnd
	return e
}

// intervalUnits are the unit words after INTERVAL value.
var intervalUnits = newWordSet("YEAR", "YEARS", "QUARTER", "QUARTERS", "MONTH", "MONTHS", "WEEK", "WEEKS", "DAY", "DAYS",
	"HOUR", "HOURS", "MINUTE", "MINUTES", "SECOND", "SECONDS", "MILLISECOND", "MILLISECONDS", "MICROSECOND",
	"MICROSECONDS", "NANOSECOND", "NANOSECONDS", "DECADE", "CENTURY", "MILLENNIUM", "DAYOFWEEK", "DAYOFYEAR")

func (p *parser) isIntervalUnit(n int) bool { return p.isIntervalUnitToken(p.peek(n)) }

func (p *parser) isIntervalUnitToken(t lexer.Token) bool {
	if !t.IsWord() {
		return false
	}
	return intervalUnits.has(p.text(t))
}

func (p *parser) parseInterval() ast.Expr {
	iv := p.nodes.intervals.put(ast.Interval{Span: ast.Span{Start: p.advance().Start}})
	if p.atExprEnd() {
		p.errorAt(p.cur().Start, "expected a value after INTERVAL, found "+p.describe(p.cur()))
		iv.End = p.lastEnd
		return iv
	}
	// The value binds tightly: INTERVAL '1' DAY, INTERVAL 5 MINUTE, INTERVAL (x) HOUR, INTERVAL -1 DAY.
	iv.Value = p.parseUnaryValue()
	if p.isIntervalUnit(0) {
		us := p.advance().Start
		if p.isKw(lexer.KwTo) && p.isIntervalUnit(1) {
			p.advance()
			p.advance()
		}
		iv.Unit = ast.Span{Start: us, End: p.lastEnd}
	}
	iv.End = p.lastEnd
	return iv
}

// parseUnaryValue parses a sign and one operand with its postfix operators.
func (p *parser) parseUnaryValue() ast.Expr {
	t := p.cur()
	if t.Kind == lexer.Operator && (p.text(t) == "-" || p.text(t) == "+") {
		p.advance()
		u := &ast.Unary{Span: ast.Span{Start: t.Start}, Op: p.text(t), X: p.parsePostfix(p.parsePrimary())}
		u.End = p.lastEnd
		return u
	}
	return p.parsePostfix(p.parsePrimary())
}
