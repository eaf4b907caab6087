package macros

import (
	"bytes"
	"errors"
	"strings"

	"github.com/bigtent/quarry/pkg/sqlplan/dialect"
	"github.com/bigtent/quarry/pkg/sqlplan/lexer"
)

// Edit replaces src[Start:End] with Text. When AdHoc is set the span is a
// $__adHocFilters marker and Text is empty: the plan assembly writes the ad
// hoc filter predicate there.
type Edit struct {
	Start, End int
	Text       string
	AdHoc      bool
}

// Step is one expansion, for the plan's step list (sqlplan.Step with the
// span inline). Kind is "macro" or "variable".
type Step struct {
	Kind       string
	Detail     string
	Start, End int
}

// Warning is something the user should know (sqlplan.Warning with a byte
// offset instead of line:column). Codes: unreplaced_variable,
// variable_in_string, macro_in_string,
// macro_in_comment, conflicting_fill.
type Warning struct {
	Code    string
	Message string
	Offset  int
}

// Result is what ExpandAll found and did.
type Result struct {
	// Edits are sorted by Start and do not overlap.
	Edits    []Edit
	Steps    []Step
	Warnings []Warning
	// Fill is the fill of the first $__timeGroup-style macro with one.
	Fill *Fill
	// AdHoc reports whether the SQL has a $__adHocFilters marker.
	AdHoc bool
}

// grafanaGlobals are Grafana variables the frontend replaces and the
// backend cannot: left in place with an unreplaced_variable warning.
var grafanaGlobals = map[string]bool{
	"all": true, "dashboard": true, "user": true, "org": true, "name": true, "rate_interval": true,
	"rate_interval_ms": true, "searchFilter": true, "data": true, "field": true, "series": true,
	"value": true, "cell": true, "url": true, "url_time_range": true, "timeFilterOn": true,
}

// ExpandAll expands every macro and Grafana time variable in src, given the
// lexer's tokens of src. Macros and variables inside strings and comments
// are never touched (a comment holding "$__" gets a macro_in_comment
// warning). Unknown template variables ($host, ${var:csv}, [[var]]) are
// left as they are with an unreplaced_variable warning. The first error
// (an *Error) stops the expansion.
func ExpandAll(src string, toks []lexer.Token, env *Env) (*Result, error) {
	return expandAll(newScratch(), src, toks, env)
}

// expandAll is ExpandAll appending to the storage in s, which it resets.
func expandAll(s *scratch, src string, toks []lexer.Token, env *Env) (*Result, error) {
	s.reset()
	w := walker{src: src, toks: toks, env: env, res: &s.res, s: s, brackets: -1, unvalued: -1}
	for i := w.skip(0); i < len(toks); i = w.skip(i) {
		t := toks[i]
		switch t.Kind {
		case lexer.Comment:
			w.checkTrivia(t, "macro_in_comment", "a comment")
		case lexer.Macro:
			text, adhoc, end, next, handled, err := w.call(i)
			if err != nil {
				return nil, err
			}
			if handled {
				w.addEdit(Edit{Start: t.Start, End: end, Text: w.separate(t.Start, end, text), AdHoc: adhoc})
				if adhoc {
					w.res.AdHoc = true
				}
			}
			i = next
			continue
		case lexer.String:
			w.checkTrivia(t, "macro_in_string", "a string literal")
			if err := w.stringVariables(t); err != nil {
				return nil, err
			}
			if len(env.vars) > 0 {
				n := len(w.s.edits)
				if err := w.stringUserVariables(t); err != nil {
					return nil, err
				}
				sortEditsFrom(w.s.edits, n)
			}
		case lexer.Variable:
			if text, ok, err := w.variable(t); err != nil {
				return nil, err
			} else if ok {
				if !w.glued {
					text = w.separate(t.Start, t.End, text)
				}
				w.addEdit(Edit{Start: t.Start, End: t.End, Text: text})
			}
		}
		i++
	}
	return w.res, nil
}

