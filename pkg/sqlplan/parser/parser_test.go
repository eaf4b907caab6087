package parser

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/bigtent/quarry/pkg/sqlplan/ast"
	"github.com/bigtent/quarry/pkg/sqlplan/lexer"
)

var update = flag.Bool("update", false, "rewrite the golden AST dumps")

var dialects = []string{"bigquery", "postgres", "clickhouse", "duckdb"}

// readCases reads testdata/cases/<dialect>.txt: "-- name --" sections.
func readCases(t testing.TB, dialect string) (names, sqls []string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "cases", dialect+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.SplitAfter(string(data), "\n") {
		trimmed := strings.TrimRight(line, "\n")
		if strings.HasPrefix(trimmed, "-- ") && strings.HasSuffix(trimmed, " --") && len(trimmed) > 6 {
			names = append(names, strings.TrimSuffix(strings.TrimPrefix(trimmed, "-- "), " --"))
			sqls = append(sqls, "")
			continue
		}
		if len(sqls) > 0 {
			sqls[len(sqls)-1] += line
		}
	}
	for i := range sqls {
		sqls[i] = strings.TrimSuffix(sqls[i], "\n")
	}
	return names, sqls
}

// dumpResult is the golden form: the AST dump and the errors.
func dumpResult(src string, s *ast.Script, err error) string {
	var b strings.Builder
	b.WriteString(ast.Dump(src, s))
	var list lexer.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			fmt.Fprintf(&b, "error %d:%d: %s\n", e.Line, e.Column, e.Message)
		}
	}
	return b.String()
}

// TestGolden parses every case of every dialect and compares the AST dump
// (spans and text of every node) with testdata/golden/<dialect>/<name>.ast.
func TestGolden(t *testing.T) {
	cnames, csqls := readCases(t, "common")
	for _, d := range dialects {
		names, sqls := readCases(t, d)
		for i, n := range cnames {
			names = append(names, "common-"+n)
			sqls = append(sqls, csqls[i])
		}
		for i, name := range names {
			src := sqls[i]
			t.Run(d+"/"+name, func(t *testing.T) {
				s, err := Parse(src, d)
				if s == nil {
					t.Fatalf("no script: %v", err)
				}
				if err != nil && !strings.HasPrefix(name, "err-") {
					t.Errorf("unexpected error: %v", err)
				}
				checkSpans(t, src, s)
				got := dumpResult(src, s, err)
				path := filepath.Join("testdata", "golden", d, name+".ast")
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run with -update to create it)", err)
				}
				if got != string(want) {
					t.Errorf("AST dump differs from %s (run with -update after checking):\n%s", path, got)
				}
			})
		}
	}
}

// checkSpans verifies that every node's span lies inside src and inside
// its parent's span, and that start <= end.
func checkSpans(t testing.TB, src string, root ast.Node) {
	t.Helper()
	var stack []ast.Span
	var walk func(v reflect.Value, parent ast.Span)
	seen := 0
	walk = func(v reflect.Value, parent ast.Span) {
		for v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return
			}
			v = v.Elem()
		}
		switch v.Kind() {
		case reflect.Struct:
			span := parent
			if f := v.FieldByName("Span"); f.IsValid() && f.Type() == reflect.TypeOf(ast.Span{}) {
				s := f.Interface().(ast.Span)
				seen++
				if s.Start < 0 || s.End > len(src) || s.Start > s.End {
					t.Errorf("%s span [%d,%d) is invalid", v.Type().Name(), s.Start, s.End)
				} else if s.Start < parent.Start || s.End > parent.End {
					t.Errorf("%s span [%d,%d) %q is outside its parent [%d,%d)", v.Type().Name(), s.Start, s.End,
						s.Text(src), parent.Start, parent.End)
				}
				span = s
			}
			stack = append(stack, span)
			for i := 0; i < v.NumField(); i++ {
				if v.Type().Field(i).Name == "Tokens" {
					continue
				}
				walk(v.Field(i), span)
			}
			stack = stack[:len(stack)-1]
		case reflect.Slice:
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i), parent)
			}
		}
	}
	walk(reflect.ValueOf(root), ast.Span{Start: 0, End: len(src)})
}

