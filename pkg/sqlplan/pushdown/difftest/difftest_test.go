package difftest_test

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/tools/txtar"

	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/testenv"
)

// Case is one query shape of testdata/cases.txtar:
//
//	NAME/case.json          options (below)
//	NAME/query.sql          the panel query ({s} is the fixture schema)
//	NAME/reference.sql      README's semantics written by hand: the same
//	                        rows the planned query must return ({from} and
//	                        {to} are the time range as literals)
//	NAME/query.<dialect>.sql, NAME/reference.<dialect>.sql
//	                        optional per-dialect spellings
type Case struct {
	Name string
	// Filters are the ad hoc filters; absent: host = 'web-1'.
	Filters *[]sqlplan.Filter `json:"filters"`
	// Engines the shape runs on; absent: all four. Exclusions say why.
	Engines []sqlplan.Dialect `json:"engines"`
	// Why is the reason an engine is left out.
	Why string `json:"why"`
	// Warnings are the warning codes the plan must give, exactly.
	Warnings []string `json:"warnings"`
	// Ordered: compare in order (the query has ORDER BY on a unique key).
	Ordered bool `json:"ordered"`
	// NoCatalog plans without the catalog.
	NoCatalog bool `json:"noCatalog"`
	// Error is part of the planner error the shape must give (nothing runs).
	Error string `json:"error"`
	// Unchanged: the filter does not change the rows (a time range pushed
	// down, an unused filter); otherwise the test checks that the query
	// without filters returns other rows, so the case has teeth.
	Unchanged bool `json:"unchanged"`

	files map[string]string
}

func (c *Case) sql(kind string, d sqlplan.Dialect) string {
	if s, ok := c.files[kind+"."+string(d)+".sql"]; ok {
		return s
	}
	return c.files[kind+".sql"]
}

func (c *Case) runsOn(d sqlplan.Dialect) bool {
	return len(c.Engines) == 0 || slices.Contains(c.Engines, d)
}

func loadCases(t *testing.T) []*Case {
	t.Helper()
	ar, err := txtar.ParseFile("testdata/cases.txtar")
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*Case{}
	var order []*Case
	for _, f := range ar.Files {
		name, file, ok := strings.Cut(f.Name, "/")
		if !ok {
			t.Fatalf("cases.txtar: file %q is not NAME/FILE", f.Name)
		}
		c := byName[name]
		if c == nil {
			c = &Case{Name: name, files: map[string]string{}}
			byName[name] = c
			order = append(order, c)
		}
		if file == "case.json" {
			if err := json.Unmarshal(f.Data, c); err != nil {
				t.Fatalf("%s: %v", f.Name, err)
			}
			c.Name = name
			continue
		}
		c.files[strings.TrimSuffix(file, ".sql")+".sql"] = strings.TrimSpace(string(f.Data))
	}
	for _, c := range order {
		if c.files["query.sql"] == "" {
			t.Fatalf("case %s has no query.sql", c.Name)
		}
		if c.Error == "" && c.files["reference.sql"] == "" {
			t.Fatalf("case %s has neither reference.sql nor an expected error", c.Name)
		}
	}
	return order
}

var (
	from = time.Date(2024, 1, 1, 2, 30, 0, 0, time.UTC)
	to   = time.Date(2024, 1, 1, 6, 30, 0, 0, time.UTC)
)

// expand fills the placeholders of a case's SQL for dialect d.
func expand(s string, d sqlplan.Dialect) string {
	return strings.NewReplacer(
		"{s}", schema,
		"{from}", literal(d, kTime, from.Format("2006-01-02 15:04:05")),
		"{to}", literal(d, kTime, to.Format("2006-01-02 15:04:05")),
	).Replace(s)
}

func request(c *Case, d sqlplan.Dialect, version string, withFilters bool) sqlplan.Request {
	req := sqlplan.Request{
		Dialect: d, RawSQL: expand(c.sql("query", d), d), Format: "table",
		TimeRange: sqlplan.TimeRange{From: from, To: to}, Timezone: "UTC",
		IntervalMs: 60000, MaxDataPoints: 1000, ServerVersion: version,
	}
	if !c.NoCatalog {
		req.Catalog = fixtureCatalog(d)
	}
	if withFilters {
		if c.Filters != nil {
			req.Filters = *c.Filters
		} else {
			req.Filters = []sqlplan.Filter{{Key: "host", Operator: "=", Value: "web-1"}}
		}
	}
	return req
}

// TestPlannerErrors: the shapes whose filter has no correct place are
// planner errors, on every dialect (no engine needed).
func TestPlannerErrors(t *testing.T) {
	n := 0
	for _, c := range loadCases(t) {
		if c.Error == "" {
			continue
		}
		for _, d := range []sqlplan.Dialect{sqlplan.Postgres, sqlplan.ClickHouse, sqlplan.DuckDB, sqlplan.BigQuery} {
			if !c.runsOn(d) {
				continue
			}
			n++
			_, err := sqlplan.Build(context.Background(), request(c, d, "", true))
			if err == nil || !strings.Contains(err.Error(), c.Error) {
				t.Errorf("%s on %s: want an error containing %q, got %v", c.Name, d, c.Error, err)
			}
		}
	}
	if n == 0 {
		t.Fatal("no error case in testdata/cases.txtar")
	}
}

