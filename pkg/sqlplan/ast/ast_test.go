package ast_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/bigtent/quarry/pkg/sqlplan/ast"
	"github.com/bigtent/quarry/pkg/sqlplan/parser"
)

func TestColumnRefs(t *testing.T) {
	const src = "SELECT a FROM t WHERE t.b = 1 AND c IN (SELECT d FROM u) AND substring(e FROM 1 FOR 2) = 'x'"
	s, err := parser.Parse(src, "postgres")
	if err != nil {
		t.Fatal(err)
	}
	where := s.Statements[0].Query.Body.(*ast.Select).Where
	var got []string
	for _, c := range ast.ColumnRefs(where.Expr) {
		var q []string
		for _, id := range c.Qualifier() {
			q = append(q, id.Name)
		}
		got = append(got, fmt.Sprintf("%s|%s@%d", strings.Join(q, "."), c.Name().Name, c.Start))
	}
	// d is inside a subquery (not included); e is found inside the opaque
	// substring(... FROM ... FOR ...) arguments.
	want := []string{"t|b@22", "|c@34", "|e@71"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestInspectOrder(t *testing.T) {
	const src = "WITH x AS (SELECT 1 AS v) SELECT v FROM x JOIN y ON x.v = y.v UNION ALL SELECT 2"
	s, err := parser.Parse(src, "duckdb")
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	ast.Inspect(s, func(n ast.Node) bool {
		switch n.(type) {
		case *ast.Select, *ast.CTE, *ast.Join, *ast.SetOp, *ast.TableRef:
			kinds = append(kinds, fmt.Sprintf("%T@%d", n, n.NodeSpan().Start))
		}
		return true
	})
	want := []string{"*ast.CTE@5", "*ast.Select@11", "*ast.SetOp@26", "*ast.Select@26", "*ast.Join@40", "*ast.TableRef@40",
		"*ast.TableRef@47", "*ast.Select@72"}
	if !reflect.DeepEqual(kinds, want) {
		t.Errorf("got %v\nwant %v", kinds, want)
	}
	// Returning false skips children.
	n := 0
	ast.Inspect(s, func(node ast.Node) bool {
		n++
		_, isStmt := node.(*ast.Statement)
		return !isStmt
	})
	if n != 2 { // the script and its statement
		t.Errorf("visited %d nodes, want 2", n)
	}
}

func TestStatementKind(t *testing.T) {
	read := map[ast.StatementKind]bool{ast.StmtSelect: true, ast.StmtExplain: true, ast.StmtShow: true, ast.StmtDescribe: true}
	for k := ast.StmtUnknown; k <= ast.StmtOther; k++ {
		if k.ReadOnly() != read[k] {
			t.Errorf("%v.ReadOnly() = %v", k, k.ReadOnly())
		}
		if k.String() == "" || k.String() == "unknown" && k != ast.StmtUnknown {
			t.Errorf("kind %d has no name", k)
		}
	}
}

func TestSpanText(t *testing.T) {
	src := "SELECT 1"
	for _, tc := range []struct {
		s    ast.Span
		want string
	}{{ast.Span{Start: 0, End: 6}, "SELECT"}, {ast.Span{Start: 5, End: 99}, ""}, {ast.Span{Start: 4, End: 2}, ""}} {
		if got := tc.s.Text(src); got != tc.want {
			t.Errorf("%v.Text = %q, want %q", tc.s, got, tc.want)
		}
	}
}
