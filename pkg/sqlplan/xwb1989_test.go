package sqlplan_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/xwb1989/sqlparser"

	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/sqlplan/oracletest"
	"github.com/bigtent/quarry/pkg/sqlplan/parser"
)

// The design card named github.com/xwb1989/sqlparser (a MySQL 5.7 grammar,
// vitess-derived) as the planner's parser. These tests and benchmarks run it
// over the whole corpus next to Quarry's parser so README's "Why our own
// parser" cites measured figures, not an impression.

// xwbCase is one corpus query in the two forms a parser can be given: the
// dashboard's raw text (with Grafana macros and variables) and the SQL the
// planner sends to the engine (macros expanded, filters pushed down).
type xwbCase struct {
	name    string
	dialect sqlplan.Dialect
	real    bool // from a real dashboard (testdata/realworld), not the synthetic corpus
	raw     string
	planned string
}

// xwbCases is the whole corpus: every synthetic query, and every
// real-dashboard query that plans (those that do not are listed in
// testdata/realworld/golden/plan.txt).
func xwbCases(t testing.TB) []xwbCase {
	t.Helper()
	qs := loadCorpus(t)
	_, real, err := oracletest.LoadRealWorld("testdata")
	if err != nil {
		t.Fatal(err)
	}
	out := make([]xwbCase, 0, len(qs)+len(real))
	for _, q := range qs {
		plan, err := sqlplan.Build(context.Background(), q.Request)
		if err != nil {
			t.Fatalf("%s: plan: %v", q.Name, err)
		}
		out = append(out, xwbCase{name: q.Name, dialect: q.Dialect, raw: expandStatementMacros(t, q), planned: plan.SQL})
	}
	for _, q := range real {
		plan, err := sqlplan.Build(context.Background(), q.Request)
		if err != nil {
			continue
		}
		raw, err := q.ParserText()
		if err != nil {
			continue
		}
		out = append(out, xwbCase{name: q.Source + "/" + q.Name, dialect: q.Dialect, real: true, raw: raw, planned: plan.SQL})
	}
	return out
}

func xwbParses(sql string) bool {
	_, err := sqlparser.Parse(sql)
	return err == nil
}

func quarryParses(sql string, d sqlplan.Dialect) bool {
	s, err := parser.Parse(sql, d)
	return err == nil && len(s.Statements) == 1
}

// TestXwb1989Corpus counts, per dialect and per part of the corpus
// (synthetic, real dashboards), the queries each parser accepts, on the raw
// dashboard text and on the planned SQL, and logs the table README cites
// (go test ./pkg/sqlplan -run TestXwb1989Corpus -v). Quarry's parser must
// accept every planned query and every synthetic query's text, and so every
// planned query xwb1989 accepts.
func TestXwb1989Corpus(t *testing.T) {
	cs := xwbCases(t)
	type counts struct{ n, xRaw, xPlanned, qRaw, qPlanned int }
	type key struct {
		d    sqlplan.Dialect
		real bool
	}
	per := map[key]*counts{}
	var firstErr = map[sqlplan.Dialect]string{}
	for _, c := range cs {
		k := per[key{c.dialect, c.real}]
		if k == nil {
			k = &counts{}
			per[key{c.dialect, c.real}] = k
		}
		k.n++
		xr, xp := xwbParses(c.raw), xwbParses(c.planned)
		qr, qp := quarryParses(c.raw, c.dialect), quarryParses(c.planned, c.dialect)
		for _, b := range []struct {
			ok  bool
			cnt *int
		}{{xr, &k.xRaw}, {xp, &k.xPlanned}, {qr, &k.qRaw}, {qp, &k.qPlanned}} {
			if b.ok {
				*b.cnt++
			}
		}
		if !qp {
			t.Errorf("%s: Quarry's parser rejects the planned SQL:\n%s", c.name, c.planned)
		}
		if !qr && !c.real {
			t.Errorf("%s: Quarry's parser rejects the corpus text:\n%s", c.name, c.raw)
		}
		if !xp && firstErr[c.dialect] == "" {
			_, err := sqlparser.Parse(c.planned)
			firstErr[c.dialect] = fmt.Sprintf("%s: %v", c.name, err)
		}
	}
	var b strings.Builder
	b.WriteString("# Corpus queries parsed, per dialect: github.com/xwb1989/sqlparser vs Quarry's parser.\n")
	b.WriteString("# raw = the dashboard text with Grafana macros; planned = the SQL sent to the engine.\n")
	b.WriteString("# real = real-dashboard queries that plan (testdata/realworld); synthetic = testdata/corpus.\n")
	b.WriteString("dialect     part       queries  xwb1989-raw  xwb1989-planned  quarry-raw  quarry-planned\n")
	pct := func(a, n int) string {
		if n == 0 {
			return "-"
		}
		return fmt.Sprintf("%d (%.0f%%)", a, 100*float64(a)/float64(n))
	}
	row := func(d, part string, k counts) {
		fmt.Fprintf(&b, "%-10s  %-9s  %7d  %11s  %15s  %10s  %14s\n", d, part, k.n, pct(k.xRaw, k.n), pct(k.xPlanned, k.n), pct(k.qRaw, k.n), pct(k.qPlanned, k.n))
	}
	add := func(into *counts, k counts) {
		into.n += k.n
		into.xRaw += k.xRaw
		into.xPlanned += k.xPlanned
		into.qRaw += k.qRaw
		into.qPlanned += k.qPlanned
	}
	var tot, totSyn, totReal counts
	for _, d := range oracletest.Dialects {
		var all counts
		for _, real := range []bool{false, true} {
			k := per[key{d, real}]
			if k == nil {
				if !real {
					t.Fatalf("no corpus queries for %s", d)
				}
				continue
			}
			part := "synthetic"
			if real {
				part = "real"
				add(&totReal, *k)
			} else {
				add(&totSyn, *k)
			}
			row(string(d), part, *k)
			add(&all, *k)
		}
		row(string(d), "all", all)
		add(&tot, all)
		t.Logf("%s: first xwb1989 rejection: %s", d, firstErr[d])
	}
	row("total", "synthetic", totSyn)
	row("total", "real", totReal)
	row("total", "all", tot)
	t.Log("\n" + b.String())
}

// BenchmarkXwb1989 parses the planned corpus SQL with both parsers: "all"
// times every query (a rejection costs what it costs), "both" only the
// queries both parsers accept. Each reports ns/query.
func BenchmarkXwb1989(b *testing.B) {
	cs := xwbCases(b)
	var both []xwbCase
	for _, c := range cs {
		if xwbParses(c.planned) && quarryParses(c.planned, c.dialect) {
			both = append(both, c)
		}
	}
	if len(both) == 0 {
		b.Fatal("no corpus query parses with both parsers")
	}
	run := func(name string, set []xwbCase, parse func(xwbCase)) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, c := range set {
					parse(c)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(set)), "ns/query")
			b.ReportMetric(float64(len(set)), "queries")
		})
	}
	quarry := func(c xwbCase) { _, _ = parser.Parse(c.planned, c.dialect) }
	xwb := func(c xwbCase) { _, _ = sqlparser.Parse(c.planned) }
	run("all/quarry", cs, quarry)
	run("all/xwb1989", cs, xwb)
	run("both/quarry", both, quarry)
	run("both/xwb1989", both, xwb)
}
