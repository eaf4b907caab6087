package parser

// Primary expressions: literals (typed, struct, map), keyword forms (CASE,
// CAST, EXTRACT, INTERVAL, EXISTS ...), names, calls, stars and macros.
// The operators and precedence that combine them are in expr.go.

import (
	"github.com/bigtent/quarry/pkg/sqlplan/ast"
	"github.com/bigtent/quarry/pkg/sqlplan/lexer"
)

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
	if p.t.Kind == lexer.Keyword {
		p.keywordAsName()
	}
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
		if call && !(p.d.ClickHouse && !p.isKwAt(3, lexer.KwFrom)) { // ClickHouse extract(haystack, pattern) is a regex function
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
		if next.Kind == lexer.Variable && !p.d.ClickHouse {
			// x NOT ILIKE ALL ${patterns:raw}: the variable holds the
			// parenthesised array (PostgreSQL, DuckDB).
			p.advance()
			q := &ast.Quantified{Span: ast.Span{Start: start}, Quantifier: p.upperWord(t)}
			q.X = p.parsePrimary()
			q.End = p.lastEnd
			return q
		}
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
