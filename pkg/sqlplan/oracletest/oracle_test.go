package oracletest_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"github.com/jackc/pgx/v5"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/bigtent/quarry/pkg/sample"
	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/sqlplan/oracletest"
	"github.com/bigtent/quarry/pkg/testenv"
)

// engine runs one SQL text on a real engine and counts the rows it
// returns; count reads the first column of a one-row result as an integer.
type engine struct {
	rows func(ctx context.Context, sql string) (int, error)
	// analyseOnly is set for the BigQuery emulator: it ignores dryRun and
	// runs every query through ZetaSQLite (seconds each), and a cancelled
	// query breaks its database connection. Corpus queries are checked
	// there as SELECT * FROM (query) LIMIT 0: ZetaSQL analyses the whole
	// query and ZetaSQLite prepares it, but no rows are produced.
	analyseOnly bool
	// noDeadline: never cancel a query (the emulator's connection does not
	// survive a cancelled query).
	noDeadline bool
	count      func(ctx context.Context, sql string) (int64, error)
	close      func()
}

const testdata = "../testdata"

func postgres(t *testing.T) engine {
	info := testenv.Postgres(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, info.DSN)
	if err != nil {
		t.Fatalf("connecting to PostgreSQL %s:%d: %v", info.Host, info.Port, err)
	}
	return engine{
		rows: func(ctx context.Context, q string) (int, error) {
			rs, err := conn.Query(ctx, q)
			if err != nil {
				return 0, err
			}
			defer rs.Close()
			n := 0
			for rs.Next() {
				n++
			}
			return n, rs.Err()
		},
		count: func(ctx context.Context, q string) (n int64, err error) {
			err = conn.QueryRow(ctx, q).Scan(&n)
			return n, err
		},
		close: func() { conn.Close(context.Background()) },
	}
}

func clickhouse(t *testing.T) engine {
	info := testenv.ClickHouse(t)
	conn, err := sample.OpenClickHouse(context.Background(), info.Addr)
	if err != nil {
		t.Fatal(err)
	}
	return engine{
		rows: func(ctx context.Context, q string) (int, error) {
			rs, err := conn.Query(ctx, q)
			if err != nil {
				return 0, err
			}
			defer rs.Close()
			n := 0
			for rs.Next() {
				n++
			}
			return n, rs.Err()
		},
		count: func(ctx context.Context, q string) (int64, error) {
			var n uint64
			err := conn.QueryRow(ctx, "SELECT toUInt64(c) FROM ("+q+")").Scan(&n)
			return int64(n), err
		},
		close: func() { conn.Close() },
	}
}

func bigQuery(t *testing.T) engine {
	info := testenv.BigQuery(t)
	ctx := context.Background()
	client, err := bigquery.NewClient(ctx, info.Project, option.WithEndpoint(info.Endpoint), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	run := func(ctx context.Context, q string) (*bigquery.RowIterator, error) {
		query := client.Query(q)
		query.DefaultProjectID = info.Project
		query.DefaultDatasetID = info.Dataset
		return query.Read(ctx)
	}
	return engine{
		rows: func(ctx context.Context, q string) (int, error) {
			it, err := run(ctx, q)
			if err != nil {
				return 0, err
			}
			n := 0
			for {
				var row []bigquery.Value
				err := it.Next(&row)
				if errors.Is(err, iterator.Done) {
					return n, nil
				}
				if err != nil {
					return n, err
				}
				n++
			}
		},
		count: func(ctx context.Context, q string) (int64, error) {
			it, err := run(ctx, q)
			if err != nil {
				return 0, err
			}
			var row []bigquery.Value
			if err := it.Next(&row); err != nil {
				return 0, err
			}
			n, ok := row[0].(int64)
			if !ok {
				return 0, fmt.Errorf("count is %T", row[0])
			}
			return n, nil
		},
		close:       func() { client.Close() },
		analyseOnly: true,
		noDeadline:  true,
	}
}

func duckDB(t *testing.T) engine {
	info := testenv.DuckDB(t)
	db, err := sql.Open("duckdb", info.Path+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	return engine{
		rows: func(ctx context.Context, q string) (int, error) {
			rs, err := db.QueryContext(ctx, q)
			if err != nil {
				return 0, err
			}
			defer rs.Close()
			n := 0
			for rs.Next() {
				n++
			}
			return n, rs.Err()
		},
		count: func(ctx context.Context, q string) (n int64, err error) {
			err = db.QueryRowContext(ctx, q).Scan(&n)
			return n, err
		},
		close: func() { db.Close() },
	}
}

var engines = map[sqlplan.Dialect]func(*testing.T) engine{
	sqlplan.Postgres: postgres, sqlplan.ClickHouse: clickhouse, sqlplan.BigQuery: bigQuery, sqlplan.DuckDB: duckDB,
}

// TestCorpusOnEngines plans every corpus query and runs the planned SQL on
// its real engine: the engine must accept it, and a row-capped query must
// return at most maxRows+1 rows.
func TestCorpusOnEngines(t *testing.T) {
	for _, d := range oracletest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			qs, err := oracletest.LoadDialect(testdata, d)
			if err != nil {
				t.Fatal(err)
			}
			e := engines[d](t)
			defer e.close()
			for _, q := range qs {
				t.Run(q.Name, func(t *testing.T) {
					plan, err := sqlplan.Build(context.Background(), q.Request)
					if err != nil {
						t.Fatalf("plan: %v", err)
					}
					ctx := context.Background()
					if !e.noDeadline {
						var cancel context.CancelFunc
						ctx, cancel = context.WithTimeout(ctx, 2*time.Minute)
						defer cancel()
					}
					sql := plan.SQL
					if e.analyseOnly {
						sql = "SELECT * FROM (\n" + strings.TrimSuffix(strings.TrimSpace(sql), ";") + "\n) LIMIT 0"
					}
					n, err := e.rows(ctx, sql)
					if err != nil {
						t.Fatalf("%s rejected the planned SQL: %v\n%s", d, err, plan.SQL)
					}
					if !e.analyseOnly && plan.LimitAdded && int64(n) > plan.RowCap+1 {
						t.Errorf("row cap %d: got %d rows, want at most %d", plan.RowCap, n, plan.RowCap+1)
					}
				})
			}
		})
	}
}

