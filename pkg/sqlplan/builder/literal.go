package builder

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bigtent/quarry/pkg/sqlplan/ast"
	"github.com/bigtent/quarry/pkg/sqlplan/dialect"
)

// stringValue returns the content of a string literal: '...' (with ”
// doubling, and backslash escapes where the dialect has them), PostgreSQL
// and DuckDB E'...', and BigQuery "...". Other forms (raw, bytes, triple
// quoted, dollar quoted, U&, N, X, B) are refused: the builder would not
// write them back as written.
func (r *reader) stringValue(lit *ast.Literal) (string, error) {
	text := lit.Text(r.src)
	backslash := r.d.Name() == dialect.BigQuery || r.d.Name() == dialect.ClickHouse
	if len(text) > 0 && (text[0] == 'E' || text[0] == 'e') && (r.d.Name() == dialect.Postgres || r.d.Name() == dialect.DuckDB) {
		text, backslash = text[1:], true
	}
	if len(text) < 2 {
		return "", r.refuse(lit, "a string literal the builder cannot read")
	}
	q := text[0]
	if q != '\'' && !(q == '"' && r.d.Name() == dialect.BigQuery) || text[len(text)-1] != q || r.d.Name() == dialect.BigQuery && (strings.HasPrefix(text, "'''") || strings.HasPrefix(text, `"""`)) {
		return "", r.refuse(lit, "this string literal form is not in the builder: write '...'")
	}
	body := text[1 : len(text)-1]
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c == q && i+1 < len(body) && body[i+1] == q:
			b.WriteByte(q)
			i++
		case c == '\\' && backslash && i+1 < len(body):
			i++
			switch e := body[i]; e {
			case '\'', '"', '\\', '`', '?':
				b.WriteByte(e)
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case '0':
				b.WriteByte(0)
			case 'x', 'X':
				if i+2 >= len(body) {
					return "", r.refuse(lit, "a bad \\x escape in a string")
				}
				n, err := strconv.ParseUint(body[i+1:i+3], 16, 8)
				if err != nil {
					return "", r.refuse(lit, "a bad \\x escape in a string")
				}
				b.WriteByte(byte(n))
				i += 2
			default:
				return "", r.refuse(lit, "the escape \\%c in a string is not in the builder", e)
			}
		default:
			b.WriteByte(c)
		}
	}
	s := b.String()
	if r.d.Name() != dialect.ClickHouse && !utf8.ValidString(s) {
		return "", r.refuse(lit, "a string that is not valid UTF-8")
	}
	return s, nil
}
