//go:build cgo && duckdb_arrow

package duckdb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/frames"
	"github.com/bigtent/quarry/pkg/frames/framestest"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

// queryPath runs sql through one reader (readRowsPath, readArrowPath).
func queryPath(t testing.TB, e *Engine, read reader, sql string, rowCap int64, opts engine.QueryOptions) *frames.Table {
	t.Helper()
	tbl, _, err := e.query(context.Background(), &sqlplan.Plan{SQL: sql, Statement: "select", RowCap: rowCap}, opts, read)
	if err != nil {
		t.Fatalf("query(%s): %v", sql, err)
	}
	return tbl
}

// dumpAll is dumpTable with what the caps leave: the notices and whether
// the byte cap cut the table.
func dumpAll(t *frames.Table) string {
	var b strings.Builder
	b.WriteString(dumpTable(t))
	for _, n := range t.Notices() {
		fmt.Fprintf(&b, "notice %s\n", n.Text)
	}
	fmt.Fprintf(&b, "rows %d total %d byte-capped %v value-bytes %d\n", t.Len(), t.Total(), t.ByteCapped(), t.ValueBytes())
	return b.String()
}

// sameTables runs sql through the rows path and the Arrow path and fails
// when their tables differ in any column kind, value, NULL, cap or notice.
func sameTables(t *testing.T, e *Engine, sql string, rowCap int64, opts engine.QueryOptions) *frames.Table {
	t.Helper()
	rows := queryPath(t, e, e.readRowsPath, sql, rowCap, opts)
	want := dumpAll(rows)
	arrow := queryPath(t, e, e.readArrowPath, sql, rowCap, opts)
	if got := dumpAll(arrow); got != want {
		t.Fatalf("%s: the Arrow path's table differs from the rows path's\n%s", sql, firstDiff(got, want))
	}
	return arrow
}

func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n  arrow: %s\n  rows:  %s", i+1, gl, wl)
		}
	}
	return "(equal)"
}

