package plugin

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	duck "github.com/duckdb/duckdb-go/v2"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/jackc/pgx/v5"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/sample"
	"github.com/bigtent/quarry/pkg/testenv"
)

// BenchmarkIncrementalScan is the scan-reduction benchmark of incremental
// refresh: a 24-hour panel of 1-minute buckets refreshed 60 times, each
// refresh moving the range by one minute, through a data source with
// `incremental` on and one with it off. It reports the rows the engine
// scanned for each, measured on the server for every SQL the engines ran:
//
//   - PostgreSQL: EXPLAIN (ANALYZE, FORMAT JSON) of each statement, summing
//     the scan nodes' actual rows plus the rows their filter removed, times
//     loops (table with an index on ts, 2 rows/s);
//   - ClickHouse: read_rows of system.query_log for each statement re-run
//     with log_queries=1 (MergeTree ORDER BY ts, 10 rows/s, granules of 8192);
//   - DuckDB: cumulative_rows_scanned of EXPLAIN (ANALYZE, FORMAT JSON)
//     (zone maps skip row groups; 100 rows/s, or
//     QUARRY_INCR_SCAN_DUCKDB_RATE).
//
// The BigQuery emulator's dry run reports no bytes, so BigQuery is not
// measured here. Every refresh's answers are also compared. Not a timing:
//
//	go test -run '^$' -bench BenchmarkIncrementalScan -benchtime 1x ./pkg/plugin/
func BenchmarkIncrementalScan(b *testing.B) {
	for _, fx := range []struct {
		name  string
		setup func(b *testing.B) scanFixture
	}{
		{"duckdb", duckDBScanFixture},
		{"postgres", postgresScanFixture},
		{"clickhouse", clickHouseScanFixture},
	} {
		b.Run(fx.name, func(b *testing.B) {
			sf := fx.setup(b)
			for i := 0; i < b.N; i++ {
				full, incr := runScan(b, sf)
				b.ReportMetric(float64(full), "full-rows-scanned")
				b.ReportMetric(float64(incr), "incr-rows-scanned")
				b.ReportMetric(float64(full)/float64(max(incr, 1)), "x-fewer")
			}
		})
	}
}

// scanFixture is one engine's side of the benchmark.
type scanFixture struct {
	jsonData map[string]any
	table    string
	open     func() engine.Engine
	// meter returns the rows scanned by the statements; it may close and
	// reopen h's engine.
	meter func(h *holder, sqls []string) int64
}

// scanStart is where the fixtures' rows start; they span 26 hours.
var scanStart = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

const scanHours = 26

func runScan(b *testing.B, sf scanFixture) (full, incr int64) {
	h := &holder{Engine: sf.open()}
	defer func() { _ = h.Engine.Close() }()
	newDS := func(on bool) (*Datasource, *recEngine) {
		jd := map[string]any{"cacheTTL": "0s", "incremental": on}
		for k, v := range sf.jsonData {
			jd[k] = v
		}
		raw, _ := json.Marshal(jd)
		cfg, err := ParseConfig(raw, diffSecrets(jd))
		if err != nil {
			b.Fatal(err)
		}
		re := &recEngine{holder: h}
		return NewWithService(NewService(cfg, re, Deps{Logger: log.NewNullLogger()})), re
	}
	inc, incEng := newDS(true)
	fullDS, fullEng := newDS(false)
	defer func() { inc.Dispose(); fullDS.Dispose() }()
	sqlText := "SELECT $__timeGroupAlias(ts, '1m'), count(*) AS n, sum(v) AS s FROM " + sf.table +
		" WHERE $__timeFilter(ts) GROUP BY time ORDER BY time"
	from := scanStart.Add(30*time.Minute + 12345*time.Millisecond)
	incremental := 0
	for i := 0; i < 60; i++ {
		q := diffQuery(sqlText, "time_series", from, from.Add(24*time.Hour))
		want := diffAsk(b, fullDS, q)
		got := diffAsk(b, inc, q)
		if msg := sameFrames(want, got); msg != "" {
			b.Fatalf("refresh %d: %s", i, msg)
		}
		if hasStep(steps(got), "queried ") {
			incremental++
		}
		from = from.Add(time.Minute)
	}
	if incremental != 59 {
		b.Fatalf("%d of 59 refreshes after the first were incremental", incremental)
	}
	return sf.meter(h, fullEng.take()), sf.meter(h, incEng.take())
}

