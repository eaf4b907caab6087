//go:build cgo

package duckdb

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

// benchSQL reads 1,036,800 rows of (timestamptz, text, float8, int8).
const benchSQL = "SELECT ts, host, latency_ms, requests FROM sample.http_requests"

// BenchmarkQuery measures Quarry's query -> typed table path: the Arrow
// reader in builds with the duckdb_arrow tag, the rows path without.
func BenchmarkQuery(b *testing.B) { benchRead(b, nil) }

// BenchmarkQueryRows measures the rows path (the driver's typed values,
// row by row) in any build.
func BenchmarkQueryRows(b *testing.B) {
	benchRead(b, func(e *Engine) reader { return e.readRowsPath })
}

func benchRead(b *testing.B, path func(*Engine) reader) {
	e := sampleEngine(b, Settings{})
	read := e.read
	if path != nil {
		read = path(e)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tbl, _, err := e.query(context.Background(), &sqlplan.Plan{SQL: benchSQL, Statement: "select"}, engine.QueryOptions{}, read)
		if err != nil {
			b.Fatal(err)
		}
		if tbl.Len() != 1036800 {
			b.Fatalf("rows = %d", tbl.Len())
		}
	}
}

// BenchmarkScanTyped is the limit: database/sql scanning into typed Go
// variables, no frame at all.
func BenchmarkScanTyped(b *testing.B) {
	e := sampleEngine(b, Settings{})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rows, err := e.DB().QueryContext(context.Background(), benchSQL)
		if err != nil {
			b.Fatal(err)
		}
		var (
			ts   time.Time
			host string
			lat  sql.NullFloat64
			req  int64
			n    int
		)
		for rows.Next() {
			if err := rows.Scan(&ts, &host, &lat, &req); err != nil {
				b.Fatal(err)
			}
			n++
		}
		if err := rows.Err(); err != nil {
			b.Fatal(err)
		}
		rows.Close()
		if n != 1036800 {
			b.Fatalf("rows = %d", n)
		}
	}
}
