// Package enginetest is the differential test of package macros: each
// macro's expansion runs over the sample data on the real engines
// (PostgreSQL 15, ClickHouse 18.16.1, the BigQuery emulator, DuckDB) and must
// return the same rows as a hand-written equivalent query.
package enginetest

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	_ "github.com/duckdb/duckdb-go/v2"
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/shopspring/decimal"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"

	"github.com/bigtent/quarry/pkg/sqlplan/dialect"
	"github.com/bigtent/quarry/pkg/sqlplan/lexer"
	"github.com/bigtent/quarry/pkg/sqlplan/macros"
	"github.com/bigtent/quarry/pkg/testenv"
)

// runner runs a query and returns its rows normalised to strings.
type runner func(ctx context.Context, query string) ([]string, error)

// kinds tells the column kinds of the sample tables; "r.ts" stays unknown
// so the untyped (Grafana-compatible) path is exercised too.
func kinds(d dialect.Name) macros.TypeResolver {
	wall := dialect.Wall
	if d == dialect.ClickHouse {
		wall = dialect.Instant // ClickHouse DateTime
	}
	m := map[string]dialect.TimeKind{
		"ts": dialect.Instant, "event_date": dialect.Date, "event_time": wall,
		"event_ms": dialect.EpochMillis, "event_s": dialect.EpochSeconds,
	}
	return func(expr string, _ int) (dialect.TimeKind, bool) {
		k, ok := m[expr]
		return k, ok
	}
}

// diffCase is one macro query and its hand-written equivalent per dialect.
// {T} is the http_requests table, {E} the events table, {time} the quoted
// identifier time. A missing dialect key means the case does not apply.
type diffCase struct {
	name     string
	tz       string
	from, to string
	interval int64
	query    string
	want     map[dialect.Name]string
	// wantCH18 replaces want[ClickHouse] on ClickHouse before 19.3.
	wantCH18 string
	// wantModern replaces want[ClickHouse] on servers with
	// toStartOfInterval (20.1+, DateTime64: sub-second parts kept).
	wantModern string
	// empty: the case is expected to match no rows.
	empty bool
}

const (
	day2From = "2024-01-10T00:00:00Z"
	day2To   = "2024-01-12T06:30:00Z"
	monFrom  = "2024-01-01T00:00:00Z"
	monTo    = "2024-01-31T00:00:00Z"
)

