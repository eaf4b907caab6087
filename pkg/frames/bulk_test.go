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

// bitmap builds an Arrow validity bitmap (LSB first) from valid flags,
// starting at bit offset.
func bitmap(offset int, valid ...bool) []byte {
	b := make([]byte, (offset+len(valid)+7)/8)
	for i := 0; i < offset; i++ {
		b[i>>3] |= 1 << (uint(i) & 7) // bits before the slice: valid (ignored)
	}
	for i, v := range valid {
		if v {
			j := offset + i
			b[j>>3] |= 1 << (uint(j) & 7)
		}
	}
	return b
}

func TestBulkAppendMatchesPerValue(t *testing.T) {
	vals := []int64{10, 20, 30, 40, 50, 60, 70, 80, 90, 100}
	valid := []bool{true, false, true, true, false, true, true, true, true, false}
	for _, tc := range []struct {
		name     string
		validity []byte
		offset   int
	}{
		{"no bitmap", nil, 0},
		{"bitmap", bitmap(0, valid...), 0},
		{"bitmap at bit offset 5", bitmap(5, valid...), 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := NewBuilder[int64](ColumnSpec{Name: "x"})
			want.Append(7) // something before
			got := NewBuilder[int64](ColumnSpec{Name: "x"})
			got.Append(7)
			for i, v := range vals {
				if tc.validity != nil && !valid[i] {
					want.AppendNull()
				} else {
					want.Append(v)
				}
			}
			got.AppendSliceValidity(vals, tc.validity, tc.offset)
			if !slices.Equal(got.Values(), want.Values()) || got.NullCount() != want.NullCount() {
				t.Fatalf("values %v nulls %d, want %v nulls %d", got.Values(), got.NullCount(), want.Values(), want.NullCount())
			}
			for i := 0; i < want.Len(); i++ {
				if got.IsNull(i) != want.IsNull(i) {
					t.Fatalf("IsNull(%d) = %v", i, got.IsNull(i))
				}
			}

			wt, gt := NewTimes(ColumnSpec{Name: "t"}), NewTimes(ColumnSpec{Name: "t"})
			for i, v := range vals {
				if tc.validity != nil && !valid[i] {
					wt.AppendNull()
				} else {
					wt.AppendNanos(v * 1000)
				}
			}
			gt.AppendScaled(vals, 1000, tc.validity, tc.offset)
			if !slices.Equal(gt.Values(), wt.Values()) || gt.NullCount() != wt.NullCount() {
				t.Fatalf("times %v, want %v", gt.Values(), wt.Values())
			}
		})
	}
}

// TestBulkAppendInTable: bulk appends respect the row cap like per-value
// appends (Commit cuts at the cap).
func TestBulkAppendInTable(t *testing.T) {
	tb := NewTable([]ColumnSpec{{Name: "n", Kind: KindInt64}, {Name: "s", Kind: KindString}}, TableOptions{MaxRows: 3})
	tb.Column(0).(*Builder[int64]).AppendSliceValidity([]int64{1, 2, 3, 4}, nil, 0)
	tb.Column(1).(*Strings).AppendOffsets([]int32{0, 1, 2, 3, 4}, []byte("abcd"))
	if err := tb.Commit(4); err != nil {
		t.Fatal(err)
	}
	if tb.Len() != 3 || !tb.Truncated() || tb.Column(1).(*Strings).Value(2) != "c" {
		t.Fatalf("len %d truncated %v", tb.Len(), tb.Truncated())
	}
	if got := tb.Column(0).(*Builder[int64]).Values(); !slices.Equal(got, []int64{1, 2, 3}) {
		t.Fatalf("values %v", got)
	}
}
