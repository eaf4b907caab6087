package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/frames"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

// Differential tests of incremental refresh: on a real engine, a data
// source with `incremental` on and one with it off answer the same panel
// query over a seeded random walk of time ranges, while rows arrive in the
// tail (some late, inside the overlap). The answers must be equal value for
// value; an unsafe shape must run exactly the full query every time.

// fixRow is one row of the fixture table events(ts, id, host, v).
type fixRow struct {
	TS   time.Time
	ID   int64
	Host string
	V    int64
}

// holder is an engine that a fixture can replace (DuckDB reopens its file
// around writes); both data sources of a test use it.
type holder struct {
	engine.Engine
}

// recEngine records the SQL each Query ran.
type recEngine struct {
	*holder
	mu   sync.Mutex
	sqls []string
}

func (r *recEngine) Query(ctx context.Context, p *sqlplan.Plan, o engine.QueryOptions) (*frames.Table, engine.QueryStats, error) {
	r.mu.Lock()
	r.sqls = append(r.sqls, p.SQL)
	r.mu.Unlock()
	return r.holder.Engine.Query(ctx, p, o)
}

func (r *recEngine) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.sqls
	r.sqls = nil
	return out
}

// Close leaves the shared engine to the fixture.
func (r *recEngine) Close() error { return nil }

// diffFixture is one engine's side of the differential test.
type diffFixture struct {
	name     string
	jsonData map[string]any // the engine's settings
	table    string         // the fixture table as the SQL names it
	open     func(t *testing.T) engine.Engine
	insert   func(t *testing.T, h *holder, rows []fixRow)
	// second is the timestamp granularity of the fixture's column.
	second bool
	// window says whether the engine has window functions.
	window bool
	// shapes, when set, are the only shapes run (by name).
	shapes map[string]bool
	// writeEvery: rows arrive before every writeEvery-th refresh (DuckDB
	// reopens its file around a write: 10; the others 1).
	writeEvery int
	// shifts is the number of range shifts per shape; start is the first
	// range's start; rows is the initial fixture.
	shifts int
	start  time.Time
	// afterRefresh, when set, runs after every refresh of both data
	// sources (BigQuery: drops the emulator's per-job result datasets).
	afterRefresh func(t *testing.T)
}

// diffShape is one panel query of the test.
type diffShape struct {
	name   string
	sql    string // {T} is the fixture table
	format string
	safe   bool
	window bool // needs window functions
}

var diffShapes = []diffShape{
	{name: "count and sum per minute", safe: true, format: "table",
		sql: "SELECT $__timeGroupAlias(ts, '1m'), count(*) AS n, sum(v) AS s FROM {T} WHERE $__timeFilter(ts) GROUP BY time ORDER BY time"},
	{name: "per host per 5 minutes", safe: true, format: "table",
		sql: "SELECT $__timeGroupAlias(ts, '5m'), host, max(v) AS hi, min(v) AS lo FROM {T} WHERE $__timeFilter(ts) AND v >= 0 GROUP BY time, host ORDER BY time, host"},
	{name: "time series at $__interval with fill", safe: true, format: "time_series",
		sql: "SELECT $__timeGroupAlias(ts, $__interval, 0), sum(v) AS s FROM {T} WHERE $__timeFilter(ts) AND host = 'web-1' GROUP BY time ORDER BY time"},
	{name: "raw rows ordered by time", safe: true, format: "table",
		sql: "SELECT ts AS time, id, host, v FROM {T} WHERE $__timeFilter(ts) ORDER BY ts, id"},

	{name: "raw rows with LIMIT", format: "table",
		sql: "SELECT ts AS time, id, v FROM {T} WHERE $__timeFilter(ts) ORDER BY ts, id LIMIT 40"},
	{name: "aggregate over the whole range", format: "table",
		sql: "SELECT count(*) AS n, sum(v) AS s FROM {T} WHERE $__timeFilter(ts)"},
	{name: "ordered by a value", format: "table",
		sql: "SELECT $__timeGroupAlias(ts, '1m'), count(*) AS n FROM {T} WHERE $__timeFilter(ts) GROUP BY time ORDER BY n DESC, time"},
	{name: "range read outside the filter", format: "table",
		sql: "SELECT ts AS time, id, v FROM {T} WHERE $__timeFilter(ts) AND ts >= $__timeFrom() ORDER BY ts, id"},
	{name: "window function", format: "table", window: true,
		sql: "SELECT ts AS time, id, sum(v) OVER (ORDER BY ts, id) AS run FROM {T} WHERE $__timeFilter(ts) ORDER BY ts, id"},
}

// diffHosts are the fixture's hosts.
var diffHosts = []string{"web-1", "web-2", "db-1"}

