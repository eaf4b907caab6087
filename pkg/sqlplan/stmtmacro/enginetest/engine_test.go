package enginetest

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/sqlplan/stmtmacro"
)

const step = 300 // seconds: the requests' interval

func bucket(at time.Time) uint64 { return uint64(at.Unix()/step*step) * 1000 }

// agg is one (bucket, key) group of in-range rows.
type agg struct {
	t     uint64
	key   string
	count float64
	max   float64
}

// groups groups the in-range rows by bucket and key(row), sorted by order
// ("tk": bucket then key, "kt": key then bucket).
func groups(key func(row) string, order string) []agg {
	m := map[[2]string]*agg{}
	for _, r := range inRange() {
		k := key(r)
		id := [2]string{fmt.Sprint(bucket(r.at)), k}
		g := m[id]
		if g == nil {
			g = &agg{t: bucket(r.at), key: k}
			m[id] = g
		}
		g.count++
		g.max = math.Max(g.max, float64(r.requests))
	}
	out := make([]agg, 0, len(m))
	for _, g := range m {
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if order == "kt" && a.key != b.key {
			return a.key < b.key
		}
		if a.t != b.t {
			return a.t < b.t
		}
		return a.key < b.key
	})
	return out
}

func byOS(r row) string  { return r.os }
func byAll(r row) string { return "" }
func bySub(r row) string { return fmt.Sprintf("%s%d", r.os, r.typ) }

// running gives, for rows in order, runningDifference of v and of t/1000
// (0 on the first row) and whether the key changed from the previous row.
func running(gs []agg, v func(agg) float64) (d, dt []float64, changed []bool) {
	for i, g := range gs {
		if i == 0 {
			d, dt, changed = append(d, 0), append(dt, 0), append(changed, false)
			continue
		}
		p := gs[i-1]
		d = append(d, v(g)-v(p))
		dt = append(dt, float64(g.t)/1000-float64(p.t)/1000)
		changed = append(changed, g.key != p.key)
	}
	return
}

func maxOf(g agg) float64   { return g.max }
func countOf(g agg) float64 { return g.count }

// counterPoints computes a counter macro's values over gs (in the order the
// SQL sorts them) and keeps them as (t, key) points; keyed reports whether
// a key change resets the value.
func counterPoints(gs []agg, kind string, keyed bool, firstNaN bool) []point {
	d, dt, changed := running(gs, maxOf)
	var out []point
	for i, g := range gs {
		ch := keyed && changed[i]
		var v float64
		switch kind {
		case "PerSecond":
			if d[i] < 0 || ch {
				v = math.NaN()
			} else {
				v = d[i] / dt[i]
			}
		case "Delta":
			if ch {
				v = 0
			} else {
				v = d[i]
			}
		case "Increase":
			if d[i] < 0 || ch {
				v = 0
			} else {
				v = d[i]
			}
		case "IncreaseNaN":
			if d[i] < 0 || ch {
				v = math.NaN()
			} else {
				v = d[i]
			}
		}
		if firstNaN && (i == 0 || changed[i]) {
			v = math.NaN()
		}
		out = append(out, point{t: g.t, k: g.key, v: v})
	}
	return out
}

// sumByOS sums points keyed by sub (os+type) per (t, os).
func sumByOS(ps []point) []point {
	m := map[string]*point{}
	var keys []string
	for _, p := range ps {
		os := strings.TrimRight(p.k, "0123456789")
		id := fmt.Sprint(p.t, os)
		if m[id] == nil {
			m[id] = &point{t: p.t, k: os}
			keys = append(keys, id)
		}
		m[id].v += p.v
	}
	out := make([]point, 0, len(keys))
	for _, k := range keys {
		out = append(out, *m[k])
	}
	return out
}

func rateOverTime(gs []agg, v func(agg) float64) []point {
	_, dt, _ := running(gs, v)
	out := make([]point, len(gs))
	for i, g := range gs {
		out[i] = point{t: g.t, k: g.key, v: v(g) / dt[i]}
	}
	return out
}

