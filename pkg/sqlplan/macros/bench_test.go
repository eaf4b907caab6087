package macros

import (
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data/sqlutil"

	"github.com/bigtent/quarry/pkg/sqlplan/lexer"
)

// benchSQL uses only macros that sqlutil.DefaultMacros also knows, so both
// sides do the same work; only $__timeGroup's interval is spelled as each
// side wants it ("minute" for sqlutil, '1m' here).
const benchSQL = `SELECT $__timeGroup(ts, minute) AS time, host, avg(latency_ms) AS latency, $__interval_ms AS step
FROM sample.http_requests -- per host
WHERE $__timeFilter(ts) AND $__timeFrom(ts) AND $__timeTo(ts) AND status >= 500
GROUP BY 1, 2
ORDER BY 1`

// BenchmarkExpandAll lexes and expands benchSQL (PostgreSQL).
func BenchmarkExpandAll(b *testing.B) {
	env, err := NewEnv(Config{Dialect: "postgres", From: goldenFrom, To: goldenTo, IntervalMs: 60000})
	if err != nil {
		b.Fatal(err)
	}
	src := strings.Replace(benchSQL, "minute)", "'1m')", 1)
	b.ReportAllocs()
	for b.Loop() {
		toks, err := lexer.Lex(src, "postgres")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ExpandAll(src, toks, env); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSQLUtilInterpolate is the baseline: grafana-plugin-sdk-go's
// regex-based sqlutil.Interpolate with DefaultMacros on the same text.
func BenchmarkSQLUtilInterpolate(b *testing.B) {
	q := &sqlutil.Query{RawSQL: benchSQL, Interval: time.Minute,
		TimeRange: backend.TimeRange{From: goldenFrom, To: goldenTo}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sqlutil.Interpolate(q, sqlutil.DefaultMacros); err != nil {
			b.Fatal(err)
		}
	}
}
