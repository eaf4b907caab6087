package frames

import "testing"

func TestSizeHintIsBoundedByTheCap(t *testing.T) {
	tb := NewTable([]ColumnSpec{{Name: "n", Kind: KindInt64}, {Name: "s", Kind: KindString}, {Name: "j", Kind: KindJSON}},
		TableOptions{MaxRows: 100, SizeHint: 1_000_000})
	if c := cap(tb.Column(0).(*Builder[int64]).vals); c != 100 {
		t.Fatalf("cap %d, want 100", c)
	}
	if c := cap(tb.Column(1).(*Strings).offsets); c != 101 {
		t.Fatalf("strings cap %d", c)
	}
	if c := cap(tb.Column(2).(*JSONs).vals); c != 100 {
		t.Fatalf("json cap %d", c)
	}
}
