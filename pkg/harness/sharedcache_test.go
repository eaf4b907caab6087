package harness_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/jackc/pgx/v5"

	"github.com/bigtent/quarry/pkg/harness"
	"github.com/bigtent/quarry/pkg/testenv"
)

// The shared-cache tests run one PostgreSQL query from two plugin processes
// (two Grafana replicas) sharing one data source and one Redis, and count on
// the server how often PostgreSQL ran it: with pg_stat_statements when the
// server preloads it (scripts/services.sh does), else from the server log,
// where the query's function writes a marker line (RAISE LOG) per call.

const sharedSchema = "quarry_rediscache_test"

// engineCounter counts server-side executions of one marked query.
type engineCounter struct {
	conn    *pgx.Conn
	marker  string
	table   string
	stmts   bool   // pg_stat_statements is loaded
	logPath string // else: the server log
}

func newEngineCounter(t *testing.T, ctx context.Context, pg testenv.PostgresInfo) *engineCounter {
	t.Helper()
	conn, err := pgx.Connect(ctx, pg.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	var b [6]byte
	_, _ = rand.Read(b[:])
	c := &engineCounter{conn: conn, marker: "m" + hex.EncodeToString(b[:])}
	c.table = sharedSchema + ".t_" + c.marker
	for _, stmt := range []string{
		"CREATE SCHEMA IF NOT EXISTS " + sharedSchema,
		// mark logs one line per call and sleeps, so that identical
		// queries are still running when the others arrive.
		`CREATE OR REPLACE FUNCTION ` + sharedSchema + `.mark(m text, secs float8) RETURNS int AS $$
BEGIN
  RAISE LOG 'quarry-rediscache-mark %', m;
  PERFORM pg_sleep(secs);
  RETURN 1;
END $$ LANGUAGE plpgsql VOLATILE`,
		"GRANT USAGE ON SCHEMA " + sharedSchema + " TO PUBLIC",
		"CREATE TABLE " + c.table + " (x int)",
		"INSERT INTO " + c.table + " VALUES (42)",
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	t.Cleanup(func() { _, _ = conn.Exec(context.Background(), "DROP TABLE IF EXISTS "+c.table) })
	var preload string
	if err := conn.QueryRow(ctx, "SHOW shared_preload_libraries").Scan(&preload); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains([]byte(preload), []byte("pg_stat_statements")) {
		if _, err := conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"); err != nil {
			t.Fatal(err)
		}
		c.stmts = true
	} else {
		c.logPath = filepath.Join(testenv.StateDir(), "logs", "postgres.log")
		if _, err := os.Stat(c.logPath); err != nil {
			t.Fatalf("pg_stat_statements is not loaded and the server log is not readable: %v", err)
		}
	}
	t.Logf("counting executions with %s", c.method())
	return c
}

func (c *engineCounter) method() string {
	if c.stmts {
		return "pg_stat_statements"
	}
	return "the server log (RAISE LOG marker; pg_stat_statements is not preloaded)"
}

// sql is the marked query: the unique table makes its own
// pg_stat_statements entry; mark() writes the log marker.
func (c *engineCounter) sql(sleep float64) string {
	return fmt.Sprintf("SELECT %s.mark('%s', %g) AS marked, x FROM %s", sharedSchema, c.marker, sleep, c.table)
}

func (c *engineCounter) count(t *testing.T, ctx context.Context) int {
	t.Helper()
	if c.stmts {
		var n int64
		if err := c.conn.QueryRow(ctx, "SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements WHERE query LIKE '%' || $1 || '%' AND query LIKE '%.mark(%'",
			"t_"+c.marker).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return int(n)
	}
	data, err := os.ReadFile(c.logPath)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(data, []byte("quarry-rediscache-mark "+c.marker))
}

// settled is count once it has reached least and had time to move on:
// pg_stat_statements records a statement when its portal closes, and the
// plugin ends a PostgreSQL query's transaction (ROLLBACK, which closes it)
// after the answer has gone back, so a count read right after a reply can
// be one short. It polls for up to 10 s, then reads again after a pause so
// that an execution too many would show.
func (c *engineCounter) settled(t *testing.T, ctx context.Context, least int) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	n := c.count(t, ctx)
	for n < least && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		n = c.count(t, ctx)
	}
	time.Sleep(300 * time.Millisecond)
	return c.count(t, ctx)
}

