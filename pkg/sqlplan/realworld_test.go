package sqlplan_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/sqlplan/oracletest"
	"github.com/bigtent/quarry/pkg/sqlplan/parser"
)

// realWorldPlanGolden lists the real-dashboard queries that do not plan,
// with the reason, and the planned share per source and dialect.
var realWorldPlanGolden = filepath.Join("testdata", "realworld", "golden", "plan.txt")

// minCorpusTotal is the least number of corpus queries, synthetic and
// real-world together. Issue 10 asks for 600 real-dashboard queries; the
// floor rises with each real-world source that lands.
const minCorpusTotal = 1056

// TestRealWorldPlans plans every real-dashboard query. A query that plans
// must give SQL that parses again as one statement of the same kind; one
// that does not plan is listed, with its error, in
// testdata/realworld/golden/plan.txt (rewritten by -update). At least 98 %
// must plan.
func TestRealWorldPlans(t *testing.T) {
	srcs, qs, err := oracletest.LoadRealWorld("testdata")
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) == 0 {
		t.Fatal("no real-world queries")
	}
	type tally struct{ ok, all int }
	per := map[string]*tally{}
	var failures []string
	planned := 0
	for _, q := range qs {
		key := q.Source + " " + string(q.Dialect)
		if per[key] == nil {
			per[key] = &tally{}
		}
		per[key].all++
		reason := planRealWorld(q)
		if reason != "" {
			failures = append(failures, fmt.Sprintf("%s: %s", q.Name, reason))
			continue
		}
		per[key].ok++
		planned++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Real-dashboard queries that do not plan, and the planned share per source.\n")
	fmt.Fprintf(&b, "Rewrite with: go test ./pkg/sqlplan -run TestRealWorldPlans -update\n\n")
	for _, s := range srcs {
		key := s.Name + " " + string(s.Dialect)
		if tl := per[key]; tl != nil {
			fmt.Fprintf(&b, "planned %s: %d/%d\n", key, tl.ok, tl.all)
		}
	}
	fmt.Fprintf(&b, "planned total: %d/%d (%.1f %%)\n\n", planned, len(qs), 100*float64(planned)/float64(len(qs)))
	for _, f := range failures {
		fmt.Fprintf(&b, "%s\n", f)
	}
	got := b.String()
	t.Logf("real-world corpus: %d of %d queries plan (%.1f %%)", planned, len(qs), 100*float64(planned)/float64(len(qs)))
	if *update {
		if err := os.MkdirAll(filepath.Dir(realWorldPlanGolden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(realWorldPlanGolden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	} else {
		want, err := os.ReadFile(realWorldPlanGolden)
		if err != nil {
			t.Fatalf("%v (run -update)", err)
		}
		if string(want) != got {
			t.Errorf("plan outcomes differ from %s (run -update after checking):\n--- want\n%s\n--- got\n%s", realWorldPlanGolden, want, got)
		}
	}
	if float64(planned) < 0.98*float64(len(qs)) {
		t.Errorf("%d of %d real-world queries plan; want at least 98 %%", planned, len(qs))
	}
}

// planRealWorld plans q and re-parses the plan; it returns "" or why the
// query did not plan.
func planRealWorld(q oracletest.RealQuery) string {
	plan, err := sqlplan.Build(context.Background(), q.Request)
	if err != nil {
		return oneLine(err.Error())
	}
	script, err := parser.Parse(plan.SQL, q.Dialect)
	if err != nil {
		return "planned SQL does not parse again: " + oneLine(err.Error())
	}
	if len(script.Statements) != 1 || !script.Statements[0].Kind.ReadOnly() {
		return fmt.Sprintf("planned SQL is not one read statement (%d statements)", len(script.Statements))
	}
	return ""
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// TestRealWorldSources: every real-world file names its source and
// licence, and the corpus (synthetic and real-world together) holds at
// least minCorpusTotal queries.
func TestRealWorldSources(t *testing.T) {
	srcs, real, err := oracletest.LoadRealWorld("testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range srcs {
		if !strings.Contains(s.Origin, "/") {
			t.Errorf("%s: source %q names no repository path or URL", s.Name, s.Origin)
		}
	}
	synthetic := len(loadCorpus(t))
	total := synthetic + len(real)
	t.Logf("corpus: %d synthetic + %d real-dashboard queries = %d", synthetic, len(real), total)
	if total < minCorpusTotal {
		t.Errorf("corpus holds %d queries, want at least %d", total, minCorpusTotal)
	}
}
