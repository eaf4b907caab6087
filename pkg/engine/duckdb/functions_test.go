//go:build cgo

package duckdb

import (
	"context"
	"strings"
	"testing"

	"github.com/bigtent/quarry/pkg/engine"
)

// TestFunctions reads duckdb_functions(): overloads come with typed
// parameter lists, aggregates and table functions are told apart, and
// operators are left out.
func TestFunctions(t *testing.T) {
	e, err := New(context.Background(), Settings{SkipSample: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	fs, err := e.Functions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string][]engine.Function{}
	for _, f := range fs {
		byName[f.Name] = append(byName[f.Name], f)
		if strings.ContainsAny(f.Name, "+~*<>=!") {
			t.Errorf("operator %q is listed", f.Name)
		}
	}
	hasKind := func(name, kind, sigPart string) {
		t.Helper()
		for _, f := range byName[name] {
			if f.Kind == kind && strings.Contains(f.Signature, sigPart) {
				return
			}
		}
		t.Errorf("%s: no %s overload whose signature has %q in %+v", name, kind, sigPart, byName[name])
	}
	hasKind("date_trunc", engine.FunctionScalar, "TIMESTAMP")
	hasKind("sum", engine.FunctionAggregate, "")
	hasKind("range", engine.FunctionTable, "")
	if len(byName["date_trunc"]) < 2 {
		t.Errorf("date_trunc has %d overloads, want several", len(byName["date_trunc"]))
	}
}
