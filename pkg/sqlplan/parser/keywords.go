package parser

import "github.com/bigtent/quarry/pkg/sqlplan/lexer"

// kwSet is a set of keywords.
type kwSet [256]bool

func newKwSet(kws ...lexer.KW) *kwSet {
	var s kwSet
	for _, k := range kws {
		s[k] = true
	}
	return &s
}

func (s *kwSet) has(t lexer.Token) bool {
	return t.Kind == lexer.Keyword && int(t.Kw) < len(s) && s[t.Kw]
}

// reserved keywords cannot be bare column or table names.
var reserved = newKwSet(lexer.KwSelect, lexer.KwFrom, lexer.KwWhere, lexer.KwGroup, lexer.KwHaving, lexer.KwOrder,
	lexer.KwLimit, lexer.KwUnion, lexer.KwIntersect, lexer.KwExcept, lexer.KwJoin, lexer.KwOn, lexer.KwUsing,
	lexer.KwAnd, lexer.KwOr, lexer.KwNot, lexer.KwAs, lexer.KwCase, lexer.KwWhen, lexer.KwThen, lexer.KwElse,
	lexer.KwEnd, lexer.KwWith, lexer.KwIn, lexer.KwIs, lexer.KwBetween, lexer.KwLike, lexer.KwILike,
	lexer.KwInner, lexer.KwCross, lexer.KwNatural, lexer.KwFull, lexer.KwOuter, lexer.KwLeft, lexer.KwRight,
	lexer.KwExists, lexer.KwDistinct, lexer.KwAll, lexer.KwAny, lexer.KwSome, lexer.KwNull, lexer.KwTrue,
	lexer.KwFalse, lexer.KwQualify, lexer.KwWindow, lexer.KwPrewhere, lexer.KwOffset, lexer.KwFetch,
	lexer.KwInto, lexer.KwBy, lexer.KwAsc, lexer.KwDesc, lexer.KwLateral, lexer.KwSimilar, lexer.KwEscape,
	lexer.KwOver, lexer.KwWithin, lexer.KwCast, lexer.KwTryCast, lexer.KwSafeCast, lexer.KwExtract,
	lexer.KwInterval, lexer.KwArray, lexer.KwStruct, lexer.KwUnnest, lexer.KwTablesample, lexer.KwCollate)

func reservedName(kw lexer.KW) bool { return reserved[kw] }

// stop keywords end an expression (and an opaque run) at depth 0.
var stop = newKwSet(lexer.KwFrom, lexer.KwWhere, lexer.KwGroup, lexer.KwHaving, lexer.KwQualify, lexer.KwWindow,
	lexer.KwOrder, lexer.KwLimit, lexer.KwOffset, lexer.KwFetch, lexer.KwUnion, lexer.KwIntersect, lexer.KwExcept,
	lexer.KwPrewhere, lexer.KwSettings, lexer.KwFormat, lexer.KwOn, lexer.KwUsing, lexer.KwJoin, lexer.KwInner,
	lexer.KwLeft, lexer.KwRight, lexer.KwFull, lexer.KwCross, lexer.KwNatural, lexer.KwGlobal, lexer.KwAsof,
	lexer.KwSemi, lexer.KwAnti, lexer.KwPaste, lexer.KwPositional, lexer.KwLateral, lexer.KwSample, lexer.KwFinal,
	lexer.KwWith, lexer.KwInto, lexer.KwAnd, lexer.KwOr, lexer.KwThen, lexer.KwWhen, lexer.KwElse, lexer.KwEnd,
	lexer.KwAs, lexer.KwAsc, lexer.KwDesc, lexer.KwNulls, lexer.KwBy, lexer.KwRows, lexer.KwRange, lexer.KwGroups,
	lexer.KwPartition, lexer.KwFill, lexer.KwTo, lexer.KwStep, lexer.KwInterpolate, lexer.KwFor, lexer.KwEscape,
	lexer.KwOver, lexer.KwFilter, lexer.KwIgnore, lexer.KwRespect, lexer.KwWithin, lexer.KwSelect,
	lexer.KwArray, lexer.KwAny, lexer.KwAll, lexer.KwTablesample, lexer.KwOuter)

// callable keywords followed by '(' are function calls, not stops.
var callable = newKwSet(lexer.KwLeft, lexer.KwRight, lexer.KwReplace, lexer.KwFormat, lexer.KwAny, lexer.KwAll,
	lexer.KwArray, lexer.KwRange, lexer.KwFirst, lexer.KwLast, lexer.KwSample, lexer.KwFill, lexer.KwStep,
	lexer.KwTo, lexer.KwGlobal, lexer.KwFilter, lexer.KwValues, lexer.KwMap, lexer.KwStruct, lexer.KwUnnest,
	lexer.KwWindow)

// clickHouseOnly are stops only in ClickHouse; elsewhere they are names.
var clickHouseOnly = newKwSet(lexer.KwPrewhere, lexer.KwSettings, lexer.KwFormat, lexer.KwFinal, lexer.KwSample,
	lexer.KwFill, lexer.KwStep, lexer.KwInterpolate, lexer.KwPaste, lexer.KwGlobal)

// isStop reports whether the token at n ahead ends an expression.
func (p *parser) isStopAt(n int) bool {
	t := p.peek(n)
	if !stop.has(t) || !p.d.ClickHouse && clickHouseOnly.has(t) {
		return false
	}
	if callable.has(t) && p.isPunctAt(n+1, '(') {
		return false
	}
	if p.isPunctAt(n+1, '.') && p.peek(n+1).Start == t.End {
		return false // a qualified name: sample.logs
	}
	return true
}

// aliasStop reports whether the name token at n ahead cannot be an
// implicit alias.
func (p *parser) aliasStopAt(n int) bool {
	t := p.peek(n)
	return t.Kind == lexer.Keyword && (reserved.has(t) || stop.has(t) && (p.d.ClickHouse || !clickHouseOnly.has(t))) &&
		!p.keywordAlias(n, false)
}

// tableAliasStopAt is aliasStopAt after a FROM item, where more keywords
// can be a bare alias (FROM t filter).
func (p *parser) tableAliasStopAt(n int) bool {
	t := p.peek(n)
	return t.Kind == lexer.Keyword && (reserved.has(t) || stop.has(t) && (p.d.ClickHouse || !clickHouseOnly.has(t))) &&
		!p.keywordAlias(n, true)
}

// wordSet is a set of upper-case ASCII words matched case-insensitively,
// with cheap rejection by length and first letter.
type wordSet struct {
	first [256]bool
	byLen [24][]string
}

func newWordSet(words ...string) *wordSet {
	s := &wordSet{}
	for _, w := range words {
		s.first[w[0]] = true
		s.first[w[0]|0x20] = true
		s.byLen[len(w)] = append(s.byLen[len(w)], w)
	}
	return s
}

func (s *wordSet) has(w string) bool {
	if len(w) == 0 || len(w) >= len(s.byLen) || !s.first[w[0]] {
		return false
	}
	for _, x := range s.byLen[len(w)] {
		if lexer.EqualFoldUpper(w, x) {
			return true
		}
	}
	return false
}
