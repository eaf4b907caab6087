package oracletest_test

import (
	"context"
	"testing"

	"github.com/bigtent/quarry/pkg/chdbtest"
	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/sqlplan/oracletest"
)

// TestCorpusOnChDB plans every ClickHouse corpus query for chDB's version
// (26.7) and runs it on chDB over the sample: the engine must accept it
// and a row-capped query returns at most maxRows+1 rows. Queries whose
// text as written needs ClickHouse < 20 (joins of unaliased subqueries)
// are skipped and counted.
func TestCorpusOnChDB(t *testing.T) {
	s := chdbtest.Sample(t)
	ctx := context.Background()
	version, err := s.ServerVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	qs, err := oracletest.LoadDialect(testdata, sqlplan.ClickHouse)
	if err != nil {
		t.Fatal(err)
	}
	ran, old := 0, 0
	for _, q := range qs {
		t.Run(q.Name, func(t *testing.T) {
			req := q.Request
			req.ServerVersion = version
			plan, err := sqlplan.Build(ctx, req)
			if err != nil {
				t.Fatalf("plan for %s: %v", version, err)
			}
			res, err := s.Query(ctx, plan.SQL)
			if chdbtest.PreModernSQL(err) {
				old++
				t.Skipf("written for ClickHouse < 20: %v", err)
			}
			if err != nil {
				t.Fatalf("chDB %s rejected the planned SQL: %v\n%s", version, err, plan.SQL)
			}
			ran++
			if plan.LimitAdded && int64(len(res.Rows)) > plan.RowCap+1 {
				t.Errorf("row cap %d: got %d rows", plan.RowCap, len(res.Rows))
			}
		})
	}
	t.Logf("chDB %s: %d ClickHouse corpus queries run, %d written for ClickHouse < 20 skipped", version, ran, old)
}
