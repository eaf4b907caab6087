package postgres_test

import (
	"context"
	"testing"

	"github.com/bigtent/quarry/pkg/engine"
)

// TestFunctions lists pg_proc on the real server: built-ins come with their
// signatures and kinds, and type I/O functions are left out.
func TestFunctions(t *testing.T) {
	e, _ := open(t)
	fs, err := e.Functions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string][]engine.Function{}
	for _, f := range fs {
		byName[f.Name] = append(byName[f.Name], f)
	}
	cases := []struct{ name, kind, signature string }{
		{"date_trunc", engine.FunctionScalar, "(text, timestamp with time zone)"},
		{"percentile_cont", engine.FunctionAggregate, ""},
		{"row_number", engine.FunctionWindow, "()"},
		{"generate_series", engine.FunctionTable, ""},
	}
	for _, c := range cases {
		list := byName[c.name]
		if len(list) == 0 {
			t.Errorf("%s is not listed", c.name)
			continue
		}
		found := false
		for _, f := range list {
			if f.Kind == c.kind && (c.signature == "" || f.Signature == c.signature) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no overload of kind %s with signature %q in %+v", c.name, c.kind, c.signature, list)
		}
	}
	for _, internal := range []string{"int4in", "boolout", "_pg_expandarray"} {
		if len(byName[internal]) > 0 {
			t.Errorf("%s is a type I/O or internal function and should not be listed", internal)
		}
	}
}
