package engine

import (
	"fmt"
	"strings"
)

// ServerError is an error reported by the warehouse about the query, with
// what the server said about where and why. It unwraps to the driver's error.
type ServerError struct {
	Engine  string // "postgres", "clickhouse", ...
	Code    string // SQLSTATE or the engine's error code
	Message string
	Detail  string
	Hint    string
	// Position is the 1-based character offset in the SQL (0 = unknown);
	// Line and Column are derived from it.
	Position int
	Line     int
	Column   int
	Err      error
}

func (e *ServerError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", e.Engine, e.Message)
	if e.Code != "" {
		fmt.Fprintf(&b, " (%s %s)", codeLabel(e.Engine), e.Code)
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, " at line %d, column %d", e.Line, e.Column)
	}
	if e.Detail != "" {
		fmt.Fprintf(&b, "; detail: %s", e.Detail)
	}
	if e.Hint != "" {
		fmt.Fprintf(&b, "; hint: %s", e.Hint)
	}
	return b.String()
}

func (e *ServerError) Unwrap() error { return e.Err }

func codeLabel(engine string) string {
	if engine == "postgres" {
		return "SQLSTATE"
	}
	return "code"
}

// LineColumn converts a 1-based character (rune) position in sql to a
// 1-based line and column. It returns 0, 0 when pos is out of range.
func LineColumn(sql string, pos int) (line, col int) {
	if pos <= 0 {
		return 0, 0
	}
	line, col = 1, 1
	n := 0
	for _, r := range sql {
		n++
		if n == pos {
			return line, col
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	if n+1 == pos {
		return line, col
	}
	return 0, 0
}
