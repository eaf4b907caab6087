package clickhouse_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bigtent/quarry/pkg/chdbtest"
	"github.com/bigtent/quarry/pkg/engine/clickhouse"
	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/sqlplan/oracletest"
)

// TestExplainEstimateOnChDB: the EXPLAIN ESTIMATE statement Estimate
// issues on modern servers, built by the engine's own builder around SQL
// planned for chDB's version, parses and returns rows on chDB's MergeTree
// tables - for every ClickHouse corpus query and for time-filtered
// queries on the modern-type fixtures, where partition pruning must show
// (fewer rows than the table holds). The system.parts statement that
// scales rows to bytes runs there too.
func TestExplainEstimateOnChDB(t *testing.T) {
	s := chdbtest.Sample(t)
	ctx := context.Background()
	version, err := s.ServerVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	qs, err := oracletest.LoadDialect("../../sqlplan/testdata", sqlplan.ClickHouse)
	if err != nil {
		t.Fatal(err)
	}
	modern, err := s.Catalog(ctx, chdbtest.Modern)
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)
	for _, q := range []struct{ name, sql string }{
		{"modern-dt64-timeFilter", "SELECT $__timeGroupAlias(ts, 1s), count() FROM quarry_modern.requests WHERE $__timeFilter(ts) GROUP BY time"},
		{"modern-dt64-berlin", "SELECT $__timeGroupAlias(ts_us, 100ms), avg(latency_ms) FROM quarry_modern.requests WHERE $__timeFilter(ts) AND $__timeFilter(ts_us) GROUP BY time"},
		{"modern-date32", "SELECT event_date AS day, countIf(country IS NULL) FROM quarry_modern.events WHERE $__dateFilter(event_date) AND $__timeFilter(event_time) GROUP BY day"},
	} {
		r := oracletest.DefaultRequest(sqlplan.ClickHouse, modern)
		r.RawSQL = q.sql
		r.TimeRange = sqlplan.TimeRange{From: day, To: day.Add(time.Hour)}
		qs = append(qs, oracletest.Query{Name: q.name, Dialect: sqlplan.ClickHouse, Request: r})
	}
	pruned, oldSyntax := 0, 0
	for _, q := range qs {
		t.Run(q.Name, func(t *testing.T) {
			req := q.Request
			req.ServerVersion = version
			plan, err := sqlplan.Build(ctx, req)
			if err != nil {
				t.Skipf("not planned (the corpus test reports it): %v", err)
			}
			if plan.Statement != "select" {
				t.Skipf("statement %s: Estimate covers SELECT only", plan.Statement)
			}
			res, err := s.Query(ctx, clickhouse.ExplainEstimateSQL(plan.SQL))
			if err != nil && chdbtest.PreModernSQL(err) {
				oldSyntax++
				t.Skipf("the query as written needs ClickHouse < 20: %v", err)
			}
			if err != nil {
				t.Fatalf("chDB rejected the estimate statement: %v\n%s", err, clickhouse.ExplainEstimateSQL(plan.SQL))
			}
			var names []string
			for _, c := range res.Columns {
				names = append(names, c.Name)
			}
			if got := strings.Join(names, ","); got != "database,table,parts,rows,marks" {
				t.Fatalf("EXPLAIN ESTIMATE columns %s, want database,table,parts,rows,marks (the engine scans those five)", got)
			}
			if len(res.Rows) == 0 {
				if strings.Contains(plan.SQL, "sample.") || strings.Contains(plan.SQL, "quarry_modern.") {
					t.Fatalf("no estimate rows for a query on MergeTree tables:\n%s", plan.SQL)
				}
				return
			}
			var refs [][2]string
			for _, r := range res.Rows {
				refs = append(refs, [2]string{r[0].(string), r[1].(string)})
			}
			stats, err := s.Query(ctx, clickhouse.PartStatsSQL(refs))
			if err != nil {
				t.Fatalf("system.parts statement: %v", err)
			}
			total := map[string]int64{}
			for _, r := range stats.Rows {
				total[r[0].(string)+"."+r[1].(string)] = toInt(r[2])
			}
			for _, r := range res.Rows {
				name := r[0].(string) + "." + r[1].(string)
				rows := toInt(r[3])
				if rows > total[name] {
					t.Errorf("%s: estimate %d rows, more than the table's %d", name, rows, total[name])
				}
				if strings.HasPrefix(q.Name, "modern-") {
					if rows == 0 || rows >= total[name] {
						t.Errorf("%s: estimate %d of %d rows: no partition pruning for a one-hour range\n%s", name, rows, total[name], plan.SQL)
					} else {
						pruned++
					}
				}
			}
		})
	}
	if pruned < 3 {
		t.Errorf("pruning shown on %d modern-fixture estimates, want 3", pruned)
	}
	t.Logf("chDB %s: EXPLAIN ESTIMATE on %d planned queries (%d written for ClickHouse < 20 skipped)", version, len(qs), oldSyntax)
}

func toInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case uint64:
		return int64(x)
	}
	return -1
}
