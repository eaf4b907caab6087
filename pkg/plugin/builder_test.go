package plugin

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// TestBuilderResources goes code -> builder -> code through the resources
// on the DuckDB sample, and runs the builder's SQL on the engine.
func TestBuilderResources(t *testing.T) {
	ds, _ := openDuckDB(t, map[string]any{}, nil)
	ctx := context.Background()
	call := func(path string, body any) (int, map[string]any) {
		t.Helper()
		js, _ := json.Marshal(body)
		status, out := ds.Resource(ctx, http.MethodPost, path, path, js)
		var m map[string]any
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("%s: %v: %s", path, err, out)
		}
		return status, m
	}

	sql := "SELECT $__timeGroupAlias(ts, '1h', 0), service, sum(requests) AS requests FROM sample.http_requests WHERE $__timeFilter(ts) AND host IN ('web-1', 'web-2') GROUP BY 1, service ORDER BY 1"
	status, parsed := call("builder/parse", map[string]any{"rawSql": sql})
	if status != 200 || parsed["fits"] != true {
		t.Fatalf("builder/parse = %d %v", status, parsed)
	}
	model := parsed["model"].(map[string]any)
	if model["mode"] != "time_series" || model["table"].(map[string]any)["name"] != "http_requests" {
		t.Errorf("model = %v", model)
	}
	status, built := call("builder/sql", map[string]any{"model": model})
	if status != 200 || built["sql"] != parsed["sql"] {
		t.Fatalf("builder/sql = %d %v; want the SQL /builder/parse showed:\n%v", status, built, parsed["sql"])
	}
	builtSQL := built["sql"].(string)
	if !strings.Contains(builtSQL, "GROUP BY 1, service") {
		t.Errorf("builder SQL:\n%s", builtSQL)
	}

	// The builder's SQL runs on the real engine.
	resp, err := ds.QueryData(ctx, &backend.QueryDataRequest{Queries: []backend.DataQuery{
		// The editor keeps its mode and model in the query; the backend ignores them.
		dataQuery("b", "", map[string]any{"rawSql": builtSQL, "format": "time_series", "editorMode": "builder", "builder": model}),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if r := resp.Responses["b"]; r.Error != nil || len(r.Frames) != 1 || r.Frames[0].Rows() < 24 {
		t.Fatalf("builder SQL: err %v, frames %v", r.Error, r.Frames)
	}

	// A query that does not fit says why and where.
	status, refused := call("builder/parse", map[string]any{"rawSql": "SELECT h.host\nFROM sample.http_requests h JOIN sample.logs l ON h.host = l.host"})
	if status != 200 || refused["fits"] != false || refused["reason"] != "joins are not in the builder" || refused["line"] != float64(2) {
		t.Errorf("refusal = %d %v", status, refused)
	}
	// A syntax error is a refusal with the parser's position, not a 500.
	status, bad := call("builder/parse", map[string]any{"rawSql": "SELECT (host FROM t"})
	if status != 200 || bad["fits"] != false || bad["line"] != float64(1) || !strings.Contains(bad["reason"].(string), "does not parse") {
		t.Errorf("syntax error = %d %v", status, bad)
	}
	// A bad model is a 400 naming the field.
	status, e := call("builder/sql", map[string]any{"model": map[string]any{"mode": "table", "table": map[string]any{"name": "t"}, "columns": []any{map[string]any{"name": "x", "aggregate": "median"}}}})
	if status != 400 || !strings.Contains(e["error"].(map[string]any)["message"].(string), "columns[0].aggregate") {
		t.Errorf("bad model = %d %v", status, e)
	}
	// The dialect must be the engine's.
	if status, _ := call("builder/parse", map[string]any{"rawSql": "SELECT 1", "dialect": "bigquery"}); status != 400 {
		t.Errorf("wrong dialect: status %d, want 400", status)
	}
}
