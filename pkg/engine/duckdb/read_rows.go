//go:build cgo && !duckdb_arrow

package duckdb

import (
	"context"

	duck "github.com/duckdb/duckdb-go/v2"

	"github.com/bigtent/quarry/pkg/frames"
)

// ArrowReader reports whether this build reads results through DuckDB's
// Arrow interface: false without the duckdb_arrow build tag, whose builds
// read the driver's rows.
const ArrowReader = false

// read is the reader of Query: without the duckdb_arrow build tag the
// driver does not expose DuckDB's Arrow interface, so results are read
// row by row.
func (e *Engine) read(ctx context.Context, stmt *duck.Stmt, o frames.TableOptions) (*frames.Table, error) {
	return e.readRowsPath(ctx, stmt, o)
}
