package reliability

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"github.com/jackc/pgx/v5"

	"github.com/bigtent/quarry/pkg/harness"
)

// Slow queries, one per engine, each marked so the server's process list can
// find it. None needs the sample.
const (
	// slowPG streams one row every ~2 ms for about a minute.
	slowPG = "SELECT g, md5(g::text) AS h FROM generate_series(1, 30000) AS g, LATERAL (SELECT pg_sleep(0.002 + 0 * g)) AS s /* %s */"
	// slowCH sleeps one second per one-row block, for a minute. Its marker is
	// a string literal: the ClickHouse engine sends the planner's rendering,
	// which keeps no comments (and lifts the SETTINGS clause into the
	// query's settings).
	slowCH = "SELECT count() AS n, '%s' AS marker FROM (SELECT sleep(1) FROM system.numbers LIMIT 60) SETTINGS max_block_size = 1"
	// slowBQ is a 200-million-pair cross join the emulator takes minutes over.
	slowBQ = "SELECT COUNT(*) AS n FROM UNNEST(GENERATE_ARRAY(1, 20000)) AS a CROSS JOIN UNNEST(GENERATE_ARRAY(1, 10000)) AS b WHERE a + b = 7 /* %s */"
)

// pgActive counts the backends running a query that contains marker.
func pgActive(ctx context.Context, port int, marker string) (int, error) {
	c, err := pgx.Connect(ctx, fmt.Sprintf("postgres://postgres@127.0.0.1:%d/quarry?sslmode=disable", port))
	if err != nil {
		return 0, err
	}
	defer c.Close(ctx)
	var n int
	err = c.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE state <> 'idle' AND pid <> pg_backend_pid() AND position($1 in query) > 0`, marker).Scan(&n)
	return n, err
}

// chActive counts the ClickHouse processes running a query that contains marker.
func chActive(ctx context.Context, port int, marker string) (int, error) {
	q := fmt.Sprintf("SELECT count() FROM system.processes WHERE position(query, '%s') > 0 AND position(query, 'system.processes') = 0", marker)
	out, err := exec.CommandContext(ctx, "clickhouse-client", "--host", "127.0.0.1", "--port", fmt.Sprint(port), "--query", q).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("clickhouse-client: %w: %s", err, out)
	}
	var n int
	_, err = fmt.Sscan(string(out), &n)
	return n, err
}

// waitFor polls cond every 100 ms until it holds or d passes.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return cond()
}

// async runs q in the background; the channel yields its response.
func async(ctx context.Context, p *harness.Plugin, ds harness.DataSource, q harness.Query) <-chan *pluginv2.DataResponse {
	ch := make(chan *pluginv2.DataResponse, 1)
	go func() {
		resp, err := p.QueryData(ctx, ds, nil, q)
		switch {
		case err != nil:
			ch <- &pluginv2.DataResponse{Error: "gRPC: " + err.Error()}
		default:
			ch <- resp.Responses[q.RefID]
		}
	}()
	return ch
}

// expectDownstream checks a failed query's response: a downstream error
// with a message, and a plugin that is still up.
func expectDownstream(t *testing.T, p *harness.Plugin, what string, r *pluginv2.DataResponse) {
	t.Helper()
	if r == nil || r.Error == "" {
		t.Fatalf("%s: the query succeeded; want a downstream error", what)
	}
	if r.ErrorSource != "downstream" {
		t.Errorf("%s: errorSource = %q, want downstream (error: %s)", what, r.ErrorSource, r.Error)
	}
	if strings.HasPrefix(r.Error, "gRPC:") {
		t.Errorf("%s: the gRPC call itself failed: %s", what, r.Error)
	}
	t.Logf("%s: %s (status %d, source %s)", what, r.Error, r.Status, r.ErrorSource)
	checkAlive(t, p)
}

// recovers checks that the data source answers again, first try, through
// the same plugin process: a query and a health check.
func recovers(ctx context.Context, t *testing.T, p *harness.Plugin, ds harness.DataSource, sql string) {
	t.Helper()
	if n := mustRows(t, one(ctx, t, p, ds, tableQuery("NEXT", sql, nil))); n != 1 {
		t.Errorf("%s after the restart: %d rows, want 1", sql, n)
	}
	h, err := p.CheckHealth(ctx, ds)
	if err != nil || h.Status != pluginv2.CheckHealthResponse_OK {
		t.Errorf("health after the restart: %v %v", h, err)
	}
	checkAlive(t, p)
}

// TestFaultPostgresKilledMidStream kills PostgreSQL (immediate shutdown)
// while the plugin streams a query's rows, then restarts it.
func TestFaultPostgresKilledMidStream(t *testing.T) {
	svc := private(t)
	p := startPlugin(t)
	pg, _, _ := privateSources(p, svc.Ports())
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	mustRows(t, one(ctx, t, p, pg, tableQuery("WARM", "SELECT 1 AS one", nil)))

	marker := "rel-pg-kill"
	done := async(ctx, p, pg, tableQuery("A", fmt.Sprintf(slowPG, marker), map[string]any{"maxRows": 50000}))
	if !waitFor(20*time.Second, func() bool { n, _ := pgActive(ctx, svc.Ports().Postgres, marker); return n > 0 }) {
		t.Fatal("the streaming query never showed up in pg_stat_activity")
	}
	time.Sleep(time.Second) // rows are flowing
	if err := svc.Kill(ctx, "postgres"); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-done:
		expectDownstream(t, p, "query while PostgreSQL died", r)
	case <-time.After(60 * time.Second):
		t.Fatal("the query did not return within 60 s of PostgreSQL dying")
	}
	// While it is down: a clear error, quickly.
	expectDownstream(t, p, "query while PostgreSQL is down", one(ctx, t, p, pg, tableQuery("DOWN", "SELECT 1 AS one", nil)))
	if err := svc.StartService(ctx, "postgres"); err != nil {
		t.Fatal(err)
	}
	recovers(ctx, t, p, pg, "SELECT 1 AS one")
}

// TestFaultClickHouseRestart kills ClickHouse during a query and restarts
// it, then restarts it again gracefully while the plugin's pool is idle.
func TestFaultClickHouseRestart(t *testing.T) {
	svc := private(t)
	p := startPlugin(t)
	_, ch, _ := privateSources(p, svc.Ports())
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	mustRows(t, one(ctx, t, p, ch, tableQuery("WARM", "SELECT 1 AS one", nil)))

	marker := "rel-ch-kill"
	done := async(ctx, p, ch, tableQuery("A", fmt.Sprintf(slowCH, marker), nil))
	if !waitFor(20*time.Second, func() bool { n, _ := chActive(ctx, svc.Ports().ClickHouse, marker); return n > 0 }) {
		r := <-done
		t.Fatalf("the slow query never showed up in system.processes (it returned: %v)", r)
	}
	if err := svc.Kill(ctx, "clickhouse"); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-done:
		expectDownstream(t, p, "query while ClickHouse died", r)
	case <-time.After(60 * time.Second):
		t.Fatal("the query did not return within 60 s of ClickHouse dying")
	}
	expectDownstream(t, p, "query while ClickHouse is down", one(ctx, t, p, ch, tableQuery("DOWN", "SELECT 1 AS one", nil)))
	if err := svc.StartService(ctx, "clickhouse"); err != nil {
		t.Fatal(err)
	}
	recovers(ctx, t, p, ch, "SELECT 1 AS one")

	// A graceful restart under an idle pool: the pooled connections are dead.
	if err := svc.StopService(ctx, "clickhouse"); err != nil {
		t.Fatal(err)
	}
	if err := svc.StartService(ctx, "clickhouse"); err != nil {
		t.Fatal(err)
	}
	recovers(ctx, t, p, ch, "SELECT 1 AS one")
}

// TestFaultBigQueryEmulator first cancels a running emulator query (which
// breaks goccy/bigquery-emulator v0.6.6 for good; see
// TestCancelBigQueryJob), then stops the emulator and starts it again.
func TestFaultBigQueryEmulator(t *testing.T) {
	svc := privateEmulator(t)
	p := startPlugin(t)
	_, _, bq := privateSources(p, svc.Ports())
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	t.Run("cancel", func(t *testing.T) { cancelBigQuery(ctx, t, p, bq) })

	if err := svc.StopService(ctx, "bigquery"); err != nil {
		t.Fatal(err)
	}
	expectDownstream(t, p, "query while the emulator is stopped", one(ctx, t, p, bq, tableQuery("DOWN", "SELECT 1 AS one", nil)))
	if err := svc.StartService(ctx, "bigquery"); err != nil {
		t.Fatal(err)
	}
	recovers(ctx, t, p, bq, "SELECT 1 AS one")
}
