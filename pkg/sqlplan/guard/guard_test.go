package guard

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bigtent/quarry/pkg/sqlplan/parser"
)

var update = flag.Bool("update", false, "rewrite the golden files")

type guardCase struct {
	name    string
	dialect string
	sql     string
	opts    Options
	// refused are the names refused, in order; empty means allowed.
	refused []string
}

var (
	pgSchemas  = Options{AllowedSchemas: []string{"public", "sales"}}
	chDBs      = Options{AllowedDatabases: []string{"default", "sample"}, DefaultDatabase: "sample"}
	bqDatasets = Options{AllowedDatasets: []string{"sample", "other-proj.shared"}, DefaultDatabase: "proj", DefaultSchema: "sample"}
)

var guardCases = []guardCase{
	// DuckDB: files, directories, dynamic SQL, secrets.
	{"duckdb read_text", "duckdb", "SELECT content FROM read_text('/etc/passwd')", Options{}, []string{"read_text"}},
	{"duckdb mixed case", "duckdb", "SELECT * FROM ReAd_TeXt('/etc/passwd')", Options{}, []string{"ReAd_TeXt"}},
	{"duckdb quoted", "duckdb", `SELECT * FROM "read_csv"('/x.csv')`, Options{}, []string{"read_csv"}},
	{"duckdb schema qualified", "duckdb", `SELECT * FROM main."READ_PARQUET"('/x')`, Options{}, []string{"READ_PARQUET"}},
	{"duckdb glob", "duckdb", "SELECT * FROM glob('/etc/*')", Options{}, []string{"glob"}},
	{"duckdb parquet_scan", "duckdb", "SELECT * FROM parquet_scan('x.parquet')", Options{}, []string{"parquet_scan"}},
	{"duckdb in subquery", "duckdb", "SELECT 1 WHERE 'root' IN (SELECT content FROM read_text('/etc/passwd'))", Options{}, []string{"read_text"}},
	{"duckdb in CTE", "duckdb", "WITH f AS (SELECT * FROM read_blob('/etc/shadow')) SELECT * FROM f", Options{}, []string{"read_blob"}},
	{"duckdb from-first", "duckdb", "FROM read_json_auto('/x.json')", Options{}, []string{"read_json_auto"}},
	{"duckdb query()", "duckdb", "SELECT * FROM query('SELECT 1')", Options{}, []string{"query"}},
	{"duckdb getenv scalar", "duckdb", "SELECT getenv('HOME')", Options{}, []string{"getenv"}},
	{"duckdb secrets", "duckdb", "SELECT * FROM duckdb_secrets()", Options{}, []string{"duckdb_secrets"}},
	{"duckdb replacement scan", "duckdb", "SELECT * FROM '/etc/passwd'", Options{}, []string{"/etc/passwd"}},
	{"duckdb quoted path", "duckdb", `SELECT * FROM "data/x.csv"`, Options{}, []string{"data/x.csv"}},
	{"duckdb unknown table function", "duckdb", "SELECT * FROM sql_auto_complete('SEL')", Options{}, []string{"sql_auto_complete"}},
	{"duckdb several", "duckdb", "SELECT * FROM read_text('/a') JOIN glob('/b') ON true", Options{}, []string{"read_text", "glob"}},
	{"duckdb allowed by option", "duckdb", "SELECT * FROM read_csv('data/x.csv')", Options{AllowedFunctions: []string{"READ_CSV"}}, nil},
	{"duckdb generate_series", "duckdb", "SELECT * FROM generate_series(1, 10) t(x) JOIN range(3) r ON true", Options{}, nil},
	{"duckdb ordinary", "duckdb", "SELECT host, count(*) FROM sample.http_requests WHERE $__timeFilter(ts) GROUP BY 1", Options{}, nil},
	{"duckdb string mentions", "duckdb", "SELECT 'read_text(1)' AS s -- glob('/')\n FROM t", Options{}, nil},
	{"duckdb pragma", "duckdb", "PRAGMA enable_external_access", Options{}, []string{"PRAGMA"}},
	{"duckdb set", "duckdb", "SET enable_external_access = true", Options{}, []string{"SET"}},
	{"duckdb attach", "duckdb", "ATTACH '/tmp/x.db' AS x", Options{}, []string{"ATTACH"}},
	{"duckdb copy", "duckdb", "COPY t TO '/tmp/x.csv'", Options{}, []string{"COPY"}},
	{"duckdb install", "duckdb", "INSTALL httpfs", Options{}, []string{"INSTALL"}},
	{"duckdb load", "duckdb", "LOAD httpfs", Options{}, []string{"LOAD"}},
	{"duckdb export", "duckdb", "EXPORT DATABASE '/tmp/x'", Options{}, []string{"EXPORT"}},
	{"duckdb schema refused", "duckdb", "SELECT * FROM secret.t", Options{AllowedSchemas: []string{"main", "sample"}}, []string{"secret.t"}},
	{"duckdb schema allowed", "duckdb", "SELECT * FROM sample.http_requests JOIN t USING (id)", Options{AllowedSchemas: []string{"main", "sample"}}, nil},
	{"duckdb database refused", "duckdb", "SELECT * FROM other.main.t", Options{AllowedDatabases: []string{"memory"}}, []string{"other.main.t"}},

	// ClickHouse: table functions reaching out, settings raising limits.
	{"ch remote", "clickhouse", "SELECT * FROM remote('127.0.0.1:9000', system.one)", Options{}, []string{"remote"}},
	{"ch backquoted s3", "clickhouse", "SELECT * FROM `s3`('http://x/y.csv', 'CSV')", Options{}, []string{"s3"}},
	{"ch url in join", "clickhouse", "SELECT * FROM t JOIN url('http://evil/', CSV, 'a String') u ON t.a = u.a", Options{}, []string{"url"}},
	{"ch remote in IN", "clickhouse", "SELECT 1 FROM t WHERE x IN remote('h', system.one)", Options{}, []string{"remote"}},
	{"ch mysql", "clickhouse", "SELECT * FROM mysql('h:3306', 'db', 't', 'u', 'p')", Options{}, []string{"mysql"}},
	{"ch file", "clickhouse", "SELECT * FROM file('/etc/passwd', 'LineAsString')", Options{}, []string{"file"}},
	{"ch icebergS3", "clickhouse", "SELECT * FROM icebergS3('http://x')", Options{}, []string{"icebergS3"}},
	{"ch executable", "clickhouse", "SELECT * FROM executable('x.sh', TabSeparated, 'a String')", Options{}, []string{"executable"}},
	{"ch unknown table function", "clickhouse", "SELECT * FROM someFutureSource('x')", Options{}, []string{"someFutureSource"}},
	{"ch numbers", "clickhouse", "SELECT number FROM numbers(10)", Options{}, nil},
	{"ch system tables", "clickhouse", "SELECT * FROM system.one, system.numbers LIMIT 1", Options{}, nil},
	{"ch remote allowed", "clickhouse", "SELECT * FROM remote('h', db.t)", Options{AllowedTableFunctions: []string{"remote"}}, nil},
	{"ch setting refused", "clickhouse", "SELECT 1 SETTINGS max_execution_time = 100000", Options{}, []string{"max_execution_time"}},
	{"ch settings mixed", "clickhouse", "SELECT 1 FROM t SETTINGS max_threads = 2, readonly = 0, allow_ddl = 1, max_memory_usage = 1e12", Options{},
		[]string{"readonly", "allow_ddl", "max_memory_usage"}},
	{"ch setting in subquery", "clickhouse", "SELECT * FROM (SELECT 1 SETTINGS max_result_rows = 0)", Options{}, []string{"max_result_rows"}},
	{"ch safe settings", "clickhouse", "SELECT 1 SETTINGS max_threads = 1, join_use_nulls = 1, optimize_read_in_order = 0", Options{}, nil},
	{"ch database refused", "clickhouse", "SELECT * FROM secret.t", chDBs, []string{"secret.t"}},
	{"ch database allowed", "clickhouse", "SELECT * FROM t JOIN default.u USING id", chDBs, nil},
	{"ch IN table", "clickhouse", "SELECT 1 FROM t WHERE x IN secret.ids", chDBs, []string{"secret.ids"}},
	{"ch merge with restriction", "clickhouse", "SELECT * FROM merge('secret', '.*')", chDBs, []string{"merge"}},
	{"ch set statement", "clickhouse", "SET readonly = 0", Options{}, []string{"SET"}},
	{"ch system statement", "clickhouse", "SYSTEM SHUTDOWN", Options{}, []string{"SYSTEM"}},

	// PostgreSQL: files, other sessions, configuration, dynamic SQL.
	{"pg read file", "postgres", "SELECT pg_read_file('/etc/passwd')", Options{}, []string{"pg_read_file"}},
	{"pg quoted schema", "postgres", `SELECT "pg_catalog".pg_read_binary_file('/etc/passwd')`, Options{}, []string{"pg_read_binary_file"}},
	{"pg ls dir", "postgres", "SELECT * FROM pg_catalog.pg_ls_dir('.') AS f(x)", Options{}, []string{"pg_ls_dir"}},
	{"pg stat file", "postgres", "SELECT (pg_stat_file('postgresql.conf')).size", Options{}, []string{"pg_stat_file"}},
	{"pg lo_import", "postgres", "SELECT lo_import('/etc/passwd')", Options{}, []string{"lo_import"}},
	{"pg dblink", "postgres", "SELECT * FROM dblink('host=evil', 'SELECT 1') AS t(x int)", Options{}, []string{"dblink"}},
	{"pg terminate", "postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity", Options{}, []string{"pg_terminate_backend"}},
	{"pg set_config", "postgres", "SELECT set_config('statement_timeout', '0', false)", Options{}, []string{"set_config"}},
	{"pg advisory", "postgres", "SELECT pg_advisory_lock(1), pg_try_advisory_lock_shared(2)", Options{}, []string{"pg_advisory_lock", "pg_try_advisory_lock_shared"}},
	{"pg advisory xact ok", "postgres", "SELECT pg_advisory_xact_lock(1)", Options{}, nil},
	{"pg query_to_xml", "postgres", "SELECT query_to_xml('SELECT * FROM secret.t', true, false, '')", Options{}, []string{"query_to_xml"}},
	{"pg in case", "postgres", "SELECT CASE WHEN x > 0 THEN PG_RELOAD_CONF() END FROM t", Options{}, []string{"PG_RELOAD_CONF"}},
	{"pg allowed", "postgres", "SELECT pg_read_file('log/x')", Options{AllowedFunctions: []string{"pg_read_file"}}, nil},
	{"pg copy program", "postgres", "COPY t FROM PROGRAM 'id'", Options{}, []string{"COPY"}},
	{"pg set", "postgres", "SET statement_timeout = 0", Options{}, []string{"SET"}},
	{"pg schema refused", "postgres", "SELECT * FROM secret.t", pgSchemas, []string{"secret.t"}},
	{"pg schema allowed", "postgres", "SELECT * FROM t JOIN sales.o USING (id) JOIN pg_catalog.pg_class c ON true", pgSchemas, nil},
	{"pg cte shadows", "postgres", "WITH secret AS (SELECT 1) SELECT * FROM secret", Options{AllowedSchemas: []string{"sales"}}, nil},
	{"pg cte out of scope", "postgres", "SELECT * FROM (WITH s AS (SELECT 1) SELECT * FROM s) x, s", Options{AllowedSchemas: []string{"sales"}}, []string{"s"}},
	{"pg unqualified default refused", "postgres", "SELECT * FROM t", Options{AllowedSchemas: []string{"sales"}}, []string{"t"}},
	{"pg unqualified default set", "postgres", "SELECT * FROM t", Options{AllowedSchemas: []string{"sales"}, DefaultSchema: "sales"}, nil},
	{"pg generate_series", "postgres", "SELECT * FROM generate_series(1, 3)", Options{}, nil},

	// BigQuery: federated reads and datasets.
	{"bq external_query", "bigquery", `SELECT * FROM EXTERNAL_QUERY("p.us.conn", "SELECT 1")`, Options{}, []string{"EXTERNAL_QUERY"}},
	{"bq dataset refused", "bigquery", "SELECT * FROM secret.t", bqDatasets, []string{"secret.t"}},
	{"bq backquoted path refused", "bigquery", "SELECT * FROM `proj.secret.t`", bqDatasets, []string{"`proj.secret.t`"}},
	{"bq allowed forms", "bigquery", "SELECT * FROM t JOIN sample.u USING (id) JOIN `proj.sample.v` USING (id) JOIN `other-proj.shared.w` USING (id)", bqDatasets, nil},
	{"bq other project same name", "bigquery", "SELECT * FROM `evil.sample.t`", bqDatasets, []string{"`evil.sample.t`"}},
	{"bq information schema of dataset", "bigquery", "SELECT * FROM sample.INFORMATION_SCHEMA.TABLES", bqDatasets, nil},
	{"bq region information schema", "bigquery", "SELECT * FROM `region-us`.INFORMATION_SCHEMA.JOBS", bqDatasets, []string{"`region-us`.INFORMATION_SCHEMA.JOBS"}},
	{"bq no default dataset", "bigquery", "SELECT * FROM t", Options{AllowedDatasets: []string{"sample"}}, []string{"t"}},
	{"bq tvf", "bigquery", "SELECT * FROM secret.fn(1)", bqDatasets, []string{"secret.fn"}},
}

