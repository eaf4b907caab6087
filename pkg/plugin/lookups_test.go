package plugin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/bigtent/quarry/pkg/catalog"
	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

// slowLookups wraps a real engine: ServerVersion and Columns wait for
// release (or their context) before answering, and count their calls and
// how many run at once. With fail set they answer with an error.
type slowLookups struct {
	engine.Engine
	release  chan struct{}
	entered  chan string
	fail     bool
	calls    atomic.Int64
	running  atomic.Int64
	peak     atomic.Int64
	deadline chan time.Time // the deadline of each Columns call
}

func newSlowLookups(e engine.Engine) *slowLookups {
	return &slowLookups{Engine: e, release: make(chan struct{}), entered: make(chan string, 64), deadline: make(chan time.Time, 64)}
}

func (s *slowLookups) wait(ctx context.Context, what string) error {
	s.calls.Add(1)
	n := s.running.Add(1)
	defer s.running.Add(-1)
	for {
		p := s.peak.Load()
		if n <= p || s.peak.CompareAndSwap(p, n) {
			break
		}
	}
	select {
	case s.entered <- what:
	default: // nobody counts these (the map test makes hundreds)
	}
	select {
	case <-s.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	if s.fail {
		return errors.New("lookup refused by the test engine")
	}
	return nil
}

func (s *slowLookups) ServerVersion(ctx context.Context) (string, error) {
	if err := s.wait(ctx, "version"); err != nil {
		return "", err
	}
	return "1.2.0", nil
}

func (s *slowLookups) Columns(ctx context.Context, dataset, table string) (catalog.Table, error) {
	d, _ := ctx.Deadline()
	select {
	case s.deadline <- d:
	default:
	}
	if err := s.wait(ctx, dataset+"."+table); err != nil {
		return catalog.Table{}, err
	}
	return catalog.Table{Name: table, Columns: []catalog.Column{{Name: "ts", Type: "TIMESTAMP"}}}, nil
}

func lookupService(t *testing.T, settings map[string]any) (*Service, *slowLookups) {
	t.Helper()
	ds, ce := openDuckDB(t, settings, nil)
	sl := newSlowLookups(ce.Engine)
	return NewService(ds.svc.cfg, sl, Deps{Logger: log.NewNullLogger()}), sl
}

// within fails the test unless ch yields within a generous bound (a hang
// guard, not a timing assertion).
func within[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(20 * time.Second):
		t.Fatalf("%s did not happen", what)
		panic("unreachable")
	}
}

func TestServerVersionLookupHoldsNoLock(t *testing.T) {
	s, sl := lookupService(t, map[string]any{})
	first := make(chan string, 1)
	go func() { first <- s.serverVersion(context.Background()) }()
	within(t, sl.entered, "the first version lookup")

	// While the lookup waits on the network, a caller whose query is gone
	// returns at once: it neither queues behind a lock nor starts a
	// second lookup.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	second := make(chan string, 1)
	go func() { second <- s.serverVersion(ctx) }()
	if v := within(t, second, "the cancelled caller's return"); v != "" {
		t.Fatalf("cancelled caller got %q", v)
	}
	// A patient caller waits for the running lookup and shares it.
	third := make(chan string, 1)
	go func() { third <- s.serverVersion(context.Background()) }()
	close(sl.release)
	v1, v3 := within(t, first, "the first lookup"), within(t, third, "the shared lookup")
	if v1 == "" || v3 != v1 {
		t.Fatalf("versions %q and %q, want the same non-empty version", v1, v3)
	}
	if n := sl.calls.Load(); n != 1 {
		t.Fatalf("%d version lookups, want 1", n)
	}
	if v := s.serverVersion(context.Background()); v != v1 || sl.calls.Load() != 1 {
		t.Fatalf("known version %q looked up again (%d calls)", v, sl.calls.Load())
	}
}

