package clickhouse_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/bigtent/quarry/pkg/catalog"
	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/engine/clickhouse"
	"github.com/bigtent/quarry/pkg/frames"
	"github.com/bigtent/quarry/pkg/sample"
	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/testenv"
)

// clusterDB is this test's database on both shards of the cluster.
const clusterDB = "quarry_cluster_test"

// clusterRows is the fixture: 2 days of 1-minute points for 6 hosts.
const clusterRows = 2 * 24 * 60 * 6

var clusterStart = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)

// clusterFixture creates, on each shard, a local MergeTree table
// events_local and a Distributed table events over the cluster sharded by
// host, and on shard 1 a single-node table events_all with the same rows.
// The rows go in through the Distributed table (synchronous inserts), so
// each shard holds the hosts its sharding key picks.
func clusterFixture(t *testing.T) (testenv.ClickHouseClusterInfo, []driver.Conn) {
	t.Helper()
	info := testenv.ClickHouseCluster(t)
	ctx := context.Background()
	conns := make([]driver.Conn, len(info.Shards))
	for i, addr := range info.Shards {
		c, err := sample.OpenClickHouse(ctx, addr)
		if err != nil {
			t.Fatalf("shard %d (%s): %v", i+1, addr, err)
		}
		t.Cleanup(func() { c.Close() })
		conns[i] = c
	}
	exec := func(c driver.Conn, q string) {
		t.Helper()
		if err := c.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	cols := "(ts DateTime, host String, service String, value Float64)"
	distributed := fmt.Sprintf("Distributed(%s, %s, events_local, cityHash64(host))", info.Name, clusterDB)
	for _, c := range conns {
		exec(c, "CREATE DATABASE IF NOT EXISTS "+clusterDB)
		exec(c, "DROP TABLE IF EXISTS "+clusterDB+".events")
		exec(c, "DROP TABLE IF EXISTS "+clusterDB+".events_local")
		exec(c, "CREATE TABLE "+clusterDB+".events_local "+cols+" ENGINE = MergeTree() PARTITION BY toYYYYMMDD(ts) ORDER BY (host, ts)")
		exec(c, "CREATE TABLE "+clusterDB+".events "+cols+" ENGINE = "+distributed)
	}
	exec(conns[0], "DROP TABLE IF EXISTS "+clusterDB+".events_all")
	exec(conns[0], "CREATE TABLE "+clusterDB+".events_all "+cols+" ENGINE = MergeTree() PARTITION BY toYYYYMMDD(ts) ORDER BY (host, ts)")
	exec(conns[0], fmt.Sprintf(`INSERT INTO %s.events_all SELECT
  toDateTime(%d + intDiv(number, 6) * 60, 'UTC') AS ts,
  concat('web-', toString(number %% 6 + 1)) AS host,
  if(number %% 3 = 0, 'api', 'web') AS service,
  toFloat64((number * 7919) %% 1000) / 10 AS value
FROM numbers(%d)`, clusterDB, clusterStart.Unix(), clusterRows))
	sync := ch.Context(ctx, ch.WithSettings(ch.Settings{"insert_distributed_sync": 1}))
	if err := conns[0].Exec(sync, "INSERT INTO "+clusterDB+".events SELECT * FROM "+clusterDB+".events_all"); err != nil {
		t.Fatalf("inserting through the Distributed table: %v", err)
	}
	for i, c := range conns {
		var n uint64
		if err := c.QueryRow(ctx, "SELECT count() FROM "+clusterDB+".events_local").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 || n == clusterRows {
			t.Fatalf("shard %d holds %d of %d rows: the fixture is not spread over both shards", i+1, n, clusterRows)
		}
	}
	return info, conns
}

func clusterEngine(t *testing.T, addr string) *clickhouse.Engine {
	t.Helper()
	s := settings(testenv.ClickHouseInfo{Addr: addr, User: "default"})
	s.Database = clusterDB
	return openWith(t, s)
}

// TestCluster: through a Distributed table over the two-shard cluster, the
// planner's time filter and ad hoc filters, $__timeGroup, the row cap, the
// estimate and the catalog behave as on a single-node table with the same
// rows.
func TestCluster(t *testing.T) {
	info, conns := clusterFixture(t)
	ctx := context.Background()
	e := clusterEngine(t, info.Shards[0])
	version, err := e.ServerVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("catalog", func(t *testing.T) {
		tb, err := e.Columns(ctx, clusterDB, "events")
		if err != nil {
			t.Fatal(err)
		}
		want := catalog.Distribution{Cluster: info.Name, Database: clusterDB, Table: "events_local", ShardingKey: "cityHash64(host)", Shards: 2}
		if tb.Distributed == nil || *tb.Distributed != want {
			t.Fatalf("distributed %+v, want %+v", tb.Distributed, want)
		}
		if tb.Partitioning == nil || tb.Partitioning.Column != "ts" || tb.Partitioning.Granularity != "DAY" {
			t.Fatalf("partitioning %+v, want the local table's toYYYYMMDD(ts)", tb.Partitioning)
		}
		keys := map[string]string{}
		for _, c := range tb.Columns {
			keys[c.Name] = fmt.Sprintf("part=%v sort=%v", c.PartitionKey, c.SortKey)
		}
		if keys["ts"] != "part=true sort=true" || keys["host"] != "part=false sort=true" || keys["value"] != "part=false sort=false" {
			t.Fatalf("key flags %v", keys)
		}
		if tb.RowCount != clusterRows {
			t.Fatalf("row count %d, want %d summed over the shards", tb.RowCount, clusterRows)
		}
	})

	t.Run("estimate", func(t *testing.T) {
		cost, err := e.Estimate(ctx, &sqlplan.Plan{SQL: "SELECT host, count() FROM events GROUP BY host", Statement: "select"})
		if err != nil {
			t.Fatal(err)
		}
		var local uint64
		if err := conns[0].QueryRow(ctx, "SELECT count() FROM "+clusterDB+".events_local").Scan(&local); err != nil {
			t.Fatal(err)
		}
		if cost.Rows != clusterRows || int64(local) == cost.Rows || cost.Bytes <= 0 {
			t.Fatalf("cost %+v: want the %d rows of both shards (shard 1 alone holds %d)", cost, clusterRows, local)
		}
		if !strings.Contains(strings.Join(cost.Notes, "\n"), "summed over its 2 shards") {
			t.Fatalf("notes %q", cost.Notes)
		}
	})

	cat := &catalog.Catalog{}
	for _, name := range []string{"events", "events_all"} {
		tb, err := e.Columns(ctx, clusterDB, name)
		if err != nil {
			t.Fatal(err)
		}
		cat.Tables = append(cat.Tables, tb)
	}
	plan := func(t *testing.T, sql string, filters []sqlplan.Filter, maxRows int64) *sqlplan.Plan {
		t.Helper()
		p, err := sqlplan.Build(ctx, sqlplan.Request{
			Dialect: sqlplan.ClickHouse, RawSQL: sql, Format: sqlplan.FormatTable,
			TimeRange:  sqlplan.TimeRange{From: clusterStart.Add(90 * time.Minute), To: clusterStart.Add(26 * time.Hour)},
			IntervalMs: 60000, MaxDataPoints: 1000, Timezone: "UTC", Filters: filters, MaxRows: maxRows,
			ServerVersion: version, Catalog: cat,
		})
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return p
	}
	text := func(t *testing.T, p *sqlplan.Plan) string {
		t.Helper()
		tb, _, err := e.Query(ctx, p, engine.QueryOptions{})
		if err != nil {
			t.Fatalf("%s: %v", p.SQL, err)
		}
		fs, err := frames.Shape(tb, frames.ShapeOptions{Format: sqlplan.FormatTable})
		if err != nil {
			t.Fatal(err)
		}
		return render(fs)
	}

	hostFilter := []sqlplan.Filter{{Key: "host", Operator: "=~", Value: "web-[13]"}, {Key: "service", Operator: "=", Value: "api"}}
	shapes := []struct {
		name    string
		sql     string
		filters []sqlplan.Filter
	}{
		{"time group", `SELECT $__timeGroup(ts, '15m') AS time, host, sum(value) AS total, count() AS n FROM %s
WHERE $__timeFilter(ts) GROUP BY time, host ORDER BY time, host`, nil},
		{"time group with ad hoc filters", `SELECT $__timeGroupAlias(ts, '1h'), avg(value) AS mean FROM %s
WHERE $__timeFilter(ts) GROUP BY time ORDER BY time`, hostFilter},
		{"ad hoc filter into a subquery", `SELECT host, max(v) AS peak FROM (SELECT host, service, value AS v FROM %s WHERE $__timeFilter(ts))
GROUP BY host ORDER BY host`, hostFilter},
		{"raw rows", `SELECT ts, host, value FROM %s WHERE $__timeFilter(ts) ORDER BY ts, host LIMIT 50`, hostFilter},
	}
	for _, s := range shapes {
		t.Run(s.name, func(t *testing.T) {
			dist := plan(t, fmt.Sprintf(s.sql, "events"), s.filters, 0)
			single := plan(t, fmt.Sprintf(s.sql, "events_all"), s.filters, 0)
			if len(s.filters) > 0 && !strings.Contains(dist.SQL, "'api'") {
				t.Fatalf("the ad hoc filter is not in the planned SQL:\n%s", dist.SQL)
			}
			got, want := text(t, dist), text(t, single)
			if got != want {
				t.Fatalf("Distributed table:\n%s\nsingle-node table:\n%s\nSQL: %s", got, want, dist.SQL)
			}
			if strings.Count(got, "\n") < 5 {
				t.Fatalf("the shape returned almost nothing:\n%s", got)
			}
		})
	}

	t.Run("row cap", func(t *testing.T) {
		p := plan(t, "SELECT ts, host, value FROM events WHERE $__timeFilter(ts)", nil, 500)
		tb, _, err := e.Query(ctx, p, engine.QueryOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if tb.Len() != 500 || !tb.Truncated() {
			t.Fatalf("rows %d truncated %v, want the cap of 500", tb.Len(), tb.Truncated())
		}
	})

	t.Run("cluster table function", func(t *testing.T) {
		// The planner allows it (it stays inside the server's own cluster),
		// but the engine's backstop runs every query with readonly=1, under
		// which ClickHouse 18.16 refuses every table function: the server's
		// refusal comes back with the backstop's hint. Query the Distributed
		// table instead.
		p := plan(t, fmt.Sprintf("SELECT count() AS n FROM cluster('%s', %s.events_local)", info.Name, clusterDB), nil, 0)
		_, _, err := e.Query(ctx, p, engine.QueryOptions{})
		var se *engine.ServerError
		if !errors.As(err, &se) || se.Code != "164" || !strings.Contains(se.Hint, "readonly=1") {
			t.Fatalf("cluster() under the backstop: want the server's READONLY refusal with a hint, got %v", err)
		}
	})
}

// TestDistributedArgs reads engine_full of Distributed tables as servers
// print it.
func TestDistributedArgs(t *testing.T) {
	for _, c := range []struct {
		in   string
		want catalog.Distribution
		ok   bool
	}{
		{"Distributed(quarry, db, events_local, cityHash64(host))", catalog.Distribution{Cluster: "quarry", Database: "db", Table: "events_local", ShardingKey: "cityHash64(host)"}, true},
		{"Distributed('quarry', 'db', 'events_local', rand(), 'policy')", catalog.Distribution{Cluster: "quarry", Database: "db", Table: "events_local", ShardingKey: "rand()"}, true},
		{"Distributed('my cluster', '', 't')", catalog.Distribution{Cluster: "my cluster", Table: "t"}, true},
		{"Distributed(c, db, t, sipHash64(a, concat(b, ',', ')')))", catalog.Distribution{Cluster: "c", Database: "db", Table: "t", ShardingKey: "sipHash64(a, concat(b, ',', ')'))"}, true},
		{"Distributed(c, db, t) SETTINGS fsync_after_insert = 0", catalog.Distribution{Cluster: "c", Database: "db", Table: "t"}, true},
		{"MergeTree() ORDER BY a", catalog.Distribution{}, false},
		{"Distributed(c, db)", catalog.Distribution{}, false},
		{"Distributed(c, db, 't", catalog.Distribution{}, false},
	} {
		got, ok := clickhouse.DistributedArgs(c.in)
		if ok != c.ok || got != c.want {
			t.Errorf("%s: got %+v %v, want %+v %v", c.in, got, ok, c.want, c.ok)
		}
	}
}
