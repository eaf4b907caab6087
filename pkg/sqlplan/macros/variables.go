package macros

import (
	"strings"

	"github.com/bigtent/quarry/pkg/sqlplan/dialect"
)

// Variable is the current value of one dashboard template variable: one
// value, or several for a multi-value or "All" selection (Multi).
type Variable struct {
	Values []string
	// Multi marks a multi-value selection: its values are always written as
	// a list, even when one is selected (as Grafana does for variables with
	// "Multi-value" or "Include All" set).
	Multi bool
}

// varPlace is where a variable stands in the SQL.
type varPlace uint8

const (
	// placeSQL: between tokens (WHERE host IN ($host), LIMIT $n).
	placeSQL varPlace = iota
	// placeWord: glued to a word, as part of a name (start_${unit}_km).
	placeWord
	// placeString: inside a string literal ('$env', '%${q}%') whose
	// delimiter is not known to be a plain single quote.
	placeString
	// placeSingleQuoted: inside a plain '...' literal (no prefix such as
	// E, r or b, not triple-quoted): a double quote or backtick is then
	// an ordinary character in every dialect.
	placeSingleQuoted
)

// variableFormats are the ${name:format} formats of user variables the
// planner writes, named as Grafana names them.
const variableFormats = "sqlstring, singlequote, csv, pipe, raw, text"

// userVariable is the SQL text of the user variable name (format as in
// ${name:format}) at place: found is false when the request gives the
// variable no value. Grafana's defaults for SQL data sources: a single
// value is written as it is, several (or a multi-value selection) as
// string literals joined by commas. Untrusted text is never pasted raw: a
// single value that is not a plain word or number is written as a string
// literal of the dialect (quoted is then true), and where that cannot be
// done (inside a name, with format raw) it is an error. The error is a
// message without position; the caller places it.
func (e *Env) userVariable(name, format string, place varPlace) (text string, quoted, found bool, msg string) {
	v, ok := e.vars[name]
	if !ok {
		return "", false, false, ""
	}
	if len(v.Values) == 0 {
		return "", false, true, "has no value selected: choose one, or give it a value in the request's \"variables\""
	}
	multi := v.Multi || len(v.Values) > 1
	if place == placeString || place == placeSingleQuoted {
		sep := ","
		switch format {
		case "", "raw", "text", "csv":
		case "pipe":
			sep = "|"
		default:
			return "", false, true, "format " + format + " cannot be written inside a string literal; use ${" + name + "} there, or the format outside the quotes"
		}
		for _, s := range v.Values {
			if !safeInString(s) && (place != placeSingleQuoted || !safeInSingleQuoted(s)) {
				return "", false, true, "holds a quote, a backslash or a control character and stands inside a string literal; write it outside the quotes (it is then quoted for the dialect)"
			}
		}
		return strings.Join(v.Values, sep), false, true, ""
	}
	switch format {
	case "":
		if !multi {
			s := v.Values[0]
			switch {
			case safeRaw(s, place):
				return s, false, true, ""
			case place == placeWord:
				return "", false, true, "stands inside a name, and its value " + quoteForMessage(s) + " is not a plain word (letters, digits, underscores)"
			}
			return e.quoteList(v.Values), true, true, ""
		}
		if place == placeWord {
			return "", false, true, "stands inside a name and has several values; a name can take only one"
		}
		return e.quoteList(v.Values), false, true, ""
	case "sqlstring", "singlequote":
		if place == placeWord {
			return "", false, true, "format " + format + " writes string literals, which cannot stand inside a name"
		}
		return e.quoteList(v.Values), false, true, ""
	case "raw", "text", "csv", "pipe":
		for _, s := range v.Values {
			if !safeRaw(s, place) && !(format == "raw" && place == placeSQL && literalsOnly(s, e.d.Name() != dialect.BigQuery)) {
				return "", false, true, "format " + format + " would paste " + quoteForMessage(s) + " into the SQL as it is, and it is not a plain word, number or list of literals; use ${" + name + ":sqlstring} to write it as a string literal"
			}
		}
		if format == "pipe" {
			return strings.Join(v.Values, "|"), false, true, ""
		}
		return strings.Join(v.Values, ","), false, true, ""
	}
	return "", false, true, "has the format " + quoteForMessage(format) + ", which the planner does not write; use one of " + variableFormats
}

