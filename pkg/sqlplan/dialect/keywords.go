package dialect

import "strings"

// KeywordCategory is how far a dialect reserves a keyword, in PostgreSQL's
// four categories (appendix "SQL Key Words"), which DuckDB shares; BigQuery
// and ClickHouse use Reserved and Unreserved only.
type KeywordCategory uint8

// The categories, from least to most reserved.
const (
	// NotKeyword: the word is an ordinary identifier in the dialect.
	NotKeyword KeywordCategory = iota
	// Unreserved: a name anywhere (PostgreSQL "non-reserved").
	Unreserved
	// ColName: a column, table or alias name, but not a function or type
	// name (PostgreSQL "non-reserved (cannot be function or type)").
	ColName
	// TypeFuncName: a function or type name, but not a column or table
	// name (PostgreSQL "reserved (can be function or type)").
	TypeFuncName
	// Reserved: never a bare name (an alias after AS excepted where the
	// dialect allows it).
	Reserved
)

// String names the category as the PostgreSQL appendix does.
func (c KeywordCategory) String() string {
	switch c {
	case Unreserved:
		return "non-reserved"
	case ColName:
		return "non-reserved (cannot be function or type)"
	case TypeFuncName:
		return "reserved (can be function or type)"
	case Reserved:
		return "reserved"
	}
	return "not a keyword"
}

// Keyword is one keyword of a dialect's table. BareLabel (PostgreSQL only)
// says whether the word can be a column alias without AS.
type Keyword struct {
	Word      string // lower case
	Category  KeywordCategory
	BareLabel bool
}

// Keywords returns the keyword table of the dialect n (shared: do not
// modify it). Each table names its source in a comment.
func Keywords(n Name) []Keyword {
	switch n {
	case Postgres:
		return postgresKeywords
	case DuckDB:
		return duckDBKeywords
	case BigQuery:
		return bigQueryKeywords
	case ClickHouse:
		return clickHouseKeywords
	}
	return nil
}

// KeywordCategoryOf returns word's category in the dialect n (any case).
func KeywordCategoryOf(n Name, word string) KeywordCategory {
	w := strings.ToLower(word)
	for _, k := range Keywords(n) {
		if k.Word == w {
			return k.Category
		}
	}
	return NotKeyword
}

// ClickHouseAliasRestricted lists the words ClickHouse refuses as a column
// alias without AS (ParserAlias::restricted_keywords in
// src/Parsers/ExpressionElementParsers.cpp, at 24.x plus QUALIFY and PASTE
// of later releases; 18.16's list is a subset). Every other word, keywords
// included, is a valid bare name in ClickHouse.
var ClickHouseAliasRestricted = []string{
	"all", "anti", "any", "array", "asof", "between", "cross", "except", "else", "final", "format", "from", "full",
	"global", "group", "having", "ilike", "inner", "intersect", "into", "join", "left", "like", "limit", "not", "offset",
	"on", "only", "order", "paste", "prewhere", "qualify", "right", "sample", "semi", "settings", "union", "using",
	"where", "window", "with",
}