func cases() []diffCase {
	pg, ch, bq, dk := dialect.Postgres, dialect.ClickHouse, dialect.BigQuery, dialect.DuckDB
	all := func(pgSQL, chSQL, bqSQL, dkSQL string) map[dialect.Name]string {
		return map[dialect.Name]string{pg: pgSQL, ch: chSQL, bq: bqSQL, dk: dkSQL}
	}
	rangeTS := all(
		"ts >= TIMESTAMPTZ '2024-01-10 00:00:00+00' AND ts <= TIMESTAMPTZ '2024-01-12 06:30:00+00'",
		"ts >= toDateTime('2024-01-10 00:00:00', 'UTC') AND ts <= toDateTime('2024-01-12 06:30:00', 'UTC')",
		"ts >= TIMESTAMP '2024-01-10 00:00:00+00' AND ts <= TIMESTAMP '2024-01-12 06:30:00+00'",
		"ts >= TIMESTAMPTZ '2024-01-10 00:00:00+00' AND ts <= TIMESTAMPTZ '2024-01-12 06:30:00+00'")
	countWhere := func(table string, where map[dialect.Name]string) map[dialect.Name]string {
		out := map[dialect.Name]string{}
		for d, w := range where {
			out[d] = "SELECT count(*) FROM " + table + " WHERE " + w
		}
		return out
	}
	groupBy := func(table string, bucket map[dialect.Name]string, where map[dialect.Name]string) map[dialect.Name]string {
		out := map[dialect.Name]string{}
		for d, b := range bucket {
			w := "1 = 1"
			if where != nil {
				w = where[d]
			}
			out[d] = "SELECT " + b + " AS b, count(*) AS n FROM " + table + " WHERE " + w + " GROUP BY b"
		}
		return out
	}
	evRange := all(
		"event_time >= TIMESTAMP '2024-01-10 00:00:00' AND event_time <= TIMESTAMP '2024-01-12 06:30:00'",
		"event_time >= toDateTime('2024-01-10 00:00:00', 'UTC') AND event_time <= toDateTime('2024-01-12 06:30:00', 'UTC')",
		"event_time >= DATETIME '2024-01-10 00:00:00' AND event_time <= DATETIME '2024-01-12 06:30:00'",
		"event_time >= TIMESTAMP '2024-01-10 00:00:00' AND event_time <= TIMESTAMP '2024-01-12 06:30:00'")
	return []diffCase{
		{name: "timeFilter instant", query: "SELECT count(*) FROM {T} WHERE $__timeFilter(ts)", want: countWhere("{T}", rangeTS)},
		{name: "timeFilter unknown type", query: "SELECT count(*) FROM {T} r WHERE $__timeFilter(r.ts)", want: countWhere("{T}", rangeTS)},
		{name: "timeFrom and timeTo comparisons", query: "SELECT count(*) FROM {T} WHERE $__timeFrom(ts) AND $__timeTo(ts)", want: countWhere("{T}", rangeTS)},
		{name: "timeFilter wall/DateTime", query: "SELECT count(*) FROM {E} WHERE $__timeFilter(event_time)", want: countWhere("{E}", evRange)},
		{name: "timeFilter epoch ms", query: "SELECT count(*) FROM {E} WHERE $__timeFilter(event_ms)", want: countWhere("{E}", all(
			"event_ms >= 1704844800000 AND event_ms <= 1705041000000", "event_ms >= 1704844800000 AND event_ms <= 1705041000000",
			"event_ms >= 1704844800000 AND event_ms <= 1705041000000", "event_ms >= 1704844800000 AND event_ms <= 1705041000000"))},
		{name: "unixEpochFilter", query: "SELECT count(*) FROM {E} WHERE $__unixEpochFilter(event_s)", want: countWhere("{E}", evRange)},
		{name: "timeFilter epoch s", query: "SELECT count(*) FROM {E} WHERE $__timeFilter(event_s)", want: countWhere("{E}", evRange)},
		{name: "dateFilter Berlin", tz: "Europe/Berlin", from: "2024-01-09T23:30:00Z", to: "2024-01-12T06:30:00Z",
			query: "SELECT count(*) FROM {E} WHERE $__dateFilter(event_date)", want: countWhere("{E}", all(
				"event_date >= DATE '2024-01-10' AND event_date <= DATE '2024-01-12'", "event_date >= toDate('2024-01-10') AND event_date <= toDate('2024-01-12')",
				"event_date >= DATE '2024-01-10' AND event_date <= DATE '2024-01-12'", "event_date >= DATE '2024-01-10' AND event_date <= DATE '2024-01-12'"))},
		{name: "dateTimeFilter", query: "SELECT count(*) FROM {E} WHERE $__dateTimeFilter(event_date, event_time)", want: countWhere("{E}", evRange)},
		{name: "timeGroup 1h UTC", query: "SELECT $__timeGroup(ts, 1h) AS b, count(*) AS n FROM {T} WHERE $__timeFilter(ts) GROUP BY b",
			want: groupBy("{T}", all("date_trunc('hour', ts AT TIME ZONE 'UTC')", "toStartOfHour(ts)", "TIMESTAMP_TRUNC(ts, HOUR)", "time_bucket(INTERVAL '1 hour', ts)"), rangeTS)},
		{name: "timeGroup 5m unknown type", query: "SELECT $__timeGroup(r.ts, '5m') AS b, count(*) AS n FROM {T} r WHERE $__timeFilter(r.ts) GROUP BY b",
			want: groupBy("{T}", all("to_timestamp(floor(extract(epoch from ts) / 300) * 300)", "toStartOfFiveMinute(ts)", "TIMESTAMP_SECONDS(DIV(UNIX_SECONDS(ts), 300) * 300)", "time_bucket(INTERVAL '5 minutes', ts)"), rangeTS)},
		{name: "timeGroup 90m (not a divisor of a day)", query: "SELECT $__timeGroup(ts, 90m) AS b, count(*) AS n FROM {T} WHERE $__timeFilter(ts) GROUP BY b",
			want: groupBy("{T}", all("to_timestamp(floor(extract(epoch from ts) / 5400) * 5400)", "toDateTime(intDiv(toUInt32(ts), 5400) * 5400)", "TIMESTAMP_SECONDS(DIV(UNIX_SECONDS(ts), 5400) * 5400)", "to_timestamp(floor(epoch(ts) / 5400) * 5400)"), rangeTS)},
		{name: "timeGroupAlias 1d Berlin", tz: "Europe/Berlin", from: monFrom, to: monTo,
			query: "SELECT $__timeGroupAlias(ts, 1d), count(*) AS n FROM {T} GROUP BY {time}",
			want:  groupBy("{T}", all("date_trunc('day', ts, 'Europe/Berlin')", "toStartOfDay(ts, 'Europe/Berlin')", "TIMESTAMP_TRUNC(ts, DAY, 'Europe/Berlin')", "timezone('Europe/Berlin', date_trunc('day', timezone('Europe/Berlin', ts)))"), nil)},
		{name: "timeGroup 1d Berlin unknown type", tz: "Europe/Berlin", from: monFrom, to: monTo,
			query: "SELECT $__timeGroup(r.ts, 1d) AS b, count(*) AS n FROM {T} r GROUP BY b",
			want:  groupBy("{T}", all("date_trunc('day', ts, 'Europe/Berlin')", "toStartOfDay(ts, 'Europe/Berlin')", "TIMESTAMP_TRUNC(ts, DAY, 'Europe/Berlin')", "timezone('Europe/Berlin', date_trunc('day', timezone('Europe/Berlin', ts)))"), nil)},
		{name: "timeGroup 1w Berlin", tz: "Europe/Berlin", from: monFrom, to: monTo,
			query: "SELECT $__timeGroup(ts, 1w) AS b, count(*) AS n FROM {T} GROUP BY b",
			want:  groupBy("{T}", all("date_trunc('week', ts, 'Europe/Berlin')", "toDateTime(toMonday(ts, 'Europe/Berlin'), 'Europe/Berlin')", "TIMESTAMP_TRUNC(ts, ISOWEEK, 'Europe/Berlin')", "timezone('Europe/Berlin', date_trunc('week', timezone('Europe/Berlin', ts)))"), nil)},
		{name: "timeGroup 1M New York", tz: "America/New_York", from: monFrom, to: monTo,
			query: "SELECT $__timeGroup(ts, '1M') AS b, count(*) AS n FROM {T} GROUP BY b",
			want:  groupBy("{T}", all("date_trunc('month', ts, 'America/New_York')", "toDateTime(toStartOfMonth(ts, 'America/New_York'), 'America/New_York')", "TIMESTAMP_TRUNC(ts, MONTH, 'America/New_York')", "timezone('America/New_York', date_trunc('month', timezone('America/New_York', ts)))"), nil)},
		{name: "timeGroup 2d Tokyo", tz: "Asia/Tokyo", from: monFrom, to: monTo,
			query: "SELECT $__timeGroup(ts, 2d) AS b, count(*) AS n FROM {T} GROUP BY b",
			want: groupBy("{T}", all(
				"(date_trunc('day', ts, 'Asia/Tokyo') - make_interval(days => (extract(epoch from date_trunc('day', ts AT TIME ZONE 'Asia/Tokyo'))::bigint / 86400 % 2)::int))",
				"toDateTime(toDate(ts, 'Asia/Tokyo') - (toRelativeDayNum(toDate(ts, 'Asia/Tokyo')) - toRelativeDayNum(toDate('1970-01-01'))) % 2, 'Asia/Tokyo')",
				"TIMESTAMP_SUB(TIMESTAMP_TRUNC(ts, DAY, 'Asia/Tokyo'), INTERVAL MOD(UNIX_DATE(DATE(ts, 'Asia/Tokyo')), 2) * 24 HOUR)",
				"timezone('Asia/Tokyo', time_bucket(INTERVAL '2 days', timezone('Asia/Tokyo', ts), TIMESTAMP '1970-01-01 00:00:00'))"), nil)},
		{name: "timeGroup epoch ms 1h", query: "SELECT $__timeGroup(event_ms, 1h) AS b, count(*) AS n FROM {E} GROUP BY b",
			want: groupBy("{E}", all("date_trunc('hour', event_time)", "toStartOfHour(event_time)", "TIMESTAMP_TRUNC(TIMESTAMP(event_time), HOUR)", "date_trunc('hour', event_time)"), nil)},
		{name: "timeGroup epoch ms 500ms (whole seconds on ClickHouse 18)",
			wantCH18: "SELECT toDateTime(intDiv(event_ms, 1000)) AS b, count(*) AS n FROM {E} WHERE event_ms >= 1704844800000 AND event_ms <= 1705041000000 GROUP BY b",
			query:    "SELECT $__timeGroup(event_ms, 500ms) AS b, count(*) AS n FROM {E} WHERE $__timeFilter(event_ms) GROUP BY b",
			want: groupBy("{E}", all("to_timestamp(floor(event_ms / 500) * 0.5)", "fromUnixTimestamp64Milli(toInt64(intDiv(event_ms, 500) * 500))", "TIMESTAMP_MILLIS(DIV(event_ms, 500) * 500)", "make_timestamptz((event_ms // 500) * 500000)"),
				all("event_ms BETWEEN 1704844800000 AND 1705041000000", "event_ms >= 1704844800000 AND event_ms <= 1705041000000", "event_ms >= 1704844800000 AND event_ms <= 1705041000000", "event_ms BETWEEN 1704844800000 AND 1705041000000"))},
		{name: "timeGroup date 1w Berlin", tz: "Europe/Berlin", from: monFrom, to: monTo,
			query: "SELECT $__timeGroup(event_date, 1w) AS b, count(*) AS n FROM {E} GROUP BY b",
			want:  groupBy("{E}", all("date_trunc('week', event_date::timestamp) AT TIME ZONE 'Europe/Berlin'", "toDateTime(toMonday(event_date), 'Europe/Berlin')", "TIMESTAMP(DATE_TRUNC(event_date, ISOWEEK), 'Europe/Berlin')", "timezone('Europe/Berlin', date_trunc('week', event_date::timestamp))"), nil)},
		{name: "timeGroup wall 1d Berlin", tz: "Europe/Berlin", from: monFrom, to: monTo,
			query: "SELECT $__timeGroup(event_time, 1d) AS b, count(*) AS n FROM {E} GROUP BY b",
			want:  groupBy("{E}", all("date_trunc('day', event_time AT TIME ZONE 'UTC', 'Europe/Berlin')", "toStartOfDay(event_time, 'Europe/Berlin')", "TIMESTAMP_TRUNC(TIMESTAMP(event_time), DAY, 'Europe/Berlin')", "timezone('Europe/Berlin', date_trunc('day', timezone('Europe/Berlin', timezone('UTC', event_time))))"), nil)},
		{name: "unixEpochGroup 1h", query: "SELECT $__unixEpochGroupAlias(event_s, 1h), count(*) AS n FROM {E} GROUP BY {time}",
			want: groupBy("{E}", all("extract(epoch from date_trunc('hour', event_time))", "toUInt32(toStartOfHour(event_time))", "UNIX_SECONDS(TIMESTAMP_TRUNC(TIMESTAMP(event_time), HOUR))", "epoch(date_trunc('hour', event_time))"), nil)},
		{name: "time on epoch ms", wantModern: "SELECT count(), min(fromUnixTimestamp64Milli(event_ms, 'UTC')), max(fromUnixTimestamp64Milli(event_ms, 'UTC')) FROM {E} WHERE event_ms >= 1704844800000 AND event_ms <= 1705041000000",
			query: "SELECT count(*), min({time}), max({time}) FROM (SELECT $__time(event_ms) FROM {E} WHERE $__timeFilter(event_ms)) q",
			want: all("SELECT count(*), min(to_timestamp(event_ms / 1000.0)), max(to_timestamp(event_ms / 1000.0)) FROM {E} WHERE event_ms BETWEEN 1704844800000 AND 1705041000000",
				"SELECT count(), min(toDateTime(intDiv(event_ms, 1000))), max(toDateTime(intDiv(event_ms, 1000))) FROM {E} WHERE event_ms >= 1704844800000 AND event_ms <= 1705041000000",
				"SELECT count(*), min(TIMESTAMP_MILLIS(event_ms)), max(TIMESTAMP_MILLIS(event_ms)) FROM {E} WHERE event_ms >= 1704844800000 AND event_ms <= 1705041000000",
				"SELECT count(*), min(epoch_ms(event_ms)), max(epoch_ms(event_ms)) FROM {E} WHERE event_ms BETWEEN 1704844800000 AND 1705041000000")},
		{name: "timeEpoch instant", query: "SELECT count(*), sum({time}) FROM (SELECT $__timeEpoch(ts) FROM {T} WHERE $__timeFilter(ts)) q",
			want: all("SELECT count(*), sum(extract(epoch from ts)) FROM {T} WHERE ts >= TIMESTAMPTZ '2024-01-10 00:00:00+00' AND ts <= TIMESTAMPTZ '2024-01-12 06:30:00+00'",
				"SELECT count(), sum(toUInt32(ts)) FROM {T} WHERE ts >= toDateTime('2024-01-10 00:00:00', 'UTC') AND ts <= toDateTime('2024-01-12 06:30:00', 'UTC')",
				"SELECT count(*), sum(UNIX_SECONDS(ts)) FROM {T} WHERE ts >= TIMESTAMP '2024-01-10 00:00:00+00' AND ts <= TIMESTAMP '2024-01-12 06:30:00+00'",
				"SELECT count(*), sum(epoch(ts)) FROM {T} WHERE ts >= TIMESTAMPTZ '2024-01-10 00:00:00+00' AND ts <= TIMESTAMPTZ '2024-01-12 06:30:00+00'")},
		{name: "timeInterval (ClickHouse plugin)", interval: 120000, query: "SELECT $__timeInterval(ts) AS b, count(*) AS n FROM {T} WHERE $__timeFilter(ts) GROUP BY b",
			want: groupBy("{T}", all("to_timestamp(floor(extract(epoch from ts) / 120) * 120)", "toDateTime(intDiv(toUInt32(ts), 120) * 120)", "TIMESTAMP_SECONDS(DIV(UNIX_SECONDS(ts), 120) * 120)", "time_bucket(INTERVAL '2 minutes', ts)"), rangeTS)},
		{name: "fromTime and toTime", query: "SELECT count(*) FROM {T} WHERE ts >= $__fromTime AND ts <= $__toTime", want: countWhere("{T}", rangeTS)},
		{name: "conditionalAll with all", query: "SELECT count(*) FROM {T} WHERE $__conditionalAll(host = 'nope', $__all) AND $__timeFilter(ts)", want: countWhere("{T}", rangeTS)},
		{name: "conditionalAll with a value", empty: true, query: "SELECT count(*) FROM {T} WHERE $__conditionalAll(host = 'nope', 'nope') AND $__timeFilter(ts)", want: countWhere("{T}", map[dialect.Name]string{pg: "1 = 0", ch: "1 = 0", bq: "1 = 0", dk: "1 = 0"})},
		{name: "from and to globals", query: "SELECT count(*) FROM {E} WHERE event_ms >= $__from AND event_ms <= ${__to}", want: countWhere("{E}", all(
			"event_ms >= 1704844800000 AND event_ms <= 1705041000000", "event_ms >= 1704844800000 AND event_ms <= 1705041000000",
			"event_ms >= 1704844800000 AND event_ms <= 1705041000000", "event_ms >= 1704844800000 AND event_ms <= 1705041000000"))},
	}
}

