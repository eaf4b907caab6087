package lexer

import (
	"strings"
	"testing"
)

func TestLookupKeyword(t *testing.T) {
	for k := KwNone + 1; k < kwCount; k++ {
		name := keywordNames[k]
		if name == "" {
			t.Fatalf("keyword %d has no name", k)
		}
		for _, w := range []string{name, strings.ToLower(name), strings.ToUpper(name[:1]) + strings.ToLower(name[1:])} {
			if got := LookupKeyword(w); got != k {
				t.Errorf("LookupKeyword(%q) = %v, want %v", w, got, k)
			}
		}
	}
	for _, w := range []string{"", "x", "selects", "selec", "host", "timestamp", "SELECT_", "ÉLECT", "fromm", "a_very_long_identifier_name"} {
		if got := LookupKeyword(w); got != KwNone {
			t.Errorf("LookupKeyword(%q) = %v, want none", w, got)
		}
	}
}
