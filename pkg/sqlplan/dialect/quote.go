package dialect

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrNUL is returned when a string value holds a NUL byte that the dialect
// cannot store (PostgreSQL and DuckDB text).
var ErrNUL = errors.New("value contains a NUL byte, which this dialect's text type cannot hold")

// ErrInvalidUTF8 is returned for a string value that is not valid UTF-8 in a
// dialect whose strings must be UTF-8 (PostgreSQL, DuckDB, BigQuery).
var ErrInvalidUTF8 = errors.New("value is not valid UTF-8")

// QuoteIdent quotes one identifier part: `x` for BigQuery and ClickHouse
// (backslash escapes), "x" with "" doubling for PostgreSQL and DuckDB.
// The result is always quoted, so keywords and odd characters are safe.
func (d Dialect) QuoteIdent(s string) string {
	var b strings.Builder
	switch d.name {
	case BigQuery, ClickHouse:
		b.WriteByte('`')
		for i := 0; i < len(s); i++ {
			c := s[i]
			switch c {
			case '`', '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case '\n':
				b.WriteString(`\n`)
			case '\r':
				b.WriteString(`\r`)
			case '\t':
				b.WriteString(`\t`)
			case 0:
				b.WriteString(`\0`)
			default:
				b.WriteByte(c)
			}
		}
		b.WriteByte('`')
	default:
		b.WriteByte('"')
		b.WriteString(strings.ReplaceAll(s, `"`, `""`))
		b.WriteByte('"')
	}
	return b.String()
}

// QuotePath quotes a dotted key ("labels.app", "t.host") part by part:
// `labels`.`app` or "labels"."app". An empty part, a NUL byte or invalid
// UTF-8 is an error.
func (d Dialect) QuotePath(key string) (string, error) {
	if key == "" {
		return "", errors.New("empty key")
	}
	if !utf8.ValidString(key) {
		return "", fmt.Errorf("key %q: %w", key, ErrInvalidUTF8)
	}
	if strings.IndexByte(key, 0) >= 0 {
		return "", fmt.Errorf("key %q contains a NUL byte", key)
	}
	parts := strings.Split(key, ".")
	for i, p := range parts {
		if p == "" {
			return "", fmt.Errorf("key %q has an empty part: write a.b, not a..b or a.", key)
		}
		parts[i] = d.QuoteIdent(p)
	}
	return strings.Join(parts, "."), nil
}

// QuoteString returns s as a string literal.
//
//   - BigQuery: '...' with backslash escapes: \' \\ \n \r \t, and \xHH for
//     NUL and other control characters. s must be valid UTF-8.
//   - ClickHouse: '...' with backslash escapes (\' \\ \n \r \t \0, \xHH for
//     other control bytes). Any bytes are allowed.
//   - PostgreSQL: '...' with ” doubling. When s holds a backslash the
//     literal is written E'...' with \\ so that it means the same whatever
//     standard_conforming_strings is. NUL is rejected (ErrNUL): PostgreSQL
//     text cannot hold it, and E'\000' is refused by the server too.
//   - DuckDB: '...' with ” doubling (backslashes are literal); NUL is
//     rejected like PostgreSQL.
func (d Dialect) QuoteString(s string) (string, error) {
	var b strings.Builder
	b.Grow(len(s) + 2)
	switch d.name {
	case BigQuery:
		if !utf8.ValidString(s) {
			return "", ErrInvalidUTF8
		}
		b.WriteByte('\'')
		for i := 0; i < len(s); i++ {
			writeBackslashEscaped(&b, s[i], false)
		}
		b.WriteByte('\'')
	case ClickHouse:
		b.WriteByte('\'')
		for i := 0; i < len(s); i++ {
			writeBackslashEscaped(&b, s[i], true)
		}
		b.WriteByte('\'')
	case Postgres, DuckDB:
		if !utf8.ValidString(s) {
			return "", ErrInvalidUTF8
		}
		if strings.IndexByte(s, 0) >= 0 {
			return "", ErrNUL
		}
		if d.name == Postgres && strings.IndexByte(s, '\\') >= 0 {
			b.WriteString("E'")
			for i := 0; i < len(s); i++ {
				switch s[i] {
				case '\\':
					b.WriteString(`\\`)
				case '\'':
					b.WriteString(`''`)
				default:
					b.WriteByte(s[i])
				}
			}
			b.WriteByte('\'')
			return b.String(), nil
		}
		b.WriteByte('\'')
		b.WriteString(strings.ReplaceAll(s, "'", "''"))
		b.WriteByte('\'')
	}
	return b.String(), nil
}

