package clickhouse

import (
	"context"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/testenv"
)

// blank is s with spaces from byte from to the end.
func blank(s string, from int) string { return s[:from] + strings.Repeat(" ", len(s)-from) }

func TestLiftSettings(t *testing.T) {
	for _, tt := range []struct {
		name, sql string
		strings   bool
		wantSQL   string
		want      ch.Settings
	}{
		{"allowed integers", "SELECT 1 SETTINGS max_threads = 2, join_use_nulls = 1", false,
			blank("SELECT 1 SETTINGS max_threads = 2, join_use_nulls = 1", 9), ch.Settings{"max_threads": 2, "join_use_nulls": 1}},
		{"string on an old protocol stays", "SELECT 1 SETTINGS join_algorithm = 'hash'", false, "", nil},
		{"string on a current protocol", "SELECT 1 SETTINGS join_algorithm = 'hash'", true,
			blank("SELECT 1 SETTINGS join_algorithm = 'hash'", 9), ch.Settings{"join_algorithm": "hash"}},
		{"a limit keeps the whole clause", "SELECT 1 SETTINGS max_threads = 2, max_execution_time = 100", true, "", nil},
		{"readonly stays", "SELECT 1 SETTINGS readonly = 0", true, "", nil},
		{"allow_ stays", "SELECT 1 SETTINGS allow_ddl = 1", true, "", nil},
		{"an expression stays", "SELECT 1 SETTINGS max_threads = 1 + 1", true, "", nil},
		{"an escaped string stays", `SELECT 1 SETTINGS session_timezone = 'a\'b'`, true, "", nil},
		{"a subquery's settings stay", "SELECT * FROM (SELECT 1 SETTINGS max_threads = 2)", true, "", nil},
		{"two statements stay", "SELECT 1 SETTINGS max_threads = 2; SELECT 2", true, "", nil},
		{"no settings", "SELECT 1", true, "", nil},
		{"settings in any case", "SELECT 1 SeTtInGs max_threads = 2", false,
			blank("SELECT 1 SeTtInGs max_threads = 2", 9), ch.Settings{"max_threads": 2}},
		{"the word elsewhere only", "SELECT 'settings' AS s", true, "", nil},
		{"a FORMAT after SETTINGS stays in place", "SELECT 1 SETTINGS max_threads = 2 FORMAT JSON", false,
			"SELECT 1                          FORMAT JSON", ch.Settings{"max_threads": 2}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sql, got := liftSettings(tt.sql, tt.strings)
			if tt.want == nil {
				if sql != tt.sql || got != nil {
					t.Fatalf("lifted %v, sql %q; want the query unchanged", got, sql)
				}
				return
			}
			if sql != tt.wantSQL || len(sql) != len(tt.sql) {
				t.Errorf("sql %q, want %q (same length)", sql, tt.wantSQL)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("lifted %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("lifted %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestQuerySettings(t *testing.T) {
	lifted := ch.Settings{"max_threads": 2}
	if s := querySettings(1, 30*time.Second, lifted); len(s) != 0 {
		t.Errorf("readonly=1 user: sent %v, want nothing (the profile's limits hold)", s)
	}
	if s := querySettings(0, 30*time.Second, lifted); s["readonly"] != 1 || s["max_execution_time"] != 31 || s["max_threads"] != 2 {
		t.Errorf("readonly=0 user: sent %v", s)
	}
	if s := querySettings(2, 30*time.Second, lifted); s["readonly"] != nil || s["max_threads"] != nil || s["max_execution_time"] != 31 {
		t.Errorf("readonly=2 user: sent %v", s)
	}
}

// TestChangeable is Health's decision on a server with settings constraints
// (the system.settings columns readonly and max, ClickHouse 19.14 and
// later), as a fake of the rows it reads.
func TestChangeable(t *testing.T) {
	all := map[string]bool{}
	for _, n := range backstopLimits {
		all[n] = true
	}
	if got := changeable(2, all); len(got) != 0 {
		t.Errorf("every limit constrained: %v", got)
	}
	got := changeable(2, map[string]bool{"max_execution_time": true})
	if strings.Contains(strings.Join(got, ","), "max_execution_time") || strings.Contains(strings.Join(got, ","), "readonly") || len(got) != len(backstopLimits)-2 {
		t.Errorf("readonly=2 with a constraint on max_execution_time: %v", got)
	}
	if got := changeable(0, nil); len(got) != len(backstopLimits) {
		t.Errorf("readonly=0 without constraints: %v", got)
	}
}

// probeConn asks the server, with each call's own context, which settings
// that context carries, then makes the call.
type probeConn struct {
	driver.Conn
	mu   sync.Mutex
	seen []map[string]string // the settings, and "sql": the statement
}

func (p *probeConn) probe(ctx context.Context, sql string) {
	// The statement's settings, without its query id: reusing the id races
	// with the statement itself ("Query with id … is already running", code
	// 216) when the server has not yet let go of the probe.
	ctx = ch.Context(ctx, ch.WithQueryID(""))
	rows, err := p.Conn.Query(ctx, "SELECT name, value FROM system.settings WHERE name IN ('readonly', 'max_execution_time')")
	if err != nil {
		return
	}
	defer rows.Close()
	m := map[string]string{"sql": sql}
	for rows.Next() {
		var k, v string
		if rows.Scan(&k, &v) == nil {
			m[k] = v
		}
	}
	p.mu.Lock()
	p.seen = append(p.seen, m)
	p.mu.Unlock()
}

func (p *probeConn) Query(ctx context.Context, q string, args ...any) (driver.Rows, error) {
	p.probe(ctx, q)
	return p.Conn.Query(ctx, q, args...)
}

func (p *probeConn) QueryRow(ctx context.Context, q string, args ...any) driver.Row {
	p.probe(ctx, q)
	return p.Conn.QueryRow(ctx, q, args...)
}

// TestEstimateRunsWithQuerySettings: every statement of an estimate reaches
// the server with the query's time limit, and the one that carries the
// user's SQL (EXPLAIN ESTIMATE, 21.9 and later) with all of the query's
// settings. On 18.16 the estimate sends Quarry's own statistics statements
// only (the user's SQL is parsed, never sent), so the second check holds
// vacuously there; liftSettings and prepare are shared with Query.
func TestEstimateRunsWithQuerySettings(t *testing.T) {
	info := testenv.ClickHouse(t)
	host, port, _ := net.SplitHostPort(info.Addr)
	p, _ := strconv.Atoi(port)
	e, err := Open(context.Background(), Settings{Host: host, Port: p, Database: info.Database, User: info.User}, Secrets{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	// The probe sees what goes through clickhouse-go: the row scan's path.
	// TestBlockReaderSendsQuerySettings checks the block reader's settings
	// on the server.
	e.WithoutBlocks()
	probe := &probeConn{Conn: e.conn}
	e.conn = probe
	const timeout = 20 * time.Second
	plan := &sqlplan.Plan{SQL: "SELECT count() FROM sample.events", Statement: "select"}

	// The query first: the engine then knows the user's readonly level (a
	// lookup of its own, without settings, made once per engine).
	if _, _, err := e.Query(context.Background(), plan, engine.QueryOptions{Timeout: timeout}); err != nil {
		t.Fatal(err)
	}
	query := probe.seen
	probe.seen = nil
	// The plugin bounds an estimate by the data source's queryTimeout, which
	// is also the query's timeout.
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if _, err := e.Estimate(ctx, plan); err != nil {
		t.Fatal(err)
	}
	estimate := probe.seen
	if len(query) == 0 || query[len(query)-1]["readonly"] != "1" || query[len(query)-1]["max_execution_time"] != "21" {
		t.Fatalf("the query ran with %v", query)
	}
	q := query[len(query)-1]
	if len(estimate) < 2 {
		t.Fatalf("probed %d estimate statements, want every one (%v)", len(estimate), estimate)
	}
	for i, s := range estimate {
		if s["max_execution_time"] != q["max_execution_time"] {
			t.Errorf("estimate statement %d (%s) ran with %v, the query with %v", i, s["sql"], s, q)
		}
		if strings.Contains(s["sql"], plan.SQL) && s["readonly"] != q["readonly"] {
			t.Errorf("estimate statement %d carries the user's SQL (%s) but ran with %v, the query with %v", i, s["sql"], s, q)
		}
	}
}
