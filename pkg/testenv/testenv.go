// Package testenv hands integration tests the real services Quarry tests
// against: PostgreSQL 15, ClickHouse, the BigQuery emulator and a DuckDB file,
// each with the sample data (pkg/sample) loaded.
//
// Services are started by scripts/services.sh, whose state (pid files, data,
// the env file and the `ready` marker) lives in $QUARRY_STATE_DIR (default
// /tmp/quarry-services). When they are not running, the first call here runs
// `scripts/services.sh start` itself; the script holds a file lock, so test
// binaries running in parallel start them once. When that fails the test
// fails (never skips) and says how to start them. Only
// QUARRY_SKIP_INTEGRATION=1 skips.
package testenv

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// PostgresInfo locates the PostgreSQL server; the sample is in database
// Database, schema sample.
type PostgresInfo struct {
	DSN      string
	Host     string
	Port     int
	User     string
	Database string
}

// ClickHouseInfo locates the ClickHouse server; the sample is in database
// Database. Addr is host:port of the native protocol (the only one
// clickhouse-go v2 can use with ClickHouse 18.16).
//
// User is the admin user (readonly=0), which tests use to create fixtures.
// ReaderUser is the least-privilege user of scripts/services.sh: profile
// readonly=1 with the limits, the sample database only. Readonly2User has a
// readonly=2 profile (a query may change settings), for the health warning.
type ClickHouseInfo struct {
	Addr          string
	Database      string
	User          string
	ReaderUser    string
	Readonly2User string
	Version       string
}

// ClickHouseClusterInfo locates the two-shard ClickHouse cluster: Shards[0]
// is the server ClickHouse returns (with the sample), Shards[1] a second
// server with no sample. Both define cluster Name in their remote_servers.
type ClickHouseClusterInfo struct {
	Name   string
	Shards []string
	User   string
}

// BigQueryInfo locates the BigQuery emulator; the sample is in
// Project.Dataset. Endpoint is the REST root (http://127.0.0.1:port).
type BigQueryInfo struct {
	Endpoint string
	GRPCAddr string
	Project  string
	Dataset  string
}

// DuckDBInfo is a DuckDB database file with the sample loaded. It is shared
// by every test: open it read-only (access_mode=read_only).
type DuckDBInfo struct {
	Path string
}

// SkipEnv is the environment variable that skips integration tests when "1".
const SkipEnv = "QUARRY_SKIP_INTEGRATION"

// startTimeout bounds `scripts/services.sh start`; a cold machine builds the
// BigQuery emulator first (tens of minutes).
const startTimeout = 55 * time.Minute

const howTo = "start the services with `scripts/services.sh start` from the repository root " +
	"(logs in $QUARRY_STATE_DIR/logs, default /tmp/quarry-services/logs), or set " + SkipEnv + "=1 to skip integration tests"

// Postgres returns the PostgreSQL server with the sample loaded.
func Postgres(t testing.TB) PostgresInfo {
	t.Helper()
	env := services(t)
	port, err := strconv.Atoi(env["QUARRY_PG_PORT"])
	if err != nil {
		t.Fatalf("testenv: bad QUARRY_PG_PORT %q in %s: %v", env["QUARRY_PG_PORT"], envFile(), err)
	}
	return PostgresInfo{
		DSN: env["QUARRY_PG_DSN"], Host: env["QUARRY_PG_HOST"], Port: port,
		User: env["QUARRY_PG_USER"], Database: env["QUARRY_PG_DATABASE"],
	}
}

// ClickHouse returns the ClickHouse server with the sample loaded.
func ClickHouse(t testing.TB) ClickHouseInfo {
	t.Helper()
	env := services(t)
	return ClickHouseInfo{
		Addr: env["QUARRY_CH_ADDR"], Database: env["QUARRY_CH_DATABASE"],
		User: env["QUARRY_CH_USER"], ReaderUser: env["QUARRY_CH_READER_USER"],
		Readonly2User: env["QUARRY_CH_READONLY2_USER"], Version: env["QUARRY_CH_VERSION"],
	}
}

// ClickHouseCluster returns the two-shard ClickHouse cluster.
func ClickHouseCluster(t testing.TB) ClickHouseClusterInfo {
	t.Helper()
	env := services(t)
	return ClickHouseClusterInfo{
		Name:   env["QUARRY_CH_CLUSTER"],
		Shards: []string{env["QUARRY_CH_ADDR"], env["QUARRY_CH2_ADDR"]},
		User:   env["QUARRY_CH_USER"],
	}
}

