package clickhouse_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/engine/clickhouse"
	"github.com/bigtent/quarry/pkg/frames"
	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/testenv"
)

// openAs opens the engine as another user of the test server.
func openAs(t *testing.T, user string) *clickhouse.Engine {
	t.Helper()
	info := testenv.ClickHouse(t)
	if user == "" {
		t.Fatal("testenv gave no user name (restart the services with the current scripts/services.sh)")
	}
	s := settings(info)
	s.User = user
	e, err := clickhouse.Open(context.Background(), s, clickhouse.Secrets{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

// hostile are queries the planner refuses; sent straight to the engine (the
// planner bypassed), the server must refuse them too.
var hostile = []struct{ name, sql string }{
	{"settings readonly", "SELECT count() FROM sample.events SETTINGS readonly = 0"},
	{"settings max_execution_time", "SELECT count() FROM sample.events SETTINGS max_execution_time = 100000"},
	{"settings max_result_rows", "SELECT count() FROM sample.events SETTINGS max_result_rows = 123456789"},
	{"settings max_result_bytes", "SELECT count() FROM sample.events SETTINGS max_result_bytes = 123456789"},
	{"settings max_memory_usage", "SELECT count() FROM sample.events SETTINGS max_memory_usage = 123456789012"},
	{"settings max_bytes_to_read", "SELECT count() FROM sample.events SETTINGS max_bytes_to_read = 123456789"},
	{"settings max_rows_to_read", "SELECT count() FROM sample.events SETTINGS max_rows_to_read = 123456789"},
	{"settings allow_ddl", "SELECT count() FROM sample.events SETTINGS allow_ddl = 0"},
	{"settings allow_distributed_ddl", "SELECT count() FROM sample.events SETTINGS allow_distributed_ddl = 0"},
	{"safe and unsafe settings", "SELECT count() FROM sample.events SETTINGS max_threads = 2, max_execution_time = 100000"},
	{"settings in a subquery", "SELECT * FROM (SELECT count() FROM sample.events SETTINGS max_execution_time = 100000)"},
	{"set", "SET max_execution_time = 100000"},
	{"url", "SELECT * FROM url('http://127.0.0.1:1/', TSV, 'x String')"},
	{"remote", "SELECT * FROM remote('127.0.0.1:9000', system.one)"},
	{"file", "SELECT * FROM file('passwd', TSV, 'x String')"},
	{"mysql", "SELECT * FROM mysql('127.0.0.1:3306', 'db', 'table', 'user', 'password')"},
	{"jdbc", "SELECT * FROM jdbc('jdbc:mysql://127.0.0.1/db', 'table')"},
	{"odbc", "SELECT * FROM odbc('DSN=x', 'table')"},
	{"cluster", "SELECT * FROM cluster('default', system.one)"},
	{"merge", "SELECT * FROM merge('system', '^one$')"},
	{"table function in a subquery", "SELECT * FROM (SELECT * FROM url('http://127.0.0.1:1/', TSV, 'x String'))"},
	{"table function in IN", "SELECT 1 WHERE 1 IN (SELECT toUInt8(1) FROM remote('127.0.0.1:9000', system.one))"},
	{"write", "CREATE TABLE sample.quarry_backstop_should_not_exist (a UInt8) ENGINE = Memory"},
}

// TestBackstop sends hostile SQL to the engine directly, as the admin user
// (readonly=0: Quarry sends readonly=1 with each query) and as the
// least-privilege reader (profile readonly=1): the server refuses each one
// with READONLY (164), and the error explains the backstop.
func TestBackstop(t *testing.T) {
	info := testenv.ClickHouse(t)
	for _, user := range []string{info.User, info.ReaderUser} {
		e := openAs(t, user)
		for _, h := range hostile {
			t.Run(user+"/"+h.name, func(t *testing.T) {
				_, _, err := e.Query(context.Background(), &sqlplan.Plan{SQL: h.sql, Statement: "select"}, engine.QueryOptions{})
				var se *engine.ServerError
				if !errors.As(err, &se) || se.Code != "164" {
					t.Fatalf("want the server's READONLY refusal (code 164), got %v", err)
				}
				if h.name != "write" && se.Hint == "" {
					t.Errorf("no hint explaining the backstop: %v", err)
				}
			})
		}
	}
}

// TestBackstopLimitsAndSafeSettings: the server sees Quarry's limits; a
// query's allowed SETTINGS (max_threads) still work for a readonly=0 user
// (lifted into the settings Quarry sends), and the reader's profile limits
// are what its queries run with.
func TestBackstopLimitsAndSafeSettings(t *testing.T) {
	info := testenv.ClickHouse(t)
	settingsOf := func(t *testing.T, e *clickhouse.Engine, sql string) map[string]string {
		t.Helper()
		tb, _, err := e.Query(context.Background(), &sqlplan.Plan{SQL: sql, Statement: "select"}, engine.QueryOptions{Timeout: 20 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		fs, err := frames.Shape(tb, frames.ShapeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for i := 0; i < fs[0].Rows(); i++ {
			k, _ := fs[0].Fields[0].ConcreteAt(i)
			v, _ := fs[0].Fields[1].ConcreteAt(i)
			out[k.(string)] = v.(string)
		}
		return out
	}
	const q = "SELECT name, value FROM system.settings WHERE name IN ('readonly', 'max_execution_time', 'max_threads', 'max_memory_usage')"

	admin := openAs(t, info.User)
	got := settingsOf(t, admin, q)
	if got["readonly"] != "1" || got["max_execution_time"] != "21" {
		t.Errorf("admin user: the server saw %v; want readonly=1 and max_execution_time=21 (the 20 s timeout + 1 s)", got)
	}
	got = settingsOf(t, admin, q+"\nSETTINGS max_threads = 3")
	if got["max_threads"] != "3" || got["readonly"] != "1" {
		t.Errorf("admin user, SETTINGS max_threads = 3: the server saw %v", got)
	}

	reader := openAs(t, info.ReaderUser)
	got = settingsOf(t, reader, q)
	if got["readonly"] != "1" || got["max_execution_time"] != "60" || got["max_memory_usage"] != "2000000000" {
		t.Errorf("reader: the server saw %v; want the profile's readonly=1, max_execution_time=60, max_memory_usage=2000000000", got)
	}
	// The sample stays readable, and so does system.numbers.
	if tb, _, err := reader.Query(context.Background(), &sqlplan.Plan{SQL: "SELECT count() FROM sample.events", Statement: "select"}, engine.QueryOptions{}); err != nil || tb.Len() != 1 {
		t.Fatalf("reader reading the sample: %v", err)
	}
	if tb, _, err := reader.Query(context.Background(), &sqlplan.Plan{SQL: "SELECT number FROM system.numbers LIMIT 3", Statement: "select"}, engine.QueryOptions{}); err != nil || tb.Len() != 3 {
		t.Fatalf("reader reading system.numbers: %v", err)
	}
}

// TestBackstopHealth: health warns when the user may change limits
// (readonly=0, and readonly=2 on 18.16, which has no constraints), and not
// for the readonly=1 reader.
func TestBackstopHealth(t *testing.T) {
	info := testenv.ClickHouse(t)
	for _, tt := range []struct {
		user, warn, capability string
	}{
		{info.User, "readonly=0", "readonly=1 per query"},
		{info.Readonly2User, "a query's own SETTINGS can raise max_execution_time", ""},
		{info.ReaderUser, "", "read-only user (readonly=1: settings fixed by the profile)"},
	} {
		t.Run(tt.user, func(t *testing.T) {
			h := openAs(t, tt.user).Health(context.Background())
			if !h.OK {
				t.Fatalf("health %+v", h)
			}
			if tt.warn == "" && (strings.Contains(h.Message, "Warning") || h.Hint != "") {
				t.Errorf("unexpected warning: %+v", h)
			}
			if tt.warn != "" && (!strings.Contains(h.Message, "Warning") || !strings.Contains(h.Message, tt.warn) || h.Hint == "") {
				t.Errorf("want a warning with %q: %+v", tt.warn, h)
			}
			if tt.capability != "" && !containsStr(h.Capabilities, tt.capability) {
				t.Errorf("capabilities %v lack %q", h.Capabilities, tt.capability)
			}
		})
	}
	// readonly=2 is no backstop: a query may raise a limit (why Health warns).
	e := openAs(t, info.Readonly2User)
	tb, _, err := e.Query(context.Background(), &sqlplan.Plan{SQL: "SELECT value FROM system.settings WHERE name = 'max_execution_time' SETTINGS max_execution_time = 100000", Statement: "select"}, engine.QueryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fs, _ := frames.Shape(tb, frames.ShapeOptions{})
	if v, _ := fs[0].Fields[0].ConcreteAt(0); v != "100000" {
		t.Fatalf("readonly=2: max_execution_time %v (the test's premise changed: update README and Health)", v)
	}
}
