package stmtmacro

import (
	"fmt"
	"strings"

	"github.com/bigtent/quarry/pkg/sqlplan/lexer"
)

// builder writes one statement macro's expansion as edits of s.
type builder func(x *expansion, s *stmt) error

// stmt is one statement macro call and the FROM… tail it wraps.
type stmt struct {
	t    text
	c    call
	kind string // "altinity" or "official"
	// from is the index of the tail's FROM token; to is one past its last
	// significant token (a trailing ';' stays outside the tail).
	from, to int
	// start and end are the tail's byte range.
	start, end int
	edits      []edit
}

// head replaces the macro call (and what is between it and FROM) with text.
func (s *stmt) head(text string) { s.edits = append(s.edits, edit{s.c.start, s.start, text}) }

// insert inserts text at byte offset at.
func (s *stmt) insert(at int, text string) { s.edits = append(s.edits, edit{at, at, text}) }

// top returns the index of the first tail token at parenthesis depth 0,
// from token index from on, that starts the word sequence words; -1 if none.
func (s *stmt) top(from int, words ...string) int {
	depth := 0
	for i := s.from; i < s.to; i++ {
		tk := s.t.toks[i]
		if tk.Kind == lexer.Punct {
			switch s.t.tok(i) {
			case "(", "[":
				depth++
			case ")", "]":
				depth--
			}
			continue
		}
		if depth != 0 || i < from || !s.t.isWord(i, words[0]) {
			continue
		}
		j, ok := i, true
		for _, w := range words[1:] {
			j = s.t.next(j)
			if !s.t.isWord(j, w) {
				ok = false
				break
			}
		}
		if ok {
			return i
		}
	}
	return -1
}

// clauseAfter returns the byte offset of the first top-level clause among
// keys (each a word sequence) at or after token index from, or s.end.
func (s *stmt) clauseAfter(from int, keys ...[]string) int {
	best := s.end
	for _, k := range keys {
		if i := s.top(from, k...); i >= 0 && s.t.toks[i].Start < best {
			best = s.t.toks[i].Start
		}
	}
	return best
}

var (
	kwGroupBy  = []string{"GROUP", "BY"}
	kwHaving   = []string{"HAVING"}
	kwOrderBy  = []string{"ORDER", "BY"}
	kwLimit    = []string{"LIMIT"}
	kwSettings = []string{"SETTINGS"}
	kwFormat   = []string{"FORMAT"}
	kwUnion    = []string{"UNION"}
	kwWindow   = []string{"WINDOW"}
)

// timeFilter adds the time filter macro tf to the tail's part before byte
// offset limit, as the Altinity plugin does: after every WHERE there (also
// in subqueries) as "WHERE tf AND …", or, without any WHERE, as a WHERE of
// its own before the first clause that must follow it.
func (s *stmt) timeFilter(tf string, limit int) {
	found := false
	for i := s.from; i < s.to && s.t.toks[i].Start < limit; i++ {
		if s.t.isWord(i, "WHERE") {
			s.insert(s.t.toks[i].End, " "+tf+" AND")
			found = true
		}
	}
	if !found {
		at := min(limit, s.clauseAfter(s.from, kwGroupBy, kwHaving, kwOrderBy, kwLimit, kwSettings, kwFormat, kwUnion, kwWindow))
		s.insert(at, " WHERE "+tf+" ")
	}
}

// statement is the pass that expands the query's statement macro, if any.
func (x *expansion) statement(t text) ([]edit, error) {
	var found *stmt
	var build builder
	depth := 0
	for i := 0; i < len(t.toks); i++ {
		tk := t.toks[i]
		if tk.Kind == lexer.Punct {
			switch t.tok(i) {
			case "(", "[":
				depth++
			case ")", "]":
				depth--
			}
			continue
		}
		name := t.tok(i)
		var b builder
		kind := "altinity"
		switch tk.Kind {
		case lexer.Variable:
			b = altinityStatements[name]
		case lexer.Macro:
			b, kind = officialStatements[name], "official"
		}
		if b == nil || x.shadowed(name) {
			continue
		}
		c, ok, err := t.readCall(i)
		if err != nil {
			return nil, err
		}
		if !ok {
			if kind == "official" {
				return nil, &Error{Offset: tk.Start, Message: name + " takes arguments: write " + name + "(…) FROM …"}
			}
			continue // a template variable that happens to share the name
		}
		if depth > 0 {
			return nil, &Error{Offset: tk.Start, Message: fmt.Sprintf(
				"%s is a statement macro: it must start the query (before FROM), not stand inside parentheses", name)}
		}
		if found != nil {
			return nil, &Error{Offset: tk.Start, Message: fmt.Sprintf(
				"only one statement macro is allowed per query: %s follows %s", name, found.c.name)}
		}
		found, build = &stmt{t: t, c: c, kind: kind}, b
		i = c.close
	}
	if found == nil {
		return nil, nil
	}
	s := found
	f := t.next(s.c.close)
	if !t.isWord(f, "FROM") {
		off := len(t.src)
		if f < len(t.toks) {
			off = t.toks[f].Start
		}
		return nil, &Error{Offset: off, Message: fmt.Sprintf(
			"%s must be followed by FROM: write %s(…) FROM table …", s.c.name, s.c.name)}
	}
	s.from = f
	s.to = len(t.toks)
	for s.to > f && (t.toks[s.to-1].Trivia() || t.isPunct(s.to-1, ";")) {
		s.to--
	}
	s.start, s.end = t.toks[s.from].Start, t.toks[s.to-1].End
	if err := build(x, s); err != nil {
		return nil, err
	}
	x.step("statement_macro", s.c.start, s.end, s.c.name+" expands to: "+previewExpansion(t.src, s.edits, s.c.start, s.end))
	return s.edits, nil
}

// previewExpansion is the statement's text after the edits (for the plan
// step; nested macros are expanded in later steps).
func previewExpansion(src string, edits []edit, start, end int) string {
	cp := append([]edit(nil), edits...)
	out, _ := apply(src[:end], cp)
	return strings.TrimSpace(out[start:])
}

// alias returns an argument's alias as the Altinity plugin finds it: its
// last space-separated word. An argument ending in ')' has none: error.
func alias(a arg, macro string) (string, error) {
	if a.text == "" {
		return "", &Error{Offset: a.start, Message: macro + ": an argument is empty"}
	}
	if strings.HasSuffix(a.text, ")") {
		return "", &Error{Offset: a.start, Message: fmt.Sprintf(
			"%s: the argument %q has no alias: name it, as in %s AS name", macro, a.text, a.text)}
	}
	f := strings.Fields(a.text)
	return f[len(f)-1], nil
}

func argTexts(as []arg) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.text
	}
	return out
}

// countArgs checks the argument count of a statement macro.
func countArgs(s *stmt, min, max int, form string) error {
	n := len(s.c.args)
	if n >= min && (max < 0 || n <= max) {
		return nil
	}
	return &Error{Offset: s.c.start, Message: fmt.Sprintf("%s takes %s, got %d argument(s): write %s", s.c.name,
		map[bool]string{true: fmt.Sprintf("%d argument(s)", min), false: fmt.Sprintf("at least %d arguments", min)}[min == max], n, form)}
}
