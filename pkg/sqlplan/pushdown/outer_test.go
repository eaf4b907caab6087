package pushdown

import (
	"testing"

	"github.com/bigtent/quarry/pkg/sqlplan/ast"
)

// TestOptionalSides: which sides of a join a filter must not go below.
func TestOptionalSides(t *testing.T) {
	for _, c := range []struct {
		kind        ast.JoinKind
		left, right bool
	}{
		{"JOIN", false, false}, {"INNER JOIN", false, false}, {"CROSS JOIN", false, false},
		{"NATURAL JOIN", false, false}, {"ALL INNER JOIN", false, false}, {"GLOBAL INNER JOIN", false, false},
		{"LEFT JOIN", false, true}, {"LEFT OUTER JOIN", false, true}, {"NATURAL LEFT JOIN", false, true},
		{"ANY LEFT JOIN", false, true}, {"ALL LEFT JOIN", false, true}, {"GLOBAL ANY LEFT JOIN", false, true},
		{"ASOF LEFT JOIN", false, true}, {"LEFT SEMI JOIN", false, true}, {"LEFT ANTI JOIN", false, true},
		{"ANY INNER JOIN", false, true}, {"ASOF JOIN", false, true}, {"SEMI JOIN", false, true}, {"ANTI JOIN", false, true},
		{"RIGHT JOIN", true, false}, {"RIGHT OUTER JOIN", true, false}, {"ANY RIGHT JOIN", true, false},
		{"FULL JOIN", true, true}, {"FULL OUTER JOIN", true, true}, {"ALL FULL JOIN", true, true},
		{"POSITIONAL JOIN", true, true},
		{"ARRAY JOIN", false, false}, {"LEFT ARRAY JOIN", false, false},
	} {
		l, r := optionalSides(c.kind)
		if l != c.left || r != c.right {
			t.Errorf("optionalSides(%q) = %v, %v; want %v, %v", c.kind, l, r, c.left, c.right)
		}
	}
}

// TestMayHaveWindow: the cheap pre-check before walking a select list.
func TestMayHaveWindow(t *testing.T) {
	for text, want := range map[string]bool{
		"sum(x) OVER (ORDER BY ts)": true, "row_number() over w": true, "a, b, count(*)": false,
		"overall": true, // a false maybe only costs a walk
		"":        false,
	} {
		if got := mayHaveWindow(text); got != want {
			t.Errorf("mayHaveWindow(%q) = %v, want %v", text, got, want)
		}
	}
}
