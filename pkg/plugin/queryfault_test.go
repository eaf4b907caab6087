package plugin

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestEstimateQueryFaultIs400: when DuckDB blames the SQL itself (an
// unknown column or table), /estimate answers 400 with the
// engine's message, not 502 as for a warehouse failure.
func TestEstimateQueryFaultIs400(t *testing.T) {
	ds, _ := openDuckDB(t, map[string]any{}, nil)
	for _, c := range []struct {
		name, sql, want string
	}{
		{"unknown column", "SELECT no_such_column FROM sample.http_requests", "no_such_column"},
		{"unknown table", "SELECT * FROM sample.no_such_table", "no_such_table"},
	} {
		t.Run(c.name, func(t *testing.T) {
			body, _ := json.Marshal(map[string]any{"rawSql": c.sql,
				"timeRange": map[string]string{"from": "2024-01-01T00:00:00Z", "to": "2024-01-02T00:00:00Z"}})
			status, out := ds.Resource(context.Background(), "POST", "estimate", "/estimate", body)
			if status != 400 {
				t.Fatalf("status %d, want 400: %s", status, out)
			}
			var eb ErrorBody
			if err := json.Unmarshal(out, &eb); err != nil || !strings.Contains(eb.Error.Message, c.want) {
				t.Fatalf("body %s (err %v), want a message naming %q", out, err, c.want)
			}
		})
	}
}