// arrowScalars is every type the Arrow reader takes, one expression each:
// allTypesSQL without the types that keep the rows path, plus edge values.
var arrowScalars = []struct{ name, expr string }{
	{"tinyint", "-8::TINYINT"},
	{"smallint", "-16::SMALLINT"},
	{"integer", "-32::INTEGER"},
	{"bigint", "-9007199254740993::BIGINT"},
	{"utinyint", "255::UTINYINT"},
	{"usmallint", "65535::USMALLINT"},
	{"uinteger", "4294967295::UINTEGER"},
	{"ubigint", "18446744073709551615::UBIGINT"},
	{"float", "1.5::FLOAT"},
	{"float nan", "'nan'::FLOAT"},
	{"double", "2.25::DOUBLE"},
	{"double inf", "'-inf'::DOUBLE"},
	{"hugeint max", "170141183460469231731687303715884105727::HUGEINT"},
	{"hugeint min", "(-170141183460469231731687303715884105727)::HUGEINT - 1"},
	{"hugeint small", "(-42)::HUGEINT"},
	{"decimal 38", "12345678901234567890.1234567890::DECIMAL(38,10)"},
	{"decimal 38 negative", "-12345678901234567890.1234567890::DECIMAL(38,10)"},
	{"decimal 12", "-12.30::DECIMAL(12,2)"},
	{"decimal small negative", "-0.05::DECIMAL(4,2)"},
	{"decimal 4", "0.5::DECIMAL(4,1)"},
	{"decimal 18", "123456789012345678::DECIMAL(18,0)"},
	{"boolean", "true"},
	{"boolean false", "false"},
	{"varchar", `'héllo "q"'`},
	{"varchar empty", "''"},
	{"blob", `'\x00\x01\xFF'::BLOB`},
	{"blob 16 bytes", `'\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0A\x0B\x0C\x0D\x0E\x0F'::BLOB`},
	{"blob empty", "''::BLOB"},
	{"date", "DATE '2024-01-31'"},
	{"date before 1970", "DATE '1900-02-28'"},
	{"time", "TIME '12:34:56.5'"},
	{"time midnight", "TIME '00:00:00'"},
	{"time 24h", "TIME '24:00:00'"},
	{"timestamp", "TIMESTAMP '2024-01-02 03:04:05.123456'"},
	{"timestamp before 1970", "TIMESTAMP '1969-12-31 23:59:59.999999'"},
	{"timestamp past 2262", "TIMESTAMP '2300-01-01 00:00:00'"},
	{"timestamptz", "TIMESTAMPTZ '2024-01-02 03:04:05.123456+00'"},
	{"timestamptz offset", "TIMESTAMPTZ '2024-01-02 03:04:05+05:30'"},
	{"timestamp_s", "'2024-01-02 03:04:05'::TIMESTAMP_S"},
	{"timestamp_ms", "'2024-01-02 03:04:05.123'::TIMESTAMP_MS"},
	{"timestamp_ns", "'2024-01-02 03:04:05.123456789'::TIMESTAMP_NS"},
	{"interval", "INTERVAL '1 year 2 months 3 days 04:05:06.789'"},
	{"interval negative", "-INTERVAL '3 days 00:00:01.5'"},
	{"interval zero", "INTERVAL '0 seconds'"},
	{"uuid", "'00112233-4455-6677-8899-aabbccddeeff'::UUID"},
	{"enum", "'b'::ENUM('a', 'b')"},
	{"json object", `'{"s": "v", "k": [1, 2.5, "x", null, true], "n": {"z": 1, "a": 2}}'::JSON`},
	{"json number", "'12345678901'::JSON"},
	{"json string", `'"text"'::JSON`},
	{"json null", "'null'::JSON"},
	// Nested types: the rows path's JSON.
	{"list", "[1, 2, NULL]"},
	{"list empty", "[]::INTEGER[]"},
	{"array", "['a', 'b']::VARCHAR[2]"},
	{"struct", "{'a': 1, 'b': 'x', 'when': TIMESTAMP '2024-01-01 00:00:00', 'amount': 1.25::DECIMAL(5,2)}"},
	{"struct field order", `{'z': 1, 'a': 2, 'weird "name", x': 3}`},
	{"struct with null fields", "{'a': NULL::INTEGER, 'b': [NULL::VARCHAR]}"},
	{"map", "MAP {'k1': 10, 'k2': 20}"},
	{"map int keys", "MAP {2: 'b', 1: 'a'}"},
	{"map decimal keys", "MAP {1.5::DECIMAL(3,1): TIMESTAMP '2024-01-01'}"},
	{"map date keys", "MAP {DATE '2024-01-01': NULL::DOUBLE}"},
	{"map of structs", "MAP {'k': {'q': 1, 'p': 2}}"},
	{"list of structs of lists", "[{'x': [1.5::DECIMAL(2,1)]}]"},
	{"every scalar in a struct", `{'i8': -8::TINYINT, 'u64': 18446744073709551615::UBIGINT, 'f32': 1.1::FLOAT, 'f64': 'nan'::DOUBLE,
		'h': 170141183460469231731687303715884105727::HUGEINT, 'b': true, 's': 'q"\ é', 'blob': '\x00\xFF'::BLOB,
		'blob16': '\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0A\x0B\x0C\x0D\x0E\x0F'::BLOB,
		'd': DATE '2024-01-31', 't': TIME '12:34:56.5', 'ts_s': '2024-01-02 03:04:05'::TIMESTAMP_S,
		'ts_ms': '2024-01-02 03:04:05.123'::TIMESTAMP_MS, 'ts_ns': '2024-01-02 03:04:05.123456789'::TIMESTAMP_NS,
		'tstz': TIMESTAMPTZ '2024-01-02 03:04:05+02', 'iv': INTERVAL '1 day', 'id': '00112233-4455-6677-8899-aabbccddeeff'::UUID,
		'en': 'b'::ENUM('a', 'b')}`},
	{"list of lists", "[[1, 2], NULL, []]"},
	{"array of maps", "[MAP {'a': 1}, MAP {}]::MAP(VARCHAR, INTEGER)[2]"},
}

// TestArrowPathMatchesRowsPath: for every type the Arrow reader takes, a
// value, a NULL, and 5,000 rows (three batches) with NULLs at every fifth
// row and without, the Arrow path builds the table the rows path builds.
func TestArrowPathMatchesRowsPath(t *testing.T) {
	e := sampleEngine(t, Settings{})
	for _, tc := range arrowScalars {
		t.Run(tc.name, func(t *testing.T) {
			sameTables(t, e, fmt.Sprintf("SELECT %s AS v UNION ALL SELECT NULL", tc.expr), 0, engine.QueryOptions{})
			sameTables(t, e, fmt.Sprintf(`SELECT v FROM (SELECT range AS i, %s AS v FROM range(5000) WHERE range %% 5 <> 0
				UNION ALL SELECT range, NULL FROM range(5000) WHERE range %% 5 = 0) ORDER BY i`, tc.expr), 0, engine.QueryOptions{})
			sameTables(t, e, fmt.Sprintf("SELECT %s AS v FROM range(5000)", tc.expr), 0, engine.QueryOptions{})
			sameTables(t, e, fmt.Sprintf("SELECT %s AS v UNION ALL SELECT NULL", tc.expr), 0, engine.QueryOptions{NumericAsFloat: true})
		})
	}
}

