package sqlplan_test

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/bigtent/quarry/pkg/catalog"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

// TestLookupPlansLikeCatalog: a request whose catalog comes from Lookup,
// asked after the planner's one parse, plans exactly as the same request
// with the catalog given up front, for every corpus request; Lookup gets
// the tables the SQL reads and is not asked when the guard refuses the SQL.
func TestLookupPlansLikeCatalog(t *testing.T) {
	var p sqlplan.Planner
	withCatalog := 0
	for _, q := range loadCorpus(t) {
		want := planOnce(sqlplan.Build, q.Request)
		req := q.Request
		cat := req.Catalog
		if cat != nil {
			withCatalog++
		}
		req.Catalog = nil
		var asked [][]string
		req.Lookup = func(_ context.Context, tables []string) *catalog.Catalog {
			asked = append(asked, slices.Clone(tables))
			return cat
		}
		got := planOnce(p.Build, req)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: with Lookup\n%+v\nwith Catalog\n%+v", q.Request.RawSQL, got, want)
		}
		if len(asked) > 1 {
			t.Fatalf("%s: Lookup asked %d times", q.Request.RawSQL, len(asked))
		}
	}
	if withCatalog == 0 {
		t.Fatal("no corpus request has a catalog")
	}

	var asked []string
	lookup := func(_ context.Context, tables []string) *catalog.Catalog {
		asked = append(asked, tables...)
		return nil
	}
	to := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	req := sqlplan.Request{Dialect: sqlplan.Postgres, Lookup: lookup, TimeRange: sqlplan.TimeRange{From: to.Add(-time.Hour), To: to},
		RawSQL: "WITH recent AS (SELECT * FROM metrics.cpu) SELECT * FROM recent JOIN hosts h ON true JOIN metrics.cpu c ON true"}
	if _, err := p.Build(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if want := []string{"metrics.cpu", "hosts"}; !slices.Equal(asked, want) {
		t.Fatalf("Lookup got %q, want %q", asked, want)
	}
	asked = nil
	req.RawSQL = "DELETE FROM metrics.cpu"
	if _, err := p.Build(context.Background(), req); err == nil || asked != nil {
		t.Fatalf("refused SQL: err %v, Lookup got %q", err, asked)
	}
}
