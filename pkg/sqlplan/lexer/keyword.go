package lexer

// KW identifies a known SQL keyword (case-insensitive).
type KW uint16

// Known keywords. Only words the parser or the planner looks at are listed.
const (
	KwNone KW = iota
	KwAll
	KwAlter
	KwAnalyze
	KwAnd
	KwAnti
	KwAny
	KwArray
	KwAs
	KwAsc
	KwAsof
	KwAt
	KwAttach
	KwBegin
	KwBetween
	KwBy
	KwCall
	KwCase
	KwCast
	KwCheck
	KwCollate
	KwComment
	KwCommit
	KwCopy
	KwCreate
	KwCross
	KwCube
	KwCurrent
	KwDeallocate
	KwDeclare
	KwDelete
	KwDesc
	KwDescribe
	KwDetach
	KwDistinct
	KwDrop
	KwElse
	KwEnd
	KwEscape
	KwExcept
	KwExchange
	KwExclude
	KwExecute
	KwExists
	KwExplain
	KwExport
	KwExtract
	KwFalse
	KwFetch
	KwFill
	KwFilter
	KwFinal
	KwFirst
	KwFollowing
	KwFor
	KwFormat
	KwFrom
	KwFull
	KwGlobal
	KwGrant
	KwGroup
	KwGrouping
	KwGroups
	KwHaving
	KwIgnore
	KwILike
	KwImport
	KwIn
	KwInner
	KwInsert
	KwInstall
	KwInterpolate
	KwIntersect
	KwInterval
	KwInto
	KwIs
	KwJoin
	KwKill
	KwLast
	KwLateral
	KwLeft
	KwLike
	KwLimit
	KwLoad
	KwLock
	KwMap
	KwMerge
	KwNatural
	KwNext
	KwNot
	KwNull
	KwNulls
	KwOf
	KwOffset
	KwOn
	KwOnly
	KwOptimize
	KwOr
	KwOrder
	KwOuter
	KwOver
	KwPartition
	KwPaste
	KwPivot
	KwPositional
	KwPragma
	KwPreceding
	KwPrepare
	KwPrewhere
	KwQualify
	KwRange
	KwRecursive
	KwRefresh
	KwRegexp
	KwReindex
	KwRename
	KwReplace
	KwRespect
	KwRevoke
	KwRight
	KwRLike
	KwRollback
	KwRollup
	KwRow
	KwRows
	KwSafeCast
	KwSample
	KwSelect
	KwSemi
	KwSet
	KwSets
	KwSettings
	KwShow
	KwSimilar
	KwSome
	KwStart
	KwStep
	KwStruct
	KwSummarize
	KwSystem
	KwTable
	KwTablesample
	KwThen
	KwTies
	KwTo
	KwTotals
	KwTrue
	KwTruncate
	KwTryCast
	KwUnbounded
	KwUnion
	KwUnnest
	KwUnpivot
	KwUpdate
	KwUse
	KwUsing
	KwVacuum
	KwValue
	KwValues
	KwWatch
	KwWhen
	KwWhere
	KwWindow
	KwWith
	KwWithin
	KwZone
	kwCount
)

