package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/bigtent/quarry/pkg/catalog"
	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/sqlplan/dialect"
)

// Resource routes (CallResource paths).
const (
	RoutePlan           = "plan"
	RouteEstimate       = "estimate"
	RouteSchemaDatasets = "schema/datasets"
	RouteSchemaTables   = "schema/tables"
	RouteSchemaColumns  = "schema/columns"
	RouteSchemaFuncs    = "schema/functions"
	RouteMacros         = "macros"
	RouteTagKeys        = "tag-keys"
	RouteTagValues      = "tag-values"
	RouteBuilderParse   = "builder/parse"
	RouteBuilderSQL     = "builder/sql"
)

// Routes lists every resource route.
func Routes() []string {
	return []string{RoutePlan, RouteEstimate, RouteSchemaDatasets, RouteSchemaTables, RouteSchemaColumns,
		RouteSchemaFuncs, RouteMacros, RouteTagKeys, RouteTagValues, RouteBuilderParse, RouteBuilderSQL}
}

// Bounds of the ad hoc filter resources.
const (
	tagValuesLimit    = 1000
	tagValuesScanRows = 100_000
	defaultTagWindow  = 24 * time.Hour
)

// ErrorBody is the JSON of a failed resource call.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is a message with an optional SQL position.
type ErrorDetail struct {
	Message string `json:"message"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Snippet string `json:"snippet,omitempty"`
	// Steps are the planner's "refused" steps when the trust guard refused
	// the query.
	Steps []sqlplan.Step `json:"steps,omitempty"`
}

// httpError is an error with a status code for a resource response.
type httpError struct {
	status int
	err    error
}

func (e *httpError) Error() string { return e.err.Error() }
func (e *httpError) Unwrap() error { return e.err }

func badRequest(format string, args ...any) error {
	return &httpError{status: http.StatusBadRequest, err: fmt.Errorf(format, args...)}
}

// CallResource serves the resource routes with JSON in and out. Bad input is
// a 400 with {"error":{"message":...}}.
func (d *Datasource) CallResource(ctx context.Context, req *backend.CallResourceRequest, sender backend.CallResourceResponseSender) error {
	status, body := d.Resource(ctx, req.Method, req.Path, req.URL, req.Body)
	return sender.Send(&backend.CallResourceResponse{
		Status:  status,
		Headers: map[string][]string{"Content-Type": {"application/json"}},
		Body:    body,
	})
}

// Resource answers one resource call: path is the route (no leading slash),
// rawURL carries the query string. It returns the status and JSON body.
//
// Every call runs within the data source's queryTimeout: a catalog lookup
// is a request to the server too, and a client that retries a server's
// errors (the BigQuery client retries 5xx answers until its context ends)
// must not hold the call open for as long as Grafana waits.
func (d *Datasource) Resource(ctx context.Context, method, path, rawURL string, body []byte) (int, []byte) {
	timeout := time.Duration(d.svc.cfg.QueryTimeout)
	if timeout <= 0 {
		timeout = DefaultQueryTimeout
	}
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	route := strings.Trim(path, "/")
	v, err := d.resource(rctx, method, route, rawURL, body)
	if err != nil && ctx.Err() == nil && errors.Is(rctx.Err(), context.DeadlineExceeded) {
		err = &httpError{status: http.StatusGatewayTimeout,
			err: fmt.Errorf("/%s did not finish within the data source's queryTimeout (%s): %w", route, timeout, err)}
	}
	if err != nil {
		return errorJSON(redactErr(err, d.svc.secrets))
	}
	out, err := json.Marshal(v)
	if err != nil {
		return errorJSON(fmt.Errorf("encoding the response: %w", err))
	}
	return http.StatusOK, out
}

func errorJSON(err error) (int, []byte) {
	status := http.StatusInternalServerError
	detail := ErrorDetail{Message: err.Error()}
	var he *httpError
	var pe *sqlplan.Error
	var be *engine.BudgetError
	switch {
	case errors.As(err, &pe):
		status = http.StatusBadRequest
		detail = ErrorDetail{Message: pe.Message, Line: pe.Line, Column: pe.Column, Snippet: pe.Snippet, Steps: pe.Steps}
	case errors.As(err, &be):
		status = http.StatusBadRequest
	case errors.As(err, &he):
		status = he.status
	case errors.Is(err, errNotOpen):
		status = http.StatusServiceUnavailable
	case engine.IsQueryFault(err):
		// The warehouse blamed the SQL (syntax, unknown name, type): the
		// author's to fix, with the server's position when it gave one.
		status = http.StatusBadRequest
		var se *engine.ServerError
		if errors.As(err, &se) {
			detail.Line, detail.Column = se.Line, se.Column
		}
	default:
		status = http.StatusBadGateway // the engine failed
	}
	b, _ := json.Marshal(ErrorBody{Error: detail})
	return status, b
}

func (d *Datasource) resource(ctx context.Context, method, path, rawURL string, body []byte) (any, error) {
	if d.openErr != nil && path != RouteMacros {
		return nil, &httpError{status: http.StatusServiceUnavailable, err: d.openErr}
	}
	params, err := resourceParams(rawURL, body, method)
	if err != nil {
		return nil, err
	}
	s := d.svc
	switch path {
	case RoutePlan:
		req, err := decodePlanRequest(method, body, s.eng.Dialect())
		if err != nil {
			return nil, err
		}
		return s.Plan(ctx, req)
	case RouteEstimate:
		req, err := decodePlanRequest(method, body, s.eng.Dialect())
		if err != nil {
			return nil, err
		}
		return s.EstimateRequest(ctx, req)
	case RouteSchemaDatasets:
		var ds []string
		if project := params.Get("project"); project != "" {
			pl, ok := s.eng.(engine.ProjectLister)
			if !ok {
				return nil, badRequest("schema/datasets: the project parameter applies to BigQuery only")
			}
			ds, err = pl.DatasetsInProject(ctx, project)
		} else {
			ds, err = s.eng.Datasets(ctx)
		}
		if err != nil {
			return nil, err
		}
		return map[string]any{"datasets": nonNil(ds)}, nil
	case RouteSchemaTables:
		ts, err := s.eng.Tables(ctx, params.Get("dataset"))
		if err != nil {
			return nil, err
		}
		return map[string]any{"tables": nonNil(ts)}, nil
	case RouteSchemaColumns:
		if params.Get("table") == "" {
			return nil, badRequest("schema/columns: the table parameter is required (e.g. ?dataset=sample&table=http_requests)")
		}
		return s.eng.Columns(ctx, params.Get("dataset"), params.Get("table"))
	case RouteSchemaFuncs:
		fs, err := s.Functions(ctx)
		if err != nil {
			return nil, err
		}
		return map[string]any{"functions": fs}, nil
	case RouteMacros:
		return map[string]any{"macros": macroDocs()}, nil
	case RouteBuilderParse:
		return BuilderParse(method, body, s.eng.Dialect())
	case RouteBuilderSQL:
		return BuilderSQL(method, body, s.eng.Dialect())
	case RouteTagKeys:
		dataset, table := s.adhocTable(params)
		return s.TagKeys(ctx, dataset, table)
	case RouteTagValues:
		tr, err := paramTimeRange(params)
		if err != nil {
			return nil, err
		}
		var filters []sqlplan.Filter
		if f := params.Get("filters"); f != "" {
			if err := json.Unmarshal([]byte(f), &filters); err != nil {
				return nil, badRequest("filters: %v", err)
			}
		}
		dataset, table := s.adhocTable(params)
		return s.TagValues(ctx, dataset, table, params.Get("key"), tr, filters)
	default:
		return nil, &httpError{status: http.StatusNotFound, err: fmt.Errorf("no resource %q; the routes are /%s", path, strings.Join(Routes(), ", /"))}
	}
}

// resourceParams merges the query string with a flat JSON object body
// (string, number or bool values) so every route takes either.
func resourceParams(rawURL string, body []byte, method string) (url.Values, error) {
	params := url.Values{}
	if i := strings.IndexByte(rawURL, '?'); i >= 0 {
		q, err := url.ParseQuery(rawURL[i+1:])
		if err != nil {
			return nil, badRequest("the query string is invalid: %v", err)
		}
		params = q
	}
	if method == http.MethodGet || len(strings.TrimSpace(string(body))) == 0 {
		return params, nil
	}
	var obj map[string]any
	if err := json.Unmarshal(body, &obj); err != nil {
		return nil, badRequest("the request body is not a JSON object: %v", err)
	}
	for k, v := range obj {
		switch x := v.(type) {
		case string:
			params.Set(k, x)
		case float64:
			params.Set(k, strconv.FormatFloat(x, 'f', -1, 64))
		case bool:
			params.Set(k, strconv.FormatBool(x))
		case map[string]any:
			// {"timeRange": {"from": ..., "to": ...}} as the frontend sends it.
			if k == "timeRange" {
				for _, b := range []string{"from", "to"} {
					if t, ok := x[b].(string); ok {
						params.Set(b, t)
					} else if n, ok := x[b].(float64); ok {
						params.Set(b, strconv.FormatInt(int64(n), 10))
					}
				}
			}
		case []any:
			if k == "filters" {
				js, _ := json.Marshal(x)
				params.Set("filters", string(js))
			}
		}
	}
	return params, nil
}

// decodePlanRequest reads a /plan or /estimate body: the `quarry plan`
// request, whose dialect defaults to (and must match) the engine's.
func decodePlanRequest(method string, body []byte, d sqlplan.Dialect) (sqlplan.Request, error) {
	if method != http.MethodPost && method != "" {
		return sqlplan.Request{}, &httpError{status: http.StatusMethodNotAllowed, err: fmt.Errorf("use POST with a JSON plan request body")}
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return sqlplan.Request{}, badRequest(`the body must be a JSON plan request such as {"rawSql": "SELECT 1", "timeRange": {"from": "2024-01-01T00:00:00Z", "to": "2024-01-02T00:00:00Z"}}`)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		return sqlplan.Request{}, badRequest("the body is not a JSON object: %v", err)
	}
	if obj == nil { // the body is JSON null
		return sqlplan.Request{}, badRequest("the body is not a JSON object: got null")
	}
	if raw, ok := obj["dialect"]; ok {
		var given string
		if err := json.Unmarshal(raw, &given); err != nil || (given != "" && sqlplan.Dialect(given) != d) {
			return sqlplan.Request{}, badRequest("dialect %s does not match this data source's engine (%s); omit it", raw, d)
		}
	}
	obj["dialect"], _ = json.Marshal(d)
	if raw, ok := obj["format"]; ok {
		var f string
		if json.Unmarshal(raw, &f) == nil && sqlplan.Format(f) == FormatAuto {
			obj["format"], _ = json.Marshal(planFormat(FormatAuto))
		}
	}
	body, _ = json.Marshal(obj)
	req, err := sqlplan.DecodeRequest(bytes.NewReader(body))
	if err != nil {
		return req, badRequest("%v", err)
	}
	return req, nil
}

// Estimate is the /estimate response.
type Estimate struct {
	Plan   *sqlplan.Plan `json:"plan"`
	Cost   engine.Cost   `json:"cost"`
	Budget BudgetJSON    `json:"budget"`
	// Refused is the guardrail's refusal message when the estimate exceeds
	// the budget.
	Refused string `json:"refused,omitempty"`
}

// EstimateRequest plans req and estimates its cost against the budget.
func (s *Service) EstimateRequest(ctx context.Context, req sqlplan.Request) (*Estimate, error) {
	plan, err := s.Plan(ctx, req)
	if err != nil {
		return nil, err
	}
	cost, err := s.Estimate(ctx, plan)
	if err != nil {
		return nil, err
	}
	b := s.cfg.Budget
	out := &Estimate{Plan: plan, Cost: cost, Budget: BudgetJSON{MaxBytes: b.MaxBytes, MaxUSD: b.MaxUSD, MaxEstimatedRows: b.MaxRows}}
	if err := s.CheckBudget(cost); err != nil {
		out.Refused = err.Error()
	}
	return out, nil
}

// TagKey is one ad hoc filter key.
type TagKey struct {
	Text string `json:"text"`
	Type string `json:"type,omitempty"`
}

// TagValue is one ad hoc filter value.
type TagValue struct {
	Text string `json:"text"`
}

// adhocTable is the table named by the call (dataset and table, or table
// as "dataset.table"), else the data source's adhocTable setting.
func (s *Service) adhocTable(p url.Values) (dataset, table string) {
	dataset, table = p.Get("dataset"), p.Get("table")
	if table == "" {
		table = s.cfg.AdhocTable
	}
	if dataset == "" {
		if i := strings.LastIndexByte(table, '.'); i >= 0 {
			dataset, table = table[:i], table[i+1:]
		}
	}
	return dataset, table
}

// TagKeys lists the columns of a table as ad hoc filter keys (schema only).
func (s *Service) TagKeys(ctx context.Context, dataset, table string) ([]TagKey, error) {
	if table == "" {
		return nil, badRequest("tag-keys: the table parameter is required (the table ad hoc filters apply to), or set adhocTable in the data source settings")
	}
	t, err := s.eng.Columns(ctx, dataset, table)
	if err != nil {
		return nil, err
	}
	keys := make([]TagKey, 0, len(t.Columns))
	for _, c := range t.Columns {
		keys = append(keys, TagKey{Text: c.Name, Type: c.Type})
	}
	return keys, nil
}

// TagValues returns up to 1,000 distinct values of one column, from at most
// 100,000 rows of the time range (the table's time column is found in its
// schema). The query goes through the planner like any other.
func (s *Service) TagValues(ctx context.Context, dataset, table, key string, tr sqlplan.TimeRange, filters []sqlplan.Filter) ([]TagValue, error) {
	if table == "" || key == "" {
		return nil, badRequest("tag-values: the table and key parameters are required (or set adhocTable in the data source settings)")
	}
	// The other filters narrow the values; the key's own filter would hide
	// the alternatives.
	var others []sqlplan.Filter
	for _, f := range filters {
		if f.Key != key {
			others = append(others, f)
		}
	}
	t, err := s.eng.Columns(ctx, dataset, table)
	if err != nil {
		return nil, err
	}
	if _, ok := t.Column(key); !ok {
		return nil, badRequest("tag-values: table %s has no column %q", table, key)
	}
	d, err := dialect.New(dialect.Name(s.eng.Dialect()), s.serverVersion(ctx))
	if err != nil {
		return nil, err
	}
	qualified := table
	if dataset != "" {
		qualified = dataset + "." + table
	}
	qtable, err := d.QuotePath(qualified)
	if err != nil {
		return nil, badRequest("tag-values: table: %v", err)
	}
	qkey, err := d.QuotePath(key)
	if err != nil {
		return nil, badRequest("tag-values: key: %v", err)
	}
	where := ""
	if tc := timeColumn(d, t); tc != "" {
		where = " WHERE $__timeFilter(" + d.QuoteIdent(tc) + ")"
	}
	sql := fmt.Sprintf("SELECT DISTINCT v FROM (SELECT %s AS v FROM %s%s LIMIT %d) AS tag_values WHERE v IS NOT NULL ORDER BY v LIMIT %d",
		qkey, qtable, where, tagValuesScanRows, tagValuesLimit)
	res, err := s.Run(ctx, Query{RefID: "tag-values", Model: QueryModel{RawSQL: sql, Format: sqlplan.FormatTable, Filters: others}, TimeRange: tr, Variable: true}, nil)
	if err != nil {
		return nil, err
	}
	var out []TagValue
	for _, f := range res.Frames {
		if len(f.Fields) == 0 {
			continue
		}
		for i := 0; i < f.Fields[0].Len(); i++ {
			if v, ok := fieldString(f.Fields[0], i); ok {
				out = append(out, TagValue{Text: v})
			}
		}
	}
	return nonNil(out), nil
}

// timeColumn picks the table's time column: its partition column, else the
// first column of a time type.
func timeColumn(d dialect.Dialect, t catalog.Table) string {
	if p := t.Partitioning; p != nil && p.Kind == catalog.PartitionColumn && p.Column != "" {
		return p.Column
	}
	for _, c := range t.Columns {
		if _, ok := d.ColumnKind(c); ok {
			return c.Name
		}
	}
	return ""
}

// paramTimeRange reads from/to as RFC 3339 or epoch milliseconds; the
// default is the last 24 hours.
func paramTimeRange(p url.Values) (sqlplan.TimeRange, error) {
	to := time.Now().UTC()
	from := to.Add(-defaultTagWindow)
	parse := func(name string, def time.Time) (time.Time, error) {
		v := p.Get(name)
		if v == "" {
			return def, nil
		}
		if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
			return time.UnixMilli(ms).UTC(), nil
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return def, badRequest("%s %q is not RFC 3339 time or epoch milliseconds", name, v)
		}
		return t.UTC(), nil
	}
	var err error
	if from, err = parse("from", from); err != nil {
		return sqlplan.TimeRange{}, err
	}
	if to, err = parse("to", to); err != nil {
		return sqlplan.TimeRange{}, err
	}
	if !from.Before(to) {
		return sqlplan.TimeRange{}, badRequest("from must be before to")
	}
	return sqlplan.TimeRange{From: from, To: to}, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
