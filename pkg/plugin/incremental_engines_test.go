package plugin

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	bq "cloud.google.com/go/bigquery"
	duck "github.com/duckdb/duckdb-go/v2"
	"github.com/jackc/pgx/v5"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/sample"
	"github.com/bigtent/quarry/pkg/testenv"
)

// diffStart is where the differential ranges start (the fixtures hold rows
// from an hour before).
var diffStart = time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)

// diffSchema names this test's own schema, database or dataset.
func diffSchema(t *testing.T) string { return "quarry_incr_" + randomID(t) }

// diffSecrets are the secure settings: PostgreSQL's trust authentication
// takes any password, the others none.
func diffSecrets(jsonData map[string]any) map[string]string {
	if jsonData["engine"] == "postgres" {
		return map[string]string{"password": "unused-with-trust-auth"}
	}
	return nil
}

func openFor(t *testing.T, jsonData map[string]any) engine.Engine {
	t.Helper()
	raw, _ := json.Marshal(jsonData)
	cfg, err := ParseConfig(raw, diffSecrets(jsonData))
	if err != nil {
		t.Fatal(err)
	}
	eng, err := OpenEngine(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// duckDBFixture keeps the events in a DuckDB file of the test's own. The
// engine opens it read-only, so a write closes the engine, writes through
// a read-write connection and opens it again.
func duckDBFixture(t *testing.T, shifts int) diffFixture {
	path := filepath.Join(t.TempDir(), "incr.duckdb")
	jd := map[string]any{"engine": "duckdb", "path": path}
	write := func(rows []fixRow) {
		c, err := duck.NewConnector(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		db := sql.OpenDB(c)
		defer func() { _ = db.Close(); _ = c.Close() }()
		if _, err := db.Exec("CREATE TABLE IF NOT EXISTS events (ts TIMESTAMP, id BIGINT, host VARCHAR, v BIGINT)"); err != nil {
			t.Fatal(err)
		}
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		st, err := tx.Prepare("INSERT INTO events VALUES (?, ?, ?, ?)")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if _, err := st.Exec(r.TS, r.ID, r.Host, r.V); err != nil {
				t.Fatal(err)
			}
		}
		_ = st.Close()
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	write(nil) // the table exists before the engine opens the file
	return diffFixture{name: "duckdb", jsonData: jd, table: "events", window: true, writeEvery: 10, shifts: shifts, start: diffStart,
		open: func(t *testing.T) engine.Engine { return openFor(t, jd) },
		insert: func(t *testing.T, h *holder, rows []fixRow) {
			_ = h.Engine.Close()
			write(rows)
			h.Engine = openFor(t, jd)
		}}
}

func postgresFixture(t *testing.T, shifts int) diffFixture {
	info := testenv.Postgres(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, info.DSN)
	if err != nil {
		t.Fatal(err)
	}
	schema := diffSchema(t)
	t.Cleanup(func() {
		_, _ = conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
		_ = conn.Close(context.Background())
	})
	for _, q := range []string{"CREATE SCHEMA " + schema,
		"CREATE TABLE " + schema + ".events (ts timestamptz NOT NULL, id bigint, host text, v bigint)",
		"CREATE INDEX ON " + schema + ".events (ts)"} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	jd := map[string]any{"engine": "postgres", "host": info.Host, "port": info.Port, "database": info.Database,
		"user": info.User, "sslmode": "disable"}
	return diffFixture{name: "postgres", jsonData: jd, table: schema + ".events", window: true, shifts: shifts, start: diffStart,
		open: func(t *testing.T) engine.Engine { return openFor(t, jd) },
		insert: func(t *testing.T, _ *holder, rows []fixRow) {
			src := make([][]any, len(rows))
			for i, r := range rows {
				src[i] = []any{r.TS, r.ID, r.Host, r.V}
			}
			if _, err := conn.CopyFrom(ctx, pgx.Identifier{schema, "events"}, []string{"ts", "id", "host", "v"}, pgx.CopyFromRows(src)); err != nil {
				t.Fatal(err)
			}
			// The planner's estimates and the index choice follow the data.
			if _, err := conn.Exec(ctx, "ANALYZE "+schema+".events"); err != nil {
				t.Fatal(err)
			}
		}}
}

func clickHouseFixture(t *testing.T, shifts int) diffFixture {
	info := testenv.ClickHouse(t)
	ctx := context.Background()
	conn, err := sample.OpenClickHouse(ctx, info.Addr)
	if err != nil {
		t.Fatal(err)
	}
	db := diffSchema(t)
	t.Cleanup(func() {
		_ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+db)
		_ = conn.Close()
	})
	for _, q := range []string{"CREATE DATABASE " + db,
		"CREATE TABLE " + db + ".events (ts DateTime('UTC'), id Int64, host String, v Int64) ENGINE = MergeTree ORDER BY ts"} {
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	host, port, err := net.SplitHostPort(info.Addr)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	jd := map[string]any{"engine": "clickhouse", "host": host, "port": p, "database": db, "user": info.User}
	return diffFixture{name: "clickhouse", jsonData: jd, table: db + ".events", second: true, shifts: shifts, start: diffStart,
		open: func(t *testing.T) engine.Engine { return openFor(t, jd) },
		insert: func(t *testing.T, _ *holder, rows []fixRow) {
			b, err := conn.PrepareBatch(ctx, "INSERT INTO "+db+".events (ts, id, host, v)")
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				if err := b.Append(r.TS, r.ID, r.Host, r.V); err != nil {
					t.Fatal(err)
				}
			}
			if err := b.Send(); err != nil {
				t.Fatal(err)
			}
		}}
}

// bqRowSaver is one fixture row for tabledata.insertAll.
type bqRowSaver fixRow

func (r bqRowSaver) Save() (map[string]bq.Value, string, error) {
	return map[string]bq.Value{"ts": r.TS, "id": r.ID, "host": r.Host, "v": r.V}, "", nil
}

// bigQueryFixture runs on an emulator of the test's own: the emulator
// loads its whole project's catalog for every call, so on the shared one
// (the sample's tables and other tests') each query takes seconds.
func bigQueryFixture(t *testing.T, shifts int) diffFixture {
	info := testenv.PrivateBigQuery(t)
	ctx := context.Background()
	tr := &http.Transport{}
	client, err := bq.NewClient(ctx, info.Project, option.WithEndpoint(info.Endpoint), option.WithoutAuthentication(),
		option.WithHTTPClient(&http.Client{Transport: tr}))
	if err != nil {
		t.Fatal(err)
	}
	dataset := diffSchema(t)
	ds := client.Dataset(dataset)
	if err := ds.Create(ctx, &bq.DatasetMetadata{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = ds.DeleteWithContents(context.Background())
		_ = client.Close()
		tr.CloseIdleConnections()
	})
	schema := bq.Schema{{Name: "ts", Type: bq.TimestampFieldType}, {Name: "id", Type: bq.IntegerFieldType},
		{Name: "host", Type: bq.StringFieldType}, {Name: "v", Type: bq.IntegerFieldType}}
	tb := ds.Table("events")
	if err := tb.Create(ctx, &bq.TableMetadata{Schema: schema}); err != nil {
		t.Fatal(err)
	}
	jd := map[string]any{"engine": "bigquery", "defaultProject": info.Project, "defaultDataset": dataset, "endpoint": info.Endpoint}
	return diffFixture{name: "bigquery", jsonData: jd, table: "`" + dataset + ".events`", window: true, shifts: shifts, start: diffStart,
		open:         func(t *testing.T) engine.Engine { return openFor(t, jd) },
		afterRefresh: func(t *testing.T) { dropBQJobResults(t, client, dataset) },
		insert: func(t *testing.T, _ *holder, rows []fixRow) {
			if len(rows) == 0 {
				return
			}
			src := make([]bqRowSaver, len(rows))
			for i, r := range rows {
				src[i] = bqRowSaver(r)
			}
			if err := tb.Inserter().Put(ctx, src); err != nil {
				t.Fatal(fmt.Errorf("inserting fixture rows: %w", err))
			}
		}}
}

// bqResultDataset is how goccy's emulator (v0.6.6, jobsInsertHandler.
// addQueryResultToDynamicDestinationTable) names the dataset it creates for
// the result of a query job without a destination table: the job's ID,
// which Quarry chooses as "quarry_" and 24 hex digits (pkg/engine/bigquery
// newJobID). The fixture's dataset (quarry_incr_...) and the emulator's
// "sample" never match.
var bqResultDataset = regexp.MustCompile(`^quarry_[0-9a-f]{24}$`)

// dropBQJobResults deletes, on the test's private emulator, the result
// dataset of every query job run so far and the jobs themselves. The
// emulator loads its project's whole catalog (datasets, tables and jobs)
// for every call, so without this each call slows from ~0.03 s to seconds
// within a few hundred jobs and a query ends up past its timeout.
func dropBQJobResults(t *testing.T, client *bq.Client, fixture string) {
	t.Helper()
	ctx := context.Background()
	it := client.Datasets(ctx)
	for {
		d, err := it.Next()
		if err == iterator.Done {
			break
		}
		if err != nil {
			t.Fatalf("listing the emulator's datasets: %v", err)
		}
		if d.DatasetID == fixture || !bqResultDataset.MatchString(d.DatasetID) {
			continue
		}
		if err := d.DeleteWithContents(ctx); err != nil {
			t.Fatalf("deleting the result dataset %s: %v", d.DatasetID, err)
		}
	}
	jobs := client.Jobs(ctx)
	for {
		j, err := jobs.Next()
		if err == iterator.Done {
			break
		}
		if err != nil {
			t.Fatalf("listing the emulator's jobs: %v", err)
		}
		if err := j.Delete(ctx); err != nil {
			t.Fatalf("deleting the job %s: %v", j.ID(), err)
		}
	}
}

// skipDiffIfShort skips the differential runs under -short: CI's race step
// runs pkg/plugin with -short, and they run in the main go test step.
func skipDiffIfShort(t *testing.T) {
	if testing.Short() {
		t.Skip("differential runs on real engines: not under -short")
	}
}

func TestIncrementalDiffDuckDB(t *testing.T) {
	skipDiffIfShort(t)
	runDiff(t, duckDBFixture(t, 50), 3000)
}

func TestIncrementalDiffPostgres(t *testing.T) {
	skipDiffIfShort(t)
	runDiff(t, postgresFixture(t, 50), 3000)
}

func TestIncrementalDiffClickHouse(t *testing.T) {
	skipDiffIfShort(t)
	runDiff(t, clickHouseFixture(t, 50), 3000)
}

// On an emulator of its own (bigQueryFixture) a query takes two calls of
// ~0.1-0.2 s; on the shared one it took seconds (the emulator loads every
// table of its project for every call), and dropBQJobResults keeps them
// that fast over a long run. In CI a 400-row fixture, 2 shifts
// and two shapes (one safe, one unsafe); QUARRY_INCR_BQ_SHIFTS=50 runs
// every shape over that many shifts (README, Incremental refresh).
func TestIncrementalDiffBigQuery(t *testing.T) {
	skipDiffIfShort(t)
	fx := bigQueryFixture(t, 2)
	fx.shapes = map[string]bool{"count and sum per minute": true, "aggregate over the whole range": true}
	if v := os.Getenv("QUARRY_INCR_BQ_SHIFTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("QUARRY_INCR_BQ_SHIFTS=%q is not a positive number", v)
		}
		fx.shifts, fx.shapes = n, nil
	}
	runDiff(t, fx, 400)
}
