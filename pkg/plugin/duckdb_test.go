package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/frames"
	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/testenv"
)

// countingEngine wraps a real engine, counting executions; a query whose
// SQL contains "quarry_test_panic" panics (to prove panic isolation).
type countingEngine struct {
	engine.Engine
	queries atomic.Int64
}

func (c *countingEngine) Query(ctx context.Context, p *sqlplan.Plan, o engine.QueryOptions) (*frames.Table, engine.QueryStats, error) {
	c.queries.Add(1)
	if strings.Contains(p.SQL, "quarry_test_panic") {
		panic("boom from the test engine")
	}
	return c.Engine.Query(ctx, p, o)
}

// openDuckDB opens the shared sample file read-only through the same path
// as the plugin and wraps its engine.
func openDuckDB(t testing.TB, jsonData map[string]any, reg prometheus.Registerer) (*Datasource, *countingEngine) {
	t.Helper()
	info := testenv.DuckDB(t)
	jsonData["engine"] = "duckdb"
	jsonData["path"] = info.Path
	raw, _ := json.Marshal(jsonData)
	cfg, err := ParseConfig(raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := OpenEngine(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var m *Metrics
	if reg != nil {
		if m, err = NewMetrics(reg); err != nil {
			t.Fatal(err)
		}
	}
	ce := &countingEngine{Engine: eng}
	ds := NewWithService(NewService(cfg, ce, Deps{Metrics: m, Logger: log.NewNullLogger()}))
	t.Cleanup(ds.Dispose)
	return ds, ce
}

var (
	dayFrom = time.Date(2024, 1, 30, 0, 0, 0, 0, time.UTC)
	dayTo   = dayFrom.Add(24 * time.Hour)
)

func dataQuery(refID, qtype string, model map[string]any) backend.DataQuery {
	js, _ := json.Marshal(model)
	return backend.DataQuery{RefID: refID, QueryType: qtype, JSON: js, Interval: time.Minute, MaxDataPoints: 1000,
		TimeRange: backend.TimeRange{From: dayFrom, To: dayTo}}
}

func TestQueryDataDuckDB(t *testing.T) {
	reg := prometheus.NewRegistry()
	ds, ce := openDuckDB(t, map[string]any{}, reg)
	ctx := context.Background()
	ts := "SELECT $__timeGroupAlias(ts, '1h', 0), service, sum(requests) AS requests FROM sample.http_requests WHERE $__timeFilter(ts) GROUP BY 1, 2 ORDER BY 1"
	req := &backend.QueryDataRequest{Queries: []backend.DataQuery{
		dataQuery("wide", "", map[string]any{"rawSql": ts, "format": "time_series"}),
		dataQuery("multi", "", map[string]any{"rawSql": ts, "format": "time_series_multi"}),
		dataQuery("filtered", "", map[string]any{"rawSql": "SELECT host, count(*) AS n FROM (SELECT host FROM sample.http_requests WHERE $__timeFilter(ts)) t GROUP BY host",
			"adhocFilters": []map[string]any{{"key": "host", "operator": "=|", "values": []string{"web-1", "web-2"}}}}),
		dataQuery("capped", "", map[string]any{"rawSql": "SELECT * FROM sample.logs", "maxRows": 5}),
		dataQuery("panic", "", map[string]any{"rawSql": "SELECT 1 AS quarry_test_panic"}),
		dataQuery("syntax", "", map[string]any{"rawSql": "SELECT count(* FROM sample.logs"}),
		dataQuery("hidden", "", map[string]any{"rawSql": "SELECT 1", "hide": true}),
	}}
	resp, err := ds.QueryData(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	ok := func(ref string) data.Frames {
		r := resp.Responses[ref]
		if r.Error != nil {
			t.Fatalf("%s: %v", ref, r.Error)
		}
		return r.Frames
	}
	if f := ok("wide"); len(f) != 1 || len(f[0].Fields) != 7 || f[0].Rows() < 24 {
		t.Errorf("wide: %d frames, first %v", len(f), f)
	}
	if f := ok("multi"); len(f) != 6 {
		t.Errorf("multi: %d frames, want 6 services", len(f))
	}
	if f := ok("filtered"); f[0].Rows() != 2 {
		t.Errorf("filtered: %d hosts, want 2 (web-1, web-2)", f[0].Rows())
	}
	capped := ok("capped")[0]
	if capped.Rows() != 5 || capped.Meta == nil || len(capped.Meta.Notices) == 0 {
		t.Errorf("capped: %d rows, meta %+v; want 5 rows and a truncation notice", capped.Rows(), capped.Meta)
	}
	if r := resp.Responses["panic"]; r.Error == nil || r.ErrorSource != backend.ErrorSourcePlugin || !strings.Contains(r.Error.Error(), "internal error") {
		t.Errorf("panic: %v (%s), want a plugin error", r.Error, r.ErrorSource)
	}
	if r := resp.Responses["syntax"]; r.Error == nil || r.ErrorSource != backend.ErrorSourceDownstream || !strings.Contains(r.Error.Error(), "line 1") {
		t.Errorf("syntax: %v (%s), want a downstream error with a position", r.Error, r.ErrorSource)
	}
	if r := resp.Responses["hidden"]; r.Error != nil || len(r.Frames) != 0 {
		t.Errorf("hidden query ran: %+v", r)
	}

	// The same final SQL again is served from the cache, and says so.
	before := ce.queries.Load()
	resp2, err := ds.QueryData(ctx, &backend.QueryDataRequest{Queries: []backend.DataQuery{
		dataQuery("wide", "", map[string]any{"rawSql": ts, "format": "time_series"}),
		dataQuery("long", "", map[string]any{"rawSql": ts, "format": "time_series_long"}),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if got := ce.queries.Load() - before; got != 0 {
		t.Errorf("%d engine queries for cached SQL, want 0", got)
	}
	for _, ref := range []string{"wide", "long"} {
		fr := resp2.Responses[ref].Frames
		if len(fr) == 0 || fr[0].Meta == nil {
			t.Fatalf("%s: no frames (%v)", ref, resp2.Responses[ref].Error)
		}
		if c, ok := fr[0].Meta.Custom.(frames.Custom); !ok || !c.CacheHit {
			t.Errorf("%s: meta custom %+v, want cacheHit", ref, fr[0].Meta.Custom)
		}
		hit := false
		for _, s := range fr[0].Meta.Stats {
			hit = hit || (s.DisplayName == "Cache hit" && s.Value == 1)
		}
		if !hit {
			t.Errorf("%s: stats %+v lack Cache hit = 1", ref, fr[0].Meta.Stats)
		}
	}

	// Metrics: queries by format, errors by source, cache outcomes, rows.
	if n := testutil.ToFloat64(ds.svc.deps.Metrics.errors.WithLabelValues("duckdb", "plugin")); n != 1 {
		t.Errorf("plugin errors = %v, want 1 (the panic)", n)
	}
	if n := testutil.ToFloat64(ds.svc.deps.Metrics.errors.WithLabelValues("duckdb", "downstream")); n != 1 {
		t.Errorf("downstream errors = %v, want 1 (the syntax error)", n)
	}
	if n := testutil.ToFloat64(ds.svc.deps.Metrics.cache.WithLabelValues("duckdb", "hit")); n < 2 {
		t.Errorf("cache hits = %v, want ≥ 2", n)
	}
	if n := testutil.ToFloat64(ds.svc.deps.Metrics.rows.WithLabelValues("duckdb")); n <= 0 {
		t.Errorf("rows = %v, want > 0", n)
	}
}

// TestAlertRuleRequest sends what Grafana's alerting engine sends: the saved
// model only (no frontend processing), the FromAlert header and no user.
func TestAlertRuleRequest(t *testing.T) {
	ds, _ := openDuckDB(t, map[string]any{}, nil)
	model := map[string]any{"refId": "A", "datasource": map[string]any{"type": PluginID, "uid": "abc"},
		"rawSql": "SELECT $__timeGroupAlias(ts, $__interval), avg(latency_ms) AS latency FROM sample.http_requests WHERE $__timeFilter(ts) AND $__conditionalAll(service IN ('api'), $__all) GROUP BY 1 ORDER BY 1",
		"format": "time_series", "intervalMs": 60000, "maxDataPoints": 43200}
	q := dataQuery("A", "", model)
	q.TimeRange = backend.TimeRange{From: dayFrom, To: dayFrom.Add(10 * time.Minute)}
	resp, err := ds.QueryData(context.Background(), &backend.QueryDataRequest{
		Headers: map[string]string{"FromAlert": "true"}, Queries: []backend.DataQuery{q}})
	if err != nil {
		t.Fatal(err)
	}
	r := resp.Responses["A"]
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	f := r.Frames[0]
	if f.Rows() != 11 || f.Fields[0].Type().Time() == false {
		t.Fatalf("alert frame: %d rows, fields %v; want 11 one-minute points with a time field", f.Rows(), f.Fields)
	}
	if strings.Contains(f.Meta.ExecutedQueryString, "$__") {
		t.Errorf("macros left for a frontend: %s", f.Meta.ExecutedQueryString)
	}
}

func TestBudgetRefusal(t *testing.T) {
	ds, ce := openDuckDB(t, map[string]any{"maxEstimatedRows": 1000}, nil)
	resp, err := ds.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{
		dataQuery("A", "", map[string]any{"rawSql": "SELECT * FROM sample.http_requests WHERE $__timeFilter(ts)"}),
	}})
	if err != nil {
		t.Fatal(err)
	}
	r := resp.Responses["A"]
	var be *engine.BudgetError
	if !errors.As(r.Error, &be) || r.ErrorSource != backend.ErrorSourceDownstream || !strings.Contains(r.Error.Error(), "exceeds the budget of 1000 rows") {
		t.Fatalf("error %v (%s), want a downstream budget refusal", r.Error, r.ErrorSource)
	}
	if ce.queries.Load() != 0 {
		t.Fatal("the refused query reached the engine")
	}
}

func TestVariableAndAnnotations(t *testing.T) {
	ds, _ := openDuckDB(t, map[string]any{}, nil)
	month := backend.TimeRange{From: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC)}
	v1 := dataQuery("one", QueryTypeVariable, map[string]any{"rawSql": "SELECT DISTINCT region FROM sample.http_requests ORDER BY 1"})
	v2 := dataQuery("two", QueryTypeVariable, map[string]any{"rawSql": "SELECT DISTINCT host, region FROM sample.http_requests ORDER BY 1"})
	v3 := dataQuery("named", QueryTypeVariable, map[string]any{"rawSql": "SELECT DISTINCT upper(service) AS __text, service AS __value FROM sample.http_requests ORDER BY 2"})
	an := dataQuery("anno", "", map[string]any{"format": "annotations",
		"rawSql": `SELECT ts AS time, end_ts AS "timeEnd", title, text, tags FROM sample.deploys WHERE $__timeFilter(ts) ORDER BY ts`})
	an.TimeRange = month
	resp, err := ds.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{v1, v2, v3, an}})
	if err != nil {
		t.Fatal(err)
	}
	check := func(ref string, rows int, text0, value0 string) {
		r := resp.Responses[ref]
		if r.Error != nil {
			t.Fatalf("%s: %v", ref, r.Error)
		}
		f := r.Frames[0]
		tx, _ := f.Fields[0].ConcreteAt(0)
		vl, _ := f.Fields[1].ConcreteAt(0)
		if f.Rows() != rows || f.Fields[0].Name != "__text" || tx != text0 || vl != value0 {
			t.Errorf("%s: %d rows, first (%v, %v); want %d rows, first (%s, %s)", ref, f.Rows(), tx, vl, rows, text0, value0)
		}
	}
	check("one", 3, "ap-southeast-1", "ap-southeast-1")
	check("two", 8, "web-1", "us-east-1")
	check("named", 6, "API", "api")
	r := resp.Responses["anno"]
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	f := r.Frames[0]
	for _, name := range []string{"time", "timeEnd", "title", "text", "tags"} {
		if _, i := f.FieldByName(name); i < 0 {
			t.Errorf("annotation frame lacks %s", name)
		}
	}
	if f.Rows() < 10 {
		t.Errorf("%d deploys in January, want many", f.Rows())
	}
}

// BenchmarkConcurrentIdenticalQueries: 100 viewers of one dashboard panel
// send the same query at once; the cache's singleflight turns them into one
// engine query. The baseline runs the same 100 queries with the cache off
// (cacheTTL 0 keeps only in-flight sharing, so the baseline calls the engine
// directly).
func BenchmarkConcurrentIdenticalQueries(b *testing.B) {
	sql := "SELECT $__timeGroupAlias(ts, '5m'), service, sum(requests) AS requests FROM sample.http_requests WHERE $__timeFilter(ts) GROUP BY 1, 2 ORDER BY 1"
	run := func(b *testing.B, through func(ds *Datasource, ce *countingEngine, i int) error) {
		ds, ce := openDuckDB(b, map[string]any{"concurrency": 8}, nil)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			var wg sync.WaitGroup
			errs := make(chan error, 100)
			for range 100 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := through(ds, ce, i); err != nil {
						errs <- err
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(ce.queries.Load())/float64(b.N), "engine-queries/100-requests")
	}
	query := func(i int) backend.DataQuery {
		q := dataQuery("A", "", map[string]any{"rawSql": sql, "format": "time_series"})
		// A new range per iteration: each iteration is a fresh dashboard load.
		q.TimeRange.From = q.TimeRange.From.Add(-time.Duration(i) * time.Minute)
		return q
	}
	b.Run("quarry-cached", func(b *testing.B) {
		run(b, func(ds *Datasource, _ *countingEngine, i int) error {
			resp, err := ds.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{query(i)}})
			if err != nil {
				return err
			}
			return resp.Responses["A"].Error
		})
	})
	b.Run("baseline-engine-direct", func(b *testing.B) {
		run(b, func(ds *Datasource, ce *countingEngine, i int) error {
			q, err := DecodeQuery(query(i))
			if err != nil {
				return err
			}
			plan, err := ds.svc.Plan(context.Background(), ds.svc.Request(q))
			if err != nil {
				return err
			}
			_, _, err = ce.Query(context.Background(), plan, engine.QueryOptions{})
			return err
		})
	})
}
