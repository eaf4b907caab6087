// Package lexer turns SQL text into tokens for the Quarry planner.
//
// The lexer is dialect-aware (see Dialect) and tolerant, in the style of
// go/scanner: it never stops at a bad input. Every byte of the source belongs
// to exactly one token, so concatenating the tokens' text reproduces the
// source exactly; problems (an unterminated string, comment or quoted
// identifier) are collected in an ErrorList with line, column and a caret
// snippet, and lexing continues.
//
// Grafana macros ($__name) and template variables ($var, ${var}, ${var:fmt},
// [[var]]) are tokens of their own, recognised only outside strings and
// comments. Macro arguments are ordinary tokens.
package lexer

import "strings"

// Lex splits src into tokens using the rules of the named dialect (a
// sqlplan.Dialect or any string type: bigquery, postgres, clickhouse,
// duckdb). The tokens always cover src completely, even when the returned
// error (an ErrorList) is not nil.
func Lex[D ~string](src string, dialect D) ([]Token, error) {
	d, err := DialectFor(dialect)
	if err != nil {
		return nil, err
	}
	toks, errs := LexDialect(src, d)
	return toks, errs.Err()
}

// LexDialect is Lex with explicit capabilities. It returns the tokens and
// the errors found (nil when none).
func LexDialect(src string, d Dialect) ([]Token, ErrorList) {
	return LexAppend(make([]Token, 0, len(src)*3/8+4), src, d)
}

// LexAppend is LexDialect appending the tokens to dst (whose spare capacity
// is used first), for callers that manage the token memory themselves.
func LexAppend(dst []Token, src string, d Dialect) ([]Token, ErrorList) {
	s := Scanner{src: src, d: d, toks: dst}
	s.run()
	return s.toks, s.errs
}

// LexAppendSignificant is LexAppend that also appends a copy of each
// significant token (not whitespace or a comment) to sig, for a parser
// that walks only those.
func LexAppendSignificant(dst, sig []Token, src string, d Dialect) ([]Token, []Token, ErrorList) {
	s := Scanner{src: src, d: d, toks: dst, sig: sig, keepSig: true}
	s.run()
	return s.toks, s.sig, s.errs
}

// run scans the whole source.
func (s *Scanner) run() {
	src := s.src
	for p := 0; p < len(src); p = s.pos {
		// The most common tokens without next's dispatch: whitespace,
		// words and the one-byte punctuation.
		switch c := charClass[src[p]]; {
		case c&classSpace != 0:
			s.emitTrivia(Whitespace, p, s.spaceEnd(p+1))
		case c&classIdentStart != 0:
			s.word(p)
		case c&classPunct != 0:
			s.emit(Punct, p, p+1)
		default:
			s.next()
		}
	}
}

// Scanner holds the lexing state of one source text.
type Scanner struct {
	src  string
	d    Dialect
	pos  int
	toks []Token
	errs ErrorList
	// sig are the significant tokens, collected when keepSig is set.
	sig     []Token
	keepSig bool
}

// emit appends a significant token (see add).
func (s *Scanner) emit(kind Kind, start, end int) {
	s.add(Token{Start: start, End: end, Kind: kind})
}

// emitTrivia is emit for whitespace and comments.
func (s *Scanner) emitTrivia(kind Kind, start, end int) {
	s.toks = append(s.toks, Token{Start: start, End: end, Kind: kind})
	s.pos = end
}

// add appends the significant token t (and, when they are kept, its copy
// to sig) and moves past it.
func (s *Scanner) add(t Token) {
	s.toks = append(s.toks, t)
	if s.keepSig {
		s.sig = append(s.sig, t)
	}
	s.pos = t.End
}

func (s *Scanner) errorf(off int, msg string) {
	s.errs = append(s.errs, NewError(s.src, off, msg))
}

func (s *Scanner) peek(i int) byte {
	if i < len(s.src) {
		return s.src[i]
	}
	return 0
}

func isSpace(c byte) bool { return charClass[c]&classSpace != 0 }

// Character classes.
const (
	classIdentStart = 1 << iota
	classDigit
	classSpace
	// classPunct marks the punctuation bytes that are always a token of
	// their own in every dialect.
	classPunct
)

var charClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_', c >= 0x80:
			t[c] = classIdentStart
		case c >= '0' && c <= '9':
			t[c] = classDigit
		case c == ' ', c == '\t', c == '\n', c == '\r', c == '\f', c == '\v':
			t[c] = classSpace
		case c == '(', c == ')', c == ']', c == '}', c == ',', c == ';':
			t[c] = classPunct
		}
	}
	return t
}()

func isIdentStart(c byte) bool { return charClass[c]&classIdentStart != 0 }

