package enginetest

import (
	"context"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bigtent/quarry/pkg/sqlplan/dialect"
)

// hostile are filter values that try to break out of a literal.
var hostile = []string{
	"it's", `back\slash`, `\'; DROP TABLE x; --`, "a''b", `trailing\`, "new\nline\r\ttab",
	"/* comment */ -- dash # hash", "ünïcödé ✓ 日本", "$1 ${var} $__timeFilter(ts) @p {x:String}",
	"semi;colon", `"double" ` + "`back`", "bell\x07esc\x1b", "nul\x00byte",
}

// quoteRoundTrip checks that SELECT <QuoteString(v)> returns v on the real
// engine, for every hostile value the dialect accepts; values it refuses
// must be refused with ErrNUL.
func quoteRoundTrip(t *testing.T, d dialect.Name, run runner) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dd := dialect.MustNew(d, "")
	for _, v := range hostile {
		lit, err := dd.QuoteString(v)
		if err != nil {
			if !errors.Is(err, dialect.ErrNUL) {
				t.Errorf("QuoteString(%q): %v", v, err)
			}
			continue
		}
		query, want := "SELECT "+lit+" AS v", v
		if d == dialect.BigQuery && strings.IndexByte(v, 0) >= 0 {
			// The emulator's string handling stops at NUL although the
			// literal holds it, so compare the literal's bytes. (Only
			// here: its CAST(string AS BYTES) mangles values with '"'.)
			query, want = "SELECT CONCAT('x', TO_HEX(CAST("+lit+" AS BYTES))) AS v", "x"+hex.EncodeToString([]byte(v))
		}
		rows, err := run(ctx, query)
		if err != nil {
			t.Errorf("%s rejected the literal for %q: %v\n%s", d, v, err, lit)
			continue
		}
		if len(rows) != 1 || rows[0] != want {
			t.Errorf("%s: literal %s came back as %q, want %q", d, lit, rows, want)
		}
	}
}
