//go:build cgo

package duckdb

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/frames"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

// TestStatementCache: a text run again on a connection runs the statement
// prepared the first time, with the same answer; a failed run keeps
// nothing; each connection keeps at most stmtsPerConn statements; Close
// closes them all.
func TestStatementCache(t *testing.T) {
	e := sampleEngine(t, Settings{MaxConnections: 1})
	ctx := context.Background()
	const sql = "SELECT count(*) AS n, max(status) AS s FROM sample.http_requests"
	first := dumpTable(query(t, e, sql, 0, engine.QueryOptions{}))
	if n := kept(t, e); n != 1 {
		t.Fatalf("after one query: %d statements kept, want 1", n)
	}
	for range 3 {
		if got := dumpTable(query(t, e, sql, 0, engine.QueryOptions{})); got != first {
			t.Fatalf("kept statement's answer:\n%s\nwant\n%s", got, first)
		}
	}
	if n := kept(t, e); n != 1 {
		t.Errorf("after the same query again: %d statements kept, want 1", n)
	}

	// A row cap is part of the run, not of the statement.
	if tbl := query(t, e, "SELECT * FROM range(10)", 3, engine.QueryOptions{}); tbl.Len() != 3 || !tbl.Truncated() {
		t.Errorf("capped run: %d rows, truncated %v", tbl.Len(), tbl.Truncated())
	}
	if tbl := query(t, e, "SELECT * FROM range(10)", 0, engine.QueryOptions{}); tbl.Len() != 10 || tbl.Truncated() {
		t.Errorf("kept statement, uncapped run: %d rows, truncated %v", tbl.Len(), tbl.Truncated())
	}

	// Statements refused or failed are not kept.
	before := kept(t, e)
	for _, bad := range []string{"SELECT CAST('x' AS INTEGER)", "DROP TABLE sample.events", "SELECT nope FROM sample.events"} {
		for range 2 {
			if _, _, err := e.Query(ctx, &sqlplan.Plan{SQL: bad, Statement: "select"}, engine.QueryOptions{}); err == nil {
				t.Fatalf("%s: no error", bad)
			}
		}
	}
	if n := kept(t, e); n != before {
		t.Errorf("after failed queries: %d statements kept, want %d", n, before)
	}

	// A cancelled run keeps nothing either, and the engine goes on.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := e.Query(cctx, &sqlplan.Plan{SQL: "SELECT 7", Statement: "select"}, engine.QueryOptions{}); err == nil {
		t.Error("cancelled query: no error")
	}
	if n := kept(t, e); n != before {
		t.Errorf("after a cancelled query: %d statements kept, want %d", n, before)
	}

	// The least recently used statements go past stmtsPerConn.
	for i := range stmtsPerConn + 8 {
		query(t, e, fmt.Sprintf("SELECT %d AS i", i), 0, engine.QueryOptions{})
	}
	if n := kept(t, e); n != stmtsPerConn {
		t.Errorf("after %d texts: %d statements kept, want %d", stmtsPerConn+8, n, stmtsPerConn)
	}
	if got := dumpTable(query(t, e, sql, 0, engine.QueryOptions{})); got != first {
		t.Errorf("prepared again after eviction:\n%s\nwant\n%s", got, first)
	}

	// A text longer than maxCachedText runs, unkept.
	long := "SELECT 1 AS x -- " + strings.Repeat("y", maxCachedText)
	query(t, e, long, 0, engine.QueryOptions{})
	query(t, e, long, 0, engine.QueryOptions{})
	if n := kept(t, e); n != stmtsPerConn {
		t.Errorf("after a long text: %d statements kept, want %d", n, stmtsPerConn)
	}

	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if n := kept(t, e); n != 0 {
		t.Errorf("after Close: %d statements kept", n)
	}
	if _, _, err := e.Query(ctx, &sqlplan.Plan{SQL: sql, Statement: "select"}, engine.QueryOptions{}); err == nil {
		t.Error("query after Close: no error")
	}
}

