//go:build cgo

package duckdb

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

// TestEngineBackstop sends hostile SQL straight to the engine, without the
// planner: DuckDB's own configuration must refuse files outside the data
// folder, directory listings, extension loads and configuration changes,
// while the data-folder views and the sample keep working.
func TestEngineBackstop(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "sales.csv"), []byte("day,amount\n2024-01-01,10\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	secretDir := t.TempDir()
	secret := filepath.Join(secretDir, "secret.csv")
	if err := os.WriteFile(secret, []byte("k,v\nsecret_key,hunter2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A sibling whose name starts like the data folder must stay closed.
	sibling := dir + "-other.csv"
	if err := os.WriteFile(sibling, []byte("a\n1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Remove(sibling) })

	mem, err := New(context.Background(), Settings{DataFolder: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mem.Close() })
	file := sampleEngine(t, Settings{DataFolder: dir})

	for name, e := range map[string]*Engine{"in-memory sample": mem, "file": file} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			for _, q := range []string{
				"SELECT content FROM read_text('/etc/passwd')",
				"SELECT * FROM read_csv(" + quoteLiteral(secret) + ")",
				"SELECT * FROM " + quoteLiteral(secret),
				"SELECT * FROM read_csv(" + quoteLiteral(sibling) + ")",
				"SELECT * FROM glob('/etc/*')",
				"SELECT * FROM read_blob('/proc/self/environ')",
				"SELECT * FROM read_parquet('https://example.com/x.parquet')",
			} {
				tbl, _, err := e.Query(ctx, &sqlplan.Plan{SQL: q, Statement: "select"}, engine.QueryOptions{})
				if err == nil {
					t.Errorf("%s: ran (%d rows); want a refusal by DuckDB", q, tbl.Len())
					continue
				}
				if msg := strings.ToLower(err.Error()); !strings.Contains(msg, "permission") && !strings.Contains(msg, "external access") {
					t.Errorf("%s: %v; want DuckDB's permission error", q, err)
				}
			}
			// The raw handle (no statement-type check): configuration is locked.
			for _, q := range []string{
				"SET GLOBAL enable_external_access = true",
				"SET enable_external_access = true",
				"SET GLOBAL allowed_directories = ['/']",
				"SET GLOBAL autoload_known_extensions = true",
				"SET GLOBAL lock_configuration = false",
				"PRAGMA threads = 1",
			} {
				if _, err := e.DB().ExecContext(ctx, q); err == nil || !strings.Contains(strings.ToLower(err.Error()), "lock") {
					t.Errorf("%s: %v; want a locked-configuration error", q, err)
				}
			}
			for _, q := range []string{"LOAD httpfs", "INSTALL httpfs", "ATTACH " + quoteLiteral(filepath.Join(secretDir, "x.db")) + " AS x",
				"COPY (SELECT 1) TO " + quoteLiteral(filepath.Join(secretDir, "out.csv"))} {
				if _, err := e.DB().ExecContext(ctx, q); err == nil {
					t.Errorf("%s: ran through the raw handle; want a refusal by DuckDB", q)
				}
			}
			if _, err := os.Stat(filepath.Join(secretDir, "out.csv")); err == nil {
				t.Error("COPY TO wrote a file")
			}
			var v string
			if err := e.DB().QueryRowContext(ctx, "SELECT current_setting('enable_external_access')::VARCHAR").Scan(&v); err != nil || v != "false" {
				t.Errorf("enable_external_access = %q, %v", v, err)
			}
			// The data folder still works, through its views and directly.
			if tbl := query(t, e, "SELECT sum(amount) FROM sales", 0, engine.QueryOptions{}); tbl.Len() != 1 {
				t.Errorf("data-folder view: %d rows", tbl.Len())
			}
			if tbl := query(t, e, "SELECT * FROM read_csv("+quoteLiteral(filepath.Join(dir, "sales.csv"))+")", 0, engine.QueryOptions{}); tbl.Len() != 1 {
				t.Errorf("read_csv inside the data folder: %d rows", tbl.Len())
			}
			if tbl := query(t, e, "SELECT count(*) FROM sample.http_requests", 0, engine.QueryOptions{}); tbl.Len() != 1 {
				t.Error("sample unreadable")
			}
		})
	}
}

// TestPrepareHonoursContext: a statement whose bind has not finished when
// the context ends returns the context's error at once; the connection is
// handed back and the engine keeps working.
func TestPrepareHonoursContext(t *testing.T) {
	e := sampleEngine(t, Settings{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := e.Query(ctx, &sqlplan.Plan{SQL: "SELECT count(*) FROM sample.http_requests", Statement: "select"}, engine.QueryOptions{})
	if err == nil || !strings.Contains(err.Error(), "cancel") {
		t.Errorf("cancelled before the bind: %v", err)
	}
	for i := 0; i < 20; i++ { // more than the pool: no connection leaked
		query(t, e, "SELECT 1", 0, engine.QueryOptions{})
	}
}
