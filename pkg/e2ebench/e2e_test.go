package e2ebench_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bigtent/quarry/pkg/e2ebench"
	"github.com/bigtent/quarry/pkg/harness"
	"github.com/bigtent/quarry/pkg/testenv"
)

// envInt reads a positive integer from the environment, or def.
func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		t.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

// TestE2E builds both plugins, runs the benchmark's query on every engine
// over gRPC and checks that every answer is complete. It asserts nothing
// about time: the figures are logged (scripts/bench-e2e.sh runs the full
// configuration: QUARRY_E2E_ROWS, QUARRY_E2E_RUNS, QUARRY_E2E_SELECT1).
func TestE2E(t *testing.T) {
	if os.Getenv(testenv.SkipEnv) == "1" {
		t.Skip("integration test skipped: " + testenv.SkipEnv + "=1")
	}
	cfg := e2ebench.Config{
		Rows:    envInt(t, "QUARRY_E2E_ROWS", 50_000),
		Runs:    envInt(t, "QUARRY_E2E_RUNS", 3),
		Select1: envInt(t, "QUARRY_E2E_SELECT1", 30),
		Logf:    t.Logf,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Hour)
	defer cancel()
	dir := t.TempDir()
	var err error
	if cfg.QuarryBin, err = harness.Build(ctx, "", dir); err != nil {
		t.Fatal(err)
	}
	// QUARRY_E2E_BASELINE (a checkout of another commit, e.g. a worktree of
	// main) puts that Quarry in the peer's place, with Quarry's settings:
	// a before/after comparison of two builds in one run.
	baseline := os.Getenv("QUARRY_E2E_BASELINE")
	if baseline != "" {
		if cfg.PeerBin, err = harness.BuildPackage(ctx, baseline, "./pkg", filepath.Join(dir, "gpx_quarry_baseline")); err != nil {
			t.Fatal(err)
		}
		t.Logf("the peer columns are Quarry built from %s", baseline)
	} else if cfg.PeerBin, err = harness.BuildPackage(ctx, "", "./pkg/benchpeer/cmd/gpx_benchpeer", filepath.Join(dir, "gpx_benchpeer")); err != nil {
		t.Fatal(err)
	}
	// Each engine asks testenv for its own server only when it runs, so a
	// run of QUARRY_E2E_ENGINES=duckdb needs no service.
	targets := map[string]func() (e2ebench.Target, error){
		"postgres":   func() (e2ebench.Target, error) { return e2ebench.Postgres(ctx, testenv.Postgres(t), cfg.Rows) },
		"clickhouse": func() (e2ebench.Target, error) { return e2ebench.ClickHouse(ctx, testenv.ClickHouse(t), cfg.Rows) },
		"duckdb": func() (e2ebench.Target, error) {
			return e2ebench.DuckDB(ctx, filepath.Join(testenv.StateDir(), "e2ebench"), cfg.Rows)
		},
	}
	// QUARRY_E2E_ENGINES (comma-separated) picks engines; all by default.
	engines := []string{"postgres", "clickhouse", "duckdb"}
	if v := os.Getenv("QUARRY_E2E_ENGINES"); v != "" {
		engines = strings.Split(v, ",")
	}
	var results []e2ebench.Result
	for _, name := range engines {
		mk := targets[strings.TrimSpace(name)]
		if mk == nil {
			t.Fatalf("QUARRY_E2E_ENGINES: unknown engine %q (postgres, clickhouse, duckdb)", name)
		}
		tg, err := mk()
		if err != nil {
			t.Fatal(err)
		}
		if baseline != "" {
			tg.Peer, tg.PeerSecure = tg.Quarry, tg.QuarrySecure
		}
		r, err := e2ebench.Run(ctx, cfg, tg)
		tg.Close()
		if err != nil {
			t.Fatalf("%s: %v", tg.Engine, err)
		}
		if r.Quarry.Payload == 0 || r.Peer.Payload == 0 || r.Quarry.RSSPeak == 0 || r.Peer.RSSPeak == 0 {
			t.Errorf("%s: missing figures: %+v", tg.Engine, r)
		}
		results = append(results, r)
	}
	t.Logf("end to end, %d rows, medians of %d alternating runs, SELECT 1 median of %d:\n%s",
		cfg.Rows, cfg.Runs, cfg.Select1, e2ebench.Table(results))
}
