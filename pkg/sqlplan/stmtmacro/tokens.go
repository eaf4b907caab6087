package stmtmacro

import (
	"fmt"
	"strings"

	"github.com/bigtent/quarry/pkg/sqlplan/lexer"
)

// text is one pass's source and its tokens.
type text struct {
	src  string
	toks []lexer.Token
}

func lex(src string) (text, error) {
	toks, err := lexer.Lex(src, "clickhouse")
	if err != nil {
		return text{}, err
	}
	return text{src: src, toks: toks}, nil
}

// lexInto is lex reusing *buf's memory when buf is not nil (the previous
// text lexed into it is then invalid).
func lexInto(buf *[]lexer.Token, src string) (text, error) {
	if buf == nil {
		return lex(src)
	}
	d, err := lexer.DialectFor("clickhouse")
	if err != nil {
		return text{}, err
	}
	toks, errs := lexer.LexAppend((*buf)[:0], src, d)
	*buf = toks
	if err := errs.Err(); err != nil {
		return text{}, err
	}
	return text{src: src, toks: toks}, nil
}

func (t text) tok(i int) string { return t.toks[i].Text(t.src) }

// isPunct reports whether token i is the punctuation p.
func (t text) isPunct(i int, p string) bool {
	return i >= 0 && i < len(t.toks) && (t.toks[i].Kind == lexer.Punct || t.toks[i].Kind == lexer.Operator) && t.tok(i) == p
}

// isWord reports whether token i is the bare word w (any case).
func (t text) isWord(i int, w string) bool {
	return i >= 0 && i < len(t.toks) && t.toks[i].IsWord() && strings.EqualFold(t.tok(i), w)
}

// next returns the index of the first significant token after i (len(toks)
// when none).
func (t text) next(i int) int {
	for i++; i < len(t.toks) && t.toks[i].Trivia(); i++ {
	}
	return i
}

// arg is one macro argument: its trimmed text and byte range.
type arg struct {
	text       string
	start, end int
}

// call is a macro call name(args): toks[at] is the name, toks[open] the
// '(' right after it and toks[close] the matching ')'.
type call struct {
	name               string
	at, open, close    int
	start, end         int // bytes: the name's start, after ')'
	args               []arg
	argsStart, argsEnd int // bytes between the parentheses
}

// readCall reads the call whose name is token i. It returns ok=false when
// no '(' follows the name directly (then the name is not a call).
func (t text) readCall(i int) (call, bool, error) {
	c := call{name: t.tok(i), at: i, start: t.toks[i].Start}
	if !t.isPunct(i+1, "(") || t.toks[i+1].Start != t.toks[i].End {
		return c, false, nil
	}
	c.open = i + 1
	c.argsStart = t.toks[i+1].End
	depth := 0
	argFrom := c.argsStart
	for j := i + 1; j < len(t.toks); j++ {
		if t.toks[j].Kind != lexer.Punct {
			continue
		}
		switch t.tok(j) {
		case "(", "[":
			depth++
		case ")", "]":
			depth--
			if depth == 0 {
				c.close = j
				c.argsEnd = t.toks[j].Start
				c.end = t.toks[j].End
				c.args = append(c.args, makeArg(t.src, argFrom, c.argsEnd))
				if len(c.args) == 1 && c.args[0].text == "" {
					c.args = nil
				}
				return c, true, nil
			}
		case ",":
			if depth == 1 {
				c.args = append(c.args, makeArg(t.src, argFrom, t.toks[j].Start))
				argFrom = t.toks[j].End
			}
		}
	}
	return c, true, &Error{Offset: t.toks[i+1].Start, Message: fmt.Sprintf("%s: the '(' is never closed: add the matching ')'", c.name)}
}

func makeArg(src string, start, end int) arg {
	s := src[start:end]
	lead := len(s) - len(strings.TrimLeft(s, " \t\r\n"))
	trail := len(s) - len(strings.TrimRight(s, " \t\r\n"))
	if lead == len(s) {
		return arg{text: "", start: start, end: start}
	}
	return arg{text: s[lead : len(s)-trail], start: start + lead, end: end - trail}
}