// countQueries count the log lines of the range, in each dialect; the
// injection test filters them by message.
var countQueries = map[sqlplan.Dialect]string{
	sqlplan.Postgres:   "SELECT count(*) AS c FROM sample.logs WHERE $__timeFilter(ts)",
	sqlplan.DuckDB:     "SELECT count(*) AS c FROM sample.logs WHERE $__timeFilter(ts)",
	sqlplan.ClickHouse: "SELECT count() AS c FROM sample.logs WHERE $__timeFilter(ts)",
	sqlplan.BigQuery:   "SELECT COUNT(*) AS c FROM `sample.logs` WHERE $__timeFilter(ts)",
}

// TestInjectionOnEngines plans hostile filter values and runs them: every
// engine accepts the SQL, `message = v` matches nothing and
// `message != v` matches every line of the range - so the value stayed a
// literal and the statement kept its structure.
func TestInjectionOnEngines(t *testing.T) {
	for _, d := range oracletest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			e := engines[d](t)
			defer e.close()
			cat, err := oracletest.LoadCatalog(testdata, d)
			if err != nil {
				t.Fatal(err)
			}
			base := oracletest.DefaultRequest(d, cat)
			base.RawSQL = countQueries[d]
			ctx := context.Background()
			if !e.noDeadline {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, 5*time.Minute)
				defer cancel()
			}
			ops := []string{"=", "!=", "=|", "!=|"}
			if e.analyseOnly {
				ops = ops[:2] // each emulator query takes about a second
			}
			plan, err := sqlplan.Build(ctx, base)
			if err != nil {
				t.Fatal(err)
			}
			total, err := e.count(ctx, plan.SQL)
			if err != nil {
				t.Fatalf("%v\n%s", err, plan.SQL)
			}
			if total == 0 {
				t.Fatalf("no log lines in the corpus time range; the injection checks would prove nothing:\n%s", plan.SQL)
			}
			for _, v := range oracletest.HostileValues {
				for _, op := range ops {
					req := base
					f := sqlplan.Filter{Key: "message", Operator: op, Value: v}
					if strings.HasSuffix(op, "|") {
						f = sqlplan.Filter{Key: "message", Operator: op, Values: []string{v, v + "'"}}
					}
					req.Filters = []sqlplan.Filter{f}
					plan, err := sqlplan.Build(ctx, req)
					if err != nil {
						if strings.ContainsRune(v, 0) && (d == sqlplan.Postgres || d == sqlplan.DuckDB) {
							continue // refused: this dialect's text cannot hold NUL
						}
						t.Errorf("%s %q: %v", op, v, err)
						continue
					}
					n, err := e.count(ctx, plan.SQL)
					if err != nil {
						t.Errorf("%s %q: %s rejected the SQL: %v\n%s", op, v, d, err, plan.SQL)
						continue
					}
					want := int64(0)
					if strings.HasPrefix(op, "!") {
						want = total
					}
					if n != want {
						t.Errorf("%s %q: count %d, want %d (the value changed the query):\n%s", op, v, n, want, plan.SQL)
					}
				}
			}
		})
	}
}
