package plugin

import (
	"context"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/bigtent/quarry/pkg/frames"
)

// TestAlertRequestsBypassCachedResults: a dashboard's cached result is
// never an alert rule's answer. Grafana's alerting engine marks its
// requests with the FromAlert header; such a query runs on the engine
// again, and its fresh result then serves the dashboards.
func TestAlertRequestsBypassCachedResults(t *testing.T) {
	ds, ce := openDuckDB(t, map[string]any{"cacheTTL": "1h"}, nil)
	q := dataQuery("A", "", map[string]any{"rawSql": "SELECT count(*) AS n FROM sample.http_requests WHERE $__timeFilter(ts)"})
	run := func(headers map[string]string) (cacheHit bool) {
		t.Helper()
		resp, err := ds.QueryData(context.Background(), &backend.QueryDataRequest{Headers: headers, Queries: []backend.DataQuery{q}})
		if err != nil {
			t.Fatal(err)
		}
		r := resp.Responses["A"]
		if r.Error != nil {
			t.Fatal(r.Error)
		}
		return r.Frames[0].Meta.Custom.(frames.Custom).CacheHit
	}
	if run(nil) || ce.queries.Load() != 1 {
		t.Fatalf("first dashboard query: %d executions", ce.queries.Load())
	}
	if !run(nil) || ce.queries.Load() != 1 {
		t.Fatalf("second dashboard query not served from the cache (%d executions)", ce.queries.Load())
	}
	for i, h := range []map[string]string{{"FromAlert": "true"}, {"http_FromAlert": "true"}} {
		if run(h) || ce.queries.Load() != int64(2+i) {
			t.Fatalf("alert request %v: served from the cache, or not run (%d executions)", h, ce.queries.Load())
		}
	}
	if !run(nil) || ce.queries.Load() != 3 {
		t.Fatalf("dashboard query after the alert: %d executions, want a hit", ce.queries.Load())
	}
}
