package pushdown

import (
	"strings"

	"github.com/bigtent/quarry/pkg/catalog"
	"github.com/bigtent/quarry/pkg/sqlplan/ast"
)

// The planner looks tables and columns up many times per query; these
// helpers match like catalog.Lookup and Table.Column (case-insensitive,
// identifier quotes ignored, qualified names matched by suffix) without
// allocating.

// lookupTable finds a table by name in c: the first of the same name, else
// the first whose qualified name ends with the other.
func lookupTable(c *catalog.Catalog, name string) *catalog.Table {
	if c == nil {
		return nil
	}
	name = bareOf(name)
	suffix := -1
	for i := range c.Tables {
		have := bareOf(c.Tables[i].Name)
		if strings.EqualFold(have, name) {
			return &c.Tables[i]
		}
		if suffix < 0 && (hasSuffixName(have, name) || hasSuffixName(name, have)) {
			suffix = i
		}
	}
	if suffix >= 0 {
		return &c.Tables[suffix]
	}
	return nil
}

// appendCatalogName appends an object name's parts, joined with dots, for
// a catalog lookup.
func appendCatalogName(dst []byte, parts []ast.Ident) []byte {
	for i, p := range parts {
		if i > 0 {
			dst = append(dst, '.')
		}
		dst = append(dst, p.Name...)
	}
	return dst
}

// column finds a column of t by name: the first whose name matches as
// written or, when either has quotes or surrounding spaces, without them
// (case-insensitively).
func column(t *catalog.Table, name string) (*catalog.Column, bool) {
	if t == nil {
		return nil, false
	}
	plainName, bareName := plain(name), bareOf(name)
	for i := range t.Columns {
		have := t.Columns[i].Name
		if strings.EqualFold(have, name) || !(plainName && plain(have)) && strings.EqualFold(bareOf(have), bareName) {
			return &t.Columns[i], true
		}
	}
	return nil, false
}

// bare drops identifier quotes and surrounding spaces.
func bare(s string) string {
	s = strings.TrimSpace(s)
	if strings.IndexAny(s, "`\"") < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '`' && s[i] != '"' {
			b = append(b, s[i])
		}
	}
	return string(b)
}

// plain reports whether bare(s) == s: s holds no identifier quote and
// starts and ends with a printable ASCII character (bytes from 0x80 may
// start white space).
func plain(s string) bool {
	if s == "" {
		return true
	}
	if first, last := s[0], s[len(s)-1]; first <= ' ' || first >= 0x7f || last <= ' ' || last >= 0x7f {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '`' || s[i] == '"' {
			return false
		}
	}
	return true
}

// bareOf is bare(s), without allocating when s is plain.
func bareOf(s string) string {
	if plain(s) {
		return s
	}
	return bare(s)
}

// hasSuffixName reports whether long ends with "." + short
// (case-insensitively); both are bare.
func hasSuffixName(long, short string) bool {
	if len(long) <= len(short)+1 {
		return false
	}
	i := len(long) - len(short)
	return long[i-1] == '.' && strings.EqualFold(long[i:], short)
}
