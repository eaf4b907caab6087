package clickhouse_test

import (
	"context"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/data/sqlutil"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/engine/clickhouse"
	"github.com/bigtent/quarry/pkg/frames"
	"github.com/bigtent/quarry/pkg/frames/arrowipc"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

const benchRows = 1_000_000

// benchData is the same shape of rows as the PostgreSQL benchmark:
// (DateTime('UTC'), String, Float64, Int64), generated from system.numbers
// (the engine's readonly=1 refuses table functions such as numbers() on 18.16).
const benchData = `SELECT toDateTime('2024-01-01 00:00:00', 'UTC') + number AS ts, concat('host-', toString(number % 100)) AS host,
  number * 0.5 AS v, toInt64(number) AS n FROM (SELECT number FROM system.numbers LIMIT %d)`

func benchTable(b *testing.B, e *clickhouse.Engine) {
	b.Helper()
	ctx := context.Background()
	var n uint64
	if e.Conn().QueryRow(ctx, "SELECT count() FROM quarry_bench.rows_1m").Scan(&n) == nil && n == benchRows {
		return
	}
	for _, q := range []string{
		"CREATE DATABASE IF NOT EXISTS quarry_bench",
		"DROP TABLE IF EXISTS quarry_bench.rows_1m",
		"CREATE TABLE quarry_bench.rows_1m (ts DateTime('UTC'), host String, v Float64, n Int64) ENGINE = MergeTree ORDER BY ts",
		"INSERT INTO quarry_bench.rows_1m " + strings.Replace(benchData, "%d", "1000000", 1),
	} {
		if err := e.Conn().Exec(ctx, q); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
}

const benchSQL = "SELECT ts, host, v, n FROM quarry_bench.rows_1m"

// BenchmarkQueryToFrame compares, on the same 1,000,000 stored rows:
// quarry (query → typed builders → data.Frame), ch_scan (clickhouse-go's row
// Scan loop into typed variables, no frame) and sql_FrameFromRows
// (database/sql over clickhouse-go's std driver + sqlutil.FrameFromRows).
func BenchmarkQueryToFrame(b *testing.B) {
	e, info := open(b)
	benchTable(b, e)
	ctx := context.Background()
	b.Run("quarry", func(b *testing.B) {
		plan := &sqlplan.Plan{SQL: benchSQL, Statement: "select"}
		b.ReportAllocs()
		for b.Loop() {
			tb, _, err := e.Query(ctx, plan, engine.QueryOptions{})
			if err != nil {
				b.Fatal(err)
			}
			fs, err := frames.Shape(tb, frames.ShapeOptions{})
			if err != nil || fs[0].Rows() != benchRows {
				b.Fatal(err)
			}
		}
	})

	// quarry_arrow is the plugin's path for a table-format answer: query,
	// then Arrow IPC straight from the table's column buffers, in pieces
	// (what the DataServer hands the gRPC codec).
	b.Run("quarry_arrow", func(b *testing.B) {
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
	// quarry_arrow_rowscan is quarry_arrow through clickhouse-go's row scan
	// (the read path before the block reader).
	rowScan, err := clickhouse.Open(ctx, settings(info), clickhouse.Secrets{})
	if err != nil {
		b.Fatal(err)
	}
	defer rowScan.WithoutBlocks().Close()
	b.Run("quarry_arrow_rowscan", func(b *testing.B) {
		plan := &sqlplan.Plan{SQL: benchSQL, Statement: "select"}
		b.ReportAllocs()
		for b.Loop() {
			tb, _, err := rowScan.Query(ctx, plan, engine.QueryOptions{})
			if err != nil {
				b.Fatal(err)
			}
			segs, err := arrowipc.MarshalTableSegments(frames.TableFrameHead(tb, "A"), tb)
			if err != nil || tb.Len() != benchRows || segs.Len() == 0 {
				b.Fatal(err)
			}
		}
	})
	b.Run("ch_scan", func(b *testing.B) {
		conn := e.Conn()
		b.ReportAllocs()
		for b.Loop() {
			rows, err := conn.Query(ctx, benchSQL)
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
			rows.Close()
			if rows.Err() != nil || cnt != benchRows {
				b.Fatal(rows.Err(), cnt)
			}
		}
	})
	b.Run("sql_FrameFromRows", func(b *testing.B) {
		db := ch.OpenDB(&ch.Options{Addr: []string{info.Addr}, Auth: ch.Auth{Database: info.Database, Username: info.User}})
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

func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// measure runs fn with GOGC=10 (so sampled heap tracks live memory) and
// returns the peak heap growth and what the finished frame retains.
func measure(fn func() *data.Frame) (peak, retained uint64) {
	old := debug.SetGCPercent(10)
	defer debug.SetGCPercent(old)
	runtime.GC()
	base := heapObjects()
	var (
		p    uint64
		wg   sync.WaitGroup
		stop = make(chan struct{})
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			if v := heapObjects(); v > p {
				p = v
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	f := fn()
	close(stop)
	wg.Wait()
	runtime.GC()
	after := heapObjects()
	runtime.KeepAlive(f)
	return p - base, after - base
}

// BenchmarkPeakHeap: peak heap vs the final frame (1,000,000 rows), and
// 10,000,000 rows with a 1,000,000 row cap against the 1,000,000-row run.
func BenchmarkPeakHeap(b *testing.B) {
	e, _ := open(b)
	ctx := context.Background()
	var peak1M float64
	for _, c := range []struct {
		name string
		rows string
	}{{"1M", "1000000"}, {"10M_cap_1M", "10000000"}} {
		b.Run(c.name, func(b *testing.B) {
			sql := strings.Replace(benchData, "%d", c.rows, 1)
			var peak, retained uint64
			for b.Loop() {
				peak, retained = measure(func() *data.Frame {
					tb, _, err := e.Query(ctx, &sqlplan.Plan{SQL: sql, Statement: "select", RowCap: benchRows}, engine.QueryOptions{})
					if err != nil {
						b.Fatal(err)
					}
					fs, err := frames.Shape(tb, frames.ShapeOptions{})
					if err != nil || fs[0].Rows() != benchRows {
						b.Fatal(err)
					}
					return fs[0]
				})
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
