package postgres_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/data/sqlutil"
	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx" (the sqlds baseline)

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/frames"
	"github.com/bigtent/quarry/pkg/frames/arrowipc"
	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/testenv"
)

const benchRows = 1_000_000

// benchTable makes (once) 1,000,000 rows of (timestamptz, text, float8, int8)
// from generate_series, so every variant reads the same stored rows.
func benchTable(b *testing.B, info testenv.PostgresInfo) {
	b.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, info.DSN)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close(ctx)
	var n int64
	if c.QueryRow(ctx, "SELECT count(*) FROM quarry_bench.rows_1m").Scan(&n) == nil && n == benchRows {
		return
	}
	for _, q := range []string{
		"CREATE SCHEMA IF NOT EXISTS quarry_bench",
		"DROP TABLE IF EXISTS quarry_bench.rows_1m",
		`CREATE UNLOGGED TABLE quarry_bench.rows_1m AS
SELECT timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second' AS ts, 'host-' || (g % 100) AS host, g * 0.5::float8 AS v, g::int8 AS n
FROM generate_series(1, 1000000) g`,
		"ANALYZE quarry_bench.rows_1m",
	} {
		if _, err := c.Exec(ctx, q); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
}

const benchSQL = "SELECT ts, host, v, n FROM quarry_bench.rows_1m"

// BenchmarkQueryToFrame compares, on the same 1,000,000 rows:
// quarry (query → typed builders → data.Frame), pgx_scan (pgx scanning into
// typed Go variables, no frame: the limit) and sql_FrameFromRows
// (database/sql over pgx's stdlib driver + sqlutil.FrameFromRows, the path
// sqlds-based plugins take). Ratios: pgx_scan ns/op ÷ quarry ns/op, and
// sql_FrameFromRows ns/op ÷ quarry ns/op.
func BenchmarkQueryToFrame(b *testing.B) {
	info := testenv.Postgres(b)
	benchTable(b, info)
	ctx := context.Background()

	b.Run("quarry", func(b *testing.B) {
		e, _ := open(b)
		plan := &sqlplan.Plan{SQL: benchSQL, Statement: "select"}
		b.ReportAllocs()
		for b.Loop() {
			tb, _, err := e.Query(ctx, plan, engine.QueryOptions{})
			if err != nil {
				b.Fatal(err)
			}
			fs, err := frames.Shape(tb, frames.ShapeOptions{})
			if err != nil || fs[0].Rows() != benchRows {
				b.Fatalf("%v %d", err, fs[0].Rows())
			}
		}
	})

	// quarry_arrow is the plugin's path for a table-format answer: query,
	// then Arrow IPC straight from the table's column buffers, in pieces
	// (what the DataServer hands the gRPC codec).
	b.Run("quarry_arrow", func(b *testing.B) {
		e, _ := open(b)
		plan := &sqlplan.Plan{SQL: benchSQL, Statement: "select"}
		b.ReportAllocs()
		for b.Loop() {
			tb, _, err := e.Query(ctx, plan, engine.QueryOptions{})
			if err != nil {
				b.Fatal(err)
			}
			segs, err := arrowipc.MarshalTableSegments(frames.TableFrameHead(tb, "A"), tb)
			if err != nil || tb.Len() != benchRows || segs.Len() == 0 {
				b.Fatal(err)
			}
		}
	})

	b.Run("pgx_scan", func(b *testing.B) {
		c, err := pgx.Connect(ctx, info.DSN)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close(ctx)
		b.ReportAllocs()
		for b.Loop() {
			rows, err := c.Query(ctx, benchSQL)
			if err != nil {
				b.Fatal(err)
			}
			var (
				ts   time.Time
				host string
				v    float64
				n    int64
				cnt  int
			)
			for rows.Next() {
				if err := rows.Scan(&ts, &host, &v, &n); err != nil {
					b.Fatal(err)
				}
				cnt++
			}
			if rows.Err() != nil || cnt != benchRows {
				b.Fatal(rows.Err(), cnt)
			}
		}
	})

	b.Run("sql_FrameFromRows", func(b *testing.B) {
		db, err := sql.Open("pgx", info.DSN)
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		b.ReportAllocs()
		for b.Loop() {
			rows, err := db.QueryContext(ctx, benchSQL)
			if err != nil {
				b.Fatal(err)
			}
			f, err := sqlutil.FrameFromRows(rows, -1)
			rows.Close()
			if err != nil || f.Rows() != benchRows {
				b.Fatal(err)
			}
		}
	})
}

// heapSampler records the peak of live+unswept heap objects while running.
type heapSampler struct {
	stop chan struct{}
	wg   sync.WaitGroup
	peak uint64
}

func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func startSampler() *heapSampler {
	h := &heapSampler{stop: make(chan struct{})}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			if v := heapObjects(); v > h.peak {
				h.peak = v
			}
			select {
			case <-h.stop:
				return
			case <-t.C:
			}
		}
	}()
	return h
}

func (h *heapSampler) Stop() uint64 {
	close(h.stop)
	h.wg.Wait()
	if v := heapObjects(); v > h.peak {
		h.peak = v
	}
	return h.peak
}

