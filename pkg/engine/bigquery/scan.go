package bigquery

import (
	"encoding/json"
	"fmt"
)

// rowScanner walks the "rows" array of a BigQuery REST page
// ([{"f":[{"v":...},...]},...]) without decoding it into interface values:
// each cell is handed out as a sub-slice of the page body. It is the reason
// result pages never become []any rows.
type rowScanner struct {
	buf []byte
	pos int
	// started is true once the opening '[' was consumed.
	started bool
	done    bool
}

func newRowScanner(rows []byte) *rowScanner {
	s := &rowScanner{buf: rows}
	s.ws()
	if s.pos >= len(s.buf) || string(s.buf[s.pos:]) == "null" {
		s.done = true
	}
	return s
}

// syntaxError describes malformed page JSON by offset.
func (s *rowScanner) syntaxError(want string) error {
	end := s.pos + 20
	if end > len(s.buf) {
		end = len(s.buf)
	}
	start := s.pos
	if start > len(s.buf) {
		start = len(s.buf)
	}
	return fmt.Errorf("bigquery: malformed result page at byte %d: want %s, found %q", s.pos, want, s.buf[start:end])
}

func (s *rowScanner) ws() {
	for s.pos < len(s.buf) {
		switch s.buf[s.pos] {
		case ' ', '\n', '\r', '\t':
			s.pos++
		default:
			return
		}
	}
}

func (s *rowScanner) expect(c byte) error {
	s.ws()
	if s.pos >= len(s.buf) || s.buf[s.pos] != c {
		return s.syntaxError(fmt.Sprintf("%q", c))
	}
	s.pos++
	return nil
}

// peek returns the next non-space byte (0 at the end).
func (s *rowScanner) peek() byte {
	s.ws()
	if s.pos >= len(s.buf) {
		return 0
	}
	return s.buf[s.pos]
}

// nextRow positions the scanner at the first cell of the next row. It
// returns false at the end of the rows.
func (s *rowScanner) nextRow() (bool, error) {
	if s.done {
		return false, nil
	}
	if !s.started {
		if err := s.expect('['); err != nil {
			return false, err
		}
		s.started = true
		if s.peek() == ']' {
			s.pos++
			s.done = true
			return false, nil
		}
	} else {
		switch s.peek() {
		case ',':
			s.pos++
		case ']':
			s.pos++
			s.done = true
			return false, nil
		default:
			return false, s.syntaxError("',' or ']' after a row")
		}
	}
	if err := s.beginFields(); err != nil {
		return false, err
	}
	return true, nil
}

// beginFields consumes `{"f":[` (tolerating other keys before "f").
func (s *rowScanner) beginFields() error {
	if err := s.expect('{'); err != nil {
		return err
	}
	for {
		key, err := s.key()
		if err != nil {
			return err
		}
		if key == "f" {
			return s.expect('[')
		}
		if _, err := s.value(); err != nil {
			return err
		}
		if s.peek() == ',' {
			s.pos++
		}
	}
}

// key reads `"name":`.
func (s *rowScanner) key() (string, error) {
	s.ws()
	raw, err := s.value()
	if err != nil {
		return "", err
	}
	if len(raw) < 2 || raw[0] != '"' {
		return "", s.syntaxError("an object key")
	}
	if err := s.expect(':'); err != nil {
		return "", err
	}
	return string(raw[1 : len(raw)-1]), nil
}

// cell reads the next `{"v":value}` of the current row and returns the raw
// value bytes (`null`, a JSON string with its quotes, an array or object).
// first says whether this is the first cell of the row.
func (s *rowScanner) cell(first bool) ([]byte, error) {
	if !first {
		if err := s.expect(','); err != nil {
			return nil, err
		}
	}
	return s.cellValue()
}

// cellValue reads `{"v":value}` at the current position.
func (s *rowScanner) cellValue() ([]byte, error) {
	if err := s.expect('{'); err != nil {
		return nil, err
	}
	var v []byte
	for {
		key, err := s.key()
		if err != nil {
			return nil, err
		}
		raw, err := s.value()
		if err != nil {
			return nil, err
		}
		if key == "v" {
			v = raw
		}
		if s.peek() == ',' {
			s.pos++
			continue
		}
		if err := s.expect('}'); err != nil {
			return nil, err
		}
		if v == nil {
			v = nullJSON
		}
		return v, nil
	}
}

// endRow consumes `]}` after the last cell.
func (s *rowScanner) endRow() error {
	if err := s.expect(']'); err != nil {
		return err
	}
	// Tolerate other keys after "f".
	for s.peek() == ',' {
		s.pos++
		if _, err := s.key(); err != nil {
			return err
		}
		if _, err := s.value(); err != nil {
			return err
		}
	}
	return s.expect('}')
}

var nullJSON = []byte("null")

// value returns the raw bytes of the JSON value at the current position and
// moves past it. Strings, arrays and objects are balanced with string
// awareness; nothing is decoded.
func (s *rowScanner) value() ([]byte, error) {
	s.ws()
	if s.pos >= len(s.buf) {
		return nil, s.syntaxError("a value")
	}
	start := s.pos
	switch c := s.buf[s.pos]; c {
	case '"':
		if err := s.skipString(); err != nil {
			return nil, err
		}
	case '{', '[':
		depth := 0
		for s.pos < len(s.buf) {
			switch s.buf[s.pos] {
			case '"':
				if err := s.skipString(); err != nil {
					return nil, err
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					s.pos++
					return s.buf[start:s.pos], nil
				}
			}
			s.pos++
		}
		return nil, s.syntaxError("the end of an array or object")
	default:
		for s.pos < len(s.buf) {
			switch s.buf[s.pos] {
			case ',', '}', ']', ' ', '\n', '\r', '\t':
				return s.buf[start:s.pos], nil
			}
			s.pos++
		}
	}
	return s.buf[start:s.pos], nil
}

func (s *rowScanner) skipString() error {
	s.pos++ // opening quote
	for s.pos < len(s.buf) {
		switch s.buf[s.pos] {
		case '\\':
			s.pos += 2
			continue
		case '"':
			s.pos++
			return nil
		}
		s.pos++
	}
	return s.syntaxError("the end of a string")
}

// stringValue returns the content of a JSON string value. Without escapes it
// is a sub-slice of raw (no copy); with escapes it is decoded into a new
// slice. isNull is true for `null`.
func stringValue(raw []byte) (b []byte, isNull bool, err error) {
	if len(raw) == 4 && string(raw) == "null" {
		return nil, true, nil
	}
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return nil, false, fmt.Errorf("bigquery: want a JSON string, found %.40q", raw)
	}
	inner := raw[1 : len(raw)-1]
	for _, c := range inner {
		if c == '\\' {
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return nil, false, fmt.Errorf("bigquery: bad JSON string: %w", err)
			}
			return []byte(s), false, nil
		}
	}
	return inner, false, nil
}