func writeBackslashEscaped(b *strings.Builder, c byte, nulAsZero bool) {
	switch c {
	case '\'':
		b.WriteString(`\'`)
	case '\\':
		b.WriteString(`\\`)
	case '\n':
		b.WriteString(`\n`)
	case '\r':
		b.WriteString(`\r`)
	case '\t':
		b.WriteString(`\t`)
	case 0:
		if nulAsZero {
			b.WriteString(`\0`)
		} else {
			b.WriteString(`\x00`)
		}
	default:
		if c < 0x20 || c == 0x7f {
			fmt.Fprintf(b, `\x%02x`, c)
			return
		}
		b.WriteByte(c)
	}
}

// MustQuoteString is QuoteString for values known to be valid (time zone
// names, generated text). It panics on error.
func (d Dialect) MustQuoteString(s string) string {
	q, err := d.QuoteString(s)
	if err != nil {
		panic(err)
	}
	return q
}

// NumberLiteral returns s as a numeric literal when s is a plain decimal
// number ("42", "-1.5", "1e3"), and false otherwise (hex, "inf", "NaN",
// underscores, spaces). Negative numbers are parenthesised so that they
// never meet a preceding '-' and become a comment.
func (d Dialect) NumberLiteral(s string) (string, bool) {
	if s == "" || len(s) > 64 {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E') {
			return "", false
		}
	}
	body := strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	if body == "" || body[0] < '0' && body[0] != '.' || body[0] > '9' {
		return "", false
	}
	if _, err := strconv.ParseFloat(s, 64); err != nil {
		return "", false
	}
	if strings.HasPrefix(s, "+") {
		s = s[1:]
	}
	if strings.HasPrefix(s, "-") {
		return "(" + s + ")", true
	}
	return s, true
}

// RegexMatch returns the expression "expr matches the regex literal
// patternLit" (patternLit is already a quoted string literal), negated when
// not is true. Matching is a partial (search) match everywhere:
// PostgreSQL ~ / !~, DuckDB regexp_matches, BigQuery REGEXP_CONTAINS,
// ClickHouse match().
func (d Dialect) RegexMatch(expr, patternLit string, not bool) string {
	neg := ""
	if not {
		neg = "NOT "
	}
	switch d.name {
	case Postgres:
		if not {
			return expr + " !~ " + patternLit
		}
		return expr + " ~ " + patternLit
	case DuckDB:
		return neg + "regexp_matches(" + expr + ", " + patternLit + ")"
	case BigQuery:
		return neg + "REGEXP_CONTAINS(" + expr + ", " + patternLit + ")"
	default:
		return neg + "match(" + expr + ", " + patternLit + ")"
	}
}

// InList returns "expr IN (l1, l2, ...)" (NOT IN when not is true) for
// already-quoted literals. An empty list gives a constant false (true for
// NOT IN) that every dialect accepts.
func (d Dialect) InList(expr string, literals []string, not bool) string {
	if len(literals) == 0 {
		if not {
			return "1 = 1"
		}
		return "1 = 0"
	}
	op := " IN ("
	if not {
		op = " NOT IN ("
	}
	return expr + op + strings.Join(literals, ", ") + ")"
}
