package lexer

import (
	"errors"
	"strings"
	"testing"
)

// dump renders the non-whitespace tokens as Kind(text) for comparisons.
func dump(src string, toks []Token) string {
	var b strings.Builder
	for _, t := range toks {
		if t.Kind == Whitespace {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t.Kind.String())
		b.WriteByte('(')
		b.WriteString(t.Text(src))
		b.WriteByte(')')
	}
	return b.String()
}

func TestLex(t *testing.T) {
	tests := []struct {
		dialect, src, want string
	}{
		// BigQuery.
		{"bigquery", "SELECT * FROM `project.dataset.table`", "Keyword(SELECT) Operator(*) Keyword(FROM) QuotedIdent(`project.dataset.table`)"},
		{"bigquery", "`my-project`.ds.t", "QuotedIdent(`my-project`) Punct(.) Ident(ds) Punct(.) Ident(t)"},
		{"bigquery", `'a\'b' "x\"y" '''multi 'q' line''' """tri"""`, `String('a\'b') String("x\"y") String('''multi 'q' line''') String("""tri""")`},
		{"bigquery", `r'\d+' B"bytes" Rb'\x' bR"""raw"""`, `String(r'\d+') String(B"bytes") String(Rb'\x') String(bR"""raw""")`},
		{"bigquery", "a # hash comment\n-- dash\n/* block */ b", "Ident(a) Comment(# hash comment) Comment(-- dash) Comment(/* block */) Ident(b)"},
		{"bigquery", "x = @param AND y = @@session.time_zone", "Ident(x) Operator(=) Param(@param) Keyword(AND) Ident(y) Operator(=) Param(@@session) Punct(.) Ident(time_zone)"},
		{"bigquery", "WHERE $__timeFilter(ts) AND h = '$host'", "Keyword(WHERE) Macro($__timeFilter) Punct(() Ident(ts) Punct()) Keyword(AND) Ident(h) Operator(=) String('$host')"},
		{"bigquery", "'' ''", "String('') String('')"},
		// PostgreSQL.
		{"postgres", `SELECT "Weird ""name""" FROM t`, `Keyword(SELECT) QuotedIdent("Weird ""name""") Keyword(FROM) Ident(t)`},
		{"postgres", `'it''s' E'a\'b' 'c\'`, `String('it''s') String(E'a\'b') String('c\')`},
		{"postgres", "$$a $x$ b$$ $tag$ $$ nested $tag$", "String($$a $x$ b$$) String($tag$ $$ nested $tag$)"},
		{"postgres", "x::timestamptz, $1, $__timeFilter(t), $host, ${h:csv}", "Ident(x) Operator(::) Ident(timestamptz) Punct(,) Param($1) Punct(,) Macro($__timeFilter) Punct(() Ident(t) Punct()) Punct(,) Variable($host) Punct(,) Variable(${h:csv})"},
		{"postgres", "/* a /* nested */ still */ b", "Comment(/* a /* nested */ still */) Ident(b)"},
		{"postgres", "a->>'k' #> '{a}' @> b ~* 'x' !~ 'y' x=-1", "Ident(a) Operator(->>) String('k') Operator(#>) String('{a}') Operator(@>) Ident(b) Operator(~*) String('x') Operator(!~) String('y') Ident(x) Operator(=) Operator(-) Number(1)"},
		{"postgres", "a<>b AND c||d -- tail", "Ident(a) Operator(<>) Ident(b) Keyword(AND) Ident(c) Operator(||) Ident(d) Comment(-- tail)"},
		{"postgres", "1 1.5 .5 1e-3 0xFF 1_000 3. 1.e5", "Number(1) Number(1.5) Number(.5) Number(1e-3) Number(0xFF) Number(1_000) Number(3.) Number(1.e5)"},
		{"bigquery", "p-123.ds.t", "Ident(p) Operator(-) Number(123) Punct(.) Ident(ds) Punct(.) Ident(t)"},
		{"postgres", "[[var]] [[v:raw]] a[1] ${__from:date:iso}", "Variable([[var]]) Variable([[v:raw]]) Ident(a) Punct([) Number(1) Punct(]) Variable(${__from:date:iso})"},
		{"postgres", "U&'d\\0061' B'101' X'ff'", "String(U&'d\\0061') String(B'101') String(X'ff')"},
		{"postgres", "'$__timeFilter(x)' -- $__timeFilter(y)", "String('$__timeFilter(x)') Comment(-- $__timeFilter(y))"},
		// ClickHouse.
		{"clickhouse", "SELECT `a b`, \"c\\\"d\" FROM t WHERE x = {p:DateTime64(3)} AND s = 'o\\'k'", "Keyword(SELECT) QuotedIdent(`a b`) Punct(,) QuotedIdent(\"c\\\"d\") Keyword(FROM) Ident(t) Keyword(WHERE) Ident(x) Operator(=) Param({p:DateTime64(3)}) Keyword(AND) Ident(s) Operator(=) String('o\\'k')"},
		{"clickhouse", "arrayMap(x -> x * 2, arr) # c", "Ident(arrayMap) Punct(() Ident(x) Operator(->) Ident(x) Operator(*) Number(2) Punct(,) Ident(arr) Punct()) Comment(# c)"},
		{"clickhouse", "{'a': 1} t.1 ${v}", "Punct({) String('a') Punct(:) Number(1) Punct(}) Ident(t) Punct(.) Number(1) Variable(${v})"},
		{"clickhouse", "$$x", "Invalid($) Variable($x)"},
		// DuckDB.
		{"duckdb", "SELECT * EXCLUDE (a) FROM read_parquet('f.parquet') WHERE x = ? AND y = $1", "Keyword(SELECT) Operator(*) Keyword(EXCLUDE) Punct(() Ident(a) Punct()) Keyword(FROM) Ident(read_parquet) Punct(() String('f.parquet') Punct()) Keyword(WHERE) Ident(x) Operator(=) Param(?) Keyword(AND) Ident(y) Operator(=) Param($1)"},
		{"duckdb", "{'a': 1, 'b': [1,2]}", "Punct({) String('a') Punct(:) Number(1) Punct(,) String('b') Punct(:) Punct([) Number(1) Punct(,) Number(2) Punct(]) Punct(})"},
	}
	for _, tc := range tests {
		t.Run(tc.dialect+"/"+tc.src, func(t *testing.T) {
			toks, err := Lex(tc.src, tc.dialect)
			if err != nil {
				t.Fatalf("Lex: %v", err)
			}
			if got := dump(tc.src, toks); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
			checkCover(t, tc.src, toks)
		})
	}
}