// measure runs one query → frame with the GC kept tight (GOGC=10) so the
// sampled heap tracks live memory, and returns the peak heap growth and the
// heap the finished frame retains.
func measure(b *testing.B, run func() *data.Frame) (peak, retained uint64) {
	old := debug.SetGCPercent(10)
	defer debug.SetGCPercent(old)
	runtime.GC()
	base := heapObjects()
	s := startSampler()
	f := run()
	p := s.Stop()
	runtime.GC()
	after := heapObjects()
	runtime.KeepAlive(f)
	return p - base, after - base
}

// BenchmarkPeakHeap reports peak heap growth while building the frame
// against the heap the final frame retains (target <= 1.5), and the same
// query over 10,000,000 rows with a 1,000,000 row cap (target: peak within
// 10% of the 1,000,000-row run).
func BenchmarkPeakHeap(b *testing.B) {
	info := testenv.Postgres(b)
	benchTable(b, info)
	e, _ := open(b)
	ctx := context.Background()
	run := func(sql string, rowCap int64) func() *data.Frame {
		return func() *data.Frame {
			tb, _, err := e.Query(ctx, &sqlplan.Plan{SQL: sql, Statement: "select", RowCap: rowCap}, engine.QueryOptions{})
			if err != nil {
				b.Fatal(err)
			}
			fs, err := frames.Shape(tb, frames.ShapeOptions{})
			if err != nil || fs[0].Rows() != benchRows {
				b.Fatalf("%v", err)
			}
			return fs[0]
		}
	}
	var peak1M float64
	for _, c := range []struct {
		name   string
		sql    string
		rowCap int64
	}{
		{"1M", "SELECT t.* FROM quarry_bench.rows_1m t, generate_series(1, 1) k", benchRows},
		{"10M_cap_1M", "SELECT t.* FROM quarry_bench.rows_1m t, generate_series(1, 10) k", benchRows},
	} {
		b.Run(c.name, func(b *testing.B) {
			var peak, retained uint64
			for b.Loop() {
				peak, retained = measure(b, run(c.sql, c.rowCap))
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
			b.ReportMetric(float64(retained)/(1<<20), "frame-MiB")
			b.ReportMetric(float64(peak)/float64(retained), "peak/frame")
			if c.name == "1M" {
				peak1M = float64(peak)
			} else if peak1M > 0 {
				b.ReportMetric(float64(peak)/peak1M, "peak/peak1M")
			}
		})
	}
}

// BenchmarkSelectOne is the engine's fixed cost per query: SELECT 1.
// repeated runs the same text (one round trip: the read-only transaction,
// its timeout, the query bound with the remembered result formats and
// ROLLBACK); new_text runs a text not seen before each time (two round
// trips: the query is described first), as a panel whose time range is
// in its SQL does. server-µs/op is the CPU time of the engine's server
// processes per query, read from /proc when the server runs on this
// machine (and the benchmark may read it). sql_peer is the baseline in the
// same run: the sqlds-style peer's path for the same query.
func BenchmarkSelectOne(b *testing.B) {
	e, info := open(b)
	ctx := context.Background()
	c := admin(b, info)
	cpu := func() (time.Duration, bool) {
		rows, err := c.Query(ctx, "SELECT pid FROM pg_stat_activity WHERE application_name = 'quarry'")
		if err != nil {
			b.Fatal(err)
		}
		pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
		if err != nil {
			b.Fatal(err)
		}
		var sum time.Duration
		for _, pid := range pids {
			d, ok := schedTime(pid)
			if !ok {
				return 0, false
			}
			sum += d
		}
		return sum, len(pids) > 0
	}
	for _, bc := range []struct {
		name string
		sql  func(i int) string
	}{
		{"repeated", func(int) string { return "SELECT 1" }},
		{"new_text", func(i int) string { return fmt.Sprintf("SELECT 1 /* %d %d */", time.Now().UnixNano(), i) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			run := func(i int) {
				if _, _, err := e.Query(ctx, &sqlplan.Plan{SQL: bc.sql(i), Statement: "select"}, engine.QueryOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			run(-1)
			before, ok := cpu()
			b.ReportAllocs()
			b.ResetTimer()
			i := 0
			for b.Loop() {
				run(i)
				i++
			}
			b.StopTimer()
			if after, ok2 := cpu(); ok && ok2 {
				b.ReportMetric(float64((after-before).Microseconds())/float64(b.N), "server-µs/op")
			}
		})
	}
	// sql_peer is the baseline: database/sql over pgx's stdlib driver, as
	// the sqlds-style peer runs a panel's query (a cached prepared
	// statement, no transaction, no timeout).
	b.Run("sql_peer", func(b *testing.B) {
		db, err := sql.Open("pgx", info.DSN)
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		run := func() {
			rows, err := db.QueryContext(ctx, "SELECT 1")
			if err != nil {
				b.Fatal(err)
			}
			var v int
			for rows.Next() {
				if err := rows.Scan(&v); err != nil {
					b.Fatal(err)
				}
			}
			if err := rows.Close(); err != nil {
				b.Fatal(err)
			}
		}
		run()
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			run()
		}
	})
}

// schedTime is the CPU time a process has run (/proc/PID/schedstat).
func schedTime(pid int32) (time.Duration, bool) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/schedstat", pid))
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(raw))
	if len(f) == 0 {
		return 0, false
	}
	ns, err := strconv.ParseInt(f[0], 10, 64)
	return time.Duration(ns), err == nil
}