func TestServerVersionFailureIsRememberedBriefly(t *testing.T) {
	s, sl := lookupService(t, map[string]any{})
	sl.fail = true
	close(sl.release)
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	s.version.now = func() time.Time { return now }
	for i := 0; i < 3; i++ {
		if v := s.serverVersion(context.Background()); v != "" {
			t.Fatalf("failed lookup gave %q", v)
		}
	}
	if n := sl.calls.Load(); n != 1 {
		t.Fatalf("%d lookups within the failure TTL, want 1", n)
	}
	now = now.Add(versionFailureTTL)
	sl.fail = false
	if v := s.serverVersion(context.Background()); v == "" || sl.calls.Load() != 2 {
		t.Fatalf("after the failure TTL: version %q, %d calls; want a new, successful lookup", v, sl.calls.Load())
	}
}

func manyTables(n int) string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("sample.t%d", i)
	}
	return "SELECT 1 FROM " + strings.Join(names, ", ")
}

func TestCatalogLookupsAreBounded(t *testing.T) {
	s, sl := lookupService(t, map[string]any{})
	done := make(chan int, 1)
	go func() {
		cat := s.catalogFor(context.Background(), manyTables(maxCatalogTables+4))
		done <- len(cat.Tables)
	}()
	for i := 0; i < maxCatalogLookups; i++ {
		within(t, sl.entered, "a catalog lookup")
	}
	// Every slot is taken and the engine holds them: no further call starts.
	if n := sl.running.Load(); n != maxCatalogLookups {
		t.Fatalf("%d lookups running, want %d", n, maxCatalogLookups)
	}
	close(sl.release)
	if n := within(t, done, "the catalog"); n != maxCatalogTables {
		t.Fatalf("catalog has %d tables, want the first %d", n, maxCatalogTables)
	}
	if p := sl.peak.Load(); p > maxCatalogLookups {
		t.Fatalf("%d lookups ran at once, want at most %d", p, maxCatalogLookups)
	}
	if n := sl.calls.Load(); n != maxCatalogTables {
		t.Fatalf("%d lookups, want %d", n, maxCatalogTables)
	}
	// Remembered: a second query reads the same tables without a call.
	s.catalogFor(context.Background(), manyTables(maxCatalogTables))
	if n := sl.calls.Load(); n != maxCatalogTables {
		t.Fatalf("%d lookups after a repeat, want %d", n, maxCatalogTables)
	}
}

func TestCatalogLookupsRunUnderTheQueryDeadline(t *testing.T) {
	// queryTimeout 1s: the lookups of a query share one deadline within it,
	// and a lookup that ran out of time is not remembered as a miss.
	s, sl := lookupService(t, map[string]any{"queryTimeout": "1s"})
	start := time.Now()
	done := make(chan bool, 1)
	go func() { done <- s.catalogFor(context.Background(), manyTables(8)) == nil }()
	if empty := within(t, done, "the catalog lookups' deadline"); !empty {
		t.Fatal("tables described although every lookup timed out")
	}
	for i := 0; i < 8; i++ {
		select {
		case d := <-sl.deadline:
			if d.IsZero() || d.After(start.Add(time.Second+time.Second/2)) {
				t.Fatalf("lookup deadline %v, want within the 1s queryTimeout of %v", d, start)
			}
		default:
			// lookups still queued for a slot when the deadline came never
			// reached the engine
		}
	}
	s.catalog.mu.Lock()
	n := len(s.catalog.entries)
	s.catalog.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d timed-out lookups remembered", n)
	}
}

func TestCatalogFailuresAreRememberedBriefly(t *testing.T) {
	s, sl := lookupService(t, map[string]any{})
	sl.fail = true
	close(sl.release)
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	s.catalog.now = func() time.Time { return now }
	for i := 0; i < 3; i++ {
		if cat := s.catalogFor(context.Background(), "SELECT 1 FROM sample.gone"); cat != nil {
			t.Fatalf("failed lookup described %+v", cat)
		}
	}
	if n := sl.calls.Load(); n != 1 {
		t.Fatalf("%d lookups within the failure TTL, want 1", n)
	}
	now = now.Add(catalogFailureTTL)
	sl.fail = false
	if cat := s.catalogFor(context.Background(), "SELECT 1 FROM sample.gone"); cat == nil || sl.calls.Load() != 2 {
		t.Fatalf("after the failure TTL: %+v after %d calls, want a new, successful lookup", cat, sl.calls.Load())
	}
	// A description is kept much longer than a failure.
	now = now.Add(catalogTTL - time.Second)
	s.catalogFor(context.Background(), "SELECT 1 FROM sample.gone")
	if n := sl.calls.Load(); n != 2 {
		t.Fatalf("%d lookups within the TTL of a description, want 2", n)
	}
}

