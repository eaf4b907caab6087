package sqlplan

import (
	"context"
	"strings"

	"github.com/bigtent/quarry/pkg/catalog"
	"github.com/bigtent/quarry/pkg/sqlplan/ast"
)

// CatalogLookup describes the tables a query reads (dotted names as
// written, CTE names excluded, in order of appearance), as far as the
// caller knows them; nil when it knows none.
type CatalogLookup func(ctx context.Context, tables []string) *catalog.Catalog

// TableRefs returns the dotted names of the tables a parsed script reads,
// CTE names excluded, in order of appearance, each once.
func TableRefs(script *ast.Script) []string {
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
