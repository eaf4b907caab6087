package parser

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/bigtent/quarry/pkg/sqlplan/ast"
)

// reuseCase is one text for the Parser reuse tests.
type reuseCase struct {
	name, dialect, sql string
}

// reuseCases are the corpus queries, the parser's test cases (with the error
// cases) and huge texts that grow every buffer past maxKeptBytes.
func reuseCases(t *testing.T) []reuseCase {
	var cs []reuseCase
	for _, q := range readCorpus(t) {
		cs = append(cs, reuseCase{q.dialect + "/" + q.name, q.dialect, q.sql})
	}
	cnames, csqls := readCases(t, "common")
	for _, d := range dialects {
		names, sqls := readCases(t, d)
		names, sqls = append(names, cnames...), append(sqls, csqls...)
		for i, n := range names {
			cs = append(cs, reuseCase{"case/" + d + "/" + n, d, sqls[i]})
		}
	}
	huge := hugeQuery(10000) // about 140,000 tokens (3.4 MB)
	cs = slices.Insert(cs, len(cs)/2,
		reuseCase{"huge", "postgres", huge},
		reuseCase{"huge-error", "clickhouse", huge + " WHERE (x"},
	)
	return cs
}

// hugeQuery is a SELECT of n columns, a join and a long WHERE.
func hugeQuery(n int) string {
	var b strings.Builder
	b.WriteString("SELECT ")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("t.c")
		b.WriteString(itoa(i))
		b.WriteString(" + f(x, 'a') AS a")
	}
	b.WriteString(" FROM s.t JOIN u ON t.id = u.id WHERE ")
	for i := range n / 10 {
		if i > 0 {
			b.WriteString(" AND ")
		}
		b.WriteString("t.k IN (1, 2) OR t.v BETWEEN 1 AND $__timeTo()")
	}
	return b.String()
}

// TestParserReuse parses every text with one Parser, in order and then in
// reverse order, and checks each result against a fresh Parse of the same
// text: the same tree, tokens and errors.
func TestParserReuse(t *testing.T) {
	cs := reuseCases(t)
	var pr Parser
	var kept []error // errors must outlive later parses unchanged
	var keptText []string
	check := func(c reuseCase) {
		got, gotErr := pr.Parse(c.sql, c.dialect)
		want, wantErr := Parse(c.sql, c.dialect)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: reused Parser's tree differs:\n%s\nwant:\n%s", c.name, ast.Dump(c.sql, got), ast.Dump(c.sql, want))
		}
		if cap(got.Tokens) != len(got.Tokens) || cap(got.Statements) != len(got.Statements) {
			t.Fatalf("%s: result slices have spare capacity", c.name)
		}
		if !reflect.DeepEqual(gotErr, wantErr) {
			t.Fatalf("%s: reused Parser's error %v, want %v", c.name, gotErr, wantErr)
		}
		if gotErr != nil {
			kept, keptText = append(kept, gotErr), append(keptText, gotErr.Error())
		}
		if c.name == "huge" || c.name == "huge-error" {
			checkDropped(t, &pr)
		}
	}
	for _, c := range cs {
		check(c)
	}
	for _, c := range slices.Backward(cs) {
		check(c)
	}
	if len(kept) == 0 {
		t.Fatal("no error cases")
	}
	for i, err := range kept {
		if err.Error() != keptText[i] {
			t.Fatalf("error changed by later parses: %q, was %q", err.Error(), keptText[i])
		}
	}
}

// checkDropped checks that a Parser keeps no buffer over maxKeptBytes.
func checkDropped(t *testing.T, pr *Parser) {
	t.Helper()
	if pr.toks != nil || cap(pr.sig)*4 > maxKeptBytes {
		t.Fatalf("huge token buffers kept: %d tokens, %d indices", cap(pr.toks), cap(pr.sig))
	}
	n := &pr.p.nodes
	size := keptBytes(&n.columnRefs) + keptBytes(&n.idents) + keptBytes(&n.exprs) + keptBytes(&n.funcs) +
		keptBytes(&n.binaries) + keptBytes(&n.literals) + keptBytes(&n.selectItems)
	if size > maxKeptBytes {
		t.Fatalf("huge slabs kept: %d bytes", size)
	}
}

func keptBytes[T any](s *slab[T]) int { return len(s.first) * int(reflect.TypeFor[T]().Size()) }

// TestParserReuseAllocs checks that a Parser that has seen the corpus parses
// it again (almost) without allocating.
func TestParserReuseAllocs(t *testing.T) {
	qs := readCorpus(t)
	var pr Parser
	for _, q := range qs {
		pr.Parse(q.sql, q.dialect)
	}
	allocs := testing.AllocsPerRun(3, func() {
		for _, q := range qs {
			if _, err := pr.Parse(q.sql, q.dialect); err != nil {
				t.Fatal(err)
			}
		}
	})
	// Only rare node types (VALUES rows, lambdas, map literals, ...) are
	// still allocated one by one: 53 allocations for the 331 queries.
	if max := float64(len(qs)) / 4; allocs > max {
		t.Errorf("%.0f allocations per corpus pass (%d queries), want at most %.0f", allocs, len(qs), max)
	}
}
