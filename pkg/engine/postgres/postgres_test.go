package postgres_test

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/jackc/pgx/v5"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/engine/postgres"
	"github.com/bigtent/quarry/pkg/frames"
	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/testenv"
)

var update = flag.Bool("update", false, "rewrite golden files")

func settings(info testenv.PostgresInfo) postgres.Settings {
	return postgres.Settings{Host: info.Host, Port: info.Port, Database: info.Database, User: info.User, SSLMode: "disable"}
}

func open(t testing.TB) (*postgres.Engine, testenv.PostgresInfo) {
	t.Helper()
	info := testenv.Postgres(t)
	e, err := postgres.Open(context.Background(), settings(info), postgres.Secrets{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e, info
}

// admin is a plain pgx connection for setup and for watching pg_stat_activity.
func admin(t testing.TB, info testenv.PostgresInfo) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), info.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

func query(t *testing.T, e *postgres.Engine, sql string, rowCap int64, opts engine.QueryOptions) *frames.Table {
	t.Helper()
	tb, _, err := e.Query(context.Background(), &sqlplan.Plan{SQL: sql, Statement: "select", RowCap: rowCap}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func render(fs []*data.Frame) string {
	var b strings.Builder
	for _, f := range fs {
		s, err := f.StringTable(-1, -1)
		if err != nil {
			s = err.Error()
		}
		b.WriteString(s)
		if f.Meta != nil {
			b.WriteString("type: " + string(f.Meta.Type) + "\n")
			for _, n := range f.Meta.Notices {
				b.WriteString("notice: " + n.Text + "\n")
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		_ = os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./pkg/engine/postgres -update creates it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from %s\n--- got\n%s", name, path, got)
	}
}

const typesSQL = `SELECT 1::int2 AS int2, 2::int4 AS int4, 3::int8 AS int8, 4::oid AS oid, 1.5::float4 AS float4, 2.5::float8 AS float8,
  12.30::numeric(12,2) AS numeric, -0.000123::numeric AS numeric_small, 12345678901234567890.5::numeric AS numeric_big, 'NaN'::numeric AS numeric_nan,
  true AS bool, 'x'::text AS text, 'y'::varchar AS varchar, 'z'::char(3) AS bpchar, 'n'::name AS name, '\xdeadbeef'::bytea AS bytea,
  '2024-01-02'::date AS date, '2024-01-02 03:04:05.123456'::timestamp AS timestamp, '2024-01-02 03:04:05+02'::timestamptz AS timestamptz,
  '04:05:06.5'::time AS time_of_day, '04:05:06+02'::timetz AS timetz, '1 year 2 mons 3 days 04:05:06'::interval AS interval,
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS uuid, '{"a":1}'::json AS json, '{"b":[1,2]}'::jsonb AS jsonb,
  '10.1.2.3'::inet AS inet, '10.0.0.0/8'::cidr AS cidr, '2001:db8::1/64'::inet AS inet6,
  ARRAY[1,2,3] AS int_array, ARRAY['a',NULL] AS text_array, ARRAY[1.50::numeric] AS numeric_array, ROW(1,'a') AS record,
  'b'::quarry_test.mood AS enum, 7::quarry_test.positive AS domain_int
UNION ALL SELECT NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL`

func setupTypes(t *testing.T, info testenv.PostgresInfo) {
	t.Helper()
	c := admin(t, info)
	for _, q := range []string{
		`CREATE SCHEMA IF NOT EXISTS quarry_test`,
		`DO $$ BEGIN CREATE TYPE quarry_test.mood AS ENUM ('a', 'b'); EXCEPTION WHEN duplicate_object THEN NULL; END $$`,
		`DO $$ BEGIN CREATE DOMAIN quarry_test.positive AS int4 CHECK (VALUE > 0); EXCEPTION WHEN duplicate_object THEN NULL; END $$`,
		`CREATE TABLE IF NOT EXISTS quarry_test.measurements (ts timestamptz NOT NULL, v float8) PARTITION BY RANGE (ts)`,
		`CREATE TABLE IF NOT EXISTS quarry_test.measurements_2024_01 PARTITION OF quarry_test.measurements FOR VALUES FROM ('2024-01-01') TO ('2024-02-01')`,
	} {
		if _, err := c.Exec(context.Background(), q); err != nil {
			t.Fatalf("setup %q: %v", q, err)
		}
	}
}

func TestTypeMapping(t *testing.T) {
	e, info := open(t)
	setupTypes(t, info)
	for _, asFloat := range []bool{false, true} {
		tb := query(t, e, typesSQL, 0, engine.QueryOptions{NumericAsFloat: asFloat})
		specs := tb.Specs()
		fs, err := frames.Shape(tb, frames.ShapeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i, f := range fs[0].Fields {
			b.WriteString(specs[i].Name + " " + specs[i].DBType + " " + specs[i].Kind.String() + " -> " + f.Type().ItemTypeString() + " ")
			v, _ := f.ConcreteAt(0)
			b.WriteString(strings.TrimSpace(strings.ReplaceAll(fmtValue(v), "\n", " ")))
			b.WriteString(" | null=" + boolStr(f.NilAt(1) || isNullJSON(f, 1)) + "\n")
		}
		name := "types"
		if asFloat {
			name = "types_numeric_as_float"
		}
		golden(t, name, b.String())
	}
}

func isNullJSON(f *data.Field, i int) bool {
	v, ok := f.At(i).(interface{ MarshalJSON() ([]byte, error) })
	if !ok {
		return false
	}
	out, _ := v.MarshalJSON()
	return string(out) == "null"
}

func TestSampleShapes(t *testing.T) {
	e, _ := open(t)
	day := sqlplan.TimeRange{From: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 1, 1, 3, 0, 0, 0, time.UTC)}
	perHost := `SELECT date_trunc('hour', ts) AS time, host, sum(requests) AS requests FROM sample.http_requests
WHERE ts >= '2024-01-01T00:00:00Z' AND ts < '2024-01-01T03:00:00Z' AND service = 'api' GROUP BY 1, 2 ORDER BY 2, 1`
	tests := []struct {
		name string
		sql  string
		opts frames.ShapeOptions
	}{
		{"wide", perHost, frames.ShapeOptions{Format: sqlplan.FormatTimeSeries}},
		{"wide_fill_previous_30m", perHost, frames.ShapeOptions{Format: sqlplan.FormatTimeSeries, TimeRange: day,
			Fill: &sqlplan.Fill{Mode: sqlplan.FillPrevious, Interval: 30 * time.Minute}}},
		{"long", perHost, frames.ShapeOptions{Format: sqlplan.FormatTimeSeriesLong}},
		{"multi", perHost, frames.ShapeOptions{Format: sqlplan.FormatTimeSeriesMulti}},
		{"epoch_seconds", `SELECT event_s AS time, count(*) AS n FROM sample.events GROUP BY 1 ORDER BY 1 LIMIT 3`,
			frames.ShapeOptions{Format: sqlplan.FormatTimeSeries}},
		{"epoch_millis", `SELECT event_ms AS time, user_id::float8 AS user FROM sample.events ORDER BY event_ms, user_id LIMIT 3`,
			frames.ShapeOptions{Format: sqlplan.FormatTimeSeries}},
		{"table_numeric", `SELECT event_date, event_time, name, country, amount FROM sample.events WHERE amount > 0 ORDER BY event_time, user_id LIMIT 3`,
			frames.ShapeOptions{Format: sqlplan.FormatTable}},
		{"logs", `SELECT ts, level, message, labels, service, host FROM sample.logs ORDER BY ts DESC, message LIMIT 3`,
			frames.ShapeOptions{Format: sqlplan.FormatLogs}},
		{"annotations", `SELECT ts AS time, end_ts AS "timeEnd", title, text, tags FROM sample.deploys ORDER BY ts LIMIT 3`,
			frames.ShapeOptions{Format: sqlplan.FormatAnnotations}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, err := frames.Shape(query(t, e, tt.sql, 0, engine.QueryOptions{}), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "sample_"+tt.name, render(fs))
		})
	}
}

// activity returns the state of the backends running a query containing marker.
func activity(t *testing.T, c *pgx.Conn, marker string) []string {
	t.Helper()
	rows, err := c.Query(context.Background(), `SELECT state FROM pg_stat_activity WHERE query LIKE '%' || $1 || '%' AND pid <> pg_backend_pid() AND state = 'active'`, marker)
	if err != nil {
		t.Fatal(err)
	}
	states, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return states
}

// waitGone polls pg_stat_activity until no backend runs the marked query.
func waitGone(t *testing.T, c *pgx.Conn, marker string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(activity(t, c, marker)) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the server still runs the query %q 5s after it was stopped", marker)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestCancelReachesServer(t *testing.T) {
	e, info := open(t)
	c := admin(t, info)
	marker := "quarry_cancel_" + time.Now().Format("150405.000000")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, _, err := e.Query(ctx, &sqlplan.Plan{SQL: "SELECT pg_sleep(30) /* " + marker + " */", Statement: "select"}, engine.QueryOptions{})
		done <- err
	}()
	deadline := time.Now().Add(5 * time.Second)
	for len(activity(t, c, marker)) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the query never showed up in pg_stat_activity")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	err := <-done
	var ce *engine.CanceledError
	if !errors.As(err, &ce) || !engine.IsDownstream(err) {
		t.Fatalf("want a downstream CanceledError, got %T %v", err, err)
	}
	waitGone(t, c, marker)
}

func TestTimeout(t *testing.T) {
	e, info := open(t)
	c := admin(t, info)
	marker := "quarry_timeout_" + time.Now().Format("150405.000000")
	start := time.Now()
	_, _, err := e.Query(context.Background(), &sqlplan.Plan{SQL: "SELECT pg_sleep(20) /* " + marker + " */", Statement: "select"},
		engine.QueryOptions{Timeout: 700 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "query exceeded the 700ms timeout set in the data source settings") {
		t.Fatalf("got %v", err)
	}
	if strings.Contains(err.Error(), "context deadline exceeded") {
		t.Fatalf("timeout leaks the Go error: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("timeout took %v", time.Since(start))
	}
	waitGone(t, c, marker)
}

func TestRowCap(t *testing.T) {
	e, info := open(t)
	c := admin(t, info)
	marker := "quarry_cap_" + time.Now().Format("150405.000000")
	// No LIMIT and a result that would never end (10^12 rows, streamed):
	// the engine stops reading at the cap and stops the server.
	sql := "SELECT a.ts, b.host FROM sample.http_requests a, sample.http_requests b /* " + marker + " */"
	tb := query(t, e, sql, 1000, engine.QueryOptions{})
	if tb.Len() != 1000 || !tb.Truncated() {
		t.Fatalf("rows %d truncated %v", tb.Len(), tb.Truncated())
	}
	fs, err := frames.Shape(tb, frames.ShapeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := fs[0].Meta.Notices; len(n) != 1 || n[0].Text != "results truncated at 1000 rows; raise Max rows or narrow the query" {
		t.Fatalf("notices %+v", n)
	}
	waitGone(t, c, marker)
	// With the planner's LIMIT cap+1.
	tb = query(t, e, "SELECT g FROM generate_series(1, 100000) g LIMIT 11", 10, engine.QueryOptions{})
	if tb.Len() != 10 || !tb.Truncated() {
		t.Fatalf("rows %d truncated %v", tb.Len(), tb.Truncated())
	}
	tb = query(t, e, "SELECT g FROM generate_series(1, 10) g LIMIT 11", 10, engine.QueryOptions{})
	if tb.Len() != 10 || tb.Truncated() {
		t.Fatalf("exactly the cap is not truncated: rows %d truncated %v", tb.Len(), tb.Truncated())
	}
	// The pool still works after a canceled stream.
	if tb := query(t, e, "SELECT 1", 0, engine.QueryOptions{}); tb.Len() != 1 {
		t.Fatal("pool unusable after truncation")
	}
}

func TestEstimateAndGuardrail(t *testing.T) {
	e, _ := open(t)
	cost, err := e.Estimate(context.Background(), &sqlplan.Plan{SQL: "SELECT * FROM sample.http_requests", Statement: "select"})
	if err != nil {
		t.Fatal(err)
	}
	if cost.Kind != engine.CostEstimate || cost.Rows < 900_000 || cost.Rows > 1_200_000 || cost.Bytes <= cost.Rows || cost.EngineCost <= 0 {
		t.Fatalf("cost %+v", cost)
	}
	if len(cost.ReferencedTables) != 1 || cost.ReferencedTables[0] != "http_requests" {
		t.Fatalf("tables %v", cost.ReferencedTables)
	}
	err = engine.Budget{MaxRows: 100_000}.Check(cost)
	var be *engine.BudgetError
	if !errors.As(err, &be) || !strings.Contains(err.Error(), "exceeds the budget of 100000 rows") {
		t.Fatalf("want a refusal, got %v", err)
	}
	small, err := e.Estimate(context.Background(), &sqlplan.Plan{SQL: "SELECT * FROM sample.http_requests WHERE ts >= '2024-01-30T23:00:00Z'", Statement: "select"})
	if err != nil {
		t.Fatal(err)
	}
	if err := (engine.Budget{MaxRows: 100_000}).Check(small); err != nil || small.Rows >= cost.Rows {
		t.Fatalf("a narrow query must pass: %+v %v", small, err)
	}
	if _, err := e.Estimate(context.Background(), &sqlplan.Plan{SQL: "SELECT nosuch FROM sample.events", Statement: "select"}); err == nil {
		t.Fatal("estimating a bad query must fail")
	}
}

func TestServerErrorKeepsSQLState(t *testing.T) {
	e, _ := open(t)
	_, _, err := e.Query(context.Background(), &sqlplan.Plan{SQL: "SELECT name,\n  nosuch\nFROM sample.events", Statement: "select"}, engine.QueryOptions{})
	var se *engine.ServerError
	if !errors.As(err, &se) || se.Code != "42703" || se.Line != 2 || se.Column != 3 || !engine.IsDownstream(err) || !engine.IsQueryFault(err) {
		t.Fatalf("got %T %v", err, err)
	}
	want := `postgres: column "nosuch" does not exist (SQLSTATE 42703) at line 2, column 3`
	if !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("got %q want prefix %q", err.Error(), want)
	}
}

func TestReadOnlyTransaction(t *testing.T) {
	e, _ := open(t)
	_, _, err := e.Query(context.Background(), &sqlplan.Plan{SQL: "CREATE TABLE quarry_should_not_exist (a int)", Statement: "select"}, engine.QueryOptions{})
	var se *engine.ServerError
	if !errors.As(err, &se) || se.Code != "25006" || engine.IsQueryFault(err) {
		t.Fatalf("want read_only_sql_transaction (25006), got %v", err)
	}
}

func TestHealth(t *testing.T) {
	e, info := open(t)
	h := e.Health(context.Background())
	if !h.OK || !strings.HasPrefix(h.Version, "15.") || len(h.Capabilities) == 0 {
		t.Fatalf("health %+v", h)
	}
	tests := []struct {
		name  string
		edit  func(*postgres.Settings)
		step  string
		words string
	}{
		{"dns", func(s *postgres.Settings) { s.Host = "no-such-host.invalid" }, "dns", "cannot resolve host"},
		{"tcp", func(s *postgres.Settings) { s.Port = 1 }, "tcp", "cannot connect to 127.0.0.1:1"},
		{"database", func(s *postgres.Settings) { s.Database = "no_such_db" }, "database", `database "no_such_db" does not exist`},
		{"auth", func(s *postgres.Settings) { s.User = "no_such_role" }, "auth", `no_such_role`},
		// The test server runs without TLS.
		{"tls", func(s *postgres.Settings) { s.SSLMode = "require" }, "tls", "does not accept TLS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := settings(info)
			tt.edit(&s)
			bad, err := postgres.Open(context.Background(), s, postgres.Secrets{Password: "s3cret-pw"})
			if err != nil {
				t.Fatal(err)
			}
			defer bad.Close()
			h := bad.Health(context.Background())
			if h.OK || h.Step != tt.step || !strings.Contains(h.Message, tt.words) || h.Hint == "" {
				t.Fatalf("health %+v", h)
			}
			if strings.Contains(h.Message+h.Hint, "s3cret-pw") {
				t.Fatal("the password leaked into the health message")
			}
		})
	}
}

func TestCatalog(t *testing.T) {
	e, info := open(t)
	setupTypes(t, info)
	ctx := context.Background()
	ds, err := e.Datasets(ctx)
	if err != nil || !contains(ds, "sample") {
		t.Fatalf("datasets %v %v", ds, err)
	}
	tables, err := e.Tables(ctx, "sample")
	if err != nil || strings.Join(tables, ",") != "deploys,events,http_requests,logs" {
		t.Fatalf("tables %v %v", tables, err)
	}
	tbl, err := e.Columns(ctx, "sample", "events")
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for _, c := range tbl.Columns {
		cols = append(cols, c.Name+" "+c.Type)
	}
	want := "event_date date,event_time timestamp without time zone,event_ms bigint,event_s bigint,user_id bigint,name text,country text,amount numeric(12,2)"
	if strings.Join(cols, ",") != want || tbl.RowCount < 20000 {
		t.Fatalf("columns %v rows %d", cols, tbl.RowCount)
	}
	part, err := e.Columns(ctx, "quarry_test", "measurements")
	if err != nil || part.Partitioning == nil || part.Partitioning.Column != "ts" {
		t.Fatalf("partitioning %+v %v", part.Partitioning, err)
	}
	if pt, _ := e.Tables(ctx, "quarry_test"); contains(pt, "measurements_2024_01") {
		t.Fatalf("partitions must not be listed: %v", pt)
	}
	if _, err := e.Columns(ctx, "sample", "nope"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("got %v", err)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