// variant is one engine under test.
type variant struct {
	d       dialect.Name
	version string
	T, E    string // table names
	run     runner
	// shift moves the short (two-day) ranges and the matching literals of
	// the hand-written queries: the emulator's http_requests holds only the
	// last two days of the sample.
	shift time.Duration
}

// shiftLiterals moves the literals of the two-day range in a hand-written
// query by d.
func shiftLiterals(q string, d time.Duration) string {
	if d == 0 {
		return q
	}
	var pairs []string
	for _, ts := range []string{"2024-01-10T00:00:00Z", "2024-01-12T06:30:00Z"} {
		t, _ := time.Parse(time.RFC3339, ts)
		u := t.Add(d)
		pairs = append(pairs,
			t.Format("2006-01-02 15:04:05"), u.Format("2006-01-02 15:04:05"),
			strconv.FormatInt(t.UnixMilli(), 10), strconv.FormatInt(u.UnixMilli(), 10))
	}
	for _, day := range []string{"2024-01-10", "2024-01-12"} {
		t, _ := time.Parse("2006-01-02", day)
		pairs = append(pairs, "'"+day+"'", "'"+t.Add(d).Format("2006-01-02")+"'")
	}
	return strings.NewReplacer(pairs...).Replace(q)
}

func expand(t *testing.T, v variant, c diffCase) (string, error) {
	t.Helper()
	from, to := c.from, c.to
	if from == "" {
		from, to = day2From, day2To
	}
	f, _ := time.Parse(time.RFC3339, from)
	tt, _ := time.Parse(time.RFC3339, to)
	if from != monFrom {
		f, tt = f.Add(v.shift), tt.Add(v.shift)
	}
	iv := c.interval
	if iv == 0 {
		iv = 60000
	}
	env, err := macros.NewEnv(macros.Config{Dialect: v.d, ServerVersion: v.version, From: f, To: tt, IntervalMs: iv, Timezone: c.tz, Resolve: kinds(v.d)})
	if err != nil {
		return "", err
	}
	src := fill(c.query, v)
	toks, err := lexer.Lex(src, v.d)
	if err != nil {
		return "", err
	}
	res, err := macros.ExpandAll(src, toks, env)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	last := 0
	for _, e := range res.Edits {
		b.WriteString(src[last:e.Start])
		b.WriteString(e.Text)
		if e.AdHoc {
			b.WriteString("1 = 1")
		}
		last = e.End
	}
	b.WriteString(src[last:])
	return b.String(), nil
}