// BigQuery returns the BigQuery emulator with the sample loaded.
func BigQuery(t testing.TB) BigQueryInfo {
	t.Helper()
	env := services(t)
	return BigQueryInfo{
		Endpoint: env["QUARRY_BQ_ENDPOINT"], GRPCAddr: env["QUARRY_BQ_GRPC_ADDR"],
		Project: env["QUARRY_BQ_PROJECT"], Dataset: env["QUARRY_BQ_DATASET"],
	}
}

// DuckDB returns a DuckDB file with the sample loaded, building it once
// (the file is not named sample.duckdb: DuckDB names the catalog after the
// file, and a catalog "sample" would make schema sample ambiguous)
// (under the state dir, with a file lock) with
// `go run ./pkg/sample/cmd/quarry-sample load -engine duckdb`.
func DuckDB(t testing.TB) DuckDBInfo {
	t.Helper()
	skipIfAsked(t)
	root, err := repoRoot()
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	// The file name carries the sample's digest, so a changed generator
	// builds a new file instead of reusing a stale one.
	digest, err := os.ReadFile(filepath.Join(root, "testdata", "sample", "digest.txt"))
	if err != nil || len(bytes.TrimSpace(digest)) < 12 {
		t.Fatalf("testenv: reading testdata/sample/digest.txt: %v", err)
	}
	path := filepath.Join(StateDir(), "duckdb", "quarry-sample-"+string(bytes.TrimSpace(digest)[:12])+".duckdb")
	if fileExists(path) {
		return DuckDBInfo{Path: path}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatalf("testenv: creating %s: %v", filepath.Dir(path), err)
	}
	unlock, err := lockFile(filepath.Join(filepath.Dir(path), "build.lock"))
	if err != nil {
		t.Fatalf("testenv: locking the DuckDB sample build: %v", err)
	}
	defer unlock()
	if fileExists(path) { // built by another test binary while we waited
		return DuckDBInfo{Path: path}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "run", "./pkg/sample/cmd/quarry-sample", "load", "-engine", "duckdb", "-path", path)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("testenv: building the DuckDB sample %s failed: %v\n%s\nrun `go run ./pkg/sample/cmd/quarry-sample load -engine duckdb -path %s` to see why",
			path, err, tail(out, 30), path)
	}
	return DuckDBInfo{Path: path}
}

// StateDir is the services' state directory: $QUARRY_STATE_DIR or /tmp/quarry-services.
func StateDir() string {
	if d := os.Getenv("QUARRY_STATE_DIR"); d != "" {
		return d
	}
	return "/tmp/quarry-services"
}

func envFile() string { return filepath.Join(StateDir(), "env") }

func skipIfAsked(t testing.TB) {
	t.Helper()
	if os.Getenv(SkipEnv) == "1" {
		t.Skip("integration test skipped: " + SkipEnv + "=1")
	}
}

// services returns the env file of running, loaded services, starting them
// when needed.
func services(t testing.TB) map[string]string {
	t.Helper()
	skipIfAsked(t)
	if env, err := running(); err == nil {
		return env
	}
	root, err := repoRoot()
	if err != nil {
		t.Fatalf("testenv: services are not running and %v; %s", err, howTo)
	}
	t.Logf("testenv: services are not running; running scripts/services.sh start (the first run on a machine builds the BigQuery emulator: 25-55 minutes)")
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(root, "scripts", "services.sh"), "start")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "QUARRY_STATE_DIR="+StateDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("testenv: scripts/services.sh start failed: %v\n%s\n%s", err, tail(out, 40), howTo)
	}
	env, err := running()
	if err != nil {
		t.Fatalf("testenv: services still not ready after scripts/services.sh start: %v\n%s\n%s", err, tail(out, 40), howTo)
	}
	return env
}

