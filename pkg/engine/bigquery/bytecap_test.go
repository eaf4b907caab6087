package bigquery

import (
	"testing"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/frames"
	"github.com/bigtent/quarry/pkg/frames/framestest"
)

func TestEmulatorByteCap(t *testing.T) {
	e := emulatorEngine(t, Settings{PageSize: 700})
	tb, _ := run(t, e, "SELECT x, CONCAT('"+framestest.Wide+"', CAST(x AS STRING)) AS s FROM UNNEST(GENERATE_ARRAY(1, 5000)) AS x ORDER BY x", 0, engine.QueryOptions{MaxBytes: 100 << 10})
	framestest.CheckByteCap(t, tb, 100<<10, 700)
	xs := tb.Column(0).(*frames.Builder[int64]).Values()
	for i, x := range xs {
		if x != int64(i+1) {
			t.Fatalf("row %d: x = %d, want the first rows in order", i, x)
		}
	}
}