func randomUID(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// replicaDataSource is one data source as two Grafana replicas hold it:
// same id, uid and settings.
func replicaDataSource(pg testenv.PostgresInfo, redisURL string) harness.DataSource {
	return harness.DataSource{ID: 7, UID: randomUID("shared-"), Name: "Quarry shared cache", Updated: time.Now(),
		JSONData: map[string]any{"engine": "postgres", "host": pg.Host, "port": pg.Port, "database": pg.Database,
			"user": pg.User, "sslmode": "disable", "cacheRedisURL": redisURL, "cacheTTL": "60s"}}
}

type answer struct {
	plugin int
	value  string
	err    error
	took   time.Duration
}

// fire sends n identical QueryData requests to each plugin at once and
// collects every answer.
func fire(ctx context.Context, plugins []*harness.Plugin, ds harness.DataSource, q harness.Query, n int, during func()) []answer {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		out  []answer
		gate = make(chan struct{})
	)
	for i, p := range plugins {
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-gate
				start := time.Now()
				a := answer{plugin: i}
				resp, err := p.QueryData(ctx, ds, nil, q)
				a.took = time.Since(start)
				switch {
				case err != nil:
					a.err = err
				case resp.Responses["A"].Error != "":
					a.err = fmt.Errorf("%s", resp.Responses["A"].Error)
				default:
					fr, err := data.UnmarshalArrowFrames(resp.Responses["A"].Frames)
					if err != nil || len(fr) != 1 || fr[0].Rows() != 1 {
						a.err = fmt.Errorf("frames %v (%v)", fr, err)
						break
					}
					v, _ := fr[0].Fields[1].ConcreteAt(0)
					a.value = fmt.Sprint(v)
				}
				mu.Lock()
				out = append(out, a)
				mu.Unlock()
			}()
		}
	}
	close(gate)
	if during != nil {
		during()
	}
	wg.Wait()
	return out
}

func startPlugins(t *testing.T, n int) []*harness.Plugin {
	t.Helper()
	var ps []*harness.Plugin
	for range n {
		ps = append(ps, startPlugin(t))
	}
	return ps
}

// TestSharedCacheAcrossProcesses: two plugin processes, 50 concurrent
// identical requests each, one data source, one Redis: PostgreSQL runs the
// query once.
func TestSharedCacheAcrossProcesses(t *testing.T) {
	pg, rd := testenv.Postgres(t), testenv.Redis(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	counter := newEngineCounter(t, ctx, pg)
	plugins := startPlugins(t, 2)
	ds := replicaDataSource(pg, rd.URL)
	q := query("A", "table", counter.sql(1), winFrom, winTo, nil)

	answers := fire(ctx, plugins, ds, q, 50, nil)
	check(t, answers, 100)
	// Later requests are hits on both replicas.
	check(t, fire(ctx, plugins, ds, q, 5, nil), 10)
	n := counter.settled(t, ctx, 1)
	t.Logf("2 processes x 50 concurrent identical requests (+5 each later): PostgreSQL ran the query %d time(s) (counted with %s)", n, counter.method())
	if n != 1 {
		t.Fatalf("PostgreSQL ran the query %d times, want exactly 1", n)
	}
}

// TestSharedCacheRedisKilled: Redis (a private instance) dies while one
// replica runs the query and the other waits for it: every request still
// answers, the waiting replica runs the query itself (at most one query per
// process), and the failover shows in the logs.
func TestSharedCacheRedisKilled(t *testing.T) {
	pg, rd := testenv.Postgres(t), testenv.PrivateRedis(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	counter := newEngineCounter(t, ctx, pg)
	plugins := startPlugins(t, 2)
	ds := replicaDataSource(pg, rd.URL)
	const sleep = 2.0
	q := query("A", "table", counter.sql(sleep), winFrom, winTo, nil)

	var killedAt time.Time
	start := time.Now()
	answers := fire(ctx, plugins, ds, q, 50, func() {
		time.Sleep(700 * time.Millisecond) // the loader runs; the other replica waits on its lease
		killedAt = time.Now()
		if err := rd.Kill(); err != nil {
			t.Error(err)
		}
	})
	check(t, answers, 100)
	n := counter.settled(t, ctx, 1)
	var longest time.Duration
	for _, a := range answers {
		longest = max(longest, a.took)
	}
	t.Logf("Redis killed %v into the requests: %d answers, PostgreSQL ran the query %d time(s), slowest answer %v (query %gs)",
		killedAt.Sub(start).Round(time.Millisecond), len(answers), n, longest.Round(time.Millisecond), sleep)
	if n < 1 || n > 2 {
		t.Fatalf("PostgreSQL ran the query %d times, want 1 or 2 (at most one per process)", n)
	}
	warned := 0
	for _, p := range plugins {
		if bytes.Contains([]byte(p.Logs()), []byte("shared cache: Redis failed")) {
			warned++
		}
	}
	if warned == 0 {
		t.Fatal("no plugin logged the Redis failure")
	}
	// After the outage, queries still answer (local cache / engine).
	check(t, fire(ctx, plugins, ds, q, 3, nil), 6)
}

func check(t *testing.T, answers []answer, want int) {
	t.Helper()
	if len(answers) != want {
		t.Fatalf("%d answers, want %d", len(answers), want)
	}
	var errs []string
	for _, a := range answers {
		if a.err != nil {
			errs = append(errs, fmt.Sprintf("plugin %d: %v", a.plugin, a.err))
		} else if a.value != "42" {
			errs = append(errs, fmt.Sprintf("plugin %d: value %q, want 42", a.plugin, a.value))
		}
	}
	sort.Strings(errs)
	if len(errs) > 0 {
		t.Fatalf("%d of %d requests failed; first: %s", len(errs), len(answers), errs[0])
	}
}
