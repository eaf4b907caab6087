package chdbtest_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/bigtent/quarry/pkg/chdbtest"
	"github.com/bigtent/quarry/pkg/sample"
)

// TestVersion: the library is ClickHouse 26.7 and the session is in UTC.
func TestVersion(t *testing.T) {
	s := chdbtest.Shared(t)
	res, err := s.Query(context.Background(), "SELECT version(), timezone()")
	if err != nil {
		t.Fatal(err)
	}
	v, tz := res.Rows[0][0].(string), res.Rows[0][1].(string)
	if len(v) < 5 || v[:5] != "26.7." {
		t.Errorf("version %q, want 26.7.x", v)
	}
	if tz != "UTC" && tz != "Etc/UTC" {
		t.Errorf("session time zone %q, want UTC", tz)
	}
}

// TestDecode: every type the fixtures use decodes to its Go value.
func TestDecode(t *testing.T) {
	s := chdbtest.Shared(t)
	res, err := s.Query(context.Background(), `SELECT
  toInt32(-5), toUInt64(18446744073709551615), toInt64(9007199254740993), 1.5::Float64, nan, -inf,
  toDateTime('2024-01-02 03:04:05', 'UTC'), toDateTime64('2024-01-02 03:04:05.123', 3, 'UTC'),
  toDateTime64('2024-01-02 03:04:05.123456', 6, 'Europe/Berlin'), toDate32('1900-01-01'), toDate('2024-01-02'),
  toLowCardinality('lc'), CAST(NULL, 'Nullable(Int32)'), CAST(7, 'Nullable(Int32)'), toDecimal64(12.34, 2),
  ['a', 'b'], tuple(1, 'x'), true, 'it''s'`)
	if err != nil {
		t.Fatal(err)
	}
	row := res.Rows[0]
	berlin, _ := time.LoadLocation("Europe/Berlin")
	want := []any{
		int64(-5), uint64(math.MaxUint64), int64(9007199254740993), 1.5, math.NaN(), math.Inf(-1),
		time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), time.Date(2024, 1, 2, 3, 4, 5, 123e6, time.UTC),
		time.Date(2024, 1, 2, 3, 4, 5, 123456e3, berlin), time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC),
		"lc", nil, int64(7), "12.34", []any{"a", "b"}, []any{int64(1), "x"}, true, "it's",
	}
	if len(row) != len(want) {
		t.Fatalf("%d values, want %d: %v", len(row), len(want), row)
	}
	for i, w := range want {
		g := row[i]
		switch w := w.(type) {
		case float64:
			f, ok := g.(float64)
			if !ok || !(f == w || math.IsNaN(f) && math.IsNaN(w)) {
				t.Errorf("value %d (%s): got %#v, want %v", i, res.Columns[i].Type, g, w)
			}
		case time.Time:
			tm, ok := g.(time.Time)
			if !ok || !tm.Equal(w) {
				t.Errorf("value %d (%s): got %#v, want %v", i, res.Columns[i].Type, g, w)
			}
		case []any:
			ga, ok := g.([]any)
			if !ok || len(ga) != len(w) {
				t.Errorf("value %d (%s): got %#v, want %#v", i, res.Columns[i].Type, g, w)
				continue
			}
			for j := range w {
				if ga[j] != w[j] {
					t.Errorf("value %d[%d] (%s): got %#v, want %#v", i, j, res.Columns[i].Type, ga[j], w[j])
				}
			}
		default:
			if g != w {
				t.Errorf("value %d (%s): got %#v, want %#v", i, res.Columns[i].Type, g, w)
			}
		}
	}
}