var keywordNames = [kwCount]string{
	KwAll: "ALL", KwAlter: "ALTER", KwAnalyze: "ANALYZE", KwAnd: "AND", KwAnti: "ANTI", KwAny: "ANY",
	KwArray: "ARRAY", KwAs: "AS", KwAsc: "ASC", KwAsof: "ASOF", KwAt: "AT", KwAttach: "ATTACH",
	KwBegin: "BEGIN", KwBetween: "BETWEEN", KwBy: "BY", KwCall: "CALL", KwCase: "CASE", KwCast: "CAST",
	KwCheck: "CHECK", KwCollate: "COLLATE", KwComment: "COMMENT", KwCommit: "COMMIT", KwCopy: "COPY",
	KwCreate: "CREATE", KwCross: "CROSS", KwCube: "CUBE", KwCurrent: "CURRENT", KwDeallocate: "DEALLOCATE",
	KwDeclare: "DECLARE", KwDelete: "DELETE", KwDesc: "DESC", KwDescribe: "DESCRIBE", KwDetach: "DETACH",
	KwDistinct: "DISTINCT", KwDrop: "DROP", KwElse: "ELSE", KwEnd: "END", KwEscape: "ESCAPE",
	KwExcept: "EXCEPT", KwExchange: "EXCHANGE", KwExclude: "EXCLUDE", KwExecute: "EXECUTE",
	KwExists: "EXISTS", KwExplain: "EXPLAIN", KwExport: "EXPORT", KwExtract: "EXTRACT", KwFalse: "FALSE",
	KwFetch: "FETCH", KwFill: "FILL", KwFilter: "FILTER", KwFinal: "FINAL", KwFirst: "FIRST",
	KwFollowing: "FOLLOWING", KwFor: "FOR", KwFormat: "FORMAT", KwFrom: "FROM", KwFull: "FULL",
	KwGlobal: "GLOBAL", KwGrant: "GRANT", KwGroup: "GROUP", KwGrouping: "GROUPING", KwGroups: "GROUPS",
	KwHaving: "HAVING", KwIgnore: "IGNORE", KwILike: "ILIKE", KwImport: "IMPORT", KwIn: "IN",
	KwInner: "INNER", KwInsert: "INSERT", KwInstall: "INSTALL", KwInterpolate: "INTERPOLATE",
	KwIntersect: "INTERSECT", KwInterval: "INTERVAL", KwInto: "INTO", KwIs: "IS", KwJoin: "JOIN",
	KwKill: "KILL", KwLast: "LAST", KwLateral: "LATERAL", KwLeft: "LEFT", KwLike: "LIKE", KwLimit: "LIMIT",
	KwLoad: "LOAD", KwLock: "LOCK", KwMap: "MAP", KwMerge: "MERGE", KwNatural: "NATURAL", KwNext: "NEXT",
	KwNot: "NOT", KwNull: "NULL", KwNulls: "NULLS", KwOf: "OF", KwOffset: "OFFSET", KwOn: "ON",
	KwOnly: "ONLY", KwOptimize: "OPTIMIZE", KwOr: "OR", KwOrder: "ORDER", KwOuter: "OUTER", KwOver: "OVER",
	KwPartition: "PARTITION", KwPaste: "PASTE", KwPivot: "PIVOT", KwPositional: "POSITIONAL",
	KwPragma: "PRAGMA", KwPreceding: "PRECEDING", KwPrepare: "PREPARE", KwPrewhere: "PREWHERE",
	KwQualify: "QUALIFY", KwRange: "RANGE", KwRecursive: "RECURSIVE", KwRefresh: "REFRESH",
	KwRegexp: "REGEXP", KwReindex: "REINDEX", KwRename: "RENAME", KwReplace: "REPLACE",
	KwRespect: "RESPECT", KwRevoke: "REVOKE", KwRight: "RIGHT", KwRLike: "RLIKE", KwRollback: "ROLLBACK",
	KwRollup: "ROLLUP", KwRow: "ROW", KwRows: "ROWS", KwSafeCast: "SAFE_CAST", KwSample: "SAMPLE",
	KwSelect: "SELECT", KwSemi: "SEMI", KwSet: "SET", KwSets: "SETS", KwSettings: "SETTINGS",
	KwShow: "SHOW", KwSimilar: "SIMILAR", KwSome: "SOME", KwStart: "START", KwStep: "STEP",
	KwStruct: "STRUCT", KwSummarize: "SUMMARIZE", KwSystem: "SYSTEM", KwTable: "TABLE",
	KwTablesample: "TABLESAMPLE", KwThen: "THEN", KwTies: "TIES", KwTo: "TO", KwTotals: "TOTALS",
	KwTrue: "TRUE", KwTruncate: "TRUNCATE", KwTryCast: "TRY_CAST", KwUnbounded: "UNBOUNDED",
	KwUnion: "UNION", KwUnnest: "UNNEST", KwUnpivot: "UNPIVOT", KwUpdate: "UPDATE", KwUse: "USE",
	KwUsing: "USING", KwVacuum: "VACUUM", KwValue: "VALUE", KwValues: "VALUES", KwWatch: "WATCH",
	KwWhen: "WHEN", KwWhere: "WHERE", KwWindow: "WINDOW", KwWith: "WITH", KwWithin: "WITHIN",
	KwZone: "ZONE",
}

// String returns the keyword in upper case.
func (k KW) String() string {
	if k < kwCount {
		return keywordNames[k]
	}
	return ""
}

// kwTableSize is the size of the open-addressing keyword table (a power of
// two, several times the number of keywords so probes stay short).
const kwTableSize = 1024

// keywordTable maps a word hash to keywords (linear probing). It is built
// once and only read afterwards.
var keywordTable = func() *[kwTableSize]KW {
	var t [kwTableSize]KW
	for k := KwNone + 1; k < kwCount; k++ {
		h := kwHash(keywordNames[k])
		for t[h] != KwNone {
			h = (h + 1) & (kwTableSize - 1)
		}
		t[h] = k
	}
	return &t
}()

const maxKeywordLen = 16

// kwHash hashes a word of at least two bytes case-insensitively (ASCII)
// from its length and its first, second and last bytes: enough to spread
// the keywords, and constant time for any word.
func kwHash(w string) uint32 {
	n := len(w)
	h := uint32(n)*0x9E3779B1 ^ uint32(w[0]|0x20)*0x85EBCA77 ^ uint32(w[1]|0x20)*0xC2B2AE3D ^ uint32(w[n-1]|0x20)*0x27D4EB2F
	return (h ^ h>>15) & (kwTableSize - 1)
}

// LookupKeyword returns the keyword for word (any case), or KwNone.
func LookupKeyword(word string) KW {
	if len(word) < 2 || len(word) > maxKeywordLen {
		return KwNone
	}
	for h := kwHash(word); ; h = (h + 1) & (kwTableSize - 1) {
		k := keywordTable[h]
		if k == KwNone {
			return KwNone
		}
		if EqualFoldUpper(word, keywordNames[k]) {
			return k
		}
	}
}

// EqualFoldUpper reports whether w equals the upper-case ASCII name u,
// ignoring the case of w (strings.EqualFold without the Unicode work).
func EqualFoldUpper(w, u string) bool {
	if len(w) != len(u) {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != u[i] {
			return false
		}
	}
	return true
}

// KeywordWords returns every keyword the lexer knows, in upper case.
func KeywordWords() []string {
	out := make([]string, 0, kwCount-1)
	for k := KwNone + 1; k < kwCount; k++ {
		out = append(out, keywordNames[k])
	}
	return out
}
