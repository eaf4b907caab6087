package framestest

import (
	"fmt"
	"reflect"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// EqualValues reports how two frames differ in name, field names, labels,
// and values, row by row; nil when they hold the same values. A nullable
// field equals a non-nullable one with the same values (chunked frames
// are nullable throughout, see frames.ChunkFrame).
func EqualValues(got, want *data.Frame) error {
	if got.Name != want.Name {
		return fmt.Errorf("frame name %q, want %q", got.Name, want.Name)
	}
	if len(got.Fields) != len(want.Fields) {
		return fmt.Errorf("frame %q: %d fields, want %d", want.Name, len(got.Fields), len(want.Fields))
	}
	for i, w := range want.Fields {
		g := got.Fields[i]
		if g.Name != w.Name || g.Labels.String() != w.Labels.String() {
			return fmt.Errorf("field %d: %q %v, want %q %v", i, g.Name, g.Labels, w.Name, w.Labels)
		}
		if g.Type().NonNullableType() != w.Type().NonNullableType() {
			return fmt.Errorf("field %q: type %s, want %s", w.Name, g.Type(), w.Type())
		}
		if g.Len() != w.Len() {
			return fmt.Errorf("field %q: %d rows, want %d", w.Name, g.Len(), w.Len())
		}
		for r := 0; r < w.Len(); r++ {
			gv, gok := g.ConcreteAt(r)
			wv, wok := w.ConcreteAt(r)
			if gok != wok || !sameValue(gv, wv) {
				return fmt.Errorf("field %q row %d: %v (%v), want %v (%v)", w.Name, r, gv, gok, wv, wok)
			}
		}
	}
	return nil
}

// sameValue compares two values; times by instant (Arrow decodes them in
// UTC whatever zone they were written in).
func sameValue(a, b any) bool {
	if ta, ok := a.(time.Time); ok {
		tb, ok := b.(time.Time)
		return ok && ta.Equal(tb)
	}
	return reflect.DeepEqual(a, b)
}