// duckDBScanRate is the DuckDB fixture's rows per second: 100, or
// QUARRY_INCR_SCAN_DUCKDB_RATE. DuckDB reads whole row groups (122,880
// rows): the head and the tail of an incremental refresh read at least one
// each, so the reduction grows with the density (README, Incremental
// refresh, where both are reported).
func duckDBScanRate(b *testing.B) int {
	v := os.Getenv("QUARRY_INCR_SCAN_DUCKDB_RATE")
	if v == "" {
		return 100
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || 1_000_000%n != 0 {
		b.Fatalf("QUARRY_INCR_SCAN_DUCKDB_RATE=%q: want rows per second dividing 1,000,000", v)
	}
	return n
}

func duckDBScanFixture(b *testing.B) scanFixture {
	rate := duckDBScanRate(b)
	b.Logf("DuckDB fixture: %d rows/s", rate)
	path := filepath.Join(b.TempDir(), "scan.duckdb")
	withDB := func(f func(db *sql.DB)) {
		c, err := duck.NewConnector(path, nil)
		if err != nil {
			b.Fatal(err)
		}
		db := sql.OpenDB(c)
		defer func() { _ = db.Close(); _ = c.Close() }()
		f(db)
	}
	withDB(func(db *sql.DB) {
		q := fmt.Sprintf(`CREATE TABLE events AS SELECT TIMESTAMP '%s' + to_microseconds(i * %d) AS ts, i AS id,
  'web-' || (i %% 3) AS host, (i * 7919) %% 1000 AS v FROM range(%d) t(i)`, scanStart.Format("2006-01-02 15:04:05"), 1_000_000/rate, scanHours*3600*rate)
		if _, err := db.Exec(q); err != nil {
			b.Fatal(err)
		}
	})
	jd := map[string]any{"engine": "duckdb", "path": path}
	return scanFixture{jsonData: jd, table: "events",
		open: func() engine.Engine { return openForTB(b, jd) },
		meter: func(h *holder, sqls []string) int64 {
			_ = h.Engine.Close()
			defer func() { h.Engine = openForTB(b, jd) }()
			var n int64
			withDB(func(db *sql.DB) {
				for _, s := range sqls {
					var kind, plan string
					if err := db.QueryRow("EXPLAIN (ANALYZE, FORMAT JSON) "+s).Scan(&kind, &plan); err != nil {
						b.Fatalf("%s: %v", s, err)
					}
					var p struct {
						Scanned int64 `json:"cumulative_rows_scanned"`
					}
					if err := json.Unmarshal([]byte(plan), &p); err != nil {
						b.Fatal(err)
					}
					n += p.Scanned
				}
			})
			return n
		}}
}

func postgresScanFixture(b *testing.B) scanFixture {
	info := testenv.Postgres(b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, info.DSN)
	if err != nil {
		b.Fatal(err)
	}
	schema := "quarry_incr_bench_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	b.Cleanup(func() {
		_, _ = conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
		_ = conn.Close(context.Background())
	})
	for _, q := range []string{"CREATE SCHEMA " + schema,
		"CREATE TABLE " + schema + ".events (ts timestamptz NOT NULL, id bigint, host text, v bigint)",
		fmt.Sprintf("INSERT INTO %s.events SELECT TIMESTAMPTZ '%s' + i * INTERVAL '500 milliseconds', i, 'web-' || (i %% 3), (i * 7919) %% 1000 FROM generate_series(0, %d) i",
			schema, scanStart.Format(time.RFC3339), scanHours*3600*2-1),
		"CREATE INDEX ON " + schema + ".events (ts)",
		"ANALYZE " + schema + ".events"} {
		if _, err := conn.Exec(ctx, q); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	jd := map[string]any{"engine": "postgres", "host": info.Host, "port": info.Port, "database": info.Database,
		"user": info.User, "sslmode": "disable"}
	return scanFixture{jsonData: jd, table: schema + ".events",
		open: func() engine.Engine { return openForTB(b, jd) },
		meter: func(_ *holder, sqls []string) int64 {
			var n int64
			for _, s := range sqls {
				var raw []byte
				if err := conn.QueryRow(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) "+s).Scan(&raw); err != nil {
					b.Fatalf("%s: %v", s, err)
				}
				var plans []struct {
					Plan pgNode `json:"Plan"`
				}
				if err := json.Unmarshal(raw, &plans); err != nil {
					b.Fatal(err)
				}
				for _, p := range plans {
					n += p.Plan.scanned()
				}
			}
			return n
		}}
}

