package parser

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bigtent/quarry/pkg/sqlplan/ast"
	"github.com/bigtent/quarry/pkg/sqlplan/stmtmacro"
)

// corpusQuery is one query of the planner's shared dashboard corpus.
type corpusQuery struct {
	dialect, name, sql string
	options            string // the query's .json section, if any
}

// readCorpus reads the *.sql sections of the planner's corpus files
// (pkg/sqlplan/testdata/corpus/<dialect>.txtar), as the parser sees them:
// after the statement and Altinity macros, which the planner expands before
// parsing (with the query's "altinity" options from its .json section).
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
		options := map[string]string{} // query name (with .sql) -> its .json section
		jsonOf := ""
		for _, line := range strings.SplitAfter(string(data), "\n") {
			if strings.HasPrefix(line, "-- ") && strings.HasSuffix(strings.TrimRight(line, "\n"), " --") {
				name := strings.TrimSuffix(strings.TrimPrefix(strings.TrimRight(line, "\n"), "-- "), " --")
				if cur != nil {
					out = append(out, *cur)
					cur = nil
				}
				jsonOf = ""
				switch {
				case strings.HasSuffix(name, ".sql"):
					cur = &corpusQuery{dialect: d, name: name}
				case strings.HasSuffix(name, ".json"):
					jsonOf = strings.TrimSuffix(name, ".json") + ".sql"
				}
				continue
			}
			if cur != nil {
				cur.sql += line
			} else if jsonOf != "" {
				options[jsonOf] += line
			}
		}
		if cur != nil {
			out = append(out, *cur)
		}
		for i := range out {
			if out[i].dialect == d {
				out[i].options = options[out[i].name]
			}
		}
	}
	for i := range out {
		out[i].sql = expandStatementMacros(t, out[i])
	}
	return out
}

// expandStatementMacros expands q's statement and Altinity macros over a
// fixed one-day range, with the Altinity options of its .json section.
func expandStatementMacros(t testing.TB, q corpusQuery) string {
	t.Helper()
	var opts struct {
		Altinity stmtmacro.Altinity `json:"altinity"`
	}
	if q.options != "" {
		if err := json.Unmarshal([]byte(q.options), &opts); err != nil {
			t.Fatalf("%s: options: %v", q.name, err)
		}
	}
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	res, err := stmtmacro.Expand(q.sql, stmtmacro.Options{Dialect: q.dialect, From: from, To: from.Add(24 * time.Hour),
		IntervalMs: 60_000, MaxDataPoints: 1000, Altinity: opts.Altinity})
	if err != nil {
		t.Fatalf("%s: statement macros: %v", q.name, err)
	}
	return res.SQL
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
