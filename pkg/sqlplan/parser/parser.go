// Package parser is the Quarry planner's SQL parser: one recursive-descent
// parser for every dialect, steered by the small capability value
// lexer.Dialect (in the style of sqlparser-rs).
//
// It is tolerant: an expression the grammar does not know (an unfamiliar
// operator or function syntax) becomes an ast.Opaque balanced token run, and
// parsing goes on. The structure — statements, CTEs, query blocks, FROM
// items and clauses — is always found. Only real errors are reported:
// unbalanced brackets, an unterminated string, comment or quoted identifier,
// and a stray token at clause level. They come as a lexer.ErrorList (the
// first is the primary) of *lexer.Error values with line, column and a caret
// snippet; the fields mirror sqlplan.Error.
//
// Statements other than queries (INSERT, UPDATE, DELETE, MERGE, DDL, GRANT,
// SET, CALL, COPY, ...) are recognised and classified, not parsed in depth,
// so the planner can refuse them. Data-modifying statements hidden in a
// query (WITH d AS (DELETE ...) SELECT, WITH ... INSERT, SELECT ... INTO t,
// ClickHouse INTO OUTFILE) give the statement the write kind.
//
// Parse allocates a new tree for each text; a Parser parses texts one after
// another in the same memory (its results are valid until its next call).
//
// Tests: go test ./pkg/sqlplan/parser compares AST dumps (ast.Dump: every
// node with its span and text) of testdata/cases/<dialect>.txt and
// common.txt with testdata/golden/<dialect>/*.ast; -update rewrites them.
// Fuzz targets FuzzParse (here) and FuzzLex (lexer) have seeds in
// testdata/fuzz/.
package parser

import (
	"reflect"
	"strings"

	"github.com/bigtent/quarry/pkg/sqlplan/ast"
	"github.com/bigtent/quarry/pkg/sqlplan/lexer"
)

// maxErrors bounds the errors collected for one text.
const maxErrors = 10

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 1000

// Parse lexes and parses src in the named dialect (a sqlplan.Dialect or any
// string type). It always returns a script (possibly partial) unless the
// dialect is unknown; err is a lexer.ErrorList when the text has errors.
func Parse[D ~string](src string, dialect D) (*ast.Script, error) {
	d, err := lexer.DialectFor(dialect)
	if err != nil {
		return nil, err
	}
	s, errs := ParseDialect(src, d)
	return s, errs.Err()
}

// ParseDialect is Parse with explicit capabilities.
func ParseDialect(src string, d lexer.Dialect) (*ast.Script, lexer.ErrorList) {
	var p parser // on the stack: only the blocks it hands out are allocated
	p.nodes.init()
	script, _, _ := p.parse(src, d, nil, nil)
	return script, p.errs
}

// Parser parses SQL texts one after another, reusing its token buffer,
// index and node slabs. The Script a call returns, and every node in it, is
// valid only until the next call on the same Parser; errors stay valid. The
// zero value is ready. A Parser is not safe for concurrent use.
type Parser struct {
	toks []lexer.Token
	sig  []lexer.Token
	p    parser
	// ready is set once the slabs have their first blocks.
	ready bool
}

// Parse is like the package-level Parse: same results, same errors.
func (pr *Parser) Parse(src string, dialect string) (*ast.Script, error) {
	d, err := lexer.DialectFor(dialect)
	if err != nil {
		return nil, err
	}
	s, errs := pr.ParseDialect(src, d)
	return s, errs.Err()
}

// ParseDialect is like the package-level ParseDialect.
func (pr *Parser) ParseDialect(src string, d lexer.Dialect) (*ast.Script, lexer.ErrorList) {
	p := &pr.p
	if pr.ready {
		p.nodes.start()
	} else {
		p.nodes.init()
		pr.ready = true
	}
	defer p.nodes.release() // also after a panic, so the Parser stays usable
	script, toks, sig := p.parse(src, d, pr.toks, pr.sig)
	pr.toks, pr.sig = keep(toks), keep(sig)
	errs := p.errs
	p.state = state{} // keep no reference to the text
	return script, errs
}