func constant(gs []agg, v float64) []point {
	out := make([]point, len(gs))
	for i, g := range gs {
		out[i] = point{t: g.t, k: g.key, v: v}
	}
	return out
}

func firstOf(ps []point, n int) []point { sortPoints(ps); return ps[:n] }

// Result shapes: every checked query is wrapped to return (t, k, v).
const (
	arr    = "SELECT toUInt64(t), toString(p.1), toFloat64(p.2) FROM (%s) ARRAY JOIN groupArr AS p"
	long   = "SELECT toUInt64(toUInt32(t)) * 1000, toString(metric), toFloat64(%[2]s) FROM (%[1]s)"
	asIs   = "%s"
	oneCol = "SELECT toUInt64(t), '', toFloat64(%[2]s) FROM (%[1]s)"
)

type engineCase struct {
	name     string
	sql      string
	alt      func(*stmtmacro.Altinity)
	filters  []sqlplan.Filter
	maxRows  int64
	wrap     string
	col      string // the value column for oneCol/long/aggregated shapes
	want     func() []point
	wantWarn string
}

func cases() []engineCase {
	count := func(n float64) func() []point { return func() []point { return []point{{0, "", n}} } }
	perBucket := func(n float64) func() []point {
		return func() []point { return constant(groups(byAll, "tk"), n) }
	}
	ts := func(col, typ string) func(*stmtmacro.Altinity) {
		return func(a *stmtmacro.Altinity) { a.DateTimeColDataType, a.DateTimeType, a.DateColDataType = col, typ, "" }
	}
	return []engineCase{
		// Statement macros of the Altinity plugin.
		{name: "columns", sql: "$columns(OS, count() c) FROM $table", wrap: arr,
			want: func() []point { return constant(groups(byOS, "tk"), 10) }},
		{name: "columns-where-groupby-orderby", sql: "$columns(OS, count() c)\nFROM $table\nWHERE Type = 200\nGROUP BY t, OS\nORDER BY t, OS", wrap: arr,
			want: func() []point { return constant(groups(byOS, "tk"), 5) }},
		{name: "columnsMs", sql: "$columnsMs(OS, count() c) FROM $table", wrap: arr,
			want: func() []point { return constant(groups(byOS, "tk"), 10) }},
		{name: "rateColumns", sql: "$rateColumns(OS, count() c) FROM $table", wrap: arr,
			want: func() []point {
				gs := groups(byOS, "tk")
				_, dt, _ := running(groups(byAll, "tk"), countOf)
				out := constant(gs, 0)
				for i := range out {
					out[i].v = 10 / dt[i/3]
				}
				return out
			}},
		{name: "rate", sql: "$rate(count() c) FROM $table", wrap: oneCol, col: "cRate",
			want: func() []point { return rateOverTime(groups(byAll, "tk"), countOf) }},
		{name: "perSecond", sql: "$perSecond(Requests) FROM $table", wrap: oneCol, col: "max_0_PerSecond",
			want: func() []point { return counterPoints(groups(byAll, "tk"), "PerSecond", false, false) }},
		{name: "delta", sql: "$delta(Requests) FROM $table", wrap: oneCol, col: "max_0_Delta",
			want: func() []point { return counterPoints(groups(byAll, "tk"), "Delta", false, false) }},
		{name: "increase", sql: "$increase(Requests) FROM $table WHERE OS = 'win'", wrap: oneCol, col: "max_0_Increase",
			want: func() []point {
				gs := groups(byOS, "tk")
				var win []agg
				for _, g := range gs {
					if g.key == "win" {
						win = append(win, g)
					}
				}
				ps := counterPoints(win, "Increase", false, false)
				for i := range ps {
					ps[i].k = ""
				}
				return ps
			}},
		{name: "perSecondColumns", sql: "$perSecondColumns(OS, Requests) FROM $table", wrap: arr,
			want: func() []point { return counterPoints(groups(byOS, "kt"), "PerSecond", true, false) }},
		{name: "deltaColumns", sql: "$deltaColumns(OS AS os, Requests) FROM $table", wrap: arr,
			want: func() []point { return counterPoints(groups(byOS, "kt"), "Delta", true, false) }},
		{name: "increaseColumns", sql: "$increaseColumns(OS, Requests) FROM $table", wrap: arr,
			want: func() []point { return counterPoints(groups(byOS, "kt"), "Increase", true, false) }},
		{name: "perSecondColumnsAggregated", sql: "$perSecondColumnsAggregated(OS, concat(OS, toString(Type)) AS sub, sum, Requests AS r) FROM $table",
			wrap: "SELECT toUInt64(t), toString(OS), toFloat64(rPerSecondAgg) FROM (%s)",
			want: func() []point { return sumByOS(counterPoints(groups(bySub, "kt"), "PerSecond", true, false)) }},
		{name: "deltaColumnsAggregated", sql: "$deltaColumnsAggregated(OS, concat(OS, toString(Type)) AS sub, sum, Requests AS r) FROM $table",
			wrap: "SELECT toUInt64(t), toString(OS), toFloat64(rDeltaAgg) FROM (%s)",
			want: func() []point { return sumByOS(counterPoints(groups(bySub, "kt"), "Delta", true, false)) }},
		{name: "increaseColumnsAggregated", sql: "$increaseColumnsAggregated(OS, concat(OS, toString(Type)) AS sub, sum, Requests AS r) FROM $table",
			wrap: "SELECT toUInt64(t), toString(OS), toFloat64(rIncreaseAgg) FROM (%s)",
			want: func() []point { return sumByOS(counterPoints(groups(bySub, "kt"), "IncreaseNaN", true, false)) }},
		{name: "rateColumnsAggregated", sql: "$rateColumnsAggregated(OS, concat(OS, toString(Type)) AS sub, sum, count() c) FROM $table",
			wrap: "SELECT toUInt64(t), toString(OS), toFloat64(cRateAgg) FROM (%s)",
			want: func() []point { return sumByOS(rateOverTime(groups(bySub, "kt"), countOf)) }},
		// Ad hoc filters and the row cap apply to the expanded query.
		{name: "columns-adhoc-rowcap", sql: "$columns(OS, count() c) FROM $table", wrap: arr,
			filters: []sqlplan.Filter{{Key: "OS", Operator: "=", Value: "linux"}}, maxRows: 5,
			want: func() []point {
				var linux []agg
				for _, g := range groups(byOS, "tk") {
					if g.key == "linux" {
						linux = append(linux, g)
					}
				}
				return firstOf(constant(linux, 10), 6) // LIMIT maxRows+1
			}},
		// The official ClickHouse plugin's statement macros (18.16: running functions).
		{name: "official-columns", sql: "$__columns(EventTime, OS, count() AS c) FROM $table", wrap: long, col: "c",
			want: func() []point { return constant(groups(byOS, "tk"), 10) }},
		{name: "official-rateColumns", sql: "$__rateColumns(EventTime, OS, count() AS c) FROM $table", wrap: long, col: "c",
			want: func() []point {
				ps := constant(groups(byOS, "kt"), 10.0/step)
				for i := range ps {
					if ps[i].t == bucket(base) {
						ps[i].v = math.NaN()
					}
				}
				return ps
			}},
		{name: "official-perSecondColumns", sql: "$__perSecondColumns(EventTime, OS, Requests AS r) FROM $table WHERE Type = 500", wrap: long, col: "r",
			want: func() []point {
				return counterPoints(groupsWhere(func(r row) bool { return r.typ == 500 }), "PerSecond", true, true)
			}},
		{name: "official-increaseColumns", sql: "$__increaseColumns(EventTime, OS, Requests AS r) FROM $table", wrap: long, col: "r",
			want: func() []point { return counterPoints(groups(byOS, "kt"), "IncreaseNaN", true, true) }},
		// In-place macros.
		{name: "timeSeries-timeFilter", sql: "SELECT $timeSeries AS t, count() AS c FROM $table WHERE $timeFilter GROUP BY t ORDER BY t", wrap: oneCol, col: "c", want: perBucket(30)},
		{name: "timeSeriesMs-timeFilterMs", sql: "SELECT $timeSeriesMs AS t, count() AS c FROM $table WHERE $timeFilterMs GROUP BY t ORDER BY t", wrap: oneCol, col: "c", want: perBucket(30)},
		{name: "timestamp", sql: "SELECT $timeSeries AS t, count() AS c FROM $table WHERE $timeFilter GROUP BY t ORDER BY t", alt: ts("ts", "TIMESTAMP"), wrap: oneCol, col: "c", want: perBucket(30)},
		{name: "timestamp64_3", sql: "SELECT $timeSeries AS t, count() AS c FROM $table WHERE $timeFilter GROUP BY t ORDER BY t", alt: ts("ts_ms", "TIMESTAMP64_3"), wrap: oneCol, col: "c", want: perBucket(30)},
		{name: "timestamp64_3-ms", sql: "SELECT $timeSeriesMs AS t, count() AS c FROM $table WHERE $timeFilterMs GROUP BY t ORDER BY t", alt: ts("ts_ms", "TIMESTAMP64_3"), wrap: oneCol, col: "c", want: perBucket(30)},
		{name: "float", sql: "SELECT $timeSeries AS t, count() AS c FROM $table WHERE $timeFilter GROUP BY t ORDER BY t", alt: ts("tsf", "FLOAT"), wrap: oneCol, col: "c", want: perBucket(30)},
		{name: "naturalTimeSeries", sql: "SELECT $naturalTimeSeries AS t, count() AS c FROM $table WHERE $timeFilter GROUP BY t ORDER BY t", wrap: oneCol, col: "c",
			want: func() []point {
				var out []point
				for i := 0; i < 60; i++ {
					out = append(out, point{t: uint64(base.Add(time.Duration(i)*time.Minute).Unix()) * 1000, v: 6})
				}
				return out
			}},
		{name: "timeFilterByColumn", sql: "SELECT toUInt64(0), '', toFloat64(count()) FROM $table WHERE $timeFilterByColumn(EventTime)", wrap: asIs, want: count(360)},
		{name: "timeFilterByColumn-round", sql: "SELECT toUInt64(0), '', toFloat64(count()) FROM $table WHERE $timeFilterByColumn(EventTime)", wrap: asIs,
			alt: func(a *stmtmacro.Altinity) { a.Round = "1m" }, want: count(64 * 6)},
		{name: "timeFilter64ByColumn", sql: "SELECT toUInt64(0), '', toFloat64(count()) FROM $table WHERE $timeFilter64ByColumn(EventTime)", wrap: asIs, want: count(360)},
		{name: "from-to-interval", sql: "SELECT toUInt64($from), toString($to), toFloat64($interval)", wrap: asIs,
			want: func() []point { return []point{{uint64(base.Unix()), fmt.Sprint(base.Add(time.Hour).Unix()), step}} }},
		{name: "dateCol-dateTimeCol", sql: "SELECT toUInt64(0), '', toFloat64(count()) FROM $table WHERE $dateCol = toDate($from) AND $dateTimeCol >= toDateTime($from) AND $dateTimeCol < toDateTime($to)", wrap: asIs, want: count(360)},
		{name: "unescape", sql: "SELECT toUInt64(0), '', toFloat64(count()) FROM $table WHERE $timeFilter AND $unescape('Type') = 200", wrap: asIs, want: count(180)},
		{name: "adhoc", sql: "SELECT toUInt64(0), '', toFloat64(count()) FROM $table WHERE $timeFilter AND $adhoc", wrap: asIs,
			filters: []sqlplan.Filter{{Key: "OS", Operator: "=", Value: "mac"}}, want: count(120)},
		{name: "adhoc-none", sql: "SELECT toUInt64(0), '', toFloat64(count()) FROM $table WHERE $timeFilter AND $adhoc", wrap: asIs, want: count(360)},
		{name: "conditionalTest-kept", sql: "SELECT toUInt64(0), '', toFloat64(count()) FROM $table WHERE $timeFilter $conditionalTest(AND OS IN ('win'), 'win')", wrap: asIs, want: count(120)},
		{name: "conditionalTest-all", sql: "SELECT toUInt64(0), '', toFloat64(count()) FROM $table WHERE $timeFilter $conditionalTest(AND OS IN ($__all), $__all)", wrap: asIs, want: count(360)},
		{name: "conditionalTest-novalue", sql: "SELECT toUInt64(0), '', toFloat64(count()) FROM $table WHERE $timeFilter $conditionalTest(AND OS IN ($os), $os)", wrap: asIs, want: count(360), wantWarn: "unreplaced_variable"},
		// The 3.4 form: (SQL if the variable has a value, SQL otherwise, $variable).
		{name: "conditionalTest3-kept", sql: "SELECT toUInt64(0), '', toFloat64(count()) FROM $table WHERE $timeFilter $conditionalTest(AND OS IN ('win'), AND OS = 'mac', 'win')", wrap: asIs, want: count(120)},
		{name: "conditionalTest3-all", sql: "SELECT toUInt64(0), '', toFloat64(count()) FROM $table WHERE $timeFilter $conditionalTest(AND OS IN ($__all), AND OS != 'mac', $__all)", wrap: asIs, want: count(240)},
		{name: "conditionalTest3-novalue", sql: "SELECT toUInt64(0), '', toFloat64(count()) FROM $table WHERE $timeFilter $conditionalTest(AND OS IN ($os), AND OS = 'mac', $os)", wrap: asIs, want: count(120), wantWarn: "unreplaced_variable"},
	}
}

