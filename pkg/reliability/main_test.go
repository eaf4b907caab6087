package reliability

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"

	"github.com/bigtent/quarry/pkg/harness"
)

// binary is the plugin built once for every test of the package.
var binary string

func TestMain(m *testing.M) {
	if os.Getenv("QUARRY_SKIP_INTEGRATION") == "1" {
		fmt.Println("reliability: QUARRY_SKIP_INTEGRATION=1, skipping the reliability suite")
		os.Exit(0)
	}
	dir, err := os.MkdirTemp("", "quarry-reliability-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	binary, err = harness.Build(ctx, "", dir)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	for _, p := range privs.instances {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		if err := p.Close(ctx); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = max(code, 1)
		}
		cancel()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// privs are the package's private service instances, started on first use
// and stopped by TestMain.
var privs struct {
	mu        sync.Mutex
	instances map[string]*Private
}

// privatePorts keep clear of the shared instance (55432, 59000, …) and of
// scripts/test-services.sh (55442, 59010, …). The databases and the emulator
// are separate instances, so the database tests never wait for the emulator.
var privatePorts = Ports{Postgres: 55472, ClickHouse: 59040, ClickHouseHTTP: 58163, BigQuery: 59130, BigQueryGRPC: 59140}

// private returns the private PostgreSQL and ClickHouse instance (state in
// /tmp/quarry-rel-db) that tests may kill and restart.
func private(t testing.TB) *Private { return privateInstance(t, "db", "postgres", "clickhouse") }

// privateEmulator returns the private BigQuery emulator (state in
// /tmp/quarry-rel-bq).
func privateEmulator(t testing.TB) *Private { return privateInstance(t, "bq", "bigquery") }

func privateInstance(t testing.TB, name string, services ...string) *Private {
	t.Helper()
	privs.mu.Lock()
	defer privs.mu.Unlock()
	if p := privs.instances[name]; p != nil {
		return p
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Minute) // a cold machine builds the emulator first
	defer cancel()
	p, err := StartPrivate(ctx, repoRoot(t), "/tmp/quarry-rel-"+name, privatePorts, services...)
	if err != nil {
		t.Fatal(err)
	}
	if privs.instances == nil {
		privs.instances = map[string]*Private{}
	}
	privs.instances[name] = p
	return p
}

// privateSources are data sources on the private instance, with small pools.
func privateSources(p *harness.Plugin, ports Ports) (pg, ch, bq harness.DataSource) {
	pg = p.NewDataSource("private postgres", map[string]any{"engine": "postgres", "host": "127.0.0.1", "port": ports.Postgres,
		"database": "quarry", "user": "postgres", "sslmode": "disable", "maxConns": 2, "cacheTTL": 0}, nil)
	ch = p.NewDataSource("private clickhouse", map[string]any{"engine": "clickhouse", "host": "127.0.0.1", "port": ports.ClickHouse,
		"database": "default", "user": "default", "maxOpenConns": 2, "cacheTTL": 0}, nil)
	bq = p.NewDataSource("private bigquery", map[string]any{"engine": "bigquery", "defaultProject": "quarry", "defaultDataset": "sample",
		"endpoint": fmt.Sprintf("http://127.0.0.1:%d", ports.BigQuery), "cacheTTL": 0, "queryTimeout": "15s"}, nil)
	return pg, ch, bq
}

// repoRoot is the module root (where scripts/ and testdata/ are).
func repoRoot(t testing.TB) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("locating the module: %v", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}

// startPlugin launches the plugin binary; on failure the test log gets the
// tail of what the plugin logged.
func startPlugin(t testing.TB) *harness.Plugin {
	t.Helper()
	p, err := harness.Start(binary)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Close()
		if t.Failed() {
			t.Logf("plugin log:\n%s", tail(p.Logs(), 4000))
		}
	})
	return p
}

// checkAlive fails the test when the plugin process has exited or logged a
// panic (a recovered one included).
func checkAlive(t testing.TB, p *harness.Plugin) {
	t.Helper()
	if p.Exited() {
		t.Fatalf("the plugin process exited:\n%s", tail(p.Logs(), 3000))
	}
	if logs := p.Logs(); strings.Contains(strings.ToLower(logs), "panic") {
		i := strings.Index(strings.ToLower(logs), "panic")
		t.Fatalf("the plugin logged a panic: …%s…", logs[max(0, i-500):min(len(logs), i+1500)])
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

var (
	anyFrom = time.Date(2024, 1, 30, 6, 0, 0, 0, time.UTC)
	anyTo   = anyFrom.Add(6 * time.Hour)
)

// tableQuery is a table-format query of sql.
func tableQuery(refID, sql string, extra map[string]any) harness.Query {
	js := map[string]any{"refId": refID, "rawSql": sql, "format": "table"}
	for k, v := range extra {
		js[k] = v
	}
	return harness.Query{RefID: refID, JSON: js, From: anyFrom, To: anyTo, Interval: time.Minute, MaxDataPoints: 1000}
}

// one sends a single query and returns its response.
func one(ctx context.Context, t testing.TB, p *harness.Plugin, ds harness.DataSource, q harness.Query) *pluginv2.DataResponse {
	t.Helper()
	resp, err := p.QueryData(ctx, ds, nil, q)
	if err != nil {
		t.Fatalf("QueryData %s: %v", q.RefID, err)
	}
	r, ok := resp.Responses[q.RefID]
	if !ok {
		t.Fatalf("QueryData: no response for %s", q.RefID)
	}
	return r
}

// mustRows decodes a successful response and returns its row count.
func mustRows(t testing.TB, r *pluginv2.DataResponse) int {
	t.Helper()
	if r.Error != "" {
		t.Fatalf("query failed (%s): %s", r.ErrorSource, r.Error)
	}
	fr, err := data.UnmarshalArrowFrames(r.Frames)
	if err != nil {
		t.Fatalf("decoding frames: %v", err)
	}
	n := 0
	for _, f := range fr {
		n += f.Rows()
	}
	return n
}
