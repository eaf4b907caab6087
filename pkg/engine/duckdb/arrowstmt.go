//go:build cgo && duckdb_arrow

package duckdb

import (
	"context"
	"database/sql/driver"
	"fmt"
	_ "unsafe" // go:linkname

	"github.com/apache/arrow-go/v18/arrow/array"
	duck "github.com/duckdb/duckdb-go/v2"
)

// queryArrow runs the prepared statement stmt and returns its result as
// DuckDB's Arrow record batches, so a query is prepared (bound, planned)
// once: prepareOne's statement is the one checked and the one run.
//
// duckdb-go's Arrow interface takes only a query text, which it prepares
// again: for a small query that second prepare was half the engine's time
// (a SELECT 1 took 390 µs against 220 µs). The conversion of a statement's
// rows to record batches is the driver's own (recordReaderFromRows, the
// second half of Arrow.QueryContext), reached by its name: the driver is
// pinned in go.mod, the link fails if the function goes, and the Arrow
// tests read every type through it.
func queryArrow(ctx context.Context, stmt *duck.Stmt) (array.RecordReader, error) {
	rows, err := stmt.QueryContext(ctx, nil)
	if err != nil {
		return nil, err
	}
	rdr, err := recordReaderFromRows(ctx, rows)
	if err != nil {
		_ = rows.Close()
		return nil, fmt.Errorf("reading the result as Arrow: %w", err)
	}
	return rdr, nil
}

// recordReaderFromRows is duckdb-go's conversion of a driver result that
// has not been read yet into an Arrow record reader; releasing the reader
// closes the rows.
//
//go:linkname recordReaderFromRows github.com/duckdb/duckdb-go/v2.recordReaderFromRows
func recordReaderFromRows(ctx context.Context, from driver.Rows) (array.RecordReader, error)
