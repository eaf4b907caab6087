package macros

import (
	"sort"
	"strconv"
	"strings"

	"github.com/bigtent/quarry/pkg/sqlplan/lexer"
)

// The walker's variables: Grafana's global time variables in ${...} and
// [[...]] form, and dashboard variables inside string literals and macro
// arguments, with the checks that keep their values one literal.

// variable expands a Grafana global in ${...}/[[...]] form; other
// variables get a warning. A date format of $__from/$__to is written as a
// quoted string literal of the dialect, never as bare text such as
// 2024-01-01 (which SQL reads as arithmetic).
func (w *walker) variable(t lexer.Token) (string, bool, error) {
	raw := t.Text(w.src)
	name, format := t.VariableParts(w.src)
	w.glued = false
	text, date, ok, err := w.timeVariable(name, format, t.Start, t.End)
	if err != nil {
		return "", false, err
	}
	inWord := gluedToWord(w.src, t.Start, t.End)
	if inWord {
		if kw := w.keywordBefore(t.Start); kw != "" {
			return "", false, &Error{Offset: t.Start, Macro: raw, Msg: "is glued to the keyword " + kw + ", which the parser reads as a keyword, not as part of a name: put a space between them"}
		}
	}
	if ok {
		if inWord {
			// Part of a name (logs_${__from:date:YYYYMMDD}): the value
			// joins the name unquoted, so it must be one that keeps the
			// name one word.
			if msg := nameValue(w.src, t.Start, text); msg != "" {
				return "", false, &Error{Offset: t.Start, Macro: raw, Msg: msg}
			}
			w.glued = true
			return w.variableStep(t.Start, t.End, raw, text), true, nil
		}
		if date {
			if text, err = w.env.d.QuoteString(text); err != nil {
				return "", false, &Error{Offset: t.Start, Macro: raw, Msg: err.Error()}
			}
		}
		return w.variableStep(t.Start, t.End, raw, text), true, nil
	}
	place := placeSQL
	if inWord {
		place = placeWord
	}
	text, quoted, found, msg := w.env.userVariable(name, format, place)
	w.glued = found && place == placeWord
	switch {
	case msg != "":
		return "", false, &Error{Offset: t.Start, Macro: "template variable " + raw, Msg: msg}
	case found && w.glued:
		if msg := nameValue(w.src, t.Start, text); msg != "" {
			return "", false, &Error{Offset: t.Start, Macro: "template variable " + raw, Msg: msg}
		}
		return w.variableStep(t.Start, t.End, raw, text), true, nil
	case found:
		if quoted {
			w.warn("variable_quoted", t.Start, "template variable ", raw, " is written as a string literal: its value is not a plain word or number, and Quarry never pastes such text into SQL")
		}
		return w.variableStep(t.Start, t.End, raw, text), true, nil
	}
	if kw := needsValueAt(w.src, t.Start); kw != "" && !grafanaGlobals[name] {
		return "", false, &Error{Offset: t.Start, Macro: "template variable " + raw, Msg: "has no value, and " + kw + " needs one: give it a value in the request's \"variables\" (for example \"variables\": {\"" + name + "\": \"100\"})"}
	}
	if w.unvalued < 0 {
		w.unvalued = t.Start
	}
	w.warn("unreplaced_variable", t.Start, "template variable ", raw, " was not replaced by Grafana; it is passed through unchanged")
	return "", false, nil
}

// gluedToWord reports whether src[start:end] touches a word byte on either
// side, i.e. stands inside a name (events_$env, ${prefix}_logs).
func gluedToWord(src string, start, end int) bool {
	return start > 0 && isWordByte(src[start-1]) || end < len(src) && isWordByte(src[end])
}

// keywordBefore is the text of the keyword token that ends at off, or "".
// The parser reads such a keyword as a keyword (SELECT${v}), not as the
// start of the name the variable's value would be glued to.
func (w *walker) keywordBefore(off int) string {
	i := sort.Search(len(w.toks), func(i int) bool { return w.toks[i].End >= off })
	if i < len(w.toks) && w.toks[i].End == off && w.toks[i].Kind == lexer.Keyword {
		return w.toks[i].Text(w.src)
	}
	return ""
}

