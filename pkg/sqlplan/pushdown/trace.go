package pushdown

import (
	"fmt"
	"strings"

	"github.com/bigtent/quarry/pkg/catalog"
	"github.com/bigtent/quarry/pkg/sqlplan/ast"
)

// target is a place for a predicate: a block and the SQL text that names
// the column there.
type target struct {
	b       *block
	colText string
	table   *catalog.Table
	colName string
	// column is the catalog column colName names (nil when table does not
	// have it, or for targets not made by here).
	column *catalog.Column
	// note explains a guess (no catalog, several candidates); "" when the
	// placement is certain.
	note string
	// src is the FROM item of b the column comes from (a stand-in
	// without name when the column is left unqualified); path is the
	// quoted field path colText ends with.
	src  *source
	path string
	// above is the join that made the filter go above it: the outer join
	// whose optional side holds the column's table ("" when none).
	above ast.JoinKind
}

// status says how a trace ended.
type status uint8

const (
	notFound status = iota // the query does not output the column
	computed               // the query outputs it, computed: filter where it is consumed
	found                  // targets found inside
)

// tracer follows a column through FROM items. quote quotes one identifier.
type tracer struct {
	t     *tree
	quote func(string) string
	// path is the field path after the column (dotted keys), already quoted
	// with a leading '.', or "".
	path string
	// place is set when tracing where a filter goes: the trace then stops
	// at a derived table or CTE on the optional side of an outer join (the
	// filter goes in the WHERE above the join, not inside it).
	place bool
}

// traceBody appends to dst where a predicate on output column col of a
// query body goes: into every branch of a set operation, by position. The
// trace functions return dst as it was when they find no target.
func (tr *tracer) traceBody(dst []target, s ast.SetExpr, col string) ([]target, status) {
	brs := branches(s, nil)
	if len(brs) == 0 {
		return dst, notFound
	}
	idx := -1
	for i, it := range brs[0].Items {
		if strings.EqualFold(outputName(it), col) {
			idx = i
			break
		}
	}
	n := len(dst)
	for bi, br := range brs {
		var item *ast.SelectItem
		if idx >= 0 && idx < len(br.Items) && bi > 0 {
			item = br.Items[idx]
		}
		var st status
		if dst, st = tr.traceSelect(dst, br, col, item); st != found {
			return dst[:n], st
		}
	}
	return dst, found
}

// traceSelect follows output column col of one SELECT block (or the select
// item at the same position in a set operation branch).
func (tr *tracer) traceSelect(dst []target, sel *ast.Select, col string, item *ast.SelectItem) ([]target, status) {
	b := tr.t.block(sel)
	if b == nil {
		return dst, notFound
	}
	if item == nil {
		for _, it := range sel.Items {
			if _, star := it.Expr.(*ast.Star); !star && strings.EqualFold(outputName(it), col) {
				item = it
				break
			}
		}
	}
	if item != nil {
		if _, star := item.Expr.(*ast.Star); !star {
			ref, ok := item.Expr.(*ast.ColumnRef)
			if !ok {
				return dst, computed
			}
			return tr.traceRef(dst, b, ref.Qualifier(), ref.Name().Name, ref.Text(tr.t.src))
		}
	}
	for _, it := range sel.Items {
		st, ok := it.Expr.(*ast.Star)
		if !ok || hasIdent(st.Except, col) {
			continue
		}
		if out, s := tr.traceRef(dst, b, st.Qualifier, col, ""); s == found {
			return out, found
		}
	}
	return dst, notFound
}

// traceRef appends the targets of column col (qualified by qual) of block
// b to dst: the source's own, or those inside the derived table or CTE it
// comes from. text is how the block's SQL names the column ("" to build a
// name).
func (tr *tracer) traceRef(dst []target, b *block, qual []ast.Ident, col, text string) ([]target, status) {
	if tr.place && len(qual) == 0 {
		// Placing a filter on a column several FROM items surely have:
		// it keeps the matching rows of each of them.
		if n := tr.countSure(b, col); n > 1 {
			for i := range b.sources {
				if s := &b.sources[i]; tr.t.provides(s, col) == yes {
					dst, _ = tr.traceSource(dst, b, s, qual, col, "", "")
				}
			}
			return dst, found
		}
	}
	s, note := tr.pick(b, qual, col)
	if s == nil {
		return dst, notFound
	}
	return tr.traceSource(dst, b, s, qual, col, text, note)
}

// countSure counts the FROM items of b that surely provide col (0 when
// they all refer to one CTE: a predicate in its body serves them all).
func (tr *tracer) countSure(b *block, col string) int {
	n := 0
	var first *source
	same := true
	for i := range b.sources {
		s := &b.sources[i]
		if tr.t.provides(s, col) != yes {
			continue
		}
		if first == nil {
			first = s
		} else if s.kind != srcCTE || s.cte != first.cte {
			same = false
		}
		n++
	}
	if same {
		return 0
	}
	return n
}

