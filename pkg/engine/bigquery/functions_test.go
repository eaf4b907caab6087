package bigquery

import (
	"context"
	"strings"
	"testing"

	"github.com/bigtent/quarry/pkg/engine"
)

// TestFunctionList checks the maintained list: it names its source, every
// entry has a name, a kind and a signature, and no name is listed twice.
func TestFunctionList(t *testing.T) {
	l, err := loadFunctions()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(l.Source, "GoogleSQL") || l.Updated == "" {
		t.Errorf("the list does not name its source and date: %q %q", l.Source, l.Updated)
	}
	kinds := map[string]bool{engine.FunctionScalar: true, engine.FunctionAggregate: true, engine.FunctionWindow: true, engine.FunctionTable: true}
	seen := map[string]bool{}
	for _, f := range l.Functions {
		if f.Name == "" || !kinds[f.Kind] || !strings.HasPrefix(f.Signature, "(") {
			t.Errorf("bad entry %+v", f)
		}
		if seen[f.Name] {
			t.Errorf("%s is listed twice", f.Name)
		}
		seen[f.Name] = true
	}
	for _, want := range []string{"TIMESTAMP_TRUNC", "APPROX_QUANTILES", "SAFE_DIVIDE", "ROW_NUMBER"} {
		if !seen[want] {
			t.Errorf("%s is missing", want)
		}
	}
	fs, err := (&Engine{}).Functions(context.Background())
	if err != nil || len(fs) != len(l.Functions) {
		t.Errorf("Functions: %d, %v", len(fs), err)
	}
}
