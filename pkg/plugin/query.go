package plugin

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/sqlplan/stmtmacro"
)

// QueryModel is the JSON of one panel, alert, annotation or variable query.
// Grafana adds refId, datasource, intervalMs and maxDataPoints itself.
type QueryModel struct {
	RawSQL string `json:"rawSql"`
	// Format is table (default), time_series, time_series_long,
	// time_series_multi, logs, annotations or auto (FormatAuto).
	Format sqlplan.Format `json:"format"`
	// Fill overrides the fill of $__timeGroup: "NULL", "previous" or a number.
	Fill string `json:"fill,omitempty"`
	// MaxRows lowers the data source's row cap for this query.
	MaxRows int64 `json:"maxRows,omitempty"`
	// Timezone is the dashboard's timezone (IANA name, "utc" or "browser").
	Timezone string `json:"timezone,omitempty"`
	// Location and Priority override BigQuery's processing location and job
	// priority for this query.
	Location string `json:"location,omitempty"`
	Priority string `json:"priority,omitempty"`
	// AdhocFilters are the dashboard's ad hoc filters. Filters is accepted as
	// an alias.
	AdhocFilters []sqlplan.Filter `json:"adhocFilters,omitempty"`
	Filters      []sqlplan.Filter `json:"filters,omitempty"`
	// Hide skips the query (Grafana's eye toggle).
	Hide bool `json:"hide,omitempty"`
	// Altinity is the Altinity ClickHouse plugin's query settings (database,
	// table, dateTimeColDataType, dateColDataType, dateTimeType, round,
	// intervalFactor, skip_comments, extrapolate, …) for its macros.
	stmtmacro.Altinity
}

// Query is one decoded query with its request context.
type Query struct {
	RefID         string
	Model         QueryModel
	TimeRange     sqlplan.TimeRange
	Interval      time.Duration
	MaxDataPoints int64
	// Variable asks for a template-variable frame (text, value).
	Variable bool
	// Fresh skips the results the cache holds and the identical queries in
	// flight: the query runs now (its result is then stored for others).
	// Alert rule evaluations are fresh.
	Fresh bool
	// Scope is who may share the cached result (data source, org, and the
	// user when per-user credentials are used).
	Scope CacheScope
}

// fromAlert reports whether Grafana's alerting engine sent the request: it
// sets the FromAlert header to "true" (backend.FromAlertHeaderName).
// hdr is req.GetHTTPHeaders().
func fromAlert(req *backend.QueryDataRequest, hdr http.Header) bool {
	return req.Headers[backend.FromAlertHeaderName] == "true" || hdr.Get(backend.FromAlertHeaderName) == "true"
}

// FormatAuto asks for time_series when the result has a time column and a
// numeric column, else table. The backend resolves it once the result's
// columns are known (frames.AutoFormat); the planner plans it as a table.
const FormatAuto sqlplan.Format = "auto"

// planFormat is the format the planner sees: auto plans as a table.
func planFormat(f sqlplan.Format) sqlplan.Format {
	if f == FormatAuto {
		return sqlplan.FormatTable
	}
	return f
}

// QueryTypeVariable is the DataQuery.QueryType of a template-variable query.
const QueryTypeVariable = "variable"

// DecodeQuery decodes one backend.DataQuery. Errors say what is wrong with
// the query JSON.
func DecodeQuery(q backend.DataQuery) (Query, error) {
	var m QueryModel
	if len(q.JSON) > 0 {
		if err := json.Unmarshal(q.JSON, &m); err != nil {
			return Query{}, fmt.Errorf("query %s: the query JSON is invalid: %w", q.RefID, describeJSONError(err))
		}
	}
	if m.Format == "" {
		m.Format = sqlplan.FormatTable
	}
	switch m.Format {
	case sqlplan.FormatTable, sqlplan.FormatTimeSeries, sqlplan.FormatTimeSeriesLong, sqlplan.FormatTimeSeriesMulti,
		sqlplan.FormatLogs, sqlplan.FormatAnnotations, FormatAuto:
	case "timeseries", "time series":
		m.Format = sqlplan.FormatTimeSeries
	default:
		return Query{}, fmt.Errorf("query %s: format %q is not one of auto, table, time_series, time_series_long, time_series_multi, logs, annotations", q.RefID, m.Format)
	}
	if m.MaxRows < 0 {
		return Query{}, fmt.Errorf("query %s: maxRows must be positive, got %d", q.RefID, m.MaxRows)
	}
	if m.Priority != "" {
		p := strings.ToUpper(m.Priority)
		if p != "INTERACTIVE" && p != "BATCH" {
			return Query{}, fmt.Errorf("query %s: priority %q is not INTERACTIVE or BATCH", q.RefID, m.Priority)
		}
		m.Priority = p
	}
	return Query{
		RefID:         q.RefID,
		Model:         m,
		TimeRange:     sqlplan.TimeRange{From: q.TimeRange.From.UTC(), To: q.TimeRange.To.UTC()},
		Interval:      q.Interval,
		MaxDataPoints: q.MaxDataPoints,
		Variable:      q.QueryType == QueryTypeVariable,
	}, nil
}

// filters returns the ad hoc filters under either key.
func (m QueryModel) filters() []sqlplan.Filter {
	return append(append([]sqlplan.Filter(nil), m.AdhocFilters...), m.Filters...)
}

// QueryFromRequest turns a planner request (the CLI's input) into a query,
// so the CLI runs exactly what QueryData runs.
func QueryFromRequest(refID string, r sqlplan.Request) Query {
	return Query{
		RefID: refID,
		Model: QueryModel{
			RawSQL: r.RawSQL, Format: r.Format, Fill: r.Fill, MaxRows: r.MaxRows,
			Timezone: r.Timezone, Filters: r.Filters, Altinity: r.Altinity,
		},
		TimeRange:     r.TimeRange,
		Interval:      time.Duration(r.IntervalMs) * time.Millisecond,
		MaxDataPoints: r.MaxDataPoints,
	}
}
