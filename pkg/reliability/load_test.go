package reliability

import (
	"context"
	"fmt"
	"net"
	"os"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/bigtent/quarry/pkg/harness"
	"github.com/bigtent/quarry/pkg/testenv"
)

// BenchmarkLoad sends QUARRY_LOAD_N (default 200) concurrent QueryData
// requests spread over four data sources (DuckDB, PostgreSQL, ClickHouse,
// the emulator) with small pools, over gRPC to the plugin binary, and
// reports p50 and p99 latency, the plugin's peak RSS and its goroutines
// before and after. A figure, not a timed assertion; it fails only on a
// query error or a goroutine leak. scripts/load.sh runs it.
func BenchmarkLoad(b *testing.B) {
	n := 200
	if v, err := strconv.Atoi(os.Getenv("QUARRY_LOAD_N")); err == nil && v > 0 {
		n = v
	}
	duck := testenv.DuckDB(b)
	pg := testenv.Postgres(b)
	ch := testenv.ClickHouse(b)
	bq := testenv.BigQuery(b)
	chHost, chPortS, err := net.SplitHostPort(ch.Addr)
	if err != nil {
		b.Fatal(err)
	}
	chPort, _ := strconv.Atoi(chPortS)
	p := startPlugin(b)
	sources := []harness.DataSource{
		p.NewDataSource("load duckdb", map[string]any{"engine": "duckdb", "path": duck.Path, "maxConnections": 2, "cacheTTL": 0}, nil),
		p.NewDataSource("load postgres", map[string]any{"engine": "postgres", "host": pg.Host, "port": pg.Port, "database": pg.Database,
			"user": pg.User, "sslmode": "disable", "maxConns": 2, "cacheTTL": 0}, nil),
		p.NewDataSource("load clickhouse", map[string]any{"engine": "clickhouse", "host": chHost, "port": chPort, "database": ch.Database,
			"user": ch.User, "maxOpenConns": 2, "cacheTTL": 0}, nil),
		p.NewDataSource("load bigquery", map[string]any{"engine": "bigquery", "defaultProject": bq.Project, "defaultDataset": bq.Dataset,
			"endpoint": bq.Endpoint, "cacheTTL": 0}, nil),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	sql := "SELECT service, sum(requests) AS requests FROM sample.http_requests WHERE $__timeFilter(ts) GROUP BY service ORDER BY service"
	// Warm every instance (pools, catalog) before counting goroutines.
	for _, ds := range sources {
		mustRows(b, one(ctx, b, p, ds, tableQuery("W", sql, nil)))
	}
	before, err := p.Goroutines(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var lat []time.Duration
	for range b.N {
		var mu sync.Mutex
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ds := sources[i%len(sources)]
				start := time.Now()
				resp, err := p.QueryData(ctx, ds, nil, tableQuery("A", sql, nil))
				d := time.Since(start)
				if err == nil && resp.Responses["A"].Error != "" {
					err = fmt.Errorf("%s: %s", ds.Name, resp.Responses["A"].Error)
				}
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(q float64) time.Duration { return lat[min(len(lat)-1, int(q*float64(len(lat))))] }
	rss, err := p.PeakRSS()
	if err != nil {
		b.Fatal(err)
	}
	var after int
	// Idle connections and finished request goroutines settle.
	for range 50 {
		if after, err = p.Goroutines(ctx); err != nil {
			b.Fatal(err)
		}
		if after <= before+8 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.ReportMetric(float64(pct(0.50).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(pct(0.99).Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(rss)/(1<<20), "peak-RSS-MiB")
	b.ReportMetric(float64(before), "goroutines-before")
	b.ReportMetric(float64(after), "goroutines-after")
	b.Logf("%d concurrent QueryData over 4 data sources (pools of 2): p50 %v, p99 %v, peak RSS %d MiB, goroutines %d before, %d after",
		n, pct(0.50), pct(0.99), rss>>20, before, after)
	if after > before+8 {
		b.Errorf("goroutines grew from %d to %d after the load settled: a leak", before, after)
	}
	checkAlive(b, p)
}