func TestCatalogMapIsBounded(t *testing.T) {
	s, sl := lookupService(t, map[string]any{})
	close(sl.release)
	var wg sync.WaitGroup
	for i := 0; i < maxCatalogEntries+200; i += maxCatalogTables {
		wg.Add(1)
		go func() {
			defer wg.Done()
			names := make([]string, maxCatalogTables)
			for j := range names {
				names[j] = fmt.Sprintf("sample.m%d", i+j)
			}
			s.catalogFor(context.Background(), "SELECT 1 FROM "+strings.Join(names, ", "))
		}()
	}
	wg.Wait()
	s.catalog.mu.Lock()
	n := len(s.catalog.entries)
	s.catalog.mu.Unlock()
	if n > maxCatalogEntries || n < maxCatalogEntries-maxCatalogTables {
		t.Fatalf("%d entries, want at most %d (and the map full)", n, maxCatalogEntries)
	}
}

// slowEstimate is a narrow fake: its estimate runs until its context ends,
// and it records the deadline it was given.
type slowEstimate struct {
	engine.Engine
	deadline time.Time
}

func (s *slowEstimate) Estimate(ctx context.Context, _ *sqlplan.Plan) (engine.Cost, error) {
	s.deadline, _ = ctx.Deadline()
	<-ctx.Done()
	return engine.Cost{}, fmt.Errorf("estimate interrupted: %w", ctx.Err())
}

func TestEstimateUsesQueryTimeout(t *testing.T) {
	ds, ce := openDuckDB(t, map[string]any{"queryTimeout": "1s"}, nil)
	se := &slowEstimate{Engine: ce.Engine}
	s := NewService(ds.svc.cfg, se, Deps{Logger: log.NewNullLogger()})
	plan, err := s.Plan(context.Background(), sqlplan.Request{RawSQL: "SELECT 1",
		TimeRange: sqlplan.TimeRange{From: time.Unix(0, 0), To: time.Unix(3600, 0)}})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	done := make(chan error, 1)
	go func() { _, err := s.Estimate(context.Background(), plan); done <- err }()
	err = within(t, done, "the estimate's timeout")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "queryTimeout (1s)") {
		t.Fatalf("estimate error %v, want a deadline error naming queryTimeout", err)
	}
	if se.deadline.IsZero() || se.deadline.After(start.Add(time.Second+time.Second/2)) {
		t.Fatalf("estimate deadline %v, want within the 1s queryTimeout of %v", se.deadline, start)
	}
	if src := errorSource(err); src != backend.ErrorSourceDownstream {
		t.Fatalf("error source %v, want downstream", src)
	}
}

// TestResourceWithinQueryTimeout: a catalog lookup that never answers (the
// BigQuery client retries an emulator's 500 until its context ends) is cut
// at the data source's queryTimeout with a 504 that says so.
func TestResourceWithinQueryTimeout(t *testing.T) {
	s, sl := lookupService(t, map[string]any{"queryTimeout": "300ms"})
	d := NewWithService(s)
	done := make(chan struct{})
	var status int
	var body []byte
	go func() {
		defer close(done)
		status, body = d.Resource(context.Background(), "GET", "schema/columns", "/schema/columns?dataset=sample&table=x", nil)
	}()
	within(t, done, "the resource call's end at the queryTimeout")
	if status != 504 {
		t.Fatalf("status %d, want 504: %s", status, body)
	}
	if !strings.Contains(string(body), "queryTimeout (300ms)") || !strings.Contains(string(body), "schema/columns") {
		t.Errorf("the error does not name the route and the queryTimeout: %s", body)
	}
	if sl.calls.Load() != 1 {
		t.Errorf("%d Columns calls, want 1", sl.calls.Load())
	}
}
