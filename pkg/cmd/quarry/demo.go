package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/plugin"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

// demoStep is one stop of the tour.
type demoStep struct {
	title string
	why   string
	query plugin.Query
	// kind: run (plan, cost, frames), estimate (plan and cost only) or
	// refuse (run under a small budget, expecting the guardrail).
	kind string
}

// demoRange is the sample's last day.
var demoRange = sqlplan.TimeRange{
	From: time.Date(2024, 1, 30, 0, 0, 0, 0, time.UTC),
	To:   time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC),
}

func demoSteps(table func(string) string) []demoStep {
	q := func(format sqlplan.Format, sql string, interval time.Duration, filters ...sqlplan.Filter) plugin.Query {
		return plugin.Query{RefID: "A", Model: plugin.QueryModel{RawSQL: sql, Format: format, AdhocFilters: filters},
			TimeRange: demoRange, Interval: interval, MaxDataPoints: 1000}
	}
	month := func(st demoStep) demoStep {
		st.query.TimeRange = sqlplan.TimeRange{From: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), To: demoRange.To}
		return st
	}
	return []demoStep{
		{
			title: "1. Time series: error logs per 15 minutes, $__timeGroup with fill 0",
			why:   "The macro is expanded in the backend (alerts get the same SQL); empty buckets are filled with 0 by the frame layer.",
			kind:  "run",
			query: q(sqlplan.FormatTimeSeries, `SELECT $__timeGroupAlias(ts, '15m', 0), count(*) AS errors
FROM `+table("logs")+`
WHERE $__timeFilter(ts) AND level = 'error'
GROUP BY time
ORDER BY time`, 15*time.Minute),
		},
		{
			title: "2. Ad hoc filter host = web-3, pushed into the subquery that reads the column",
			why:   "The filter lands in the innermost query block whose FROM provides host, before the GROUP BY.",
			kind:  "run",
			query: q(sqlplan.FormatTable, `SELECT service, round(100.0 * sum(errors) / sum(requests), 3) AS error_pct
FROM (
  SELECT service, host, errors, requests
  FROM `+table("http_requests")+`
  WHERE $__timeFilter(ts)
) AS recent
GROUP BY service
ORDER BY error_pct DESC`, time.Minute, sqlplan.Filter{Key: "host", Operator: "=", Value: "web-3"}),
		},
		{
			title: "3. Annotations: deploys in the time range",
			why:   "time, timeEnd, title, text and tags: what Grafana draws as annotation regions.",
			kind:  "run",
			query: month(demoStep{query: q(sqlplan.FormatAnnotations, `SELECT ts AS time, end_ts AS timeEnd, title, text, tags
FROM `+table("deploys")+`
WHERE $__timeFilter(ts)
ORDER BY ts`, time.Minute)}).query,
		},
		{
			title: "4. Template variable: services (__text / __value)",
			why:   "A variable query returns __text and __value, or one or two columns.",
			kind:  "variable",
			query: q(sqlplan.FormatTable, `SELECT DISTINCT service AS __text, service AS __value
FROM `+table("http_requests")+`
ORDER BY __value`, time.Minute),
		},
		month(demoStep{
			title: "5. Cost estimate of a month of per-minute requests, before running anything",
			why:   "Every engine estimates: BigQuery dry run bytes and USD, PostgreSQL and DuckDB plan rows, ClickHouse parts.",
			kind:  "estimate",
			query: q(sqlplan.FormatTimeSeries, `SELECT $__timeGroupAlias(ts, $__interval), service, sum(requests) AS requests
FROM `+table("http_requests")+`
WHERE $__timeFilter(ts)
GROUP BY service, time
ORDER BY time`, time.Hour),
		}),
		month(demoStep{
			title: "6. Guardrail: the same month of raw rows under a 10,000-row budget",
			why:   "The estimate exceeds the data source's budget, so the query is refused before it reaches the warehouse.",
			kind:  "refuse",
			query: q(sqlplan.FormatTable, `SELECT ts, host, service, requests, latency_ms
FROM `+table("http_requests")+`
WHERE $__timeFilter(ts)`, time.Minute),
		}),
	}
}

// cmdDemo tours real dashboard queries over the sample data.
func cmdDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "demo", "demo [--engine E --dsn DSN] [--rows N]")
	var cf connFlags
	cf.register(fs)
	rows := fs.Int("rows", 8, "rows to print per frame")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if cf.engine == "" && cf.dsn == "" && cf.settings == "" {
		fmt.Fprintln(e.stdout, "Quarry demo: embedded DuckDB with the sample data (loading it takes a few seconds).")
	}
	ds, err := cf.open(ctx, e)
	if err != nil {
		return err
	}
	defer ds.Dispose()
	svc := ds.Service()
	if h := svc.Health(ctx); !h.OK {
		return fmt.Errorf("the %s engine is not healthy: %s %s", svc.Config().Engine, h.Message, h.Hint)
	}
	engineName := svc.Config().Engine
	table := func(name string) string { return "sample." + name }
	fmt.Fprintf(e.stdout, "engine: %s   sample window: 2024-01-01 .. 2024-01-31 (UTC)\n", engineName)
	failures := 0
	for _, st := range demoSteps(table) {
		fmt.Fprintf(e.stdout, "\n━━ %s\n   %s\n\n", st.title, st.why)
		if err := demoRun(ctx, e, svc, st, *rows); err != nil {
			failures++
			fmt.Fprintf(e.stdout, "ERROR: %v\n", err)
		}
	}
	if failures > 0 {
		return &printedError{fmt.Errorf("%d demo steps failed", failures)}
	}
	fmt.Fprintln(e.stdout, `
That was the tour. Run your own SQL the same way:
  echo '{"rawSql": "SELECT service, count(*) FROM sample.logs WHERE $__timeFilter(ts) GROUP BY service",
         "timeRange": {"from": "2024-01-30T00:00:00Z", "to": "2024-01-31T00:00:00Z"}}' | quarry query
  quarry plan --explain < request.json     quarry serve --addr 127.0.0.1:3838     quarry --help`)
	return nil
}

func demoRun(ctx context.Context, e *env, svc *plugin.Service, st demoStep, rows int) error {
	req := svc.Request(st.query)
	done := progress(e.stderr, "estimating")
	est, err := svc.EstimateRequest(ctx, req)
	done()
	if err != nil {
		return err
	}
	printPlan(e.stdout, est.Plan)
	printCost(e.stdout, est.Cost, svc.Config().Budget)
	switch st.kind {
	case "estimate":
		return nil
	case "refuse":
		if est.Cost.Kind == engine.CostUnknown {
			// A budget can only refuse what the engine can estimate (the
			// BigQuery emulator's dry run, for one, does not estimate).
			fmt.Fprintln(e.stdout, "── not refused: this engine gave no estimate, and a budget only refuses estimated costs")
			return nil
		}
		guarded := svc.WithBudget(engine.Budget{MaxRows: 10_000})
		_, err := guarded.Run(ctx, st.query, nil)
		var be *engine.BudgetError
		if errors.As(err, &be) {
			fmt.Fprintf(e.stdout, "── refused (as intended)\n  %v\n", err)
			return nil
		}
		if err != nil {
			return err
		}
		return errors.New("the guardrail did not refuse the query: the engine's estimate was within 10,000 rows")
	case "variable":
		st.query.Variable = true
	}
	done = progress(e.stderr, "running the query")
	res, err := svc.Run(ctx, st.query, nil)
	done()
	if err != nil {
		return err
	}
	printFrames(e.stdout, res.Frames, rows)
	return nil
}
