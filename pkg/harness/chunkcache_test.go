package harness_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"

	"github.com/bigtent/quarry/pkg/harness"
	"github.com/bigtent/quarry/pkg/testenv"
)

// The chunk cache tests count PostgreSQL's executions of a marked query
// (engineCounter) whose answer is 100,000 rows, sent in chunks of 40,000.

const cachedChunkRows = 100_000

// chunkedSQL is the counter's query over 100,000 rows in order of g: the
// marker runs once per execution (an uncorrelated subquery); extra is
// added to the select list (then without ORDER BY, so that the rows
// stream before a failing one).
func (c *engineCounter) chunkedSQL(sleep float64, extra string) string {
	order := " ORDER BY g"
	if extra != "" {
		order = ""
	}
	return fmt.Sprintf("SELECT (SELECT %s.mark('%s', %g)) AS marked, x, g%s FROM %s CROSS JOIN generate_series(1, %d) AS g%s",
		sharedSchema, c.marker, sleep, extra, c.table, cachedChunkRows, order)
}

// logCount counts the marker's lines in the server log: executions
// pg_stat_statements does not see (a statement that failed, or that the
// row cap stopped reading before its end).
func (c *engineCounter) logCount(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.StateDir(), "logs", "postgres.log"))
	if err != nil {
		t.Fatalf("the PostgreSQL server log (written by scripts/services.sh) is not readable: %v", err)
	}
	return bytes.Count(b, []byte("quarry-rediscache-mark "+c.marker))
}

// sameChunks checks that two chunked replies are the same replies with
// byte-identical frames.
func sameChunks(t *testing.T, got, want []*pluginv2.QueryChunkedDataResponse) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d chunks, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.RefId != w.RefId || g.FrameId != w.FrameId || g.Status != w.Status || g.Error != w.Error || g.Format != w.Format {
			t.Fatalf("chunk %d: %s/%s %d %q, want %s/%s %d %q", i, g.RefId, g.FrameId, g.Status, g.Error, w.RefId, w.FrameId, w.Status, w.Error)
		}
		if !bytes.Equal(g.Frame, w.Frame) {
			t.Fatalf("chunk %d: %d bytes differ from the first answer's %d", i, len(g.Frame), len(w.Frame))
		}
	}
}

func chunkedOK(t *testing.T, ctx context.Context, p *harness.Plugin, ds harness.DataSource, q harness.Query) []*pluginv2.QueryChunkedDataResponse {
	t.Helper()
	chunks, err := p.QueryChunkedData(ctx, ds, nil, q)
	if err != nil {
		t.Fatal(err)
	}
	got, err := harness.Assemble(chunks)
	if err != nil {
		t.Fatal(err)
	}
	r := got[q.RefID]
	if r == nil || r.Error != "" {
		t.Fatalf("chunked %s: %+v", q.RefID, r)
	}
	return chunks
}

