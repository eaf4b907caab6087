package plugin

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
)

// strippedFrames decodes a response's frames and returns them as JSON
// without what changes from run to run (statistics, the cache hit flag),
// with their field types.
func strippedFrames(t *testing.T, bs [][]byte) string {
	t.Helper()
	fs, err := data.UnmarshalArrowFrames(bs)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, f := range fs {
		if f.Meta != nil {
			f.Meta.Stats = nil
			if c, ok := f.Meta.Custom.(map[string]any); ok {
				delete(c, "cacheHit")
			}
		}
		for _, fd := range f.Fields {
			types = append(types, fd.Type().ItemTypeString())
		}
	}
	js, err := json.Marshal(map[string]any{"frames": fs, "types": types})
	if err != nil {
		t.Fatal(err)
	}
	return string(js)
}

// TestDataServerDirectMatchesSDK runs queries of every format through the
// DataServer (table-format results encoded straight from their tables, on
// a cache miss and on a hit) and through the SDK's conversion of the
// handler's frames: the frames decode to the same.
func TestDataServerDirectMatchesSDK(t *testing.T) {
	ds, _ := openDuckDB(t, map[string]any{}, nil)
	ts := "SELECT $__timeGroupAlias(ts, '1h', 0), service, sum(requests) AS requests FROM sample.http_requests WHERE $__timeFilter(ts) GROUP BY 1, 2 ORDER BY 1, 2"
	types := `SELECT * FROM (VALUES
  (1::TINYINT, 2::SMALLINT, 3::INTEGER, 4::BIGINT, 5::UTINYINT, 6::USMALLINT, 7::UINTEGER, 8::UBIGINT, 1.5::FLOAT, 2.5::DOUBLE,
   true, TIMESTAMPTZ '2024-01-30 01:02:03.456789+00', DATE '2024-01-30', 'héllo', 12.34::DECIMAL(10,2), '{"a":1}'::JSON, [1,2], '\xAA'::BLOB),
  (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (-1, -2, -3, -4, 0, 0, 0, 0, 'NaN'::FLOAT, '-inf'::DOUBLE, false, TIMESTAMPTZ '1970-01-01 00:00:00+00', DATE '1999-12-31', '', 0, 'null'::JSON, [], ''::BLOB)
) AS v(i8, i16, i32, i64, u8, u16, u32, u64, f32, f64, b, t, d, s, n, j, a, y) ORDER BY i8 NULLS LAST`
	queries := []backend.DataQuery{
		dataQuery("table", "", map[string]any{"rawSql": "SELECT * FROM sample.http_requests WHERE $__timeFilter(ts) ORDER BY ts, host LIMIT 500", "format": "table"}),
		dataQuery("types", "", map[string]any{"rawSql": types, "format": "table"}),
		dataQuery("nonulls", "", map[string]any{"rawSql": "SELECT 'x' AS s, TIMESTAMPTZ '2024-01-30 00:00:00+00' AS t", "format": "table"}),
		dataQuery("capped", "", map[string]any{"rawSql": "SELECT * FROM sample.logs", "maxRows": 5}),
		dataQuery("empty", "", map[string]any{"rawSql": "SELECT 1 AS a, 'x' AS b WHERE false"}),
		dataQuery("auto", "", map[string]any{"rawSql": "SELECT host, count(*) AS n FROM sample.http_requests GROUP BY host ORDER BY host", "format": "auto"}),
		dataQuery("wide", "", map[string]any{"rawSql": ts, "format": "time_series"}),
		dataQuery("long", "", map[string]any{"rawSql": ts, "format": "time_series_long"}),
		dataQuery("logs", "", map[string]any{"rawSql": "SELECT * FROM sample.logs ORDER BY 1 LIMIT 50", "format": "logs"}),
		dataQuery("syntax", "", map[string]any{"rawSql": "SELECT count(* FROM sample.logs"}),
	}
	ctx := context.Background()
	// The handler chain DirectArrowData serves (its middlewares pass the
	// context through).
	h, err := backend.HandlerFromMiddlewares(backend.Handlers{QueryDataHandler: ds, QueryChunkedDataHandler: notChunked{}},
		contextualLogMiddleware(), requestLogMiddleware(log.NewNullLogger()),
		backend.NewAlertForwarderMiddleware(), backend.NewErrorSourceMiddleware())
	if err != nil {
		t.Fatal(err)
	}
	srv := NewDataServer(h)
	req := &pluginv2.QueryDataRequest{PluginContext: &pluginv2.PluginContext{}}
	for _, q := range queries {
		req.Queries = append(req.Queries, backend.ToProto().DataQuery(q))
	}
	miss, err := srv.QueryData(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	sdkResp, err := ds.QueryData(ctx, &backend.QueryDataRequest{Queries: queries})
	if err != nil {
		t.Fatal(err)
	}
	want, err := backend.ToProto().QueryDataResponse(backend.DataFrameFormat_ARROW, sdkResp)
	if err != nil {
		t.Fatal(err)
	}
	hit, err := srv.QueryData(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	for run, got := range map[string]*pluginv2.QueryDataResponse{"miss": miss, "hit": hit} {
		for ref, w := range want.Responses {
			g := got.Responses[ref]
			if g == nil {
				t.Fatalf("%s %s: missing", run, ref)
			}
			if w.Error != g.Error || w.Status != g.Status {
				t.Errorf("%s %s: error %q status %d, want %q %d", run, ref, g.Error, g.Status, w.Error, w.Status)
			}
			if gj, wj := strippedFrames(t, g.Frames), strippedFrames(t, w.Frames); gj != wj {
				t.Errorf("%s %s: frames differ:\n%s\nwant\n%s", run, ref, gj, wj)
			}
		}
	}
	// The response the handler gives without the DataServer's record keeps
	// its fields (the quarry CLI, the JSON format, tests).
	if f := sdkResp.Responses["types"].Frames; len(f) != 1 || len(f[0].Fields) != 18 || f[0].Rows() != 3 {
		t.Fatalf("types: %v", f)
	}
	// With the record, table-format results stay in their tables (the
	// frames above took the direct path) and the others are shaped.
	dctx, direct := withDirectFrames(ctx)
	resp, err := ds.QueryData(dctx, &backend.QueryDataRequest{Queries: queries})
	if err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"table", "types", "capped", "auto", "logs", "wide"} {
		f := resp.Responses[ref].Frames
		tb := direct.table(f[0])
		if isTable := ref != "logs" && ref != "wide"; (tb != nil) != isTable || (len(f[0].Fields) == 0) != isTable {
			t.Errorf("%s: direct table %v with %d fields", ref, tb != nil, len(f[0].Fields))
		}
	}
}
