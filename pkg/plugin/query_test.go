package plugin

import (
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/bigtent/quarry/pkg/sqlplan"
)

func TestDecodeQuery(t *testing.T) {
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		json    string
		qtype   string
		wantErr string
		check   func(t *testing.T, q Query)
	}{
		{name: "alert rule shape: no format", json: `{"refId":"A","rawSql":"SELECT 1","datasource":{"type":"bigtent-quarry-datasource","uid":"x"},"intervalMs":1000,"maxDataPoints":43200}`,
			check: func(t *testing.T, q Query) {
				if q.Model.Format != sqlplan.FormatTable || q.Model.RawSQL != "SELECT 1" {
					t.Errorf("model = %+v", q.Model)
				}
			}},
		{name: "all options", json: `{"rawSql":"SELECT 1","format":"time_series_multi","fill":"previous","maxRows":10,"location":"EU","priority":"batch","adhocFilters":[{"key":"host","operator":"=","value":"web-1"}],"filters":[{"key":"region","operator":"!=","value":"eu"}],"timezone":"Europe/Berlin"}`,
			check: func(t *testing.T, q Query) {
				m := q.Model
				if m.Format != sqlplan.FormatTimeSeriesMulti || m.Fill != "previous" || m.MaxRows != 10 || m.Location != "EU" || m.Priority != "BATCH" || m.Timezone != "Europe/Berlin" {
					t.Errorf("model = %+v", m)
				}
				if f := m.filters(); len(f) != 2 || f[0].Key != "host" || f[1].Key != "region" {
					t.Errorf("filters = %+v", f)
				}
			}},
		{name: "variable query type", json: `{"rawSql":"SELECT 1"}`, qtype: QueryTypeVariable, check: func(t *testing.T, q Query) {
			if !q.Variable {
				t.Error("Variable = false")
			}
		}},
		{name: "bad format", json: `{"rawSql":"SELECT 1","format":"graph"}`, wantErr: `format "graph" is not one of`},
		{name: "bad priority", json: `{"rawSql":"SELECT 1","priority":"urgent"}`, wantErr: `priority "urgent"`},
		{name: "bad json", json: `{"rawSql":1}`, wantErr: "rawSql: expected string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := DecodeQuery(backend.DataQuery{RefID: "A", QueryType: tt.qtype, JSON: []byte(tt.json),
				TimeRange: backend.TimeRange{From: from, To: from.Add(time.Hour)}, Interval: time.Minute, MaxDataPoints: 100})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if q.TimeRange.From != from || q.Interval != time.Minute || q.MaxDataPoints != 100 {
				t.Errorf("request context lost: %+v", q)
			}
			tt.check(t, q)
		})
	}
}
