package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/engine/postgres"
	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/testenv"
)

// TestSessionTimeout: connected straight to PostgreSQL, every connection
// has the ordinary query's statement_timeout as its session default (a
// startup parameter), so those queries send no SET LOCAL. Behind PgBouncer,
// which refuses the parameter, the engine connects without it at once
// (health, catalog and queries all work from the first call) and every
// query sets its timeout with SET LOCAL. Either way a query sees its
// timeout and read only, whatever the queries before it set.
func TestSessionTimeout(t *testing.T) {
	pg := testenv.Postgres(t)
	direct := settings(pg)
	bouncer := func(mode string) func() postgres.Settings {
		return func() postgres.Settings {
			b := testenv.PgBouncer(t, mode)
			s := direct
			s.Host, s.Port = b.Host, b.Port
			return s
		}
	}
	for _, tc := range []struct {
		name    string
		s       func() postgres.Settings
		refused bool
	}{
		{"direct", func() postgres.Settings { return direct }, false},
		{"pgbouncer transaction mode", bouncer("transaction"), true},
		{"pgbouncer session mode", bouncer("session"), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			e, err := postgres.Open(ctx, tc.s(), postgres.Secrets{})
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			// The first use of a fresh engine is a health check, as in
			// Grafana's "Save & test".
			if h := e.Health(ctx); !h.OK {
				t.Fatalf("health: %+v", h)
			}
			refused, covered, err := postgres.SessionTimeoutState(ctx, e)
			if err != nil {
				t.Fatal(err)
			}
			if refused != tc.refused || covered == tc.refused {
				t.Fatalf("refused %v, covered %v; want refused %v", refused, covered, tc.refused)
			}
			run := func(sql string) (string, error) {
				tb, _, err := e.Query(ctx, &sqlplan.Plan{SQL: sql, Statement: "select"}, engine.QueryOptions{})
				if err != nil {
					return "", err
				}
				return renderTable(t, tb), nil
			}
			const state = "SELECT current_setting('transaction_read_only') AS ro, current_setting('statement_timeout') AS st"
			for _, sql := range []string{"SELECT 1", "SET statement_timeout = 0",
				"SELECT set_config('statement_timeout', '0', false)", "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE"} {
				for range 3 {
					_, _ = run(sql)
					if got, err := run(state); err != nil || got != "ro st\non 31s\n" {
						t.Fatalf("after %q: %q %v", sql, got, err)
					}
				}
			}
			_, err = run("CREATE TEMP TABLE quarry_session_test (a int)")
			var se *engine.ServerError
			if !errors.As(err, &se) || se.Code != "25006" {
				t.Fatalf("a write: want read_only_sql_transaction (25006), got %v", err)
			}
			if _, err := e.Tables(ctx, "sample"); err != nil {
				t.Fatalf("catalog: %v", err)
			}
		})
	}
}
