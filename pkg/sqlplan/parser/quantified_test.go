package parser

import (
	"testing"

	"github.com/bigtent/quarry/pkg/sqlplan/ast"
)

// TestQuantified: op ANY|SOME|ALL (array | query | variable) parses as a
// Quantified operand, the forms PostgreSQL dashboards use (TeslaMate's
// NOT ILIKE ALL ${exclude:raw}, = ANY($var), <> ALL(ARRAY[...])).
func TestQuantified(t *testing.T) {
	cases := []struct {
		dialect, src string
		quantifier   string
		operand      string // the X operand's text, or "" for a query
	}{
		{"postgres", "SELECT 1 FROM t WHERE x = ANY(ARRAY[1, 2])", "ANY", "ARRAY[1, 2]"},
		{"postgres", "SELECT 1 FROM t WHERE x = ANY($ids)", "ANY", "$ids"},
		{"postgres", "SELECT 1 FROM t WHERE x = ANY ($ids)", "ANY", "$ids"},
		{"postgres", "SELECT 1 FROM t WHERE x = ANY($1)", "ANY", "$1"},
		{"postgres", "SELECT 1 FROM t WHERE x = ANY('{1,2}'::int[])", "ANY", "'{1,2}'::int[]"},
		{"postgres", "SELECT 1 FROM t WHERE x <> ALL(ARRAY['a', 'b'])", "ALL", "ARRAY['a', 'b']"},
		{"postgres", "SELECT 1 FROM t WHERE x <> ALL (ARRAY['a'])", "ALL", "ARRAY['a']"},
		{"postgres", "SELECT 1 FROM t WHERE x NOT ILIKE ALL (ARRAY['%a%'])", "ALL", "ARRAY['%a%']"},
		{"postgres", "SELECT 1 FROM t WHERE x NOT ILIKE ALL ${exclude:raw}", "ALL", "${exclude:raw}"},
		{"postgres", "SELECT 1 FROM t WHERE x ILIKE ANY $patterns", "ANY", "$patterns"},
		{"postgres", "SELECT 1 FROM t WHERE x LIKE SOME (ARRAY['a%'])", "SOME", "ARRAY['a%']"},
		{"postgres", "SELECT 1 FROM t WHERE x > ALL (SELECT y FROM u)", "ALL", ""},
		{"postgres", "SELECT 1 FROM t WHERE x = ANY(string_to_array('$v', ','))", "ANY", "string_to_array('$v', ',')"},
		{"duckdb", "SELECT 1 FROM t WHERE x = ANY([1, 2])", "ANY", "[1, 2]"},
		{"duckdb", "SELECT 1 FROM t WHERE x NOT LIKE ALL ${exclude:raw}", "ALL", "${exclude:raw}"},
	}
	for _, tc := range cases {
		t.Run(tc.dialect+" "+tc.src, func(t *testing.T) {
			s, err := Parse(tc.src, tc.dialect)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			var q *ast.Quantified
			ast.Inspect(s, func(n ast.Node) bool {
				if x, ok := n.(*ast.Quantified); ok && q == nil {
					q = x
				}
				return true
			})
			if q == nil {
				t.Fatalf("no Quantified node:\n%s", ast.Dump(tc.src, s))
			}
			if q.Quantifier != tc.quantifier {
				t.Errorf("quantifier %q, want %q", q.Quantifier, tc.quantifier)
			}
			switch {
			case tc.operand == "":
				if q.Query == nil {
					t.Errorf("want a subquery operand:\n%s", ast.Dump(tc.src, s))
				}
			case q.X == nil:
				t.Errorf("no operand:\n%s", ast.Dump(tc.src, s))
			default:
				if got := q.X.NodeSpan().Text(tc.src); got != tc.operand {
					t.Errorf("operand %q, want %q", got, tc.operand)
				}
			}
		})
	}
}
