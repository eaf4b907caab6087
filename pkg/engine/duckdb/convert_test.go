//go:build cgo

package duckdb

import (
	"testing"
)

func TestShapeOrder(t *testing.T) {
	sh := parseShape(`STRUCT("z" INTEGER, "a, ""b""" STRUCT("y" VARCHAR, "x" DECIMAL(5,2))[], "m" MAP(VARCHAR, STRUCT("q" INTEGER, "p" INTEGER)))[]`)
	v := []any{map[string]any{
		"a, \"b\"": []any{map[string]any{"x": 1, "y": "s"}},
		"z":        2,
		"m":        map[string]any{"k": map[string]any{"p": 1, "q": 2}},
	}}
	got, err := appendJSON(nil, v, sh)
	if err != nil {
		t.Fatal(err)
	}
	// "m" is a Go map here (not a duckdb MAP), so its value is ordered by
	// the struct shape under field "m" only when the shape matches; it does
	// not (MAP shape), so keys are sorted.
	want := `[{"z":2,"a, \"b\"":[{"y":"s","x":1}],"m":{"k":{"p":1,"q":2}}}]`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if parseShape("INTEGER") != nil {
		t.Error("scalar has a shape")
	}
}
