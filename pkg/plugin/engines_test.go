package plugin

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

// TestEngineTakesTheQueryTimeout: the data source's queryTimeout (or the
// plugin's default) becomes the engine's own, which its estimates use and
// which PostgreSQL makes its connections' statement_timeout. Opening these
// engines does not connect.
func TestEngineTakesTheQueryTimeout(t *testing.T) {
	for _, tc := range []struct {
		name string
		json map[string]any
	}{
		{"postgres", map[string]any{"engine": "postgres", "host": "127.0.0.1", "port": 1, "database": "d", "user": "u", "sslmode": "disable"}},
		{"clickhouse", map[string]any{"engine": "clickhouse", "host": "127.0.0.1", "port": 1, "database": "d"}},
	} {
		for _, timeout := range []struct {
			set  any
			want time.Duration
		}{{nil, DefaultQueryTimeout}, {"45s", 45 * time.Second}} {
			js := map[string]any{}
			for k, v := range tc.json {
				js[k] = v
			}
			if timeout.set != nil {
				js["queryTimeout"] = timeout.set
			}
			raw, _ := json.Marshal(js)
			cfg, err := ParseConfig(raw, nil)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			eng, err := OpenEngine(context.Background(), cfg)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			got := eng.(interface{ QueryTimeout() time.Duration }).QueryTimeout()
			_ = eng.Close()
			if got != timeout.want {
				t.Errorf("%s, queryTimeout %v: the engine's timeout is %v, want %v", tc.name, timeout.set, got, timeout.want)
			}
		}
	}
}
