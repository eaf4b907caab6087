package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/engine/postgres"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

// TestSessionStateCannotLiftReadOnly: SQL sent straight to the engine (no
// planner) can, in one statement, drop and re-create every prepared
// statement of its session (a DO block: neither DEALLOCATE nor PREPARE
// writes, so a READ ONLY transaction allows them, and ROLLBACK undoes
// neither). So the engine must not bind a named statement of its own
// around a query (a BEGIN READ ONLY, a SET LOCAL statement_timeout): the
// queries after such SQL on the same connection still run read only, with
// their statement_timeout, and write nothing. Neither can a session SET
// (of the statement_timeout that is the connection's default, or of read
// only): every query's transaction is rolled back, and the SET with it.
func TestSessionStateCannotLiftReadOnly(t *testing.T) {
	_, info := open(t)
	a := admin(t, info)
	ctx := context.Background()
	for _, q := range []string{
		`CREATE SCHEMA IF NOT EXISTS quarry_test`,
		`DROP TABLE IF EXISTS quarry_test.substituted`,
		`CREATE TABLE quarry_test.substituted (a int)`,
	} {
		if _, err := a.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	s := settings(info)
	s.MaxConns = 1 // every query on the same connection
	e, err := postgres.Open(ctx, s, postgres.Secrets{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	run := func(sql string, timeout time.Duration) (string, error) {
		tb, _, err := e.Query(ctx, &sqlplan.Plan{SQL: sql, Statement: "select"}, engine.QueryOptions{Timeout: timeout})
		if err != nil {
			return "", err
		}
		return renderTable(t, tb), nil
	}
	const txSQL = "SELECT current_setting('transaction_read_only') AS ro, current_setting('statement_timeout') AS st"
	replace := func(as string) string {
		return `DO $$DECLARE r record; BEGIN FOR r IN SELECT name FROM pg_prepared_statements LOOP
EXECUTE format('DEALLOCATE %I', r.name); EXECUTE format('PREPARE %I AS ` + as + `', r.name); END LOOP; END$$`
	}
	for _, tc := range []struct{ name, sql string }{
		{"every prepared statement a write", replace(`INSERT INTO quarry_test.substituted VALUES (1)`)},
		{"every prepared statement a SELECT", replace(`SELECT 1`)},
		{"deallocate all", `DO $$BEGIN EXECUTE 'DEALLOCATE ALL'; END$$`},
		// The default query timeout is the connection's session default
		// (no SET LOCAL): a session SET of it rolls back with the query.
		{"session SET of the timeout", `SET statement_timeout = 0`},
		{"set_config of the timeout", `SELECT set_config('statement_timeout', '0', false)`},
		{"session SET of read only", `SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Two timeouts, each twice (the first run of a text, then a
			// repeated one), SQL that changes the session's prepared
			// statements before each.
			for _, c := range []struct {
				timeout time.Duration
				want    string
			}{
				{1500 * time.Millisecond, "ro st\non 3s\n"},
				{1500 * time.Millisecond, "ro st\non 3s\n"},
				{4 * time.Second, "ro st\non 5s\n"},
				{4 * time.Second, "ro st\non 5s\n"},
				{0, "ro st\non 31s\n"}, // the engine's 30 s default
				{0, "ro st\non 31s\n"},
			} {
				_, _ = run(tc.sql, c.timeout)
				if got, err := run(txSQL, c.timeout); err != nil || got != c.want {
					t.Fatalf("timeout %v: %q %v, want %q", c.timeout, got, err, c.want)
				}
				_, _ = run(tc.sql, c.timeout)
				_, err := run("INSERT INTO quarry_test.substituted VALUES (2)", c.timeout)
				var se *engine.ServerError
				if !errors.As(err, &se) || se.Code != "25006" {
					t.Fatalf("timeout %v: a write: want read_only_sql_transaction (25006), got %v", c.timeout, err)
				}
			}
			var n int
			if err := a.QueryRow(ctx, `SELECT count(*) FROM quarry_test.substituted`).Scan(&n); err != nil || n != 0 {
				t.Fatalf("%d rows written (%v)", n, err)
			}
		})
	}
}
