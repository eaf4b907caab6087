// Package pushdown places the planner's extra predicates in a parsed query:
// ad hoc filters in the innermost query block whose FROM provides their
// column, the dashboard time range inside subqueries and CTEs, BigQuery
// partition and shard predicates, and the row cap. It works on the AST and
// returns edits at byte offsets of the original SQL; it never re-prints SQL.
//
// Filter keys and values are untrusted. A key must be an identifier or a
// dotted path and is quoted by the dialect; a value is always written as a
// dialect-escaped literal (a number only when the catalog says the column is
// numeric and the value is a plain decimal number).
package pushdown

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/bigtent/quarry/pkg/sqlplan/dialect"
)

// Filter is one ad hoc filter: {key, operator, value | values}.
type Filter struct {
	Key      string
	Operator string
	Value    string
	Values   []string
}

// Operators lists the filter operators in the order the docs give them.
var Operators = []string{"=", "!=", "<", ">", "<=", ">=", "=~", "!~", "=|", "!=|"}

// ValidOperator reports whether op is a filter operator.
func ValidOperator(op string) bool {
	for _, o := range Operators {
		if o == op {
			return true
		}
	}
	return false
}

// ErrBadKey is wrapped by the errors for filter keys that are not an
// identifier or a dotted path.
var ErrBadKey = errors.New("filter key must be an identifier or a dotted path (letters, digits and _, parts joined by '.')")

// KeyParts validates a filter key and splits it at dots. Each part must
// start with a letter or '_' and hold only letters, digits and '_' (and '$'
// after the first character); anything else - quotes, spaces, operators,
// comment starters, NUL - is an error wrapping ErrBadKey.
func KeyParts(key string) ([]string, error) {
	return appendKeyParts(nil, key)
}

// appendKeyParts is KeyParts appending the parts to dst.
func appendKeyParts(dst []string, key string) ([]string, error) {
	if key == "" {
		return nil, fmt.Errorf("empty filter key: %w", ErrBadKey)
	}
	if len(key) > 256 {
		return nil, fmt.Errorf("filter key is %d bytes long (at most 256): %w", len(key), ErrBadKey)
	}
	if !utf8.ValidString(key) {
		return nil, fmt.Errorf("filter key %q is not valid UTF-8: %w", key, ErrBadKey)
	}
	for rest, more := key, true; more; {
		var p string
		p, rest, more = strings.Cut(rest, ".")
		if p == "" {
			return nil, fmt.Errorf("filter key %q has an empty part: %w", key, ErrBadKey)
		}
		for i, r := range p {
			ok := r == '_' || unicode.IsLetter(r) || i > 0 && (unicode.IsDigit(r) || r == '$')
			if !ok {
				return nil, fmt.Errorf("filter key %q: character %q is not allowed: %w", key, r, ErrBadKey)
			}
		}
		dst = append(dst, p)
	}
	return dst, nil
}

// Predicate renders filter f as a boolean SQL expression on the column
// expression col (already valid SQL: a quoted path or the query's own
// column reference). numeric says the column is known to be numeric, so
// plain decimal values may be written as numbers.
func Predicate(d dialect.Dialect, col string, f Filter, numeric bool) (string, error) {
	lit := func(v string) (string, error) {
		if numeric {
			if n, ok := d.NumberLiteral(v); ok {
				return n, nil
			}
		}
		q, err := d.QuoteString(v)
		if err != nil {
			return "", fmt.Errorf("filter %s %s: value: %w", f.Key, f.Operator, err)
		}
		return q, nil
	}
	switch f.Operator {
	case "=", "!=", "<", ">", "<=", ">=":
		v, err := lit(f.Value)
		if err != nil {
			return "", err
		}
		op := f.Operator
		if op == "!=" {
			op = "<>"
		}
		return col + " " + op + " " + v, nil
	case "=~", "!~":
		q, err := d.QuoteString(f.Value)
		if err != nil {
			return "", fmt.Errorf("filter %s %s: pattern: %w", f.Key, f.Operator, err)
		}
		return d.RegexMatch(col, q, f.Operator == "!~"), nil
	case "=|", "!=|":
		vals := f.Values
		if len(vals) == 0 && f.Value != "" {
			vals = []string{f.Value}
		}
		lits := make([]string, 0, len(vals))
		for _, v := range vals {
			l, err := lit(v)
			if err != nil {
				return "", err
			}
			lits = append(lits, l)
		}
		return d.InList(col, lits, f.Operator == "!=|"), nil
	}
	return "", fmt.Errorf("filter %s: unknown operator %q: use one of %s", f.Key, f.Operator, strings.Join(Operators, " "))
}

// NumericType reports whether an engine type string names a numeric type
// (integers, floats, decimals), unwrapping ClickHouse Nullable(...) and
// LowCardinality(...).
func NumericType(typ string) bool {
	t := strings.ToLower(strings.TrimSpace(typ))
	for {
		switch {
		case strings.HasPrefix(t, "nullable(") && strings.HasSuffix(t, ")"):
			t = t[len("nullable(") : len(t)-1]
			continue
		case strings.HasPrefix(t, "lowcardinality(") && strings.HasSuffix(t, ")"):
			t = t[len("lowcardinality(") : len(t)-1]
			continue
		}
		break
	}
	if i := strings.IndexByte(t, '('); i >= 0 {
		t = strings.TrimSpace(t[:i])
	}
	switch t {
	case "int", "integer", "smallint", "bigint", "tinyint", "hugeint", "int2", "int4", "int8", "int16",
		"int32", "int64", "int128", "int256", "uint8", "uint16", "uint32", "uint64", "uint128", "uint256",
		"utinyint", "usmallint", "uinteger", "ubigint", "uhugeint",
		"float", "float4", "float8", "float32", "float64", "real", "double", "double precision",
		"numeric", "decimal", "bignumeric", "bigdecimal", "decimal32", "decimal64", "decimal128", "decimal256",
		"serial", "bigserial", "smallserial":
		return true
	}
	return false
}
