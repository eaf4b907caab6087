package difftest_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/civil"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/jackc/pgx/v5"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/bigtent/quarry/pkg/sample"
	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/testenv"
)

// engine runs a query on a real engine and returns its rows as text.
type engine struct {
	rows  func(ctx context.Context, q string) ([][]string, error)
	close func()
}

// text renders one value the same way on every engine: NULL, integers,
// floats with %g, times as 2006-01-02 15:04:05 (UTC), strings as they are.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case *any:
		if x == nil {
			return "NULL"
		}
		return text(*x)
	case time.Time:
		return x.UTC().Format("2006-01-02 15:04:05")
	case civil.DateTime:
		return x.Date.String() + " " + x.Time.String()
	case []byte:
		return string(x)
	case string:
		return x
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 64)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case *big.Rat:
		return x.FloatString(6)
	case int8, int16, int32, int64, int, uint8, uint16, uint32, uint64, uint:
		return fmt.Sprint(x)
	}
	return fmt.Sprint(v)
}

func postgres(t *testing.T) engine {
	info := testenv.Postgres(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, info.DSN)
	if err != nil {
		t.Fatalf("connecting to PostgreSQL %s:%d: %v", info.Host, info.Port, err)
	}
	// One transaction: concurrent runs wait for each other's DDL.
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stmts := []string{"SELECT pg_advisory_xact_lock(4242001)", "CREATE SCHEMA IF NOT EXISTS " + schema}
	for _, tb := range fixtures {
		stmts = append(stmts, "DROP TABLE IF EXISTS "+schema+"."+tb.name, createTable(sqlplan.Postgres, tb), insertRows(sqlplan.Postgres, tb))
	}
	for _, s := range stmts {
		if _, err := tx.Exec(ctx, s); err != nil {
			t.Fatalf("PostgreSQL fixture %q: %v", s, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return engine{
		rows: func(ctx context.Context, q string) ([][]string, error) {
			rs, err := conn.Query(ctx, q)
			if err != nil {
				return nil, err
			}
			defer rs.Close()
			var out [][]string
			for rs.Next() {
				vals, err := rs.Values()
				if err != nil {
					return nil, err
				}
				row := make([]string, len(vals))
				for i, v := range vals {
					row[i] = text(v)
				}
				out = append(out, row)
			}
			return out, rs.Err()
		},
		close: func() { conn.Close(context.Background()) },
	}
}

func duckDB(t *testing.T) engine {
	// An in-memory database of the test's own: the fixtures are made fresh.
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	stmts := []string{"CREATE SCHEMA " + schema}
	for _, tb := range fixtures {
		stmts = append(stmts, createTable(sqlplan.DuckDB, tb), insertRows(sqlplan.DuckDB, tb))
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			t.Fatalf("DuckDB fixture %q: %v", s, err)
		}
	}
	return engine{rows: func(ctx context.Context, q string) ([][]string, error) { return sqlRows(ctx, db, q) },
		close: func() { db.Close() }}
}

func sqlRows(ctx context.Context, db *sql.DB, q string) ([][]string, error) {
	rs, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	cols, err := rs.Columns()
	if err != nil {
		return nil, err
	}
	var out [][]string
	for rs.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make([]string, len(vals))
		for i, v := range vals {
			row[i] = text(v)
		}
		out = append(out, row)
	}
	return out, rs.Err()
}

func clickHouse(t *testing.T) engine {
	info := testenv.ClickHouse(t)
	ctx := context.Background()
	conn, err := sample.OpenClickHouse(ctx, info.Addr)
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+schema); err != nil {
		t.Fatal(err)
	}
	// Recreate a table only when its rows differ from the fixture's, so
	// concurrent runs rarely race (ClickHouse DDL has no transactions).
	for _, tb := range fixtures {
		want := fmt.Sprint(len(tb.rows))
		var n uint64
		err := conn.QueryRow(ctx, "SELECT count() FROM "+schema+"."+tb.name).Scan(&n)
		if err == nil && fmt.Sprint(n) == want && chColumnsMatch(ctx, conn, tb) {
			continue
		}
		for _, s := range []string{"DROP TABLE IF EXISTS " + schema + "." + tb.name, createTable(sqlplan.ClickHouse, tb), insertSelect(sqlplan.ClickHouse, tb)} {
			if err := conn.Exec(ctx, s); err != nil {
				t.Fatalf("ClickHouse fixture %q: %v", s, err)
			}
		}
	}
	return engine{
		rows: func(ctx context.Context, q string) ([][]string, error) {
			rs, err := conn.Query(ctx, q)
			if err != nil {
				return nil, err
			}
			defer rs.Close()
			types := rs.ColumnTypes()
			var out [][]string
			for rs.Next() {
				vals := make([]any, len(types))
				for i, ct := range types {
					vals[i] = newOf(ct.ScanType())
				}
				if err := rs.Scan(vals...); err != nil {
					return nil, err
				}
				row := make([]string, len(vals))
				for i, v := range vals {
					row[i] = text(deref(v))
				}
				out = append(out, row)
			}
			return out, rs.Err()
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
	ds := client.Dataset(schema)
	if err := ds.Create(ctx, &bigquery.DatasetMetadata{}); err != nil && !strings.Contains(err.Error(), "lready") {
		t.Fatalf("BigQuery emulator: creating dataset %s: %v", schema, err)
	}
	for _, tb := range fixtures {
		var rowsSQL []string
		for _, r := range tb.rows {
			var f []string
			for j, v := range r {
				f = append(f, literal(sqlplan.BigQuery, tb.cols[j].kind, v)+" AS "+tb.cols[j].name)
			}
			rowsSQL = append(rowsSQL, "SELECT "+strings.Join(f, ", "))
		}
		// The emulator does not replace a table: drop it first.
		if err := ds.Table(tb.name).Delete(ctx); err != nil && !strings.Contains(err.Error(), "ot found") && !strings.Contains(err.Error(), "404") {
			t.Fatalf("BigQuery emulator: dropping %s.%s: %v", schema, tb.name, err)
		}
		q := "CREATE TABLE " + schema + "." + tb.name + " AS " + strings.Join(rowsSQL, " UNION ALL ")
		it, err := run(ctx, q)
		if err == nil {
			var row []bigquery.Value
			if err = it.Next(&row); errors.Is(err, iterator.Done) {
				err = nil
			}
		}
		if err != nil {
			t.Fatalf("BigQuery emulator fixture %q: %v", q, err)
		}
	}
	return engine{
		rows: func(ctx context.Context, q string) ([][]string, error) {
			it, err := run(ctx, q)
			if err != nil {
				return nil, err
			}
			var out [][]string
			for {
				var row []bigquery.Value
				err := it.Next(&row)
				if errors.Is(err, iterator.Done) {
					return out, nil
				}
				if err != nil {
					return nil, err
				}
				r := make([]string, len(row))
				for i, v := range row {
					r[i] = text(v)
				}
				out = append(out, r)
			}
		},
		close: func() { client.Close() },
	}
}

// newOf makes a pointer to a new value of type t, for Scan.
func newOf(t reflect.Type) any { return reflect.New(t).Interface() }

// deref follows pointers to the value (nil for a nil pointer).
func deref(v any) any {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil
		}
		rv = rv.Elem()
	}
	return rv.Interface()
}

// chColumnsMatch reports whether ClickHouse table tb has the fixture's
// columns and types.
func chColumnsMatch(ctx context.Context, conn driver.Conn, tb table) bool {
	rs, err := conn.Query(ctx, "SELECT name, type FROM system.columns WHERE database = '"+schema+"' AND table = '"+tb.name+"'")
	if err != nil {
		return false
	}
	defer rs.Close()
	var got []string
	for rs.Next() {
		var n, ty string
		if rs.Scan(&n, &ty) != nil {
			return false
		}
		got = append(got, n+" "+ty)
	}
	var want []string
	for _, c := range tb.cols {
		want = append(want, c.name+" "+typeName(sqlplan.ClickHouse, c.kind))
	}
	return strings.Join(got, ",") == strings.Join(want, ",")
}
