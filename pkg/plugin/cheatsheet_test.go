package plugin

import (
	"context"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bigtent/quarry/pkg/sqlplan"
)

// cheatSheetFile is the Explore cheat sheet's data, shown by
// src/components/query/CheatSheet.tsx.
const cheatSheetFile = "../../src/components/query/cheatsheet.json"

type cheatSheet struct {
	Examples map[string]struct {
		SQL       string                           `json:"sql"`
		Variables map[string]sqlplan.VariableValue `json:"variables"`
	} `json:"examples"`
	Macros []struct {
		Macro   string `json:"macro"`
		Example string `json:"example"`
	} `json:"macros"`
}

var macroName = regexp.MustCompile(`\$__[A-Za-z_]+`)

// TestCheatSheetPlans holds the cheat sheet to the planner: each engine's
// example query and each macro's example plan in every dialect with no
// macro or variable left over, and every macro it names is one /macros
// serves.
func TestCheatSheetPlans(t *testing.T) {
	raw, err := os.ReadFile(cheatSheetFile)
	if err != nil {
		t.Fatal(err)
	}
	var cs cheatSheet
	if err := json.Unmarshal(raw, &cs); err != nil {
		t.Fatalf("%s: %v", cheatSheetFile, err)
	}
	known := map[string]bool{}
	for _, d := range macroDocs() {
		known[d.Name] = true
	}
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	plan := func(t *testing.T, dialect, sql string, vars map[string]sqlplan.VariableValue) {
		t.Helper()
		p, err := sqlplan.Build(context.Background(), sqlplan.Request{
			Dialect: sqlplan.Dialect(dialect), RawSQL: sql, Format: sqlplan.FormatTimeSeries,
			TimeRange: sqlplan.TimeRange{From: from, To: from.Add(6 * time.Hour)}, IntervalMs: 60_000,
			MaxDataPoints: 1000, Variables: vars,
		})
		if err != nil {
			t.Fatalf("%s: %q does not plan: %v", dialect, sql, err)
		}
		for _, w := range p.Warnings {
			if w.Code == "unreplaced_variable" || strings.Contains(w.Code, "macro") {
				t.Errorf("%s: %q: warning %s: %s", dialect, sql, w.Code, w.Message)
			}
		}
		if strings.Contains(p.SQL, "$__") || strings.Contains(p.SQL, "${") || strings.Contains(p.SQL, "[[") {
			t.Errorf("%s: a macro or variable is left in the final SQL:\n%s", dialect, p.SQL)
		}
	}

	for _, engine := range EngineNames() {
		ex, ok := cs.Examples[engine]
		if !ok {
			t.Errorf("the cheat sheet has no example for %s", engine)
			continue
		}
		t.Run("example/"+engine, func(t *testing.T) { plan(t, engine, ex.SQL, ex.Variables) })
	}

	vars := map[string]sqlplan.VariableValue{
		"host":    {Values: []string{"web-1", "web-2"}, Multi: true},
		"service": {Values: []string{"api"}, Multi: true},
	}
	for _, m := range cs.Macros {
		for _, name := range macroName.FindAllString(m.Macro+" "+m.Example, -1) {
			if !known[name] {
				t.Errorf("the cheat sheet names %s, which /macros does not serve", name)
			}
		}
		sql := m.Example + " FROM t"
		switch {
		case strings.HasPrefix(m.Example, "WHERE "):
			sql = "SELECT ts, 1 AS v FROM t " + m.Example
		case !strings.HasPrefix(m.Example, "SELECT "):
			t.Errorf("macro example %q is neither a SELECT list nor a WHERE clause", m.Example)
			continue
		}
		for _, engine := range EngineNames() {
			t.Run("macro/"+engine+"/"+m.Macro, func(t *testing.T) { plan(t, engine, sql, vars) })
		}
	}
}
