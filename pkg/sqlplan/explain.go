package sqlplan

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/bigtent/quarry/pkg/sqlplan/lexer"
)

// Explain renders a plan for people (`quarry plan --explain`): the statement
// kind, every step with the line:column of the original text it changed,
// the warnings, the row cap and fill, and the final SQL.
func Explain(p *Plan) string {
	if p == nil {
		return "no plan\n"
	}
	src := p.Request.RawSQL
	var b strings.Builder
	fmt.Fprintf(&b, "statement: %s", p.Statement)
	if p.Request.Dialect != "" {
		fmt.Fprintf(&b, " (%s", p.Request.Dialect)
		if p.Request.ServerVersion != "" {
			fmt.Fprintf(&b, " %s", p.Request.ServerVersion)
		}
		b.WriteString(")")
	}
	b.WriteString("\n")
	if len(p.Steps) == 0 {
		b.WriteString("steps: none (the SQL runs as written)\n")
	} else {
		b.WriteString("steps:\n")
		w := len(strconv.Itoa(len(p.Steps)))
		for i, s := range p.Steps {
			where := ""
			if s.Span != nil && src != "" {
				l, c := lexer.Position(src, s.Span.Start)
				where = fmt.Sprintf(" at %d:%d", l, c)
			}
			fmt.Fprintf(&b, "  %*d. %-12s%s  %s\n", w, i+1, s.Kind, where, s.Detail)
		}
	}
	if len(p.Warnings) > 0 {
		b.WriteString("warnings:\n")
		for _, wn := range p.Warnings {
			where := ""
			if wn.Line > 0 {
				where = fmt.Sprintf(" at %d:%d", wn.Line, wn.Column)
			}
			fmt.Fprintf(&b, "  - %s%s: %s\n", wn.Code, where, wn.Message)
		}
	}
	if p.RowCap > 0 {
		if p.LimitAdded {
			fmt.Fprintf(&b, "row cap: %d (the SQL asks for %d rows, so a truncated result is detected)\n", p.RowCap, p.RowCap+1)
		} else {
			fmt.Fprintf(&b, "row cap: %d (enforced while reading; the SQL's own limit is kept)\n", p.RowCap)
		}
	}
	if p.Fill != nil {
		fmt.Fprintf(&b, "fill: %s", p.Fill.Mode)
		if p.Fill.Mode == FillValue {
			fmt.Fprintf(&b, " %g", p.Fill.Value)
		}
		switch m := p.Fill.Months; {
		case m == 1:
			b.WriteString(" every calendar month\n")
		case m > 1 && m%12 == 0:
			fmt.Fprintf(&b, " every %d calendar year(s)\n", m/12)
		case m > 1:
			fmt.Fprintf(&b, " every %d calendar months\n", m)
		default:
			fmt.Fprintf(&b, " every %s\n", p.Fill.Interval)
		}
	}
	b.WriteString("sql:\n")
	for _, line := range strings.Split(p.SQL, "\n") {
		b.WriteString("  ")
		b.WriteString(line)
		b.WriteString("\n")
	}
	return b.String()
}