// skip returns the index of the first token from toks[i] on that can
// need the walker: one holding a '$' (macros, $var and ${var} variables,
// "$__" in comments and strings) or "[[" ([[var]] variables). Every other
// token is left alone, so the walker jumps over them with a byte search
// and a binary search instead of visiting each one.
func (w *walker) skip(i int) int {
	if i >= len(w.toks) {
		return i
	}
	from := w.toks[i].Start
	p := strings.IndexByte(w.src[from:], '$')
	if p >= 0 {
		p += from
	} else {
		p = len(w.src)
	}
	if w.brackets < from {
		w.brackets = len(w.src)
		if b := indexBrackets(w.src[from:]); b >= 0 {
			w.brackets = from + b
		}
	}
	p = min(p, w.brackets)
	if p == len(w.src) {
		return len(w.toks)
	}
	// The first token that ends after p: the one holding p.
	lo, hi := i, len(w.toks)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if w.toks[m].End <= p {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// tokenAt returns the index of the token starting at byte offset off.
func (w *walker) tokenAt(off int) int {
	lo, hi := 0, len(w.toks)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if w.toks[m].Start < off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// indexBrackets is strings.Index(s, "[["), cheaper for the usual SQL with
// few or no '['.
func indexBrackets(s string) int {
	for i := 0; ; {
		j := strings.IndexByte(s[i:], '[')
		if j < 0 {
			return -1
		}
		i += j + 1
		if i < len(s) && s[i] == '[' {
			return i - 1
		}
	}
}

// scratch is the storage of one expansion: the Result and what its slices
// and the walker append to. ExpandAll uses a fresh one; an Expander keeps
// one between queries, so its slices keep their capacity.
type scratch struct {
	res      Result
	edits    []Edit
	steps    []Step
	warnings []Warning
	// args holds the arguments of the calls being read, outer calls'
	// first: a call's arguments are args[base:] while it expands.
	args []Arg
	// argText is where argument texts with expansions are built.
	argText []byte
	// fills, when set, store the first fill (res.Fill) and a later one to
	// compare; without them each fill is allocated.
	fills *[2]Fill
}

// reset empties s for the next expansion, keeping its storage. The old
// elements are cleared so that s holds no strings of the last query.
func (s *scratch) reset() {
	clear(s.edits)
	clear(s.steps)
	clear(s.warnings)
	clear(s.args)
	s.res = Result{}
	s.edits, s.steps, s.warnings, s.args = s.edits[:0], s.steps[:0], s.warnings[:0], s.args[:0]
	s.argText = s.argText[:0]
}

// freshScratch is a scratch with room for its first edits, steps and
// arguments: one allocation for most queries (they have one or two
// macros). Appending beyond it moves to new storage as usual.
type freshScratch struct {
	s     scratch
	edits [2]Edit
	steps [2]Step
	args  [3]Arg // the arguments of one call (nested calls push more)
}

func newScratch() *scratch {
	r := new(freshScratch)
	r.s.edits, r.s.steps, r.s.args = r.edits[:0], r.steps[:0], r.args[:0]
	return &r.s
}

func (w *walker) addEdit(e Edit) {
	w.s.edits = append(w.s.edits, e)
	w.res.Edits = w.s.edits
}

func (w *walker) addStep(st Step) {
	w.s.steps = append(w.s.steps, st)
	w.res.Steps = w.s.steps
}

// pushArg pushes a macro argument on the argument stack.
func (w *walker) pushArg(a Arg) {
	w.s.args = append(w.s.args, a)
}

// separate pads an expansion that replaces src[start:end] with a space on a
// side where it would otherwise fuse with an adjacent word (`JOIN$__time(c)`
// must not become `JOINc`).
func (w *walker) separate(start, end int, text string) string {
	if text == "" {
		return text
	}
	if start > 0 && isWordByte(w.src[start-1]) && isWordByte(text[0]) {
		text = " " + text
	}
	if end < len(w.src) && isWordByte(w.src[end]) && isWordByte(text[len(text)-1]) {
		text += " "
	}
	return text
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

type walker struct {
	src  string
	toks []lexer.Token
	env  *Env
	res  *Result
	s    *scratch // res and the storage its slices and the walker use
	// brackets is the offset of the next "[[" that skip found (len(src):
	// none), -1 before the first search.
	brackets int
	// unvalued is the offset of the first template variable without a
	// value read since a macro call began reading its arguments (-1: none).
	unvalued int
	// glued is set by variable when the text it returned is part of a
	// name (start_${unit}_km) and must not be separated from it.
	glued bool
}

// warn adds a warning whose message is the concatenation of msg.
func (w *walker) warn(code string, off int, msg ...string) {
	w.s.warnings = append(w.s.warnings, Warning{Code: code, Offset: off, Message: join(msg...)})
	w.res.Warnings = w.s.warnings
}

// checkTrivia warns (code) when a comment or string literal holds a $__
// macro or variable: it is left alone, as everything inside them is.
func (w *walker) checkTrivia(t lexer.Token, code, where string) {
	text := t.Text(w.src)
	for from := 0; from < len(text); {
		i := strings.Index(text[from:], "$__")
		if i < 0 {
			return
		}
		i += from
		j := i + 3
		for j < len(text) && (text[j] == '_' || text[j] >= 'a' && text[j] <= 'z' || text[j] >= 'A' && text[j] <= 'Z' || text[j] >= '0' && text[j] <= '9') {
			j++
		}
		if code == "macro_in_string" && text[i:j] == "$__timezone" {
			from = j // Grafana's global, replaced inside strings (stringVariables)
			continue
		}
		w.warn(code, t.Start+i, text[i:j], " is inside ", where, " and was left alone; write it outside quotes and comments to expand it")
		return
	}
}

func (w *walker) isPunct(i int, s string) bool {
	return i < len(w.toks) && w.toks[i].Kind == lexer.Punct && w.toks[i].Text(w.src) == s
}

// inSelectList reports whether toks[i] stands in a SELECT list: the nearest
// clause keyword before it, at its own bracket depth, is SELECT.
func (w *walker) inSelectList(i int) bool {
	depth := 0
	for j := i - 1; j >= 0; j-- {
		t := w.toks[j]
		switch {
		case w.isPunct(j, ")") || w.isPunct(j, "]"):
			depth++
		case w.isPunct(j, "(") || w.isPunct(j, "["):
			if depth == 0 {
				return false // the macro is inside brackets: an argument, not a select item
			}
			depth--
		case depth == 0 && t.Kind == lexer.Keyword:
			switch t.Kw {
			case lexer.KwSelect:
				return true
			case lexer.KwBy, lexer.KwWhere, lexer.KwFrom, lexer.KwHaving, lexer.KwOn, lexer.KwGroup, lexer.KwOrder:
				return false
			}
		}
	}
	return false
}

// call expands the macro whose name token is toks[i]. It returns the
// expansion, whether it is the ad hoc marker, the end offset of the call,
// the index of the token after it, and whether anything was expanded.
func (w *walker) call(i int) (text string, adhoc bool, end, next int, handled bool, err error) {
	t := w.toks[i]
	raw := t.Text(w.src)
	name := strings.TrimPrefix(t.MacroName(w.src), "__")
	parens := w.isPunct(i+1, "(") && w.toks[i+1].Start == t.End
	norm := normName(name)
	sp, known := specs[norm]
	if !known {
		if !parens && grafanaGlobals[name] {
			w.warn("unreplaced_variable", t.Start, "Grafana variable ", raw, " was not replaced by Grafana; it is passed through unchanged")
			return raw, false, t.End, i + 1, false, nil
		}
		return "", false, 0, 0, false, &Error{Offset: t.Start, Macro: raw, Msg: "unknown macro; see the macro reference for the supported $__ macros"}
	}
	c := Call{Name: name, Start: t.Start, End: t.End}
	next = i + 1
	if parens {
		c.Parens = true
		outer := w.unvalued
		w.unvalued = -1
		defer func() {
			if outer >= 0 {
				w.unvalued = outer
			}
		}()
		base := len(w.s.args)
		defer func() { w.s.args = w.s.args[:base] }()
		closeIdx, err := w.args(base, i+1, name)
		if err != nil {
			return "", false, 0, 0, false, err
		}
		c.Args = w.s.args[base:]
		c.End = w.toks[closeIdx].End
		next = closeIdx + 1
	}
	if name == "timeGroup" && w.env.d.Name() == dialect.Postgres && c.End < len(w.src) && w.src[c.End] == ',' && w.inSelectList(i) {
		// Grafana's PostgreSQL plugin: "$__timeGroup(...)," is the pre-5.3
		// form that also names the column. Unlike Grafana, only in a SELECT
		// list: "GROUP BY $__timeGroup(...), host" must stay a bare expression.
		c.Name = "timeGroupAlias"
		norm, sp = c.Name, specs[c.Name]
	}
	var fill *Fill
	if w.s.fills != nil {
		fill = &w.s.fills[0] // res.Fill once set
		if w.res.Fill != nil {
			fill = &w.s.fills[1] // compared with res.Fill
		}
	}
	exp, err := expandSpec(w.env, c, norm, sp, raw, fill)
	if err != nil {
		if at := w.unvalued; at >= 0 {
			v := w.toks[w.tokenAt(at)]
			return "", false, 0, 0, false, &Error{Offset: at, Macro: "template variable " + v.Text(w.src),
				Msg: "has no value, and " + raw + " needs one here (" + errorMessage(err) + "): give it a value in the request's \"variables\""}
		}
		return "", false, 0, 0, false, err
	}
	if exp.Fill != nil {
		switch {
		case w.res.Fill == nil:
			w.res.Fill = exp.Fill
		case *w.res.Fill != *exp.Fill:
			w.warn("conflicting_fill", c.Start, raw, " asks for a different fill than an earlier macro; the first one is used")
		}
	}
	w.addStep(Step{Kind: "macro", Detail: exp.Detail, Start: c.Start, End: c.End})
	return exp.SQL, exp.AdHoc, c.End, next, true, nil
}

// args reads a parenthesised argument list starting at the "(" token
// toks[open] and pushes the arguments on the argument stack, above base. Nested
// macros and time variables are expanded; commas split arguments only at
// depth 0. It returns the index of the closing ")".
func (w *walker) args(base, open int, macro string) (int, error) {
	a := argReader{src: w.src, from: w.toks[open].End, start: -1, end: -1, buf: &w.s.argText}
	depth := 0
	for j := open + 1; j < len(w.toks); {
		t := w.toks[j]
		txt := t.Text(w.src)
		switch t.Kind {
		case lexer.Punct:
			switch txt {
			case "(", "[", "{":
				depth++
			case ")", "]", "}":
				if depth == 0 {
					if txt == ")" {
						w.pushArg(a.flush(t))
						return j, nil
					}
				} else {
					depth--
				}
			case ",":
				if depth == 0 {
					w.pushArg(a.flush(t))
					j++
					continue
				}
			}
		case lexer.Macro:
			if macro == "conditionalAll" && len(w.s.args)-base == 1 {
				break // the variable's value, e.g. $__all: taken as written
			}
			text, adhoc, cend, next, handled, err := w.call(j)
			if err != nil {
				return 0, err
			}
			if adhoc {
				return 0, &Error{Offset: t.Start, Macro: "$__" + macro, Msg: "$__adHocFilters cannot be a macro argument"}
			}
			a.mark(t)
			a.end = cend
			if handled {
				a.replace(t.Start, text)
			}
			j = next
			continue
		case lexer.Variable:
			text, ok, err := w.variable(t)
			if err != nil {
				return 0, err
			}
			a.mark(t)
			if ok {
				a.replace(t.Start, text)
			}
			j++
			continue
		case lexer.Comment:
			w.checkTrivia(t, "macro_in_comment", "a comment")
		case lexer.String:
			if len(w.env.vars) > 0 {
				text, changed, err := w.stringArgUserVariables(t)
				if err != nil {
					return 0, err
				}
				a.mark(t)
				if changed {
					a.replace(t.Start, text)
				}
				j++
				continue
			}
		}
		a.mark(t)
		j++
	}
	t := w.toks[open]
	return 0, &Error{Offset: t.Start, Macro: "$__" + macro, Msg: "missing ')' to close the argument list"}
}

// argReader reads the arguments of one macro call. An argument's text
// is the source between its delimiters, trimmed, unless an expansion
// replaced part of it: then it is built in text.
type argReader struct {
	src string
	// from is where the current argument's source starts (after "(" or ",").
	from int
	// start and end span the argument's non-blank tokens (-1: none yet).
	start, end int
	// (*buf)[base:] is the argument with expansions, once replaced is
	// set: the source up to the first expansion, the expansions and the
	// source after them. Readers of nested calls append after it and cut
	// buf back when they flush.
	buf      *[]byte
	base     int
	at       int // how far the source is copied into the text
	replaced bool
}

// mark extends the current argument's span over t unless t is blank.
func (a *argReader) mark(t lexer.Token) {
	if t.Kind == lexer.Whitespace {
		return
	}
	if a.start < 0 {
		a.start = t.Start
	}
	a.end = t.End
}

// replace writes s in place of the source from offset at up to a.at after
// the call: the expansion of the macro or variable starting at at.
func (a *argReader) replace(at int, s string) {
	if !a.replaced {
		a.replaced, a.base, a.at = true, len(*a.buf), a.from
	}
	*a.buf = append(*a.buf, a.src[a.at:at]...)
	*a.buf = append(*a.buf, s...)
	a.at = a.end
}

// flush ends the current argument at the delimiter t ("," or ")") and
// returns it.
func (a *argReader) flush(t lexer.Token) Arg {
	arg := Arg{Start: a.start, End: a.end}
	if a.replaced {
		*a.buf = append(*a.buf, a.src[a.at:t.Start]...)
		arg.Text = string(bytes.TrimSpace((*a.buf)[a.base:]))
		*a.buf = (*a.buf)[:a.base]
	} else {
		arg.Text = strings.TrimSpace(a.src[a.from:t.Start])
	}
	if a.start < 0 {
		arg.Start, arg.End = t.Start, t.Start
	}
	a.from, a.start, a.end, a.replaced = t.End, -1, -1, false
	return arg
}

// AsError returns err as an *Error when it is one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
