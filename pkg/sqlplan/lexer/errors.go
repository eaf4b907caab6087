package lexer

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Error is a lexing or parsing error at a byte offset of the source. Its
// fields mirror sqlplan.Error (which this package cannot import, since the
// planner imports it) so the planner converts it field by field.
type Error struct {
	Message string
	// Line and Column are 1-based; Column counts characters (runes).
	Line, Column int
	// Snippet is the offending line with a caret under the column.
	Snippet string
	// Offset is the byte offset of the error in the source.
	Offset int
}

func (e *Error) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Message)
}

// NewError builds an Error at byte offset off of src, with line, column and
// a caret snippet filled in.
func NewError(src string, off int, msg string) *Error {
	line, col := Position(src, off)
	return &Error{Message: msg, Line: line, Column: col, Snippet: Snippet(src, off), Offset: off}
}

// Position turns a byte offset of src into a 1-based line and column (the
// column counts runes). Offsets outside src are clamped.
func Position(src string, off int) (line, col int) {
	off = clamp(off, len(src))
	start := strings.LastIndexByte(src[:off], '\n') + 1
	return strings.Count(src[:off], "\n") + 1, utf8.RuneCountInString(src[start:off]) + 1
}

// Snippet returns the line of src holding off, then a line with a caret under
// off. Tabs are kept in the caret line so the caret lines up.
func Snippet(src string, off int) string {
	off = clamp(off, len(src))
	start := strings.LastIndexByte(src[:off], '\n') + 1
	end := strings.IndexByte(src[off:], '\n')
	if end < 0 {
		end = len(src)
	} else {
		end += off
	}
	line := strings.TrimSuffix(src[start:end], "\r")
	var b strings.Builder
	b.Grow(2*len(line) + 2)
	b.WriteString(line)
	b.WriteByte('\n')
	for _, r := range src[start:off] {
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
	}
	b.WriteByte('^')
	return b.String()
}

func clamp(off, n int) int {
	if off < 0 {
		return 0
	}
	if off > n {
		return n
	}
	return off
}

// ErrorList is a list of errors in source order, like go/scanner's. The
// first one is the primary error.
type ErrorList []*Error

func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	return fmt.Sprintf("%s (and %d more errors)", l[0].Error(), len(l)-1)
}

// Err returns nil for an empty list, else the list.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// Unwrap returns the errors, so errors.As finds the primary *Error.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// First returns the primary error, or nil.
func (l ErrorList) First() *Error {
	if len(l) == 0 {
		return nil
	}
	return l[0]
}