// genRows returns n rows with times uniformly in [from, to), ids from
// *next on.
func genRows(rng *rand.Rand, from, to time.Time, n int, next *int64, second bool) []fixRow {
	out := make([]fixRow, n)
	span := to.Sub(from).Milliseconds()
	for i := range out {
		ts := from.Add(time.Duration(rng.Int63n(span)) * time.Millisecond)
		if second {
			ts = ts.Truncate(time.Second)
		}
		*next++
		out[i] = fixRow{TS: ts.UTC(), ID: *next, Host: diffHosts[rng.Intn(len(diffHosts))], V: rng.Int63n(1000) - 50}
	}
	return out
}

// diffWindow is the panel's range width.
const diffWindow = 2 * time.Hour

// runDiff runs every shape of the fixture: initial rows over [start-1h,
// start+window+2h], then fx.shifts refreshes.
func runDiff(t *testing.T, fx diffFixture, initial int) {
	h := &holder{Engine: fx.open(t)}
	t.Cleanup(func() { _ = h.Engine.Close() })
	rng := rand.New(rand.NewSource(13))
	var next int64
	fx.insert(t, h, genRows(rng, fx.start.Add(-time.Hour), fx.start.Add(diffWindow+2*time.Hour), initial, &next, fx.second))

	newDS := func(incr bool) (*Datasource, *recEngine) {
		jd := map[string]any{"cacheTTL": "0s"}
		for k, v := range fx.jsonData {
			jd[k] = v
		}
		if incr {
			jd["incremental"] = true
		}
		raw, _ := json.Marshal(jd)
		cfg, err := ParseConfig(raw, diffSecrets(jd))
		if err != nil {
			t.Fatal(err)
		}
		re := &recEngine{holder: h}
		return NewWithService(NewService(cfg, re, Deps{Logger: log.NewNullLogger()})), re
	}
	inc, incEng := newDS(true)
	full, fullEng := newDS(false)
	t.Cleanup(func() { inc.Dispose(); full.Dispose() })

	for si, shape := range diffShapes {
		if shape.window && !fx.window || fx.shapes != nil && !fx.shapes[shape.name] {
			continue
		}
		t.Run(shape.name, func(t *testing.T) {
			rng := rand.New(rand.NewSource(int64(1000 + si)))
			from := fx.start.Add(time.Duration(rng.Int63n(60000)) * time.Millisecond)
			to := from.Add(diffWindow)
			sql := strings.ReplaceAll(shape.sql, "{T}", fx.table)
			incremental, compared := 0, 0
			var fullTimes []time.Duration // the full query's, to see an engine slow down as the run goes on
			for i := 0; i <= fx.shifts; i++ {
				if i > 0 {
					prevTo := to
					from, to = nextRange(rng, from, to)
					// Rows arriving since the last refresh: late ones
					// inside the overlap, new ones in the tail and beyond.
					lo := prevTo.Add(-9 * time.Minute)
					if lo.Before(from) {
						lo = from
					}
					if hi := to.Add(time.Minute); lo.Before(hi) && i%max(fx.writeEvery, 1) == 0 {
						fx.insert(t, h, genRows(rng, lo, hi, 1+rng.Intn(4), &next, fx.second))
					}
				}
				q := diffQuery(sql, shape.format, from, to)
				began := time.Now()
				want := diffAsk(t, full, q)
				fullTimes = append(fullTimes, time.Since(began))
				fullSQL := fullEng.take()
				got := diffAsk(t, inc, q)
				ran := incEng.take()
				if len(fullSQL) != 1 {
					t.Fatalf("shift %d: the full data source ran %d queries", i, len(fullSQL))
				}
				if msg := sameFrames(want, got); msg != "" {
					t.Fatalf("shift %d [%s, %s]: the incremental answer differs from the full query's: %s\nsteps: %v",
						i, from.Format(time.RFC3339Nano), to.Format(time.RFC3339Nano), msg, steps(got))
				}
				compared++
				if fx.afterRefresh != nil {
					fx.afterRefresh(t)
				}
				st := steps(got)
				if !shape.safe {
					if len(ran) != 1 || ran[0] != fullSQL[0] {
						t.Fatalf("shift %d: an unsafe shape ran %q, not the full query %q", i, ran, fullSQL[0])
					}
					if !hasStep(st, "unsafe: ") {
						t.Fatalf("shift %d: no unsafe decision among the steps %v", i, st)
					}
					continue
				}
				if !hasStep(st, "safe: ") {
					t.Fatalf("shift %d: no safe decision among the steps %v", i, st)
				}
				if hasStep(st, "queried ") {
					incremental++
					for _, s := range ran {
						if s == fullSQL[0] {
							t.Fatalf("shift %d: the incremental path ran the full query", i)
						}
					}
				} else if len(ran) != 1 || ran[0] != fullSQL[0] {
					t.Fatalf("shift %d: a full refresh (%v) ran %q, not the full query", i, st, ran)
				}
			}
			t.Logf("%s: %d ranges compared, %d answered incrementally; full query %s", fx.name, compared, incremental, timesSummary(fullTimes))
			if shape.safe && incremental < fx.shifts/2 {
				t.Fatalf("only %d of %d refreshes were incremental", incremental, fx.shifts)
			}
		})
	}
}

