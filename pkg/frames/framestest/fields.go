package framestest

import (
	"reflect"
	"slices"
	"testing"
)

// CheckFieldNames fails t unless the struct v has exactly the fields want,
// in order: the guard of code that writes a struct field by field (its
// JSON without reflection), so that a field added to it, or to a type from
// the SDK, cannot be left out silently.
func CheckFieldNames(t testing.TB, v any, want ...string) {
	t.Helper()
	typ := reflect.TypeOf(v)
	var got []string
	for i := range typ.NumField() {
		got = append(got, typ.Field(i).Name)
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s fields = %q, want %q: write the new field too (or leave the value to json.Marshal)", typ, got, want)
	}
}
