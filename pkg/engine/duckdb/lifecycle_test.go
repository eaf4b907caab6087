//go:build cgo

package duckdb

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

// TestInMemoryRecreateWhileClosing replays what Grafana's instance manager
// does when an admin edits a DuckDB data source's settings a few times in a
// row: each edit opens a new in-memory database (loading the sample through
// the appender) while the previous instance is disposed, with queries still
// running on it and some of them cancelled mid-flight. The process must not
// crash (a C heap corruption here kills the plugin), and every query must
// end with rows or an error.
func TestInMemoryRecreateWhileClosing(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the 1M-row sample several times")
	}
	const rounds = 4
	slow := "SELECT count(*) FROM sample.http_requests a JOIN sample.http_requests b USING (ts, host) WHERE a.requests + b.requests > 0"
	var wg sync.WaitGroup
	defer wg.Wait()
	var prev *Engine
	for i := range rounds {
		if prev != nil {
			old := prev
			// Queries in flight on the old instance: some cancelled almost at
			// once (during prepare), some mid-run, one left running.
			for j, d := range []time.Duration{time.Millisecond, 20 * time.Millisecond, 200 * time.Millisecond, time.Minute} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ctx, cancel := context.WithTimeout(context.Background(), d)
					defer cancel()
					_, _, err := old.Query(ctx, &sqlplan.Plan{SQL: fmt.Sprintf("%s /* %d.%d */", slow, i, j), Statement: "select", RowCap: 10}, engine.QueryOptions{})
					_ = err // rows or an error (cancelled, closed): both are fine, a crash is not
				}()
			}
			// Dispose while they run and while the next instance loads.
			wg.Add(1)
			go func() {
				defer wg.Done()
				time.Sleep(50 * time.Millisecond)
				if err := old.Close(); err != nil {
					t.Errorf("round %d: closing the previous instance: %v", i, err)
				}
			}()
		}
		ctx := context.Background()
		var cancel context.CancelFunc = func() {}
		if i%2 == 1 {
			// Every other load is cancelled part-way (a request that gave
			// up): the appender is interrupted and the instance closed.
			ctx, cancel = context.WithTimeout(ctx, 300*time.Millisecond)
		}
		e, err := New(ctx, Settings{})
		cancel()
		if err != nil {
			if i%2 == 0 {
				t.Fatalf("round %d: opening the in-memory database: %v", i, err)
			}
			t.Logf("round %d: the cancelled load failed as expected: %v", i, err)
			e, err = New(context.Background(), Settings{})
			if err != nil {
				t.Fatalf("round %d: opening the in-memory database again: %v", i, err)
			}
		}
		tbl := query(t, e, "SELECT count(*) FROM sample.http_requests", 0, engine.QueryOptions{})
		if tbl.Len() != 1 {
			t.Fatalf("round %d: count returned %d rows", i, tbl.Len())
		}
		prev = e
	}
	wg.Wait()
	if err := prev.Close(); err != nil {
		t.Error(err)
	}
}

// TestCloseConcurrently: Grafana's instance manager (SDK v0.298) schedules a
// Dispose of the cached instance on every Get whose settings differ; when
// the new settings fail to open, the old instance stays cached and the next
// Get (the query after the health check) schedules a second Dispose of the
// same instance a moment later. Close must run once whoever calls it: two
// duckdb_close calls on one database free it twice (heap corruption, a
// crash of the plugin process).
func TestCloseConcurrently(t *testing.T) {
	e, err := New(context.Background(), Settings{SkipSample: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.DB().Exec("CREATE TABLE t AS SELECT range AS i, md5(range::VARCHAR) AS s FROM range(200000)"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if err := e.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if _, _, err := e.Query(context.Background(), &sqlplan.Plan{SQL: "SELECT 1", Statement: "select"}, engine.QueryOptions{}); err == nil {
		t.Error("a query on a closed engine succeeded")
	}
}
