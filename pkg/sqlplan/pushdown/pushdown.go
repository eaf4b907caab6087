package pushdown

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bigtent/quarry/pkg/catalog"
	"github.com/bigtent/quarry/pkg/sqlplan/ast"
	"github.com/bigtent/quarry/pkg/sqlplan/dialect"
	"github.com/bigtent/quarry/pkg/sqlplan/edit"
)

// Edit replaces the bytes [Start, End) of the original SQL with Text
// (Start == End inserts); the plan assembly applies them with the edit
// buffer.
type Edit = edit.Edit

// Step is one change the pushdown made, for the plan explanation.
type Step struct {
	Kind       string // pushdown, timepushdown, partition, limit
	Detail     string
	Start, End int
}

// Warning is something the user should know. Offset is -1 when the
// warning is not tied to a place in the SQL.
type Warning struct {
	Code    string
	Message string
	Offset  int
}

// Options describe the statement to work on.
type Options struct {
	// Src is the original SQL; every span indexes it.
	Src string
	// Query is the statement's query (for EXPLAIN, the explained query).
	Query   *ast.Query
	Dialect dialect.Dialect
	Catalog *catalog.Catalog
	// From and To are the dashboard time range.
	From, To time.Time
}

// Planner collects the predicates and the row cap for one statement and
// turns them into edits. Use it once per statement: Filters, TimeRange,
// Partitions, RowCap in any order, then Result; Reset starts the next.
type Planner struct {
	o Options
	// t is the analysed FROM tree, made on first need (see analysis).
	t        tree
	analysed bool
	// conds are the predicates per block, in the order blocks got their
	// first one; Reset keeps the slices (and their preds) for reuse.
	conds  []blockConds
	edits  []Edit
	steps  []Step
	warns  []Warning
	result []Edit // Result's edits
	// targetBuf is scratch space for ColumnAt's traces (most find one
	// target: targetArr).
	targetBuf []target
	targetArr [1]target
	// conjBuf is scratch space for the conjuncts of a WHERE.
	conjBuf []ast.Expr
	// detail is scratch space for a step's detail text; keyParts for the
	// parts of a filter key.
	detail   []byte
	keyParts []string
}

// blockConds are the predicates to AND into one block's WHERE.
type blockConds struct {
	sel   *ast.Select
	preds []string
}

// New prepares a Planner for the statement. It analyses nothing yet: the
// FROM tree is analysed when a method first needs it.
func New(o Options) *Planner {
	p := new(Planner)
	p.Reset(o)
	return p
}

// Reset prepares p for another statement as New does, reusing p's own
// memory: a long-lived caller keeps one Planner per goroutine. Nothing from
// the previous statement survives, though its buffers are kept: what
// Result returned is valid until the next Reset.
func (p *Planner) Reset(o Options) {
	p.o = o
	p.t.reset()
	p.analysed = false
	p.conds = p.conds[:0]
	p.edits, p.steps, p.warns, p.result = p.edits[:0], p.steps[:0], p.warns[:0], p.result[:0]
	if p.targetBuf == nil {
		p.targetBuf = p.targetArr[:0]
	}
	p.conjBuf = p.conjBuf[:0]
}

// analysis returns the analysed FROM tree, analysing it on first use.
func (p *Planner) analysis() *tree {
	if !p.analysed {
		p.analysed = true
		p.t.analyse(p.o.Src, p.o.Query, p.o.Catalog)
	}
	return &p.t
}

// Result returns the edits (unordered; apply them with the edit buffer),
// the steps and the warnings. They are p's buffers: valid until the next
// Reset.
func (p *Planner) Result() ([]Edit, []Step, []Warning) {
	// WHERE edits come first: at an offset where a WHERE and a LIMIT are
	// both inserted (a query ending with its FROM or WHERE), the stable sort
	// keeps the WHERE before the LIMIT.
	edits := p.result[:0]
	for _, c := range p.conds {
		edits = appendWhereEdits(edits, c.sel, c.preds)
	}
	edits = append(edits, p.edits...)
	slices.SortStableFunc(edits, func(a, b Edit) int { return cmp.Compare(a.Start, b.Start) })
	p.result = edits
	return edits, p.steps, p.warns
}

func (p *Planner) warn(code string, off int, format string, args ...any) {
	p.warns = append(p.warns, Warning{Code: code, Message: fmt.Sprintf(format, args...), Offset: off})
}

// addCond ANDs a predicate into block sel's WHERE.
func (p *Planner) addCond(sel *ast.Select, pred string) {
	for i := range p.conds {
		if p.conds[i].sel == sel {
			p.conds[i].preds = append(p.conds[i].preds, pred)
			return
		}
	}
	if n := len(p.conds); n < cap(p.conds) {
		p.conds = p.conds[:n+1] // reuse the preds slice a previous statement left
		p.conds[n].sel, p.conds[n].preds = sel, append(p.conds[n].preds[:0], pred)
		return
	}
	p.conds = append(p.conds, blockConds{sel: sel, preds: []string{pred}})
}

// appendWhereEdits appends the edits that write the predicates into sel:
// "WHERE a" becomes "WHERE a AND p", "WHERE a OR b" becomes
// "WHERE (a OR b) AND p", and a block without WHERE gets " WHERE p" after
// its FROM (and PREWHERE).
func appendWhereEdits(edits []Edit, sel *ast.Select, preds []string) []Edit {
	if len(preds) == 0 {
		return edits
	}
	joined := strings.Join(preds, " AND ")
	if sel.Where == nil || sel.Where.Expr == nil {
		return append(edits, Edit{Start: sel.WhereInsert, End: sel.WhereInsert, Text: " WHERE " + joined})
	}
	sp := sel.Where.Expr.NodeSpan()
	if needsParens(sel.Where.Expr) {
		return append(edits,
			Edit{Start: sp.Start, End: sp.Start, Text: "("},
			Edit{Start: sp.End, End: sp.End, Text: ") AND " + joined},
		)
	}
	return append(edits, Edit{Start: sp.End, End: sp.End, Text: " AND " + joined})
}

// needsParens reports whether ANDing to e needs parentheses around e: when
// e has an OR at its top, or a part whose text is unknown until expansion
// (a template variable, $__conditionalAll, an opaque run).
func needsParens(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.Binary:
		switch e.Op {
		case "AND":
			return needsParens(e.Left) || needsParens(e.Right)
		case "OR", "XOR":
			return true
		}
		return false
	case *ast.Variable, *ast.Opaque:
		return true
	case *ast.Macro:
		switch e.Name {
		case "__conditionalAll", "__adHocFilters":
			return true
		}
		return false
	}
	return false
}

// conjuncts lists the top-level AND operands of e (through parentheses).
func conjuncts(e ast.Expr, out []ast.Expr) []ast.Expr {
	switch x := e.(type) {
	case *ast.Binary:
		if x.Op == "AND" {
			out = conjuncts(x.Left, out)
			return conjuncts(x.Right, out)
		}
	case *ast.Paren:
		return conjuncts(x.X, out)
	case nil:
		return out
	}
	return append(out, e)
}
