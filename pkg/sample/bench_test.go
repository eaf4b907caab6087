package sample

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
	"testing"

	"github.com/duckdb/duckdb-go/v2"
)

// BenchmarkGenerateHTTPRequests is the baseline: generating the 1,036,800
// http_requests rows without loading them anywhere.
func BenchmarkGenerateHTTPRequests(b *testing.B) {
	g := New()
	for b.Loop() {
		n := 0
		for range g.HTTPRequests() {
			n++
		}
		if n != 1036800 {
			b.Fatal(n)
		}
	}
}

// BenchmarkCopyTextHTTPRequests encodes http_requests as PostgreSQL COPY text.
func BenchmarkCopyTextHTTPRequests(b *testing.B) {
	g := New()
	for b.Loop() {
		if err := WriteCopyText(io.Discard, g, TableHTTPRequests); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadDuckDB loads the whole sample into a fresh in-memory DuckDB.
func BenchmarkLoadDuckDB(b *testing.B) {
	g := New()
	g.Counts() // computed once per generator; not part of the load
	ctx := context.Background()
	for b.Loop() {
		db, err := sql.Open("duckdb", "")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := LoadDuckDBReport(ctx, db, g); err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
}

// BenchmarkDuckDBHTTPRequests compares the two ways of loading http_requests
// into DuckDB: appending every column (strings included: a cgo call each)
// against appending numbers only and joining the strings in with SQL (the
// loader's way).
func BenchmarkDuckDBHTTPRequests(b *testing.B) {
	g := New()
	ctx := context.Background()
	ddl, err := DDL(DialectDuckDB)
	if err != nil {
		b.Fatal(err)
	}
	run := func(b *testing.B, load func(driver.Conn) (int64, error)) {
		for b.Loop() {
			db, err := sql.Open("duckdb", "")
			if err != nil {
				b.Fatal(err)
			}
			conn, err := db.Conn(ctx)
			if err != nil {
				b.Fatal(err)
			}
			for _, s := range ddl {
				if _, err := conn.ExecContext(ctx, s); err != nil {
					b.Fatal(err)
				}
			}
			err = conn.Raw(func(dc any) error {
				n, err := load(dc.(driver.Conn))
				if err == nil && n != 1036800 {
					err = fmt.Errorf("loaded %d rows", n)
				}
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			conn.Close()
			db.Close()
		}
	}
	b.Run("append-all-columns", func(b *testing.B) {
		run(b, func(dc driver.Conn) (n int64, err error) {
			app, err := duckdb.NewAppenderFromConn(dc, Schema, TableHTTPRequests)
			if err != nil {
				return 0, err
			}
			for r := range g.HTTPRequests() {
				if err := app.AppendRow(r.TS, r.Host, r.Service, r.Region, r.Method, r.Status, r.Requests, r.Errors, r.LatencyMS, r.Bytes); err != nil {
					return n, err
				}
				n++
			}
			return n, app.Close()
		})
	})
	b.Run("append-numbers-join-strings", func(b *testing.B) {
		run(b, func(dc driver.Conn) (int64, error) { return appendDuckDBHTTP(ctx, dc, g) })
	})
}
