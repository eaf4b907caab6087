package plugin

import (
	"context"
	"sync"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/bigtent/quarry/pkg/frames"
)

// directFrames is a QueryData request's record of the frames whose values
// stay in their result table: DataServer puts one in the request's context
// (withDirectFrames), the Service hands it table-format frames as a head
// (name, refId, meta: frames.TableFrameHead) plus the table, and
// EncodeResponse writes those frames with arrowipc.MarshalTable straight
// from the table's column buffers, never building their data.Fields.
// Without it in the context (tests calling QueryData directly, the quarry
// CLI, the JSON format, the shared cache) frames are built as before.
type directFrames struct {
	mu     sync.Mutex
	tables map[*data.Frame]*frames.Table
}

type directFramesKey struct{}

// withDirectFrames returns ctx carrying a new, empty record.
func withDirectFrames(ctx context.Context) (context.Context, *directFrames) {
	d := &directFrames{tables: map[*data.Frame]*frames.Table{}}
	return context.WithValue(ctx, directFramesKey{}, d), d
}

// directFramesFrom returns the request's record, or nil.
func directFramesFrom(ctx context.Context) *directFrames {
	d, _ := ctx.Value(directFramesKey{}).(*directFrames)
	return d
}

// add records that head's fields are t's columns. t must not change until
// the response is encoded (cached tables never change).
func (d *directFrames) add(head *data.Frame, t *frames.Table) {
	d.mu.Lock()
	d.tables[head] = t
	d.mu.Unlock()
}

// table returns the table whose columns are f's fields, or nil.
func (d *directFrames) table(f *data.Frame) *frames.Table {
	if d == nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.tables[f]
}
