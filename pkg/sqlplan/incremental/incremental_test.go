package incremental_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/sqlplan/incremental"
)

var update = flag.Bool("update", false, "rewrite testdata/steps.golden")

// shape is one query shape and whether it is safe in every dialect.
type shape struct {
	name string
	sql  string
	safe bool
	// reason is a part of the step's detail.
	reason string
	// only restricts the shape to some dialects (all when empty).
	only []sqlplan.Dialect
	tz   string
}

var shapes = []shape{
	// Safe: buckets.
	{name: "timegroup", safe: true, reason: "1m buckets of ts",
		sql: "SELECT $__timeGroup(ts, '1m') AS time, avg(v) FROM metrics WHERE $__timeFilter(ts) GROUP BY 1 ORDER BY 1"},
	{name: "timegroup alias", safe: true, reason: "5m buckets",
		sql: "SELECT $__timeGroupAlias(ts, 5m), count(*) AS n FROM metrics WHERE $__timeFilter(ts) GROUP BY time ORDER BY time"},
	{name: "timegroup by expression", safe: true, reason: "1m buckets",
		sql: "SELECT $__timeGroup(ts, '1m'), max(v) FROM metrics WHERE $__timeFilter(ts) GROUP BY $__timeGroup(ts, '1m')"},
	{name: "timegroup and key", safe: true, reason: "30s buckets",
		sql: "SELECT $__timeGroup(ts, '30s') AS time, host, sum(v) AS total FROM metrics WHERE $__timeFilter(ts) AND host <> 'x' GROUP BY 1, 2 ORDER BY 1, 2"},
	{name: "interval macro", safe: true, reason: "1m buckets",
		sql: "SELECT $__timeGroup(ts, $__interval) AS time, min(v) FROM metrics WHERE $__timeFilter(ts) GROUP BY 1 ORDER BY 1"},
	{name: "having within bucket", safe: true, reason: "1h buckets",
		sql: "SELECT $__timeGroup(ts, '1h') AS time, count(*) FROM metrics WHERE $__timeFilter(ts) GROUP BY 1 HAVING count(*) > 2 ORDER BY 1"},
	{name: "no order by", safe: true, reason: "1m buckets",
		sql: "SELECT $__timeGroup(ts, '1m') AS time, avg(v) FROM metrics WHERE $__timeFilter(ts) GROUP BY 1"},
	{name: "case within bucket", safe: true, reason: "1m buckets",
		sql: "SELECT $__timeGroup(ts, '1m') AS time, sum(CASE WHEN v > 1 THEN 1 ELSE 0 END) AS hi FROM metrics WHERE $__timeFilter(ts) GROUP BY 1 ORDER BY 1"},
	{name: "join static table", safe: true, reason: "1m buckets",
		sql: "SELECT $__timeGroup(m.ts, '1m') AS time, count(*) FROM metrics m JOIN hosts h ON h.name = m.host WHERE $__timeFilter(m.ts) AND h.region = 'eu' GROUP BY 1 ORDER BY 1"},
	{name: "cte without range", safe: true, reason: "1m buckets",
		sql: "WITH hs AS (SELECT name FROM hosts WHERE region = 'eu') SELECT $__timeGroup(ts, '1m') AS time, count(*) FROM metrics WHERE $__timeFilter(ts) AND host IN (SELECT name FROM hs) GROUP BY 1 ORDER BY 1"},
	{name: "epoch group", safe: true, reason: "1m buckets of epoch",
		sql: "SELECT $__unixEpochGroupAlias(epoch, '1m'), avg(v) FROM events WHERE $__unixEpochFilter(epoch) GROUP BY 1 ORDER BY 1"},
	{name: "day buckets utc", safe: true, reason: "1d buckets",
		sql: "SELECT $__timeGroup(ts, '1d') AS time, count(*) FROM metrics WHERE $__timeFilter(ts) GROUP BY 1 ORDER BY 1"},
	{name: "clickhouse timeInterval", safe: true, reason: "1m buckets", only: []sqlplan.Dialect{sqlplan.ClickHouse},
		sql: "SELECT $__timeInterval(ts) AS time, count() FROM metrics WHERE $__timeFilter(ts) GROUP BY time ORDER BY time"},
	{name: "clickhouse countIf prewhere", safe: true, reason: "1m buckets", only: []sqlplan.Dialect{sqlplan.ClickHouse},
		sql: "SELECT $__timeGroup(ts, '1m') AS time, countIf(v > 1) FROM metrics PREWHERE $__timeFilter(ts) GROUP BY time ORDER BY time"},
	{name: "duckdb group by all", safe: true, reason: "1m buckets", only: []sqlplan.Dialect{sqlplan.DuckDB},
		sql: "SELECT $__timeGroup(ts, '1m') AS time, host, avg(v) FROM metrics WHERE $__timeFilter(ts) GROUP BY ALL ORDER BY time"},
	{name: "postgres filter clause", safe: true, reason: "1m buckets", only: []sqlplan.Dialect{sqlplan.Postgres, sqlplan.DuckDB},
		sql: "SELECT $__timeGroup(ts, '1m') AS time, count(*) FILTER (WHERE v > 1) FROM metrics WHERE $__timeFilter(ts) GROUP BY 1 ORDER BY 1"},
	// Safe: raw rows.
	{name: "raw rows", safe: true, reason: "raw rows",
		sql: "SELECT ts AS time, host, v FROM metrics WHERE $__timeFilter(ts) ORDER BY ts"},
	{name: "raw rows by alias", safe: true, reason: "raw rows",
		sql: "SELECT ts AS time, v FROM metrics WHERE host = 'a' AND $__timeFilter(ts) ORDER BY time, host"},
	{name: "raw rows by position", safe: true, reason: "raw rows",
		sql: "SELECT ts, v FROM metrics WHERE ($__timeFilter(ts) AND v > 0) ORDER BY 1"},
	{name: "raw rows $__time", safe: true, reason: "raw rows",
		sql: "SELECT $__time(ts), v FROM metrics WHERE $__timeFilter(ts) ORDER BY 1"},

	// Unsafe.
	{name: "limit", reason: "LIMIT",
		sql: "SELECT ts AS time, v FROM metrics WHERE $__timeFilter(ts) ORDER BY ts LIMIT 100"},
	{name: "bucket limit", reason: "LIMIT",
		sql: "SELECT $__timeGroup(ts, '1m') AS time, avg(v) FROM metrics WHERE $__timeFilter(ts) GROUP BY 1 ORDER BY 1 LIMIT 10"},
	{name: "offset", reason: "OFFSET", only: []sqlplan.Dialect{sqlplan.Postgres, sqlplan.DuckDB},
		sql: "SELECT ts AS time, v FROM metrics WHERE $__timeFilter(ts) ORDER BY ts OFFSET 5"},
	{name: "order by value", reason: "ORDER BY other than time",
		sql: "SELECT ts AS time, v FROM metrics WHERE $__timeFilter(ts) ORDER BY v"},
	{name: "order by aggregate", reason: "ORDER BY other than time",
		sql: "SELECT $__timeGroup(ts, '1m') AS time, avg(v) AS a FROM metrics WHERE $__timeFilter(ts) GROUP BY 1 ORDER BY a"},
	{name: "order by desc", reason: "DESC",
		sql: "SELECT ts AS time, v FROM metrics WHERE $__timeFilter(ts) ORDER BY ts DESC"},
	{name: "raw rows unordered", reason: "without ORDER BY",
		sql: "SELECT ts AS time, v FROM metrics WHERE $__timeFilter(ts)"},
	{name: "window function", reason: "window function",
		sql: "SELECT $__timeGroup(ts, '1m') AS time, sum(count(*)) OVER (ORDER BY $__timeGroup(ts, '1m')) FROM metrics WHERE $__timeFilter(ts) GROUP BY 1 ORDER BY 1"},
	{name: "window on raw rows", reason: "window function",
		sql: "SELECT ts AS time, v - lag(v) OVER (ORDER BY ts) AS d FROM metrics WHERE $__timeFilter(ts) ORDER BY ts"},
	{name: "from outside filter", reason: "$__from uses the time range outside the filter",
		sql: "SELECT $__timeGroup(ts, '1m') AS time, count(*) * $__from FROM metrics WHERE $__timeFilter(ts) GROUP BY 1 ORDER BY 1"},
	{name: "to outside filter", reason: "$__to",
		sql: "SELECT ts AS time, $__to - v FROM metrics WHERE $__timeFilter(ts) ORDER BY ts"},
	{name: "timeFrom value", reason: "$__timeFrom",
		sql: "SELECT ts AS time, v FROM metrics WHERE $__timeFilter(ts) AND ts > $__timeFrom() ORDER BY ts"},
	{name: "range", reason: "$__range_s",
		sql: "SELECT $__timeGroup(ts, '1m') AS time, count(*) / $__range_s FROM metrics WHERE $__timeFilter(ts) GROUP BY 1 ORDER BY 1"},
	{name: "now", reason: "now is volatile",
		sql: "SELECT $__timeGroup(ts, '1m') AS time, count(*) FROM metrics WHERE $__timeFilter(ts) AND ts < now() GROUP BY 1 ORDER BY 1"},
	{name: "current_timestamp", reason: "volatile",
		sql: "SELECT ts AS time, v FROM metrics WHERE $__timeFilter(ts) AND ts < CURRENT_TIMESTAMP ORDER BY ts"},
	{name: "random", reason: "volatile", only: []sqlplan.Dialect{sqlplan.Postgres, sqlplan.DuckDB},
		sql: "SELECT ts AS time, random() FROM metrics WHERE $__timeFilter(ts) ORDER BY ts"},
	{name: "clickhouse rand", reason: "volatile", only: []sqlplan.Dialect{sqlplan.ClickHouse},
		sql: "SELECT ts AS time, rand() FROM metrics WHERE $__timeFilter(ts) ORDER BY ts"},
	{name: "clickhouse runningDifference", reason: "reads other rows", only: []sqlplan.Dialect{sqlplan.ClickHouse},
		sql: "SELECT $__timeGroup(ts, '1m') AS time, runningDifference(count()) FROM metrics WHERE $__timeFilter(ts) GROUP BY time ORDER BY time"},
	{name: "whole range aggregate", reason: "aggregate over the whole range",
		sql: "SELECT count(*) FROM metrics WHERE $__timeFilter(ts)"},
	{name: "group by key only", reason: "no time bucket",
		sql: "SELECT host, avg(v) FROM metrics WHERE $__timeFilter(ts) GROUP BY host"},
	{name: "rollup", reason: "ROLLUP", only: []sqlplan.Dialect{sqlplan.Postgres, sqlplan.DuckDB, sqlplan.BigQuery},
		sql: "SELECT $__timeGroup(ts, '1m') AS time, host, count(*) FROM metrics WHERE $__timeFilter(ts) GROUP BY ROLLUP(1, 2)"},
	{name: "with totals", reason: "WITH TOTALS", only: []sqlplan.Dialect{sqlplan.ClickHouse},
		sql: "SELECT $__timeGroup(ts, '1m') AS time, count() FROM metrics WHERE $__timeFilter(ts) GROUP BY time WITH TOTALS ORDER BY time"},
	{name: "subquery reads range", reason: "second place",
		sql: "SELECT $__timeGroup(ts, '1m') AS time, count(*) FROM metrics WHERE $__timeFilter(ts) AND v > (SELECT avg(v) FROM metrics WHERE $__timeFilter(ts)) GROUP BY 1 ORDER BY 1"},
	{name: "filter only in derived table", reason: "not a condition AND-ed",
		sql: "SELECT $__timeGroup(ts, '1m') AS time, count(*) FROM (SELECT ts FROM metrics WHERE $__timeFilter(ts)) s GROUP BY 1 ORDER BY 1"},
	{name: "filter under or", reason: "not a condition AND-ed",
		sql: "SELECT ts AS time, v FROM metrics WHERE $__timeFilter(ts) OR v > 100 ORDER BY ts"},
	{name: "bucket of other column", reason: "not the filtered column",
		sql: "SELECT $__timeGroup(created, '1m') AS time, count(*) FROM metrics WHERE $__timeFilter(ts) GROUP BY 1 ORDER BY 1"},
	{name: "no filter", reason: "no $__timeFilter",
		sql: "SELECT $__timeGroup(ts, '1m') AS time, count(*) FROM metrics GROUP BY 1 ORDER BY 1"},
	{name: "union", reason: "set operation",
		sql: "SELECT ts AS time, v FROM metrics WHERE $__timeFilter(ts) UNION ALL SELECT ts, v FROM other WHERE $__timeFilter(ts) ORDER BY 1"},
	{name: "distinct raw rows", reason: "DISTINCT",
		sql: "SELECT DISTINCT host FROM metrics WHERE $__timeFilter(ts) ORDER BY host"},
	{name: "month buckets", reason: "calendar buckets",
		sql: "SELECT $__timeGroup(ts, '1M') AS time, count(*) FROM metrics WHERE $__timeFilter(ts) GROUP BY 1 ORDER BY 1"},
	{name: "day buckets in a zone", reason: "aligned to the time zone", tz: "Europe/Berlin",
		sql: "SELECT $__timeGroup(ts, '1d') AS time, count(*) FROM metrics WHERE $__timeFilter(ts) GROUP BY 1 ORDER BY 1"},
	{name: "two buckets", reason: "more than one time bucket",
		sql: "SELECT $__timeGroup(ts, '1m') AS time, $__timeGroup(ts, '1h') AS hour, count(*) FROM metrics WHERE $__timeFilter(ts) GROUP BY 1, 2 ORDER BY 1"},
	{name: "scalar subquery with range", reason: "second place",
		sql: "SELECT $__timeGroup(ts, '1m') AS time, count(*) / (SELECT count(*) FROM metrics WHERE $__timeFilter(ts)) FROM metrics WHERE $__timeFilter(ts) GROUP BY 1 ORDER BY 1"},
	{name: "qualify", reason: "QUALIFY", only: []sqlplan.Dialect{sqlplan.DuckDB, sqlplan.BigQuery},
		sql: "SELECT ts AS time, v FROM metrics WHERE $__timeFilter(ts) QUALIFY row_number() OVER (PARTITION BY host ORDER BY ts) = 1 ORDER BY ts"},
	{name: "limit by", reason: "LIMIT BY", only: []sqlplan.Dialect{sqlplan.ClickHouse},
		sql: "SELECT ts AS time, host, v FROM metrics WHERE $__timeFilter(ts) ORDER BY ts LIMIT 1 BY host"},
	{name: "with fill", reason: "WITH FILL", only: []sqlplan.Dialect{sqlplan.ClickHouse},
		sql: "SELECT $__timeGroup(ts, '1m') AS time, count() FROM metrics WHERE $__timeFilter(ts) GROUP BY time ORDER BY time WITH FILL STEP 60"},
}

