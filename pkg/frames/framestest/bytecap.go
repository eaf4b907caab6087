// Package framestest holds checks on frames.Table that the engines' tests
// share.
package framestest

import (
	"strings"
	"testing"

	"github.com/bigtent/quarry/pkg/frames"
)

// Wide is a 1000-byte text: each row of the byte-cap queries holds one.
var Wide = strings.Repeat("x", 1000)

// CheckByteCap checks a table cut by a byte cap of maxBytes (100 KiB in the
// engines' tests) over rows that each hold Wide: truncated in the middle of
// the first page of rows (fewer rows than page), within the cap by less
// than one row, with the byte-cap notice, and with the driver's string
// bytes counted in SizeBytes.
func CheckByteCap(t testing.TB, tb *frames.Table, maxBytes int64, page int) {
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
	if s := tb.SizeBytes(); s < int64(tb.Len())*int64(len(Wide)) {
		t.Fatalf("SizeBytes %d does not count the %d strings of %d bytes", s, tb.Len(), len(Wide))
	}
	n := tb.Notices()
	if len(n) != 1 || !strings.Contains(n[0].Text, "result size limit of 100 KiB") || !strings.Contains(n[0].Text, "maxResultBytes") {
		t.Fatalf("notices %+v", n)
	}
}
