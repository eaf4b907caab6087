package sqlplan_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bigtent/quarry/pkg/sqlplan"
)

func TestDecodeRequest(t *testing.T) {
	const ok = `{"dialect": "postgres", "rawSql": "SELECT 1", "format": "time_series",
 "timeRange": {"from": "2024-01-01T00:00:00Z", "to": "2024-01-02T00:00:00Z"},
 "intervalMs": 60000, "maxDataPoints": 1000, "timezone": "UTC",
 "filters": [{"key": "host", "operator": "=", "value": "web-1"}]}`
	req, err := sqlplan.DecodeRequest(strings.NewReader(ok))
	if err != nil {
		t.Fatal(err)
	}
	if req.Dialect != sqlplan.Postgres || req.IntervalMs != 60000 || len(req.Filters) != 1 || req.TimeRange.To.Day() != 2 {
		t.Fatalf("decoded %+v", req)
	}
	for _, c := range []struct{ name, body, want string }{
		{"unknown dialect", `{"dialect": "oracle", "rawSql": "SELECT 1", "timeRange": {"from": "2024-01-01T00:00:00Z", "to": "2024-01-02T00:00:00Z"}}`, `unknown dialect "oracle"`},
		{"no dialect", `{"rawSql": "SELECT 1", "timeRange": {"from": "2024-01-01T00:00:00Z", "to": "2024-01-02T00:00:00Z"}}`, `no "dialect"`},
		{"empty sql", `{"dialect": "duckdb", "rawSql": " ", "timeRange": {"from": "2024-01-01T00:00:00Z", "to": "2024-01-02T00:00:00Z"}}`, `empty "rawSql"`},
		{"no range", `{"dialect": "duckdb", "rawSql": "SELECT 1"}`, `"timeRange"`},
		{"reversed range", `{"dialect": "duckdb", "rawSql": "SELECT 1", "timeRange": {"from": "2024-01-02T00:00:00Z", "to": "2024-01-01T00:00:00Z"}}`, "bad time range"},
		{"bad time", `{"dialect": "duckdb", "rawSql": "SELECT 1", "timeRange": {"from": "yesterday", "to": "2024-01-01T00:00:00Z"}}`, "not valid JSON"},
		{"bad operator", `{"dialect": "duckdb", "rawSql": "SELECT 1", "timeRange": {"from": "2024-01-01T00:00:00Z", "to": "2024-01-02T00:00:00Z"}, "filters": [{"key": "a", "operator": "LIKE", "value": "x"}]}`, `unknown operator "LIKE"`},
		{"bad key", `{"dialect": "duckdb", "rawSql": "SELECT 1", "timeRange": {"from": "2024-01-01T00:00:00Z", "to": "2024-01-02T00:00:00Z"}, "filters": [{"key": "a;b", "operator": "=", "value": "x"}]}`, "identifier or a dotted path"},
		{"values with =", `{"dialect": "duckdb", "rawSql": "SELECT 1", "timeRange": {"from": "2024-01-01T00:00:00Z", "to": "2024-01-02T00:00:00Z"}, "filters": [{"key": "a", "operator": "=", "values": ["x"]}]}`, "use =| or !=|"},
		{"unknown field", `{"dialect": "duckdb", "rawSql": "SELECT 1", "rawQuery": "x", "timeRange": {"from": "2024-01-01T00:00:00Z", "to": "2024-01-02T00:00:00Z"}}`, "unknown field"},
		{"bad format", `{"dialect": "duckdb", "rawSql": "SELECT 1", "format": "graph", "timeRange": {"from": "2024-01-01T00:00:00Z", "to": "2024-01-02T00:00:00Z"}}`, `unknown format "graph"`},
		{"bad timezone", `{"dialect": "duckdb", "rawSql": "SELECT 1", "timezone": "Nowhere/Else", "timeRange": {"from": "2024-01-01T00:00:00Z", "to": "2024-01-02T00:00:00Z"}}`, `unknown timezone`},
		{"two values", `{"dialect": "duckdb", "rawSql": "SELECT 1", "timeRange": {"from": "2024-01-01T00:00:00Z", "to": "2024-01-02T00:00:00Z"}} {}`, "more than one JSON value"},
		{"not json", `SELECT 1`, "not valid JSON"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := sqlplan.DecodeRequest(strings.NewReader(c.body))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}

func TestExplain(t *testing.T) {
	req, err := sqlplan.DecodeRequest(strings.NewReader(`{"dialect": "postgres", "maxRows": 100,
 "rawSql": "SELECT $__timeGroupAlias(ts, '5m', previous), count(*)\nFROM sample.logs\nWHERE $__timeFilter(ts) AND host IN ($host)\nGROUP BY 1",
 "timeRange": {"from": "2024-01-01T00:00:00Z", "to": "2024-01-02T00:00:00Z"},
 "filters": [{"key": "level", "operator": "=", "value": "error"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := sqlplan.Build(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	out := sqlplan.Explain(plan)
	for _, want := range []string{
		"statement: select (postgres)", "macro", "at 1:8", "pushdown", `"level" = 'error'`, "limit",
		"row cap: 100", "fill: previous every 5m0s", "warnings:", "unreplaced_variable", "sql:\n  SELECT ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("Explain lacks %q:\n%s", want, out)
		}
	}
	if got := sqlplan.Explain(nil); got != "no plan\n" {
		t.Errorf("Explain(nil) = %q", got)
	}
}

var someTime = mustTime("2024-01-01T00:00:00Z")

func TestErrorPosition(t *testing.T) {
	_, err := sqlplan.Build(context.Background(), sqlplan.Request{Dialect: sqlplan.Postgres,
		RawSQL: "SELECT ts\nFROM t\nWHERE $__timeGroup(ts)", TimeRange: sqlplan.TimeRange{From: someTime, To: someTime}})
	pe := sqlplan.AsError(err)
	if pe.Line != 3 || pe.Column != 7 || !strings.Contains(pe.Snippet, "^") {
		t.Fatalf("got %+v", pe)
	}
	if !strings.HasPrefix(pe.Error(), "line 3, column 7: ") {
		t.Errorf("Error() = %q", pe.Error())
	}
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}
