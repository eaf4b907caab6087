// Package jsonenc appends JSON values byte for byte as encoding/json
// writes them (HTML characters escaped, as json.Marshal does), for the hot
// paths that write a known shape without encoding/json's reflection: the
// plugin's log lines and the frame meta of every query.
package jsonenc

import (
	"encoding/json"
	"math"
	"strconv"
)

// AppendString appends s quoted as json.Marshal quotes it: printable ASCII
// other than the quote, the backslash and <, >, & as it is, any other
// string by encoding/json itself.
func AppendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// AppendFloat appends a finite f as json.Marshal writes a float64: the
// shortest decimal, in exponent form below 1e-6 and from 1e21, with a
// one-digit negative exponent not zero-padded. (json.Marshal refuses NaN
// and the infinities; callers leave those to it.)
func AppendFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}