// nameValue checks the value of a variable written inside a name (the
// variable at start touches a word on one side): it must be letters, digits and
// underscores, and a name must not start with a digit. It returns what is
// wrong, or "".
func nameValue(src string, start int, value string) string {
	if value == "" {
		return "is part of a name but has an empty value here"
	}
	for i := 0; i < len(value); i++ {
		if c := value[i]; !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return "is part of a name, but its value " + strconv.Quote(value) + " holds " + strconv.QuoteRune(rune(c)) +
				", which a name cannot: use a format of letters and digits only (such as ${__from:date:YYYYMMDD}), or separate it from the name with a space"
		}
	}
	if (start == 0 || !isWordByte(src[start-1])) && value[0] >= '0' && value[0] <= '9' {
		return "starts a name, but its value " + strconv.Quote(value) + " starts with a digit, which would make the name a number: put a prefix before it (logs_${__from:date:YYYYMMDD}) or a space after it"
	}
	return ""
}

// timeVariable is the value of the Grafana time variable name ("__from",
// "__interval", ...) in format, as unquoted text, and whether it is a
// formatted date (which needs quoting outside a string literal). ok is
// false when name is no time variable the backend can replace.
func (w *walker) timeVariable(name, format string, start, end int) (text string, date, ok bool, err error) {
	g, isGlobal := strings.CutPrefix(name, "__")
	if !isGlobal {
		return "", false, false, nil
	}
	switch g {
	case "from", "to":
		s, err := w.env.global(g == "to", format)
		if err != nil {
			return "", false, false, &Error{Offset: start, Macro: w.src[start:end], Msg: err.Error()}
		}
		return s, isDateFormat(format), true, nil
	case "timezone":
		// Grafana's global: the dashboard's time zone name (an IANA name,
		// or utc), unquoted; outside a string literal it is quoted, as
		// the macro $__timezone writes it.
		if format == "" {
			if w.env.browser {
				w.warn("timezone_browser", start, w.src[start:end], " is the browser's time zone, which the backend cannot know: it is written as UTC; give the request a \"timezone\" (an IANA name) to plan it as the dashboard runs")
			}
			return w.env.tz, true, true, nil
		}
	case "interval", "interval_ms", "interval_s", "range", "range_s", "range_ms":
		if format == "" {
			exp, err := Expand(w.env, Call{Name: g, Start: start, End: end})
			if err != nil {
				return "", false, false, err
			}
			return exp.SQL, false, true, nil
		}
	}
	return "", false, false, nil
}

// isDateFormat reports whether a $__from/$__to format gives text rather
// than an epoch number.
func isDateFormat(format string) bool {
	switch format {
	case "", "raw", "text", "date:seconds":
		return false
	}
	return true
}

// stringVariables expands the Grafana time variables written ${__name} or
// ${__name:format} inside the string literal t, as Grafana's own
// interpolation does ('${__from:date:iso}' is a common way to write a
// timestamp literal). The value is written inside the literal unquoted,
// so one holding a quote, a backslash or a control character is left
// alone with a warning, as is a format the backend does not know.
func (w *walker) stringVariables(t lexer.Token) error {
	text := t.Text(w.src)
	for from := 0; ; {
		i := strings.Index(text[from:], "$")
		if i < 0 {
			return nil
		}
		i += from
		from = i + 1
		var j int
		var name, format string
		switch {
		case strings.HasPrefix(text[i:], "${__"):
			j = strings.IndexByte(text[i:], '}')
			if j < 0 {
				return nil
			}
			j += i + 1
			name, format, _ = strings.Cut(text[i+2:j-1], ":")
		case strings.HasPrefix(text[i:], "$__timezone") && (i+11 == len(text) || !isWordByte(text[i+11])):
			// Grafana's global $__timezone is replaced inside quotes too,
			// as TeslaMate writes it: timezone('$__timezone', ts).
			j, name = i+11, "__timezone"
		default:
			continue
		}
		from = j
		if !validVariableName(name) {
			continue
		}
		start, end := t.Start+i, t.Start+j
		raw := text[i:j]
		val, _, ok, err := w.timeVariable(name, format, start, end)
		switch {
		case err != nil:
			w.warn("variable_in_string", start, raw, " is inside a string literal and was left alone: ", errorMessage(err))
			continue
		case !ok:
			if _, global := strings.CutPrefix(name, "__"); global && !grafanaGlobals[name[2:]] {
				w.warn("variable_in_string", start, raw, " is inside a string literal and was left alone: it is not a variable the backend can replace")
			}
			continue
		case !safeInString(val):
			w.warn("variable_in_string", start, raw, " is inside a string literal and was left alone: its value holds a quote, a backslash or a control character")
			continue
		}
		w.addEdit(Edit{Start: start, End: end, Text: w.variableStep(start, end, raw, val)})
	}
}