var dialects = []sqlplan.Dialect{sqlplan.Postgres, sqlplan.DuckDB, sqlplan.ClickHouse, sqlplan.BigQuery}

func applies(s shape, d sqlplan.Dialect) bool {
	if len(s.only) == 0 {
		return true
	}
	for _, o := range s.only {
		if o == d {
			return true
		}
	}
	return false
}

// TestShapes plans every shape in every dialect it applies to and checks
// the decision, its reason and that it is the plan's "incremental" step;
// testdata/steps.golden keeps every step's detail.
func TestShapes(t *testing.T) {
	from := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	var golden strings.Builder
	safe, unsafe := 0, 0
	for _, d := range dialects {
		for _, s := range shapes {
			if !applies(s, d) {
				continue
			}
			t.Run(string(d)+"/"+s.name, func(t *testing.T) {
				req := sqlplan.Request{Dialect: d, RawSQL: s.sql, Format: sqlplan.FormatTimeSeries,
					TimeRange:  sqlplan.TimeRange{From: from, To: from.Add(24 * time.Hour)},
					IntervalMs: 60000, Timezone: s.tz, Incremental: true}
				if d == sqlplan.ClickHouse {
					req.ServerVersion = "18.16.1"
				}
				plan, err := sqlplan.Build(context.Background(), req)
				if err != nil {
					t.Fatalf("plan: %v", err)
				}
				dec := plan.Incremental
				if dec == nil {
					t.Fatal("no incremental decision")
				}
				if dec.Safe != s.safe {
					t.Fatalf("safe = %v, want %v: %s", dec.Safe, s.safe, dec.Reason)
				}
				if !strings.Contains(dec.Reason, s.reason) {
					t.Errorf("reason %q does not mention %q", dec.Reason, s.reason)
				}
				var step *sqlplan.Step
				for i := range plan.Steps {
					if plan.Steps[i].Kind == "incremental" {
						step = &plan.Steps[i]
					}
				}
				if step == nil || step.Detail != dec.Detail() {
					t.Fatalf("no incremental step with the decision: %+v", plan.Steps)
				}
				if dec.Safe && dec.Shape == incremental.Buckets && dec.Bucket <= 0 {
					t.Errorf("safe buckets without a bucket length")
				}
				fmt.Fprintf(&golden, "%s\t%s\t%s\n", d, s.name, step.Detail)
			})
			if s.safe {
				safe++
			} else {
				unsafe++
			}
		}
	}
	t.Logf("%d safe and %d unsafe shape plans", safe, unsafe)
	path := filepath.Join("testdata", "steps.golden")
	if *update {
		if err := os.WriteFile(path, []byte(golden.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got := golden.String(); got != string(want) {
		t.Errorf("steps differ from %s (rerun with -update and review the diff):\n%s", path, got)
	}
}

// TestNotRequested checks that a plan carries no decision unless asked.
func TestNotRequested(t *testing.T) {
	from := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	plan, err := sqlplan.Build(context.Background(), sqlplan.Request{Dialect: sqlplan.Postgres,
		RawSQL:    "SELECT ts AS time, v FROM metrics WHERE $__timeFilter(ts) ORDER BY ts",
		TimeRange: sqlplan.TimeRange{From: from, To: from.Add(time.Hour)}})
	if err != nil {
		t.Fatal(err)
	}
	if plan.Incremental != nil {
		t.Errorf("decision without a request: %+v", plan.Incremental)
	}
	for _, s := range plan.Steps {
		if s.Kind == "incremental" {
			t.Errorf("incremental step without a request: %+v", s)
		}
	}
}
