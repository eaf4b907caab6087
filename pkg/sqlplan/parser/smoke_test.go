package parser

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bigtent/quarry/pkg/sqlplan/ast"
)

// TestSmoke parses testdata/smoke/<dialect>.sql, one dashboard-style query
// per line, each of which must parse without errors into one read statement.
func TestSmoke(t *testing.T) {
	for _, d := range dialects {
		data, err := os.ReadFile(filepath.Join("testdata", "smoke", d+".sql"))
		if err != nil {
			t.Fatal(err)
		}
		for i, q := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			s, err := Parse(q, d)
			if err != nil {
				t.Errorf("%s line %d: %v\n  %s", d, i+1, err, q)
				continue
			}
			if len(s.Statements) != 1 || s.Statements[0].Kind != ast.StmtSelect {
				t.Errorf("%s line %d: want one SELECT, got %v", d, i+1, kinds(s))
			}
			checkSpans(t, q, s)
		}
	}
}
