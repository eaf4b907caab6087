// Package sample generates Quarry's deterministic observability and analytics
// sample dataset and loads it into PostgreSQL, ClickHouse, DuckDB and the
// BigQuery emulator, with the same rows in each.
//
// The data covers a fixed window (Start .. End, 30 days at 1-minute
// resolution) and is generated from a fixed seed with math/rand/v2 PCG
// streams, so every run yields byte-identical rows. Rows are streamed as
// typed structs (iter.Seq), never as []any.
package sample

import (
	"fmt"
	"strings"
	"time"
)

// Start and End bound the sample window: [Start, End).
var (
	Start = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	End   = time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC)
)

// Schema is the schema (PostgreSQL, DuckDB), database (ClickHouse) or dataset
// (BigQuery) that holds the sample tables.
const Schema = "sample"

// Table names.
const (
	TableHTTPRequests = "http_requests"
	TableEvents       = "events"
	TableLogs         = "logs"
	TableDeploys      = "deploys"
)

// Type is a logical column type, mapped to one native type per dialect.
type Type int

// Logical column types.
const (
	Timestamp Type = iota // instant with zone: timestamptz, DateTime('UTC'), TIMESTAMP, TIMESTAMPTZ
	DateTime              // wall-clock time without zone (UTC values)
	Date                  // calendar date
	Text                  // string
	Int32                 // 32-bit integer
	Int64                 // 64-bit integer
	Float64               // double precision
	Decimal               // NUMERIC(12,2)
	JSON                  // JSON object (ClickHouse: String holding JSON)
	TextArray             // array of strings
)

// Column is one column of a sample table.
type Column struct {
	Name string
	Type Type
}

// Table describes one sample table.
type Table struct {
	Name    string
	Columns []Column
	// TimeColumn is the column the table is ordered and partitioned by.
	TimeColumn string
	// Comment is a one-line description.
	Comment string
}

// Tables returns the sample tables in load order.
func Tables() []Table {
	return []Table{
		{
			Name:       TableHTTPRequests,
			TimeColumn: "ts",
			Comment:    "one row per minute per (host, service) series: 24 series x 43,200 minutes",
			Columns: []Column{
				{"ts", Timestamp}, {"host", Text}, {"service", Text}, {"region", Text},
				{"method", Text}, {"status", Int32}, {"requests", Int64}, {"errors", Int64},
				{"latency_ms", Float64}, {"bytes", Int64},
			},
		},
		{
			Name:       TableEvents,
			TimeColumn: "event_date",
			Comment:    "product analytics events with DATE, DATETIME-like and epoch columns",
			Columns: []Column{
				{"event_date", Date}, {"event_time", DateTime}, {"event_ms", Int64}, {"event_s", Int64},
				{"user_id", Int64}, {"name", Text}, {"country", Text}, {"amount", Decimal},
			},
		},
		{
			Name:       TableLogs,
			TimeColumn: "ts",
			Comment:    "application logs: level, message and JSON labels",
			Columns: []Column{
				{"ts", Timestamp}, {"level", Text}, {"message", Text}, {"labels", JSON},
				{"service", Text}, {"host", Text},
			},
		},
		{
			Name:       TableDeploys,
			TimeColumn: "ts",
			Comment:    "deployments, for annotations: start, end, title, text and tags",
			Columns: []Column{
				{"ts", Timestamp}, {"end_ts", Timestamp}, {"title", Text}, {"text", Text},
				{"tags", TextArray}, {"service", Text},
			},
		},
	}
}

// Dialect names accepted by DDL.
const (
	DialectPostgres   = "postgres"
	DialectClickHouse = "clickhouse"
	DialectDuckDB     = "duckdb"
	DialectBigQuery   = "bigquery"
)

