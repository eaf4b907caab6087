package parser_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/bigtent/quarry/pkg/sqlplan/ast"
	"github.com/bigtent/quarry/pkg/sqlplan/oracletest"
	"github.com/bigtent/quarry/pkg/sqlplan/parser"
)

// nodeSummaries describes the nodes of st as ClickHouseForms' Want does.
func nodeSummaries(st *ast.Statement, src string) []string {
	var out []string
	ast.Inspect(st, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Func:
			name := strings.ToLower(n.Name.Text(src))
			out = append(out, "Func "+name, fmt.Sprintf("Func %s/%d", name, len(n.Args)))
		case *ast.Cast:
			out = append(out, "Cast "+n.Kind)
		case *ast.Lambda:
			out = append(out, fmt.Sprintf("Lambda %d", len(n.Params)))
		case *ast.Interval:
			out = append(out, "Interval")
		case *ast.Extract:
			out = append(out, "Extract")
		case *ast.Param:
			out = append(out, "Param")
		case *ast.LimitBy:
			out = append(out, "LimitBy")
		case *ast.ArrayJoinList:
			out = append(out, "ArrayJoin")
		case *ast.TableRef:
			if n.Final != nil {
				out = append(out, "TableRef final")
			}
			if n.Sample != nil {
				out = append(out, "TableRef sample")
			}
		case *ast.Select:
			out = append(out, fmt.Sprintf("Select %d", len(n.Items)))
			if n.Prewhere != nil {
				out = append(out, "Prewhere")
			}
			if n.GroupBy != nil {
				out = append(out, "GroupBy")
			}
		case *ast.Query:
			if n.With != nil {
				out = append(out, "With")
			}
			if n.Format != nil {
				out = append(out, "Format")
			}
		}
		return true
	})
	return out
}

// TestClickHouseForms: each form parses as one SELECT with the node it is
// about (extract(s, pattern) is a call, not EXTRACT(field FROM x)).
func TestClickHouseForms(t *testing.T) {
	for _, c := range oracletest.ClickHouseForms {
		t.Run(c.SQL, func(t *testing.T) {
			s, err := parser.Parse(c.SQL, "clickhouse")
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Statements) != 1 || s.Statements[0].Kind != ast.StmtSelect {
				t.Fatalf("want one SELECT, got %d statements", len(s.Statements))
			}
			got := nodeSummaries(s.Statements[0], c.SQL)
			for _, g := range got {
				if g == c.Want {
					return
				}
			}
			t.Errorf("no %q among %v", c.Want, got)
		})
	}
}
