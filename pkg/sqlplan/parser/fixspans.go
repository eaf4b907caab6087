package parser

import (
	"reflect"

	"github.com/bigtent/quarry/pkg/sqlplan/ast"
)

var spanType = reflect.TypeOf(ast.Span{})

// fixSpans makes the spans of a tree parsed with errors consistent: a
// placeholder node for something missing gets a zero-width span inside its
// parent, and no span ends before it starts. Trees parsed without errors
// already satisfy this, so it only runs after errors (it uses reflection).
func fixSpans(root ast.Node, n int) {
	fixValue(reflect.ValueOf(root), ast.Span{Start: 0, End: n})
}

func fixValue(v reflect.Value, parent ast.Span) {
	for v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Struct:
		span := parent
		if f := v.FieldByName("Span"); f.IsValid() && f.Type() == spanType && f.CanSet() {
			s := f.Interface().(ast.Span)
			s.Start = min(max(s.Start, parent.Start), parent.End)
			s.End = min(max(s.End, s.Start), parent.End)
			f.Set(reflect.ValueOf(s))
			span = s
		}
		for i := 0; i < v.NumField(); i++ {
			if f := v.Type().Field(i); f.Name == "Tokens" || f.Name == "Span" || !f.IsExported() {
				continue
			}
			fixValue(v.Field(i), span)
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			fixValue(v.Index(i), parent)
		}
	}
}
