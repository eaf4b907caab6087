package bigquery

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	bq "cloud.google.com/go/bigquery"
	"google.golang.org/api/iterator"

	"github.com/bigtent/quarry/pkg/catalog"
	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/frames"
	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/testenv"
)

// emulatorEngine connects to the testenv BigQuery emulator. With paged set,
// requests go through the test pager (see pager_test.go).
func emulatorEngine(t testing.TB, s Settings) *Engine {
	t.Helper()
	info := testenv.BigQuery(t)
	s.Project, s.Dataset = info.Project, info.Dataset
	if s.Endpoint == "" {
		s.Endpoint = info.Endpoint
	}
	e, err := New(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

func run(t testing.TB, e *Engine, sql string, rowCap int64, opts engine.QueryOptions) (*frames.Table, engine.QueryStats) {
	t.Helper()
	tbl, st, err := e.Query(context.Background(), &sqlplan.Plan{SQL: sql, Statement: "select", RowCap: rowCap}, opts)
	if err != nil {
		t.Fatalf("Query(%s): %v", sql, err)
	}
	return tbl, st
}

func TestEmulatorHealth(t *testing.T) {
	e := emulatorEngine(t, Settings{})
	h := e.Health(context.Background())
	if !h.OK || h.Version != "bigquery-emulator" {
		t.Fatalf("health = %+v", h)
	}
	bad := emulatorEngine(t, Settings{Endpoint: "http://127.0.0.1:1"})
	if h := bad.Health(context.Background()); h.OK || h.Step != "tcp" || h.Hint == "" {
		t.Errorf("closed port: %+v", h)
	}
	dns := emulatorEngine(t, Settings{Endpoint: "http://quarry-no-such-host.invalid:9050"})
	if h := dns.Health(context.Background()); h.OK || h.Step != "dns" {
		t.Errorf("bad host: %+v", h)
	}
	missing := emulatorEngine(t, Settings{})
	missing.settings.Dataset = "no_such_dataset"
	if h := missing.Health(context.Background()); h.OK || h.Step != "database" {
		t.Errorf("missing dataset: %+v", h)
	}
}

// allTypesBQ has one row of every BigQuery type Quarry maps, then NULLs.
// GEOGRAPHY is left out: the emulator implements no ST_ function (the
// GEOGRAPHY path is covered by the REST page golden test).
const allTypesBQ = `
SELECT 9007199254740993 AS i, 1.5 AS f, NUMERIC '12345678901234567890.123456789' AS n,
  BIGNUMERIC '1.00000000000000000000000000000000000001' AS bn, true AS b, 'héllo "q"' AS s,
  b'\x00\x01\xff' AS bin, DATE '2024-01-31' AS d, DATETIME '2024-01-02 03:04:05.123456' AS dt,
  TIMESTAMP '2024-01-01 00:00:00.123456+00' AS ts, TIME '12:34:56.5' AS t,
  JSON '{"k":[1,2]}' AS j, [1, 2, 3] AS arr,
  STRUCT('x' AS a, 2.5 AS x, TIMESTAMP '2024-01-01 00:00:00+00' AS happened, ['p', 'q'] AS tags) AS rec,
  INTERVAL 3 DAY AS iv
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, [], NULL, NULL`

func TestEmulatorTypeMapping(t *testing.T) {
	e := emulatorEngine(t, Settings{})
	tbl, _ := run(t, e, allTypesBQ, 0, engine.QueryOptions{})
	golden(t, "emulator_alltypes.golden", dumpTable(tbl))
}

func TestEmulatorSampleTables(t *testing.T) {
	e := emulatorEngine(t, Settings{})
	var out strings.Builder
	for _, q := range []string{
		"SELECT * FROM sample.http_requests ORDER BY ts, host, service LIMIT 3",
		"SELECT * FROM sample.events ORDER BY event_time, user_id LIMIT 3",
		"SELECT * FROM sample.logs ORDER BY ts, host LIMIT 3",
		"SELECT * FROM sample.deploys ORDER BY ts LIMIT 3",
	} {
		tbl, _ := run(t, e, q, 0, engine.QueryOptions{})
		fmt.Fprintf(&out, "-- %s\n%s", q, dumpTable(tbl))
	}
	golden(t, "emulator_sample.golden", out.String())
}

func TestEmulatorRowCapAndPaging(t *testing.T) {
	info := testenv.BigQuery(t)
	p, url := newPager(t, info.Endpoint, 1000)
	e := emulatorEngine(t, Settings{Endpoint: url, PageSize: 700})
	pages := 0
	e.pageHook = func(int) { pages++ }
	sql := "SELECT x, CAST(x AS STRING) AS s FROM UNNEST(GENERATE_ARRAY(1, 5000)) AS x ORDER BY x"
	tbl, st := run(t, e, sql, 0, engine.QueryOptions{})
	if tbl.Len() != 5000 || tbl.Truncated() {
		t.Fatalf("rows = %d truncated = %v", tbl.Len(), tbl.Truncated())
	}
	if got := p.pagesServed(st.JobID); got != 8 || pages != 8 {
		t.Errorf("pages served = %d, converted = %d, want 8 (5000 rows / 700)", got, pages)
	}
	xs := tbl.Column(0).(*frames.Builder[int64]).Values()
	for i, x := range xs {
		if x != int64(i+1) {
			t.Fatalf("row %d: x = %d (pages out of order?)", i, x)
		}
	}

	// The cap stops reading: 1500 rows = 3 pages of 700 (the third cut).
	capped := emulatorEngine(t, Settings{Endpoint: url, PageSize: 700})
	tbl, st = run(t, capped, sql, 1500, engine.QueryOptions{})
	if tbl.Len() != 1500 || !tbl.Truncated() {
		t.Fatalf("rows = %d truncated = %v, want 1500 true", tbl.Len(), tbl.Truncated())
	}
	if got := p.pagesServed(st.JobID); got > 4 {
		t.Errorf("%d pages fetched for 1500 rows of 700-row pages; the cap should stop the reader", got)
	}
	// Exactly at the cap, on a page boundary: not truncated.
	tbl, _ = run(t, capped, "SELECT x FROM UNNEST(GENERATE_ARRAY(1, 1400)) AS x", 1400, engine.QueryOptions{})
	if tbl.Len() != 1400 || tbl.Truncated() {
		t.Errorf("rows = %d truncated = %v, want 1400 false", tbl.Len(), tbl.Truncated())
	}
}

func TestEmulatorJobGuardrails(t *testing.T) {
	e := emulatorEngine(t, Settings{MaxBytesBilled: 123456789, Priority: PriorityBatch})
	labels := map[string]string{"dashboard_uid": "Sales-Overview", "panel_id": "7", "user_login": "Jane.Doe@Example.com"}
	_, st := run(t, e, "SELECT 1 AS x", 0, engine.QueryOptions{Labels: labels})
	job, err := e.client.JobFromID(context.Background(), st.JobID)
	if err != nil {
		t.Fatalf("job %s: %v", st.JobID, err)
	}
	cfg, err := job.Config()
	if err != nil {
		t.Fatal(err)
	}
	qc, ok := cfg.(*bq.QueryConfig)
	if !ok {
		t.Fatalf("config %T", cfg)
	}
	want := map[string]string{"dashboard_uid": "sales-overview", "panel_id": "7", "user_login": "jane_doe_example_com"}
	if fmt.Sprint(qc.Labels) != fmt.Sprint(want) {
		t.Errorf("labels on the job = %v, want %v", qc.Labels, want)
	}
	if qc.MaxBytesBilled != 123456789 {
		t.Errorf("maximumBytesBilled on the job = %d", qc.MaxBytesBilled)
	}
	// The emulator rewrites every job's priority to INTERACTIVE; the
	// request Quarry sent is checked in TestNewQueryGuardrails.
}

func TestEmulatorEstimateIsUnknown(t *testing.T) {
	e := emulatorEngine(t, Settings{})
	cost, err := e.Estimate(context.Background(), &sqlplan.Plan{SQL: "SELECT * FROM sample.http_requests"})
	if err != nil {
		t.Fatal(err)
	}
	if cost.Kind != engine.CostUnknown || cost.Bytes != 0 || cost.USD != 0 || len(cost.Notes) == 0 ||
		!strings.Contains(cost.Notes[0], "not Google BigQuery") {
		t.Errorf("cost = %+v, want kind unknown with no numbers and a note", cost)
	}
	t.Logf("emulator estimate: %+v", cost)
	// A dry run still validates: a bad query fails with the server's message.
	_, err = e.Estimate(context.Background(), &sqlplan.Plan{SQL: "SELECT nope FROM sample.http_requests"})
	if err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("bad query estimate: %v", err)
	}
	// An unknown cost passes a budget (nothing to compare); see
	// TestBudgetRefusal for the refusal path.
	g := emulatorEngine(t, Settings{Budget: engine.Budget{MaxBytes: 1}})
	run(t, g, "SELECT 1", 0, engine.QueryOptions{})
}

// slowBQ keeps the emulator busy for minutes.
// It is bounded (2e8 pairs) so that an emulator that ignored cancellation
// would still finish eventually.
const slowBQ = "SELECT COUNT(*) FROM (SELECT bytes FROM sample.http_requests LIMIT 20000) a CROSS JOIN (SELECT bytes FROM sample.http_requests LIMIT 10000) b WHERE a.bytes + b.bytes = 7"

func TestEmulatorCancel(t *testing.T) {
	e := emulatorEngine(t, Settings{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var jobID string
	go func() {
		_, st, err := e.Query(ctx, &sqlplan.Plan{SQL: slowBQ, Statement: "select"}, engine.QueryOptions{})
		jobID = st.JobID
		done <- err
	}()
	time.Sleep(2 * time.Second)
	cancel()
	var err error
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Query did not return within 30 s of cancellation")
	}
	var ce *engine.CanceledError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "cancelled on the server") {
		t.Fatalf("err = %v, want a CanceledError naming the job", err)
	}
	t.Logf("cancelled: %v", err)
	// The emulator's job list: the cancelled job did not complete.
	found := false
	it := e.client.Jobs(context.Background())
	for {
		j, err := it.Next()
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(j.ID(), jobID) && jobID != "" {
			found = true
			if st := j.LastStatus(); st != nil && st.Err() == nil && st.Done() {
				t.Errorf("job %s completed successfully after cancellation", jobID)
			}
		}
	}
	t.Logf("job %s in the emulator's job list: %v", jobID, found)
	// The emulator's own process: its CPU use after the cancellation (the
	// emulator aborts the SQLite statement when the request goes away).
	// Logged, not asserted: other tests may use the shared emulator.
	if c0, ok := emulatorCPU(); ok {
		time.Sleep(3 * time.Second)
		if c1, ok := emulatorCPU(); ok {
			t.Logf("emulator CPU in the 3 s after cancellation: %.2f s", (c1 - c0).Seconds())
		}
	}
	// The emulator still answers.
	run(t, e, "SELECT 1", 0, engine.QueryOptions{})
}

// emulatorCPU returns the emulator process's CPU time (user+system) from
// /proc, using the pid file of scripts/services.sh.
func emulatorCPU() (time.Duration, bool) {
	pid, err := os.ReadFile(filepath.Join(testenv.StateDir(), "bigquery", "emulator.pid"))
	if err != nil {
		return 0, false
	}
	stat, err := os.ReadFile("/proc/" + strings.TrimSpace(string(pid)) + "/stat")
	if err != nil {
		return 0, false
	}
	s := string(stat)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(fields) < 13 {
		return 0, false
	}
	ut, _ := strconv.ParseInt(fields[11], 10, 64)
	st, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(ut+st) * (time.Second / 100), true
}

func TestEmulatorTimeout(t *testing.T) {
	e := emulatorEngine(t, Settings{QueryTimeout: Duration(time.Second)})
	_, _, err := e.Query(context.Background(), &sqlplan.Plan{SQL: slowBQ, Statement: "select"}, engine.QueryOptions{})
	var te *engine.TimeoutError
	if !errors.As(err, &te) || te.Timeout != time.Second || !engine.IsDownstream(err) {
		t.Fatalf("err = %v, want a 1s TimeoutError", err)
	}
}

func TestEmulatorQueryErrors(t *testing.T) {
	e := emulatorEngine(t, Settings{})
	_, _, err := e.Query(context.Background(), &sqlplan.Plan{SQL: "SELECT nope FROM sample.http_requests", Statement: "select"}, engine.QueryOptions{})
	if err == nil || !strings.Contains(err.Error(), "nope") || !engine.IsDownstream(err) {
		t.Errorf("bad column: %v", err)
	}
	_, _, err = e.Query(context.Background(), &sqlplan.Plan{SQL: "DELETE FROM sample.events WHERE true", Statement: "delete"}, engine.QueryOptions{})
	if !errors.Is(err, ErrNotReadOnly) {
		t.Errorf("DELETE: %v", err)
	}
}

func TestEmulatorCatalog(t *testing.T) {
	e := emulatorEngine(t, Settings{})
	ctx := context.Background()
	ds, err := e.Datasets(ctx)
	if err != nil || !strings.Contains(strings.Join(ds, ","), "sample") {
		t.Fatalf("datasets = %v, %v", ds, err)
	}
	tables, err := e.Tables(ctx, "sample")
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(tables, ",")
	for _, want := range []string{"http_requests", "events", "logs", "deploys", "events_*"} {
		if !strings.Contains(","+joined+",", ","+want+",") {
			t.Errorf("tables %q lack %s", joined, want)
		}
	}
	if strings.Contains(joined, "events_2024") {
		t.Errorf("shards listed one by one: %s", joined)
	}
	hr, err := e.Columns(ctx, "sample", "http_requests")
	if err != nil {
		t.Fatal(err)
	}
	if hr.Name != "sample.http_requests" || len(hr.Columns) != 10 || hr.Columns[0] != (catalog.Column{Name: "ts", Type: "TIMESTAMP", PartitionKey: true, SortKey: hr.Columns[0].SortKey}) {
		t.Errorf("http_requests = %+v", hr)
	}
	if p := hr.Partitioning; p == nil || p.Kind != catalog.PartitionColumn || p.Column != "ts" || p.Granularity != "DAY" {
		t.Errorf("http_requests partitioning = %+v, want column ts DAY", p)
	}
	fam, err := e.Columns(ctx, "sample", "events_*")
	if err != nil {
		t.Fatal(err)
	}
	if fam.Partitioning == nil || fam.Partitioning.Kind != catalog.PartitionShards || fam.Name != "sample.events_*" || len(fam.Columns) == 0 {
		t.Errorf("events_* = %+v", fam)
	}
	t.Logf("events_*: %+v", fam)
}

// TestEmulatorCatalogInProject: the builder's project picker names the
// project explicitly (DatasetsInProject, "project.dataset" for Tables and
// Columns); bad names are refused before any request.
func TestEmulatorCatalogInProject(t *testing.T) {
	e := emulatorEngine(t, Settings{})
	ctx := context.Background()
	project := e.settings.Project
	ds, err := e.DatasetsInProject(ctx, project)
	if err != nil || !slices.Contains(ds, "sample") {
		t.Fatalf("datasets of %s = %v, %v", project, ds, err)
	}
	tables, err := e.Tables(ctx, project+".sample")
	if err != nil || !slices.Contains(tables, "http_requests") || !slices.Contains(tables, "events_*") {
		t.Fatalf("tables of %s.sample = %v, %v", project, tables, err)
	}
	hr, err := e.Columns(ctx, project+".sample", "http_requests")
	if err != nil {
		t.Fatal(err)
	}
	if hr.Name != project+".sample.http_requests" || len(hr.Columns) != 10 || !hr.Columns[0].PartitionKey {
		t.Errorf("%s.sample.http_requests = %+v", project, hr)
	}
	for _, tc := range []struct{ dataset, want string }{
		{"1bad.sample", `"1bad" is not a project ID`},
		{"my-project-.sample", `"my-project-" is not a project ID`},
		{project + ".a-b", `"a-b" is not a dataset ID`},
	} {
		if _, err := e.Tables(ctx, tc.dataset); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Tables(%q) = %v, want %q", tc.dataset, err, tc.want)
		}
	}
	if _, err := e.DatasetsInProject(ctx, "Bad_Project"); err == nil || !strings.Contains(err.Error(), "not a project ID") {
		t.Errorf("DatasetsInProject(Bad_Project) = %v", err)
	}
}