// TestChunkedCache: over gRPC as Grafana calls the plugin, a second
// identical chunked query is served from the cache (PostgreSQL runs it
// once) with byte-identical chunks, the truncation notice still on the
// last chunk; a query that fails mid-stream is never cached; QueryData
// keeps its own entries.
func TestChunkedCache(t *testing.T) {
	pg := testenv.Postgres(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	p := startPlugin(t)
	ds := p.NewDataSource("Quarry chunk cache", map[string]any{"engine": "postgres", "host": pg.Host, "port": pg.Port,
		"database": pg.Database, "user": pg.User, "sslmode": "disable", "chunkRows": 40_000, "cacheTTL": "60s"}, nil)

	t.Run("second query is a hit with the same bytes", func(t *testing.T) {
		c := newEngineCounter(t, ctx, pg)
		q := query("A", "table", c.chunkedSQL(0, ""), winFrom, winTo, nil)
		first := chunkedOK(t, ctx, p, ds, q)
		if len(first) < 3 {
			t.Fatalf("%d chunks for %d rows in chunks of 40000, want 3", len(first), cachedChunkRows)
		}
		second := chunkedOK(t, ctx, p, ds, q)
		sameChunks(t, second, first)
		if n := c.settled(t, ctx, 1); n != 1 {
			t.Fatalf("PostgreSQL ran the query %d times for two identical chunked requests, want 1", n)
		}
		// QueryData keeps its own entries (README: chunked answers and
		// QueryData's differ), so it runs the query once more, then hits.
		for range 2 {
			resp, err := p.QueryData(ctx, ds, nil, q)
			if err != nil {
				t.Fatal(err)
			}
			if fr := frames(t, resp, "A"); fr[0].Rows() != cachedChunkRows {
				t.Fatalf("QueryData: %d rows", fr[0].Rows())
			}
		}
		if n := c.settled(t, ctx, 2); n != 2 {
			t.Fatalf("PostgreSQL ran the query %d times after two QueryData calls, want 2", n)
		}
		t.Logf("%d chunks (%d bytes) sent twice, PostgreSQL ran it once (%s)", len(first), chunkBytes(first), c.method())
	})

	t.Run("truncation notice replays on the last chunk", func(t *testing.T) {
		c := newEngineCounter(t, ctx, pg)
		q := query("B", "table", c.chunkedSQL(0, ""), winFrom, winTo, map[string]any{"maxRows": 90_000})
		first := chunkedOK(t, ctx, p, ds, q)
		checkLastNotice(t, noticesPerChunk(t, first, "B"), "results truncated at 90000 rows")
		second := chunkedOK(t, ctx, p, ds, q)
		sameChunks(t, second, first)
		checkLastNotice(t, noticesPerChunk(t, second, "B"), "results truncated at 90000 rows")
		if n := c.logCount(t); n != 1 {
			t.Fatalf("PostgreSQL ran the capped query %d times (server log), want 1", n)
		}
	})

	t.Run("an error mid-stream is never cached", func(t *testing.T) {
		c := newEngineCounter(t, ctx, pg)
		q := query("E", "table", c.chunkedSQL(0, ", 1 / (g - 90000) AS boom"), winFrom, winTo, nil)
		for i := range 2 {
			chunks, err := p.QueryChunkedData(ctx, ds, nil, q)
			if err != nil {
				t.Fatal(err)
			}
			got, err := harness.Assemble(chunks)
			if err != nil {
				t.Fatal(err)
			}
			r := got["E"]
			if r == nil || !strings.Contains(r.Error, "query E") || !strings.Contains(r.Error, "division by zero") {
				t.Fatalf("run %d: %+v, want the division by zero naming query E", i+1, r)
			}
			if r.FramesBeforeError == 0 {
				t.Fatalf("run %d: no chunk before the error", i+1)
			}
		}
		if n := c.logCount(t); n != 2 {
			t.Fatalf("PostgreSQL ran the failing query %d times (server log) for two requests, want 2 (errors are not cached)", n)
		}
	})

	t.Run("an answer over the entry cap streams and is not kept", func(t *testing.T) {
		small := p.NewDataSource("Quarry chunk cache small", map[string]any{"engine": "postgres", "host": pg.Host, "port": pg.Port,
			"database": pg.Database, "user": pg.User, "sslmode": "disable", "chunkRows": 40_000, "cacheTTL": "60s",
			"cacheMaxBytes": 1 << 20}, nil)
		c := newEngineCounter(t, ctx, pg)
		q := query("F", "table", c.chunkedSQL(0, ""), winFrom, winTo, nil)
		first := chunkedOK(t, ctx, p, small, q)
		if chunkBytes(first) <= 1<<20 {
			t.Fatalf("the answer is %d bytes, not over the 1 MiB cap", chunkBytes(first))
		}
		// Run again (the last chunk's statistics differ), same rows.
		if again := chunkedOK(t, ctx, p, small, q); len(again) != len(first) || !bytes.Equal(again[0].Frame, first[0].Frame) {
			t.Fatalf("second run: %d chunks, want %d with the same first chunk", len(again), len(first))
		}
		if n := c.settled(t, ctx, 2); n != 2 {
			t.Fatalf("PostgreSQL ran the query %d times, want 2 (not kept over the cap)", n)
		}
	})
}

func chunkBytes(chunks []*pluginv2.QueryChunkedDataResponse) int {
	n := 0
	for _, c := range chunks {
		n += len(c.Frame)
	}
	return n
}

// TestChunkedSharedCacheAcrossProcesses: two plugin processes sharing one
// Redis, 10 concurrent identical chunked requests each: PostgreSQL runs the
// query once and every request gets the same chunk bytes; later requests
// on either process are hits.
func TestChunkedSharedCacheAcrossProcesses(t *testing.T) {
	pg, rd := testenv.Postgres(t), testenv.Redis(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := newEngineCounter(t, ctx, pg)
	plugins := startPlugins(t, 2)
	ds := replicaDataSource(pg, rd.URL)
	ds.JSONData["chunkRows"] = 40_000
	q := query("A", "table", c.chunkedSQL(1, ""), winFrom, winTo, nil)

	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		answers [][]*pluginv2.QueryChunkedDataResponse
		errs    []error
		gate    = make(chan struct{})
	)
	for i := range 20 {
		p := plugins[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			chunks, err := p.QueryChunkedData(ctx, ds, nil, q)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			answers = append(answers, chunks)
		}()
	}
	close(gate)
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d requests failed; first: %v", len(errs), errs[0])
	}
	if len(answers[0]) < 3 {
		t.Fatalf("%d chunks, want 3", len(answers[0]))
	}
	for _, a := range answers[1:] {
		sameChunks(t, a, answers[0])
	}
	for _, p := range plugins {
		sameChunks(t, chunkedOK(t, ctx, p, ds, q), answers[0])
	}
	n := c.settled(t, ctx, 1)
	t.Logf("2 processes x 10 concurrent identical chunked requests (+1 each later), %d chunks of %d bytes: PostgreSQL ran the query %d time(s) (%s)",
		len(answers[0]), chunkBytes(answers[0]), n, c.method())
	if n != 1 {
		t.Fatalf("PostgreSQL ran the query %d times, want exactly 1", n)
	}
}