// TestArrowPathVaryingValues: values that differ row by row, across
// batches, with NULLs: text of every length, numbers, times.
func TestArrowPathVaryingValues(t *testing.T) {
	e := sampleEngine(t, Settings{})
	for _, sql := range []string{
		`SELECT range AS i, range::INTEGER AS i32, range * 1.5 AS f, repeat('x', (range % 37)::INTEGER) || range AS s,
		        CASE WHEN range % 3 = 0 THEN NULL ELSE md5(range::VARCHAR) END AS s_null,
		        TIMESTAMP '2024-01-01' + range * INTERVAL 1 SECOND AS ts,
		        CASE WHEN range % 7 = 0 THEN NULL ELSE DATE '2024-01-01' + range::INTEGER END AS d,
		        (range % 1000)::DECIMAL(9,3) / 7 AS dec, range % 2 = 0 AS b
		 FROM range(10000)`,
		"SELECT * FROM sample.http_requests ORDER BY ts, host, service LIMIT 5000",
		"SELECT * FROM sample.events ORDER BY event_time, user_id LIMIT 5000",
		"SELECT * FROM sample.logs ORDER BY ts, host LIMIT 5000",
		"SELECT * FROM sample.deploys ORDER BY ts",
		"SELECT 1 AS a, 2 AS a, 'x' AS \"weird \"\"name\"\"\"",
		"SELECT range AS n FROM range(0)",
		"SELECT host, count(*) AS n, max(latency_ms) AS max FROM sample.http_requests GROUP BY host ORDER BY host",
	} {
		sameTables(t, e, sql, 0, engine.QueryOptions{})
		sameTables(t, e, sql, 0, engine.QueryOptions{NumericAsFloat: true})
	}
}

// TestArrowPathFallsBack: a result with a type the Arrow reader does not
// take (it would lose bits, or the driver's text is wanted) reads rows;
// Query's table is then the rows path's, and the Arrow path alone refuses.
func TestArrowPathFallsBack(t *testing.T) {
	e := sampleEngine(t, Settings{})
	for _, expr := range []string{
		"340282366920938463463374607431768211455::UHUGEINT",
		"'12:34:56+02'::TIMETZ",
		"'101'::BIT",
		"1::BIGNUM",
		"union_value(k := 1)",
		"[340282366920938463463374607431768211455::UHUGEINT]",
		"{'t': '12:34:56+02'::TIMETZ}",
		"['{\"a\": 1}'::JSON]",
		"MAP {'\x01'::BLOB: 1}",
	} {
		sql := "SELECT 1 AS i, " + expr + " AS v"
		_, _, err := e.query(context.Background(), &sqlplan.Plan{SQL: sql}, engine.QueryOptions{}, e.readArrowPath)
		if !errors.Is(err, errNotArrow) {
			t.Errorf("%s: Arrow path err = %v, want errNotArrow", expr, err)
		}
		got, _, err := e.Query(context.Background(), &sqlplan.Plan{SQL: sql}, engine.QueryOptions{})
		want, _, wantErr := e.query(context.Background(), &sqlplan.Plan{SQL: sql}, engine.QueryOptions{}, e.readRowsPath)
		switch {
		case wantErr != nil: // the rows path cannot read it either (a BLOB map key)
			if err == nil || err.Error() != wantErr.Error() {
				t.Errorf("%s: Query's error %v, the rows path's %v", expr, err, wantErr)
			}
		case err != nil:
			t.Errorf("%s: %v", expr, err)
		case dumpAll(got) != dumpAll(want):
			t.Errorf("%s: Query's table differs from the rows path's\n%s", expr, firstDiff(dumpAll(got), dumpAll(want)))
		}
	}
	// The whole type golden goes through Query (and so the fallback) in
	// TestTypeMapping; its scalar columns through the Arrow path here.
	golden := dumpTable(query(t, e, allTypesSQL, 0, engine.QueryOptions{}))
	if !strings.Contains(golden, `uhuge = string "340282366920938463463374607431768211455"`) {
		t.Errorf("UHUGEINT lost bits:\n%s", golden)
	}
}