var engines = map[sqlplan.Dialect]func(*testing.T) engine{
	sqlplan.Postgres: postgres, sqlplan.ClickHouse: clickHouse, sqlplan.DuckDB: duckDB, sqlplan.BigQuery: bigQuery,
}

// TestDifferential plans every shape and runs the planned SQL and the
// hand-written reference on each real engine: the rows must be the same,
// and the plan must give exactly the case's warnings.
func TestDifferential(t *testing.T) {
	cases := loadCases(t)
	for _, d := range []sqlplan.Dialect{sqlplan.Postgres, sqlplan.ClickHouse, sqlplan.DuckDB, sqlplan.BigQuery} {
		t.Run(string(d), func(t *testing.T) {
			version := ""
			if d == sqlplan.ClickHouse {
				version = testenv.ClickHouse(t).Version
			}
			e := engines[d](t)
			defer e.close()
			checked := 0
			for _, c := range cases {
				if c.Error != "" || !c.runsOn(d) {
					continue
				}
				t.Run(c.Name, func(t *testing.T) {
					checkCase(t, e, c, d, version)
				})
				checked++
			}
			t.Logf("%s: %d shapes checked differentially", d, checked)
		})
	}
}

func checkCase(t *testing.T, e engine, c *Case, d sqlplan.Dialect, version string) {
	ctx := context.Background()
	if d != sqlplan.BigQuery { // a cancelled emulator query breaks its connection
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
	}
	plan, err := sqlplan.Build(ctx, request(c, d, version, true))
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	var codes []string
	for _, w := range plan.Warnings {
		if !slices.Contains(codes, w.Code) {
			codes = append(codes, w.Code)
		}
	}
	sort.Strings(codes)
	want := slices.Clone(c.Warnings)
	sort.Strings(want)
	if !slices.Equal(codes, want) {
		t.Errorf("warnings: got %v, want %v\n%+v", codes, want, plan.Warnings)
	}
	ref := expand(c.sql("reference", d), d)
	got, err := e.rows(ctx, plan.SQL)
	if err != nil {
		t.Fatalf("planned SQL failed: %v\n%s", err, plan.SQL)
	}
	wantRows, err := e.rows(ctx, ref)
	if err != nil {
		t.Fatalf("reference SQL failed: %v\n%s", err, ref)
	}
	if len(wantRows) == 0 {
		t.Errorf("the reference returns no rows: the case checks nothing\n%s", ref)
	}
	if !sameRows(got, wantRows, c.Ordered) {
		t.Errorf("planned SQL and reference differ\nplanned:   %s\n  rows: %v\nreference: %s\n  rows: %v", plan.SQL, got, ref, wantRows)
	}
	if !c.Unchanged {
		bare, err := sqlplan.Build(ctx, request(c, d, version, false))
		if err != nil {
			t.Fatalf("plan without filters: %v", err)
		}
		rows, err := e.rows(ctx, bare.SQL)
		if err != nil {
			t.Fatalf("query without filters failed: %v\n%s", err, bare.SQL)
		}
		if sameRows(rows, wantRows, c.Ordered) {
			t.Errorf("the filter changes nothing here, so the case proves nothing (set unchanged if meant)\n%s", bare.SQL)
		}
	}
}

func sameRows(a, b [][]string, ordered bool) bool {
	if len(a) != len(b) {
		return false
	}
	key := func(r []string) string { return strings.Join(r, "\x1f") }
	ka, kb := make([]string, len(a)), make([]string, len(b))
	for i := range a {
		ka[i], kb[i] = key(a[i]), key(b[i])
	}
	if !ordered {
		sort.Strings(ka)
		sort.Strings(kb)
	}
	return slices.Equal(ka, kb)
}

// TestCaseCount: the shapes keep their number per engine (ClickHouse
// 18.16 and BigQuery's ZetaSQL leave some out; each exclusion says why).
func TestCaseCount(t *testing.T) {
	cases := loadCases(t)
	for _, d := range []sqlplan.Dialect{sqlplan.Postgres, sqlplan.ClickHouse, sqlplan.DuckDB, sqlplan.BigQuery} {
		n := 0
		for _, c := range cases {
			if c.Error == "" && c.runsOn(d) {
				n++
			} else if c.Error == "" && c.Why == "" {
				t.Errorf("case %s leaves %s out without saying why", c.Name, d)
			}
		}
		t.Logf("%s: %d shapes", d, n)
		if min := map[sqlplan.Dialect]int{sqlplan.Postgres: 50, sqlplan.DuckDB: 50, sqlplan.ClickHouse: 35, sqlplan.BigQuery: 45}[d]; n < min {
			t.Errorf("%s: %d shapes, want at least %d", d, n, min)
		}
	}
}