// parse lexes src into the token buffer toks, copies the significant
// tokens to the buffer sig and parses them with a fresh state. It returns
// the script and the buffers (grown if they were too small); the errors
// are in p.errs.
func (p *parser) parse(src string, d lexer.Dialect, toks, sig []lexer.Token) (*ast.Script, []lexer.Token, []lexer.Token) {
	// Dashboard SQL has about 0.35 tokens per byte (at most 0.47 in the
	// corpus), about 0.2 of them significant. The parser walks a copy of
	// the significant ones, ended by an end-of-input token.
	toks, sig, errs := lexer.LexAppendSignificant(buffer(toks, len(src)*2/5+8), buffer(sig, len(src)/3+8), src, d)
	n := len(toks)
	sig = append(sig, lexer.Token{Start: len(src), End: len(src), Kind: kindEOF})
	if len(errs) == 0 {
		errs = checkBrackets(src, sig)
	}
	p.state = state{src: src, d: d, sig: sig, errs: errs, names: namesOf(d.Name)}
	p.seek(0)
	p.bracketErrs = len(errs) > 0
	script := p.parseScript()
	script.Tokens = toks[:n:n]
	if len(p.errs) > 0 {
		fixSpans(script, len(src))
	}
	return script, toks, sig
}

// buffer returns buf emptied, or a new buffer when its capacity is below n.
func buffer[T any](buf []T, n int) []T {
	if cap(buf) < n {
		return make([]T, 0, n)
	}
	return buf[:0]
}

// keep returns buf to be reused by the next parse, or nil when it is too
// large to keep.
func keep[T any](buf []T) []T {
	if cap(buf)*int(reflect.TypeFor[T]().Size()) > maxKeptBytes {
		return nil
	}
	return buf
}

// kindEOF marks the end of the significant tokens.
const kindEOF lexer.Kind = 255

// parser is the parser of one text (state) with the slabs of its tree.
type parser struct {
	state
	// nodes allocates the tree (alloc.go).
	nodes nodes
}

// state is what a parse starts afresh.
type state struct {
	src string
	d   lexer.Dialect
	// sig are the significant tokens (not whitespace or comments) and a
	// final kindEOF token.
	sig []lexer.Token
	// pos is the position in sig; t is the token there (see seek).
	pos  int
	t    lexer.Token
	errs lexer.ErrorList
	// bracketErrs is set when lexing or bracket matching failed; later
	// parse errors would only repeat those, so they are not reported.
	bracketErrs bool
	depth       int
	// lastEnd is the end offset of the last consumed token.
	lastEnd int
	// names are the keywords the dialect lets be names (names.go).
	names *kwSet
	// writeInQuery records a data-modifying statement found inside a query
	// (a PostgreSQL WITH x AS (DELETE ...) or WITH ... INSERT).
	writeInQuery ast.StatementKind
}

// fromFirst reports whether a query may start with FROM (DuckDB).
func (p *parser) fromFirst() bool { return p.d.Name == "duckdb" }

// tok returns the significant token i.
func (p *parser) tok(i int) lexer.Token { return p.sig[i] }

func (p *parser) cur() lexer.Token { return p.t }

// seek moves to the significant token i.
func (p *parser) seek(i int) {
	p.pos = i
	p.t = p.tok(i)
}

func (p *parser) peek(n int) lexer.Token {
	if i := p.pos + n; i < len(p.sig) {
		return p.tok(i)
	}
	return p.tok(len(p.sig) - 1)
}

func (p *parser) eof() bool { return p.cur().Kind == kindEOF }

func (p *parser) advance() lexer.Token {
	t := p.t
	if t.Kind != kindEOF {
		p.seek(p.pos + 1)
		p.lastEnd = t.End
	}
	return t
}

