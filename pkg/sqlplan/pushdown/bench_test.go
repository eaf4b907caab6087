package pushdown_test

import (
	"testing"

	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/sqlplan/ast"
	"github.com/bigtent/quarry/pkg/sqlplan/dialect"
	"github.com/bigtent/quarry/pkg/sqlplan/macros"
	"github.com/bigtent/quarry/pkg/sqlplan/oracletest"
	"github.com/bigtent/quarry/pkg/sqlplan/parser"
	"github.com/bigtent/quarry/pkg/sqlplan/pushdown"
)

// pushdownCase is one corpus query, parsed and macro-expanded ahead of
// time, with the calls sqlplan.Build makes on its pushdown.Planner.
type pushdownCase struct {
	req     sqlplan.Request
	opts    pushdown.Options
	refs    []columnRef // the macros' ColumnAt calls, in order
	filters []pushdown.Filter
	adhoc   []ast.Span
	expand  pushdown.ExpandFunc
	rowCap  bool
	// cur is the Planner the macros resolve columns with (the one being
	// run); recording says whether its ColumnAt calls go to refs.
	cur       *pushdown.Planner
	recording bool
}

type columnRef struct {
	expr string
	at   int
}

// pushdownCases prepares the corpus the way sqlplan.Build does, recording
// the ColumnAt calls the macro expansion makes.
func pushdownCases(tb testing.TB) []*pushdownCase {
	tb.Helper()
	qs, err := oracletest.LoadCorpus("../testdata")
	if err != nil {
		tb.Fatal(err)
	}
	out := make([]*pushdownCase, 0, len(qs))
	for _, q := range qs {
		req := q.Request
		d, err := dialect.New(dialect.Name(req.Dialect), req.ServerVersion)
		if err != nil {
			tb.Fatal(err)
		}
		script, err := parser.Parse(req.RawSQL, req.Dialect)
		if err != nil {
			tb.Fatalf("%s: %v", q.Name, err)
		}
		st := script.Statements[0]
		c := &pushdownCase{req: req, opts: pushdown.Options{
			Src: req.RawSQL, Query: st.Query, Dialect: d, Catalog: req.Catalog,
			From: req.TimeRange.From, To: req.TimeRange.To,
		}, rowCap: st.Kind == ast.StmtSelect && req.MaxRows > 0}
		c.cur, c.recording = pushdown.New(c.opts), true
		env, err := macros.NewEnv(macros.Config{
			Dialect: dialect.Name(req.Dialect), ServerVersion: req.ServerVersion,
			From: req.TimeRange.From, To: req.TimeRange.To,
			IntervalMs: req.IntervalMs, MaxDataPoints: req.MaxDataPoints,
			Timezone: req.Timezone, Fill: req.Fill,
			Resolve: func(expr string, at int) (dialect.TimeKind, bool) {
				if c.recording {
					c.refs = append(c.refs, columnRef{expr, at})
				}
				col, ok := c.cur.ColumnAt(expr, at)
				if !ok {
					return dialect.Unknown, false
				}
				return d.ColumnKind(col)
			},
		})
		if err != nil {
			tb.Fatal(err)
		}
		mres, err := macros.ExpandAll(req.RawSQL, script.Tokens, env)
		if err != nil {
			tb.Fatalf("%s: %v", q.Name, err)
		}
		for _, e := range mres.Edits {
			if e.AdHoc {
				c.adhoc = append(c.adhoc, ast.Span{Start: e.Start, End: e.End})
			}
		}
		for _, f := range req.Filters {
			c.filters = append(c.filters, pushdown.Filter{Key: f.Key, Operator: f.Operator, Value: f.Value, Values: f.Values})
		}
		c.expand = func(name, arg string, at int) (string, error) {
			x, err := macros.Expand(env, macros.Call{Name: name, Start: at, End: at, Parens: true,
				Args: []macros.Arg{{Text: arg, Start: at, End: at}}})
			return x.SQL, err
		}
		c.recording = false
		out = append(out, c)
	}
	return out
}

// run makes the calls sqlplan.Build makes on a new Planner.
func (c *pushdownCase) run(tb testing.TB) {
	c.runOn(tb, pushdown.New(c.opts))
}

// runOn makes the calls sqlplan.Build makes on its reused Planner pd:
// Reset, then as run.
func (c *pushdownCase) runOn(tb testing.TB, pd *pushdown.Planner) {
	pd.Reset(c.opts)
	c.cur = pd
	for _, r := range c.refs {
		pd.ColumnAt(r.expr, r.at)
	}
	if c.opts.Query != nil {
		if err := pd.Filters(c.filters, c.adhoc); err != nil {
			tb.Fatal(err)
		}
		if err := pd.TimeRange(c.expand); err != nil {
			tb.Fatal(err)
		}
		pd.Partitions()
		if c.rowCap {
			pd.RowCap(c.req.MaxRows)
		}
	}
	pd.Result()
}

// BenchmarkPushdown runs the pushdown part of sqlplan.Build (New, the
// macros' ColumnAt calls, Filters, TimeRange, Partitions, RowCap, Result)
// over the corpus; parsing and macro expansion happen before the timer.
func BenchmarkPushdown(b *testing.B) {
	cs := pushdownCases(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, c := range cs {
			c.run(b)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(cs)), "ns/query")
}

// BenchmarkPushdownReused is BenchmarkPushdown with one Planner Reset
// between queries, as sqlplan.Planner's scratch does.
func BenchmarkPushdownReused(b *testing.B) {
	cs := pushdownCases(b)
	var pd pushdown.Planner
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, c := range cs {
			c.runOn(b, &pd)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(cs)), "ns/query")
}
