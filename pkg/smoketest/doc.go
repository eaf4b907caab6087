// Package smoketest holds the integration smoke test of the foundation: it
// connects to each of the four engines (PostgreSQL, ClickHouse, the BigQuery
// emulator and DuckDB) through pkg/testenv and checks that every sample table
// holds exactly the rows pkg/sample generates. It has no non-test code.
package smoketest
