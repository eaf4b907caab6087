package oracletest_test

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	chgo "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/jackc/pgx/v5"

	"github.com/bigtent/quarry/pkg/chdbtest"
	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/sqlplan/oracletest"
	"github.com/bigtent/quarry/pkg/testenv"
)

var update = flag.Bool("update", false, "rewrite testdata/realworld/golden/engines.txt from the engines' outcomes")

// realWorldEngineGolden holds the engine outcome of every real-dashboard
// query that is not plainly accepted, and the pass rates per source.
var realWorldEngineGolden = filepath.Join(testdata, "realworld", "golden", "engines.txt")

// fixturePrefix starts the name of every schema or database the real-world
// oracle creates (never the shared sample's).
const fixturePrefix = "quarry_rw_"

// realRunner runs planned real-world queries of one dialect against their
// fixtures.
type realRunner interface {
	// fixture prepares a fixture (statements from testdata) once per run.
	fixture(ctx context.Context, name string, stmts []string) error
	// run executes sql against the fixture and returns the engine's error.
	run(ctx context.Context, fixture, sql string) error
	close()
}

// TestRealWorldOnEngines plans every real-dashboard query and runs the
// planned SQL on its dialect's engine against the source's fixture:
// PostgreSQL 15 (fixture in a schema of its own, inside a transaction that
// is rolled back), ClickHouse 18.16 (fixture in database quarry_rw_<name>),
// DuckDB (in memory), the BigQuery emulator (no fixture). Queries marked
// "chdb" need a modern ClickHouse: they
// are planned for chDB's server version and run on chDB (ClickHouse 26.7
// in process, fixture in database quarry_rw_<name>); chDB must be
// available (chdbtest.Shared fails the test otherwise, and skips only with
// QUARRY_SKIP_INTEGRATION=1). Outcomes other than "accepted" are kept in
// testdata/realworld/golden/engines.txt (rewritten by -update); a change
// fails the test.
func TestRealWorldOnEngines(t *testing.T) {
	srcs, qs, err := oracletest.LoadRealWorld(testdata)
	if err != nil {
		t.Fatal(err)
	}
	outcome := map[string]string{}
	type tally struct{ ok, chdbOK, chdb, all int }
	per := map[string]*tally{}
	byDialect := map[sqlplan.Dialect][]oracletest.RealQuery{}
	for _, q := range qs {
		byDialect[q.Dialect] = append(byDialect[q.Dialect], q)
	}
	for _, d := range oracletest.Dialects {
		list := byDialect[d]
		if len(list) == 0 {
			continue
		}
		var r, modern realRunner
		switch d {
		case sqlplan.Postgres:
			r = newPGRunner(t)
		case sqlplan.ClickHouse:
			r = newCHRunner(t)
			for _, q := range list {
				if q.Engine == oracletest.EngineCHDB {
					modern = newCHDBRunner(t)
					break
				}
			}
		case sqlplan.DuckDB:
			r = newDuckRunner(t)
		case sqlplan.BigQuery:
			r = &bqRunner{e: bigQuery(t)}
		default:
			t.Fatalf("no real-world runner for %s", d)
		}
		ctx := context.Background()
		prepared := map[realRunner]map[string]bool{r: {}, modern: {}}
		for _, q := range list {
			key := q.Source + " " + string(d)
			if per[key] == nil {
				per[key] = &tally{}
			}
			tl := per[key]
			tl.all++
			run, req, prefix := r, q.Request, ""
			if q.Engine == oracletest.EngineCHDB {
				tl.chdb++
				run, prefix = modern, "chdb: "
				req.ServerVersion = modern.(*chdbRunner).version
			}
			plan, err := sqlplan.Build(ctx, req)
			if err != nil {
				outcome[q.Name] = prefix + "not planned"
				continue
			}
			if q.Fixture != "" && !prepared[run][q.Fixture] {
				stmts, err := oracletest.RealWorldFixture(testdata, q.Fixture)
				if err != nil {
					t.Fatal(err)
				}
				if err := run.fixture(ctx, q.Fixture, stmts); err != nil {
					t.Fatalf("fixture %s on %s%s: %v", q.Fixture, prefix, d, err)
				}
				prepared[run][q.Fixture] = true
			}
			qctx, cancel := context.WithTimeout(ctx, time.Minute)
			err = run.run(qctx, q.Fixture, plan.SQL)
			cancel()
			if err != nil {
				outcome[q.Name] = prefix + "rejected: " + engineError(err)
				continue
			}
			if q.Engine == oracletest.EngineCHDB {
				tl.chdbOK++
			} else {
				tl.ok++
			}
		}
		r.close()
		if modern != nil {
			modern.close()
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Real-dashboard queries on their engines: accepted share per source, and every query not accepted.\n")
	fmt.Fprintf(&b, "Rewrite with: go test ./pkg/sqlplan/oracletest -run TestRealWorldOnEngines -update\n\n")
	var sum tally
	for _, s := range srcs {
		key := s.Name + " " + string(s.Dialect)
		tl := per[key]
		if tl == nil {
			continue
		}
		line := fmt.Sprintf("%s: %s %d/%d", key, engineName[s.Dialect], tl.ok, tl.all-tl.chdb)
		if tl.chdb > 0 {
			line += fmt.Sprintf(", chDB %d/%d", tl.chdbOK, tl.chdb)
		}
		fmt.Fprintf(&b, "accepted %s\n", line)
		t.Logf("real-world %s accepted", line)
		sum.ok, sum.chdbOK, sum.chdb, sum.all = sum.ok+tl.ok, sum.chdbOK+tl.chdbOK, sum.chdb+tl.chdb, sum.all+tl.all
	}
	fmt.Fprintf(&b, "accepted total: %d/%d\n\n", sum.ok+sum.chdbOK, sum.all)
	t.Logf("real-world corpus on engines: %d of %d accepted (chDB %d of %d)", sum.ok+sum.chdbOK, sum.all, sum.chdbOK, sum.chdb)
	for _, q := range qs {
		if o, ok := outcome[q.Name]; ok {
			fmt.Fprintf(&b, "%s: %s\n", q.Name, o)
		}
	}
	got := b.String()
	if *update {
		if err := os.MkdirAll(filepath.Dir(realWorldEngineGolden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(realWorldEngineGolden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(realWorldEngineGolden)
	if err != nil {
		t.Fatalf("%v (run -update)", err)
	}
	if string(want) != got {
		t.Errorf("engine outcomes differ from %s (run -update after checking):\n--- want\n%s\n--- got\n%s", realWorldEngineGolden, want, got)
	}
}

// engineName names each dialect's engine in the golden's tallies.
var engineName = map[sqlplan.Dialect]string{
	sqlplan.Postgres:   "PostgreSQL 15",
	sqlplan.ClickHouse: "ClickHouse 18.16",
	sqlplan.BigQuery:   "emulator",
	sqlplan.DuckDB:     "DuckDB",
}

// engineError is the first line of an engine error, without the parts that
// vary between runs.
func engineError(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	s = strings.Join(strings.Fields(s), " ")
	if i := strings.Index(s, ", Stack trace"); i >= 0 {
		s = s[:i]
	}
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}

// pgRunner keeps every fixture in one transaction, each in a schema of its
// own, and rolls it back at the end: nothing is left on the shared server,
// and parallel runs do not meet.
type pgRunner struct {
	conn    *pgx.Conn
	tx      pgx.Tx
	schemas map[string]string
}

func newPGRunner(t *testing.T) *pgRunner {
	info := testenv.Postgres(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, info.DSN)
	if err != nil {
		t.Fatalf("connecting to PostgreSQL %s:%d: %v", info.Host, info.Port, err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "SET LOCAL statement_timeout = '30s'"); err != nil {
		t.Fatal(err)
	}
	return &pgRunner{conn: conn, tx: tx, schemas: map[string]string{}}
}

func (r *pgRunner) fixture(ctx context.Context, name string, stmts []string) error {
	schema := fmt.Sprintf("%s%s_%d", fixturePrefix, name, os.Getpid())
	if _, err := r.tx.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		return err
	}
	r.schemas[name] = schema
	if err := r.searchPath(ctx, name); err != nil {
		return err
	}
	for _, s := range stmts {
		if _, err := r.tx.Exec(ctx, s); err != nil {
			return fmt.Errorf("%w\n%s", err, s)
		}
	}
	return nil
}

func (r *pgRunner) searchPath(ctx context.Context, fixture string) error {
	path := "public"
	if s, ok := r.schemas[fixture]; ok {
		path = pgx.Identifier{s}.Sanitize() + ", public"
	}
	_, err := r.tx.Exec(ctx, "SET LOCAL search_path TO "+path)
	return err
}

func (r *pgRunner) run(ctx context.Context, fixture, q string) error {
	if err := r.searchPath(ctx, fixture); err != nil {
		return err
	}
	if _, err := r.tx.Exec(ctx, "SAVEPOINT rw"); err != nil {
		return err
	}
	err := func() error {
		rows, err := r.tx.Query(ctx, q)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
		}
		return rows.Err()
	}()
	if err != nil {
		if _, rerr := r.tx.Exec(context.Background(), "ROLLBACK TO SAVEPOINT rw"); rerr != nil {
			return fmt.Errorf("%w (and the rollback failed: %v)", err, rerr)
		}
		return err
	}
	_, err = r.tx.Exec(ctx, "RELEASE SAVEPOINT rw")
	return err
}

func (r *pgRunner) close() {
	r.tx.Rollback(context.Background())
	r.conn.Close(context.Background())
}

// chRunner creates each fixture once in database quarry_rw_<fixture> (the
// fixture's statements name it {db}); a table "_ready" marks a complete
// fixture, so later runs reuse it. Fixture names carry a version: a changed
// fixture gets a new name.
type chRunner struct {
	t     *testing.T
	addr  string
	conns map[string]driver.Conn
}

func newCHRunner(t *testing.T) *chRunner {
	info := testenv.ClickHouse(t)
	return &chRunner{t: t, addr: info.Addr, conns: map[string]driver.Conn{}}
}

func (r *chRunner) open(ctx context.Context, db string) (driver.Conn, error) {
	if c, ok := r.conns[db]; ok {
		return c, nil
	}
	c, err := chgo.Open(&chgo.Options{
		Addr:        []string{r.addr},
		Protocol:    chgo.Native,
		Auth:        chgo.Auth{Database: db, Username: "default"},
		DialTimeout: 10 * time.Second,
	})
	if err != nil {
		return nil, err
	}
	if err := c.Ping(ctx); err != nil {
		c.Close()
		return nil, err
	}
	r.conns[db] = c
	return c, nil
}

func (r *chRunner) fixture(ctx context.Context, name string, stmts []string) error {
	db := fixturePrefix + name
	c, err := r.open(ctx, "default")
	if err != nil {
		return err
	}
	var ready uint64
	if err := c.QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = ? AND name = '_ready'", db).Scan(&ready); err != nil {
		return err
	}
	if ready > 0 {
		return nil
	}
	if err := c.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+db); err != nil {
		return err
	}
	for _, s := range stmts {
		if err := c.Exec(ctx, strings.ReplaceAll(s, "{db}", db)); err != nil {
			return fmt.Errorf("%w\n%s", err, s)
		}
	}
	return c.Exec(ctx, "CREATE TABLE IF NOT EXISTS "+db+"._ready (x UInt8) ENGINE = TinyLog")
}

func (r *chRunner) run(ctx context.Context, fixture, q string) error {
	db := "default"
	if fixture != "" {
		db = fixturePrefix + fixture
	}
	c, err := r.open(ctx, db)
	if err != nil {
		return err
	}
	rows, err := c.Query(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
	}
	return rows.Err()
}

func (r *chRunner) close() {
	for _, c := range r.conns {
		c.Close()
	}
}

// chdbRunner runs queries that need a modern ClickHouse on chDB, the
// process's shared session (chdbtest.Shared). Each fixture goes to
// database quarry_rw_<fixture>, created afresh for the run (chDB's data
// directory is the process's own).
type chdbRunner struct {
	s       *chdbtest.Session
	version string
	// inDefault holds the fixtures that name no {db}: their tables are in
	// "default", as their dashboards name them, and queries run there.
	inDefault map[string]bool
}

func newCHDBRunner(t *testing.T) *chdbRunner {
	s := chdbtest.Shared(t)
	v, err := s.ServerVersion(context.Background())
	if err != nil {
		t.Fatalf("chDB version: %v", err)
	}
	stmts, err := oracletest.RealWorldFixture(testdata, chdbSystemFixture)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Exec(context.Background(), stmts...); err != nil {
		t.Fatalf("fixture %s on chDB: %v", chdbSystemFixture, err)
	}
	return &chdbRunner{s: s, version: v, inDefault: map[string]bool{}}
}

// chdbSystemFixture creates the system log tables (system.query_log, ...)
// that a server keeps and chDB does not; <fixture>.chdb.sql, when present,
// adds a fixture's tables that need a modern ClickHouse.
const chdbSystemFixture = "chdb_system"

func (r *chdbRunner) fixture(ctx context.Context, name string, stmts []string) error {
	db := fixturePrefix + name
	// The fixtures are written for ClickHouse 18.16 too: MergeTree's
	// old parameter syntax.
	if err := r.s.Exec(ctx, "SET allow_deprecated_syntax_for_merge_tree = 1",
		"DROP DATABASE IF EXISTS "+db, "CREATE DATABASE "+db); err != nil {
		return err
	}
	modern, err := oracletest.RealWorldFixture(testdata, name+".chdb")
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	all := append(stmts, modern...)
	r.inDefault[name] = !slices.ContainsFunc(all, func(s string) bool { return strings.Contains(s, "{db}") })
	for _, s := range all {
		if err := r.s.Exec(ctx, strings.ReplaceAll(s, "{db}", db)); err != nil {
			return err
		}
	}
	return nil
}

// run makes the fixture's database the session's current one (USE) and
// executes q.
func (r *chdbRunner) run(ctx context.Context, fixture, q string) error {
	db := "default"
	if fixture != "" && !r.inDefault[fixture] {
		db = fixturePrefix + fixture
	}
	if err := r.s.Exec(ctx, "USE "+db); err != nil {
		return err
	}
	_, err := r.s.Raw(ctx, q, "Null")
	return err
}

func (r *chdbRunner) close() {}

// bqRunner runs queries on the BigQuery emulator through the corpus
// oracle's engine (analysed only where that engine analyses only, and
// never cancelled). The BigQuery sources read no fixture yet.
type bqRunner struct{ e engine }

func (r *bqRunner) fixture(ctx context.Context, name string, stmts []string) error {
	return fmt.Errorf("BigQuery real-world fixtures are not supported (fixture %s)", name)
}

func (r *bqRunner) run(ctx context.Context, fixture, q string) error {
	if r.e.noDeadline {
		ctx = context.Background()
	}
	if r.e.analyseOnly {
		// A planned query keeps the dashboard's trailing ';', which cannot
		// stand inside the subquery.
		q = "SELECT * FROM (" + strings.TrimSuffix(strings.TrimSpace(q), ";") + ") LIMIT 0"
	}
	_, err := r.e.rows(ctx, q)
	return err
}

func (r *bqRunner) close() { r.e.close() }

// duckRunner opens one in-memory DuckDB database per fixture.
type duckRunner struct {
	dbs map[string]*sql.DB
}

func newDuckRunner(t *testing.T) *duckRunner { return &duckRunner{dbs: map[string]*sql.DB{}} }

func (r *duckRunner) db(fixture string) (*sql.DB, error) {
	if db, ok := r.dbs[fixture]; ok {
		return db, nil
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	r.dbs[fixture] = db
	return db, nil
}

func (r *duckRunner) fixture(ctx context.Context, name string, stmts []string) error {
	db, err := r.db(name)
	if err != nil {
		return err
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%w\n%s", err, s)
		}
	}
	return nil
}

func (r *duckRunner) run(ctx context.Context, fixture, q string) error {
	db, err := r.db(fixture)
	if err != nil {
		return err
	}
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
	}
	return rows.Err()
}

func (r *duckRunner) close() {
	for _, db := range r.dbs {
		db.Close()
	}
}