func TestCheck(t *testing.T) {
	var c Checker
	var golden strings.Builder
	for _, tc := range guardCases {
		t.Run(tc.name, func(t *testing.T) {
			script, err := parser.Parse(tc.sql, tc.dialect)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			got := c.Check(tc.sql, script, tc.dialect, &tc.opts)
			var names []string
			for _, r := range got {
				names = append(names, r.Name)
				if r.Start < 0 || r.End > len(tc.sql) || r.Start >= r.End {
					t.Errorf("refusal %q has span %d..%d outside the SQL", r.Name, r.Start, r.End)
				}
				if !strings.Contains(r.Message(), "refused") {
					t.Errorf("message %q does not say refused", r.Message())
				}
			}
			if strings.Join(names, "|") != strings.Join(tc.refused, "|") {
				t.Errorf("refused %q, want %q", names, tc.refused)
			}
			fmt.Fprintf(&golden, "== %s [%s]\n%s\n", tc.name, tc.dialect, tc.sql)
			for _, r := range got {
				fmt.Fprintf(&golden, "  %d..%d %s\n", r.Start, r.End, r.Message())
			}
		})
	}
	checkGolden(t, "refusals.golden", golden.String())
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the output; run go test ./pkg/sqlplan/guard -update and review the diff", path)
	}
}

