//go:build cgo

package duckdb

import (
	"testing"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/frames/framestest"
)

func TestByteCap(t *testing.T) {
	e := sampleEngine(t, Settings{})
	tb := query(t, e, "SELECT range AS n, '"+framestest.Wide+"' || range AS s FROM range(1000000)", 0, engine.QueryOptions{MaxBytes: 100 << 10})
	framestest.CheckByteCap(t, tb, 100<<10, commitEvery)
}
