package macros

import (
	"testing"

	"github.com/bigtent/quarry/pkg/sqlplan/dialect"
	"github.com/bigtent/quarry/pkg/sqlplan/lexer"
)

// FuzzExpandAll: whatever the SQL, ExpandAll never panics, its edits are
// sorted, in range and do not overlap, and errors carry an offset inside
// the input.
func FuzzExpandAll(f *testing.F) {
	for _, s := range []string{
		"SELECT $__timeGroup(ts, '5m', previous), count(*) FROM t WHERE $__timeFilter(ts) GROUP BY 1",
		"SELECT $__timeInterval($__fromTime) -- $__x\n, '${__from:date:iso}'",
		"SELECT $__conditionalAll(a IN ($a), $__all) AND $__adHocFilters",
		"SELECT $__timeGroup(ts, $__interval_ms ms)",
		"SELECT ${__to:date:YYYY-MM-DD}, [[__interval]], $host",
		"SELECT $__timeFilter(coalesce(a, (b)), c",
		"SELECT $__unixEpochGroupAlias(t_s, 1M, 0)",
	} {
		for d := range 4 {
			f.Add(s, uint8(d), "Europe/Berlin")
		}
	}
	names := []dialect.Name{dialect.Postgres, dialect.BigQuery, dialect.ClickHouse, dialect.DuckDB}
	f.Fuzz(func(t *testing.T, src string, di uint8, tz string) {
		d := names[int(di)%len(names)]
		version := ""
		if di >= 4 {
			version = "18.16.1"
		}
		env, err := NewEnv(Config{Dialect: d, ServerVersion: version, From: goldenFrom, To: goldenTo, IntervalMs: 60000, Timezone: tz, Resolve: goldenResolver})
		if err != nil {
			return // bad time zone
		}
		toks, _ := lexer.Lex(src, d)
		res, err := ExpandAll(src, toks, env)
		if err != nil {
			e, ok := AsError(err)
			if !ok {
				t.Fatalf("error is not an *Error: %v", err)
			}
			if e.Offset < 0 || e.Offset > len(src) {
				t.Fatalf("error offset %d outside the input (%d bytes)", e.Offset, len(src))
			}
			return
		}
		last := 0
		for _, e := range res.Edits {
			if e.Start < last || e.End < e.Start || e.End > len(src) {
				t.Fatalf("bad edit %+v after offset %d in %q", e, last, src)
			}
			last = e.End
		}
	})
}
