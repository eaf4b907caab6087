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
	raw     string
	planned string
}

func xwbCases(t testing.TB) []xwbCase {
	t.Helper()
	qs := loadCorpus(t)
	out := make([]xwbCase, 0, len(qs))
	for _, q := range qs {
		plan, err := sqlplan.Build(context.Background(), q.Request)
		if err != nil {
			t.Fatalf("%s: plan: %v", q.Name, err)
		}
		out = append(out, xwbCase{name: q.Name, dialect: q.Dialect, raw: expandStatementMacros(t, q), planned: plan.SQL})
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

// TestXwb1989Corpus counts, per dialect, the corpus queries each parser
// accepts, on the raw dashboard text and on the planned SQL, and logs the
// table README cites (go test ./pkg/sqlplan -run TestXwb1989Corpus -v).
// Quarry's parser must accept every corpus query, and so every query
// xwb1989 accepts.
func TestXwb1989Corpus(t *testing.T) {
	cs := xwbCases(t)
	type counts struct{ n, xRaw, xPlanned, qRaw, qPlanned int }
	per := map[sqlplan.Dialect]*counts{}
	var firstErr = map[sqlplan.Dialect]string{}
	for _, c := range cs {
		k := per[c.dialect]
		if k == nil {
			k = &counts{}
			per[c.dialect] = k
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
		if xp && !qp {
			t.Errorf("%s: xwb1989 parses the planned SQL but Quarry does not:\n%s", c.name, c.planned)
		}
		if !xp && firstErr[c.dialect] == "" {
			_, err := sqlparser.Parse(c.planned)
			firstErr[c.dialect] = fmt.Sprintf("%s: %v", c.name, err)
		}
	}
	var b strings.Builder
	b.WriteString("# Corpus queries parsed, per dialect: github.com/xwb1989/sqlparser vs Quarry's parser.\n")
	b.WriteString("# raw = the dashboard text with Grafana macros; planned = the SQL sent to the engine.\n")
	b.WriteString("dialect     queries  xwb1989-raw  xwb1989-planned  quarry-raw  quarry-planned\n")
	tot := counts{}
	for _, d := range oracletest.Dialects {
		k := per[d]
		if k == nil {
			t.Fatalf("no corpus queries for %s", d)
		}
		fmt.Fprintf(&b, "%-10s  %7d  %11d  %15d  %10d  %14d\n", d, k.n, k.xRaw, k.xPlanned, k.qRaw, k.qPlanned)
		tot.n += k.n
		tot.xRaw += k.xRaw
		tot.xPlanned += k.xPlanned
		tot.qRaw += k.qRaw
		tot.qPlanned += k.qPlanned
		t.Logf("%s: first xwb1989 rejection: %s", d, firstErr[d])
	}
	fmt.Fprintf(&b, "%-10s  %7d  %11d  %15d  %10d  %14d\n", "total", tot.n, tot.xRaw, tot.xPlanned, tot.qRaw, tot.qPlanned)
	t.Log("\n" + b.String())
	if tot.qPlanned != tot.n || tot.qRaw != tot.n {
		t.Errorf("Quarry's parser rejects %d raw and %d planned corpus queries of %d", tot.n-tot.qRaw, tot.n-tot.qPlanned, tot.n)
	}
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
