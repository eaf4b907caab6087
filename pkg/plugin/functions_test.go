package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/bigtent/quarry/pkg/engine"
)

func TestFunctionCacheTTL(t *testing.T) {
	var c functionCache
	calls := 0
	fail := false
	load := func(context.Context) ([]engine.Function, error) {
		calls++
		if fail {
			return nil, errors.New("server gone")
		}
		return []engine.Function{{Name: "f", Kind: engine.FunctionScalar}}, nil
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ctx := context.Background()
	for _, step := range []struct {
		at        time.Duration
		fail      bool
		wantCalls int
		wantErr   bool
	}{
		{0, false, 1, false},
		{time.Minute, false, 1, false},              // cached
		{functionsTTL + time.Second, true, 2, true}, // expired, the reload fails
		{functionsTTL + 2*time.Second, false, 3, false},
		{functionsTTL + 3*time.Second, false, 3, false},
	} {
		fail = step.fail
		list, err := c.get(ctx, now.Add(step.at), load)
		if (err != nil) != step.wantErr || calls != step.wantCalls {
			t.Fatalf("at %s: err %v, %d loads; want error %v, %d loads", step.at, err, calls, step.wantErr, step.wantCalls)
		}
		if err == nil && (len(list) != 1 || list[0].Name != "f") {
			t.Fatalf("at %s: list %+v", step.at, list)
		}
	}
}

// TestFunctionsResourceDuckDB serves /schema/functions from the real DuckDB
// engine: signatures come back, and the second call is served from the cache.
func TestFunctionsResourceDuckDB(t *testing.T) {
	ds, _ := openDuckDB(t, map[string]any{}, nil)
	status, body := ds.Resource(context.Background(), http.MethodGet, "/schema/functions", "schema/functions", nil)
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	var got struct{ Functions []engine.Function }
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range got.Functions {
		if f.Name == "date_trunc" && f.Signature != "" && f.Signature != "()" {
			found = true
		}
	}
	if !found {
		t.Fatalf("date_trunc with a signature is not among %d functions", len(got.Functions))
	}
	first, _ := ds.svc.Functions(context.Background())
	second, _ := ds.svc.Functions(context.Background())
	if &first[0] != &second[0] {
		t.Error("the second call did not come from the cache")
	}
}

// TestAutoFormatDuckDB runs format "auto" end to end: a time and a number
// become a time series, names and numbers stay a table, and /plan accepts it.
func TestAutoFormatDuckDB(t *testing.T) {
	ds, _ := openDuckDB(t, map[string]any{}, nil)
	for _, c := range []struct {
		sql  string
		want data.FrameType
	}{
		{"SELECT $__timeGroup(ts, '1h') AS time, sum(requests) AS n FROM sample.http_requests WHERE $__timeFilter(ts) GROUP BY 1 ORDER BY 1", data.FrameTypeTimeSeriesWide},
		{"SELECT service, sum(requests) AS n FROM sample.http_requests WHERE $__timeFilter(ts) GROUP BY 1", data.FrameTypeTable},
	} {
		res := runQuery(t, ds, dataQuery("A", "", map[string]any{"rawSql": c.sql, "format": "auto"}))
		if res.Error != nil {
			t.Fatalf("%s: %v", c.sql, res.Error)
		}
		var typ data.FrameType
		if m := res.Frames[0].Meta; m != nil {
			typ = m.Type
		}
		if typ != c.want {
			t.Errorf("%s: frame type %q, want %q", c.sql, typ, c.want)
		}
	}
	body := `{"rawSql": "SELECT 1", "format": "auto", "timeRange": {"from": "2024-01-01T00:00:00Z", "to": "2024-01-02T00:00:00Z"}}`
	if status, out := ds.Resource(context.Background(), http.MethodPost, "plan", "plan", []byte(body)); status != http.StatusOK {
		t.Errorf("/plan with format auto: %d %s", status, out)
	}
}

// runQuery runs one query through QueryData and returns its response.
func runQuery(t *testing.T, ds *Datasource, q backend.DataQuery) backend.DataResponse {
	t.Helper()
	resp, err := ds.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{q}})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Responses[q.RefID]
}

// Functions forwards to the wrapped engine, as the plugin's engines have it.
func (c *countingEngine) Functions(ctx context.Context) ([]engine.Function, error) {
	return c.Engine.(engine.FunctionLister).Functions(ctx)
}