// TestError: a bad statement gives ClickHouse's message.
func TestError(t *testing.T) {
	s := chdbtest.Shared(t)
	_, err := s.Query(context.Background(), "SELECT FROM WHERE")
	if err == nil {
		t.Fatal("no error for a syntax error")
	}
	if got := err.Error(); !contains(got, "Syntax error") {
		t.Errorf("error %q does not name the syntax error", got)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// TestSample: the sample holds the generator's rows, and the modern
// fixtures hold every sample row with the modern types.
func TestSample(t *testing.T) {
	s := chdbtest.Sample(t)
	ctx := context.Background()
	counts := sample.New().Counts()
	for _, tb := range sample.Tables() {
		res, err := s.Query(ctx, "SELECT count() FROM sample."+tb.Name)
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Rows[0][0]; got != counts[tb.Name] {
			t.Errorf("sample.%s: %v rows, want %d", tb.Name, got, counts[tb.Name])
		}
	}
	res, err := s.Query(ctx, `SELECT
  (SELECT count() FROM quarry_modern.requests), (SELECT countIf(status IS NULL) FROM quarry_modern.requests),
  (SELECT countIf(toUnixTimestamp64Milli(ts) % 1000 != 0) FROM quarry_modern.requests),
  (SELECT count() FROM quarry_modern.events), (SELECT countIf(country IS NULL) FROM quarry_modern.events),
  (SELECT toTypeName(ts_us) FROM quarry_modern.requests LIMIT 1), (SELECT toTypeName(event_date) FROM quarry_modern.events LIMIT 1)`)
	if err != nil {
		t.Fatal(err)
	}
	r := res.Rows[0]
	if r[0] != counts[sample.TableHTTPRequests] || r[3] != counts[sample.TableEvents] {
		t.Errorf("modern fixtures: %v requests and %v events, want %d and %d", r[0], r[3], counts[sample.TableHTTPRequests], counts[sample.TableEvents])
	}
	if r[1].(int64) == 0 || r[2].(int64) == 0 || r[4].(int64) == 0 {
		t.Errorf("modern fixtures lack NULLs or sub-second times: %v", r)
	}
	if r[5] != "DateTime64(6, 'Europe/Berlin')" || r[6] != "Date32" {
		t.Errorf("modern fixture types: %v, %v", r[5], r[6])
	}
}

// TestLocalClusters: the session knows each of LocalClusters and the
// {cluster} macro, and cluster(...)/clusterAllReplicas(...) read the local
// tables through them (GLOBAL IN included), as dashboards do on a server.
func TestLocalClusters(t *testing.T) {
	s := chdbtest.Shared(t)
	ctx := context.Background()
	if err := s.Exec(ctx, "CREATE DATABASE IF NOT EXISTS quarry_chdbtest_clusters",
		"CREATE OR REPLACE TABLE quarry_chdbtest_clusters.t (n UInt32) ENGINE = MergeTree ORDER BY n",
		"INSERT INTO quarry_chdbtest_clusters.t SELECT number FROM numbers(10)"); err != nil {
		t.Fatal(err)
	}
	for _, c := range chdbtest.LocalClusters {
		res, err := s.Query(ctx, "SELECT count() FROM system.clusters WHERE cluster = '"+c+"' AND is_local")
		if err != nil {
			t.Fatal(err)
		}
		if n := res.Rows[0][0]; n != int64(1) {
			t.Errorf("cluster %s: %v local replicas in system.clusters, want 1", c, n)
		}
	}
	for q, want := range map[string]int64{
		"SELECT count() FROM cluster('all-sharded', quarry_chdbtest_clusters.t)":                                                                                                10,
		"SELECT count() FROM clusterAllReplicas('{cluster}', merge(quarry_chdbtest_clusters, '^t$')) WHERE n < 4":                                                               4,
		"SELECT sum(n) FROM cluster('all-replicated', quarry_chdbtest_clusters.t) WHERE n GLOBAL IN (SELECT n FROM cluster('default', quarry_chdbtest_clusters.t) WHERE n > 7)": 17,
	} {
		res, err := s.Query(ctx, q)
		if err != nil {
			t.Errorf("%s: %v", q, err)
			continue
		}
		if got := res.Rows[0][0]; got != want {
			t.Errorf("%s = %v, want %d", q, got, want)
		}
	}
}