// quoteList writes each value as a string literal of the dialect, joined
// by commas.
func (e *Env) quoteList(values []string) string {
	var b strings.Builder
	for i, s := range values {
		if i > 0 {
			b.WriteByte(',')
		}
		q, err := e.d.QuoteString(s)
		if err != nil { // a value the dialect cannot hold (NUL): an empty literal is never what was meant
			q = e.d.MustQuoteString("")
		}
		b.WriteString(q)
	}
	return b.String()
}

// safeRaw reports whether s can be pasted into SQL as it is: a plain word
// or number (letters, digits, underscores, inner dots, a leading minus
// before a digit). Inside a name (placeWord) only letters, digits and
// underscores.
func safeRaw(s string, place varPlace) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9':
		case place == placeWord:
			return false
		case c == '.' && i > 0 && i < len(s)-1:
		case c == '-' && i == 0 && len(s) > 1 && s[1] >= '0' && s[1] <= '9':
		default:
			return false
		}
	}
	return true
}

// literalsOnly reports whether s, pasted as it is, can only be a value
// built of literals: string literals ('...' without backslashes or
// control characters; doubled quotes inside when doubled is true),
// numbers, the word ARRAY, commas and balanced (), [] brackets, as in
// TeslaMate's "(ARRAY['%home%', '%work%'])". No name, operator, comment
// or keyword other than ARRAY can appear, and every bracket and quote
// closes within s, so it cannot change the statement around it.
func literalsOnly(s string, doubled bool) bool {
	var stack []byte
	value := false // a literal was seen
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',':
			i++
		case c == '(' || c == '[':
			stack = append(stack, c)
			i++
		case c == ')' || c == ']':
			open := byte('(')
			if c == ']' {
				open = '['
			}
			if len(stack) == 0 || stack[len(stack)-1] != open {
				return false
			}
			stack = stack[:len(stack)-1]
			i++
		case c == '\'':
			j := i + 1
			for {
				if j >= len(s) {
					return false
				}
				if s[j] == '\'' {
					if doubled && j+1 < len(s) && s[j+1] == '\'' {
						j += 2
						continue
					}
					break
				}
				if s[j] == '\\' || s[j] < 0x20 || s[j] == 0x7f {
					return false
				}
				j++
			}
			i, value = j+1, true
		case c >= '0' && c <= '9' || c == '-' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' && (i == 0 || !isWordByte(s[i-1])):
			i++
			for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
				i++
			}
			if i < len(s) && isWordByte(s[i]) {
				return false
			}
			value = true
		case len(s)-i >= 5 && strings.EqualFold(s[i:i+5], "ARRAY") && (i+5 == len(s) || !isWordByte(s[i+5])) && (i == 0 || !isWordByte(s[i-1])):
			i += 5
		default:
			return false
		}
	}
	return value && len(stack) == 0
}

// quoteForMessage quotes s for an error message, shortened.
func quoteForMessage(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return "\"" + s + "\""
}

// needsValueAt reports whether a variable at src[off:] stands where SQL
// needs a value the planner must see: right after LIMIT or OFFSET (the row
// cap reads the count). It returns that keyword.
func needsValueAt(src string, off int) string {
	i := off
	for i > 0 && (src[i-1] == ' ' || src[i-1] == '\t' || src[i-1] == '\n' || src[i-1] == '\r') {
		i--
	}
	j := i
	for j > 0 && isWordByte(src[j-1]) {
		j--
	}
	if j > 0 && (src[j-1] == '.' || src[j-1] == '"' || src[j-1] == '`') {
		return ""
	}
	switch w := strings.ToUpper(src[j:i]); w {
	case "LIMIT", "OFFSET":
		return w
	}
	return ""
}