// TestArrowPathCaps: the row cap cuts mid-batch and at batch ends, and the
// byte cap cuts inside the first batch, at the same rows with the same
// notices as the rows path.
func TestArrowPathCaps(t *testing.T) {
	e := sampleEngine(t, Settings{})
	const sql = "SELECT ts, host, latency_ms FROM sample.http_requests"
	for _, rowCap := range []int64{1, 2047, 2048, 2049, 4096, 5000} {
		tbl := sameTables(t, e, sql, rowCap, engine.QueryOptions{})
		if tbl.Len() != int(rowCap) || !tbl.Truncated() {
			t.Errorf("cap %d: rows %d truncated %v", rowCap, tbl.Len(), tbl.Truncated())
		}
	}
	for _, n := range []int64{10, 2048, 4096} { // exactly the cap: not truncated
		tbl := sameTables(t, e, fmt.Sprintf("SELECT * FROM range(%d)", n), n, engine.QueryOptions{})
		if tbl.Len() != int(n) || tbl.Truncated() {
			t.Errorf("%d rows under a cap of %d: rows %d truncated %v", n, n, tbl.Len(), tbl.Truncated())
		}
	}
	wide := "SELECT range AS n, '" + framestest.Wide + "' || range AS s FROM range(1000000)"
	framestest.CheckByteCap(t, sameTables(t, e, wide, 0, engine.QueryOptions{MaxBytes: 100 << 10}), 100<<10, commitEvery)
	sameTables(t, e, wide, 3000, engine.QueryOptions{MaxBytes: 1 << 20})

	// Chunked: the same chunks, the last one left in the table.
	var arrowChunks, rowsChunks []string
	chunk := func(into *[]string) engine.QueryOptions {
		return engine.QueryOptions{Chunk: frames.Chunking{Rows: 3000, Flush: func(t *frames.Table) error {
			*into = append(*into, dumpAll(t))
			return nil
		}}}
	}
	last := dumpAll(queryPath(t, e, e.readArrowPath, "SELECT * FROM range(10000)", 9000, chunk(&arrowChunks)))
	if want := dumpAll(queryPath(t, e, e.readRowsPath, "SELECT * FROM range(10000)", 9000, chunk(&rowsChunks))); last != want {
		t.Errorf("last chunk differs\n%s", firstDiff(last, want))
	}
	if strings.Join(arrowChunks, "\n") != strings.Join(rowsChunks, "\n") || len(arrowChunks) != 2 {
		t.Errorf("%d chunks by Arrow, %d by rows, or they differ", len(arrowChunks), len(rowsChunks))
	}
}

// TestArrowPathCancellation: cancelling while DuckDB runs interrupts it
// (a CanceledError), and so does cancelling between batches; the
// connection works afterwards. Errors DuckDB raises while running keep
// their message.
func TestArrowPathCancellation(t *testing.T) {
	e := sampleEngine(t, Settings{})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	_, _, err := e.query(ctx, &sqlplan.Plan{SQL: slowSQL}, engine.QueryOptions{}, e.readArrowPath)
	var ce *engine.CanceledError
	if !errors.As(err, &ce) {
		t.Fatalf("running: err = %v, want a CanceledError", err)
	}

	// Between batches: the first chunk's flush cancels.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	opts := engine.QueryOptions{Chunk: frames.Chunking{Rows: 2048, Flush: func(*frames.Table) error { cancel(); return nil }}}
	_, _, err = e.query(ctx, &sqlplan.Plan{SQL: "SELECT * FROM range(100000)"}, opts, e.readArrowPath)
	if !errors.As(err, &ce) {
		t.Fatalf("reading: err = %v, want a CanceledError", err)
	}

	_, _, err = e.query(context.Background(), &sqlplan.Plan{SQL: "SELECT 1 / 0 AS x, (range::VARCHAR || 'x')::INTEGER AS y FROM range(10)"}, engine.QueryOptions{}, e.readArrowPath)
	if err == nil || !strings.Contains(err.Error(), "Conversion Error") || !engine.IsQueryFault(err) {
		t.Errorf("a conversion error while running: %v", err)
	}
	for range 3 {
		sameTables(t, e, "SELECT 1 AS one", 0, engine.QueryOptions{})
	}
}

// TestArrowPathKeepsTheGuard: the statement is prepared and checked before
// DuckDB's Arrow interface (which would run every statement of a
// multi-statement text) sees it.
func TestArrowPathKeepsTheGuard(t *testing.T) {
	mem, err := New(context.Background(), Settings{SkipSample: true})
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	if _, err := mem.DB().Exec("CREATE TABLE t AS SELECT 1 AS a"); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		"DROP TABLE t; SELECT 1",
		"SELECT 1; DROP TABLE t",
		"CREATE TABLE x AS SELECT 1; SELECT 1",
		"INSERT INTO t VALUES (2)",
	} {
		_, _, err := mem.query(context.Background(), &sqlplan.Plan{SQL: sql}, engine.QueryOptions{}, mem.readArrowPath)
		if !errors.Is(err, ErrNotReadOnly) {
			t.Errorf("%s: err = %v, want ErrNotReadOnly", sql, err)
		}
	}
	tbl := queryPath(t, mem, mem.readArrowPath, "SELECT count(*) AS n, min(a) AS a FROM t", 0, engine.QueryOptions{})
	if got := dumpTable(tbl); !strings.Contains(got, "n = int64 1") || !strings.Contains(got, "a = int32 1") {
		t.Errorf("table t changed:\n%s", got)
	}
}
