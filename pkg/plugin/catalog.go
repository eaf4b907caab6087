package plugin

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/bigtent/quarry/pkg/catalog"
	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/sqlplan/parser"
)

// Catalog lookups feed the planner's type-aware macros and partition
// pruning with the column types of the tables a query reads. They are
// bounded every way: one deadline for all the lookups of a query (within
// the query's own), a few engine calls in flight per data source, one
// lookup per table at a time, a bounded map, and failures remembered only
// briefly so that a table created a moment later is soon seen.
const (
	catalogTTL        = 5 * time.Minute
	catalogFailureTTL = 30 * time.Second
	maxCatalogTables  = 16
	maxCatalogEntries = 1024
	maxCatalogLookups = 4
)

// catalogCache remembers table descriptions (and misses) per data source.
// The zero value is ready to use.
type catalogCache struct {
	mu       sync.Mutex
	entries  map[string]catalogEntry
	inflight map[string]chan struct{} // closed when the lookup of a name ends
	slots    chan struct{}            // engine calls in flight
	now      func() time.Time         // time.Now unless a test sets it
}

type catalogEntry struct {
	table   catalog.Table
	ok      bool
	expires time.Time
}

// initLocked creates the maps and the semaphore on first use.
func (c *catalogCache) initLocked() {
	if c.entries == nil {
		c.entries = map[string]catalogEntry{}
		c.inflight = map[string]chan struct{}{}
		c.slots = make(chan struct{}, maxCatalogLookups)
	}
	if c.now == nil {
		c.now = time.Now
	}
}

// storeLocked remembers e under name, keeping at most maxCatalogEntries:
// expired entries go first, then the one that would expire soonest.
func (c *catalogCache) storeLocked(name string, e catalogEntry) {
	if _, have := c.entries[name]; !have && len(c.entries) >= maxCatalogEntries {
		now := c.now()
		for k, old := range c.entries {
			if !now.Before(old.expires) {
				delete(c.entries, k)
			}
		}
		for len(c.entries) >= maxCatalogEntries {
			victim, first := "", time.Time{}
			for k, old := range c.entries {
				if victim == "" || old.expires.Before(first) {
					victim, first = k, old.expires
				}
			}
			delete(c.entries, victim)
		}
	}
	c.entries[name] = e
}

// referencedTables returns the dotted names of the tables sql reads (CTE
// names excluded), in order of appearance, using the planner's parser.
func referencedTables(d sqlplan.Dialect, sql string) []string {
	script, _ := parser.Parse(sql, d)
	return sqlplan.TableRefs(script)
}

// catalogFor describes the tables sql reads, as far as the engine knows
// them. Unknown tables are left out: the planner then falls back to its
// untyped rules (and the engine reports the missing table). The lookups
// run concurrently under one deadline: the query's own, shortened to the
// metadata timeout and to the data source's queryTimeout.
func (s *Service) catalogFor(ctx context.Context, sql string) *catalog.Catalog {
	return s.catalogOf(ctx, referencedTables(s.eng.Dialect(), sql))
}

// catalogOf describes the named tables (see catalogFor); the planner calls
// it with the tables of the SQL it has parsed (sqlplan.Request.Lookup).
func (s *Service) catalogOf(ctx context.Context, names []string) *catalog.Catalog {
	if len(names) > maxCatalogTables {
		names = names[:maxCatalogTables]
	}
	if len(names) == 0 {
		return nil
	}
	timeout := metadataTimeout
	if qt := time.Duration(s.cfg.QueryTimeout); qt > 0 && qt < timeout {
		timeout = qt
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tables := make([]catalog.Table, len(names))
	found := make([]bool, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tables[i], found[i] = s.describe(ctx, name)
		}()
	}
	wg.Wait()
	var cat catalog.Catalog
	for i := range names {
		if found[i] {
			cat.Tables = append(cat.Tables, tables[i])
		}
	}
	if len(cat.Tables) == 0 {
		return nil
	}
	return &cat
}

// describe returns the remembered description of name, or looks it up:
// one lookup per name at a time (other callers wait for it, or for their
// own deadline), with no lock held during the engine call.
func (s *Service) describe(ctx context.Context, name string) (catalog.Table, bool) {
	c := &s.catalog
	for {
		c.mu.Lock()
		c.initLocked()
		if e, hit := c.entries[name]; hit && c.now().Before(e.expires) {
			c.mu.Unlock()
			return e.table, e.ok
		}
		if busy, ok := c.inflight[name]; ok {
			c.mu.Unlock()
			select {
			case <-busy:
				continue
			case <-ctx.Done():
				return catalog.Table{}, false
			}
		}
		done := make(chan struct{})
		c.inflight[name] = done
		c.mu.Unlock()

		e, remember := s.lookupTable(ctx, name)

		c.mu.Lock()
		delete(c.inflight, name)
		if remember {
			c.storeLocked(name, e)
		}
		c.mu.Unlock()
		close(done)
		return e.table, e.ok
	}
}

// lookupTable asks the engine for one table's columns once a slot is free.
// remember is false when the caller's deadline, not the engine, ended the
// lookup.
func (s *Service) lookupTable(ctx context.Context, name string) (e catalogEntry, remember bool) {
	c := &s.catalog
	select {
	case c.slots <- struct{}{}:
		defer func() { <-c.slots }()
	case <-ctx.Done():
		return catalogEntry{}, false
	}
	dataset, table := "", name
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		dataset, table = name[:i], name[i+1:]
	}
	t, err := s.eng.Columns(ctx, dataset, table)
	if err != nil && ctx.Err() != nil {
		return catalogEntry{}, false // the query went away or ran out of time: do not remember a miss
	}
	c.mu.Lock()
	now := c.now()
	c.mu.Unlock()
	if err == nil && len(t.Columns) > 0 {
		t.Name = name
		return catalogEntry{table: t, ok: true, expires: now.Add(catalogTTL)}, true
	}
	if err != nil {
		s.deps.Logger.FromContext(ctx).Debug("catalog lookup failed", "table", name, "error", s.redact(err).Error())
	}
	return catalogEntry{expires: now.Add(catalogFailureTTL)}, true
}