func fill(q string, v variant) string {
	timeID := dialect.MustNew(v.d, "").QuoteIdent("time")
	return strings.NewReplacer("{T}", v.T, "{E}", v.E, "{time}", timeID).Replace(q)
}

func runDiff(t *testing.T, v variant) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	ch18 := v.d == dialect.ClickHouse && !dialect.MustNew(v.d, v.version).Has(dialect.ToStartOfInterval)
	for _, c := range cases() {
		want, ok := c.want[v.d]
		if !ok {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			got, err := expand(t, v, c)
			if ch18 && c.wantCH18 != "" {
				want = c.wantCH18
			}
			if v.d == dialect.ClickHouse && !ch18 && c.wantModern != "" {
				want = c.wantModern
			}
			if err != nil {
				t.Fatalf("expand: %v", err)
			}
			if c.from != monFrom {
				want = shiftLiterals(want, v.shift)
			}
			wantSQL := fill(want, v)
			// DuckDB's ICU calendar functions can be slow on the whole
			// sample; the hand-written queries avoid them. Each query
			// gets its own deadline so one slow query fails alone.
			ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
			defer cancel()
			gotRows, err := v.run(ctx, got)
			if err != nil {
				t.Fatalf("macro query failed: %v\n%s", err, got)
			}
			wantRows, err := v.run(ctx, wantSQL)
			if err != nil {
				t.Fatalf("hand-written query failed: %v\n%s", err, wantSQL)
			}
			if !c.empty && (len(gotRows) == 0 || len(gotRows) == 1 && strings.HasPrefix(gotRows[0], "0")) {
				t.Errorf("macro query returned no data; the case proves nothing\n%s", got)
			}
			if !reflect.DeepEqual(gotRows, wantRows) {
				t.Errorf("rows differ\nmacro SQL: %s\nwant SQL:  %s\ngot  %d rows: %s\nwant %d rows: %s", got, wantSQL, len(gotRows), head(gotRows), len(wantRows), head(wantRows))
			}
		})
	}
}