func (p *parser) text(t lexer.Token) string { return p.src[t.Start:t.End] }

func (p *parser) isKw(kw lexer.KW) bool { return p.cur().Is(kw) }

func (p *parser) isKwAt(n int, kw lexer.KW) bool { return p.peek(n).Is(kw) }

func (p *parser) acceptKw(kw lexer.KW) bool {
	if p.isKw(kw) {
		p.advance()
		return true
	}
	return false
}

// isWordAt reports whether token n ahead is a bare word equal to w (any case).
// w must be upper case.
func (p *parser) isWordAt(n int, w string) bool { return p.isWord(p.peek(n), w) }

// isWord reports whether t is a bare word equal to the upper-case w.
func (p *parser) isWord(t lexer.Token, w string) bool {
	return t.End-t.Start == len(w) && t.IsWord() && lexer.EqualFoldUpper(p.text(t), w)
}

func isPunct(src string, t lexer.Token, c byte) bool {
	return t.Kind == lexer.Punct && src[t.Start] == c
}

func (p *parser) isPunct(c byte) bool { return isPunct(p.src, p.cur(), c) }

func (p *parser) isPunctAt(n int, c byte) bool { return isPunct(p.src, p.peek(n), c) }

func (p *parser) acceptPunct(c byte) bool {
	if p.isPunct(c) {
		p.advance()
		return true
	}
	return false
}

func (p *parser) isOp(op string) bool {
	t := p.cur()
	return t.Kind == lexer.Operator && p.src[t.Start:t.End] == op
}

func (p *parser) isOpAt(n int, op string) bool {
	t := p.peek(n)
	return t.Kind == lexer.Operator && p.src[t.Start:t.End] == op
}

// errorAt records an error at offset off.
func (p *parser) errorAt(off int, msg string) {
	if p.bracketErrs || len(p.errs) >= maxErrors {
		return
	}
	// One error per offset is enough.
	for _, e := range p.errs {
		if e.Offset == off {
			return
		}
	}
	p.errs = append(p.errs, lexer.NewError(p.src, off, msg))
}

// describe names a token for an error message.
func (p *parser) describe(t lexer.Token) string {
	if t.Kind == kindEOF {
		return "end of input"
	}
	s := p.text(t)
	if len(s) > 30 {
		s = s[:30] + "…"
	}
	return strings.ToUpper(t.Kind.String()[:1]) + t.Kind.String()[1:] + " " + quote(s)
}

func quote(s string) string { return "\"" + s + "\"" }

func (p *parser) expectPunct(c byte, context string) bool {
	if p.acceptPunct(c) {
		return true
	}
	p.errorAt(p.cur().Start, "expected '"+string(c)+"' "+context+", found "+p.describe(p.cur()))
	return false
}

// expectPunctFor is expectPunct with the context prefix+subject (quoted
// when q), built only when the token is missing.
func (p *parser) expectPunctFor(c byte, prefix, subject string, q bool) bool {
	if p.acceptPunct(c) {
		return true
	}
	if q {
		subject = quote(subject)
	}
	return p.expectPunct(c, prefix+subject)
}

// expectClosing is expectPunct with the context prefix + the position of
// the opening bracket, built only when the token is missing.
func (p *parser) expectClosing(c byte, prefix string, open int) bool {
	if p.acceptPunct(c) {
		return true
	}
	return p.expectPunct(c, prefix+posText(p.src, open))
}

