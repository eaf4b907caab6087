package duckdb

import (
	"strings"
	"testing"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/frames"
)

// wide is a 1000-byte text: each row of the byte-cap queries holds one.
var wide = strings.Repeat("x", 1000)

// checkByteCap checks a table cut by a byte cap of maxBytes: truncated in
// the middle of the first page of rows (fewer rows than a page), within
// the cap by less than one row, with the byte-cap notice, and with the
// driver's string bytes counted in SizeBytes.
func checkByteCap(t *testing.T, tb *frames.Table, maxBytes int64, page int) {
	t.Helper()
	if !tb.Truncated() || !tb.ByteCapped() {
		t.Fatalf("truncated %v byteCapped %v, want both", tb.Truncated(), tb.ByteCapped())
	}
	if tb.Len() == 0 || tb.Len() >= page {
		t.Fatalf("rows %d: the cap of %d bytes should cut inside the first page of %d rows", tb.Len(), maxBytes, page)
	}
	if v := tb.ValueBytes(); v > maxBytes || maxBytes-v > 1100 {
		// a row holds about 1040 bytes: with more room left, another fitted
		t.Fatalf("value bytes %d for %d rows under a cap of %d", v, tb.Len(), maxBytes)
	}
	if s := tb.SizeBytes(); s < int64(tb.Len())*1000 {
		t.Fatalf("SizeBytes %d does not count the %d strings of 1000 bytes", s, tb.Len())
	}
	n := tb.Notices()
	if len(n) != 1 || !strings.Contains(n[0].Text, "result size limit of 100 KiB") || !strings.Contains(n[0].Text, "maxResultBytes") {
		t.Fatalf("notices %+v", n)
	}
}

func TestByteCap(t *testing.T) {
	e := sampleEngine(t, Settings{})
	tb := query(t, e, "SELECT range AS n, '"+wide+"' || range AS s FROM range(1000000)", 0, engine.QueryOptions{MaxBytes: 100 << 10})
	checkByteCap(t, tb, 100<<10, commitEvery)
}
