package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/frames"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

// TestRepeatedQuery runs the same texts again: the second run binds the
// remembered result formats in its first round trip and must give the
// same table, keep the read-only transaction and the server-side timeout,
// follow a result whose types changed, and report a table that is gone.
func TestRepeatedQuery(t *testing.T) {
	e, info := open(t)
	setupTypes(t, info)
	c := admin(t, info)
	ctx := context.Background()
	for _, asFloat := range []bool{false, true} {
		opts := engine.QueryOptions{NumericAsFloat: asFloat}
		first := renderTable(t, query(t, e, typesSQL, 0, opts))
		for i := range 2 {
			if got := renderTable(t, query(t, e, typesSQL, 0, opts)); got != first {
				t.Fatalf("run %d differs from the first:\n%s\nwant\n%s", i+2, got, first)
			}
		}
	}

	// Read only and the server's statement_timeout hold on the repeated path.
	const txSQL = "SELECT current_setting('transaction_read_only') AS ro, current_setting('statement_timeout') AS st"
	for i := range 2 {
		tb := query(t, e, txSQL, 0, engine.QueryOptions{Timeout: 1500 * time.Millisecond})
		if got := renderTable(t, tb); got != "ro st\non 3s\n" {
			t.Fatalf("run %d: the query's transaction: %q", i+1, got)
		}
	}
	// A result whose types change between runs is decoded by its new types.
	for _, q := range []string{
		`DROP VIEW IF EXISTS quarry_test.shape_view`,
		`CREATE VIEW quarry_test.shape_view AS SELECT 1::int4 AS a, 'x'::text AS b`,
	} {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	const viewSQL = "SELECT * FROM quarry_test.shape_view"
	for range 2 {
		if got := renderTable(t, query(t, e, viewSQL, 0, engine.QueryOptions{})); got != "a b\n1 x\n" {
			t.Fatalf("view: %q", got)
		}
	}
	if _, err := c.Exec(ctx, `DROP VIEW quarry_test.shape_view`); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(ctx, `CREATE VIEW quarry_test.shape_view AS SELECT 'b'::quarry_test.mood AS a, 2.5::float8 AS b`); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if got := renderTable(t, query(t, e, viewSQL, 0, engine.QueryOptions{})); got != "a b\nb 2.5\n" {
			t.Fatalf("view after its types changed, run %d: %q", i+1, got)
		}
	}
	// The run that finds the types changed reads the first answer out (its
	// pipeline's ROLLBACK ends that transaction) and asks again in a new
	// read-only transaction.
	const roSQL = "SELECT a, current_setting('transaction_read_only') AS ro FROM quarry_test.shape_view"
	if got := renderTable(t, query(t, e, roSQL, 0, engine.QueryOptions{})); got != "a ro\nb on\n" {
		t.Fatalf("before the change: %q", got)
	}
	for _, q := range []string{`DROP VIEW quarry_test.shape_view`, `CREATE VIEW quarry_test.shape_view AS SELECT 7::int8 AS a`} {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if got := renderTable(t, query(t, e, roSQL, 0, engine.QueryOptions{})); got != "a ro\n7 on\n" {
		t.Fatalf("after the types changed: %q", got)
	}
	if _, err := c.Exec(ctx, `DROP VIEW quarry_test.shape_view`); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(ctx, `CREATE VIEW quarry_test.shape_view AS SELECT 'b'::quarry_test.mood AS a, 2.5::float8 AS b`); err != nil {
		t.Fatal(err)
	}
	// A table gone since the last run is the server's error, and the
	// engine answers the next query.
	if _, err := c.Exec(ctx, `DROP VIEW quarry_test.shape_view`); err != nil {
		t.Fatal(err)
	}
	_, _, err := e.Query(ctx, &sqlplan.Plan{SQL: viewSQL, Statement: "select"}, engine.QueryOptions{})
	var se *engine.ServerError
	if !errors.As(err, &se) || se.Code != "42P01" {
		t.Fatalf("want undefined_table (42P01), got %v", err)
	}
	if got := renderTable(t, query(t, e, "SELECT 1 AS one", 0, engine.QueryOptions{})); got != "one\n1\n" {
		t.Fatalf("after the error: %q", got)
	}
}

// renderTable prints a table's column names and values, one row a line.
func renderTable(t *testing.T, tb *frames.Table) string {
	t.Helper()
	fs, err := frames.Shape(tb, frames.ShapeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f := fs[0]
	var out []byte
	for i, fd := range f.Fields {
		if i > 0 {
			out = append(out, ' ')
		}
		out = append(out, fd.Name...)
	}
	out = append(out, '\n')
	for r := range f.Rows() {
		for i, fd := range f.Fields {
			if i > 0 {
				out = append(out, ' ')
			}
			v, _ := fd.ConcreteAt(r)
			out = append(out, fmtValue(v)...)
		}
		out = append(out, '\n')
	}
	return string(out)
}

// TestTransactionEndsWithQuery: a query that ran to the end leaves no
// transaction open: its pipeline ends with ROLLBACK, so when Query returns
// the connection is idle, on the first run of a text (described first) and
// on a repeated one; a failed query's transaction is rolled back after.
func TestTransactionEndsWithQuery(t *testing.T) {
	e, info := open(t)
	c := admin(t, info)
	ctx := context.Background()
	open := func() int {
		t.Helper()
		var n int
		if err := c.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE application_name = 'quarry' AND state LIKE 'idle in transaction%'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	sqlText := fmt.Sprintf("SELECT %d AS n, current_setting('transaction_read_only') AS ro", time.Now().UnixNano())
	for i := range 3 {
		if got := renderTable(t, query(t, e, sqlText, 0, engine.QueryOptions{})); !strings.HasSuffix(got, " on\n") {
			t.Fatalf("run %d: %q", i+1, got)
		}
		if n := open(); n != 0 {
			t.Fatalf("run %d: %d of Quarry's connections are idle in a transaction after Query returned", i+1, n)
		}
	}
	_, _, err := e.Query(ctx, &sqlplan.Plan{SQL: "SELECT 1/0", Statement: "select"}, engine.QueryOptions{})
	if err == nil {
		t.Fatal("1/0 did not fail")
	}
	deadline := time.Now().Add(10 * time.Second)
	for open() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the failed query's transaction was never rolled back")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := renderTable(t, query(t, e, "SELECT 1 AS one", 0, engine.QueryOptions{})); got != "one\n1\n" {
		t.Fatalf("after the error: %q", got)
	}
}
