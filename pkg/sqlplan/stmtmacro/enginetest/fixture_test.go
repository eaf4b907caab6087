// Package enginetest runs the statement and Altinity macros' expansions on
// the real ClickHouse 18.16 (the shared test service) against a fixture
// database of its own, quarry_altinity, and compares the results with
// values computed here from the same rows.
package enginetest

import (
	"context"
	"fmt"
	"math"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/bigtent/quarry/pkg/sample"
	"github.com/bigtent/quarry/pkg/testenv"
)

// base is the start of the fixture's hour; rows lie inside [base, base+1h)
// and five minutes on either side (outside the requests' range).
var base = time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)

var oses = []string{"linux", "mac", "win"}
var types = []uint16{200, 500}

// row is one fixture row.
type row struct {
	at       time.Time
	os       string
	typ      uint16
	requests uint64 // a counter per os (and type); win's resets at minute 30
}

// counter is the Requests counter of os at minute i.
func counter(k int, i int, typ uint16) uint64 {
	if oses[k] == "win" && i >= 30 {
		return uint64(3*(i-30)) + uint64(typ/100)
	}
	return uint64((k+1)*10*(i+10)) + uint64(typ/100)
}

func fixtureRows() []row {
	var out []row
	for i := -5; i < 65; i++ {
		for k, os := range oses {
			for _, typ := range types {
				out = append(out, row{at: base.Add(time.Duration(i)*time.Minute + 7*time.Second), os: os, typ: typ, requests: counter(k, i, typ)})
			}
		}
	}
	return out
}

// inRange are the fixture rows inside the requests' range [base, base+1h].
func inRange() []row {
	var out []row
	for _, r := range fixtureRows() {
		if !r.at.Before(base) && !r.at.After(base.Add(time.Hour)) {
			out = append(out, r)
		}
	}
	return out
}

// connect returns the shared ClickHouse with the fixture loaded.
func connect(t *testing.T) driver.Conn {
	t.Helper()
	// QUARRY_STMTMACRO_CH_ADDR points the test at a ClickHouse of one's own
	// (for debugging while the shared services start); by default it is the
	// shared service.
	addr := os.Getenv("QUARRY_STMTMACRO_CH_ADDR")
	if addr == "" {
		addr = testenv.ClickHouse(t).Addr
	}
	ctx := context.Background()
	conn, err := sample.OpenClickHouse(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	for _, q := range []string{
		"CREATE DATABASE IF NOT EXISTS quarry_altinity",
		"DROP TABLE IF EXISTS quarry_altinity.requests",
		`CREATE TABLE quarry_altinity.requests (EventDate Date, EventTime DateTime, ts UInt32, ts_ms UInt64, tsf Float64,
			OS String, Type UInt16, Requests UInt64) ENGINE = MergeTree() PARTITION BY EventDate ORDER BY (EventTime, OS)`,
	} {
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	b, err := conn.PrepareBatch(ctx, "INSERT INTO quarry_altinity.requests (EventDate, EventTime, ts, ts_ms, tsf, OS, Type, Requests)")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range fixtureRows() {
		s := uint32(r.at.Unix())
		if err := b.Append(r.at.Truncate(24*time.Hour), r.at, s, uint64(s)*1000, float64(s), r.os, r.typ, r.requests); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
	return conn
}

// point is one (t, key, value) of a result.
type point struct {
	t uint64 // epoch ms
	k string
	v float64
}

func (p point) String() string { return fmt.Sprintf("%d/%s=%g", p.t, p.k, p.v) }

func sortPoints(ps []point) {
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].t != ps[j].t {
			return ps[i].t < ps[j].t
		}
		return ps[i].k < ps[j].k
	})
}

// query runs q, which returns (UInt64 t, String k, Float64 v) rows.
func query(t *testing.T, conn driver.Conn, q string) []point {
	t.Helper()
	rs, err := conn.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("ClickHouse refused the query: %v\n%s", err, q)
	}
	defer rs.Close()
	var out []point
	for rs.Next() {
		var p point
		if err := rs.Scan(&p.t, &p.k, &p.v); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	sortPoints(out)
	return out
}

func same(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	if math.IsInf(a, 0) || math.IsInf(b, 0) {
		return a == b
	}
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b))
}

func comparePoints(t *testing.T, got, want []point) {
	t.Helper()
	sortPoints(want)
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d\n got %v\nwant %v", len(got), len(want), got, want)
	}
	for i := range got {
		if got[i].t != want[i].t || got[i].k != want[i].k || !same(got[i].v, want[i].v) {
			t.Fatalf("row %d: got %v, want %v\n got %v\nwant %v", i, got[i], want[i], got, want)
		}
	}
}