// timesSummary gives the first, median, last and slowest of ds.
func timesSummary(ds []time.Duration) string {
	if len(ds) == 0 {
		return "not run"
	}
	sorted := append([]time.Duration(nil), ds...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	r := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
	return fmt.Sprintf("first %v, median %v, last %v, max %v", r(ds[0]), r(sorted[len(sorted)/2]), r(ds[len(ds)-1]), r(sorted[len(sorted)-1]))
}

// nextRange moves the range: mostly forward by up to 4 minutes, sometimes
// not at all, backwards, beyond the previous range, or to another width.
func nextRange(rng *rand.Rand, from, to time.Time) (time.Time, time.Time) {
	ms := func(n int64) time.Duration { return time.Duration(rng.Int63n(n)) * time.Millisecond }
	switch p := rng.Intn(100); {
	case p < 78:
		d := ms(4 * 60000)
		return from.Add(d), to.Add(d)
	case p < 84:
		return from, to
	case p < 89:
		d := ms(5 * 60000)
		return from.Add(-d), to.Add(-d)
	case p < 93:
		d := diffWindow + ms(30*60000)
		return from.Add(d), to.Add(d)
	case p < 97:
		return from.Add(ms(10 * 60000)), to.Add(ms(60000)) // narrower: another width
	default:
		d := ms(120000)
		return from.Add(d), to.Add(d + ms(120000)) // wider
	}
}

func diffQuery(sql, format string, from, to time.Time) backend.DataQuery {
	js, _ := json.Marshal(map[string]any{"rawSql": sql, "format": format})
	return backend.DataQuery{RefID: "A", JSON: js, Interval: time.Minute, MaxDataPoints: 1000,
		TimeRange: backend.TimeRange{From: from, To: to}}
}

func diffAsk(t testing.TB, ds *Datasource, q backend.DataQuery) data.Frames {
	t.Helper()
	req := &backend.QueryDataRequest{PluginContext: backend.PluginContext{OrgID: 1,
		DataSourceInstanceSettings: &backend.DataSourceInstanceSettings{UID: "diff"}}, Queries: []backend.DataQuery{q}}
	resp, err := ds.QueryData(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	dr := resp.Responses[q.RefID]
	if dr.Error != nil {
		t.Fatalf("query failed: %v", dr.Error)
	}
	return dr.Frames
}

// sameFrames compares two answers value for value ("" when equal).
func sameFrames(a, b data.Frames) string {
	if len(a) != len(b) {
		return fmt.Sprintf("%d frames, want %d", len(b), len(a))
	}
	for fi := range a {
		fa, fb := a[fi], b[fi]
		if len(fa.Fields) != len(fb.Fields) {
			return fmt.Sprintf("frame %d: %d fields, want %d", fi, len(fb.Fields), len(fa.Fields))
		}
		for ci, xa := range fa.Fields {
			xb := fb.Fields[ci]
			if xa.Name != xb.Name || xa.Type() != xb.Type() || !reflect.DeepEqual(xa.Labels, xb.Labels) {
				return fmt.Sprintf("frame %d field %d: %s %s %v, want %s %s %v", fi, ci, xb.Name, xb.Type(), xb.Labels, xa.Name, xa.Type(), xa.Labels)
			}
			if xa.Len() != xb.Len() {
				return fmt.Sprintf("frame %d field %s: %d values, want %d", fi, xa.Name, xb.Len(), xa.Len())
			}
			for r := 0; r < xa.Len(); r++ {
				va, vb := xa.At(r), xb.At(r)
				if ta, ok := va.(*time.Time); ok && ta != nil {
					if tb, ok := vb.(*time.Time); ok && tb != nil && ta.Equal(*tb) {
						continue
					}
				}
				if ta, ok := va.(time.Time); ok {
					if tb, ok := vb.(time.Time); ok && ta.Equal(tb) {
						continue
					}
				}
				if !reflect.DeepEqual(va, vb) {
					return fmt.Sprintf("frame %d field %s row %d: %v, want %v", fi, xa.Name, r, deref(vb), deref(va))
				}
			}
		}
	}
	return ""
}

func deref(v any) any {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() {
		return rv.Elem().Interface()
	}
	return v
}

// steps are the plan steps of an answer's first frame, as "kind: detail".
func steps(fr data.Frames) []string {
	if len(fr) == 0 || fr[0].Meta == nil {
		return nil
	}
	c, ok := fr[0].Meta.Custom.(frames.Custom)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(c.Steps))
	for _, s := range c.Steps {
		out = append(out, s.Kind+": "+s.Detail)
	}
	return out
}

func hasStep(steps []string, prefix string) bool {
	for _, s := range steps {
		if strings.HasPrefix(s, "incremental: "+prefix) || strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}
