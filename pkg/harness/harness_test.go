package harness_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"

	"github.com/bigtent/quarry/pkg/harness"
	"github.com/bigtent/quarry/pkg/sample"
	"github.com/bigtent/quarry/pkg/testenv"
)

// binary is the plugin built once for all tests.
var binary string

func TestMain(m *testing.M) {
	if os.Getenv("QUARRY_SKIP_INTEGRATION") == "1" {
		fmt.Println("harness: QUARRY_SKIP_INTEGRATION=1, skipping the protocol harness")
		os.Exit(0)
	}
	dir, err := os.MkdirTemp("", "quarry-harness-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	binary, err = harness.Build(ctx, "", dir)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// startPlugin starts the plugin at debug level, so that tests that check
// what is (not) logged, such as the secrets tests, see every line.
func startPlugin(t *testing.T) *harness.Plugin {
	t.Helper()
	return startPluginEnv(t, "GF_PLUGIN_LOG_LEVEL=debug") // plugin.LogLevelEnv
}

// startPluginEnv starts the plugin with extra environment (KEY=VALUE).
func startPluginEnv(t *testing.T, env ...string) *harness.Plugin {
	t.Helper()
	p, err := harness.Start(binary, env...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Close()
		if t.Failed() {
			t.Logf("plugin log:\n%s", tail(p.Logs(), 4000))
		}
	})
	return p
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// window is a 6-hour range inside the BigQuery emulator's 2-day subset, so
// every engine holds the same rows for it.
var (
	winFrom   = time.Date(2024, 1, 30, 6, 0, 0, 0, time.UTC)
	winTo     = winFrom.Add(6*time.Hour - 29500*time.Millisecond) // no sample row sits on the bound
	monthFrom = sample.Start
	monthTo   = sample.End
)

func query(refID, format, sql string, from, to time.Time, extra map[string]any) harness.Query {
	js := map[string]any{"refId": refID, "rawSql": sql, "format": format}
	for k, v := range extra {
		js[k] = v
	}
	return harness.Query{RefID: refID, JSON: js, From: from, To: to, Interval: time.Minute, MaxDataPoints: 1000}
}

// frames decodes one query's frames and fails on a query error.
func frames(t *testing.T, resp *pluginv2.QueryDataResponse, refID string) data.Frames {
	t.Helper()
	r, ok := resp.Responses[refID]
	if !ok {
		t.Fatalf("no response for %s", refID)
	}
	if r.Error != "" {
		t.Fatalf("query %s failed (%s, status %d): %s", refID, r.ErrorSource, r.Status, r.Error)
	}
	fr, err := data.UnmarshalArrowFrames(r.Frames)
	if err != nil {
		t.Fatalf("query %s: decoding frames: %v", refID, err)
	}
	return fr
}

// expected holds values computed from the sample generator itself, the
// oracle every engine must agree with.
type expected struct {
	services       []string
	requestsBySvc  map[string]int64 // in the 6h window
	hourBuckets    int              // in the 6h window
	deploysInMonth int
	errorLogsInWin int
}

func computeExpected() expected {
	g := sample.New()
	e := expected{requestsBySvc: map[string]int64{}, hourBuckets: 6}
	for r := range g.HTTPRequests() {
		if !r.TS.Before(winFrom) && !r.TS.After(winTo) {
			e.requestsBySvc[r.Service] += r.Requests
		}
	}
	for s := range e.requestsBySvc {
		e.services = append(e.services, s)
	}
	sort.Strings(e.services)
	for d := range g.Deploys() {
		if !d.TS.Before(monthFrom) && !d.TS.After(monthTo) {
			e.deploysInMonth++
		}
	}
	for l := range g.Logs() {
		if l.Level == "error" && !l.TS.Before(winFrom) && !l.TS.After(winTo) {
			e.errorLogsInWin++
		}
	}
	return e
}

// engineCase is one engine's data source under test.
type engineCase struct {
	name     string
	jsonData map[string]any
	secure   map[string]string
	table    func(name string) string
}

// runSuite checks health, every format, alerting, variables and every
// resource route on one engine, over gRPC.
func runSuite(t *testing.T, ec engineCase) {
	p := startPlugin(t)
	ds := p.NewDataSource("Quarry "+ec.name, ec.jsonData, ec.secure)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	exp := computeExpected()
	tbl := ec.table

	t.Run("CheckHealth", func(t *testing.T) {
		h, err := p.CheckHealth(ctx, ds)
		if err != nil {
			t.Fatal(err)
		}
		if h.Status != pluginv2.CheckHealthResponse_OK {
			t.Fatalf("health = %s: %s", h.Status, h.Message)
		}
		var details map[string]any
		if err := json.Unmarshal(h.JsonDetails, &details); err != nil || details["version"] == "" {
			t.Errorf("health details = %s (%v), want the server version", h.JsonDetails, err)
		}
	})

	// GROUP BY the select alias: portable to every engine (ClickHouse 18
	// has no positional GROUP BY 1, and the emulator's ZetaSQL does not match
	// a repeated bucketing expression with the select list's).
	tsSQL := fmt.Sprintf("SELECT $__timeGroupAlias(ts, '1h'), service, sum(requests) AS requests\nFROM %s\nWHERE $__timeFilter(ts)\nGROUP BY service, time\nORDER BY time", tbl("http_requests"))

	t.Run("QueryData/table", func(t *testing.T) {
		sql := fmt.Sprintf("SELECT service, sum(requests) AS requests FROM %s WHERE $__timeFilter(ts) GROUP BY service ORDER BY service", tbl("http_requests"))
		resp, err := p.QueryData(ctx, ds, nil, query("A", "table", sql, winFrom, winTo, nil))
		if err != nil {
			t.Fatal(err)
		}
		fr := frames(t, resp, "A")
		if len(fr) != 1 || len(fr[0].Fields) != 2 {
			t.Fatalf("frames = %d, fields = %v", len(fr), fr)
		}
		f := fr[0]
		if f.Rows() != len(exp.services) {
			t.Fatalf("rows = %d, want %d services", f.Rows(), len(exp.services))
		}
		for i := 0; i < f.Rows(); i++ {
			svc, _ := f.Fields[0].ConcreteAt(i)
			got := toInt64(t, f.Fields[1], i)
			if want := exp.requestsBySvc[fmt.Sprint(svc)]; got != want {
				t.Errorf("requests of %v = %d, want %d (from the generator)", svc, got, want)
			}
		}
		if f.Meta == nil || !strings.Contains(f.Meta.ExecutedQueryString, "sum(requests)") || strings.Contains(f.Meta.ExecutedQueryString, "$__") {
			t.Errorf("ExecutedQueryString = %q, want the expanded SQL", f.Meta.ExecutedQueryString)
		}
	})

	t.Run("QueryData/time_series", func(t *testing.T) {
		resp, err := p.QueryData(ctx, ds, nil, query("A", "time_series", tsSQL, winFrom, winTo, nil))
		if err != nil {
			t.Fatal(err)
		}
		fr := frames(t, resp, "A")
		if len(fr) != 1 {
			t.Fatalf("wide: %d frames, want 1", len(fr))
		}
		f := fr[0]
		if f.Fields[0].Type() != data.FieldTypeTime && f.Fields[0].Type() != data.FieldTypeNullableTime {
			t.Fatalf("first field is %s, want time", f.Fields[0].Type())
		}
		if len(f.Fields) != 1+len(exp.services) {
			t.Errorf("wide frame has %d fields, want time + %d series", len(f.Fields), len(exp.services))
		}
		if f.Rows() < exp.hourBuckets {
			t.Errorf("rows = %d, want at least %d hourly buckets", f.Rows(), exp.hourBuckets)
		}
		var total int64
		for _, fd := range f.Fields[1:] {
			for i := 0; i < fd.Len(); i++ {
				total += toInt64(t, fd, i)
			}
		}
		var want int64
		for _, v := range exp.requestsBySvc {
			want += v
		}
		if total != want {
			t.Errorf("sum over the wide frame = %d, want %d", total, want)
		}
	})

	t.Run("QueryData/time_series_long", func(t *testing.T) {
		resp, err := p.QueryData(ctx, ds, nil, query("A", "time_series_long", tsSQL, winFrom, winTo, nil))
		if err != nil {
			t.Fatal(err)
		}
		fr := frames(t, resp, "A")
		if len(fr) != 1 || fr[0].Rows() < exp.hourBuckets*len(exp.services) {
			t.Fatalf("long: %d frames, %d rows; want 1 frame of ≥ %d rows", len(fr), fr[0].Rows(), exp.hourBuckets*len(exp.services))
		}
	})

	t.Run("QueryData/time_series_multi", func(t *testing.T) {
		resp, err := p.QueryData(ctx, ds, nil, query("A", "time_series_multi", tsSQL, winFrom, winTo, nil))
		if err != nil {
			t.Fatal(err)
		}
		if fr := frames(t, resp, "A"); len(fr) != len(exp.services) {
			t.Fatalf("multi: %d frames, want one per service (%d)", len(fr), len(exp.services))
		}
	})

	t.Run("QueryData/logs", func(t *testing.T) {
		sql := fmt.Sprintf("SELECT ts AS time, level, message, service, host FROM %s WHERE $__timeFilter(ts) AND level = 'error' ORDER BY ts", tbl("logs"))
		resp, err := p.QueryData(ctx, ds, nil, query("A", "logs", sql, winFrom, winTo, nil))
		if err != nil {
			t.Fatal(err)
		}
		fr := frames(t, resp, "A")
		if len(fr) != 1 || fr[0].Rows() != exp.errorLogsInWin {
			t.Fatalf("logs: %d frames, rows %d; want %d error lines", len(fr), fr[0].Rows(), exp.errorLogsInWin)
		}
		if fr[0].Meta == nil || fr[0].Meta.Type != data.FrameTypeLogLines && fr[0].Meta.PreferredVisualization != data.VisTypeLogs {
			t.Errorf("logs frame meta = %+v, want a log-lines frame", fr[0].Meta)
		}
	})

	t.Run("QueryData/annotations", func(t *testing.T) {
		sql := fmt.Sprintf("SELECT ts AS time, end_ts AS timeEnd, title, text, tags FROM %s WHERE $__timeFilter(ts) ORDER BY ts", tbl("deploys"))
		resp, err := p.QueryData(ctx, ds, nil, query("Anno", "annotations", sql, monthFrom, monthTo, nil))
		if err != nil {
			t.Fatal(err)
		}
		fr := frames(t, resp, "Anno")
		if len(fr) != 1 || fr[0].Rows() != exp.deploysInMonth {
			t.Fatalf("annotations: %d frames, rows %d; want %d deploys", len(fr), fr[0].Rows(), exp.deploysInMonth)
		}
		for _, name := range []string{"time", "timeEnd", "title", "text", "tags"} {
			if _, i := fr[0].FieldByName(name); i < 0 {
				t.Errorf("annotation frame lacks %q: %v", name, fieldNames(fr[0]))
			}
		}
	})

	t.Run("QueryData/variable", func(t *testing.T) {
		sql := fmt.Sprintf("SELECT DISTINCT service FROM %s WHERE $__timeFilter(ts) ORDER BY 1", tbl("http_requests"))
		q := query("V", "table", sql, winFrom, winTo, nil)
		q.QueryType = "variable"
		resp, err := p.QueryData(ctx, ds, nil, q)
		if err != nil {
			t.Fatal(err)
		}
		fr := frames(t, resp, "V")
		if len(fr) != 1 || fr[0].Rows() != len(exp.services) {
			t.Fatalf("variable: %v", fr)
		}
		for i, s := range exp.services {
			if v, _ := fr[0].Fields[1].ConcreteAt(i); v != s {
				t.Errorf("__value[%d] = %v, want %s", i, v, s)
			}
		}
	})

	t.Run("QueryData/alert rule shape", func(t *testing.T) {
		// What Grafana's alerting engine sends: no frontend, FromAlert header,
		// only the saved query model.
		q := harness.Query{RefID: "A", From: winFrom, To: winTo, Interval: time.Second, MaxDataPoints: 43200,
			JSON: map[string]any{"refId": "A", "datasource": map[string]any{"type": harness.PluginID, "uid": ds.UID},
				"rawSql": tsSQL, "format": "time_series", "intervalMs": 1000, "maxDataPoints": 43200}}
		resp, err := p.QueryData(ctx, ds, map[string]string{"FromAlert": "true"}, q)
		if err != nil {
			t.Fatal(err)
		}
		fr := frames(t, resp, "A")
		if len(fr) == 0 || len(fr[0].Fields) < 2 {
			t.Fatalf("alert query gave %v", fr)
		}
	})

	t.Run("QueryData/errors are per query", func(t *testing.T) {
		good := query("OK", "table", "SELECT 1 AS one", winFrom, winTo, nil)
		bad := query("BAD", "table", "SELECT FROM WHERE (", winFrom, winTo, nil)
		write := query("W", "table", "DELETE FROM "+tbl("logs"), winFrom, winTo, nil)
		resp, err := p.QueryData(ctx, ds, nil, good, bad, write)
		if err != nil {
			t.Fatal(err)
		}
		frames(t, resp, "OK")
		for _, ref := range []string{"BAD", "W"} {
			r := resp.Responses[ref]
			if r.Error == "" || r.ErrorSource != "downstream" {
				t.Errorf("%s: error %q source %q, want a downstream error", ref, r.Error, r.ErrorSource)
			}
		}
	})

	t.Run("CallResource", func(t *testing.T) {
		planBody := fmt.Sprintf(`{"rawSql": %q, "format": "time_series", "timeRange": {"from": %q, "to": %q}, "intervalMs": 60000,
			"filters": [{"key": "host", "operator": "=", "value": "web-1"}]}`, tsSQL, winFrom.Format(time.RFC3339), winTo.Format(time.RFC3339))
		cases := []struct {
			method, path, body string
			status             int
			want               string // substring of the body
		}{
			{"POST", "plan", planBody, 200, `"sql"`},
			{"POST", "plan", `{"rawSql": "SELECT (", "timeRange": {"from": "2024-01-01T00:00:00Z", "to": "2024-01-02T00:00:00Z"}}`, 400, `"line"`},
			{"POST", "plan", `not json`, 400, `"message"`},
			{"POST", "plan", ``, 400, `"message"`},
			{"POST", "estimate", planBody, 200, `"cost"`},
			{"POST", "estimate", `{"rawSql": ""}`, 400, `"message"`},
			{"GET", "schema/datasets", "", 200, `sample`},
			{"GET", "schema/tables?dataset=sample", "", 200, `http_requests`},
			{"GET", "schema/columns?dataset=sample&table=http_requests", "", 200, `latency_ms`},
			{"GET", "schema/columns?dataset=sample", "", 400, `table parameter is required`},
			{"GET", "macros", "", 200, `timeGroup`},
			{"GET", "tag-keys?dataset=sample&table=http_requests", "", 200, `"host"`},
			{"GET", "tag-keys", "", 400, `table parameter is required`},
			{"GET", fmt.Sprintf("tag-values?dataset=sample&table=http_requests&key=host&from=%d&to=%d", winFrom.UnixMilli(), winTo.UnixMilli()), "", 200, `web-1`},
			{"GET", "tag-values?dataset=sample&table=http_requests", "", 400, `key parameters are required`},
			{"GET", "tag-values?dataset=sample&table=http_requests&key=nope", "", 400, `no column`},
			{"GET", "tag-values?dataset=sample&table=http_requests&key=host&from=yesterday", "", 400, `not RFC 3339`},
			{"GET", "nope", "", 404, `no resource`},
		}
		for _, c := range cases {
			t.Run(c.method+" "+c.path, func(t *testing.T) {
				r, err := p.CallResource(ctx, ds, c.method, c.path, []byte(c.body))
				if err != nil {
					t.Fatal(err)
				}
				if r.Status != c.status || !strings.Contains(string(r.Body), c.want) {
					t.Fatalf("status %d body %s; want %d containing %q", r.Status, tail(string(r.Body), 600), c.status, c.want)
				}
				if c.status >= 400 {
					var eb struct {
						Error struct{ Message string } `json:"error"`
					}
					if json.Unmarshal(r.Body, &eb) != nil || eb.Error.Message == "" {
						t.Errorf("error body %s lacks error.message", r.Body)
					}
				}
				if c.status == http.StatusOK && !json.Valid(r.Body) {
					t.Errorf("body is not JSON: %s", r.Body)
				}
			})
		}
	})
}

func fieldNames(f *data.Frame) []string {
	var n []string
	for _, fd := range f.Fields {
		n = append(n, fd.Name)
	}
	return n
}

func toInt64(t *testing.T, f *data.Field, i int) int64 {
	t.Helper()
	v, ok := f.ConcreteAt(i)
	if !ok {
		return 0
	}
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	case uint64:
		return int64(x)
	case float64:
		return int64(x + 0.5)
	case string: // exact NUMERIC
		var n float64
		fmt.Sscan(x, &n)
		return int64(n + 0.5)
	default:
		t.Fatalf("field %s: unexpected %T", f.Name, v)
		return 0
	}
}

func sampleTable(n string) string { return "sample." + n }

func TestDuckDB(t *testing.T) {
	info := testenv.DuckDB(t)
	runSuite(t, engineCase{name: "duckdb", jsonData: map[string]any{"engine": "duckdb", "path": info.Path}, table: sampleTable})
}

func TestPostgres(t *testing.T) {
	info := testenv.Postgres(t)
	runSuite(t, engineCase{name: "postgres", table: sampleTable,
		jsonData: map[string]any{"engine": "postgres", "host": info.Host, "port": info.Port, "database": info.Database,
			"user": info.User, "sslmode": "disable"},
		secure: map[string]string{"password": "unused-with-trust-auth"}})
}

func TestClickHouse(t *testing.T) {
	info := testenv.ClickHouse(t)
	host, port, err := net.SplitHostPort(info.Addr)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	runSuite(t, engineCase{name: "clickhouse", table: sampleTable,
		jsonData: map[string]any{"engine": "clickhouse", "host": host, "port": p, "database": info.Database, "user": info.User}})
}

func TestBigQuery(t *testing.T) {
	info := testenv.BigQuery(t)
	runSuite(t, engineCase{name: "bigquery", table: func(n string) string { return info.Dataset + "." + n },
		jsonData: map[string]any{"engine": "bigquery", "defaultProject": info.Project, "defaultDataset": info.Dataset, "endpoint": info.Endpoint}})
}
