package lexer

import "fmt"

// Dialect is the small set of lexing and parsing capabilities of one SQL
// dialect, in the style of sqlparser-rs: the one lexer and the one parser ask
// it small questions instead of branching on the dialect's name.
type Dialect struct {
	// Name is the dialect's name: bigquery, postgres, clickhouse or duckdb.
	Name string

	// BacktickIdent: `ident` is a quoted identifier (BigQuery, ClickHouse).
	BacktickIdent bool
	// DoubleQuoteIdent: "ident" is a quoted identifier (PostgreSQL, DuckDB,
	// ClickHouse); otherwise "…" is a string (BigQuery).
	DoubleQuoteIdent bool
	// TripleQuotes: '''…''' and """…""" strings (BigQuery).
	TripleQuotes bool
	// RawBytesPrefixes: r'…', b'…', rb'…', br'…' in any case (BigQuery).
	RawBytesPrefixes bool
	// BackslashEscapes: backslash escapes the next character in '…'
	// (BigQuery, ClickHouse). Otherwise only E'…' strings have them.
	BackslashEscapes bool
	// EStrings: E'…' strings with backslash escapes (PostgreSQL, DuckDB).
	EStrings bool
	// DollarQuotes: $$…$$ and $tag$…$tag$ strings (PostgreSQL, DuckDB).
	DollarQuotes bool
	// HashComments: # starts a line comment (BigQuery, ClickHouse).
	HashComments bool
	// NestedComments: /* */ comments nest (PostgreSQL, DuckDB).
	NestedComments bool
	// AtParams: @name query parameters and @@system variables (BigQuery).
	AtParams bool
	// BraceParams: {name:Type} query parameters (ClickHouse).
	BraceParams bool
	// QuestionParam: ? is a positional parameter (not an operator).
	QuestionParam bool
	// PostgresOperators: operators are greedy runs of operator characters
	// following PostgreSQL's rules (PostgreSQL, DuckDB).
	PostgresOperators bool

	// Parser capabilities.

	// ClickHouse enables PREWHERE, FINAL, SAMPLE, ARRAY JOIN, LIMIT BY,
	// WITH FILL, WITH TOTALS, SETTINGS, FORMAT and ClickHouse join strictness.
	ClickHouse bool
	// Qualify: the QUALIFY clause (BigQuery, DuckDB).
	Qualify bool
	// SelectExceptReplace: SELECT * EXCEPT(…) / REPLACE(…) (BigQuery, DuckDB
	// EXCLUDE/REPLACE, ClickHouse EXCEPT).
	SelectExceptReplace bool
	// DoubleColonCast: expr::type casts (PostgreSQL, DuckDB, ClickHouse).
	DoubleColonCast bool
}

// The dialects.
var (
	bigQuery = Dialect{
		Name: "bigquery", BacktickIdent: true, TripleQuotes: true, RawBytesPrefixes: true,
		BackslashEscapes: true, HashComments: true, AtParams: true, QuestionParam: true,
		Qualify: true, SelectExceptReplace: true,
	}
	postgres = Dialect{
		Name: "postgres", DoubleQuoteIdent: true, EStrings: true, DollarQuotes: true,
		NestedComments: true, PostgresOperators: true, DoubleColonCast: true,
	}
	clickHouse = Dialect{
		Name: "clickhouse", BacktickIdent: true, DoubleQuoteIdent: true, BackslashEscapes: true,
		HashComments: true, BraceParams: true, QuestionParam: true, ClickHouse: true,
		SelectExceptReplace: true, DoubleColonCast: true,
	}
	duckDB = Dialect{
		Name: "duckdb", DoubleQuoteIdent: true, EStrings: true, DollarQuotes: true,
		NestedComments: true, PostgresOperators: true, QuestionParam: true, Qualify: true,
		SelectExceptReplace: true, DoubleColonCast: true,
	}
)

// DialectFor returns the capabilities of the named dialect (bigquery,
// postgres, clickhouse or duckdb). It accepts sqlplan.Dialect values directly.
func DialectFor[D ~string](name D) (Dialect, error) {
	switch string(name) {
	case "bigquery":
		return bigQuery, nil
	case "postgres", "postgresql":
		return postgres, nil
	case "clickhouse":
		return clickHouse, nil
	case "duckdb":
		return duckDB, nil
	}
	return Dialect{}, fmt.Errorf("unknown SQL dialect %q: use bigquery, postgres, clickhouse or duckdb", string(name))
}