func head(rows []string) string {
	if len(rows) > 6 {
		return strings.Join(rows[:6], " | ") + " | ..."
	}
	return strings.Join(rows, " | ")
}

// norm renders a value so that equal instants and equal numbers compare
// equal whatever their SQL type: times become epoch seconds.
func norm(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case time.Time:
		return numText(float64(x.UnixNano()) / 1e9)
	case *time.Time:
		if x == nil {
			return "NULL"
		}
		return norm(*x)
	case []byte:
		return norm(string(x))
	case string:
		if f, err := strconv.ParseFloat(x, 64); err == nil {
			return numText(f)
		}
		return x
	case decimal.Decimal:
		f, _ := x.Float64()
		return numText(f)
	case *big.Rat:
		f, _ := x.Float64()
		return numText(f)
	case fmt.Stringer:
		return norm(x.String())
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return numText(float64(rv.Int()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return numText(float64(rv.Uint()))
	case reflect.Float32, reflect.Float64:
		return numText(rv.Float())
	case reflect.Pointer:
		if rv.IsNil() {
			return "NULL"
		}
		return norm(rv.Elem().Interface())
	}
	return fmt.Sprint(v)
}

func numText(f float64) string {
	// Round to milliseconds: float sums and epoch conversions differ below that.
	r := math.Round(f*1000) / 1000
	return strconv.FormatFloat(r, 'f', -1, 64)
}

func sqlRunner(db *sql.DB) runner {
	return func(ctx context.Context, q string) ([]string, error) {
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			return nil, err
		}
		var out []string
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				return nil, err
			}
			out = append(out, rowText(vals))
		}
		sort.Strings(out)
		return out, rows.Err()
	}
}

