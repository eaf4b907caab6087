package pushdown

import (
	"strings"

	"github.com/bigtent/quarry/pkg/catalog"
	"github.com/bigtent/quarry/pkg/sqlplan/ast"
)

// ColumnAt finds the catalog column that expr - a column reference as
// written (ts, h.ts, "ts", `t`.`ts`) - names in the query block around
// byte offset at, following derived tables and CTEs whose select list
// passes the column through. It is the macros' type resolver.
func (p *Planner) ColumnAt(expr string, at int) (catalog.Column, bool) {
	parts, ok := splitRef(strings.TrimSpace(expr))
	if !ok {
		return catalog.Column{}, false
	}
	var b *block
	for _, c := range p.t.blocks {
		sp := c.sel.Span
		if sp.Start <= at && at < sp.End && (b == nil || sp.End-sp.Start < b.sel.End-b.sel.Start) {
			b = c
		}
	}
	if b == nil {
		return catalog.Column{}, false
	}
	var qual []ast.Ident
	if len(parts) > 1 {
		qual = []ast.Ident{{Name: parts[len(parts)-2]}}
	}
	col := parts[len(parts)-1]
	tr := &tracer{t: p.t, quote: p.o.Dialect.QuoteIdent}
	tg, st := tr.traceRef(b, qual, col, "")
	if st != found || len(tg) == 0 || tg[0].table == nil {
		return catalog.Column{}, false
	}
	c, ok := column(tg[0].table, tg[0].colName)
	if !ok {
		return catalog.Column{}, false
	}
	for _, o := range tg[1:] {
		if o.table == nil {
			return catalog.Column{}, false
		}
		if oc, ok := column(o.table, o.colName); !ok || oc.Type != c.Type || oc.Hint != c.Hint {
			return catalog.Column{}, false
		}
	}
	return *c, true
}

// splitRef splits a column reference into its unquoted parts. It fails on
// anything that is not a dotted name.
func splitRef(s string) ([]string, bool) {
	var parts []string
	for len(s) > 0 {
		var part string
		switch s[0] {
		case '"', '`':
			q := s[0]
			end := strings.IndexByte(s[1:], q)
			if end < 0 {
				return nil, false
			}
			part, s = s[1:1+end], s[2+end:]
		default:
			i := 0
			for i < len(s) && (s[i] == '_' || s[i] == '$' || s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || s[i] >= '0' && s[i] <= '9' || s[i] >= 0x80) {
				i++
			}
			if i == 0 {
				return nil, false
			}
			part, s = s[:i], s[i:]
		}
		parts = append(parts, part)
		if s == "" {
			break
		}
		if s[0] != '.' {
			return nil, false
		}
		s = s[1:]
	}
	return parts, len(parts) > 0
}
