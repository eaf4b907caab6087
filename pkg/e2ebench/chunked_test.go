package e2ebench_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"

	"github.com/bigtent/quarry/pkg/e2ebench"
	"github.com/bigtent/quarry/pkg/harness"
	"github.com/bigtent/quarry/pkg/testenv"
)

// TestChunkedRSS measures the plugin process's peak RSS (VmHWM) for one
// chunked query (QueryChunkedData over gRPC, default chunk size) of each
// row count in QUARRY_CHUNKED_RSS (comma-separated, e.g.
// 1000000,5000000,10000000) on PostgreSQL, with the row cap raised to the
// count; each count runs in a fresh plugin process. It reports the figures
// (scripts/bench-chunked-rss.sh) and checks only that every row arrived:
// the memory target is read from the report, not asserted.
func TestChunkedRSS(t *testing.T) {
	spec := os.Getenv("QUARRY_CHUNKED_RSS")
	if spec == "" {
		t.Skip("set QUARRY_CHUNKED_RSS=1000000,5000000,10000000 (scripts/bench-chunked-rss.sh)")
	}
	engineName := os.Getenv("QUARRY_CHUNKED_ENGINE")
	if engineName == "" {
		engineName = "postgres"
	}
	target := func(ctx context.Context, rows int) (e2ebench.Target, error) {
		switch engineName {
		case "postgres":
			return e2ebench.Postgres(ctx, testenv.Postgres(t), rows)
		case "clickhouse":
			return e2ebench.ClickHouse(ctx, testenv.ClickHouse(t), rows)
		}
		return e2ebench.Target{}, fmt.Errorf("QUARRY_CHUNKED_ENGINE=%s: use postgres or clickhouse", engineName)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 80*time.Minute)
	defer cancel()
	bin, err := harness.Build(ctx, "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var report []string
	for _, f := range strings.Split(spec, ",") {
		rows, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			t.Fatalf("QUARRY_CHUNKED_RSS: %v", err)
		}
		tg, err := target(ctx, rows)
		if err != nil {
			t.Fatal(err)
		}
		p, err := harness.Start(bin)
		if err != nil {
			tg.Close()
			t.Fatal(err)
		}
		js := map[string]any{"maxResultBytes": int64(1) << 40} // the row count is the only cap
		for k, v := range tg.Quarry {
			js[k] = v
		}
		ds := p.NewDataSource("rss", js, tg.QuarrySecure)
		base, _ := p.PeakRSS()
		var got, chunks, maxChunk int
		start := time.Now()
		err = p.StreamChunkedData(ctx, ds, nil, func(c *pluginv2.QueryChunkedDataResponse) error {
			if c.Error != "" {
				return fmt.Errorf("query failed: %s", c.Error)
			}
			f, err := data.UnmarshalArrowFrame(c.Frame)
			if err != nil {
				return err
			}
			got += f.Rows()
			chunks++
			maxChunk = max(maxChunk, len(c.Frame))
			return nil
		}, harness.Query{RefID: "A", JSON: map[string]any{"rawSql": tg.SQL, "format": "table"}})
		elapsed := time.Since(start)
		peak, rerr := p.PeakRSS()
		p.Close()
		tg.Close()
		if err != nil {
			t.Fatal(err)
		}
		if rerr != nil {
			t.Fatal(rerr)
		}
		if got != rows {
			t.Fatalf("%d rows arrived, want %d", got, rows)
		}
		line := fmt.Sprintf("| %d rows | %d chunks (largest %.1f MB) | peak RSS %.0f MB (%.0f MB after start) | %.1f s |",
			rows, chunks, float64(maxChunk)/1e6, float64(peak)/(1<<20), float64(base)/(1<<20), elapsed.Seconds())
		t.Log(line)
		report = append(report, line)
	}
	t.Logf("chunked QueryChunkedData on %s, plugin VmHWM:\n%s", engineName, strings.Join(report, "\n"))
}
