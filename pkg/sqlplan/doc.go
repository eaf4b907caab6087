// Package sqlplan turns a panel's SQL and its dashboard context into the
// SQL an engine runs. It is pure: no I/O, no engine driver.
//
// Build is the one entry point (the plugin, `quarry plan` and the /plan
// resource all call it):
//
//	lexer → parser (AST with byte spans)
//	      → read-only check (one SELECT / WITH … SELECT / EXPLAIN / SHOW / DESCRIBE)
//	      → macros.ExpandAll (type-aware via pushdown.ColumnAt and the catalog)
//	      → pushdown: ad hoc filters, time range into subqueries and CTEs,
//	        BigQuery partitions and shards, row cap
//	      → one pass of edits over the user's text
//
// The final SQL is the user's text with edits at AST offsets; everything
// else - comments, spacing, case - is kept byte for byte. Every edit is a
// Step of the Plan; what the user should know is a Warning
// (ambiguous_pushdown, unused_filter, macro_in_comment,
// unreplaced_variable, row_cap).
//
// Ad hoc filter placement (package pushdown): a filter means "keep only the
// base rows whose key matches" (README has the table). It goes into the
// innermost query block whose FROM provides its column - followed through
// aliases, derived tables, CTEs and every branch of a set operation (by
// position) - AND-ed with the block's WHERE (parenthesised when that has an
// OR) or in a new WHERE before GROUP BY, HAVING, QUALIFY, WINDOW, ORDER BY,
// LIMIT, SETTINGS and FORMAT. Subqueries inside expressions (IN, EXISTS,
// scalar) are not filtered. With a catalog the column lists decide; without
// one the select lists and stars do, and a guess is a warning. A filter on a
// column no table of the query has (by the catalog) is left out with an
// unused_filter warning, so a dashboard-wide filter does not break panels
// on other tables; a column that cannot be traced without a catalog goes to
// the blocks whose tables may have it, with a warning, never where the column
// cannot exist. A filter never goes into the optional side of an outer join:
// it is applied in the WHERE above the join (an error when the column cannot
// be named there). A LIMIT, OFFSET, DISTINCT ON, LIMIT BY or window function
// not partitioned by the key at or above the filter gets a
// filter_changes_rows warning. $__adHocFilters in the SQL takes all filters
// instead (1=1 when there are none).
//
// Testing: testdata/golden/*.txtar are input→plan goldens (rewrite with
// `go test ./pkg/sqlplan -run 'TestGolden|TestCorpusGolden' -update` and
// review the diff); testdata/corpus holds the dashboard corpus that
// package oracletest runs on the real engines.
package sqlplan