// rowsOf renders each row of a table as one line, sorted, for comparing
// results read in different orders.
func rowsOf(t *frames.Table) []string {
	out := make([]string, t.Len())
	for r := range out {
		var b strings.Builder
		for _, c := range t.Columns() {
			if c.IsNull(r) {
				b.WriteString("NULL|")
				continue
			}
			switch col := c.(type) {
			case *frames.Builder[int64]:
				fmt.Fprintf(&b, "%d|", col.Values()[r])
			case *frames.Builder[float64]:
				fmt.Fprintf(&b, "%v|", col.Values()[r])
			case *frames.Builder[bool]:
				fmt.Fprintf(&b, "%v|", col.Values()[r])
			case *frames.Times:
				fmt.Fprintf(&b, "%s|", col.Time(r).Format(time.RFC3339Nano))
			case *frames.Strings:
				fmt.Fprintf(&b, "%q|", col.Value(r))
			case *frames.JSONs:
				fmt.Fprintf(&b, "%s|", col.Values()[r])
			}
		}
		out[r] = b.String()
	}
	sort.Strings(out)
	return out
}

// TestEmulatorStorageReadFallback: with the Storage Read API enabled, a
// query job the API cannot read (the emulator gives jobs no destination
// table) is read through REST pages with the same result. The emulator's
// own Storage Read API cannot be used to test the Arrow path: v0.6.6
// dereferences the absent read options of the Go client's CreateReadSession
// and crashes (storage_handler.go:105). The Arrow path is tested with an
// in-process Storage Read API server (storage_test.go, storagefake_test.go).
func TestEmulatorStorageReadFallback(t *testing.T) {
	info := testenv.BigQuery(t)
	rest := emulatorEngine(t, Settings{})
	st := emulatorEngine(t, Settings{StorageReadAPI: true, StorageEndpoint: info.GRPCAddr})
	const q = "SELECT * FROM sample.events ORDER BY event_time, user_id LIMIT 50"
	a, _ := run(t, st, q, 0, engine.QueryOptions{})
	b, _ := run(t, rest, q, 0, engine.QueryOptions{})
	if ra, rb := rowsOf(a), rowsOf(b); len(ra) != 50 || strings.Join(ra, "\n") != strings.Join(rb, "\n") {
		t.Errorf("storage-enabled query differs from REST: %d vs %d rows", len(ra), len(rb))
	}
}
