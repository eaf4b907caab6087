//go:build cgo

package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/frames"
	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/testenv"
)

var update = flag.Bool("update", false, "rewrite golden files")

// sampleEngine opens the testenv sample database file read-only.
func sampleEngine(t testing.TB, s Settings) *Engine {
	t.Helper()
	s.Path = testenv.DuckDB(t).Path
	e, err := New(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

func query(t testing.TB, e *Engine, sql string, rowCap int64, opts engine.QueryOptions) *frames.Table {
	t.Helper()
	tbl, _, err := e.Query(context.Background(), &sqlplan.Plan{SQL: sql, Statement: "select", RowCap: rowCap}, opts)
	if err != nil {
		t.Fatalf("Query(%s): %v", sql, err)
	}
	return tbl
}

// dumpTable renders every value of every column for golden comparisons.
func dumpTable(t *frames.Table) string {
	var b strings.Builder
	for _, s := range t.Specs() {
		fmt.Fprintf(&b, "# %s %s kind=%s precision=%d scale=%d\n", s.Name, s.DBType, s.Kind, s.Precision, s.Scale)
	}
	for r := 0; r < t.Len(); r++ {
		fmt.Fprintf(&b, "row %d\n", r)
		for _, c := range t.Columns() {
			fmt.Fprintf(&b, "  %s = ", c.Spec().Name)
			if c.IsNull(r) {
				b.WriteString("NULL\n")
				continue
			}
			switch col := c.(type) {
			case *frames.Builder[int8]:
				fmt.Fprintf(&b, "int8 %d\n", col.Values()[r])
			case *frames.Builder[int16]:
				fmt.Fprintf(&b, "int16 %d\n", col.Values()[r])
			case *frames.Builder[int32]:
				fmt.Fprintf(&b, "int32 %d\n", col.Values()[r])
			case *frames.Builder[int64]:
				fmt.Fprintf(&b, "int64 %d\n", col.Values()[r])
			case *frames.Builder[uint8]:
				fmt.Fprintf(&b, "uint8 %d\n", col.Values()[r])
			case *frames.Builder[uint16]:
				fmt.Fprintf(&b, "uint16 %d\n", col.Values()[r])
			case *frames.Builder[uint32]:
				fmt.Fprintf(&b, "uint32 %d\n", col.Values()[r])
			case *frames.Builder[uint64]:
				fmt.Fprintf(&b, "uint64 %d\n", col.Values()[r])
			case *frames.Builder[float32]:
				fmt.Fprintf(&b, "float32 %v\n", col.Values()[r])
			case *frames.Builder[float64]:
				fmt.Fprintf(&b, "float64 %v\n", col.Values()[r])
			case *frames.Builder[bool]:
				fmt.Fprintf(&b, "bool %v\n", col.Values()[r])
			case *frames.Times:
				fmt.Fprintf(&b, "time %s\n", col.Time(r).Format(time.RFC3339Nano))
			case *frames.Strings:
				fmt.Fprintf(&b, "string %q\n", col.Value(r))
			case *frames.JSONs:
				fmt.Fprintf(&b, "json %s\n", col.Values()[r])
			default:
				fmt.Fprintf(&b, "%T\n", c)
			}
		}
	}
	if t.Truncated() {
		b.WriteString("truncated\n")
	}
	return b.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// allTypesSQL has one row of every DuckDB type Quarry maps, then a row of
// NULLs.
const allTypesSQL = `
SELECT * FROM (VALUES
 (-8::TINYINT, -16::SMALLINT, -32::INTEGER, -9007199254740993::BIGINT,
  8::UTINYINT, 16::USMALLINT, 32::UINTEGER, 18446744073709551615::UBIGINT,
  1.5::FLOAT, 2.25::DOUBLE,
  170141183460469231731687303715884105727::HUGEINT, 340282366920938463463374607431768211455::UHUGEINT,
  12345678901234567890.1234567890::DECIMAL(38,10), -12.30::DECIMAL(12,2), 0.5::DECIMAL(4,1),
  true, 'héllo "q"', '\x00\x01\xFF'::BLOB,
  DATE '2024-01-31', TIME '12:34:56.5', '12:34:56+02'::TIMETZ,
  TIMESTAMP '2024-01-02 03:04:05.123456', TIMESTAMPTZ '2024-01-02 03:04:05.123456+00',
  '2024-01-02 03:04:05'::TIMESTAMP_S, '2024-01-02 03:04:05.123'::TIMESTAMP_MS, '2024-01-02 03:04:05.123456789'::TIMESTAMP_NS,
  INTERVAL '1 year 2 months 3 days 04:05:06.789',
  '00112233-4455-6677-8899-aabbccddeeff'::UUID,
  [1, 2, NULL], ['a', 'b']::VARCHAR[2],
  {'a': 1, 'b': 'x', 'when': TIMESTAMP '2024-01-01 00:00:00', 'amount': 1.25::DECIMAL(5,2)},
  MAP {'k1': 10, 'k2': 20},
  'b'::ENUM('a', 'b'),
  '{"k": [1, 2], "s": "v"}'::JSON,
  [{'x': [1.5]}]
 ),
 (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
) AS t(tiny, small, int, big, utiny, usmall, uint, ubig, f32, f64, huge, uhuge, dec38, dec12, dec4,
       b, s, blob, d, tm, tmtz, ts, tstz, ts_s, ts_ms, ts_ns, iv, id, list, arr, st, mp, en, js, nested)`

func TestTypeMapping(t *testing.T) {
	e := sampleEngine(t, Settings{})
	golden(t, "alltypes.golden", dumpTable(query(t, e, allTypesSQL, 0, engine.QueryOptions{})))

	tbl := query(t, e, allTypesSQL, 0, engine.QueryOptions{NumericAsFloat: true})
	dec, ok := tbl.Column(13).(*frames.Builder[float64])
	if !ok || dec.Values()[0] != -12.3 {
		t.Errorf("DECIMAL as float: %T %v", tbl.Column(13), dec)
	}
}

func TestSampleTables(t *testing.T) {
	e := sampleEngine(t, Settings{})
	var out strings.Builder
	for _, q := range []string{
		"SELECT * FROM sample.http_requests ORDER BY ts, host, service LIMIT 3",
		"SELECT * FROM sample.events ORDER BY event_time, user_id LIMIT 3",
		"SELECT * FROM sample.logs ORDER BY ts, host LIMIT 3",
		"SELECT * FROM sample.deploys ORDER BY ts LIMIT 3",
	} {
		fmt.Fprintf(&out, "-- %s\n%s", q, dumpTable(query(t, e, q, 0, engine.QueryOptions{})))
	}
	golden(t, "sample.golden", out.String())

	tbl := query(t, e, "SELECT count(*) AS n FROM sample.http_requests", 0, engine.QueryOptions{})
	if n := tbl.Column(0).(*frames.Builder[int64]).Values()[0]; n != 1036800 {
		t.Errorf("http_requests has %d rows, want 1036800", n)
	}
}

func TestRowCap(t *testing.T) {
	e := sampleEngine(t, Settings{})
	tbl := query(t, e, "SELECT ts, host, latency_ms FROM sample.http_requests", 5000, engine.QueryOptions{})
	if tbl.Len() != 5000 || !tbl.Truncated() {
		t.Fatalf("rows = %d truncated = %v, want 5000 true", tbl.Len(), tbl.Truncated())
	}
	if n := tbl.Notices(); len(n) != 1 || !strings.Contains(n[0].Text, "5000") {
		t.Errorf("notices = %+v", n)
	}
	// Exactly the cap: not truncated.
	tbl = query(t, e, "SELECT * FROM range(10)", 10, engine.QueryOptions{})
	if tbl.Len() != 10 || tbl.Truncated() {
		t.Fatalf("rows = %d truncated = %v, want 10 false", tbl.Len(), tbl.Truncated())
	}
}

// TestRowCapLimitStreams: the row cap's LIMIT (cap + 1) over a table
// scan plans as a streaming limit, not as late materialization (a row-id
// scan, a semi join back to the table and a sort), which costs more than
// the rows it saves (engine.go).
func TestRowCapLimitStreams(t *testing.T) {
	e := sampleEngine(t, Settings{})
	for _, limit := range []int{1001, 100001} {
		rows, err := e.db.QueryContext(context.Background(), fmt.Sprintf("EXPLAIN SELECT ts, host, latency_ms FROM sample.http_requests LIMIT %d", limit))
		if err != nil {
			t.Fatal(err)
		}
		var plan strings.Builder
		for rows.Next() {
			var kind, text string
			if err := rows.Scan(&kind, &text); err != nil {
				t.Fatal(err)
			}
			plan.WriteString(text)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		if p := plan.String(); !strings.Contains(p, "STREAMING_LIMIT") || strings.Contains(p, "SEMI") || strings.Contains(p, "ORDER") {
			t.Errorf("LIMIT %d plans as\n%s\nwant a streaming limit over the scan", limit, p)
		}
	}
}

// slowSQL runs for minutes unless interrupted.
const slowSQL = "SELECT count(*) FROM range(100000000000) a WHERE hash(a.range) % 7 = 3"

func TestCancellationInterruptsDuckDB(t *testing.T) {
	e := sampleEngine(t, Settings{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		_, _, err := e.Query(ctx, &sqlplan.Plan{SQL: slowSQL, Statement: "select"}, engine.QueryOptions{})
		done <- err
	}()
	time.Sleep(500 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		var ce *engine.CanceledError
		if !errors.As(err, &ce) {
			t.Fatalf("err = %v, want a CanceledError", err)
		}
		t.Logf("interrupted after %s: %v", time.Since(start), err)
	case <-time.After(30 * time.Second):
		t.Fatal("the query was not interrupted within 30 s of cancellation")
	}
	// The pool's connections still work after the interrupt.
	for i := 0; i < 3; i++ {
		query(t, e, "SELECT 1", 0, engine.QueryOptions{})
	}
}

func TestTimeout(t *testing.T) {
	e := sampleEngine(t, Settings{QueryTimeout: Duration(300 * time.Millisecond)})
	_, _, err := e.Query(context.Background(), &sqlplan.Plan{SQL: slowSQL, Statement: "select"}, engine.QueryOptions{})
	var te *engine.TimeoutError
	if !errors.As(err, &te) || te.Timeout != 300*time.Millisecond {
		t.Fatalf("err = %v, want a 300ms TimeoutError", err)
	}
	if !strings.Contains(err.Error(), "300ms timeout") || !engine.IsDownstream(err) {
		t.Errorf("message = %q (downstream %v)", err, engine.IsDownstream(err))
	}
}

func TestReadOnly(t *testing.T) {
	file := sampleEngine(t, Settings{})
	mem, err := New(context.Background(), Settings{SkipSample: true})
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	if _, err := mem.DB().Exec("CREATE TABLE t AS SELECT 1 AS a"); err != nil {
		t.Fatal(err)
	}
	for e, tbl := range map[*Engine]string{file: "sample.events", mem: "t"} {
		for _, sql := range []string{
			"CREATE TABLE x (a INT)",
			"DROP TABLE " + tbl,
			"INSERT INTO " + tbl + " SELECT * FROM " + tbl,
			"SELECT 1; DROP TABLE " + tbl,
			"COPY " + tbl + " TO '/tmp/quarry-should-not-exist.csv'",
			"SET threads = 1",
			"ATTACH ':memory:' AS other",
		} {
			_, _, err := e.Query(context.Background(), &sqlplan.Plan{SQL: sql}, engine.QueryOptions{})
			if strings.HasPrefix(sql, "COPY") && err != nil && strings.Contains(err.Error(), "Permission Error") {
				continue // DuckDB refuses the file before the statement type is known
			}
			if !errors.Is(err, ErrNotReadOnly) {
				t.Errorf("%s: err = %v, want ErrNotReadOnly", sql, err)
			}
		}
	}
	if tbl := query(t, mem, "SELECT count(*) FROM t", 0, engine.QueryOptions{}); tbl.Len() != 1 {
		t.Error("table t lost")
	}
	if _, err := os.Stat("/tmp/quarry-should-not-exist.csv"); err == nil {
		t.Error("COPY ran")
	}
	// The file database refuses writes even through the raw handle.
	if _, err := file.DB().Exec("CREATE TABLE sample.x (a INT)"); err == nil || !strings.Contains(strings.ToLower(err.Error()), "read-only") {
		t.Errorf("raw write on the read-only file: %v", err)
	}
}

func TestEstimateAndBudget(t *testing.T) {
	e := sampleEngine(t, Settings{})
	cost, err := e.Estimate(context.Background(), &sqlplan.Plan{SQL: "SELECT * FROM sample.http_requests"})
	if err != nil {
		t.Fatal(err)
	}
	if cost.Kind != engine.CostEstimate || cost.Rows < 1000000 || cost.Rows > 1100000 {
		t.Errorf("cost = %+v, want ~1036800 rows, kind estimate", cost)
	}
	if strings.Join(cost.ReferencedTables, ",") != "sample.http_requests" {
		t.Errorf("referenced tables = %q", cost.ReferencedTables)
	}
	// A streaming LIMIT hides its value from EXPLAIN: the estimate is an
	// upper bound, and the plan's row cap bounds it.
	small, err := e.Estimate(context.Background(), &sqlplan.Plan{SQL: "SELECT * FROM sample.http_requests LIMIT 10"})
	if err != nil || small.Kind != engine.CostUpperBound || small.Rows != 1036800 {
		t.Errorf("LIMIT 10 estimate = %+v, %v", small, err)
	}
	capped, err := e.Estimate(context.Background(), &sqlplan.Plan{SQL: "SELECT * FROM sample.http_requests LIMIT 1001", RowCap: 1000, LimitAdded: true})
	if err != nil || capped.Rows != 1000 || capped.Kind != engine.CostUpperBound {
		t.Errorf("row-capped estimate = %+v, %v", capped, err)
	}
	top, err := e.Estimate(context.Background(), &sqlplan.Plan{SQL: "SELECT host, count(*) FROM sample.http_requests GROUP BY host ORDER BY 2 DESC LIMIT 5"})
	if err != nil || top.Rows != 5 {
		t.Errorf("TOP_N estimate = %+v, %v", top, err)
	}
	if _, err := e.Estimate(context.Background(), &sqlplan.Plan{SQL: "DROP TABLE sample.events"}); !errors.Is(err, ErrNotReadOnly) {
		t.Errorf("estimate of DROP: %v", err)
	}

	guarded := sampleEngine(t, Settings{Budget: engine.Budget{MaxRows: 100000}})
	_, _, err = guarded.Query(context.Background(), &sqlplan.Plan{SQL: "SELECT * FROM sample.http_requests"}, engine.QueryOptions{})
	var be *engine.BudgetError
	if !errors.As(err, &be) || be.Cost.Rows < 1000000 {
		t.Fatalf("err = %v, want a BudgetError with the estimate", err)
	}
	if !strings.Contains(err.Error(), "100000 rows") {
		t.Errorf("message = %q", err)
	}
	// Under budget runs.
	query(t, guarded, "SELECT * FROM sample.http_requests WHERE false", 0, engine.QueryOptions{})
}

func TestDataFolderAndCatalog(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Sales 2024.csv"), []byte("day,amount\n2024-01-01,10.5\n2024-01-02,20\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Write a Parquet file with DuckDB itself (a plain handle: the engine's
	// own database refuses to write files).
	w, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	pq := filepath.Join(dir, "metrics.parquet")
	if _, err := w.Exec(fmt.Sprintf("COPY (SELECT range AS id, (range * 1.5)::DOUBLE AS v FROM range(100)) TO %s (FORMAT parquet)", quoteLiteral(pq))); err != nil {
		t.Fatal(err)
	}
	_ = w.Close()

	e := sampleEngine(t, Settings{DataFolder: dir})
	if h := e.Health(context.Background()); !h.OK || !strings.Contains(h.Message, "metrics") || !strings.Contains(h.Message, "sales_2024") {
		t.Fatalf("health = %+v", h)
	}
	tbl := query(t, e, "SELECT sum(v) AS s, count(*) AS n FROM metrics", 0, engine.QueryOptions{})
	if s := tbl.Column(0).(*frames.Builder[float64]).Values()[0]; s != 7425 {
		t.Errorf("sum(v) = %v", s)
	}
	tbl = query(t, e, "SELECT * FROM sales_2024 ORDER BY day", 0, engine.QueryOptions{})
	if tbl.Len() != 2 || tbl.Column(0).Spec().Kind != frames.KindTime {
		t.Errorf("csv view: %s", dumpTable(tbl))
	}
	if _, _, err := e.Query(context.Background(), &sqlplan.Plan{SQL: "DROP VIEW metrics"}, engine.QueryOptions{}); !errors.Is(err, ErrNotReadOnly) {
		t.Errorf("DROP VIEW: %v", err)
	}

	ds, err := e.Datasets(context.Background())
	if err != nil || !strings.Contains(strings.Join(ds, ","), "sample") || !strings.Contains(strings.Join(ds, ","), "temp") {
		t.Errorf("datasets = %q, %v", ds, err)
	}
	tables, err := e.Tables(context.Background(), "sample")
	if err != nil || strings.Join(tables, ",") != "deploys,events,http_requests,logs" {
		t.Errorf("tables = %q, %v", tables, err)
	}
	views, err := e.Tables(context.Background(), "temp")
	if err != nil || strings.Join(views, ",") != "metrics,sales_2024" {
		t.Errorf("temp views = %q, %v", views, err)
	}
	cols, err := e.Columns(context.Background(), "sample", "events")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cols.Columns {
		got = append(got, c.Name+" "+c.Type)
	}
	want := "event_date DATE,event_time TIMESTAMP,event_ms BIGINT,event_s BIGINT,user_id BIGINT,name VARCHAR,country VARCHAR,amount DECIMAL(12,2)"
	if strings.Join(got, ",") != want || cols.Name != "sample.events" || cols.RowCount == 0 {
		t.Errorf("columns = %q (name %s rows %d), want %q", got, cols.Name, cols.RowCount, want)
	}
	if _, err := e.Columns(context.Background(), "sample", "nope"); err == nil {
		t.Error("Columns of a missing table: no error")
	}
}

func TestInMemorySample(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 1M rows")
	}
	e, err := New(context.Background(), Settings{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	h := e.Health(context.Background())
	if !h.OK || !strings.HasPrefix(h.Version, "v") {
		t.Fatalf("health = %+v", h)
	}
	tbl := query(t, e, "SELECT count(*) FROM sample.http_requests", 0, engine.QueryOptions{})
	if n := tbl.Column(0).(*frames.Builder[int64]).Values()[0]; n != 1036800 {
		t.Errorf("in-memory sample has %d rows", n)
	}
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f.duckdb")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		s    Settings
		want []string
	}{
		{Settings{}, nil},
		{Settings{Path: file, DataFolder: dir, MemoryLimit: "2GB", Threads: 2}, nil},
		{Settings{Path: filepath.Join(dir, "missing.duckdb")}, []string{"path: cannot open"}},
		{Settings{Path: dir}, []string{"is a directory"}},
		{Settings{DataFolder: file}, []string{"dataFolder", "is not a folder"}},
		{Settings{MemoryLimit: "lots", Threads: -1, QueryTimeout: -1}, []string{"memoryLimit", "threads", "queryTimeout"}},
	}
	for _, tc := range tests {
		err := tc.s.Validate()
		if tc.want == nil && err != nil {
			t.Errorf("%+v: %v", tc.s, err)
		}
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%+v: err = %v, want %q", tc.s, err, w)
			}
		}
	}
}