// pgNode is a node of PostgreSQL's EXPLAIN (ANALYZE, FORMAT JSON).
type pgNode struct {
	Type          string   `json:"Node Type"`
	ActualRows    float64  `json:"Actual Rows"`
	Loops         float64  `json:"Actual Loops"`
	RemovedFilter float64  `json:"Rows Removed by Filter"`
	RemovedCheck  float64  `json:"Rows Removed by Index Recheck"`
	Plans         []pgNode `json:"Plans"`
}

// scanned sums the rows the table scans read: what they returned plus what
// their filters removed, per loop (index scans inside a bitmap scan are
// counted by the heap scan).
func (p pgNode) scanned() int64 {
	var n int64
	if strings.HasSuffix(p.Type, "Scan") && p.Type != "Bitmap Index Scan" {
		n += int64((p.ActualRows + p.RemovedFilter + p.RemovedCheck) * max(p.Loops, 1))
	}
	for _, c := range p.Plans {
		n += c.scanned()
	}
	return n
}

func clickHouseScanFixture(b *testing.B) scanFixture {
	info := testenv.ClickHouse(b)
	ctx := context.Background()
	conn, err := sample.OpenClickHouse(ctx, info.Addr)
	if err != nil {
		b.Fatal(err)
	}
	db := "quarry_incr_bench_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	b.Cleanup(func() {
		_ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+db)
		_ = conn.Close()
	})
	for _, q := range []string{"CREATE DATABASE " + db,
		"CREATE TABLE " + db + ".events (ts DateTime('UTC'), id Int64, host String, v Int64) ENGINE = MergeTree ORDER BY ts",
		fmt.Sprintf("INSERT INTO %s.events SELECT toDateTime(%d + intDiv(number, 10), 'UTC'), number, concat('web-', toString(number %% 3)), (number * 7919) %% 1000 FROM numbers(%d)",
			db, scanStart.Unix(), scanHours*3600*10),
		"OPTIMIZE TABLE " + db + ".events FINAL"} {
		if err := conn.Exec(ctx, q); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	host, port, err := net.SplitHostPort(info.Addr)
	if err != nil {
		b.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	jd := map[string]any{"engine": "clickhouse", "host": host, "port": p, "database": db, "user": info.User}
	run := 0
	return scanFixture{jsonData: jd, table: db + ".events",
		open: func() engine.Engine { return openForTB(b, jd) },
		meter: func(_ *holder, sqls []string) int64 {
			run++
			prefix := fmt.Sprintf("%s-%d-", db, run)
			for i, s := range sqls {
				qctx := ch.Context(ctx, ch.WithQueryID(prefix+strconv.Itoa(i)), ch.WithSettings(ch.Settings{"log_queries": 1}))
				rows, err := conn.Query(qctx, s)
				if err != nil {
					b.Fatalf("%s: %v", s, err)
				}
				for rows.Next() {
				}
				_ = rows.Close()
			}
			if err := conn.Exec(ctx, "SYSTEM FLUSH LOGS"); err != nil {
				b.Fatal(err)
			}
			var n uint64
			var count uint64
			if err := conn.QueryRow(ctx, "SELECT sum(read_rows), count() FROM system.query_log WHERE type = 2 AND query_id LIKE '"+prefix+"%'").Scan(&n, &count); err != nil {
				b.Fatal(err)
			}
			if int(count) != len(sqls) {
				b.Fatalf("system.query_log has %d of the %d statements", count, len(sqls))
			}
			return int64(n)
		}}
}

func openForTB(tb testing.TB, jsonData map[string]any) engine.Engine {
	tb.Helper()
	raw, _ := json.Marshal(jsonData)
	cfg, err := ParseConfig(raw, diffSecrets(jsonData))
	if err != nil {
		tb.Fatal(err)
	}
	eng, err := OpenEngine(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return eng
}
