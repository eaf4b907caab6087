package frames

import (
	"strings"
	"testing"
	"time"
)

// spliceTable is a (time, n) table; a zero time is NULL.
func spliceTable(t *testing.T, times []time.Time, ns []int64) *Table {
	t.Helper()
	tb := NewTable([]ColumnSpec{{Name: "time", Kind: KindTime}, {Name: "n", Kind: KindInt64}}, TableOptions{})
	for i, ts := range times {
		if ts.IsZero() {
			tb.Column(0).(*Times).AppendNull()
		} else {
			tb.Column(0).(*Times).Append(ts)
		}
		tb.Column(1).(*Builder[int64]).Append(ns[i])
	}
	if err := tb.Commit(len(times)); err != nil {
		t.Fatal(err)
	}
	return tb
}

func TestSplice(t *testing.T) {
	at := func(m int) time.Time { return time.Date(2026, 1, 1, 0, m, 0, 0, time.UTC) }
	ns := func(m int) int64 { return at(m).UnixNano() }
	prev := spliceTable(t, []time.Time{at(0), at(1), at(2), {}, at(3)}, []int64{10, 11, 12, 99, 13})
	tail := spliceTable(t, []time.Time{at(2), at(3), at(4)}, []int64{22, 23, 24})
	other := NewTable([]ColumnSpec{{Name: "time", Kind: KindTime}, {Name: "x", Kind: KindString}}, TableOptions{})
	for _, tc := range []struct {
		name  string
		parts []Part
		want  []int64 // column n, in order
		err   string
	}{
		{name: "cached then tail", parts: []Part{{Table: prev, From: ns(1), To: ns(2)}, {Table: tail, From: ns(2)}}, want: []int64{11, 22, 23, 24}},
		{name: "NULL times are left out", parts: []Part{{Table: prev, From: 0, To: ns(9)}}, want: []int64{10, 11, 12, 13}},
		{name: "empty range", parts: []Part{{Table: prev, From: ns(5), To: ns(6)}}, want: []int64{}},
		{name: "no parts", err: "no parts"},
		{name: "columns differ", parts: []Part{{Table: prev}, {Table: other}}, err: "column 2 of part 1 is x string"},
		{name: "not a time", parts: []Part{{Table: other, Time: 1}}, err: "column x is not a time"},
		{name: "no such column", parts: []Part{{Table: prev, Time: 5}}, err: "no column 5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Splice(tc.parts, TableOptions{})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Len() != len(tc.want) {
				t.Fatalf("%d rows, want %d", got.Len(), len(tc.want))
			}
			col := got.Column(1).(*Builder[int64])
			for i, w := range tc.want {
				if col.vals[i] != w {
					t.Fatalf("row %d: n=%d, want %d", i, col.vals[i], w)
				}
			}
			// The byte count (what the byte cap weighs) covers the rows.
			if len(tc.want) > 0 && got.ValueBytes() < int64(len(tc.want))*16 {
				t.Fatalf("value bytes %d for %d rows of a time and an int64", got.ValueBytes(), len(tc.want))
			}
		})
	}
}
