package parser_test

import (
	"testing"

	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/sqlplan/ast"
	"github.com/bigtent/quarry/pkg/sqlplan/parser"
)

// TestClickHouseEndAsName: ClickHouse reads END as a column where an
// expression starts (the OpenTelemetry exporter's End column, as the
// official plugin's OTel dashboard queries it) and still closes CASE with
// it; PostgreSQL reserves END.
func TestClickHouseEndAsName(t *testing.T) {
	for _, tc := range []struct {
		d     sqlplan.Dialect
		sql   string
		items int // select items, 0: a parse error is wanted
	}{
		{sqlplan.ClickHouse, "SELECT max(End) + 1 FROM t", 1},
		{sqlplan.ClickHouse, "WITH (SELECT max(End) + 1 FROM ts WHERE id = 'a') AS e SELECT e, CASE WHEN x > e THEN 1 ELSE 0 END AS y FROM t", 2},
		{sqlplan.ClickHouse, "SELECT CASE WHEN End > 0 THEN End ELSE 0 END, End FROM t", 2},
		{sqlplan.Postgres, "SELECT max(End) + 1 FROM t", 0},
	} {
		script, err := parser.Parse(tc.sql, tc.d)
		if tc.items == 0 {
			if err == nil {
				t.Errorf("%s %q: parsed, want an error", tc.d, tc.sql)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %q: %v", tc.d, tc.sql, err)
			continue
		}
		if len(script.Statements) != 1 || script.Statements[0].Query == nil {
			t.Fatalf("%s %q: want one query", tc.d, tc.sql)
		}
		sel, ok := script.Statements[0].Query.Body.(*ast.Select)
		if !ok {
			t.Fatalf("%s %q: body is %T", tc.d, tc.sql, script.Statements[0].Query.Body)
		}
		if len(sel.Items) != tc.items {
			t.Errorf("%s %q: %d select items, want %d", tc.d, tc.sql, len(sel.Items), tc.items)
		}
	}
}
