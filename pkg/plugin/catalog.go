package plugin

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/bigtent/quarry/pkg/catalog"
	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/sqlplan/ast"
	"github.com/bigtent/quarry/pkg/sqlplan/parser"
)

// Catalog lookups feed the planner's type-aware macros and partition
// pruning with the column types of the tables a query reads.
const (
	catalogTTL       = 5 * time.Minute
	maxCatalogTables = 16
)

// catalogCache remembers table descriptions (and misses) per data source.
type catalogCache struct {
	mu      sync.Mutex
	entries map[string]catalogEntry
}

type catalogEntry struct {
	table   catalog.Table
	ok      bool
	expires time.Time
}

// referencedTables returns the dotted names of the tables sql reads (CTE
// names excluded), in order of appearance, using the planner's parser.
func referencedTables(d sqlplan.Dialect, sql string) []string {
	script, _ := parser.Parse(sql, d)
	if script == nil {
		return nil
	}
	ctes := map[string]bool{}
	var names []string
	seen := map[string]bool{}
	ast.Inspect(script, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.CTE:
			ctes[strings.ToLower(x.Name.Name)] = true
		case *ast.TableRef:
			if x.Name == nil || len(x.Name.Parts) == 0 {
				return true
			}
			parts := make([]string, 0, len(x.Name.Parts))
			for _, p := range x.Name.Parts {
				parts = append(parts, p.Name)
			}
			name := strings.Join(parts, ".")
			if len(parts) == 1 && ctes[strings.ToLower(name)] {
				return true
			}
			if !seen[name] {
				seen[name] = true
				names = append(names, name)
			}
		}
		return true
	})
	return names
}

// catalogFor describes the tables sql reads, as far as the engine knows
// them. Unknown tables are left out: the planner then falls back to its
// untyped rules (and the engine reports the missing table).
func (s *Service) catalogFor(ctx context.Context, sql string) *catalog.Catalog {
	names := referencedTables(s.eng.Dialect(), sql)
	if len(names) > maxCatalogTables {
		names = names[:maxCatalogTables]
	}
	var cat catalog.Catalog
	for _, name := range names {
		if t, ok := s.describe(ctx, name); ok {
			cat.Tables = append(cat.Tables, t)
		}
	}
	if len(cat.Tables) == 0 {
		return nil
	}
	return &cat
}

func (s *Service) describe(ctx context.Context, name string) (catalog.Table, bool) {
	now := time.Now()
	s.catalog.mu.Lock()
	e, hit := s.catalog.entries[name]
	s.catalog.mu.Unlock()
	if hit && now.Before(e.expires) {
		return e.table, e.ok
	}
	dataset, table := "", name
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		dataset, table = name[:i], name[i+1:]
	}
	cctx, cancel := context.WithTimeout(ctx, metadataTimeout)
	t, err := s.eng.Columns(cctx, dataset, table)
	cancel()
	e = catalogEntry{ok: err == nil && len(t.Columns) > 0, expires: now.Add(catalogTTL)}
	if err != nil && ctx.Err() != nil {
		return catalog.Table{}, false // the caller went away: do not remember a miss
	}
	if e.ok {
		t.Name = name
		e.table = t
	} else if err != nil {
		s.deps.Logger.FromContext(ctx).Debug("catalog lookup failed", "table", name, "error", s.redact(err).Error())
	}
	s.catalog.mu.Lock()
	if s.catalog.entries == nil {
		s.catalog.entries = map[string]catalogEntry{}
	}
	s.catalog.entries[name] = e
	s.catalog.mu.Unlock()
	return e.table, e.ok
}
