package smoketest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"github.com/jackc/pgx/v5"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/bigtent/quarry/pkg/sample"
	"github.com/bigtent/quarry/pkg/testenv"
)

// fingerprint is what every engine must agree on beyond row counts.
type fingerprint struct {
	Requests, Errors, Bytes int64 // sums over http_requests
	AmountCents             int64 // sum of events.amount * 100
	Hosts                   int64 // distinct http_requests.host
}

// expected computes the fingerprint from the generator, over http_requests
// rows at or after from.
func expected(g *sample.Generator, from time.Time) fingerprint {
	var f fingerprint
	hosts := map[string]bool{}
	for r := range g.HTTPRequests() {
		if r.TS.Before(from) {
			continue
		}
		f.Requests += r.Requests
		f.Errors += r.Errors
		f.Bytes += r.Bytes
		hosts[r.Host] = true
	}
	for e := range g.Events() {
		f.AmountCents += e.AmountCents
	}
	f.Hosts = int64(len(hosts))
	return f
}

// querier runs a query that returns one row of int64 columns.
type querier func(ctx context.Context, query string, dest ...*int64) error

// checkEngine counts each table and compares the fingerprint; fp is the SQL
// of the fingerprint query in the engine's dialect.
func checkEngine(t *testing.T, q querier, qualify func(table string) string, want sample.Counts, fpSQL string, wantFP fingerprint) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for _, table := range want.Names() {
		var n int64
		if err := q(ctx, "SELECT COUNT(*) FROM "+qualify(table), &n); err != nil {
			t.Errorf("counting %s: %v", table, err)
			continue
		}
		if n != want[table] {
			t.Errorf("%s holds %d rows, want %d", table, n, want[table])
		}
	}
	var got fingerprint
	if err := q(ctx, fpSQL, &got.Requests, &got.Errors, &got.Bytes, &got.AmountCents, &got.Hosts); err != nil {
		t.Fatalf("fingerprint query: %v", err)
	}
	if got != wantFP {
		t.Errorf("fingerprint = %+v, want %+v", got, wantFP)
	}
}

func fingerprintSQL(qualify func(string) string, amountCents, countDistinct string) string {
	return fmt.Sprintf(`SELECT
  (SELECT SUM(requests) FROM %[1]s), (SELECT SUM(errors) FROM %[1]s), (SELECT SUM(bytes) FROM %[1]s),
  (SELECT %[3]s FROM %[2]s), (SELECT %[4]s FROM %[1]s)`,
		qualify(sample.TableHTTPRequests), qualify(sample.TableEvents), amountCents, countDistinct)
}

