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
	qual, col, n := splitRef(strings.TrimSpace(expr))
	if n == 0 {
		return catalog.Column{}, false
	}
	t := p.analysis()
	var b *block
	for _, c := range t.blocks {
		sp := c.sel.Span
		if sp.Start <= at && at < sp.End && (b == nil || sp.End-sp.Start < b.sel.End-b.sel.Start) {
			b = c
		}
	}
	if b == nil {
		return catalog.Column{}, false
	}
	var qbuf [1]ast.Ident
	var q []ast.Ident
	if n > 1 {
		qbuf[0].Name = qual
		q = qbuf[:]
	}
	tr := tracer{t: t} // no quote: only the tables and column names are needed
	tg, st := tr.traceRef(p.targetBuf[:0], b, q, col, "")
	p.targetBuf = tg[:0]
	// Every target comes from here(), so its column is the table's column
	// (nil when the table does not have it).
	if st != found || len(tg) == 0 || tg[0].column == nil {
		return catalog.Column{}, false
	}
	c := tg[0].column
	for _, o := range tg[1:] {
		if oc := o.column; oc == nil || oc.Type != c.Type || oc.Hint != c.Hint {
			return catalog.Column{}, false
		}
	}
	return *c, true
}

// splitRef splits a column reference into its unquoted parts and returns
// the last two (qual is the part before col) and the number of parts, 0
// for anything that is not a dotted name.
func splitRef(s string) (qual, col string, n int) {
	for len(s) > 0 {
		var part string
		switch s[0] {
		case '"', '`':
			q := s[0]
			end := strings.IndexByte(s[1:], q)
			if end < 0 {
				return "", "", 0
			}
			part, s = s[1:1+end], s[2+end:]
		default:
			i := 0
			for i < len(s) && (s[i] == '_' || s[i] == '$' || s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || s[i] >= '0' && s[i] <= '9' || s[i] >= 0x80) {
				i++
			}
			if i == 0 {
				return "", "", 0
			}
			part, s = s[:i], s[i:]
		}
		qual, col = col, part
		n++
		if s == "" {
			break
		}
		if s[0] != '.' {
			return "", "", 0
		}
		s = s[1:]
	}
	return qual, col, n
}
