// Package engine defines what Quarry needs from a warehouse: health, cost
// estimates, guarded streaming execution and catalog browsing. Sub-packages
// implement it for PostgreSQL, ClickHouse, BigQuery and DuckDB.
package engine

import (
	"context"
	"time"

	"github.com/bigtent/quarry/pkg/catalog"
	"github.com/bigtent/quarry/pkg/frames"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

// Engine is one configured warehouse connection (a pool). It is safe for
// concurrent use. Close releases its pools.
type Engine interface {
	// Dialect is the SQL dialect the planner must use for this engine.
	Dialect() sqlplan.Dialect
	// ServerVersion is the version reported by the server (planner input).
	ServerVersion(ctx context.Context) (string, error)
	// Health connects and runs a trivial query.
	Health(ctx context.Context) Health
	// Estimate returns the cost of running the plan, without running it.
	Estimate(ctx context.Context, plan *sqlplan.Plan) (Cost, error)
	// Query runs the plan read-only and streams its rows into a typed table,
	// stopping at plan.RowCap rows (marking the table truncated).
	Query(ctx context.Context, plan *sqlplan.Plan, opts QueryOptions) (*frames.Table, QueryStats, error)
	// Datasets lists schemas / datasets / databases.
	Datasets(ctx context.Context) ([]string, error)
	// Tables lists the tables of a dataset ("" = default).
	Tables(ctx context.Context, dataset string) ([]string, error)
	// Columns describes one table: columns, types and partitioning.
	Columns(ctx context.Context, dataset, table string) (catalog.Table, error)
	// Close releases pools and connections.
	Close() error
}

// ProjectLister is an engine with projects above its datasets (BigQuery).
// Its Tables and Columns take "project.dataset" for a dataset of another
// project; DatasetsInProject lists a project's datasets ("" = the default).
type ProjectLister interface {
	DatasetsInProject(ctx context.Context, project string) ([]string, error)
}

// QueryOptions are per-query execution options.
type QueryOptions struct {
	// Timeout bounds the query (0 = the engine's configured default).
	Timeout time.Duration
	// Labels are attached to the job where the engine supports it (BigQuery).
	Labels map[string]string
	// Location and Priority are BigQuery per-query overrides.
	Location string
	Priority string
	// NumericAsFloat turns NUMERIC/DECIMAL into float64 instead of exact strings.
	NumericAsFloat bool
	// MaxBytes caps the result's size in bytes (0 = none): the table is cut
	// there, in the middle of a page if need be, and marked truncated
	// (frames.TableOptions.MaxBytes).
	MaxBytes int64
	// Chunk, when its Flush is set, streams the result: the table hands
	// its rows over in chunks as they are committed and holds one chunk
	// at a time (frames.TableOptions.Chunk). The table Query returns then
	// holds only the last chunk; QueryStats.Rows counts the whole result.
	Chunk frames.Chunking
}

// QueryStats describe one execution.
type QueryStats struct {
	Rows           int64
	BytesProcessed int64
	BytesBilled    int64
	USD            float64
	Duration       time.Duration
	JobID          string
}

// CostKind says how much to trust an estimate.
type CostKind string

// Cost kinds.
const (
	CostExact      CostKind = "exact"
	CostEstimate   CostKind = "estimate"
	CostUpperBound CostKind = "upperBound"
	CostUnknown    CostKind = "unknown"
)

// Cost is a pre-execution estimate.
type Cost struct {
	Bytes            int64    `json:"bytes"`
	Rows             int64    `json:"rows"`
	EngineCost       float64  `json:"engineCost"`
	USD              float64  `json:"usd"`
	Kind             CostKind `json:"kind"`
	ReferencedTables []string `json:"referencedTables,omitempty"`
	StatementType    string   `json:"statementType,omitempty"`
	Notes            []string `json:"notes,omitempty"`
}

// Health is the result of a health check.
type Health struct {
	OK      bool   `json:"ok"`
	Version string `json:"version,omitempty"`
	// Capabilities lists what Quarry will use (e.g. "EXPLAIN ESTIMATE", "toStartOfInterval", "dry run").
	Capabilities []string `json:"capabilities,omitempty"`
	// Step is the failing step: dns, tcp, tls, auth, permission, database, query.
	Step    string `json:"step,omitempty"`
	Message string `json:"message"`
	// Hint says what to do about a failure.
	Hint string `json:"hint,omitempty"`
}