// checkBrackets reports the first unbalanced ( [ { or closer among the
// significant tokens toks (brackets are significant).
func checkBrackets(src string, toks []lexer.Token) lexer.ErrorList {
	var buf [32]int
	open := buf[:0] // offsets of the unclosed brackets, innermost last
	for i := range toks {
		t := &toks[i]
		if t.Kind != lexer.Punct {
			continue
		}
		switch c := src[t.Start]; c {
		case '(', '[', '{':
			open = append(open, t.Start)
		case ')', ']', '}':
			if len(open) == 0 || src[open[len(open)-1]] != openerOf(c) {
				return lexer.ErrorList{unmatchedCloser(src, open, t.Start)}
			}
			open = open[:len(open)-1]
		}
	}
	if len(open) > 0 {
		return lexer.ErrorList{unclosedBracket(src, open[len(open)-1])}
	}
	return nil
}

// unmatchedCloser is the error for the closing bracket at off that does
// not close the innermost of the brackets open.
func unmatchedCloser(src string, open []int, off int) *lexer.Error {
	c := src[off]
	if len(open) == 0 {
		return lexer.NewError(src, off, "unbalanced '"+string(c)+"': no matching '"+string(openerOf(c))+"' before it")
	}
	top := open[len(open)-1]
	return lexer.NewError(src, off,
		"unbalanced brackets: '"+string(c)+"' closes the '"+src[top:top+1]+"' opened at "+posText(src, top))
}

// unclosedBracket is the error for the bracket at off left open.
func unclosedBracket(src string, off int) *lexer.Error {
	return lexer.NewError(src, off,
		"unbalanced '"+src[off:off+1]+"': missing the closing '"+string(closerOf(src[off]))+"'")
}

func openerOf(c byte) byte {
	switch c {
	case ')':
		return '('
	case ']':
		return '['
	}
	return '{'
}

func closerOf(c byte) byte {
	switch c {
	case '(':
		return ')'
	case '[':
		return ']'
	}
	return '}'
}