func TestSampleInEveryEngine(t *testing.T) {
	if os.Getenv(testenv.SkipEnv) == "1" {
		t.Skip("integration test skipped: " + testenv.SkipEnv + "=1")
	}
	g := sample.New()
	full, fullFP := g.Counts(), expected(g, sample.Start)

	t.Run("postgres", func(t *testing.T) {
		info := testenv.Postgres(t)
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, info.DSN)
		if err != nil {
			t.Fatalf("connecting to %s:%d: %v", info.Host, info.Port, err)
		}
		defer conn.Close(ctx)
		q := func(ctx context.Context, query string, dest ...*int64) error {
			args := make([]any, len(dest))
			for i := range dest {
				args[i] = dest[i]
			}
			return conn.QueryRow(ctx, query).Scan(args...)
		}
		qualify := func(t string) string { return "sample." + t }
		checkEngine(t, q, qualify, full,
			fingerprintSQL(qualify, "(SUM(amount) * 100)::bigint", "COUNT(DISTINCT host)"), fullFP)
	})

	t.Run("clickhouse", func(t *testing.T) {
		info := testenv.ClickHouse(t)
		ctx := context.Background()
		conn, err := sample.OpenClickHouse(ctx, info.Addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if !strings.HasPrefix(info.Version, "18.") && info.Version != "" {
			t.Logf("ClickHouse %s (the tests target Debian's 18.16.1)", info.Version)
		}
		q := func(ctx context.Context, query string, dest ...*int64) error {
			// ClickHouse returns UInt64/Int64/Decimal by type; cast in SQL to Int64.
			args := make([]any, len(dest))
			for i := range dest {
				args[i] = dest[i]
			}
			return conn.QueryRow(ctx, query).Scan(args...)
		}
		qualify := func(t string) string { return info.Database + "." + t }
		fp := fmt.Sprintf(`SELECT
  toInt64((SELECT SUM(requests) FROM %[1]s)), toInt64((SELECT SUM(errors) FROM %[1]s)), toInt64((SELECT SUM(bytes) FROM %[1]s)),
  toInt64((SELECT SUM(toInt64(amount * 100)) FROM %[2]s)), toInt64((SELECT uniqExact(host) FROM %[1]s))`,
			qualify(sample.TableHTTPRequests), qualify(sample.TableEvents))
		countQ := func(ctx context.Context, query string, dest ...*int64) error {
			if strings.HasPrefix(query, "SELECT COUNT(*)") {
				query = "SELECT toInt64(count())" + strings.TrimPrefix(query, "SELECT COUNT(*)")
			}
			return q(ctx, query, dest...)
		}
		checkEngine(t, countQ, qualify, full, fp, fullFP)
	})

	t.Run("duckdb", func(t *testing.T) {
		info := testenv.DuckDB(t)
		db, err := sql.Open("duckdb", info.Path+"?access_mode=read_only")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		q := func(ctx context.Context, query string, dest ...*int64) error {
			args := make([]any, len(dest))
			for i := range dest {
				args[i] = dest[i]
			}
			return db.QueryRowContext(ctx, query).Scan(args...)
		}
		qualify := func(t string) string { return "sample." + t }
		checkEngine(t, q, qualify, full,
			fingerprintSQL(qualify, "CAST(SUM(amount) * 100 AS BIGINT)", "COUNT(DISTINCT host)"), fullFP)
	})

	t.Run("bigquery", func(t *testing.T) {
		info := testenv.BigQuery(t)
		ctx := context.Background()
		client, err := bigquery.NewClient(ctx, info.Project, option.WithEndpoint(info.Endpoint), option.WithoutAuthentication())
		if err != nil {
			t.Fatal(err)
		}
		defer client.Close()
		q := func(ctx context.Context, query string, dest ...*int64) error {
			it, err := client.Query(query).Read(ctx)
			if err != nil {
				return err
			}
			var row []bigquery.Value
			if err := it.Next(&row); err != nil {
				return err
			}
			if len(row) != len(dest) {
				return fmt.Errorf("got %d columns, want %d", len(row), len(dest))
			}
			for i, v := range row {
				n, ok := v.(int64)
				if !ok {
					return fmt.Errorf("column %d is %T, want int64", i, v)
				}
				*dest[i] = n
			}
			return nil
		}
		qualify := func(t string) string { return "`" + info.Project + "." + info.Dataset + "." + t + "`" }
		checkEngine(t, q, qualify, g.EmulatorCounts(),
			fingerprintSQL(qualify, "CAST(SUM(amount) * 100 AS INT64)", "COUNT(DISTINCT host)"), expected(g, sample.EmulatorFrom))

		md, err := client.Dataset(info.Dataset).Table(sample.TableHTTPRequests).Metadata(ctx)
		if err != nil {
			t.Fatalf("http_requests metadata: %v", err)
		}
		if tp := md.TimePartitioning; tp == nil || tp.Field != "ts" || tp.Type != bigquery.DayPartitioningType {
			t.Errorf("http_requests partitioning = %+v, want DAY on ts", tp)
		}
		shards := 0
		it := client.Dataset(info.Dataset).Tables(ctx)
		for {
			tb, err := it.Next()
			if errors.Is(err, iterator.Done) {
				break
			}
			if err != nil {
				t.Fatalf("listing tables: %v", err)
			}
			if strings.HasPrefix(tb.TableID, sample.TableEvents+"_") {
				shards++
			}
		}
		if want := int(sample.End.Sub(sample.Start).Hours() / 24); shards != want {
			t.Errorf("found %d events_YYYYMMDD shards, want %d", shards, want)
		}
	})
}