// running reads the env file and checks that the sample is marked loaded and
// every service accepts connections.
func running() (map[string]string, error) {
	ready, err := os.ReadFile(filepath.Join(StateDir(), "ready"))
	if err != nil {
		return nil, fmt.Errorf("the sample is not marked loaded: %w", err)
	}
	// Line 2 of the marker is the digest of the loaded sample.
	if root, err := repoRoot(); err == nil {
		digest, err := os.ReadFile(filepath.Join(root, "testdata", "sample", "digest.txt"))
		lines := strings.Split(string(ready), "\n")
		if err == nil && (len(lines) < 2 || lines[1] != strings.TrimSpace(string(digest))) {
			return nil, errors.New("the loaded sample is from another generator version (testdata/sample/digest.txt)")
		}
	}
	env, err := readEnv(envFile())
	if err != nil {
		return nil, err
	}
	pg := net.JoinHostPort(env["QUARRY_PG_HOST"], env["QUARRY_PG_PORT"])
	bq := ""
	if u, err := url.Parse(env["QUARRY_BQ_ENDPOINT"]); err == nil {
		bq = u.Host
	}
	for _, addr := range []string{pg, env["QUARRY_CH_ADDR"], env["QUARRY_CH2_ADDR"], bq} {
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			return nil, fmt.Errorf("service at %q does not accept connections: %w", addr, err)
		}
		c.Close()
	}
	if err := bigQueryAnswers(env["QUARRY_BQ_ENDPOINT"], env["QUARRY_BQ_PROJECT"]); err != nil {
		return nil, err
	}
	return env, nil
}

// bigQueryAnswers runs SELECT 1 in the emulator. goccy/bigquery-emulator
// v0.6.6 closes its database when a client cancels a running query, and then
// fails every query ("sql: connection is already closed"); scripts/services.sh
// start restarts it when this check fails.
func bigQueryAnswers(endpoint, project string) error {
	// A transport of its own, closed on return: no idle keep-alive
	// connection (and its two goroutines) outlives the probe.
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Timeout: 20 * time.Second, Transport: tr}
	u := strings.TrimRight(endpoint, "/") + "/bigquery/v2/projects/" + url.PathEscape(project) + "/queries"
	resp, err := client.Post(u, "application/json", strings.NewReader(`{"query":"SELECT 1","useLegacySql":false}`))
	if err != nil {
		return fmt.Errorf("bigquery emulator at %s: %w", endpoint, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(`"jobComplete":true`)) {
		return fmt.Errorf("bigquery emulator at %s does not answer SELECT 1 (HTTP %d: %s)", endpoint, resp.StatusCode, bytes.TrimSpace(body))
	}
	return nil
}

// readEnv parses the `export KEY='value'` lines scripts/services.sh writes.
func readEnv(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	env := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		s = strings.TrimPrefix(s, "export ")
		k, v, ok := strings.Cut(s, "=")
		if !ok {
			return nil, fmt.Errorf("%s:%d: want KEY=value", path, line)
		}
		if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
			v = v[1 : len(v)-1]
		}
		env[k] = v
	}
	for _, k := range []string{"QUARRY_PG_DSN", "QUARRY_PG_HOST", "QUARRY_PG_PORT", "QUARRY_CH_ADDR", "QUARRY_CH_READER_USER", "QUARRY_CH_READONLY2_USER", "QUARRY_CH2_ADDR", "QUARRY_CH_CLUSTER", "QUARRY_BQ_ENDPOINT", "QUARRY_BQ_PROJECT", "QUARRY_BQ_DATASET"} {
		if env[k] == "" {
			return nil, fmt.Errorf("%s has no %s", path, k)
		}
	}
	return env, sc.Err()
}

// repoRoot finds the module root: upward from the working directory, else
// from this source file.
func repoRoot() (string, error) {
	isRoot := func(dir string) bool {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		return err == nil && bytes.Contains(data, []byte("module github.com/bigtent/quarry\n")) &&
			fileExists(filepath.Join(dir, "scripts", "services.sh"))
	}
	if wd, err := os.Getwd(); err == nil {
		for dir := wd; ; dir = filepath.Dir(dir) {
			if isRoot(dir) {
				return dir, nil
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		if dir := filepath.Join(filepath.Dir(file), "..", ".."); isRoot(dir) {
			return filepath.Clean(dir), nil
		}
	}
	return "", errors.New("cannot find the quarry repository root (go.mod with scripts/services.sh)")
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// lockFile takes an exclusive flock on path, waiting for it.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("flock %s: %w", path, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// tail returns the last n lines of out.
func tail(out []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
