package chdbtest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/bigtent/quarry/pkg/chdbtest"
)

// serverConn connects to the shared server over the native protocol.
func serverConn(t *testing.T, opt clickhouse.Options) driver.Conn {
	t.Helper()
	opt.Addr = []string{chdbtest.Server(t)}
	opt.Protocol = clickhouse.Native
	if opt.DialTimeout == 0 {
		opt.DialTimeout = 10 * time.Second
	}
	conn, err := clickhouse.Open(&opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// exceptionCode is the ClickHouse exception code of err, or 0.
func exceptionCode(err error) int32 {
	var ex *clickhouse.Exception
	if errors.As(err, &ex) {
		return ex.Code
	}
	return 0
}

// TestServerNative: the server is ClickHouse 26.7 over the native
// protocol, in UTC; a MergeTree table takes rows (batch and INSERT) and
// gives them back; readonly=1 sent with a query refuses DDL and INSERT
// with READONLY (164).
func TestServerNative(t *testing.T) {
	conn := serverConn(t, clickhouse.Options{})
	ctx := context.Background()

	sv, err := conn.ServerVersion()
	if err != nil {
		t.Fatal(err)
	}
	if sv.Revision <= 54429 {
		t.Errorf("server revision %d, want above 54429", sv.Revision)
	}
	t.Logf("server %s %s, revision %d; client revision %d, negotiated %d",
		sv.DisplayName, sv.Version, sv.Revision, clickhouse.ClientTCPProtocolVersion,
		min(sv.Revision, uint64(clickhouse.ClientTCPProtocolVersion)))

	var version, tz string
	if err := conn.QueryRow(ctx, "SELECT version(), timezone()").Scan(&version, &tz); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(version, "26.7") {
		t.Errorf("version() %q, want 26.7.x", version)
	}
	if tz != "UTC" && tz != "Etc/UTC" {
		t.Errorf("timezone() %q, want UTC", tz)
	}

	const db = "quarry_chdbtest_server"
	for _, q := range []string{
		"DROP DATABASE IF EXISTS " + db,
		"CREATE DATABASE " + db,
		"CREATE TABLE " + db + ".t (ts DateTime, name String, n UInt64) ENGINE = MergeTree ORDER BY (ts, name)",
		"INSERT INTO " + db + ".t VALUES ('2024-01-02 03:04:05', 'a', 1), ('2024-01-02 03:04:06', 'b', 2)",
	} {
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	batch, err := conn.PrepareBatch(ctx, "INSERT INTO "+db+".t")
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2024, 1, 3, 0, 0, 0, 0, time.UTC)
	for i := range 1000 {
		if err := batch.Append(base.Add(time.Duration(i)*time.Second), fmt.Sprintf("r%d", i), uint64(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := batch.Send(); err != nil {
		t.Fatal(err)
	}

	var count, sum uint64
	if err := conn.QueryRow(ctx, "SELECT count(), sum(n) FROM "+db+".t").Scan(&count, &sum); err != nil {
		t.Fatal(err)
	}
	if count != 1002 || sum != 3+999*1000/2 {
		t.Errorf("count %d sum %d, want 1002 and %d", count, sum, 3+999*1000/2)
	}
	rows, err := conn.Query(ctx, "SELECT ts, name, n FROM "+db+".t ORDER BY ts LIMIT 2")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var ts time.Time
		var name string
		var n uint64
		if err := rows.Scan(&ts, &name, &n); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s %s %d", ts.Format(time.RFC3339), name, n))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if want := []string{"2024-01-02T03:04:05Z a 1", "2024-01-02T03:04:06Z b 2"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rows %q, want %q", got, want)
	}

	ro := clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{"readonly": 1}))
	for _, q := range []string{
		"CREATE TABLE " + db + ".u (n UInt8) ENGINE = MergeTree ORDER BY n",
		"INSERT INTO " + db + ".t VALUES ('2024-01-04 00:00:00', 'ro', 7)",
		"DROP TABLE " + db + ".t",
	} {
		err := conn.Exec(ro, q)
		if code := exceptionCode(err); code != 164 {
			t.Errorf("readonly=1: %s: error %v (code %d), want READONLY (164)", q, err, code)
		}
	}
	// readonly=1 still reads.
	if err := conn.QueryRow(ro, "SELECT count() FROM "+db+".t").Scan(&count); err != nil || count != 1002 {
		t.Errorf("readonly=1: count %d, %v; want 1002", count, err)
	}
	if err := conn.Exec(ctx, "DROP DATABASE "+db); err != nil {
		t.Error(err)
	}
}

// TestServerCompression: blocks round-trip compressed with LZ4 and ZSTD.
func TestServerCompression(t *testing.T) {
	for _, m := range []clickhouse.CompressionMethod{clickhouse.CompressionLZ4, clickhouse.CompressionZSTD, clickhouse.CompressionNone} {
		t.Run(m.String(), func(t *testing.T) {
			conn := serverConn(t, clickhouse.Options{Compression: &clickhouse.Compression{Method: m}})
			ctx := context.Background()
			rows, err := conn.Query(ctx, "SELECT number, toString(number) FROM numbers(200000)")
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var want uint64
			for rows.Next() {
				var n uint64
				var s string
				if err := rows.Scan(&n, &s); err != nil {
					t.Fatal(err)
				}
				if n != want || s != fmt.Sprint(n) {
					t.Fatalf("row %d: %d %q", want, n, s)
				}
				want++
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if want != 200000 {
				t.Errorf("%d rows, want 200000", want)
			}
		})
	}
}

// TestServerConcurrent: the server serves many connections at once, and
// outlives a client that drops its connection in the middle of a query,
// stopping the query.
func TestServerConcurrent(t *testing.T) {
	const n = 32
	conn := serverConn(t, clickhouse.Options{MaxOpenConns: n, MaxIdleConns: n})
	ctx := context.Background()

	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			var got uint64
			if err := conn.QueryRow(ctx, fmt.Sprintf("SELECT toUInt64(sleep(0.5) + %d)", i)).Scan(&got); err != nil {
				errs <- err
				return
			}
			if got != uint64(i) {
				errs <- fmt.Errorf("query %d answered %d", i, got)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	took := time.Since(start)
	t.Logf("%d concurrent 0.5 s queries took %v", n, took.Round(time.Millisecond))
	if took > n*500*time.Millisecond/4 {
		t.Errorf("%d concurrent 0.5 s queries took %v: not run concurrently", n, took)
	}

	// A client whose read times out drops the connection mid-query (no
	// Cancel packet).
	drop := serverConn(t, clickhouse.Options{ReadTimeout: 300 * time.Millisecond})
	err := drop.Exec(ctx, "SELECT sleepEachRow(0.01) FROM numbers(1000) SETTINGS max_block_size = 1 FORMAT Null")
	if err == nil {
		t.Fatal("a 10 s query finished within the 300 ms read timeout")
	}
	t.Logf("dropped mid-query: %v", err)
	// A client that cancels sends Cancel.
	cctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if err := conn.Exec(cctx, "SELECT sleepEachRow(0.01) FROM numbers(1000) SETTINGS max_block_size = 1 FORMAT Null"); err == nil {
		t.Fatal("a 10 s query finished within its 300 ms context")
	}
	var one uint8
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("after the dropped and cancelled queries: %d, %v", one, err)
	}
	// The server stops both queries (they would run 10 s) between blocks:
	// a sleep within a block is not interrupted, hence max_block_size = 1.
	stopping := time.Now()
	deadline := stopping.Add(5 * time.Second)
	for {
		var running uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM system.processes WHERE query LIKE '%sleepEachRow(0.01)%' AND query NOT LIKE '%system.processes%'").Scan(&running); err != nil {
			t.Fatal(err)
		}
		if running == 0 {
			t.Logf("both stopped %v after the cancel", time.Since(stopping).Round(time.Millisecond))
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d dropped or cancelled queries still run after 5 s", running)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestServerToolVersion: tools/chdbserver, which repeats rather than
// imports this package's library location, names the same chDB version
// and environment variable.
func TestServerToolVersion(t *testing.T) {
	src, err := os.ReadFile("../../tools/chdbserver/main.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, re := range []string{
		`chdbVersion\s*=\s*"` + regexp.QuoteMeta(chdbtest.Version) + `"`,
		`libEnv\s*=\s*"` + regexp.QuoteMeta(chdbtest.LibEnv) + `"`,
	} {
		if !regexp.MustCompile(re).Match(src) {
			t.Errorf("tools/chdbserver/main.go does not match %s", re)
		}
	}
}
