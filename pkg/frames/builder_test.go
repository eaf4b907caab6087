package frames

import (
	"encoding/json"
	"testing"
	"time"
)

func TestFieldAdoptsValuesWithoutCopy(t *testing.T) {
	b := NewBuilder[int64](ColumnSpec{Name: "n", Kind: KindInt64})
	for i := range 1000 {
		b.Append(int64(i))
	}
	first := &b.vals[0]
	f := b.Field()
	if f.Len() != 1000 || f.Nullable() {
		t.Fatalf("len %d nullable %v", f.Len(), f.Nullable())
	}
	if p := f.PointerAt(0).(*int64); p != first {
		t.Fatalf("field copied the values; want the builder's array")
	}
}

func TestNullableFieldPointsIntoOneArray(t *testing.T) {
	b := NewBuilder[float64](ColumnSpec{Name: "v", Kind: KindFloat64})
	b.Append(1)
	b.AppendNull()
	b.Append(3)
	f := b.Field()
	if !f.Nullable() || f.Len() != 3 {
		t.Fatalf("want nullable len 3, got %v %d", f.Nullable(), f.Len())
	}
	if !f.NilAt(1) || f.NilAt(0) {
		t.Fatalf("null bitmap lost")
	}
	p0 := f.At(0).(*float64)
	p2 := f.At(2).(*float64)
	if p0 != &b.vals[0] || p2 != &b.vals[2] || *p2 != 3 {
		t.Fatalf("pointers must point into the value array")
	}
}

func TestEveryStorageKindBuildsAField(t *testing.T) {
	for k := KindInt8; k < kindCount; k++ {
		for _, asFloat := range []bool{false, true} {
			c := newColumn(ColumnSpec{Name: k.String(), Kind: k}, asFloat)
			c.AppendNull()
			appendOne(t, c)
			f := c.Field()
			if f.Len() != 2 {
				t.Fatalf("%s: len %d", k, f.Len())
			}
			if k != KindJSON && Storage(k, asFloat) != StoreJSON && !f.Nullable() {
				t.Fatalf("%s: a column with a NULL must be nullable", k)
			}
		}
	}
}

func appendOne(t *testing.T, c Column) {
	t.Helper()
	switch b := c.(type) {
	case *Builder[int8]:
		b.Append(1)
	case *Builder[int16]:
		b.Append(1)
	case *Builder[int32]:
		b.Append(1)
	case *Builder[int64]:
		b.Append(1)
	case *Builder[uint8]:
		b.Append(1)
	case *Builder[uint16]:
		b.Append(1)
	case *Builder[uint32]:
		b.Append(1)
	case *Builder[uint64]:
		b.Append(1)
	case *Builder[float32]:
		b.Append(1)
	case *Builder[float64]:
		b.Append(1)
	case *Builder[bool]:
		b.Append(true)
	case *Times:
		b.Append(time.Unix(0, 0))
	case *Strings:
		b.AppendBytes([]byte("x"))
	case *JSONs:
		b.AppendBytes([]byte(`{"a":1}`))
	default:
		t.Fatalf("unexpected builder %T", c)
	}
}

func TestStringsSurviveSourceReuse(t *testing.T) {
	s := NewStrings(ColumnSpec{Name: "s", Kind: KindString})
	buf := []byte("hello")
	s.AppendBytes(buf)
	copy(buf, "HELLO")
	s.AppendBytes(buf)
	s.AppendBytes(nil)
	if s.Value(0) != "hello" || s.Value(1) != "HELLO" || s.Value(2) != "" {
		t.Fatalf("got %q %q %q", s.Value(0), s.Value(1), s.Value(2))
	}
	j := &JSONs{Builder: Builder[json.RawMessage]{spec: ColumnSpec{Name: "j", Kind: KindJSON}}}
	j.AppendNull()
	if f := j.Field(); f.Nullable() {
		t.Fatalf("json field must not be nullable")
	}
}

func TestRowCapTruncates(t *testing.T) {
	tb := NewTable([]ColumnSpec{{Name: "n", Kind: KindInt64}}, TableOptions{MaxRows: 3})
	b := tb.Column(0).(*Builder[int64])
	for i := 0; i < 10; i++ {
		if tb.Room() == 0 {
			tb.MarkTruncated()
			break
		}
		b.Append(int64(i))
		if err := tb.Commit(1); err != nil {
			t.Fatal(err)
		}
	}
	if tb.Len() != 3 || !tb.Truncated() || cap(b.vals) > 3 {
		t.Fatalf("len %d truncated %v cap %d", tb.Len(), tb.Truncated(), cap(b.vals))
	}
	want := "results truncated at 3 rows; raise Max rows or narrow the query"
	if n := tb.Notices(); len(n) != 1 || n[0].Text != want {
		t.Fatalf("notices %+v", n)
	}
	b.Append(1)
	if err := tb.Commit(2); err == nil {
		t.Fatalf("an incomplete row must fail Commit")
	}
}