// NativeType returns the column type of t in the given dialect.
func NativeType(dialect string, t Type) (string, error) {
	var names [10]string
	switch dialect {
	case DialectPostgres:
		names = [10]string{"timestamptz", "timestamp", "date", "text", "integer", "bigint", "double precision", "numeric(12,2)", "jsonb", "text[]"}
	case DialectClickHouse:
		names = [10]string{"DateTime('UTC')", "DateTime", "Date", "String", "Int32", "Int64", "Float64", "Decimal(12,2)", "String", "Array(String)"}
	case DialectDuckDB:
		names = [10]string{"TIMESTAMPTZ", "TIMESTAMP", "DATE", "VARCHAR", "INTEGER", "BIGINT", "DOUBLE", "DECIMAL(12,2)", "JSON", "VARCHAR[]"}
	case DialectBigQuery:
		names = [10]string{"TIMESTAMP", "DATETIME", "DATE", "STRING", "INTEGER", "INTEGER", "FLOAT", "NUMERIC", "JSON", "STRING"}
	default:
		return "", fmt.Errorf("sample: unknown dialect %q (want postgres, clickhouse, duckdb or bigquery)", dialect)
	}
	if t < 0 || int(t) >= len(names) {
		return "", fmt.Errorf("sample: unknown column type %d", t)
	}
	return names[t], nil
}

// DDL returns the statements that create the sample schema and tables in the
// given dialect (postgres, clickhouse or duckdb), one statement per element,
// without trailing semicolons. They are idempotent (IF NOT EXISTS).
func DDL(dialect string) ([]string, error) {
	var stmts []string
	switch dialect {
	case DialectPostgres, DialectDuckDB:
		stmts = append(stmts, "CREATE SCHEMA IF NOT EXISTS "+Schema)
	case DialectClickHouse:
		stmts = append(stmts, "CREATE DATABASE IF NOT EXISTS "+Schema)
	default:
		return nil, fmt.Errorf("sample: no DDL for dialect %q (want postgres, clickhouse or duckdb)", dialect)
	}
	for _, t := range Tables() {
		var b strings.Builder
		fmt.Fprintf(&b, "CREATE TABLE IF NOT EXISTS %s.%s (\n", Schema, t.Name)
		for i, c := range t.Columns {
			nt, err := NativeType(dialect, c.Type)
			if err != nil {
				return nil, err
			}
			sep := ","
			if i == len(t.Columns)-1 {
				sep = ""
			}
			fmt.Fprintf(&b, "  %s %s%s\n", c.Name, nt, sep)
		}
		b.WriteString(")")
		if dialect == DialectClickHouse {
			b.WriteString(clickHouseEngine(t))
		}
		stmts = append(stmts, b.String())
	}
	return stmts, nil
}

// clickHouseEngine is the ENGINE clause of a sample table, in syntax that
// ClickHouse 18.16 accepts.
func clickHouseEngine(t Table) string {
	switch t.Name {
	case TableHTTPRequests:
		return "\nENGINE = MergeTree()\nPARTITION BY toYYYYMMDD(ts)\nORDER BY (service, host, ts)"
	case TableEvents:
		return "\nENGINE = MergeTree()\nPARTITION BY toYYYYMM(event_date)\nORDER BY (event_date, name, user_id)"
	case TableLogs:
		return "\nENGINE = MergeTree()\nPARTITION BY toYYYYMMDD(ts)\nORDER BY (service, ts)"
	default:
		return "\nENGINE = MergeTree()\nORDER BY ts"
	}
}

// PostgresIndexes returns the indexes created after a PostgreSQL bulk load.
func PostgresIndexes() []string {
	return []string{
		"CREATE INDEX IF NOT EXISTS http_requests_ts_idx ON sample.http_requests (ts)",
		"CREATE INDEX IF NOT EXISTS events_date_idx ON sample.events (event_date)",
		"CREATE INDEX IF NOT EXISTS logs_ts_idx ON sample.logs (ts)",
		"CREATE INDEX IF NOT EXISTS deploys_ts_idx ON sample.deploys (ts)",
	}
}

// DDLScript returns DDL(dialect) as one script, statements ending in ";".
func DDLScript(dialect string) (string, error) {
	stmts, err := DDL(dialect)
	if err != nil {
		return "", err
	}
	if dialect == DialectPostgres {
		stmts = append(stmts, PostgresIndexes()...)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "-- Quarry sample schema for %s. Generated by `go run ./pkg/sample/cmd/quarry-sample ddl %s`; do not edit.\n", dialect, dialect)
	for _, s := range stmts {
		b.WriteString(s)
		b.WriteString(";\n\n")
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}
