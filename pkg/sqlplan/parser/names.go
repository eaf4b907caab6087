package parser

import (
	"strings"

	"github.com/bigtent/quarry/pkg/sqlplan/dialect"
	"github.com/bigtent/quarry/pkg/sqlplan/lexer"
)

// Keywords the dialect lets be names. The lexer marks every word it knows
// as a keyword, whatever the dialect; the parser then asks, where a name
// or an expression may stand, whether the dialect reserves that word. The
// answer comes from the keyword tables kept as data in pkg/sqlplan/dialect
// (PostgreSQL's and DuckDB's from the engines themselves, BigQuery's from
// its documentation, ClickHouse's alias restrictions from its parser).

// nameSets are, per dialect, the keywords that may be a column, table or
// alias name there. Built once; only read afterwards.
var nameSets = func() map[string]*kwSet {
	out := map[string]*kwSet{}
	for _, d := range []dialect.Name{dialect.Postgres, dialect.DuckDB, dialect.BigQuery, dialect.ClickHouse} {
		var s kwSet
		restricted := map[string]bool{}
		for _, w := range dialect.ClickHouseAliasRestricted {
			restricted[w] = true
		}
		for _, w := range lexer.KeywordWords() {
			k := lexer.LookupKeyword(w)
			lw := strings.ToLower(w)
			cat := dialect.KeywordCategoryOf(d, lw)
			switch d {
			case dialect.Postgres, dialect.DuckDB:
				s[k] = cat == dialect.NotKeyword || cat == dialect.Unreserved || cat == dialect.ColName
			case dialect.BigQuery:
				s[k] = cat != dialect.Reserved
			case dialect.ClickHouse:
				s[k] = !restricted[lw] && (!reserved[k] || clickHouseNames[k])
			}
		}
		for _, k := range []lexer.KW{lexer.KwNull, lexer.KwTrue, lexer.KwFalse, lexer.KwSelect, lexer.KwWith} {
			s[k] = false // literals and statement starts are never names
		}
		out[string(d)] = &s
	}
	return out
}()

// clickHouseNames are words the parser reserves for other dialects'
// grammar that ClickHouse reads as plain names. ClickHouse reserves no word
// at all as a column (SELECT from FROM t runs on 18.16); the planner keeps
// the core SQL words (SELECT, FROM, AND, CASE, JOIN, ...) reserved there.
var clickHouseNames = newKwSet(lexer.KwOver, lexer.KwWithin, lexer.KwEscape, lexer.KwStruct, lexer.KwUnnest,
	lexer.KwTryCast, lexer.KwSafeCast, lexer.KwTablesample, lexer.KwLateral, lexer.KwExists, lexer.KwExtract,
	lexer.KwCollate, lexer.KwSimilar, lexer.KwQualify, lexer.KwInterval, lexer.KwFetch,
	// END as a column where an expression starts (max(End), the OpenTelemetry
	// exporter's otel_traces_trace_id_ts.End); it still closes CASE, and
	// neverAlias keeps it from being a bare alias.
	lexer.KwEnd)

// neverAlias are keywords that, after a table or an expression, start a
// join or a clause in some dialect; they are not taken as a bare alias even
// where the dialect lets them be names.
var neverAlias = newKwSet(lexer.KwPositional, lexer.KwAsof, lexer.KwAnti, lexer.KwSemi, lexer.KwPaste,
	lexer.KwGlobal, lexer.KwNatural, lexer.KwCross, lexer.KwInner, lexer.KwLeft, lexer.KwRight, lexer.KwFull,
	lexer.KwOuter, lexer.KwArray, lexer.KwAny, lexer.KwAll, lexer.KwFinal, lexer.KwSample, lexer.KwPrewhere,
	lexer.KwSettings, lexer.KwFormat, lexer.KwWindow, lexer.KwQualify, lexer.KwUsing, lexer.KwTablesample,
	lexer.KwLateral, lexer.KwJoin, lexer.KwOn, lexer.KwWhere, lexer.KwGroup, lexer.KwOrder, lexer.KwLimit,
	lexer.KwOffset, lexer.KwFetch, lexer.KwUnion, lexer.KwExcept, lexer.KwIntersect, lexer.KwHaving, lexer.KwFor,
	lexer.KwInto, lexer.KwEnd)