func TestMessageNamesOption(t *testing.T) {
	var c Checker
	src := "SELECT * FROM url('http://x', CSV, 'a String')"
	script, err := parser.Parse(src, "clickhouse")
	if err != nil {
		t.Fatal(err)
	}
	got := c.Check(src, script, "clickhouse", nil)
	if len(got) != 1 {
		t.Fatalf("refusals = %+v", got)
	}
	msg := got[0].Message()
	for _, want := range []string{"table function url", "other hosts", `"url"`, "allowedTableFunctions"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
}

func TestValidateOptions(t *testing.T) {
	if err := (Options{AllowedFunctions: []string{"read_csv"}, AllowedDatasets: []string{"my-proj.ds"}}).Validate(); err != nil {
		t.Errorf("valid options: %v", err)
	}
	err := Options{AllowedFunctions: []string{""}, AllowedSchemas: []string{"a b"}, AllowedTableFunctions: []string{"x'y"}}.Validate()
	if err == nil {
		t.Fatal("bad names accepted")
	}
	for _, want := range []string{"allowedFunctions[0]", "allowedSchemas[0]", "allowedTableFunctions[0]"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %s", err, want)
		}
	}
}

func TestRulesAreWellFormed(t *testing.T) {
	for _, d := range []string{"duckdb", "clickhouse", "postgres", "bigquery"} {
		r := rulesFor(d)
		for _, list := range [][]rule{r.deny, r.tableFuncs, r.settings} {
			for _, e := range list {
				if e.pattern == "" || e.reason == "" || strings.Count(e.pattern, "*") > 1 || e.pattern != strings.ToLower(e.pattern) {
					t.Errorf("%s: bad rule %+v (lower-case pattern with at most one '*', and a reason)", d, e)
				}
			}
		}
		// No table function is both denied and allowed.
		for _, a := range r.tableFuncs {
			if !strings.Contains(a.pattern, "*") && match(r.deny, a.pattern) >= 0 {
				t.Errorf("%s: %s is both denied and allowed", d, a.pattern)
			}
		}
	}
}