// kept is the number of statements e keeps, once the goroutine that
// prepared the last one has handed its connection back (the tests' engines
// have one connection).
func kept(t *testing.T, e *Engine) int {
	t.Helper()
	if c, err := e.db.Conn(context.Background()); err == nil {
		_ = c.Close()
	}
	return e.stmts.len()
}

// TestStatementCacheSeesNewFiles: a kept statement over a data-folder view
// reads the file as it is at each run, and a run that fails on the file's
// new contents drops the statement, so the next run prepares it again.
func TestStatementCacheSeesNewFiles(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "counts.csv")
	write := func(body string) {
		t.Helper()
		if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("n\n1\n2\n")
	e := sampleEngine(t, Settings{DataFolder: dir, MaxConnections: 1})
	sum := func() (int64, error) {
		tbl, _, err := e.Query(context.Background(), &sqlplan.Plan{SQL: "SELECT sum(n)::BIGINT AS s FROM counts", Statement: "select"}, engine.QueryOptions{})
		if err != nil {
			return 0, err
		}
		return tbl.Column(0).(*frames.Builder[int64]).Values()[0], nil
	}
	if s, err := sum(); err != nil || s != 3 {
		t.Fatalf("sum = %d, %v; want 3", s, err)
	}
	if n := kept(t, e); n != 1 {
		t.Fatalf("%d statements kept, want 1", n)
	}
	time.Sleep(10 * time.Millisecond) // a new modification time
	write("n\n10\n20\n30\n")
	if s, err := sum(); err != nil || s != 60 {
		t.Errorf("after the file changed: sum = %d, %v; want 60", s, err)
	}
	write("n\n10\nnot a number\n")
	if _, err := sum(); err == nil {
		t.Error("a file whose values no longer cast: no error")
	}
	if n := kept(t, e); n != 0 {
		t.Errorf("after a failed run: %d statements kept, want 0", n)
	}
	write("n\n5\n")
	if s, err := sum(); err != nil || s != 5 {
		t.Errorf("after the file was mended: sum = %d, %v; want 5", s, err)
	}
}

// TestStatementCacheConcurrent: queries of a few texts from many goroutines
// over a pool of several connections each get their own text's answer,
// whichever connection (and kept statement) runs them.
func TestStatementCacheConcurrent(t *testing.T) {
	e := sampleEngine(t, Settings{MaxConnections: 3})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 40 {
				n := (g + i) % 5
				tbl, _, err := e.Query(context.Background(), &sqlplan.Plan{SQL: fmt.Sprintf("SELECT %d AS n FROM range(%d)", n, n+1), Statement: "select"}, engine.QueryOptions{})
				if err != nil {
					errs <- err
					return
				}
				if got := tbl.Len(); got != n+1 || tbl.Column(0).(*frames.Builder[int32]).Values()[0] != int32(n) {
					errs <- fmt.Errorf("text %d: %d rows: %s", n, got, dumpTable(tbl))
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := e.stmts.len(); n == 0 || n > 3*5 {
		t.Errorf("%d statements kept, want 1 to 15 (3 connections, 5 texts)", n)
	}
}

// TestStatementCacheNow: a kept statement reads the clock at each run
// (DuckDB does not fold now() when it prepares), so a dashboard's
// "now() - INTERVAL 1 HOUR" keeps moving.
func TestStatementCacheNow(t *testing.T) {
	e := sampleEngine(t, Settings{MaxConnections: 1, SkipSample: true})
	var prev int64
	for i := range 3 {
		tbl := query(t, e, "SELECT epoch_us(now()) AS t", 0, engine.QueryOptions{})
		now := tbl.Column(0).(*frames.Builder[int64]).Values()[0]
		if i > 0 && now <= prev {
			t.Fatalf("run %d: now() = %d, not after the run before's %d", i+1, now, prev)
		}
		prev = now
		time.Sleep(2 * time.Millisecond)
	}
	if n := kept(t, e); n != 1 {
		t.Errorf("%d statements kept, want 1", n)
	}
}
