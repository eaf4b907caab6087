package bigquery

import (
	"context"
	"errors"
	"testing"
	"time"

	bq "cloud.google.com/go/bigquery"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/frames"
	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/testenv"
)

// benchSQL yields 100,000 rows of (INT64, STRING, FLOAT64, TIMESTAMP).
const benchSQL = `SELECT x AS id, CONCAT('host-', CAST(MOD(x, 24) AS STRING)) AS host, x * 1.5 AS v,
  TIMESTAMP_ADD(TIMESTAMP '2024-01-01 00:00:00+00', INTERVAL x SECOND) AS ts
FROM UNNEST(GENERATE_ARRAY(1, 100000)) AS x`

const (
	benchRows     = 100000
	benchPageSize = 5000 // 20 pages
)

// BenchmarkEmulatorQuarry measures Quarry's query -> typed table path over
// 20 result pages from the emulator (through the test pager), with page
// n+1 fetched while page n converts. ms-first-page is the time until the
// first page is in the table.
func BenchmarkEmulatorQuarry(b *testing.B) {
	info := testenv.BigQuery(b)
	_, url := newPager(b, info.Endpoint, benchPageSize)
	e := emulatorEngine(b, Settings{Endpoint: url, PageSize: benchPageSize})
	var first time.Duration
	var start time.Time
	e.pageHook = func(rows int) {
		if first == 0 {
			first = time.Since(start)
		}
	}
	var totalFirst time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		first, start = 0, time.Now()
		tbl, _, err := e.Query(context.Background(), &sqlplan.Plan{SQL: benchSQL, Statement: "select"}, engine.QueryOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if tbl.Len() != benchRows {
			b.Fatalf("rows = %d", tbl.Len())
		}
		totalFirst += first
	}
	b.ReportMetric(float64(totalFirst.Milliseconds())/float64(b.N), "ms-first-page")
}

// BenchmarkEmulatorRowIterator is the baseline: the client library's
// RowIterator loop over the same job path (jobs.insert, then
// getQueryResults pages), one []bigquery.Value per row and no frame at all.
func BenchmarkEmulatorRowIterator(b *testing.B) {
	benchRowIterator(b, false)
}

// BenchmarkEmulatorRowIteratorFastPath is the baseline through Query.Read's
// jobs.query fast path (which, on the emulator, also skips writing the
// result into a per-job table).
func BenchmarkEmulatorRowIteratorFastPath(b *testing.B) {
	benchRowIterator(b, true)
}

func benchRowIterator(b *testing.B, fast bool) {
	info := testenv.BigQuery(b)
	_, url := newPager(b, info.Endpoint, benchPageSize)
	client, err := bq.NewClient(context.Background(), info.Project, option.WithEndpoint(url), option.WithoutAuthentication())
	if err != nil {
		b.Fatal(err)
	}
	defer client.Close()
	ctx := context.Background()
	var totalFirst time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		var it *bq.RowIterator
		if fast {
			it, err = client.Query(benchSQL).Read(ctx)
		} else {
			var job *bq.Job
			if job, err = client.Query(benchSQL).Run(ctx); err == nil {
				it, err = job.Read(ctx)
			}
		}
		if err != nil {
			b.Fatal(err)
		}
		it.PageInfo().MaxSize = benchPageSize
		n := 0
		for {
			var row []bq.Value
			err := it.Next(&row)
			if errors.Is(err, iterator.Done) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if n == 0 {
				totalFirst += time.Since(start)
			}
			n++
		}
		if n != benchRows {
			b.Fatalf("rows = %d", n)
		}
	}
	b.ReportMetric(float64(totalFirst.Milliseconds())/float64(b.N), "ms-first-page")
}

// benchJob runs benchSQL once through the pager and returns the job, so
// the read benchmarks below measure reading 20 cached pages (no emulator
// execution in the loop).
func benchJob(b *testing.B) (*Engine, jobRef) {
	info := testenv.BigQuery(b)
	_, url := newPager(b, info.Endpoint, benchPageSize)
	e := emulatorEngine(b, Settings{Endpoint: url, PageSize: benchPageSize})
	_, st, err := e.Query(context.Background(), &sqlplan.Plan{SQL: benchSQL, Statement: "select"}, engine.QueryOptions{})
	if err != nil {
		b.Fatal(err)
	}
	return e, jobRef{Project: info.Project, ID: st.JobID}
}

// BenchmarkReadPagesQuarry reads the 20 result pages of a finished job into
// a typed table (pipelined fetch, row scanner, typed builders).
func BenchmarkReadPagesQuarry(b *testing.B) {
	e, ref := benchJob(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t, err := e.readPages(context.Background(), ref, frames.TableOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if t.Len() != benchRows {
			b.Fatalf("rows = %d", t.Len())
		}
	}
}

// BenchmarkReadPagesRowIterator reads the same pages with the client
// library's RowIterator, one []bigquery.Value per row, no frame.
func BenchmarkReadPagesRowIterator(b *testing.B) {
	e, ref := benchJob(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		job, err := e.client.JobFromID(context.Background(), ref.ID)
		if err != nil {
			b.Fatal(err)
		}
		it, err := job.Read(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		it.PageInfo().MaxSize = benchPageSize
		n := 0
		for {
			var row []bq.Value
			err := it.Next(&row)
			if errors.Is(err, iterator.Done) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != benchRows {
			b.Fatalf("rows = %d", n)
		}
	}
}