func TestErrors(t *testing.T) {
	tests := []struct {
		dialect, src string
		line, col    int
		msg          string
	}{
		{"postgres", "SELECT (a + b FROM t", 1, 8, "unbalanced '('"},
		{"postgres", "SELECT a FROM t WHERE (x = 1))", 1, 30, "unbalanced ')'"},
		{"bigquery", "SELECT [1, 2) FROM t", 1, 13, "unbalanced brackets"},
		{"postgres", "SELECT 'abc FROM t", 1, 8, "unterminated string"},
		{"postgres", "SELECT 1 /* open", 1, 10, "unterminated /* comment"},
		{"clickhouse", "SELECT `a FROM t", 1, 8, "unterminated quoted identifier"},
		{"postgres", "SELECT a FROM t GROUP BY a WHERE b = 1", 1, 28, "out of order"},
		{"postgres", "SELECT a FROM t x y", 1, 19, "unexpected Ident \"y\""},
		{"postgres", "SELECT a b c FROM t", 1, 12, "unexpected Ident \"c\""},
		{"duckdb", "SELECT a FROM t LIMIT 10 20", 1, 26, "unexpected Number \"20\""},
		{"postgres", "SELECT a FROM WHERE x = 1", 1, 15, "expected a table"},
		{"postgres", "SELECT a,\n  b\nFROM t\nWHERE", 4, 6, "expected an expression"},
		{"bigquery", "SELECT CASE WHEN a THEN 1 FROM t", 1, 27, "expected END"},
		{"postgres", "FOO BAR", 1, 1, "a statement starts with"},
		{"postgres", "SELECT 1 +", 1, 11, "expected an expression after \"+\""},
	}
	for _, tc := range tests {
		t.Run(tc.dialect+"/"+tc.src, func(t *testing.T) {
			s, err := Parse(tc.src, tc.dialect)
			if s == nil {
				t.Fatal("no script")
			}
			var e *lexer.Error
			if !errors.As(err, &e) {
				t.Fatalf("want a *lexer.Error, got %v", err)
			}
			if e.Line != tc.line || e.Column != tc.col || !strings.Contains(e.Message, tc.msg) {
				t.Errorf("got %d:%d %q, want %d:%d containing %q\n%s", e.Line, e.Column, e.Message, tc.line, tc.col, tc.msg, e.Snippet)
			}
			if !strings.Contains(e.Snippet, "^") {
				t.Errorf("snippet without caret: %q", e.Snippet)
			}
		})
	}
}

func TestErrorList(t *testing.T) {
	src := "SELECT a FROM t x y;\nSELECT b FROM u GROUP BY b WHERE c"
	_, err := Parse(src, "postgres")
	var list lexer.ErrorList
	if !errors.As(err, &list) || len(list) != 2 {
		t.Fatalf("want 2 errors, got %v", err)
	}
	if list[0].Line != 1 || list[0].Column != 19 || list[1].Line != 2 || list[1].Column != 28 {
		t.Errorf("got %v", list)
	}
	var first *lexer.Error
	if !errors.As(err, &first) || first != list[0] {
		t.Errorf("errors.As must find the primary error first")
	}
}

