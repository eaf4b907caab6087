package harness_test

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestLogLevel checks what a query writes to the plugin's stderr at each
// level of GF_PLUGIN_LOG_LEVEL: at the default (info) no debug line is
// written, and the SDK's per-request info line ("Plugin Request
// Completed") and failures are; at debug, Quarry's "query done" with the
// SQL is written too.
func TestLogLevel(t *testing.T) {
	for _, tc := range []struct {
		name      string
		env       []string
		want, not []string
	}{
		{name: "default", want: []string{"Plugin Request Completed", "query failed"},
			not: []string{`"@level":"debug"`, "query done", "Plugin Request Started"}},
		{name: "debug", env: []string{"GF_PLUGIN_LOG_LEVEL=debug"},
			want: []string{"Plugin Request Completed", "query failed", "query done", "Plugin Request Started", "SELECT 41 + 1"}},
		{name: "warn", env: []string{"GF_PLUGIN_LOG_LEVEL=warn"}, want: []string{"query failed"},
			not: []string{`"@level":"debug"`, `"@level":"info"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := startPluginEnv(t, tc.env...)
			ds := p.NewDataSource("Quarry log level", map[string]any{"engine": "duckdb", "skipSample": true}, nil)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			from, to := time.Unix(0, 0), time.Unix(3600, 0)
			for _, sql := range []string{"SELECT 41 + 1 AS answer", "SELECT * FROM no_such_table"} {
				if _, err := p.QueryData(ctx, ds, nil, query("A", "table", sql, from, to, nil)); err != nil {
					t.Fatal(err)
				}
			}
			// The last lines reach the capture through the plugin's stderr.
			deadline := time.Now().Add(10 * time.Second)
			for !strings.Contains(p.Logs(), "query failed") && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			time.Sleep(200 * time.Millisecond)
			// The plugin's own lines (the capture also has the go-plugin
			// client's, at every level), but for go-plugin's one line at
			// start, which its server writes at debug whatever the level.
			var lines []string
			for _, l := range strings.Split(p.Logs(), "\n") {
				if strings.Contains(l, `"@module":"gpx_quarry.gpx_quarry"`) && !strings.Contains(l, `"@message":"plugin address"`) {
					lines = append(lines, l)
				}
			}
			logs := strings.Join(lines, "\n")
			for _, w := range tc.want {
				if !strings.Contains(logs, w) {
					t.Errorf("the plugin's log lacks %q:\n%s", w, tail(logs, 3000))
				}
			}
			for _, n := range tc.not {
				if strings.Contains(logs, n) {
					t.Errorf("the plugin's log has %q:\n%s", n, tail(logs, 3000))
				}
			}
		})
	}
}
