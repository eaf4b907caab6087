package frames

import (
	"slices"
	"testing"
)

func TestAppendValuesMatchesAppend(t *testing.T) {
	for _, vs := range [][]int64{nil, {1}, {1, 2, 3}, make([]int64, 1000)} {
		bulk, one := NewBuilder[int64](ColumnSpec{}), NewBuilder[int64](ColumnSpec{})
		bulk.Append(7)
		one.Append(7)
		bulk.AppendValues(vs)
		for _, v := range vs {
			one.Append(v)
		}
		if !slices.Equal(bulk.Values(), one.Values()) || bulk.NullCount() != 0 {
			t.Errorf("%d values: bulk %v, one by one %v", len(vs), bulk.Values(), one.Values())
		}
	}
}

func TestAppendOffsetsMatchesAppend(t *testing.T) {
	data := []byte("xxhelloworld!")
	tests := []struct {
		name    string
		offsets []int32
		want    []string
	}{
		{"empty", []int32{0}, nil},
		{"from zero", []int32{0, 2, 7}, []string{"xx", "hello"}},
		{"sliced", []int32{2, 7, 7, 12}, []string{"hello", "", "world"}},
	}
	for _, tc := range tests {
		s := NewStrings(ColumnSpec{})
		s.Append("a")
		s.AppendNull()
		s.AppendOffsets(tc.offsets, data)
		s.Append("z")
		want := append(append([]string{"a", ""}, tc.want...), "z")
		var got []string
		for i := range s.Len() {
			got = append(got, s.Value(i))
		}
		if !slices.Equal(got, want) || !s.IsNull(1) || s.NullCount() != 1 {
			t.Errorf("%s: got %q (nulls %d), want %q", tc.name, got, s.NullCount(), want)
		}
	}
}
