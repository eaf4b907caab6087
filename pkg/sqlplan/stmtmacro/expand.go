package stmtmacro

import (
	"errors"
	"fmt"
	"strings"

	"github.com/bigtent/quarry/pkg/sqlplan/lexer"
)

// inPlace lists the Altinity macros expanded where they stand, with
// whether they take arguments.
var inPlace = map[string]bool{
	"$table": false, "$dateCol": false, "$dateTimeCol": false, "$from": false, "$to": false,
	"$interval": false, "$timeFilter": false, "$timeFilterMs": false, "$timeSeries": false,
	"$timeSeriesMs": false, "$naturalTimeSeries": false, "$adhoc": false,
	"$timeFilterByColumn": true, "$timeFilter64ByColumn": true, "$unescape": true, "$conditionalTest": true,
}

// Known reports whether name ("$rateColumns", "$__lttb", "$table") is a
// macro this package expands.
func Known(name string) bool {
	_, ok := inPlace[name]
	return ok || altinityStatements[name] != nil || officialStatements[name] != nil
}

// Expand expands the statement macros and Altinity macros of src (see the
// package documentation). When src has none, the Result is unchanged and
// Changed is false. Errors are *Error values at offsets of src.
func Expand(src string, o Options) (*Result, error) {
	res := &Result{SQL: src}
	if !MayExpand(src, o.Dialect) {
		return res, nil
	}
	t, err := lexInto(o.Tokens, src)
	if err != nil {
		return res, nil // the planner reports lexer errors with their position
	}
	if !mentions(t) {
		return res, nil
	}
	e, err := newEnv(o)
	if err != nil {
		return nil, &Error{Offset: -1, Message: err.Error()}
	}
	x := &expansion{e: e, res: res}
	passes := []func(text) ([]edit, error){x.statement, x.conditional, x.inPlace}
	for _, pass := range passes {
		edits, err := pass(t)
		if err != nil {
			var pe *Error
			if errors.As(err, &pe) {
				if pe.Offset >= 0 {
					pe.Offset = res.Orig(pe.Offset)
				}
				return nil, pe
			}
			return nil, err
		}
		if len(edits) == 0 {
			continue
		}
		out, m := apply(t.src, edits)
		res.maps = append(res.maps, m)
		res.SQL, res.Changed = out, true
		if t, err = lexInto(o.Tokens, out); err != nil {
			return nil, &Error{Offset: -1, Message: fmt.Sprintf("internal error: the expanded query does not lex: %v", err)}
		}
	}
	if res.Changed && e.a.Extrapolate != nil && *e.a.Extrapolate {
		res.Warnings = append(res.Warnings, Warning{Code: "extrapolate_ignored", Offset: -1,
			Message: "the query asks for extrapolate (Altinity plugin): Quarry returns the last bucket as ClickHouse computed it, without extrapolating it"})
	}
	return res, nil
}

// MayExpand reports whether Expand can change src in dialect: false means
// it would return src unchanged (a test on the text, without lexing).
func MayExpand(src, dialect string) bool {
	return dialect == "clickhouse" && mayMention(src)
}

// mayMention is a quick test on the text, before lexing: false when no
// '$' starts a name this package expands. Text in literals and comments
// counts too; mentions decides on the tokens.
func mayMention(src string) bool {
	for i := strings.IndexByte(src, '$'); i >= 0; {
		j := i + 1
		if j < len(src) && src[j] == '{' {
			return true // ${name}: left to the lexer
		}
		for j < len(src) && (src[j] == '_' || src[j] >= 'a' && src[j] <= 'z' || src[j] >= 'A' && src[j] <= 'Z' || src[j] >= '0' && src[j] <= '9') {
			j++
		}
		if Known(src[i:j]) {
			return true
		}
		k := strings.IndexByte(src[j:], '$')
		if k < 0 {
			break
		}
		i = j + k
	}
	return false
}

// mentions reports whether t has a token this package expands.
func mentions(t text) bool {
	for i, tk := range t.toks {
		if (tk.Kind == lexer.Variable || tk.Kind == lexer.Macro) && Known(t.tok(i)) {
			return true
		}
	}
	return false
}

// expansion is one Expand in progress.
type expansion struct {
	e   *env
	res *Result
}

// step records a step at bytes [start, end) of the current pass's text.
func (x *expansion) step(kind string, start, end int, detail string) {
	x.res.Steps = append(x.res.Steps, Step{Kind: kind, Detail: detail, Start: x.res.Orig(start), End: x.res.Orig(end)})
}

func (x *expansion) warn(code, msg string, off int) {
	x.res.Warnings = append(x.res.Warnings, Warning{Code: code, Message: msg, Offset: x.res.Orig(off)})
}

// shadowed reports whether a template variable named like the macro has a
// value (then Grafana's value wins, as Grafana replaces it first).
func (x *expansion) shadowed(name string) bool {
	return x.e.hasValue != nil && x.e.hasValue(strings.TrimPrefix(name, "$"))
}

