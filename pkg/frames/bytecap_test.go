package frames

import (
	"encoding/json"
	"strings"
	"testing"
)

// fill appends n rows (id, text of width w) to a table of an int64 and a
// string column and commits them as one page.
func fill(t *testing.T, tb *Table, from, n, w int) error {
	t.Helper()
	ids := tb.Column(0).(*Builder[int64])
	texts := tb.Column(1).(*Strings)
	for i := from; i < from+n; i++ {
		ids.Append(int64(i))
		texts.Append(strings.Repeat("x", w))
	}
	return tb.Commit(n)
}

func byteCapTable(maxRows, maxBytes int64) *Table {
	return NewTable([]ColumnSpec{{Name: "id", Kind: KindInt64}, {Name: "s", Kind: KindString}},
		TableOptions{MaxRows: maxRows, MaxBytes: maxBytes})
}

func TestByteCapCutsInsideAPage(t *testing.T) {
	// A row holds 8 (int64) + 16 (string header) + 100 bytes = 124.
	const row = 124
	for _, tc := range []struct {
		name              string
		maxRows, maxBytes int64
		pages             []int // rows per committed page
		wantRows          int
		wantBytesCut      bool
		wantNotice        string
	}{
		{"fits", 0, 10 * row, []int{5, 5}, 10, false, ""},
		{"cut in the first page", 0, 3*row + row/2, []int{10}, 3, true, "results truncated at 3 rows: they reached the result size limit of 434 bytes"},
		{"cut in the second page", 0, 12 * row, []int{10, 10}, 12, true, "results truncated at 12 rows"},
		{"row cap first", 5, 100 * row, []int{10}, 5, false, "results truncated at 5 rows; raise Max rows"},
		{"byte cap before the row cap", 8, 4 * row, []int{10}, 4, true, "result size limit of 496 bytes"},
		{"first row too large", 0, row - 1, []int{3}, 0, true, "results truncated at 0 rows"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tb := byteCapTable(tc.maxRows, tc.maxBytes)
			from := 0
			for _, n := range tc.pages {
				if tb.Room() == 0 {
					break
				}
				if err := fill(t, tb, from, n, 100); err != nil {
					t.Fatal(err)
				}
				from += n
			}
			if tb.Len() != tc.wantRows || tb.ByteCapped() != tc.wantBytesCut {
				t.Fatalf("rows %d byteCapped %v, want %d %v", tb.Len(), tb.ByteCapped(), tc.wantRows, tc.wantBytesCut)
			}
			if got := tb.ValueBytes(); got != int64(tc.wantRows*row) || got > tc.maxBytes {
				t.Errorf("value bytes %d, want %d (cap %d)", got, tc.wantRows*row, tc.maxBytes)
			}
			for i, c := range tb.Columns() {
				if c.Len() != tc.wantRows {
					t.Errorf("column %d has %d values, want %d", i, c.Len(), tc.wantRows)
				}
			}
			notices := tb.Notices()
			if tc.wantNotice == "" {
				if len(notices) != 0 || tb.Truncated() {
					t.Fatalf("untruncated table has notices %+v", notices)
				}
				return
			}
			if len(notices) != 1 || !strings.Contains(notices[0].Text, tc.wantNotice) || !tb.Truncated() {
				t.Fatalf("notices %+v, want one containing %q", notices, tc.wantNotice)
			}
			if tc.wantBytesCut && tb.Room() != 0 {
				t.Errorf("room %d after the byte cut, want 0", tb.Room())
			}
		})
	}
}

func TestByteCapNoticeUnits(t *testing.T) {
	for n, want := range map[int64]string{256 << 20: "256 MiB", 100 << 10: "100 KiB", 2 << 30: "2 GiB", 1000: "1000 bytes", 1536 << 10: "1536 KiB"} {
		if got := ByteCapNotice(n, 7).Text; !strings.Contains(got, "limit of "+want+";") || !strings.Contains(got, "at 7 rows") {
			t.Errorf("ByteCapNotice(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestSizeBytesCountsDriverStrings(t *testing.T) {
	// Strings handed over by a driver (Append) are held by the column: a
	// cache bounded by SizeBytes must count their bytes, not only headers.
	s := newColumn(ColumnSpec{Name: "s", Kind: KindString}, false).(*Strings)
	empty := s.SizeBytes()
	for i := 0; i < 100; i++ {
		s.Append(strings.Repeat("y", 1000))
	}
	if got := s.SizeBytes() - empty; got < 100*1000 {
		t.Errorf("SizeBytes grew by %d for 100 strings of 1000 bytes", got)
	}
	// The bytes are counted once (the data buffer) plus the offsets.
	a := newColumn(ColumnSpec{Name: "a", Kind: KindString}, false).(*Strings)
	for i := 0; i < 1000; i++ {
		a.AppendBytes([]byte(strings.Repeat("z", 100)))
	}
	if got := a.SizeBytes(); got < 100_000 || got > 2*100_000+int64(cap(a.offsets))*4 {
		t.Errorf("SizeBytes %d for 100,000 arena bytes", got)
	}
	j := newColumn(ColumnSpec{Name: "j", Kind: KindJSON}, false).(*JSONs)
	for i := 0; i < 100; i++ {
		j.Append(json.RawMessage(`"` + strings.Repeat("q", 998) + `"`))
	}
	if got := j.SizeBytes(); got < 100*1000 {
		t.Errorf("JSON SizeBytes %d for 100 messages of 1000 bytes", got)
	}
}
