package plugin

import (
	"strings"
	"testing"
)

// TestMacroDocsMatchPlanner checks that every documented macro is one the
// planner knows and that each has arguments, a description and an example
// that uses it.
func TestMacroDocsMatchPlanner(t *testing.T) {
	docs := macroDocs()
	if len(docs) < 30 {
		t.Fatalf("only %d macros documented and known to the planner", len(docs))
	}
	seen := map[string]bool{}
	for _, m := range docs {
		if seen[m.Name] {
			t.Errorf("%s documented twice", m.Name)
		}
		seen[m.Name] = true
		if m.Description == "" || !strings.Contains(m.Example, strings.TrimSuffix(m.Name, "Alias")) {
			t.Errorf("%s: description %q, example %q", m.Name, m.Description, m.Example)
		}
	}
	for _, must := range []string{"$__timeFilter", "$__timeGroup", "$__interval", "$__conditionalAll", "$__adHocFilters"} {
		if !seen[must] {
			t.Errorf("%s missing", must)
		}
	}
}
