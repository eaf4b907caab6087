package enginetest

import (
	"context"
	"sort"
	"testing"

	"github.com/bigtent/quarry/pkg/chdbtest"
	"github.com/bigtent/quarry/pkg/sqlplan/dialect"
)

// TestChDB runs every ClickHouse case planned for chDB's version (26.7:
// toStartOfInterval, DateTime64 and sub-second buckets) on chDB over the
// same sample rows, against the same hand-written references.
func TestChDB(t *testing.T) {
	s := chdbtest.Sample(t)
	version, err := s.ServerVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	run := func(ctx context.Context, q string) ([]string, error) {
		res, err := s.Query(ctx, q)
		if err != nil {
			return nil, err
		}
		out := make([]string, len(res.Rows))
		for i, r := range res.Rows {
			out[i] = rowText(r)
		}
		sort.Strings(out)
		return out, nil
	}
	runDiff(t, variant{d: dialect.ClickHouse, version: version, T: "sample.http_requests", E: "sample.events", run: run})
}
