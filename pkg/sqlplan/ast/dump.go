package ast

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// Dump renders the tree rooted at n as indented text showing every node's
// type, span and source text: the format of the parser's golden files. It is
// meant for tests and debugging (it uses reflection).
func Dump(src string, n Node) string {
	var b strings.Builder
	d := dumper{src: src, b: &b}
	d.value("", reflect.ValueOf(n), 0)
	return b.String()
}

type dumper struct {
	src string
	b   *strings.Builder
}

var (
	spanType  = reflect.TypeOf(Span{})
	identType = reflect.TypeOf(Ident{})
)

func (d *dumper) text(s Span) string {
	t := s.Text(d.src)
	if len(t) > 60 {
		t = t[:28] + "…" + t[len(t)-28:]
	}
	return strconv.Quote(t)
}

func (d *dumper) line(depth int, label, body string) {
	d.b.WriteString(strings.Repeat("  ", depth))
	if label != "" {
		d.b.WriteString(label)
		d.b.WriteString(": ")
	}
	d.b.WriteString(body)
	d.b.WriteByte('\n')
}

func (d *dumper) value(label string, v reflect.Value, depth int) {
	for v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	switch {
	case v.Type() == spanType:
		s := v.Interface().(Span)
		d.line(depth, label, fmt.Sprintf("[%d,%d) %s", s.Start, s.End, d.text(s)))
		return
	case v.Type() == identType:
		id := v.Interface().(Ident)
		q := ""
		if id.Quoted {
			q = " quoted"
		}
		d.line(depth, label, fmt.Sprintf("Ident %q%s [%d,%d)", id.Name, q, id.Start, id.End))
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		head := v.Type().Name()
		if sf := v.FieldByName("Span"); sf.IsValid() && sf.Type() == spanType {
			s := sf.Interface().(Span)
			head += fmt.Sprintf(" [%d,%d) %s", s.Start, s.End, d.text(s))
		}
		d.line(depth, label, head)
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if f.Anonymous || !f.IsExported() || f.Name == "Src" || f.Name == "Tokens" {
				continue
			}
			fv := v.Field(i)
			if fv.IsZero() {
				continue
			}
			d.value(f.Name, fv, depth+1)
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			d.value(fmt.Sprintf("%s[%d]", label, i), v.Index(i), depth)
		}
	default:
		if s, ok := v.Interface().(fmt.Stringer); ok {
			d.line(depth, label, s.String())
			return
		}
		d.line(depth, label, fmt.Sprint(v.Interface()))
	}
}
