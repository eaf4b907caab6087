package dialect

// clickHouseKeywords: ClickHouse reserves no keyword as a name. Its parser
// (src/Parsers) tries the grammar's keywords where they may start a clause
// and reads any other word as an identifier, so `SELECT range, format,
// value FROM t` and a table named `final` are valid. A bare alias is the
// exception, listed in ClickHouseAliasRestricted. The literals NULL, TRUE and
// FALSE are words, not keywords, in its lexer. The test in
// pkg/sqlplan/oracletest runs every keyword the planner knows as a column,
// alias and table name on ClickHouse 18.16 to hold this table to the engine.
var clickHouseKeywords = []Keyword{}