func groupsWhere(keep func(row) bool) []agg {
	m := map[[2]string]*agg{}
	for _, r := range inRange() {
		if !keep(r) {
			continue
		}
		id := [2]string{fmt.Sprint(bucket(r.at)), r.os}
		if m[id] == nil {
			m[id] = &agg{t: bucket(r.at), key: r.os}
		}
		m[id].count++
		m[id].max = math.Max(m[id].max, float64(r.requests))
	}
	var out []agg
	for _, g := range m {
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].key != out[j].key {
			return out[i].key < out[j].key
		}
		return out[i].t < out[j].t
	})
	return out
}

func request(c engineCase) sqlplan.Request {
	req := sqlplan.Request{
		Dialect: sqlplan.ClickHouse, ServerVersion: "18.16.1", RawSQL: c.sql, Format: sqlplan.FormatTimeSeries,
		TimeRange:  sqlplan.TimeRange{From: base, To: base.Add(time.Hour)},
		IntervalMs: step * 1000, MaxDataPoints: 1000, Timezone: "UTC", Filters: c.filters, MaxRows: c.maxRows,
	}
	req.Altinity = stmtmacro.Altinity{Database: "quarry_altinity", Table: "requests",
		DateTimeColDataType: "EventTime", DateColDataType: "EventDate"}
	if c.alt != nil {
		c.alt(&req.Altinity)
	}
	return req
}

// TestClickHouse plans every case, runs it on ClickHouse 18.16 and compares
// the rows with the values computed from the fixture.
func TestClickHouse(t *testing.T) {
	conn := connect(t)
	for _, c := range cases() {
		t.Run(c.name, func(t *testing.T) {
			want := c.want()
			plan, err := sqlplan.Build(context.Background(), request(c))
			if err != nil {
				t.Fatalf("plan: %v", err)
			}
			if c.wantWarn != "" && !hasWarning(plan, c.wantWarn) {
				t.Errorf("no %s warning: %+v", c.wantWarn, plan.Warnings)
			}
			q := plan.SQL
			if c.col != "" {
				q = fmt.Sprintf(c.wrap, q, c.col)
			} else {
				q = fmt.Sprintf(c.wrap, q)
			}
			comparePoints(t, query(t, conn, q), want)
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
