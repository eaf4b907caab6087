package parser

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bigtent/quarry/pkg/sqlplan/ast"
)

// corpusQuery is one query of the planner's shared dashboard corpus.
type corpusQuery struct {
	dialect, name, sql string
}

// readCorpus reads the *.sql sections of the planner's corpus files
// (pkg/sqlplan/testdata/corpus/<dialect>.txtar).
func readCorpus(t testing.TB) []corpusQuery {
	t.Helper()
	files, _ := filepath.Glob("../testdata/corpus/*.txtar")
	var out []corpusQuery
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		d := strings.TrimSuffix(filepath.Base(f), ".txtar")
		var cur *corpusQuery
		for _, line := range strings.SplitAfter(string(data), "\n") {
			if strings.HasPrefix(line, "-- ") && strings.HasSuffix(strings.TrimRight(line, "\n"), " --") {
				name := strings.TrimSuffix(strings.TrimPrefix(strings.TrimRight(line, "\n"), "-- "), " --")
				if cur != nil {
					out = append(out, *cur)
					cur = nil
				}
				if strings.HasSuffix(name, ".sql") {
					cur = &corpusQuery{dialect: d, name: name}
				}
				continue
			}
			if cur != nil {
				cur.sql += line
			}
		}
		if cur != nil {
			out = append(out, *cur)
		}
	}
	return out
}

// TestCorpus parses every corpus query: no errors, one read statement, and
// no opaque run at clause level (WHERE / GROUP BY / select items).
func TestCorpus(t *testing.T) {
	qs := readCorpus(t)
	if len(qs) == 0 {
		t.Fatal("no corpus files found under pkg/sqlplan/testdata/corpus")
	}
	for _, q := range qs {
		t.Run(q.dialect+"/"+q.name, func(t *testing.T) {
			s, err := Parse(q.sql, q.dialect)
			if err != nil {
				t.Fatalf("%v\n%s", err, q.sql)
			}
			if len(s.Statements) != 1 || !s.Statements[0].Kind.ReadOnly() {
				t.Fatalf("want one read statement, got %d (%v)", len(s.Statements), kinds(s))
			}
			ast.Inspect(s, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.Clause:
					if o, ok := n.Expr.(*ast.Opaque); ok {
						t.Errorf("opaque clause %q", o.Text(q.sql))
					}
				case *ast.SelectItem:
					if o, ok := n.Expr.(*ast.Opaque); ok {
						t.Errorf("opaque select item %q", o.Text(q.sql))
					}
				}
				return true
			})
		})
	}
}

func kinds(s *ast.Script) []string {
	var out []string
	for _, st := range s.Statements {
		out = append(out, st.Kind.String())
	}
	return out
}
