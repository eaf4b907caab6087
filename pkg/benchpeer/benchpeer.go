// Package benchpeer is the end-to-end benchmark's reference plugin: a data
// source built the way grafana/sqlds-based plugins (Grafana's own SQL
// sources, the official ClickHouse and BigQuery plugins) answer a query,
// reduced to that path: database/sql, one pooled *sql.DB per data source
// instance, and sqlutil.FrameFromRows. It has no macros, no planner and no
// cache; it exists only to be measured against Quarry (pkg/e2ebench).
package benchpeer

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/data/sqlutil"
)

// PluginID is the id the peer is served under.
const PluginID = "bigtent-benchpeer-datasource"

// Settings are the peer's jsonData: a database/sql driver name ("pgx",
// "clickhouse", "duckdb") and its DSN.
type Settings struct {
	Driver string `json:"driver"`
	DSN    string `json:"dsn"`
	// RowLimit is passed to FrameFromRows (0 or less: no limit).
	RowLimit int64 `json:"rowLimit"`
}

// Datasource is one configured instance: a database/sql pool.
type Datasource struct {
	db       *sql.DB
	rowLimit int64
}

var (
	_ backend.QueryDataHandler      = (*Datasource)(nil)
	_ backend.CheckHealthHandler    = (*Datasource)(nil)
	_ instancemgmt.InstanceDisposer = (*Datasource)(nil)
)

// New opens the pool described by jsonData.
func New(_ context.Context, s backend.DataSourceInstanceSettings) (instancemgmt.Instance, error) {
	var cfg Settings
	if err := json.Unmarshal(s.JSONData, &cfg); err != nil {
		return nil, fmt.Errorf("benchpeer: jsonData: %w", err)
	}
	if cfg.Driver == "" || cfg.DSN == "" {
		return nil, fmt.Errorf("benchpeer: jsonData needs driver and dsn")
	}
	db, err := sql.Open(cfg.Driver, cfg.DSN)
	if err != nil {
		return nil, fmt.Errorf("benchpeer: opening %s: %w", cfg.Driver, err)
	}
	limit := cfg.RowLimit
	if limit <= 0 {
		limit = -1
	}
	return &Datasource{db: db, rowLimit: limit}, nil
}

// Dispose closes the pool.
func (d *Datasource) Dispose() { _ = d.db.Close() }

// CheckHealth pings the database.
func (d *Datasource) CheckHealth(ctx context.Context, _ *backend.CheckHealthRequest) (*backend.CheckHealthResult, error) {
	if err := d.db.PingContext(ctx); err != nil {
		return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: err.Error()}, nil
	}
	return &backend.CheckHealthResult{Status: backend.HealthStatusOk, Message: "ok"}, nil
}

// query is the peer's query model.
type query struct {
	RawSQL string `json:"rawSql"`
}

// QueryData runs each query in its own goroutine, as sqlds does, and
// converts its rows with sqlutil.FrameFromRows.
func (d *Datasource) QueryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	resp := backend.NewQueryDataResponse()
	type answer struct {
		refID string
		r     backend.DataResponse
	}
	ch := make(chan answer, len(req.Queries))
	for _, q := range req.Queries {
		go func() { ch <- answer{q.RefID, d.queryOne(ctx, q)} }()
	}
	for range req.Queries {
		a := <-ch
		resp.Responses[a.refID] = a.r
	}
	return resp, nil
}

func (d *Datasource) queryOne(ctx context.Context, dq backend.DataQuery) (out backend.DataResponse) {
	defer func() {
		if r := recover(); r != nil {
			out = backend.ErrDataResponse(backend.StatusInternal, fmt.Sprint("benchpeer: panic: ", r))
		}
	}()
	var q query
	if err := json.Unmarshal(dq.JSON, &q); err != nil {
		return backend.ErrDataResponse(backend.StatusBadRequest, "benchpeer: query JSON: "+err.Error())
	}
	rows, err := d.db.QueryContext(ctx, q.RawSQL)
	if err != nil {
		return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream, err.Error())
	}
	defer rows.Close()
	f, err := sqlutil.FrameFromRows(rows, d.rowLimit)
	if err != nil {
		return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream, err.Error())
	}
	f.Name = dq.RefID
	f.RefID = dq.RefID
	f.Meta = &data.FrameMeta{ExecutedQueryString: q.RawSQL, PreferredVisualization: data.VisTypeTable}
	return backend.DataResponse{Frames: data.Frames{f}}
}