// traceSource is traceRef on the chosen source s of b.
func (tr *tracer) traceSource(dst []target, b *block, s *source, qual []ast.Ident, col, text, note string) ([]target, status) {
	if (s.kind == srcCTE || s.kind == srcDerived) && !(tr.place && s.optional != "") {
		if s.query != nil {
			inner := col
			if len(s.cols) > 0 {
				// t(a, b): the alias list renames the outputs by position.
				if i := indexFold(s.cols, col); i >= 0 {
					if sel := firstSelect(s.query.Body); sel != nil && i < len(sel.Items) {
						inner = outputName(sel.Items[i])
					}
				}
			}
			if inner != "" && !(s.kind == srcCTE && s.cte != nil && s.recursive) {
				if out, st := tr.traceBody(dst, s.query.Body, inner); st == found {
					for i := len(dst); i < len(out); i++ {
						if out[i].note == "" {
							out[i].note = note
						}
					}
					return out, found
				}
			}
		}
	}
	tg := tr.here(b, s, qual, col, text, note)
	if tr.place && s.optional != "" && (s.kind == srcCTE || s.kind == srcDerived) {
		tg.above = s.optional
	}
	return append(dst, tg), found
}

// here is the target "in block b, on column col of source s". A tracer
// without quote leaves colText empty unless text is given.
func (tr *tracer) here(b *block, s *source, qual []ast.Ident, col, text, note string) target {
	name := col
	var cc *catalog.Column
	if s.table != nil {
		if c, ok := tr.t.column(s.table, col); ok {
			name, cc = c.Name, c
		}
	}
	if text == "" && tr.quote != nil {
		text = tr.quote(name)
		switch {
		case s.kind == srcUnnest || s.kind == srcArrayJoin || s.qual == "":
			// The alias names the column itself; nothing to qualify with.
		case len(qual) > 0 || s.optional != "" || tr.shared(b, s, col):
			text = s.qual + "." + text
		}
	}
	return target{b: b, colText: text + tr.path, table: s.table, colName: name, column: cc, note: note, src: s, path: tr.path}
}

// shared reports whether a source of b other than s may also provide col,
// so that an unqualified name would be ambiguous.
func (tr *tracer) shared(b *block, s *source, col string) bool {
	for i := range b.sources {
		if o := &b.sources[i]; o != s && tr.t.provides(o, col) != no {
			return true
		}
	}
	return false
}

// pick chooses the source of column col in block b: the one its
// qualifier names, else the one that provides it (asking the catalog and
// the select lists of derived tables and CTEs).
func (tr *tracer) pick(b *block, qual []ast.Ident, col string) (*source, string) {
	if len(qual) > 0 {
		q := strings.ToLower(qual[len(qual)-1].Name)
		for i := range b.sources {
			if s := &b.sources[i]; s.name == q {
				return s, ""
			}
		}
		return nil, ""
	}
	var sure, unsure []*source
	for i := range b.sources {
		s := &b.sources[i]
		switch tr.t.provides(s, col) {
		case yes:
			sure = append(sure, s)
		case maybe:
			unsure = append(unsure, s)
		}
	}
	switch {
	case len(sure) == 1:
		return sure[0], ""
	case len(sure) > 1:
		if sameCTE(sure) {
			return sure[0], ""
		}
		return sure[0], fmt.Sprintf("%d FROM items provide %s; chose %s", len(sure), col, describe(sure[0]))
	case len(unsure) == 1:
		if len(b.sources) == 1 {
			return unsure[0], ""
		}
		return unsure[0], fmt.Sprintf("no catalog entry says which FROM item provides %s; assumed %s", col, describe(unsure[0]))
	case len(unsure) > 1:
		// Leave the column unqualified: the database resolves it.
		return &source{kind: srcBase}, fmt.Sprintf("no catalog entry says which of %d FROM items provides %s; left it unqualified", len(unsure), col)
	}
	return nil, ""
}

func describe(s *source) string {
	switch {
	case s.tableName != "":
		return s.tableName
	case s.qual != "":
		return s.qual
	}
	return "the first FROM item"
}

func indexFold(names []ast.Ident, col string) int {
	for i, n := range names {
		if strings.EqualFold(n.Name, col) {
			return i
		}
	}
	return -1
}

// sameCTE reports whether all sources refer to one CTE (a self-join of a
// CTE: a predicate in its body serves every reference).
func sameCTE(ss []*source) bool {
	for _, s := range ss {
		if s.kind != srcCTE || s.cte != ss[0].cte {
			return false
		}
	}
	return true
}
