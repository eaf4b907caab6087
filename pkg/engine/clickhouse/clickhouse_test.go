package clickhouse_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/engine/clickhouse"
	"github.com/bigtent/quarry/pkg/frames"
	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/testenv"
)

var update = flag.Bool("update", false, "rewrite golden files")

func settings(info testenv.ClickHouseInfo) clickhouse.Settings {
	host, port, _ := strings.Cut(info.Addr, ":")
	var p int
	fmt.Sscan(port, &p)
	return clickhouse.Settings{Host: host, Port: p, Database: info.Database, User: info.User}
}

func open(t testing.TB) (*clickhouse.Engine, testenv.ClickHouseInfo) {
	t.Helper()
	info := testenv.ClickHouse(t)
	e, err := clickhouse.Open(context.Background(), settings(info), clickhouse.Secrets{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e, info
}

func query(t *testing.T, e *clickhouse.Engine, sql string, rowCap int64, opts engine.QueryOptions) *frames.Table {
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
		t.Fatalf("%v (go test ./pkg/engine/clickhouse -update creates it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from %s\n--- got\n%s", name, path, got)
	}
}

// typesSQL covers every type ClickHouse 18.16.1 has; the row after UNION
// ALL is NULL (or the type's default where it cannot be Nullable).
const typesSQL = `SELECT * FROM (
SELECT 1 AS k, toInt8(-8) AS int8, toInt16(-16) AS int16, toInt32(-32) AS int32, toInt64(-64) AS int64,
  toUInt8(8) AS uint8, toUInt16(16) AS uint16, toUInt32(32) AS uint32, toUInt64(18446744073709551615) AS uint64,
  toFloat32(1.5) AS float32, toFloat64(2.25) AS float64,
  toDecimal32(1.5, 2) AS decimal32, toDecimal64(-12.345, 3) AS decimal64, CAST('12345678901234567890.12' AS Decimal(38, 2)) AS decimal128,
  CAST(toDecimal64(12.3, 2) AS Decimal(12, 2)) AS decimal_12_2,
  'text' AS string, toFixedString('ab', 4) AS fixed_string, toDate('2024-01-02') AS date,
  toDateTime('2024-01-02 03:04:05', 'UTC') AS datetime_utc, toDateTime('2024-01-02 03:04:05', 'Asia/Tokyo') AS datetime_tokyo,
  toUUID('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11') AS uuid, CAST('b' AS Enum8('a' = 1, 'b' = 2)) AS enum8,
  CAST('y' AS Enum16('x' = 1000, 'y' = 2000)) AS enum16, toLowCardinality('lc') AS low_cardinality,
  toNullable(toInt32(7)) AS nullable_int32, toNullable('s') AS nullable_string, toNullable(toDateTime('2024-01-02 00:00:00', 'UTC')) AS nullable_datetime,
  toNullable(toDecimal32(2.5, 1)) AS nullable_decimal, [1, 2, 3] AS array_uint8, ['a', 'b'] AS array_string, [toNullable(1), NULL] AS array_nullable,
  [[1], [2, 3]] AS array_array, (1, 'a', 2.5) AS tuple, IPv4NumToString(toUInt32(167837953)) AS ipv4_text
UNION ALL
SELECT 2, toInt8(0), toInt16(0), toInt32(0), toInt64(0), toUInt8(0), toUInt16(0), toUInt32(0), toUInt64(0), toFloat32(0), toFloat64(0),
  toDecimal32(0, 2), toDecimal64(0, 3), CAST('0' AS Decimal(38, 2)), CAST(toDecimal64(0, 2) AS Decimal(12, 2)), '', toFixedString('', 4), toDate('1970-01-01'),
  toDateTime(0, 'UTC'), toDateTime(0, 'Asia/Tokyo'), toUUID('00000000-0000-0000-0000-000000000000'), CAST('a' AS Enum8('a' = 1, 'b' = 2)),
  CAST('x' AS Enum16('x' = 1000, 'y' = 2000)), toLowCardinality(''), CAST(NULL AS Nullable(Int32)), CAST(NULL AS Nullable(String)),
  CAST(NULL AS Nullable(DateTime('UTC'))), CAST(NULL AS Nullable(Decimal32(1))), emptyArrayUInt8(), emptyArrayString(), [CAST(NULL AS Nullable(UInt8))],
  [emptyArrayUInt8()], (0, '', 0.), ''
) ORDER BY k`

func TestTypeMapping(t *testing.T) {
	e, _ := open(t)
	for _, asFloat := range []bool{false, true} {
		tb := query(t, e, typesSQL, 0, engine.QueryOptions{NumericAsFloat: asFloat})
		specs := tb.Specs()
		fs, err := frames.Shape(tb, frames.ShapeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i, f := range fs[0].Fields {
			v0, _ := f.ConcreteAt(0)
			v1, ok1 := f.ConcreteAt(1)
			second := fmtValue(v1)
			if !ok1 || f.NilAt(1) {
				second = "NULL"
			}
			fmt.Fprintf(&b, "%s %s %s -> %s %s | %s\n", specs[i].Name, specs[i].DBType, specs[i].Kind, f.Type().ItemTypeString(), fmtValue(v0), second)
		}
		name := "types"
		if asFloat {
			name = "types_numeric_as_float"
		}
		golden(t, name, b.String())
	}
}

func fmtValue(v any) string {
	switch x := v.(type) {
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case []byte:
		return string(x)
	case fmt.Stringer:
		return x.String()
	}
	if r, ok := v.(interface{ MarshalJSON() ([]byte, error) }); ok {
		out, _ := r.MarshalJSON()
		return string(out)
	}
	return fmt.Sprint(v)
}

func TestSampleShapes(t *testing.T) {
	e, _ := open(t)
	day := sqlplan.TimeRange{From: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 1, 1, 3, 0, 0, 0, time.UTC)}
	perHost := `SELECT toStartOfHour(ts) AS time, host, sum(requests) AS requests FROM sample.http_requests
WHERE ts >= toDateTime('2024-01-01 00:00:00', 'UTC') AND ts < toDateTime('2024-01-01 03:00:00', 'UTC') AND service = 'api'
GROUP BY time, host ORDER BY host, time`
	tests := []struct {
		name string
		sql  string
		opts frames.ShapeOptions
	}{
		{"wide", perHost, frames.ShapeOptions{Format: sqlplan.FormatTimeSeries}},
		{"wide_fill_value_30m", perHost, frames.ShapeOptions{Format: sqlplan.FormatTimeSeries, TimeRange: day,
			Fill: &sqlplan.Fill{Mode: sqlplan.FillValue, Value: 0, Interval: 30 * time.Minute}}},
		{"long", perHost, frames.ShapeOptions{Format: sqlplan.FormatTimeSeriesLong}},
		{"multi", perHost, frames.ShapeOptions{Format: sqlplan.FormatTimeSeriesMulti}},
		{"epoch_seconds", `SELECT event_s AS time, count() AS n FROM sample.events GROUP BY time ORDER BY time LIMIT 3`,
			frames.ShapeOptions{Format: sqlplan.FormatTimeSeries}},
		{"table_decimal", `SELECT event_date, event_time, name, country, amount FROM sample.events WHERE amount > 0 ORDER BY event_time, user_id LIMIT 3`,
			frames.ShapeOptions{Format: sqlplan.FormatTable}},
		{"logs", `SELECT ts, level, message, labels, service, host FROM sample.logs ORDER BY ts DESC, message LIMIT 3`,
			frames.ShapeOptions{Format: sqlplan.FormatLogs}},
		{"annotations", `SELECT ts AS time, end_ts AS timeEnd, title, text, tags FROM sample.deploys ORDER BY ts LIMIT 3`,
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

// running counts the server's processes whose query text holds marker
// (ClickHouse 18 strips comments there, so markers are string literals).
func running(t *testing.T, e *clickhouse.Engine, marker string) uint64 {
	t.Helper()
	var n uint64
	q := "SELECT count() FROM system.processes WHERE position(query, '" + marker + "') > 0 AND position(query, 'system.processes') = 0"
	if err := e.Conn().QueryRow(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func waitGone(t *testing.T, e *clickhouse.Engine, marker string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for running(t, e, marker) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("system.processes still lists the query %q 5s after it was stopped", marker)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// endless is a query that reads numbers for minutes unless stopped
// (system.numbers: the backstop's readonly=1 refuses table functions on
// 18.16).
func endless(marker string) string {
	return "SELECT count() FROM (SELECT number FROM system.numbers LIMIT 100000000000) WHERE NOT ignore(sipHash64(number), '" + marker + "')"
}

func TestCancelReachesServer(t *testing.T) {
	e, _ := open(t)
	marker := fmt.Sprintf("quarry_cancel_%d", time.Now().UnixNano())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, _, err := e.Query(ctx, &sqlplan.Plan{SQL: endless(marker), Statement: "select"}, engine.QueryOptions{})
		done <- err
	}()
	deadline := time.Now().Add(5 * time.Second)
	for running(t, e, marker) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the query never showed up in system.processes")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	err := <-done
	var ce *engine.CanceledError
	if !errors.As(err, &ce) {
		t.Fatalf("want CanceledError, got %T %v", err, err)
	}
	waitGone(t, e, marker)
}

func TestTimeout(t *testing.T) {
	e, _ := open(t)
	marker := fmt.Sprintf("quarry_timeout_%d", time.Now().UnixNano())
	_, _, err := e.Query(context.Background(), &sqlplan.Plan{SQL: endless(marker), Statement: "select"}, engine.QueryOptions{Timeout: 700 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "query exceeded the 700ms timeout set in the data source settings") {
		t.Fatalf("got %v", err)
	}
	waitGone(t, e, marker)
}

func TestRowCap(t *testing.T) {
	e, _ := open(t)
	marker := fmt.Sprintf("quarry_cap_%d", time.Now().UnixNano())
	tb := query(t, e, "SELECT number, toString(number) AS s, '"+marker+"' AS marker FROM system.numbers", 1000, engine.QueryOptions{})
	if tb.Len() != 1000 || !tb.Truncated() {
		t.Fatalf("rows %d truncated %v", tb.Len(), tb.Truncated())
	}
	if n := tb.Notices(); len(n) != 1 || n[0].Text != "results truncated at 1000 rows; raise Max rows or narrow the query" {
		t.Fatalf("notices %+v", n)
	}
	waitGone(t, e, marker)
	tb = query(t, e, "SELECT number FROM (SELECT number FROM system.numbers LIMIT 10) LIMIT 11", 10, engine.QueryOptions{})
	if tb.Len() != 10 || tb.Truncated() {
		t.Fatalf("exactly the cap is not truncated: %d %v", tb.Len(), tb.Truncated())
	}
}

func TestEstimateAndGuardrail(t *testing.T) {
	e, info := open(t)
	cost, err := e.Estimate(context.Background(), &sqlplan.Plan{SQL: "WITH x AS (SELECT 1) SELECT * FROM http_requests h JOIN sample.deploys d ON h.service = d.service", Statement: "select"})
	if err != nil {
		t.Fatal(err)
	}
	wantKind := engine.CostUpperBound
	if !strings.HasPrefix(info.Version, "18.") {
		wantKind = engine.CostEstimate
	}
	if cost.Kind != wantKind || cost.Rows != 1036800+77 || cost.Bytes <= 0 {
		t.Fatalf("cost %+v", cost)
	}
	if strings.Join(cost.ReferencedTables, ",") != "sample.deploys,sample.http_requests" {
		t.Fatalf("tables %v", cost.ReferencedTables)
	}
	err = engine.Budget{MaxBytes: 1 << 20}.Check(cost)
	var be *engine.BudgetError
	if !errors.As(err, &be) || !strings.Contains(err.Error(), "at most (upper bound)") || !strings.Contains(err.Error(), "exceeds the budget of 1.0 MiB") {
		t.Fatalf("want a refusal, got %v", err)
	}
	if err := (engine.Budget{MaxBytes: 1 << 40}).Check(cost); err != nil {
		t.Fatalf("within budget: %v", err)
	}
}

func TestServerError(t *testing.T) {
	e, _ := open(t)
	_, _, err := e.Query(context.Background(), &sqlplan.Plan{SQL: "SELECT name,\n  nosuch FROM sample.events", Statement: "select"}, engine.QueryOptions{})
	var se *engine.ServerError
	if !errors.As(err, &se) || se.Code != "47" || !strings.Contains(err.Error(), "nosuch") || !engine.IsDownstream(err) || !engine.IsQueryFault(err) {
		t.Fatalf("got %T %v", err, err)
	}
	_, _, err = e.Query(context.Background(), &sqlplan.Plan{SQL: "SELECT 1,\n FROM FROM", Statement: "select"}, engine.QueryOptions{})
	if !errors.As(err, &se) || se.Code != "62" || se.Line != 2 || !engine.IsQueryFault(err) {
		t.Fatalf("syntax error position: %v", err)
	}
}

func TestReadOnly(t *testing.T) {
	e, _ := open(t)
	_, _, err := e.Query(context.Background(), &sqlplan.Plan{SQL: "CREATE TABLE sample.quarry_should_not_exist (a UInt8) ENGINE = Memory", Statement: "select"}, engine.QueryOptions{})
	var se *engine.ServerError
	if !errors.As(err, &se) || se.Code != "164" || engine.IsQueryFault(err) {
		t.Fatalf("want READONLY (164), got %v", err)
	}
}

func TestHealth(t *testing.T) {
	e, info := open(t)
	h := e.Health(context.Background())
	if !h.OK || h.Version != info.Version || !containsStr(h.Capabilities, "KILL QUERY") {
		t.Fatalf("health %+v", h)
	}
	tests := []struct {
		name  string
		edit  func(*clickhouse.Settings)
		pw    string
		step  string
		words string
	}{
		{"dns", func(s *clickhouse.Settings) { s.Host = "no-such-host.invalid" }, "", "dns", "cannot resolve host"},
		{"tcp", func(s *clickhouse.Settings) { s.Port = 1 }, "", "tcp", "cannot connect"},
		{"database", func(s *clickhouse.Settings) { s.Database = "no_such_db" }, "", "database", `database "no_such_db" does not exist`},
		{"unknown user", func(s *clickhouse.Settings) { s.User = "no_such_user" }, "s3cret-pw", "auth", "no_such_user"},
		{"wrong password", func(*clickhouse.Settings) {}, "s3cret-pw", "auth", "password"},
		// The native port of the test server speaks no TLS.
		{"tls", func(s *clickhouse.Settings) { s.Secure = true; s.TLSSkipVerify = true }, "", "tls", "TLS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := settings(info)
			tt.edit(&s)
			bad, err := clickhouse.Open(context.Background(), s, clickhouse.Secrets{Password: tt.pw})
			if err != nil {
				t.Fatal(err)
			}
			defer bad.Close()
			h := bad.Health(context.Background())
			if h.OK || h.Step != tt.step || !strings.Contains(h.Message, tt.words) || h.Hint == "" {
				t.Fatalf("health %+v", h)
			}
			if strings.Contains(h.Message+h.Hint, "s3cret-pw") {
				t.Fatal("the password leaked")
			}
		})
	}
}

func TestCatalog(t *testing.T) {
	e, _ := open(t)
	ctx := context.Background()
	ds, err := e.Datasets(ctx)
	if err != nil || !containsStr(ds, "sample") || containsStr(ds, "system") {
		t.Fatalf("datasets %v %v", ds, err)
	}
	tables, err := e.Tables(ctx, "sample")
	if err != nil || strings.Join(tables, ",") != "deploys,events,http_requests,logs" {
		t.Fatalf("tables %v %v", tables, err)
	}
	tbl, err := e.Columns(ctx, "sample", "http_requests")
	if err != nil {
		t.Fatal(err)
	}
	if tbl.Partitioning == nil || tbl.Partitioning.Column != "ts" || tbl.Partitioning.Granularity != "DAY" || tbl.RowCount != 1036800 || len(tbl.Columns) != 10 {
		t.Fatalf("table %+v %+v", tbl, tbl.Partitioning)
	}
	if tbl.Columns[0].Name != "ts" || tbl.Columns[0].Type != "DateTime('UTC')" {
		t.Fatalf("columns %+v", tbl.Columns)
	}
	// PARTITION BY toYYYYMMDD(ts) ORDER BY (service, host, ts): the pickers mark these.
	keys := map[string][2]bool{}
	for _, c := range tbl.Columns {
		keys[c.Name] = [2]bool{c.PartitionKey, c.SortKey}
	}
	if keys["ts"] != [2]bool{true, true} || keys["service"] != [2]bool{false, true} || keys["host"] != [2]bool{false, true} || keys["status"] != [2]bool{} {
		t.Errorf("partition/sort keys %v", keys)
	}
	if _, err := e.Columns(ctx, "sample", "nope"); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("got %v", err)
	}
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestCompression: every compression setting reads the same rows from the
// server (several blocks of text and numbers), and the wrong one is
// refused before connecting.
func TestCompression(t *testing.T) {
	info := testenv.ClickHouse(t)
	const sql = "SELECT number AS n, toString(number * 7) AS s, number / 3 AS f FROM system.numbers LIMIT 200000"
	var want string
	for _, c := range []string{"lz4", "zstd", "none", ""} {
		t.Run("compression="+c, func(t *testing.T) {
			s := settings(info)
			s.Compression = c
			e, err := clickhouse.Open(context.Background(), s, clickhouse.Secrets{})
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			tb := query(t, e, sql, 0, engine.QueryOptions{})
			if tb.Len() != 200000 {
				t.Fatalf("%d rows, want 200000", tb.Len())
			}
			fs, err := frames.Shape(tb, frames.ShapeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var sum strings.Builder
			for _, row := range []int{0, 1, 65535, 65536, 131072, 199999} {
				for _, f := range fs[0].Fields {
					fmt.Fprintf(&sum, "%v|", f.CopyAt(row))
				}
			}
			if want == "" {
				want = sum.String()
			} else if sum.String() != want {
				t.Fatalf("rows differ from lz4's:\n%s\nwant\n%s", sum.String(), want)
			}
		})
	}
	s := settings(info)
	s.Compression = "gzip"
	if _, err := clickhouse.Open(context.Background(), s, clickhouse.Secrets{}); err == nil || !strings.Contains(err.Error(), "use lz4, zstd or none") {
		t.Fatalf("compression gzip: %v", err)
	}
}