// TestDenyIndex checks the quick rejection against the full match: every
// name a deny pattern matches (in either case) passes mayDeny, and names
// of ordinary functions are rejected quickly.
func TestDenyIndex(t *testing.T) {
	for _, d := range []string{"duckdb", "clickhouse", "postgres", "bigquery"} {
		r := rulesFor(d)
		for _, e := range r.deny {
			for _, name := range []string{strings.ReplaceAll(e.pattern, "*", ""), strings.ReplaceAll(e.pattern, "*", "Xy_1"), strings.ToUpper(strings.ReplaceAll(e.pattern, "*", "z"))} {
				if match(r.deny, name) >= 0 && !r.mayDeny(name) {
					t.Errorf("%s: %q matches %q but mayDeny says no", d, name, e.pattern)
				}
			}
		}
		quick := 0
		for _, name := range []string{"count", "sum", "avg", "toStartOfInterval", "date_trunc", "coalesce", "max", "min", "now", "extract"} {
			if match(r.deny, name) >= 0 {
				t.Errorf("%s: %s is denied", d, name)
			}
			if !r.mayDeny(name) {
				quick++
			}
		}
		t.Logf("%s: %d of 10 common function names rejected by the index", d, quick)
	}
}

func TestCheckAllocations(t *testing.T) {
	src := "SELECT host, count(*) AS n FROM sample.http_requests WHERE ts > now() - INTERVAL 1 HOUR GROUP BY host ORDER BY n DESC LIMIT 10 SETTINGS max_threads = 2"
	script, err := parser.Parse(src, "clickhouse")
	if err != nil {
		t.Fatal(err)
	}
	var c Checker
	opts := &Options{AllowedDatabases: []string{"sample"}}
	c.Check(src, script, "clickhouse", opts)
	n := testing.AllocsPerRun(100, func() { c.Check(src, script, "clickhouse", opts) })
	if n > 0 {
		t.Errorf("Check allocates %.0f times on an allowed query; want 0", n)
	}
}

func BenchmarkCheck(b *testing.B) {
	src := "WITH t AS (SELECT host, ts FROM sample.http_requests) SELECT host, count(*) AS n FROM t WHERE ts > now() - INTERVAL 1 HOUR AND host IN (SELECT host FROM sample.hosts) GROUP BY host ORDER BY n DESC LIMIT 10"
	script, err := parser.Parse(src, "clickhouse")
	if err != nil {
		b.Fatal(err)
	}
	var c Checker
	opts := &Options{AllowedDatabases: []string{"sample"}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		c.Check(src, script, "clickhouse", opts)
	}
}
