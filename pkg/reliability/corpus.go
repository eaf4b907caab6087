package reliability

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// LoadLines reads a hostile corpus file of one payload a line: blank lines
// and lines starting with # are skipped; a line starting with " is a JSON
// string literal (for control characters, NUL, surrounding spaces).
func LoadLines(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			continue
		case strings.HasPrefix(line, `"`):
			var s string
			if err := json.Unmarshal([]byte(line), &s); err != nil {
				if s, err = strconv.Unquote(line); err != nil {
					return nil, fmt.Errorf("%s:%d: not a quoted string: %w", filepath.Base(path), n, err)
				}
			}
			out = append(out, s)
		default:
			out = append(out, line)
		}
	}
	return out, sc.Err()
}

// ResourceCall is one line of testdata/hostile/resources.jsonl.
type ResourceCall struct {
	Method string  `json:"method"`
	Path   string  `json:"path"`
	Body   *string `json:"body"`
}

// LoadJSONLines reads a corpus file of one JSON value a line (# comments
// and blank lines skipped) into a slice of T.
func LoadJSONLines[T any](path string) ([]T, error) {
	lines, err := LoadLines(path)
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(lines))
	for i, l := range lines {
		var v T
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			return nil, fmt.Errorf("%s: payload %d: %w", filepath.Base(path), i+1, err)
		}
		out = append(out, v)
	}
	return out, nil
}