func rowText(vals []any) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = norm(v)
	}
	return strings.Join(parts, ",")
}

func TestPostgres(t *testing.T) {
	info := testenv.Postgres(t)
	db, err := sql.Open("pgx", info.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	runDiff(t, variant{d: dialect.Postgres, version: "15", T: "sample.http_requests", E: "sample.events", run: sqlRunner(db)})
	quoteRoundTrip(t, dialect.Postgres, sqlRunner(db))
}

func TestDuckDB(t *testing.T) {
	info := testenv.DuckDB(t)
	db, err := sql.Open("duckdb", info.Path+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	runDiff(t, variant{d: dialect.DuckDB, T: "sample.http_requests", E: "sample.events", run: sqlRunner(db)})
	quoteRoundTrip(t, dialect.DuckDB, sqlRunner(db))
}

func TestClickHouse(t *testing.T) {
	info := testenv.ClickHouse(t)
	conn, err := clickhouse.Open(&clickhouse.Options{
		Addr: []string{info.Addr},
		Auth: clickhouse.Auth{Database: info.Database, Username: info.User},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	run := func(ctx context.Context, q string) ([]string, error) {
		rows, err := conn.Query(ctx, q)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		return scanCH(rows)
	}
	runDiff(t, variant{d: dialect.ClickHouse, version: info.Version, T: info.Database + ".http_requests", E: info.Database + ".events", run: run})
	quoteRoundTrip(t, dialect.ClickHouse, run)
}

func scanCH(rows driver.Rows) ([]string, error) {
	types := rows.ColumnTypes()
	var out []string
	for rows.Next() {
		ptrs := make([]any, len(types))
		for i, ct := range types {
			ptrs[i] = reflect.New(ct.ScanType()).Interface()
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		vals := make([]any, len(ptrs))
		for i, p := range ptrs {
			vals[i] = reflect.ValueOf(p).Elem().Interface()
		}
		out = append(out, rowText(vals))
	}
	sort.Strings(out)
	return out, rows.Err()
}

func TestBigQuery(t *testing.T) {
	info := testenv.BigQuery(t)
	ctx := context.Background()
	client, err := bigquery.NewClient(ctx, info.Project, option.WithEndpoint(info.Endpoint), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	run := func(ctx context.Context, q string) ([]string, error) {
		it, err := client.Query(q).Read(ctx)
		if err != nil {
			return nil, err
		}
		var out []string
		for {
			var row []bigquery.Value
			err := it.Next(&row)
			if err == iterator.Done {
				break
			}
			if err != nil {
				return nil, err
			}
			vals := make([]any, len(row))
			for i, v := range row {
				vals[i] = v
			}
			out = append(out, rowText(vals))
		}
		sort.Strings(out)
		return out, nil
	}
	tbl := func(name string) string { return "`" + info.Project + "." + info.Dataset + "." + name + "`" }
	runDiff(t, variant{d: dialect.BigQuery, T: tbl("http_requests"), E: tbl("events"), run: run, shift: 19 * 24 * time.Hour})
	quoteRoundTrip(t, dialect.BigQuery, run)
}