// stringUserVariables writes the values of the user variables written
// $name or ${name} inside the string literal t ('$env', '%${q}%'), as
// Grafana's interpolation does, when the request gives them values. A value
// holding a quote, a backslash or a control character is an error: it would
// end or change the literal.
func (w *walker) stringUserVariables(t lexer.Token) error {
	return w.eachStringUserVariable(t, func(start, end int, raw, val string) {
		w.addEdit(Edit{Start: start, End: end, Text: w.variableStep(start, end, raw, val)})
	})
}

// stringArgUserVariables is the text of the string literal t, a macro
// argument ($__timeGroup(time, '$agg_interval')), with the values of the
// user variables inside it written in, as Grafana interpolates variables
// before it expands macros.
func (w *walker) stringArgUserVariables(t lexer.Token) (string, bool, error) {
	text := t.Text(w.src)
	var b strings.Builder
	at := t.Start
	err := w.eachStringUserVariable(t, func(start, end int, raw, val string) {
		b.WriteString(w.src[at:start])
		b.WriteString(w.variableStep(start, end, raw, val))
		at = end
	})
	if err != nil || at == t.Start {
		return text, false, err
	}
	b.WriteString(w.src[at:t.End])
	return b.String(), true, nil
}

// eachStringUserVariable calls fn for each user variable inside the string
// literal t that the request gives a value, in order.
func (w *walker) eachStringUserVariable(t lexer.Token, fn func(start, end int, raw, val string)) error {
	text := t.Text(w.src)
	for from := 0; ; {
		i := strings.IndexByte(text[from:], '$')
		if i < 0 {
			return nil
		}
		i += from
		from = i + 1
		var name, format string
		j := i + 1
		if j < len(text) && text[j] == '{' {
			k := strings.IndexByte(text[j:], '}')
			if k < 0 {
				return nil
			}
			name, format, _ = strings.Cut(text[j+1:j+k], ":")
			j += k + 1
		} else {
			for j < len(text) && isWordByte(text[j]) && text[j] < 0x80 {
				j++
			}
			name = text[i+1 : j]
		}
		if strings.HasPrefix(name, "__") || !validVariableName(name) {
			continue
		}
		place := placeString
		if plainSingleQuoted(text) {
			place = placeSingleQuoted
		}
		val, _, found, msg := w.env.userVariable(name, format, place)
		start, end := t.Start+i, t.Start+j
		if msg != "" {
			return &Error{Offset: start, Macro: "template variable " + text[i:j], Msg: msg}
		}
		if found {
			fn(start, end, text[i:j], val)
			from = j
		}
	}
}

// sortEditsFrom moves each edit from edits[n:] back into place: the
// edits of one string literal's user variables after those of its time
// variables (few, so an insertion sort).
func sortEditsFrom(edits []Edit, n int) {
	for i := max(n, 1); i < len(edits); i++ {
		for j := i; j > 0 && edits[j].Start < edits[j-1].Start; j-- {
			edits[j], edits[j-1] = edits[j-1], edits[j]
		}
	}
}

// validVariableName reports whether s is a variable name: letters, digits
// and underscores.
func validVariableName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isWordByte(s[i]) || s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// safeInString reports whether s can be written inside any dialect's
// string literal as it is: no quote of any kind, no backslash, no control
// character.
func safeInString(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'', c == '"', c == '`', c == '\\', c < 0x20, c == 0x7f:
			return false
		}
	}
	return true
}

// safeInSingleQuoted reports whether s can be written as it is inside a
// plain '...' literal: no single quote, no backslash (an escape in
// ClickHouse and BigQuery literals), no control character. A double quote
// or backtick is an ordinary character there, as in the JSON text a
// dashboard variable may hold ('$aux'::json).
func safeInSingleQuoted(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'', c == '\\', c < 0x20, c == 0x7f:
			return false
		}
	}
	return true
}

// plainSingleQuoted reports whether the string literal text (as written,
// quotes included) is a plain single-quoted literal: it opens and closes
// with a single quote and is not triple-quoted.
func plainSingleQuoted(text string) bool {
	return len(text) >= 2 && text[0] == '\'' && text[len(text)-1] == '\'' && !strings.HasPrefix(text, "'''")
}

// errorMessage is the message of an *Error without its position and
// macro, or err's text.
func errorMessage(err error) string {
	if e, ok := AsError(err); ok {
		return e.Msg
	}
	return err.Error()
}

// variableStep adds the step of the variable at src[start:end] (raw as
// written) expanded to text, and returns text as a suffix of the step's
// detail: one allocation.
func (w *walker) variableStep(start, end int, raw, text string) string {
	detail := join(raw, " = ", text)
	w.addStep(Step{Kind: "variable", Detail: detail, Start: start, End: end})
	return detail[len(detail)-len(text):]
}
