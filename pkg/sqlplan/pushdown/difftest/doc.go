// Package difftest holds the differential test of ad hoc filter and time
// range placement: for each query shape in testdata/cases.txtar it plans the
// query with sqlplan, runs the planned SQL and a hand-written reference query
// (README's semantics written out: the base table pre-filtered, or the filter
// above an outer join) on the real engines - PostgreSQL, ClickHouse, DuckDB
// and the BigQuery emulator - and requires the same rows, and the warnings
// the case names. Fixture tables live in schema (database, dataset)
// quarry_pushdown, created by the test; the sample data is never touched.
package difftest