func posText(src string, off int) string {
	l, c := lexer.Position(src, off)
	return "line " + itoa(l) + ", column " + itoa(c)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// skipBalanced consumes tokens up to (not including) a depth-0 token for
// which stop returns true, or EOF. It never consumes an unmatched closer.
func (p *parser) skipBalanced(stop func(t lexer.Token) bool) {
	depth := 0
	for !p.eof() {
		t := p.cur()
		if t.Kind == lexer.Punct {
			switch p.src[t.Start] {
			case '(', '[', '{':
				depth++
			case ')', ']', '}':
				if depth == 0 {
					return
				}
				depth--
			}
		}
		if depth == 0 && stop != nil && stop(t) {
			return
		}
		p.advance()
	}
}

// ---------------------------------------------------------------- statements

func (p *parser) parseScript() *ast.Script {
	s := p.nodes.scripts.put(ast.Script{Src: p.src, Span: ast.Span{Start: 0, End: len(p.src)}})
	var buf [4]*ast.Statement
	stmts := buf[:0]
	var semis [4]ast.Span
	semicolons := semis[:0]
	for {
		for p.isPunct(';') {
			t := p.advance()
			semicolons = append(semicolons, ast.Span{Start: t.Start, End: t.End})
		}
		if p.eof() {
			break
		}
		start := p.pos
		st := p.parseStatement()
		stmts = append(stmts, st)
		if !p.eof() && !p.isPunct(';') {
			t := p.cur()
			p.errorAt(t.Start, "unexpected "+p.describe(t)+" after the end of the "+st.Kind.String()+
				" statement: remove it, or separate statements with ';'")
			p.skipBalanced(func(t lexer.Token) bool { return isPunct(p.src, t, ';') })
			if p.isPunct(')') || p.isPunct(']') || p.isPunct('}') {
				p.advance()
			}
			st.End = p.lastEnd
		}
		if p.pos == start { // no progress: give up safely
			p.advance()
		}
	}
	s.Statements = p.nodes.statementList.copyOf(stmts)
	s.Semicolons = p.nodes.spans.copyOf(semicolons)
	return s
}

var commandKinds = map[lexer.KW]ast.StatementKind{
	lexer.KwInsert: ast.StmtInsert, lexer.KwUpdate: ast.StmtUpdate, lexer.KwDelete: ast.StmtDelete,
	lexer.KwMerge: ast.StmtMerge, lexer.KwCreate: ast.StmtCreate, lexer.KwAlter: ast.StmtAlter,
	lexer.KwDrop: ast.StmtDrop, lexer.KwTruncate: ast.StmtTruncate, lexer.KwRename: ast.StmtRename,
	lexer.KwGrant: ast.StmtGrant, lexer.KwRevoke: ast.StmtRevoke, lexer.KwSet: ast.StmtSet,
	lexer.KwCall: ast.StmtCall, lexer.KwCopy: ast.StmtCopy, lexer.KwUse: ast.StmtUse,
	lexer.KwBegin: ast.StmtTransaction, lexer.KwCommit: ast.StmtTransaction,
	lexer.KwRollback: ast.StmtTransaction, lexer.KwStart: ast.StmtTransaction,
	lexer.KwShow: ast.StmtShow, lexer.KwDescribe: ast.StmtDescribe, lexer.KwDesc: ast.StmtDescribe,
	lexer.KwAttach: ast.StmtOther, lexer.KwDetach: ast.StmtOther, lexer.KwOptimize: ast.StmtOther,
	lexer.KwKill: ast.StmtOther, lexer.KwSystem: ast.StmtOther, lexer.KwPragma: ast.StmtOther,
	lexer.KwInstall: ast.StmtOther, lexer.KwLoad: ast.StmtOther, lexer.KwExport: ast.StmtOther,
	lexer.KwImport: ast.StmtOther, lexer.KwVacuum: ast.StmtOther, lexer.KwExecute: ast.StmtOther,
	lexer.KwDeclare: ast.StmtOther, lexer.KwPrepare: ast.StmtOther, lexer.KwDeallocate: ast.StmtOther,
	lexer.KwLock: ast.StmtOther, lexer.KwReindex: ast.StmtOther, lexer.KwComment: ast.StmtOther,
	lexer.KwRefresh: ast.StmtOther, lexer.KwWatch: ast.StmtOther, lexer.KwExchange: ast.StmtOther,
	lexer.KwCheck: ast.StmtOther, lexer.KwSummarize: ast.StmtOther, lexer.KwAnalyze: ast.StmtOther,
	lexer.KwPivot: ast.StmtOther, lexer.KwUnpivot: ast.StmtOther,
}

// otherCommands are leading words that are not keywords of the lexer.
var otherCommands = newWordSet("CLUSTER", "LISTEN", "NOTIFY", "UNLISTEN", "DISCARD", "RESET", "REPLACE", "UPSERT",
	"DO", "CHECKPOINT", "SAVEPOINT", "RELEASE", "ABORT", "END", "FETCH", "MOVE", "CLOSE", "SECURITY", "REASSIGN",
	"UNDROP", "ASSERT", "EXECUTE", "RAISE", "RETURN", "LOOP", "IF", "WHILE", "REPEAT", "UNLOAD", "DETACH", "SYNC")

func (p *parser) parseStatement() *ast.Statement {
	t := p.cur()
	st := p.nodes.statements.put(ast.Statement{Span: ast.Span{Start: t.Start}, KeywordSpan: ast.Span{Start: t.Start, End: t.End}})
	switch {
	case p.startsQuery():
		st.Kind = ast.StmtSelect
		st.Query = p.parseQuery()
		if w := p.writeInQuery; w != ast.StmtUnknown {
			st.Kind = w
			p.writeInQuery = ast.StmtUnknown
		}
	case t.Is(lexer.KwExplain):
		st.Kind = ast.StmtExplain
		p.advance()
		p.skipExplainOptions()
		if p.startsQuery() {
			st.Explained = ast.StmtSelect
			st.Query = p.parseQuery()
			if w := p.writeInQuery; w != ast.StmtUnknown {
				st.Explained = w
				p.writeInQuery = ast.StmtUnknown
			}
		} else {
			inner := p.parseStatement()
			st.Explained = inner.Kind
		}
	case (t.Is(lexer.KwDescribe) || t.Is(lexer.KwDesc)) && p.startsQueryAt(1):
		// DuckDB: DESCRIBE SELECT ...
		st.Kind = ast.StmtDescribe
		p.advance()
		st.Query = p.parseQuery()
	case t.Kind == lexer.Keyword && commandKinds[t.Kw] != ast.StmtUnknown:
		st.Kind = commandKinds[t.Kw]
		p.skipCommand()
	case t.IsWord() && p.isOtherCommand(t):
		st.Kind = ast.StmtOther
		p.skipCommand()
	default:
		st.Kind = ast.StmtUnknown
		p.errorAt(t.Start, "unexpected "+p.describe(t)+": a statement starts with SELECT, WITH, EXPLAIN, SHOW or DESCRIBE")
		p.skipCommand()
	}
	st.End = p.lastEnd
	if st.End < st.Start {
		st.End = st.Start
	}
	return st
}

func (p *parser) isOtherCommand(t lexer.Token) bool { return otherCommands.has(p.text(t)) }

// skipCommand consumes a non-query statement up to ';'.
func (p *parser) skipCommand() {
	start := p.pos
	p.skipBalanced(func(t lexer.Token) bool { return isPunct(p.src, t, ';') })
	if p.pos == start && !p.eof() && !p.isPunct(';') {
		p.advance()
	}
}

// skipExplainOptions skips EXPLAIN's options: ANALYZE, VERBOSE, (opts),
// ClickHouse AST/SYNTAX/PLAN/PIPELINE/ESTIMATE/QUERY TREE and settings.
func (p *parser) skipExplainOptions() {
	for !p.eof() && !p.startsQuery() {
		t := p.cur()
		switch {
		case p.isPunct('(') && !p.startsQuery():
			p.advance()
			p.skipBalanced(func(t lexer.Token) bool { return isPunct(p.src, t, ')') })
			p.acceptPunct(')')
		case t.Is(lexer.KwAnalyze) || p.isWordAt(0, "VERBOSE") || p.isWordAt(0, "AST") || p.isWordAt(0, "SYNTAX") ||
			p.isWordAt(0, "PLAN") || p.isWordAt(0, "PIPELINE") || p.isWordAt(0, "ESTIMATE") ||
			p.isWordAt(0, "QUERY") || p.isWordAt(0, "TREE") || p.isWordAt(0, "COSTS") || p.isWordAt(0, "TABLE") ||
			p.isWordAt(0, "OVERRIDE") || p.isWordAt(0, "CURRENT") || p.isWordAt(0, "TRANSACTION"):
			p.advance()
		case t.IsWord() && p.isOpAt(1, "="):
			// ClickHouse EXPLAIN setting = value, ...
			p.advance()
			p.advance()
			p.advance()
			p.acceptPunct(',')
		default:
			return
		}
	}
}

// startsQuery reports whether the current token starts a query.
func (p *parser) startsQuery() bool { return p.startsQueryAt(0) }

func (p *parser) startsQueryAt(n int) bool {
	t := p.peek(n)
	switch {
	case t.Is(lexer.KwSelect), t.Is(lexer.KwWith), t.Is(lexer.KwValues):
		return true
	case t.Is(lexer.KwFrom):
		return p.fromFirst()
	case isPunct(p.src, t, '('):
		// ((SELECT ...)) — look through the parentheses.
		i := n
		for isPunct(p.src, p.peek(i), '(') {
			i++
		}
		u := p.peek(i)
		return u.Is(lexer.KwSelect) || u.Is(lexer.KwWith) || u.Is(lexer.KwValues) || u.Is(lexer.KwFrom) && p.fromFirst()
	}
	return false
}
