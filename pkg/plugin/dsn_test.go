package plugin

import (
	"reflect"
	"strings"
	"testing"
)

func TestSettingsFromDSN(t *testing.T) {
	tests := []struct {
		engine, dsn string
		json        map[string]any
		secure      map[string]string
		wantErr     string
	}{
		{"", "postgres://quarry:pw%40x@db:5433/quarry?sslmode=disable",
			map[string]any{"engine": "postgres", "host": "db", "port": 5433, "database": "quarry", "user": "quarry", "sslmode": "disable"},
			map[string]string{"password": "pw@x"}, ""},
		{"postgres", "postgresql://u@h/d", map[string]any{"engine": "postgres", "host": "h", "database": "d", "user": "u"}, map[string]string{}, ""},
		{"", "clickhouse://default@127.0.0.1:9000/sample",
			map[string]any{"engine": "clickhouse", "host": "127.0.0.1", "port": 9000, "database": "sample", "user": "default"}, map[string]string{}, ""},
		{"", "bigquery://quarry/sample?endpoint=http://127.0.0.1:9050&location=EU",
			map[string]any{"engine": "bigquery", "defaultProject": "quarry", "defaultDataset": "sample", "endpoint": "http://127.0.0.1:9050", "processingLocation": "EU"},
			map[string]string{}, ""},
		{"duckdb", "/data/x.duckdb", map[string]any{"engine": "duckdb", "path": "/data/x.duckdb"}, map[string]string{}, ""},
		{"", "duckdb:///data/x.duckdb", map[string]any{"engine": "duckdb", "path": "/data/x.duckdb"}, map[string]string{}, ""},
		{"clickhouse", "postgres://h/d", nil, nil, "the DSN is for postgres but --engine is clickhouse"},
		{"", "mysql://h/d", nil, nil, `unknown engine "mysql"`},
		{"postgres", "::not a url with secret-pw", nil, nil, "is not a URL"},
		{"", "postgres://h:port/d", nil, nil, "check the host and port"},
	}
	for _, tt := range tests {
		t.Run(tt.dsn, func(t *testing.T) {
			js, sec, err := SettingsFromDSN(tt.engine, tt.dsn)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "secret-pw") {
					t.Fatalf("error quotes the DSN: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(js, tt.json) || !reflect.DeepEqual(sec, tt.secure) {
				t.Fatalf("got %v %v\nwant %v %v", js, sec, tt.json, tt.secure)
			}
		})
	}
}
