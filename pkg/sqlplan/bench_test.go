package sqlplan_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data/sqlutil"

	"github.com/bigtent/quarry/pkg/sqlplan"
)

// benchCase is one corpus query in both forms: the planner's request and
// the SDK's sqlutil.Query (same SQL, range and interval).
type benchCase struct {
	req sqlplan.Request
	sdk *sqlutil.Query
}

func benchCases(b *testing.B) []benchCase {
	b.Helper()
	qs := loadCorpus(b)
	out := make([]benchCase, len(qs))
	for i, q := range qs {
		out[i] = benchCase{req: q.Request, sdk: &sqlutil.Query{
			RawSQL:        q.Request.RawSQL,
			Interval:      time.Duration(q.Request.IntervalMs) * time.Millisecond,
			MaxDataPoints: q.Request.MaxDataPoints,
			TimeRange:     backend.TimeRange{From: q.Request.TimeRange.From, To: q.Request.TimeRange.To},
		}}
	}
	return out
}

// BenchmarkPlanner plans every corpus query once per iteration (lex, parse,
// macros, pushdown, row cap, edits), with the sample catalogs.
func BenchmarkPlanner(b *testing.B) {
	cs := benchCases(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, c := range cs {
			if _, err := sqlplan.Build(ctx, c.req); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(cs)), "ns/query")
}

// BenchmarkInterpolate runs grafana-plugin-sdk-go's sqlutil.Interpolate
// with DefaultMacros over the same queries (the baseline).
func BenchmarkInterpolate(b *testing.B) {
	cs := benchCases(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, c := range cs {
			_, _ = sqlutil.Interpolate(c.sdk, sqlutil.DefaultMacros) // some corpus macros are unknown to it
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(cs)), "ns/query")
}

// BenchmarkPlannerVsInterpolate times both on each corpus query in the
// same loop and reports the median per-query time of each and their
// ratio (planner/Interpolate; the target is at most 0.25).
func BenchmarkPlannerVsInterpolate(b *testing.B) {
	cs := benchCases(b)
	ctx := context.Background()
	plan := make([]time.Duration, len(cs))
	interp := make([]time.Duration, len(cs))
	b.ResetTimer()
	for b.Loop() {
		for i, c := range cs {
			t0 := time.Now()
			if _, err := sqlplan.Build(ctx, c.req); err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			_, _ = sqlutil.Interpolate(c.sdk, sqlutil.DefaultMacros)
			t2 := time.Now()
			plan[i] += t1.Sub(t0)
			interp[i] += t2.Sub(t1)
		}
	}
	pm, im := median(plan), median(interp)
	b.ReportMetric(float64(pm.Nanoseconds())/float64(b.N), "planner-median-ns")
	b.ReportMetric(float64(im.Nanoseconds())/float64(b.N), "interpolate-median-ns")
	b.ReportMetric(float64(pm)/float64(im), "ratio")
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
