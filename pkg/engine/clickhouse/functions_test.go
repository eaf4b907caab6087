package clickhouse_test

import (
	"context"
	"testing"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/engine/clickhouse"
)

// TestFunctions lists system.functions on the real (18.16) server: names and
// aggregate flags are there; operators are left out.
func TestFunctions(t *testing.T) {
	e, _ := open(t)
	fs, err := e.Functions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for _, f := range fs {
		kinds[f.Name] = f.Kind
	}
	want := map[string]string{
		"toStartOfHour": engine.FunctionScalar,
		"uniq":          engine.FunctionAggregate,
		"quantile":      engine.FunctionAggregate,
	}
	for name, kind := range want {
		if kinds[name] != kind {
			t.Errorf("%s: kind %q, want %q", name, kinds[name], kind)
		}
	}
	if _, ok := kinds["plus"]; !ok {
		t.Error("plus (the function behind +) is not listed")
	}
	for name := range kinds {
		if name == "" || name[0] == '%' || name == "+" {
			t.Errorf("an operator or empty name is listed: %q", name)
		}
	}
}

func TestSignatureFrom(t *testing.T) {
	for _, c := range []struct{ name, syntax, want string }{
		{"toStartOfInterval", "toStartOfInterval(t, INTERVAL x unit[, time_zone])", "(t, INTERVAL x unit[, time_zone])"},
		{"plus", "```\nplus(a, b)\n```", "(a, b)"},
		{"now", "", ""},
		{"other", "something(x)", ""},
	} {
		if got := clickhouse.ClickhouseSignature(c.name, c.syntax); got != c.want {
			t.Errorf("signatureFrom(%q, %q) = %q, want %q", c.name, c.syntax, got, c.want)
		}
	}
}