func isIdentChar(c byte) bool { return charClass[c]&(classIdentStart|classDigit) != 0 }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHex(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// next scans one token at s.pos.
func (s *Scanner) next() {
	src, p := s.src, s.pos
	c := src[p]
	switch {
	case isIdentStart(c): // the common cases first
		s.word(p)
	case isSpace(c):
		s.emitTrivia(Whitespace, p, s.spaceEnd(p+1))
	case charClass[c]&classPunct != 0:
		s.emit(Punct, p, p+1)
	case c == '-' && s.peek(p+1) == '-', c == '#' && s.d.HashComments:
		s.lineComment(p)
	case c == '/' && s.peek(p+1) == '*':
		s.blockComment(p)
	case c == '\'':
		s.quoted(p, p, String, s.d.BackslashEscapes, s.d.TripleQuotes)
	case c == '"':
		if s.d.DoubleQuoteIdent {
			s.quoted(p, p, QuotedIdent, s.d.BackslashEscapes, false)
		} else {
			s.quoted(p, p, String, s.d.BackslashEscapes, s.d.TripleQuotes)
		}
	case c == '`':
		if s.d.BacktickIdent {
			s.quoted(p, p, QuotedIdent, s.d.BackslashEscapes, false)
		} else {
			s.emit(Invalid, p, p+1)
		}
	case isDigit(c), c == '.' && isDigit(s.peek(p+1)) && !s.afterName(p):
		s.number(p)
	case c == '$':
		s.dollar(p)
	case c == '@' && s.d.AtParams:
		e := p + 1
		if s.peek(e) == '@' {
			e++
		}
		if isIdentStart(s.peek(e)) {
			e++
			for e < len(src) && isIdentChar(src[e]) {
				e++
			}
			s.emit(Param, p, e)
			return
		}
		s.operator(p)
	case c == '{':
		if s.d.BraceParams {
			if e := s.braceParam(p); e > 0 {
				s.emit(Param, p, e)
				return
			}
		}
		s.emit(Punct, p, p+1)
	case c == '[':
		if e := s.bracketVar(p); e > 0 {
			s.emit(Variable, p, e)
			return
		}
		s.emit(Punct, p, p+1)
	case c == '?' && s.d.QuestionParam:
		s.emit(Param, p, p+1)
	case c == ':':
		if n := s.peek(p + 1); n == ':' || n == '=' {
			s.emit(Operator, p, p+2)
			return
		}
		s.emit(Punct, p, p+1)
	case c == '(' || c == ')' || c == ']' || c == '}' || c == ',' || c == ';' || c == '.':
		s.emit(Punct, p, p+1)
	case isOpChar(c):
		s.operator(p)
	default:
		s.emit(Invalid, p, p+1)
	}
}

// spaceEnd returns the end of the whitespace run continuing at e.
func (s *Scanner) spaceEnd(e int) int {
	for e < len(s.src) && isSpace(s.src[e]) {
		e++
	}
	return e
}

// afterName reports whether a '.' at p directly follows a name or a closing
// bracket (ClickHouse tuple access t.1), so it is not a number's start.
func (s *Scanner) afterName(p int) bool {
	if len(s.toks) == 0 {
		return false
	}
	t := s.toks[len(s.toks)-1]
	if t.End != p {
		return false
	}
	switch t.Kind {
	case Ident, Keyword, QuotedIdent:
		return true
	case Punct:
		c := s.src[t.Start]
		return c == ')' || c == ']'
	}
	return false
}

func (s *Scanner) lineComment(p int) {
	e := strings.IndexByte(s.src[p:], '\n')
	if e < 0 {
		e = len(s.src)
	} else {
		e += p
	}
	// A \r before the newline belongs to the whitespace that follows.
	if e > p && s.src[e-1] == '\r' {
		e--
	}
	s.emitTrivia(Comment, p, e)
}

func (s *Scanner) blockComment(p int) {
	src := s.src
	depth := 1
	i := p + 2
	for i < len(src) {
		switch {
		case src[i] == '*' && i+1 < len(src) && src[i+1] == '/':
			depth--
			i += 2
			if depth == 0 || !s.d.NestedComments {
				s.emitTrivia(Comment, p, i)
				return
			}
		case src[i] == '/' && i+1 < len(src) && src[i+1] == '*' && s.d.NestedComments:
			depth++
			i += 2
		default:
			i++
		}
	}
	s.errorf(p, "unterminated /* comment: add the closing */")
	s.emitTrivia(Comment, p, len(src))
}

// quoted scans a quoted token whose prefix starts at start and whose opening
// quote is at q. A doubled quote continues the token; with esc a backslash
// escapes the next byte; with triple, ”' and """ open a triple-quoted string.
func (s *Scanner) quoted(start, q int, kind Kind, esc, triple bool) {
	src := s.src
	quote := src[q]
	if triple && s.peek(q+1) == quote && s.peek(q+2) == quote {
		i := q + 3
		for i < len(src) {
			switch {
			case src[i] == '\\':
				i += 2
			case src[i] == quote && s.peek(i+1) == quote && s.peek(i+2) == quote:
				s.emit(kind, start, i+3)
				return
			default:
				i++
			}
		}
		s.unterminated(start, kind, quote)
		return
	}
	i := q + 1
	for i < len(src) {
		c := src[i]
		switch {
		case c == '\\' && esc:
			i += 2
		case c == quote:
			// A doubled quote is an escaped quote, except in dialects with
			// triple quotes where '' is an empty string.
			if !triple && s.peek(i+1) == quote {
				i += 2
				continue
			}
			s.emit(kind, start, i+1)
			return
		default:
			i++
		}
	}
	s.unterminated(start, kind, quote)
}

func (s *Scanner) unterminated(start int, kind Kind, quote byte) {
	what := "string"
	if kind == QuotedIdent {
		what = "quoted identifier"
	}
	s.errorf(start, "unterminated "+what+": add the closing "+string(quote))
	s.emit(kind, start, len(s.src))
}

func (s *Scanner) number(p int) {
	src := s.src
	e := p
	if src[p] == '0' && (s.peek(p+1) == 'x' || s.peek(p+1) == 'X') && isHex(s.peek(p+2)) {
		e = p + 2
		for e < len(src) && (isHex(src[e]) || src[e] == '_') {
			e++
		}
		s.emit(Number, p, e)
		return
	}
	digits := func() {
		for e < len(src) && (isDigit(src[e]) || src[e] == '_' && isDigit(s.peek(e+1))) {
			e++
		}
	}
	digits()
	if e < len(src) && src[e] == '.' && s.peek(e+1) != '.' && !s.nameAfterDot(e) {
		e++
		digits()
	}
	if e < len(src) && (src[e] == 'e' || src[e] == 'E') {
		f := e + 1
		if f < len(src) && (src[f] == '+' || src[f] == '-') {
			f++
		}
		if isDigit(s.peek(f)) {
			e = f
			digits()
		}
	}
	s.emit(Number, p, e)
}

// nameAfterDot reports whether the '.' at i is followed by a name rather
// than a fraction or exponent (BigQuery project-123.dataset), so it does not
// belong to the number before it.
func (s *Scanner) nameAfterDot(i int) bool {
	c := s.peek(i + 1)
	if !isIdentStart(c) {
		return false
	}
	if c == 'e' || c == 'E' {
		n := s.peek(i + 2)
		if isDigit(n) || (n == '+' || n == '-') && isDigit(s.peek(i+3)) {
			return false
		}
	}
	return true
}

func (s *Scanner) word(p int) {
	src := s.src
	e := p + 1
	for e < len(src) && isIdentChar(src[e]) {
		e++
	}
	// String prefixes: BigQuery r/b/rb/br; PostgreSQL E, B, X, N, U&.
	if n := e - p; n <= 2 && e < len(src) {
		q := src[e]
		if s.d.RawBytesPrefixes && (q == '\'' || q == '"') && isRawBytesPrefix(src[p:e]) {
			s.quoted(p, e, String, true, true)
			return
		}
		if q == '\'' && n == 1 {
			switch src[p] {
			case 'e', 'E':
				if s.d.EStrings {
					s.quoted(p, e, String, true, false)
					return
				}
			case 'b', 'B', 'x', 'X', 'n', 'N':
				s.quoted(p, e, String, s.d.BackslashEscapes, s.d.TripleQuotes)
				return
			}
		}
		if n == 1 && (src[p] == 'u' || src[p] == 'U') && q == '&' && s.peek(e+1) == '\'' && s.d.EStrings {
			s.quoted(p, e+1, String, false, false)
			return
		}
	}
	if kw := LookupKeyword(src[p:e]); kw != KwNone {
		s.add(Token{Start: p, End: e, Kind: Keyword, Kw: kw})
		return
	}
	s.emit(Ident, p, e)
}

func isRawBytesPrefix(w string) bool {
	switch len(w) {
	case 1:
		return w[0] == 'r' || w[0] == 'R' || w[0] == 'b' || w[0] == 'B'
	case 2:
		a, b := w[0]|0x20, w[1]|0x20
		return a == 'r' && b == 'b' || a == 'b' && b == 'r'
	}
	return false
}

// dollar scans a token starting with '$': a dollar-quoted string, a macro, a
// template variable or a positional parameter.
func (s *Scanner) dollar(p int) {
	src := s.src
	n := s.peek(p + 1)
	switch {
	case n == '{':
		// ${var} or ${var:fmt}; the name must start like an identifier.
		if isIdentStart(s.peek(p + 2)) {
			for i := p + 2; i < len(src); i++ {
				c := src[i]
				if c == '}' {
					s.emit(Variable, p, i+1)
					return
				}
				if c == '\n' || c == '{' || c == '$' || c == '\'' || c == '"' || c == '`' {
					break
				}
			}
		}
		s.emit(Invalid, p, p+1)
		return
	case isDigit(n):
		e := p + 2
		for e < len(src) && isDigit(src[e]) {
			e++
		}
		s.emit(Param, p, e)
		return
	}
	// Name after '$' (possibly empty).
	e := p + 1
	if isIdentStart(n) {
		for e < len(src) && isIdentChar(src[e]) {
			e++
		}
	}
	if s.d.DollarQuotes && s.peek(e) == '$' {
		// $$…$$ or $tag$…$tag$.
		tag := src[p : e+1]
		body := e + 1
		if i := strings.Index(src[body:], tag); i >= 0 {
			s.emit(String, p, body+i+len(tag))
			return
		}
		s.errorf(p, "unterminated dollar-quoted string: add the closing "+tag)
		s.emit(String, p, len(src))
		return
	}
	if e == p+1 {
		s.emit(Invalid, p, p+1)
		return
	}
	if e >= p+3 && src[p+1] == '_' && src[p+2] == '_' {
		s.emit(Macro, p, e)
		return
	}
	s.emit(Variable, p, e)
}

// braceParam returns the end of a ClickHouse {name:Type} parameter at p, or 0.
func (s *Scanner) braceParam(p int) int {
	src := s.src
	i := p + 1
	for i < len(src) && (src[i] == ' ' || src[i] == '\t') {
		i++
	}
	if !isIdentStart(s.peek(i)) {
		return 0
	}
	for i < len(src) && isIdentChar(src[i]) {
		i++
	}
	for i < len(src) && (src[i] == ' ' || src[i] == '\t') {
		i++
	}
	if s.peek(i) != ':' || s.peek(i+1) == ':' {
		return 0
	}
	for i++; i < len(src); i++ {
		switch src[i] {
		case '}':
			return i + 1
		case '{', '\n', ';':
			return 0
		}
	}
	return 0
}

// bracketVar returns the end of a [[var]] or [[var:fmt]] variable at p, or 0.
func (s *Scanner) bracketVar(p int) int {
	src := s.src
	if s.peek(p+1) != '[' || !isIdentStart(s.peek(p+2)) {
		return 0
	}
	i := p + 3
	for i < len(src) && (isIdentChar(src[i]) || src[i] == '.') {
		i++
	}
	if s.peek(i) == ':' {
		i++
		for i < len(src) && (isIdentChar(src[i]) || src[i] == '-' || src[i] == ':') {
			i++
		}
	}
	if s.peek(i) == ']' && s.peek(i+1) == ']' {
		return i + 2
	}
	return 0
}

func isOpChar(c byte) bool {
	switch c {
	case '+', '-', '*', '/', '<', '>', '=', '~', '!', '@', '#', '%', '^', '&', '|', '?':
		return true
	}
	return false
}

// pgOpChar reports whether c may appear in a PostgreSQL-style operator run in
// this dialect.
func (s *Scanner) pgOpChar(c byte) bool {
	switch c {
	case '?':
		return !s.d.QuestionParam
	case '#':
		return !s.d.HashComments
	case '@':
		return !s.d.AtParams
	}
	return isOpChar(c)
}

var fixedOps = [...]string{
	"<=>", "->>", "#>>", "!~*",
	"<=", ">=", "<>", "!=", "==", "||", "<<", ">>", "->", "=>", "!~", "~*", "&&", "#>", "@>", "<@",
}

func (s *Scanner) operator(p int) {
	src := s.src
	if s.d.PostgresOperators {
		e := p
		special := false
		for e < len(src) && s.pgOpChar(src[e]) {
			if e > p && (src[e] == '-' && s.peek(e+1) == '-' || src[e] == '/' && s.peek(e+1) == '*') {
				break
			}
			switch src[e] {
			case '~', '!', '@', '#', '%', '^', '&', '|', '`', '?':
				special = true
			}
			e++
		}
		if e == p {
			e = p + 1
		}
		// A multi-character operator ends in + or - only if it holds one of
		// the special characters (PostgreSQL's rule), so x=-1 is x = - 1.
		for !special && e-p > 1 && (src[e-1] == '+' || src[e-1] == '-') {
			e--
		}
		s.emit(Operator, p, e)
		return
	}
	rest := src[p:]
	for _, op := range fixedOps {
		if strings.HasPrefix(rest, op) {
			s.emit(Operator, p, p+len(op))
			return
		}
	}
	s.emit(Operator, p, p+1)
}