// neverSelectAlias are, in addition, the keywords that follow an
// expression as part of it (count(*) FILTER (…), x IGNORE NULLS,
// ORDER BY x NULLS FIRST): never a bare column alias.
var neverSelectAlias = newKwSet(lexer.KwFilter, lexer.KwOver, lexer.KwWithin, lexer.KwIgnore, lexer.KwRespect, lexer.KwUnpivot,
	lexer.KwPivot, lexer.KwAs, lexer.KwTotals, lexer.KwFill, lexer.KwInterpolate, lexer.KwStep, lexer.KwTo,
	lexer.KwAsc, lexer.KwDesc, lexer.KwCollate)

// endsName reports whether the token at n ahead can follow a name that
// ends an expression or a FROM item: a comma, a closing bracket, the end,
// an operator other than '(', or a keyword that cannot be a name here.
func (p *parser) endsName(n int) bool {
	t := p.peek(n)
	switch t.Kind {
	case kindEOF, lexer.Operator:
		return true
	case lexer.Punct:
		switch p.src[t.Start] {
		case ',', ')', ';', ']', '}', '.', ':', '[':
			return true
		}
		return false
	case lexer.Keyword:
		return stop.has(t) || reserved.has(t) || !p.names[t.Kw]
	case lexer.Ident, lexer.QuotedIdent:
		return true // an alias follows
	}
	return false
}

// keywordAsName turns the current keyword into a name when the dialect
// lets it be one and what follows makes it one (`SELECT range, value FROM
// t`, `WHERE filter IS NULL`), so the expression grammar reads it as a
// column. Special forms keep their keyword: `INTERVAL '1' DAY`,
// `EXISTS (…)`, calls.
func (p *parser) keywordAsName() {
	t := &p.t
	if !p.names[t.Kw] || p.isPunctAt(1, '(') {
		return
	}
	if t.Is(lexer.KwInterval) && p.peek(1).Kind != lexer.Keyword && p.peek(1).Kind != kindEOF && p.peek(1).Kind != lexer.Punct {
		return
	}
	if !p.endsName(1) {
		return
	}
	p.t.Kind = lexer.Ident
	p.sig[p.pos].Kind = lexer.Ident
}

// keywordAlias reports whether the keyword at n ahead is a bare alias
// (`FROM t range`, `SELECT x value FROM t`): the dialect lets it be a name,
// it starts no clause or join, and the alias ends there.
func (p *parser) keywordAlias(n int, table bool) bool {
	t := p.peek(n)
	return t.Kind == lexer.Keyword && p.names[t.Kw] && !neverAlias.has(t) && (table || !neverSelectAlias.has(t)) && p.endsName(n+1) &&
		!p.isPunctAt(n+1, '.') && !p.isPunctAt(n+1, '[')
}

// noNames is the set of a dialect without keyword tables.
var noNames kwSet

// namesOf returns the name set of the dialect called name.
func namesOf(name string) *kwSet {
	if name == "postgresql" {
		name = "postgres"
	}
	if s := nameSets[name]; s != nil {
		return s
	}
	return &noNames
}

// endsAliasStrictly reports whether the token at n ahead ends a select
// item for certain (a comma, ')', ';', the end, FROM or a clause keyword),
// for words that are otherwise operators (SELECT 1 between FROM t).
func (p *parser) endsAliasStrictly(n int) bool {
	t := p.peek(n)
	switch t.Kind {
	case kindEOF:
		return true
	case lexer.Punct:
		switch p.src[t.Start] {
		case ',', ')', ';':
			return true
		}
	case lexer.Keyword:
		switch t.Kw {
		case lexer.KwFrom, lexer.KwWhere, lexer.KwGroup, lexer.KwOrder, lexer.KwLimit, lexer.KwUnion, lexer.KwHaving, lexer.KwInto:
			return true
		}
	}
	return false
}

// IsName reports whether the parser reads the keyword word (any case) as a
// name where a column, table or alias may stand, in the dialect named
// dialectName. Words that are no keyword of the lexer are always names.
func IsName(dialectName, word string) bool {
	k := lexer.LookupKeyword(word)
	return k == lexer.KwNone || namesOf(dialectName)[k]
}
