package parser

import "github.com/bigtent/quarry/pkg/sqlplan/ast"

// Lists are collected in fixed-size stack buffers and copied once into an
// exact-size slice: one allocation per list instead of a growing append.
// (Pooling nodes in shared chunks was measured slower: the garbage
// collector then scans and keeps whole chunks.)

// identsOf copies ids into a new exact-size slice.
func identsOf(ids []ast.Ident) []ast.Ident {
	return append(make([]ast.Ident, 0, len(ids)), ids...)
}

// exprsOf copies es into a new exact-size slice (nil when empty).
func exprsOf(es []ast.Expr) []ast.Expr {
	if len(es) == 0 {
		return nil
	}
	return append(make([]ast.Expr, 0, len(es)), es...)
}

// newColumnRef allocates a ColumnRef and its parts together when it has
// one or two parts (the common case): one allocation instead of two.
func newColumnRef(span ast.Span, parts []ast.Ident) *ast.ColumnRef {
	switch len(parts) {
	case 1:
		c := &struct {
			ref   ast.ColumnRef
			parts [1]ast.Ident
		}{}
		c.parts[0] = parts[0]
		c.ref = ast.ColumnRef{Span: span, Parts: c.parts[:]}
		return &c.ref
	case 2:
		c := &struct {
			ref   ast.ColumnRef
			parts [2]ast.Ident
		}{}
		copy(c.parts[:], parts)
		c.ref = ast.ColumnRef{Span: span, Parts: c.parts[:]}
		return &c.ref
	}
	return &ast.ColumnRef{Span: span, Parts: identsOf(parts)}
}

// newObjectName is newColumnRef for names.
func newObjectName(span ast.Span, parts []ast.Ident) *ast.ObjectName {
	switch len(parts) {
	case 1:
		n := &struct {
			name  ast.ObjectName
			parts [1]ast.Ident
		}{}
		n.parts[0] = parts[0]
		n.name = ast.ObjectName{Span: span, Parts: n.parts[:]}
		return &n.name
	case 2:
		n := &struct {
			name  ast.ObjectName
			parts [2]ast.Ident
		}{}
		copy(n.parts[:], parts)
		n.name = ast.ObjectName{Span: span, Parts: n.parts[:]}
		return &n.name
	}
	return &ast.ObjectName{Span: span, Parts: identsOf(parts)}
}
