//go:build !cgo

package duckdb

import (
	"context"
	"errors"

	"github.com/bigtent/quarry/pkg/engine"
)

// ErrUnavailable is returned by New in builds without cgo: DuckDB is linked
// through cgo, so only the host-platform plugin build embeds it.
var ErrUnavailable = errors.New("duckdb: this build of Quarry has no embedded DuckDB (built without cgo); use the linux/amd64 build or another engine")

// Engine stands in for the DuckDB engine in builds without cgo.
type Engine struct{ engine.Engine }

// New reports that DuckDB is not available in this build.
func New(ctx context.Context, s Settings) (*Engine, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return nil, ErrUnavailable
}