func TestStatementKinds(t *testing.T) {
	tests := []struct {
		dialect, src string
		want         []ast.StatementKind
	}{
		{"postgres", "SELECT 1;", []ast.StatementKind{ast.StmtSelect}},
		{"postgres", "WITH x AS (SELECT 1) SELECT * FROM x", []ast.StatementKind{ast.StmtSelect}},
		{"postgres", "(SELECT 1)", []ast.StatementKind{ast.StmtSelect}},
		{"postgres", "EXPLAIN ANALYZE SELECT 1", []ast.StatementKind{ast.StmtExplain}},
		{"postgres", "SELECT 1; DELETE FROM t", []ast.StatementKind{ast.StmtSelect, ast.StmtDelete}},
		{"postgres", "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", []ast.StatementKind{ast.StmtDelete}},
		{"postgres", "WITH x AS (SELECT 1) UPDATE t SET a = 1", []ast.StatementKind{ast.StmtUpdate}},
		{"bigquery", "MERGE t USING s ON true WHEN MATCHED THEN DELETE", []ast.StatementKind{ast.StmtMerge}},
		{"clickhouse", "SHOW TABLES", []ast.StatementKind{ast.StmtShow}},
		{"clickhouse", "DESC sample.logs", []ast.StatementKind{ast.StmtDescribe}},
		{"clickhouse", "ALTER TABLE t DELETE WHERE 1", []ast.StatementKind{ast.StmtAlter}},
		{"duckdb", "CREATE TABLE t AS SELECT 1", []ast.StatementKind{ast.StmtCreate}},
		{"duckdb", "ATTACH 'x.db'", []ast.StatementKind{ast.StmtOther}},
		{"postgres", "GRANT SELECT ON t TO u; REVOKE ALL ON t FROM u", []ast.StatementKind{ast.StmtGrant, ast.StmtRevoke}},
		{"postgres", "SET x = 1; CALL p(); COPY t FROM STDIN; TRUNCATE t", []ast.StatementKind{ast.StmtSet, ast.StmtCall, ast.StmtCopy, ast.StmtTruncate}},
		{"postgres", "BEGIN; COMMIT", []ast.StatementKind{ast.StmtTransaction, ast.StmtTransaction}},
		{"postgres", "SELECT * INTO newt FROM sample.logs", []ast.StatementKind{ast.StmtCreate}},
		{"clickhouse", "SELECT * FROM sample.logs INTO OUTFILE 'x.csv' FORMAT CSV", []ast.StatementKind{ast.StmtCopy}},
		{"duckdb", "SELECT 1 AS a INTO t", []ast.StatementKind{ast.StmtCreate}},
	}
	for _, tc := range tests {
		t.Run(tc.src, func(t *testing.T) {
			s, err := Parse(tc.src, tc.dialect)
			if err != nil {
				t.Errorf("parse error: %v", err)
			}
			var got []ast.StatementKind
			for _, st := range s.Statements {
				got = append(got, st.Kind)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	s, _ := Parse("EXPLAIN DELETE FROM t", "postgres")
	if st := s.Statements[0]; st.Kind != ast.StmtExplain || st.Explained != ast.StmtDelete {
		t.Errorf("EXPLAIN DELETE: got %v explaining %v", st.Kind, st.Explained)
	}
}

// TestInsertionPoints checks WhereInsert and LimitInsert on tricky layouts:
// a trailing comment must stay after the inserted text.
func TestInsertionPoints(t *testing.T) {
	tests := []struct {
		dialect, src           string
		whereAfter, limitAfter string
	}{
		{"postgres", "SELECT a FROM t -- c\nGROUP BY a", "FROM t", "GROUP BY a"},
		{"postgres", "SELECT a FROM t JOIN u ON u.id = t.id ORDER BY 1", "u.id = t.id", "ORDER BY 1"},
		{"clickhouse", "SELECT a FROM t FINAL SAMPLE 0.1 PREWHERE x = 1 ORDER BY a SETTINGS max_threads = 1", "PREWHERE x = 1", "ORDER BY a"},
		{"clickhouse", "SELECT a FROM t ARRAY JOIN arr AS x LIMIT 1 BY a FORMAT JSON", "ARRAY JOIN arr AS x", "LIMIT 1 BY a"},
		{"bigquery", "SELECT 1", "SELECT 1", "SELECT 1"},
		{"duckdb", "SELECT a FROM t WHERE b /* x */ OFFSET 3", "FROM t", "WHERE b"},
		{"duckdb", "FROM t SELECT a, b ORDER BY a", "SELECT a, b", "ORDER BY a"},
	}
	for _, tc := range tests {
		t.Run(tc.src, func(t *testing.T) {
			s, err := Parse(tc.src, tc.dialect)
			if err != nil {
				t.Fatal(err)
			}
			q := s.Statements[0].Query
			sel := q.Body.(*ast.Select)
			if !strings.HasSuffix(tc.src[:sel.WhereInsert], tc.whereAfter) {
				t.Errorf("WhereInsert %d is after %q, want after %q", sel.WhereInsert, tc.src[:sel.WhereInsert], tc.whereAfter)
			}
			if !strings.HasSuffix(tc.src[:q.LimitInsert], tc.limitAfter) {
				t.Errorf("LimitInsert %d is after %q, want after %q", q.LimitInsert, tc.src[:q.LimitInsert], tc.limitAfter)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, d := range dialects {
		_, sqls := readCases(f, d)
		for _, s := range sqls {
			f.Add(s, uint8(len(f.Name())%4))
		}
	}
	f.Add("SELECT (((", uint8(0))
	f.Add("SELECT a FROM t WHERE $__timeFilter(ts) AND x IN (${v:csv})", uint8(1))
	var pr Parser // reused across inputs: it must give what a fresh parse gives
	f.Fuzz(func(t *testing.T, src string, di uint8) {
		d := dialects[int(di)%len(dialects)]
		s, err := Parse(src, d)
		if s == nil {
			t.Fatal("nil script")
		}
		if rs, rerr := pr.Parse(src, d); !reflect.DeepEqual(rs, s) || !reflect.DeepEqual(rerr, err) {
			t.Fatalf("a reused Parser differs from a fresh parse:\n%s\nwant:\n%s", dumpResult(src, rs, rerr), dumpResult(src, s, err))
		}
		var b strings.Builder
		for _, tk := range s.Tokens {
			b.WriteString(tk.Text(src))
		}
		if b.String() != src {
			t.Fatal("tokens do not reproduce the input")
		}
		checkSpans(t, src, s)
	})
}
