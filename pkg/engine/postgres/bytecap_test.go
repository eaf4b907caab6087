package postgres_test

import (
	"testing"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/frames/framestest"
)

func TestByteCap(t *testing.T) {
	e, _ := open(t)
	tb := query(t, e, "SELECT g, '"+framestest.Wide+"' || g AS s FROM generate_series(1, 1000000) g", 0, engine.QueryOptions{MaxBytes: 100 << 10})
	framestest.CheckByteCap(t, tb, 100<<10, 1024)
	// The pool still works after the cut stream.
	if tb := query(t, e, "SELECT 1", 0, engine.QueryOptions{MaxBytes: 100 << 10}); tb.Len() != 1 || tb.Truncated() {
		t.Fatal("pool unusable after a byte cut")
	}
}