func TestLexErrors(t *testing.T) {
	tests := []struct {
		dialect, src string
		line, col    int
		msg, snippet string
	}{
		{"postgres", "SELECT 'abc", 1, 8, "unterminated string", "SELECT 'abc\n       ^"},
		{"postgres", "SELECT 1\n  /* open /* nested */", 2, 3, "unterminated /* comment", "  /* open /* nested */\n  ^"},
		{"bigquery", "SELECT `t", 1, 8, "unterminated quoted identifier", "SELECT `t\n       ^"},
		{"bigquery", "SELECT '''abc''", 1, 8, "unterminated string", "SELECT '''abc''\n       ^"},
		{"postgres", "SELECT $x$ abc", 1, 8, "unterminated dollar-quoted string", "SELECT $x$ abc\n       ^"},
		{"clickhouse", "SELECT 'a\\'", 1, 8, "unterminated string", "SELECT 'a\\'\n       ^"},
		{"duckdb", "SELECT\n\t\"é", 2, 2, "unterminated quoted identifier", "\t\"é\n\t^"},
	}
	for _, tc := range tests {
		t.Run(tc.dialect+"/"+tc.src, func(t *testing.T) {
			toks, err := Lex(tc.src, tc.dialect)
			checkCover(t, tc.src, toks)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("want *Error, got %v", err)
			}
			if e.Line != tc.line || e.Column != tc.col || !strings.Contains(e.Message, tc.msg) || e.Snippet != tc.snippet {
				t.Errorf("got %d:%d %q\n%s", e.Line, e.Column, e.Message, e.Snippet)
			}
		})
	}
}

func TestLexUnknownDialect(t *testing.T) {
	if _, err := Lex("SELECT 1", "mysql"); err == nil || !strings.Contains(err.Error(), "mysql") {
		t.Fatalf("want an error naming the dialect, got %v", err)
	}
}

func TestVariableParts(t *testing.T) {
	for _, tc := range []struct{ src, name, format string }{
		{"$host", "host", ""}, {"${host}", "host", ""}, {"${host:csv}", "host", "csv"},
		{"${__from:date:iso}", "__from", "date:iso"}, {"[[v]]", "v", ""}, {"[[v:raw]]", "v", "raw"},
	} {
		toks, err := Lex(tc.src, "postgres")
		if err != nil || len(toks) != 1 || toks[0].Kind != Variable {
			t.Fatalf("%s: %v %v", tc.src, toks, err)
		}
		if n, f := toks[0].VariableParts(tc.src); n != tc.name || f != tc.format {
			t.Errorf("%s: got %q %q", tc.src, n, f)
		}
	}
}

// checkCover verifies that the tokens tile src exactly.
func checkCover(t testing.TB, src string, toks []Token) {
	t.Helper()
	pos := 0
	var b strings.Builder
	for _, tk := range toks {
		if tk.Start != pos || tk.End <= tk.Start {
			t.Fatalf("token %v does not continue at %d", tk, pos)
		}
		b.WriteString(tk.Text(src))
		pos = tk.End
	}
	if b.String() != src {
		t.Fatalf("tokens do not reproduce the input")
	}
}

var dialects = []string{"bigquery", "postgres", "clickhouse", "duckdb"}

func FuzzLex(f *testing.F) {
	for _, s := range []string{
		"SELECT 1", "SELECT $__timeFilter(ts), '$x' -- $__y\nFROM t", "$$ $a$ $1 ${v:csv} [[v]] {p:UInt8}",
		"'''a''' r'\\'' E'\\'' /* /* */ */ `a` \"b\"", "a->>'b'::int #> '{x}' @> x?|y",
	} {
		for i := range dialects {
			f.Add(s, uint8(i))
		}
	}
	f.Fuzz(func(t *testing.T, src string, di uint8) {
		toks, _ := Lex(src, dialects[int(di)%len(dialects)])
		checkCover(t, src, toks)
	})
}

const benchSQL = `WITH recent AS (
  SELECT ts, host, service, requests, errors, latency_ms -- per-minute rows
  FROM sample.http_requests
  WHERE $__timeFilter(ts) AND host = '$host' /* pinned host */
)
SELECT $__timeGroupAlias(ts, $__interval), service,
       sum(requests) AS requests, sum(errors)::float8 / nullif(sum(requests), 0) AS error_rate,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95
FROM recent r JOIN sample.deploys d ON d.service = r.service
WHERE r.service IN (${service:sqlstring}) AND r.latency_ms > 10.5
GROUP BY 1, 2
ORDER BY 1`

func BenchmarkLex(b *testing.B) {
	for _, d := range dialects {
		b.Run(d, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(benchSQL)))
			for b.Loop() {
				if _, err := Lex(benchSQL, d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
