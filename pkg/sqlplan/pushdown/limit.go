package pushdown

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/bigtent/quarry/pkg/sqlplan/ast"
	"github.com/bigtent/quarry/pkg/sqlplan/dialect"
)

// RowCap makes the outermost query return at most maxRows+1 rows, so a
// truncated result is detected without reading it all: it tightens a
// larger LIMIT or FETCH FIRST count, or adds a LIMIT where the statement
// has none (before ClickHouse SETTINGS and FORMAT; after LIMIT n BY); a
// ClickHouse set operation is wrapped in SELECT * FROM (…) LIMIT n, since a
// LIMIT after it would bind to its last branch. It reports whether the SQL
// now asks for exactly maxRows+1 rows. A smaller limit the user wrote is
// kept. Where a LIMIT cannot be placed safely (a ClickHouse set operation
// under WITH; a limit given by an expression) it adds a warning and leaves
// the cap to the reader.
func (p *Planner) RowCap(maxRows int64) bool {
	q := p.o.Query
	if q == nil || maxRows <= 0 {
		return false
	}
	want := maxRows + 1
	wantText := strconv.FormatInt(want, 10)
	tighten := func(count ast.Expr, clause string) bool {
		n, ok := p.intLiteral(count)
		if !ok {
			p.warn("row_cap", count.NodeSpan().Start, "the %s count is not a number; the row cap of %d is applied while reading", clause, maxRows)
			return false
		}
		if n <= want {
			return false
		}
		sp := count.NodeSpan()
		p.edits = append(p.edits, Edit{Start: sp.Start, End: sp.End, Text: wantText})
		p.steps = append(p.steps, Step{Kind: "limit", Start: sp.Start, End: sp.End,
			Detail: fmt.Sprintf("row cap %d: %s %d tightened to %s so a truncated result is detected", maxRows, clause, n, wantText)})
		return true
	}
	switch {
	case q.Fetch != nil:
		if q.Fetch.Count == nil || q.Fetch.WithTies {
			return false
		}
		return tighten(q.Fetch.Count, "FETCH FIRST")
	case q.Limit != nil:
		if q.Limit.WithTies {
			return false
		}
		if q.Limit.Count == nil { // LIMIT ALL
			if q.Limit.Offset != nil {
				return false
			}
			sp := q.Limit.Span
			p.edits = append(p.edits, Edit{Start: sp.Start, End: sp.End, Text: "LIMIT " + wantText})
			p.steps = append(p.steps, Step{Kind: "limit", Start: sp.Start, End: sp.End,
				Detail: fmt.Sprintf("row cap %d: LIMIT ALL replaced by LIMIT %s", maxRows, wantText)})
			return true
		}
		return tighten(q.Limit.Count, "LIMIT")
	}
	at := q.LimitInsert
	if at <= 0 || at > len(p.o.Src) {
		at = q.End
	}
	if _, setop := q.Body.(*ast.SetOp); setop && p.o.Dialect.Name() == dialect.ClickHouse {
		return p.wrapSetOp(q, at, maxRows, wantText)
	}
	p.edits = append(p.edits, Edit{Start: at, End: at, Text: " LIMIT " + wantText})
	p.steps = append(p.steps, Step{Kind: "limit", Start: at, End: at,
		Detail: fmt.Sprintf("row cap %d: LIMIT %s added so a truncated result is detected", maxRows, wantText)})
	return true
}

// wrapSetOp caps a ClickHouse set operation, whose trailing LIMIT would
// bind to its last SELECT, by wrapping it: SELECT * FROM (<union>) LIMIT n
// (before SETTINGS and FORMAT, which stay outside). A WITH on top stays a
// warning: old servers do not pass WITH aliases into subqueries.
func (p *Planner) wrapSetOp(q *ast.Query, at int, maxRows int64, wantText string) bool {
	if q.With != nil || q.Paren {
		p.warn("row_cap", -1, "a LIMIT after a ClickHouse UNION under WITH would bind to its last SELECT; the row cap of %d is applied while reading", maxRows)
		return false
	}
	start := q.Body.NodeSpan().Start
	p.edits = append(p.edits,
		Edit{Start: start, End: start, Text: "SELECT * FROM ("},
		Edit{Start: at, End: at, Text: ") LIMIT " + wantText})
	p.steps = append(p.steps, Step{Kind: "limit", Start: start, End: at,
		Detail: fmt.Sprintf("row cap %d: the ClickHouse set operation wrapped in SELECT * FROM (…) LIMIT %s, since a LIMIT after it would bind to its last SELECT", maxRows, wantText)})
	return true
}

// intLiteral reads a non-negative integer literal.
func (p *Planner) intLiteral(e ast.Expr) (int64, bool) {
	lit, ok := e.(*ast.Literal)
	if !ok || lit.Kind != ast.LitNumber {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.ReplaceAll(lit.Text(p.o.Src), "_", ""), 10, 64)
	return n, err == nil && n >= 0
}