// conditional is the pass for $conditionalTest, $unescape and
// skip_comments (the plugin applies them before the other macros).
func (x *expansion) conditional(t text) ([]edit, error) {
	var edits []edit
	skip := x.e.a.SkipComments != nil && *x.e.a.SkipComments
	for i := 0; i < len(t.toks); i++ {
		tk := t.toks[i]
		if skip && tk.Kind == lexer.Comment {
			edits = append(edits, edit{tk.Start, tk.End, ""})
			continue
		}
		if tk.Kind != lexer.Variable {
			continue
		}
		name := t.tok(i)
		if (name != "$conditionalTest" && name != "$unescape") || x.shadowed(name) {
			continue
		}
		c, ok, err := t.readCall(i)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, &Error{Offset: tk.Start, Message: name + " takes arguments: write " + name + "(…)"}
		}
		switch name {
		case "$unescape":
			if len(c.args) != 1 {
				return nil, &Error{Offset: tk.Start, Message: fmt.Sprintf("$unescape takes one argument, got %d", len(c.args))}
			}
			v := strings.ReplaceAll(t.src[c.argsStart:c.argsEnd], "'", "")
			edits = append(edits, edit{c.start, c.end, v})
			x.step("altinity_macro", c.start, c.end, "$unescape: "+strings.TrimSpace(v))
			i = c.close
		case "$conditionalTest":
			// $conditionalTest(SQL, $var) keeps SQL when $var has a value;
			// $conditionalTest(SQL_if, SQL_else, $var) (the plugin's 3.4
			// form) writes SQL_else instead of nothing when it has none.
			if len(c.args) != 2 && len(c.args) != 3 {
				return nil, &Error{Offset: tk.Start, Message: fmt.Sprintf(
					"$conditionalTest takes two arguments, (SQL predicate, $variable), or three, (SQL if set, SQL otherwise, $variable), got %d", len(c.args))}
			}
			v := c.args[len(c.args)-1]
			keep, what := 0, v.text+" has a value, predicate kept"
			unreplaced := false
			switch {
			case emptyValue(v.text):
				keep, what = -1, describeEmpty(v.text)+", predicate removed"
			case strings.HasPrefix(v.text, "$") || strings.HasPrefix(v.text, "[["):
				keep, what, unreplaced = -1, v.text+" has no value, predicate removed", true
				x.warn("unreplaced_variable", fmt.Sprintf(
					"$conditionalTest: %s has no value in this request, so the predicate was removed (as for an empty or All selection)", v.text), v.start)
			}
			if keep < 0 && len(c.args) == 3 {
				keep, what = 1, strings.TrimSuffix(what, ", predicate removed")+", the otherwise SQL written"
			}
			if keep < 0 {
				edits = append(edits, edit{c.start, c.end, ""})
			} else {
				// Keep one argument; its own macros are expanded by the next pass.
				p := c.args[keep]
				edits = append(edits, edit{c.start, p.start, ""}, edit{p.end, c.end, ""})
			}
			if keep >= 0 || !unreplaced { // an unreplaced variable's removal is the warning
				x.step("altinity_macro", c.start, c.end, "$conditionalTest: "+what)
			}
			i = c.close
		}
	}
	return edits, nil
}

// emptyValue reports whether a substituted variable value means "no
// selection": empty, an empty string literal or Grafana's $__all.
func emptyValue(v string) bool {
	v = strings.TrimSpace(v)
	return v == "" || v == "''" || v == `""` || v == "$__all" || v == "'$__all'"
}

func describeEmpty(v string) string {
	if strings.Contains(v, "$__all") {
		return "All selected"
	}
	return "the variable is empty"
}

// inPlace is the pass for the in-place Altinity macros.
func (x *expansion) inPlace(t text) ([]edit, error) {
	var edits []edit
	e := x.e
	for i := 0; i < len(t.toks); i++ {
		tk := t.toks[i]
		if tk.Kind != lexer.Variable {
			continue
		}
		name := t.tok(i)
		takesArgs, ok := inPlace[name]
		if !ok || x.shadowed(name) {
			continue
		}
		var out string
		end := tk.End
		if takesArgs {
			c, ok, err := t.readCall(i)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, &Error{Offset: tk.Start, Message: name + " takes a column: write " + name + "(column)"}
			}
			if len(c.args) != 1 || !isColumnName(c.args[0].text) {
				off := c.argsStart
				if len(c.args) > 0 {
					off = c.args[0].start
				}
				return nil, &Error{Offset: off, Message: fmt.Sprintf("%s takes one column name, such as %s(event_time)", name, name)}
			}
			switch name {
			case "$timeFilterByColumn", "$timeFilter64ByColumn":
				out = e.timeFilterByColumn(c.args[0].text, name == "$timeFilter64ByColumn")
			default:
				continue // $unescape / $conditionalTest left by a shadowing variable
			}
			end, i = c.end, c.close
		} else {
			var field, value string
			switch name {
			case "$table":
				field, value, out = "table", e.a.Table, e.table()
			case "$dateCol":
				field, value, out = "dateColDataType", e.a.DateColDataType, column(e.a.DateColDataType)
			case "$dateTimeCol":
				field, value, out = "dateTimeColDataType", e.a.DateTimeColDataType, column(e.a.DateTimeColDataType)
			case "$from":
				out = itoa(e.fromS)
			case "$to":
				out = itoa(e.toS)
			case "$interval":
				out = itoa(e.interval)
			case "$timeFilter", "$timeFilterMs":
				field, value, out = "dateTimeColDataType", e.a.DateTimeColDataType, e.timeFilter(name == "$timeFilterMs")
			case "$timeSeries", "$timeSeriesMs":
				field, value, out = "dateTimeColDataType", e.a.DateTimeColDataType, e.timeSeries(name == "$timeSeriesMs")
			case "$naturalTimeSeries":
				field, value, out = "dateTimeColDataType", e.a.DateTimeColDataType, e.naturalTimeSeries()
			case "$adhoc":
				out = "$__adHocFilters"
			}
			if field != "" {
				if err := need(field, value, name); err != nil {
					return nil, &Error{Offset: tk.Start, Message: err.Error()}
				}
			}
		}
		edits = append(edits, edit{tk.Start, end, out})
		x.step("altinity_macro", tk.Start, end, name+" → "+out)
	}
	return edits, nil
}

// isColumnName reports whether s is a plain (possibly qualified) name.
func isColumnName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
