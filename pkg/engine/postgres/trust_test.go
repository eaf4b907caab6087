package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/engine/postgres"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

// TestLeastPrivilegeBackstop sends hostile SQL straight to the engine (no
// planner) as the least-privilege role of README's Security section: the
// server refuses it. Health warns for a superuser and for a member of
// pg_read_server_files, and not for the reader.
func TestLeastPrivilegeBackstop(t *testing.T) {
	e, info := open(t)
	ctx := context.Background()
	if h := e.Health(ctx); !h.OK || !strings.Contains(h.Message, "Warning: the user is a superuser") {
		t.Errorf("superuser health = %+v, want a warning", h)
	}
	a := admin(t, info)
	for _, q := range []string{
		`DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'quarry_guard_reader') THEN CREATE ROLE quarry_guard_reader LOGIN; END IF; END$$`,
		`DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'quarry_guard_files') THEN CREATE ROLE quarry_guard_files LOGIN; END IF; END$$`,
		`GRANT pg_read_server_files TO quarry_guard_files`,
		`GRANT USAGE ON SCHEMA sample TO quarry_guard_reader, quarry_guard_files`,
		`GRANT SELECT ON ALL TABLES IN SCHEMA sample TO quarry_guard_reader`,
		`ALTER ROLE quarry_guard_reader SET default_transaction_read_only = on`,
	} {
		if _, err := a.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	open := func(user string) *postgres.Engine {
		s := settings(info)
		s.User = user
		pe, err := postgres.Open(ctx, s, postgres.Secrets{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = pe.Close() })
		return pe
	}
	if h := open("quarry_guard_files").Health(ctx); !h.OK || !strings.Contains(h.Message, "pg_read_server_files") {
		t.Errorf("pg_read_server_files member health = %+v, want a warning", h)
	}
	reader := open("quarry_guard_reader")
	if h := reader.Health(ctx); !h.OK || strings.Contains(h.Message, "Warning") {
		t.Errorf("reader health = %+v, want no warning", h)
	}
	for _, q := range []string{
		"SELECT pg_read_file('/etc/passwd')",
		"SELECT * FROM pg_ls_dir('.')",
		"SELECT pg_stat_file('postgresql.conf')",
		"SELECT lo_import('/etc/passwd')",
		"SELECT pg_reload_conf()",
		"CREATE TABLE sample.quarry_guard_x (a int)",
	} {
		_, _, err := reader.Query(ctx, &sqlplan.Plan{SQL: q, Statement: "select"}, engine.QueryOptions{})
		if err == nil {
			t.Errorf("%s: ran as the least-privilege role", q)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "permission denied") && !strings.Contains(msg, "read-only") && !strings.Contains(msg, "must be") {
			t.Errorf("%s: %v; want the server's refusal", q, err)
		}
	}
	if tbl, _, err := reader.Query(ctx, &sqlplan.Plan{SQL: "SELECT count(*) FROM sample.http_requests", Statement: "select"}, engine.QueryOptions{}); err != nil || tbl.Len() != 1 {
		t.Errorf("reader cannot read the sample: %v", err)
	}
}
