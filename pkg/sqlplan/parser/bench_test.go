package parser

import (
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data/sqlutil"

	"github.com/bigtent/quarry/pkg/sqlplan/lexer"
)

// BenchmarkCorpus compares lexing and parsing the corpus queries with the
// baseline the planner is measured against: grafana-plugin-sdk-go's
// sqlutil.Interpolate with DefaultMacros, on the same queries in the same
// run. Compare the ns/op of the sub-benchmarks.
func BenchmarkCorpus(b *testing.B) {
	qs := readCorpus(b)
	if len(qs) == 0 {
		b.Skip("no corpus")
	}
	tr := backend.TimeRange{From: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)}
	b.Run("interpolate", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			q := qs[i%len(qs)]
			i++
			_, _ = sqlutil.Interpolate(&sqlutil.Query{RawSQL: q.sql, TimeRange: tr, Interval: time.Minute, MaxDataPoints: 1000}, nil)
		}
	})
	b.Run("lex", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			q := qs[i%len(qs)]
			i++
			if _, err := lexer.Lex(q.sql, q.dialect); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parse", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			q := qs[i%len(qs)]
			i++
			if _, err := Parse(q.sql, q.dialect); err != nil {
				b.Fatalf("%s/%s: %v", q.dialect, q.name, err)
			}
		}
	})
}

// BenchmarkCorpusReuse is BenchmarkCorpus's parse with one Parser reused
// for every query, as the planner uses it. Compare with BenchmarkCorpus/parse.
func BenchmarkCorpusReuse(b *testing.B) {
	qs := readCorpus(b)
	if len(qs) == 0 {
		b.Skip("no corpus")
	}
	var pr Parser
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		q := qs[i%len(qs)]
		i++
		if _, err := pr.Parse(q.sql, q.dialect); err != nil {
			b.Fatalf("%s/%s: %v", q.dialect, q.name, err)
		}
	}
}
