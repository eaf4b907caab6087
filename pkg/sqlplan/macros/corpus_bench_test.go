package macros_test

import (
	"testing"

	"github.com/bigtent/quarry/pkg/catalog"
	"github.com/bigtent/quarry/pkg/sqlplan/dialect"
	"github.com/bigtent/quarry/pkg/sqlplan/lexer"
	"github.com/bigtent/quarry/pkg/sqlplan/macros"
	"github.com/bigtent/quarry/pkg/sqlplan/oracletest"
	"github.com/bigtent/quarry/pkg/sqlplan/parser"
	"github.com/bigtent/quarry/pkg/sqlplan/pushdown"
)

// corpusCase is one planner corpus query ready for expansion: its tokens,
// its Config without a resolver, its dialect, and the catalog column of
// every (expr, at) the planner's resolver was asked about.
type corpusCase struct {
	src  string
	toks []lexer.Token
	cfg  macros.Config
	d    dialect.Dialect
	cols map[colKey]colAt
}

type colKey struct {
	expr string
	at   int
}

type colAt struct {
	col catalog.Column
	ok  bool
}

// loadCorpusCases parses the planner corpus and records, through one
// expansion per query, the columns the plan's resolver finds. Benchmarks
// then resolve from that record, so they time the macros package (and
// dialect.ColumnKind) and not the pushdown's scope lookup.
func loadCorpusCases(b testing.TB) []corpusCase {
	b.Helper()
	qs, err := oracletest.LoadCorpus("../testdata")
	if err != nil {
		b.Fatal(err)
	}
	out := make([]corpusCase, 0, len(qs))
	for _, q := range qs {
		req := q.Request
		src, err := q.ParserText()
		if err != nil {
			b.Fatal(err)
		}
		script, err := parser.Parse(src, req.Dialect)
		if err != nil {
			b.Fatalf("%s: %v", q.Name, err)
		}
		d, err := dialect.New(dialect.Name(req.Dialect), req.ServerVersion)
		if err != nil {
			b.Fatal(err)
		}
		c := corpusCase{src: src, toks: script.Tokens, d: d, cols: map[colKey]colAt{},
			cfg: macros.Config{
				Dialect: dialect.Name(req.Dialect), ServerVersion: req.ServerVersion,
				From: req.TimeRange.From, To: req.TimeRange.To,
				IntervalMs: req.IntervalMs, MaxDataPoints: req.MaxDataPoints,
				Timezone: req.Timezone, Fill: req.Fill,
			}}
		if len(script.Statements) == 1 && script.Statements[0].Query != nil {
			pd := pushdown.New(pushdown.Options{Src: c.src, Query: script.Statements[0].Query, Dialect: d,
				Catalog: req.Catalog, From: req.TimeRange.From, To: req.TimeRange.To})
			cfg := c.cfg
			cfg.Resolve = func(expr string, at int) (dialect.TimeKind, bool) {
				col, ok := pd.ColumnAt(expr, at)
				c.cols[colKey{expr, at}] = colAt{col, ok}
				if !ok {
					return dialect.Unknown, false
				}
				return d.ColumnKind(col)
			}
			env, err := macros.NewEnv(cfg)
			if err != nil {
				b.Fatalf("%s: %v", q.Name, err)
			}
			if _, err := macros.ExpandAll(c.src, c.toks, env); err != nil {
				b.Fatalf("%s: %v", q.Name, err)
			}
		}
		c.cfg.Resolve = c.resolve
		out = append(out, c)
	}
	return out
}

// resolve answers from the record, as the planner's resolver would.
func (c *corpusCase) resolve(expr string, at int) (dialect.TimeKind, bool) {
	r := c.cols[colKey{expr, at}]
	if !r.ok {
		return dialect.Unknown, false
	}
	return c.d.ColumnKind(r.col)
}

// BenchmarkCorpusExpand runs NewEnv and ExpandAll over every planner corpus
// query (tokens from the parser, columns resolved from a record) per
// iteration.
func BenchmarkCorpusExpand(b *testing.B) {
	cs := loadCorpusCases(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for i := range cs {
			c := &cs[i]
			env, err := macros.NewEnv(c.cfg)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := macros.ExpandAll(c.src, c.toks, env); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(cs)), "ns/query")
}

// BenchmarkCorpusExpandReuse is BenchmarkCorpusExpand with one Expander for
// every query, as a planner keeps one per data source instance.
func BenchmarkCorpusExpandReuse(b *testing.B) {
	cs := loadCorpusCases(b)
	var x macros.Expander
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for i := range cs {
			c := &cs[i]
			env, err := x.NewEnv(c.cfg)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := x.ExpandAll(c.src, c.toks, env); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(cs)), "ns/query")
}
