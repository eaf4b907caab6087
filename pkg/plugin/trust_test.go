package plugin

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// TestTrustGuardRefusesBeforeTheEngine: a hostile query is refused by the
// planner with a positioned error that names the option, the engine never
// sees it, and a /plan body cannot widen the data source's allow-lists.
func TestTrustGuardRefusesBeforeTheEngine(t *testing.T) {
	ds, ce := openDuckDB(t, map[string]any{"allowedSchemas": []string{"sample", "main"}}, nil)
	ctx := context.Background()
	resp, err := ds.QueryData(ctx, &backend.QueryDataRequest{Queries: []backend.DataQuery{
		dataQuery("file", "", map[string]any{"rawSql": "SELECT content\nFROM read_text('/etc/passwd')"}),
		dataQuery("glob", "", map[string]any{"rawSql": "SELECT * FROM glob('/etc/*')"}),
		dataQuery("schema", "", map[string]any{"rawSql": "SELECT * FROM information_schema.tables t, other.x"}),
		dataQuery("ok", "", map[string]any{"rawSql": "SELECT count(*) AS n FROM sample.http_requests"}),
	}})
	if err != nil {
		t.Fatal(err)
	}
	for ref, want := range map[string]string{
		"file":   "line 2, column 6: table function read_text is refused",
		"glob":   "allowedFunctions",
		"schema": `schema "other" is not among the data source's allowed schemas`,
	} {
		r := resp.Responses[ref]
		if r.Error == nil || !strings.Contains(r.Error.Error(), want) || r.ErrorSource != backend.ErrorSourceDownstream {
			t.Errorf("%s: %v (%s), want a downstream error containing %q", ref, r.Error, r.ErrorSource, want)
		}
	}
	if r := resp.Responses["ok"]; r.Error != nil {
		t.Errorf("allowed query: %v", r.Error)
	}
	if n := ce.queries.Load(); n != 1 {
		t.Errorf("the engine ran %d queries, want 1 (only the allowed one)", n)
	}

	// /plan: the refusal is a 400 with a position and "refused" steps; an
	// allow-list in the body is ignored.
	body, _ := json.Marshal(map[string]any{"rawSql": "SELECT * FROM read_csv('/etc/passwd')", "allowedFunctions": []string{"read_csv"},
		"timeRange": map[string]string{"from": "2024-01-01T00:00:00Z", "to": "2024-01-02T00:00:00Z"}})
	status, out := ds.Resource(ctx, http.MethodPost, RoutePlan, "", body)
	var reply ErrorBody
	if err := json.Unmarshal(out, &reply); err != nil {
		t.Fatalf("%d %s: %v", status, out, err)
	}
	if status != http.StatusBadRequest || reply.Error.Line != 1 || reply.Error.Column != 15 ||
		len(reply.Error.Steps) != 1 || reply.Error.Steps[0].Kind != "refused" || reply.Error.Steps[0].Span == nil {
		t.Errorf("/plan = %d %s, want 400 at 1:15 with one refused step", status, out)
	}
}

func TestAccessSettings(t *testing.T) {
	cfg, err := ParseConfig([]byte(`{"engine":"postgres","database":"app","allowedFunctions":["pg_read_file"],"allowedSchemas":["public"]}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(cfg.EngineJSON), "allowedSchemas") {
		t.Errorf("engine JSON keeps a common key: %s", cfg.EngineJSON)
	}
	o := accessOptions(cfg)
	if o.DefaultDatabase != "app" || len(o.AllowedFunctions) != 1 || o.AllowedSchemas[0] != "public" {
		t.Errorf("options = %+v", o)
	}
	cfg, err = ParseConfig([]byte(`{"engine":"bigquery","defaultProject":"p1","defaultDataset":"ds","allowedDatasets":["ds"]}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if o := accessOptions(cfg); o.DefaultDatabase != "p1" || o.DefaultSchema != "ds" || o.AllowedDatasets[0] != "ds" ||
		!strings.Contains(string(cfg.EngineJSON), "allowedDatasets") {
		t.Errorf("bigquery options = %+v, engine JSON %s (the engine checks the dry run too)", o, cfg.EngineJSON)
	}
	for js, want := range map[string]string{
		`{"engine":"duckdb","allowedFunctions":["read csv"]}`:    "allowedFunctions[0]",
		`{"engine":"duckdb","allowedTableFunctions":["url"]}`:    "allowedTableFunctions: applies to ClickHouse only",
		`{"engine":"postgres","allowedDatasets":["x"]}`:          "allowedDatasets: applies to BigQuery only",
		`{"engine":"clickhouse","allowedDatabases":"default"}`:   "allowedDatabases",
		`{"engine":"clickhouse","allowedTableFunctions":[""]}`:   "is empty",
		`{"engine":"postgres","allowedSchemas":["a\"; DROP x"]}`: "plain name",
	} {
		if _, err := ParseConfig([]byte(js), nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error containing %q", js, err, want)
		}
	}
}
