package sqlplan_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/bigtent/quarry/pkg/sqlplan"
)

func varRequest(d sqlplan.Dialect, sql string, vars map[string]sqlplan.VariableValue) sqlplan.Request {
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	return sqlplan.Request{Dialect: d, RawSQL: sql, TimeRange: sqlplan.TimeRange{From: from, To: from.Add(24 * time.Hour)},
		IntervalMs: 60000, Variables: vars}
}

func one(s string) sqlplan.VariableValue { return sqlplan.VariableValue{Values: []string{s}} }
func multi(s ...string) sqlplan.VariableValue {
	return sqlplan.VariableValue{Values: s, Multi: true}
}

// TestVariables: template variables given in the request are written as
// Grafana's SQL data sources write them (one value as it is, several as
// comma-joined string literals of the dialect), never pasting text that is
// not a plain word or number.
func TestVariables(t *testing.T) {
	vars := map[string]sqlplan.VariableValue{
		"host": multi("web-1", "it's"), "one": multi("x"), "res": one("5m"), "n": one("100"),
		"unit": one("dist"), "q": one("it's"), "env": one("prod"), "neg": one("-1.5"), "none": multi(),
		"evil": one("1 OR TRUE"), "ids": multi("1", "2"),
		"aux": one(`{"MaxRange": 500}`), "bs": one(`a\\b`),
		"excl": one(`(ARRAY['%home%', 'it''s'])`), "noexcl": one(`(ARRAY[''])`), "nums": one("(1, -2.5, 3)"),
		"sneaky": one(`(ARRAY['a']) OR TRUE`), "open": one(`(ARRAY['a'`), "unclosed": one(`('a`), "bsraw": one(`(ARRAY['a\'])`),
		"cmt": one("(1) -- x"), "fn": one("(pg_sleep(1))"),
	}
	cases := []struct {
		d        sqlplan.Dialect
		sql      string
		want     string // the planned SQL, or the error's text
		wantWarn string // a warning code the plan must have
		line     int    // the error's column (0: no error)
	}{
		{d: sqlplan.Postgres, sql: "SELECT a FROM t WHERE h IN ($host)", want: "SELECT a FROM t WHERE h IN ('web-1','it''s')"},
		{d: sqlplan.DuckDB, sql: "SELECT a FROM t WHERE h IN (${host})", want: "SELECT a FROM t WHERE h IN ('web-1','it''s')"},
		{d: sqlplan.ClickHouse, sql: "SELECT a FROM t WHERE h IN ([[host]])", want: `SELECT a FROM t WHERE h IN ('web-1','it\'s')`},
		{d: sqlplan.BigQuery, sql: "SELECT a FROM t WHERE h IN ($host)", want: `SELECT a FROM t WHERE h IN ('web-1','it\'s')`},
		{d: sqlplan.Postgres, sql: "SELECT a FROM t WHERE h IN ($one)", want: "SELECT a FROM t WHERE h IN ('x')"},
		{d: sqlplan.Postgres, sql: "SELECT a FROM t WHERE h = '$env' AND g = '${env}-x'", want: "SELECT a FROM t WHERE h = 'prod' AND g = 'prod-x'"},
		{d: sqlplan.Postgres, sql: "SELECT a FROM t WHERE h = $q", want: "SELECT a FROM t WHERE h = 'it''s'", wantWarn: "variable_quoted"},
		{d: sqlplan.Postgres, sql: "SELECT a FROM t WHERE h = $evil", want: "SELECT a FROM t WHERE h = '1 OR TRUE'", wantWarn: "variable_quoted"},
		{d: sqlplan.Postgres, sql: "SELECT a FROM t WHERE h = ${q:sqlstring}", want: "SELECT a FROM t WHERE h = 'it''s'"},
		{d: sqlplan.Postgres, sql: "SELECT a FROM t WHERE h IN (${host:csv})", want: `format csv would paste "web-1"`, line: 29},
		// A raw value made of literals only (strings, numbers, ARRAY, commas, balanced brackets) is
		// pasted, as TeslaMate's NOT ILIKE ALL ${exclude_formatted_string:raw} needs; anything else
		// that could change the statement (a name, an operator, a comment, an open bracket or quote,
		// a backslash) is refused.
		{d: sqlplan.Postgres, sql: "SELECT a FROM t WHERE h NOT ILIKE ALL ${excl:raw}", want: "SELECT a FROM t WHERE h NOT ILIKE ALL (ARRAY['%home%', 'it''s'])"},
		{d: sqlplan.Postgres, sql: "SELECT a FROM t WHERE h NOT ILIKE ALL ${noexcl:raw}", want: "SELECT a FROM t WHERE h NOT ILIKE ALL (ARRAY[''])"},
		{d: sqlplan.DuckDB, sql: "SELECT a FROM t WHERE h IN ${nums:raw}", want: "SELECT a FROM t WHERE h IN (1, -2.5, 3)"},
		{d: sqlplan.Postgres, sql: "SELECT a FROM t WHERE h NOT ILIKE ALL ${sneaky:raw}", want: "would paste", line: 39},
		{d: sqlplan.Postgres, sql: "SELECT a FROM t WHERE h NOT ILIKE ALL ${open:raw}", want: "would paste", line: 39},
		{d: sqlplan.Postgres, sql: "SELECT a FROM t WHERE h IN ${unclosed:raw}", want: "would paste", line: 28},
		{d: sqlplan.ClickHouse, sql: "SELECT a FROM t WHERE h IN ${bsraw:raw}", want: "would paste", line: 28},
		{d: sqlplan.Postgres, sql: "SELECT a FROM t WHERE h IN ${cmt:raw}", want: "would paste", line: 28},
		{d: sqlplan.Postgres, sql: "SELECT a FROM t WHERE h IN ${fn:raw}", want: "would paste", line: 28},
		{d: sqlplan.BigQuery, sql: "SELECT a FROM t WHERE h IN UNNEST(${bsraw:raw})", want: "would paste", line: 35},
		{d: sqlplan.Postgres, sql: "SELECT a FROM t WHERE h IN (${excl:csv})", want: "would paste", line: 29},
		// A variable inside a quoted macro argument, as pgwatch2 writes it: $__timeGroup(time, '$agg').
		{d: sqlplan.Postgres, sql: "SELECT $__timeGroup(ts, '$res') AS t, count(*) FROM t GROUP BY 1",
			want: "SELECT floor(extract(epoch from ts)/300)*300 AS t, count(*) FROM t GROUP BY 1"},
		// Grafana's pipe format (values joined by "|"), as TeslaMate writes it: '${geofence:pipe}' = '-1'.
		{d: sqlplan.Postgres, sql: "SELECT a FROM t WHERE '${ids:pipe}' = '-1' OR g IN ($ids)", want: "SELECT a FROM t WHERE '1|2' = '-1' OR g IN ('1','2')"},
		{d: sqlplan.Postgres, sql: "SELECT a FROM t WHERE h = '${host:pipe}'", want: "holds a quote", line: 28},
		{d: sqlplan.Postgres, sql: "SELECT a FROM t WHERE h = ${env:percentencode}", want: `has the format "percentencode"`, line: 27},
		{d: sqlplan.Postgres, sql: "SELECT start_${unit}_km FROM t", want: "SELECT start_dist_km FROM t"},
		{d: sqlplan.BigQuery, sql: "SELECT start_${unit}_km FROM t", want: "SELECT start_dist_km FROM t"},
		{d: sqlplan.Postgres, sql: "SELECT start_${q}_km FROM t", want: "stands inside a name", line: 14},
		// A time variable inside a name (daily tables) joins it unquoted; a value that would not keep
		// the name one word, or would start it with a digit, is refused with its position.
		{d: sqlplan.Postgres, sql: "SELECT * FROM logs_${__from:date:YYYYMMDD}", want: "SELECT * FROM logs_20240101"},
		{d: sqlplan.ClickHouse, sql: "SELECT * FROM logs_[[__to:date:YYYYMMDD]]", want: "SELECT * FROM logs_20240102"},
		{d: sqlplan.BigQuery, sql: "SELECT a${__interval_ms} FROM t", want: "SELECT a60000 FROM t"},
		{d: sqlplan.DuckDB, sql: "SELECT * FROM t_${__timezone}", want: "SELECT * FROM t_UTC"},
		{d: sqlplan.Postgres, sql: "SELECT * FROM logs_${__from:date:YYYY-MM-DD}", want: `holds '-'`, line: 20},
		{d: sqlplan.Postgres, sql: "SELECT ${__from}_a FROM t", want: "starts with a digit", line: 8},
		{d: sqlplan.ClickHouse, sql: "SELECT ${n}_a FROM t", want: "starts with a digit", line: 8},
		{d: sqlplan.Postgres, sql: "SELECT${__to}A0 0", want: "glued to the keyword SELECT", line: 7},
		{d: sqlplan.DuckDB, sql: "SELECT${unit}_km FROM t", want: "glued to the keyword SELECT", line: 7},
		{d: sqlplan.Postgres, sql: "SELECT a FROM t WHERE x > $neg LIMIT $n", want: "SELECT a FROM t WHERE x > -1.5 LIMIT 100"},
		{d: sqlplan.Postgres, sql: "SELECT a FROM t WHERE h = '$q'", want: "holds a quote", line: 28},
		// A double quote is an ordinary character inside a plain '...' literal, as in TeslaMate's
		// ('$aux'::json ->> 'MaxRange'); a single quote or backslash is not, nor is any quote in a
		// literal of another kind (BigQuery's "...", PostgreSQL's E'...').
		{d: sqlplan.Postgres, sql: "SELECT ('$aux'::json ->> 'MaxRange')::float AS r", want: `SELECT ('{"MaxRange": 500}'::json ->> 'MaxRange')::float AS r`},
		{d: sqlplan.ClickHouse, sql: "SELECT JSONExtractFloat('$aux', 'MaxRange') AS r", want: `SELECT JSONExtractFloat('{"MaxRange": 500}', 'MaxRange') AS r`},
		{d: sqlplan.BigQuery, sql: "SELECT JSON_VALUE('$aux', '$.MaxRange') AS r", want: `SELECT JSON_VALUE('{"MaxRange": 500}', '$.MaxRange') AS r`},
		{d: sqlplan.DuckDB, sql: "SELECT json_extract('$aux', 'MaxRange') AS r", want: `SELECT json_extract('{"MaxRange": 500}', 'MaxRange') AS r`},
		{d: sqlplan.BigQuery, sql: `SELECT JSON_VALUE("$aux", '$.MaxRange') AS r`, want: "holds a quote", line: 20},
		{d: sqlplan.Postgres, sql: "SELECT E'$aux' AS r", want: "holds a quote", line: 10},
		{d: sqlplan.ClickHouse, sql: "SELECT '$bs' AS r", want: "holds a quote", line: 9},
		{d: sqlplan.Postgres, sql: "SELECT a FROM t WHERE h IN ($none)", want: "has no value selected", line: 29},
		{d: sqlplan.ClickHouse, sql: "SELECT $__timeGroupAlias(ts, $res), count() FROM t GROUP BY 1",
			want: "SELECT toStartOfInterval(ts, INTERVAL 5 minute, 'UTC') AS `time`, count() FROM t GROUP BY 1"},
		// No value where one is needed: a positioned error naming the variable.
		{d: sqlplan.Postgres, sql: "SELECT $__timeGroupAlias(ts, $resolution), count(*) FROM t GROUP BY 1",
			want: "template variable $resolution: has no value, and $__timeGroupAlias needs one", line: 30},
		{d: sqlplan.ClickHouse, sql: "SELECT $__timeGroup(ts, ${step}) FROM t",
			want: "template variable ${step}: has no value, and $__timeGroup needs one", line: 25},
		{d: sqlplan.Postgres, sql: "SELECT a FROM t\nLIMIT $limit", want: "template variable $limit: has no value, and LIMIT needs one", line: 7},
		{d: sqlplan.DuckDB, sql: "SELECT a FROM t LIMIT 10 OFFSET ${skip}", want: "has no value, and OFFSET needs one", line: 33},
		// Without a value where none is needed: passed through with a warning, as before.
		{d: sqlplan.Postgres, sql: "SELECT a FROM t WHERE h = $other", want: "SELECT a FROM t WHERE h = $other", wantWarn: "unreplaced_variable"},
	}
	for _, c := range cases {
		t.Run(string(c.d)+"/"+c.sql, func(t *testing.T) {
			plan, err := sqlplan.Build(context.Background(), varRequest(c.d, c.sql, vars))
			if c.line > 0 {
				var pe *sqlplan.Error
				if err == nil || !asError(err, &pe) {
					t.Fatalf("got %v (plan %v), want an error %q", err, plan, c.want)
				}
				if !strings.Contains(pe.Message, c.want) || pe.Column != c.line {
					t.Fatalf("error %q at column %d, want %q at column %d", pe.Message, pe.Column, c.want, c.line)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if plan.SQL != c.want {
				t.Errorf("got  %s\nwant %s", plan.SQL, c.want)
			}
			if c.wantWarn != "" && !hasWarning(plan, c.wantWarn) {
				t.Errorf("warnings %v lack %s", plan.Warnings, c.wantWarn)
			}
			if c.wantWarn == "" && len(plan.Warnings) > 0 {
				t.Errorf("unexpected warnings %v", plan.Warnings)
			}
		})
	}
}

func hasWarning(p *sqlplan.Plan, code string) bool {
	for _, w := range p.Warnings {
		if w.Code == code {
			return true
		}
	}
	return false
}

func asError(err error, pe **sqlplan.Error) bool {
	e, ok := err.(*sqlplan.Error)
	*pe = e
	return ok
}

// TestVariablesJSON: "variables" takes a string, number or boolean for one
// value and an array for a multi-value selection, and round-trips.
func TestVariablesJSON(t *testing.T) {
	body := `{"dialect": "postgres", "rawSql": "SELECT 1", "timeRange": {"from": "2024-01-01T00:00:00Z", "to": "2024-01-02T00:00:00Z"},
	 "variables": {"a": "x", "b": 5, "c": true, "d": ["p", 2], "e": [], "f": ["only"]}}`
	req, err := sqlplan.DecodeRequest(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]sqlplan.VariableValue{"a": one("x"), "b": one("5"), "c": one("true"), "d": multi("p", "2"),
		"e": {Values: []string{}, Multi: true}, "f": multi("only")}
	for k, w := range want {
		g := req.Variables[k]
		if g.Multi != w.Multi || strings.Join(g.Values, "|") != strings.Join(w.Values, "|") || len(g.Values) != len(w.Values) {
			t.Errorf("%s: got %+v, want %+v", k, g, w)
		}
	}
	out, err := json.Marshal(req.Variables)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(out); got != `{"a":"x","b":"5","c":"true","d":["p","2"],"e":[],"f":["only"]}` {
		t.Errorf("marshal: %s", got)
	}
	for _, bad := range []string{`{"a": {"x": 1}}`, `{"a": [[1]]}`, `{"a": null}`, `{"$a": "x"}`} {
		_, err := sqlplan.DecodeRequest(strings.NewReader(`{"dialect": "postgres", "rawSql": "SELECT 1", "timeRange": {"from": "2024-01-01T00:00:00Z", "to": "2024-01-02T00:00:00Z"}, "variables": ` + bad + `}`))
		if err == nil {
			t.Errorf("variables %s: no error", bad)
		}
	}
}

// TestClickHouseHashComments: a # comment is refused for ClickHouse before
// 22.2 (18.16 answers a syntax error), at its position, and kept for newer
// servers.
func TestClickHouseHashComments(t *testing.T) {
	for _, c := range []struct {
		version string
		ok      bool
	}{{"18.16.1", false}, {"21.8", false}, {"22.2", true}, {"", true}} {
		req := varRequest(sqlplan.ClickHouse, "SELECT a\nFROM t # note\n", nil)
		req.ServerVersion = c.version
		plan, err := sqlplan.Build(context.Background(), req)
		if c.ok {
			if err != nil || !strings.Contains(plan.SQL, "# note") {
				t.Errorf("%s: %v", c.version, err)
			}
			continue
		}
		var pe *sqlplan.Error
		if err == nil || !asError(err, &pe) || pe.Line != 2 || pe.Column != 8 || !strings.Contains(pe.Message, "write -- instead") {
			t.Errorf("%s: got %v, want an error at 2:8", c.version, err)
		}
	}
}

// TestTimezoneVariable: Grafana's global $__timezone is the dashboard's
// time zone name; inside a string literal (TeslaMate's
// timezone('$__timezone', ts)) it is written in unquoted, outside one as a
// string literal, each with a plan step. The browser's zone cannot be known
// by the backend: it is written as UTC with a warning.
func TestTimezoneVariable(t *testing.T) {
	cases := []struct {
		tz, sql, want, warn string
	}{
		{"Europe/Berlin", "SELECT to_char(timezone('$__timezone', ts), 'YYYY') FROM t",
			"SELECT to_char(timezone('Europe/Berlin', ts), 'YYYY') FROM t", ""},
		{"Europe/Berlin", "SELECT date_trunc('day', ts, '${__timezone}') FROM t",
			"SELECT date_trunc('day', ts, 'Europe/Berlin') FROM t", ""},
		{"America/New_York", "SELECT ts AT TIME ZONE ${__timezone} FROM t",
			"SELECT ts AT TIME ZONE 'America/New_York' FROM t", ""},
		{"", "SELECT timezone('$__timezone', ts) FROM t", "SELECT timezone('UTC', ts) FROM t", ""},
		{"browser", "SELECT timezone('$__timezone', ts) FROM t", "SELECT timezone('UTC', ts) FROM t", "timezone_browser"},
		// Another word that starts the same is not the variable (and stays, with the usual warning).
		{"Europe/Berlin", "SELECT '$__timezones' FROM t", "SELECT '$__timezones' FROM t", "macro_in_string"},
	}
	for _, c := range cases {
		t.Run(c.tz+"/"+c.sql, func(t *testing.T) {
			req := varRequest(sqlplan.Postgres, c.sql, nil)
			req.Timezone = c.tz
			plan, err := sqlplan.Build(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if plan.SQL != c.want {
				t.Errorf("got  %s\nwant %s", plan.SQL, c.want)
			}
			if c.warn != "" && !hasWarning(plan, c.warn) {
				t.Errorf("warnings %v lack %s", plan.Warnings, c.warn)
			}
			if c.warn == "" && len(plan.Warnings) > 0 {
				t.Errorf("unexpected warnings %v", plan.Warnings)
			}
			if c.want != c.sql {
				found := false
				for _, s := range plan.Steps {
					found = found || s.Kind == "variable" && strings.Contains(s.Detail, "__timezone")
				}
				if !found {
					t.Errorf("no variable step for $__timezone in %+v", plan.Steps)
				}
			}
		})
	}
}
