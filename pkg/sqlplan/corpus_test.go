package sqlplan_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/sqlplan/ast"
	"github.com/bigtent/quarry/pkg/sqlplan/lexer"
	"github.com/bigtent/quarry/pkg/sqlplan/oracletest"
	"github.com/bigtent/quarry/pkg/sqlplan/parser"
)

func loadCorpus(t testing.TB) []oracletest.Query {
	t.Helper()
	qs, err := oracletest.LoadCorpus("testdata")
	if err != nil {
		t.Fatal(err)
	}
	return qs
}

// TestCorpusSize: the corpus holds at least 300 queries, 75 per dialect.
func TestCorpusSize(t *testing.T) {
	per := map[sqlplan.Dialect]int{}
	for _, q := range loadCorpus(t) {
		per[q.Dialect]++
	}
	total := 0
	for _, d := range oracletest.Dialects {
		if per[d] < 75 {
			t.Errorf("%s: %d corpus queries, want at least 75", d, per[d])
		}
		total += per[d]
	}
	if total < 300 {
		t.Errorf("%d corpus queries, want at least 300", total)
	}
	t.Logf("corpus: %d queries %v", total, per)
}

// TestCorpusParses: every corpus query parses structurally - one read
// statement whose query blocks all have their FROM found - and its
// planned SQL parses again to a statement of the same kind.
func TestCorpusParses(t *testing.T) {
	for _, q := range loadCorpus(t) {
		t.Run(q.Name, func(t *testing.T) {
			src := expandStatementMacros(t, q)
			script, err := parser.Parse(src, q.Dialect)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if len(script.Statements) != 1 || !script.Statements[0].Kind.ReadOnly() {
				t.Fatalf("want one read statement, got %d (%v)", len(script.Statements), kinds(script))
			}
			st := script.Statements[0]
			if st.Kind == ast.StmtSelect {
				checkStructure(t, src, st)
			}
			plan, err := sqlplan.Build(context.Background(), q.Request)
			if err != nil {
				t.Fatalf("plan: %v", err)
			}
			again, err := parser.Parse(plan.SQL, q.Dialect)
			if err != nil || len(again.Statements) != 1 || again.Statements[0].Kind != st.Kind {
				t.Fatalf("planned SQL does not re-parse as one %s (%v):\n%s", st.Kind, err, plan.SQL)
			}
			if strings.Contains(stripStringsAndComments(t, plan.SQL, q.Dialect), "$__") {
				t.Errorf("planned SQL still holds a macro outside strings and comments:\n%s", plan.SQL)
			}
		})
	}
}

// expandStatementMacros is the query's text after its statement and
// Altinity macros (the text the planner parses).
func expandStatementMacros(t testing.TB, q oracletest.Query) string {
	t.Helper()
	src, err := q.ParserText()
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// checkStructure checks that every SELECT block that has FROM in its text
// got a FROM clause, and that clause spans nest.
func checkStructure(t *testing.T, src string, st *ast.Statement) {
	t.Helper()
	if st.Query == nil || st.Query.Body == nil {
		t.Fatal("SELECT statement without a query body")
	}
	ast.Inspect(st, func(n ast.Node) bool {
		sp := n.NodeSpan()
		if sp.Start < 0 || sp.End > len(src) || sp.Start > sp.End {
			t.Errorf("%T has a bad span %v", n, sp)
		}
		if sel, ok := n.(*ast.Select); ok {
			if sel.From == nil && strings.Contains(strings.ToUpper(sel.Text(src)), " FROM ") && !hasNested(sel) {
				t.Errorf("SELECT block %q: FROM not found", sel.Text(src))
			}
			if sel.WhereInsert < sel.Start || sel.WhereInsert > sel.End {
				t.Errorf("SELECT block %q: WhereInsert %d outside the block", sel.Text(src), sel.WhereInsert)
			}
		}
		return true
	})
}

// hasNested reports whether a block holds a subquery (whose FROM may be the
// one the text shows).
func hasNested(sel *ast.Select) bool {
	found := false
	ast.Inspect(sel, func(n ast.Node) bool {
		if _, ok := n.(*ast.Query); ok {
			found = true
		}
		return !found
	})
	return found
}

func kinds(s *ast.Script) []string {
	var out []string
	for _, st := range s.Statements {
		out = append(out, st.Kind.String())
	}
	return out
}

// TestCorpusGolden compares every planned corpus query with
// testdata/golden/corpus-<dialect>.txtar (rewritten by -update).
func TestCorpusGolden(t *testing.T) {
	for _, d := range oracletest.Dialects {
		qs, err := oracletest.LoadDialect("testdata", d)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join("testdata", "golden", "corpus-"+string(d)+".txtar")
		var ar *txtar.Archive
		if !*update {
			ar, err = txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
		}
		out := &txtar.Archive{Comment: []byte(fmt.Sprintf(
			"Expected plans of the %s corpus (testdata/corpus/%s.txtar). Rewrite with: go test ./pkg/sqlplan -run TestCorpusGolden -update\n", d, d))}
		t.Run(string(d), func(t *testing.T) {
			for _, q := range qs {
				got := planSections(t, q.Name, q.Request)
				out.Files = append(out.Files, got...)
				if ar == nil {
					continue
				}
				for _, f := range got {
					want, ok := section(ar, f.Name)
					if !ok {
						t.Errorf("%s: missing section %s (run -update)", q.Name, f.Name)
					} else if !bytes.Equal(want, f.Data) {
						t.Errorf("%s differs:\n--- want\n%s\n--- got\n%s", f.Name, want, f.Data)
					}
				}
			}
		})
		if *update {
			if err := os.WriteFile(file, txtar.Format(out), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// planSections plans a corpus query; a corpus query must always plan.
func planSections(t *testing.T, name string, req sqlplan.Request) []txtar.File {
	t.Helper()
	if _, err := sqlplan.Build(context.Background(), req); err != nil {
		t.Errorf("%s: %v", name, err)
		return nil
	}
	return runGolden(t, nil, goldenCase{name: name, input: req.RawSQL, req: mustJSON(t, req), hasInput: true})
}

// stripStringsAndComments returns sql without its string literals and
// comments.
func stripStringsAndComments(t *testing.T, sql string, d sqlplan.Dialect) string {
	t.Helper()
	toks, err := lexer.Lex(sql, d)
	if err != nil {
		t.Fatalf("lex: %v", err)
	}
	var b strings.Builder
	for _, tk := range toks {
		if tk.Kind != lexer.String && tk.Kind != lexer.Comment {
			b.WriteString(tk.Text(sql))
		}
	}
	return b.String()
}
