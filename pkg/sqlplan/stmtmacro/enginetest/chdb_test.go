package enginetest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/bigtent/quarry/pkg/chdbtest"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

// TestChDB plans every case for chDB's version (26.7: window functions
// instead of runningDifference, as Altinity's #684) and runs it on chDB
// over the same fixture rows, against the same values computed here as
// the 18.16 run (TestClickHouse).
func TestChDB(t *testing.T) {
	s := chdbtest.Shared(t)
	ctx := context.Background()
	version, err := s.ServerVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var vals []string
	for _, r := range fixtureRows() {
		sec := r.at.Unix()
		vals = append(vals, fmt.Sprintf("(toDate(%d), toDateTime(%d, 'UTC'), %d, %d, %d, '%s', %d, %d)", sec, sec, sec, sec*1000, sec, r.os, r.typ, r.requests))
	}
	if err := s.Exec(ctx,
		"CREATE DATABASE IF NOT EXISTS quarry_altinity",
		"DROP TABLE IF EXISTS quarry_altinity.requests",
		`CREATE TABLE quarry_altinity.requests (EventDate Date, EventTime DateTime, ts UInt32, ts_ms UInt64, tsf Float64,
			OS String, Type UInt16, Requests UInt64) ENGINE = MergeTree() PARTITION BY EventDate ORDER BY (EventTime, OS)`,
		"INSERT INTO quarry_altinity.requests VALUES "+strings.Join(vals, ", "),
	); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases() {
		t.Run(c.name, func(t *testing.T) {
			want := c.want()
			req := request(c)
			req.ServerVersion = version
			plan, err := sqlplan.Build(ctx, req)
			if err != nil {
				t.Fatalf("plan: %v", err)
			}
			q := plan.SQL
			if c.col != "" {
				q = fmt.Sprintf(c.wrap, q, c.col)
			} else {
				q = fmt.Sprintf(c.wrap, q)
			}
			res, err := s.Query(ctx, q)
			if err != nil {
				t.Fatalf("chDB refused the query: %v\n%s", err, q)
			}
			var got []point
			for _, r := range res.Rows {
				p := point{k: fmt.Sprint(r[1])}
				switch x := r[0].(type) {
				case int64:
					p.t = uint64(x)
				case uint64:
					p.t = x
				}
				p.v, _ = r[2].(float64)
				got = append(got, p)
			}
			sortPoints(got)
			comparePoints(t, got, want)
		})
	}
}
