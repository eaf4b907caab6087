// Package plugin is Quarry's Grafana surface: data source settings and
// instances, QueryData (concurrent, cached, guarded), health, resources and
// metrics. The query path itself is Service, which the quarry CLI shares.
//
// Settings (jsonData) common to every engine: engine (duckdb, postgres,
// clickhouse, bigquery), maxRows (row cap, default 100000), queryTimeout
// ("60s"), cacheTTL ("30s"; "0" disables), cacheMaxBytes (64 MiB),
// cacheRedisURL (the shared cache in Redis; secret cacheRedisPassword),
// concurrency (queries of one request at once, 4), chunkRows and chunkBytes
// (chunk size of QueryChunkedData, 65536 rows, 8 MiB), adhocTable
// ("dataset.table" for tag keys/values) and the budget maxBytes, maxUSD,
// maxEstimatedRows (0 = unlimited). Every other key belongs to the engine
// (see each engine's Settings); secrets come only from secureJsonData
// (password, sslKey, tlsClientKey, serviceAccountKey).
//
// Query model (DataQuery JSON): rawSql, format (table, time_series,
// time_series_long, time_series_multi, logs, annotations), fill, maxRows,
// timezone, location and priority (BigQuery), adhocFilters or filters, and
// queryType "variable" for template variables (__text, __value frame).
//
// Resources (JSON): POST plan, POST estimate, GET schema/datasets,
// schema/tables?dataset=, schema/columns?dataset=&table=, macros,
// tag-keys and tag-values (GET or POST; table defaults to adhocTable).
// Bad input is a 400 {"error":{"message","line","column"}}.
package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/datasource"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"

	"github.com/bigtent/quarry/pkg/engine"
)

// PluginID is the plugin's id in plugin.json.
const PluginID = "bigtent-quarry-datasource"

// Bounds of the calls a query or health check makes besides the query
// itself (which is bounded by the queryTimeout setting).
const (
	healthTimeout   = 30 * time.Second
	metadataTimeout = 10 * time.Second
)

// Datasource is one configured data source instance.
type Datasource struct {
	svc *Service
	// openErr is set when the engine could not be opened; health and queries
	// report it instead of failing instance creation, so the user sees why.
	openErr error
	deps    Deps
	// disposed makes Dispose run once: the SDK's instance manager (v0.298)
	// schedules a Dispose of the cached instance on every Get with changed
	// settings, and when the new settings fail to open the old instance
	// stays cached, so the next Get schedules another Dispose of it.
	disposed sync.Once
}

var (
	_ backend.QueryDataHandler      = (*Datasource)(nil)
	_ backend.CheckHealthHandler    = (*Datasource)(nil)
	_ backend.CallResourceHandler   = (*Datasource)(nil)
	_ instancemgmt.InstanceDisposer = (*Datasource)(nil)
)

// NewFactory returns the instance factory for datasource.Manage.
func NewFactory(deps Deps) datasource.InstanceFactoryFunc {
	return func(ctx context.Context, s backend.DataSourceInstanceSettings) (instancemgmt.Instance, error) {
		return New(ctx, s.JSONData, s.DecryptedSecureJSONData, deps)
	}
}

// New validates the settings and opens the engine. Invalid settings are an
// error; an engine that cannot connect yields a Datasource whose health check
// and queries explain the failure.
func New(ctx context.Context, jsonData []byte, secure map[string]string, deps Deps) (*Datasource, error) {
	deps = deps.withDefaults()
	cfg, err := ParseConfig(jsonData, secure)
	if err != nil {
		return nil, redactErr(err, secretValues(secure))
	}
	eng, err := OpenEngine(ctx, cfg)
	if err != nil {
		err = redactErr(err, secretValues(secure))
		var se *SettingsError
		if errors.As(err, &se) {
			return nil, err
		}
		deps.Logger.Warn("engine could not be opened", "engine", cfg.Engine, "error", err.Error())
		return &Datasource{openErr: err, deps: deps, svc: NewService(cfg, closedEngine{}, deps)}, nil
	}
	return NewWithService(NewService(cfg, eng, deps)), nil
}

// NewWithService wraps a Service (used by the CLI and tests).
func NewWithService(svc *Service) *Datasource { return &Datasource{svc: svc, deps: svc.deps} }

// Service returns the shared query path.
func (d *Datasource) Service() *Service { return d.svc }

// Dispose closes the engine's pools when Grafana drops the instance. Only
// the first call closes; later and concurrent calls return at once.
func (d *Datasource) Dispose() {
	d.disposed.Do(func() {
		if err := d.svc.Close(); err != nil {
			d.deps.Logger.Warn("closing engine", "error", err.Error())
		}
	})
}

// QueryData runs the queries of one request concurrently (at most
// Settings.Concurrency at once). Each query gets its own response and error;
// a panic in one query fails only that query.
func (d *Datasource) QueryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	resp := backend.NewQueryDataResponse()
	var mu sync.Mutex
	set := func(refID string, r backend.DataResponse) {
		mu.Lock()
		resp.Responses[refID] = r
		mu.Unlock()
	}
	labels, alert, scope := requestFacts(req, d.svc.cfg)
	d.eachQuery(ctx, req.Queries, func(q backend.DataQuery) {
		set(q.RefID, d.queryOne(ctx, q, labels, alert, scope))
	}, func(q backend.DataQuery, err error) {
		set(q.RefID, errorResponse(backend.DownstreamError(err)))
	})
	return resp, nil
}

// eachQuery calls run for each query, concurrently, at most
// Settings.Concurrency at once; canceled is called instead for the queries
// still waiting for their turn when ctx ends.
func (d *Datasource) eachQuery(ctx context.Context, queries []backend.DataQuery, run func(backend.DataQuery), canceled func(backend.DataQuery, error)) {
	if len(queries) == 1 {
		// One query (a panel's usual request, an alert rule, a variable)
		// runs in the request's goroutine: no goroutine to start and wake.
		// run isolates a panic as it does in a goroutine of its own.
		if err := ctx.Err(); err != nil {
			canceled(queries[0], err)
			return
		}
		run(queries[0])
		return
	}
	sem := make(chan struct{}, max(1, d.svc.cfg.Concurrency))
	var wg sync.WaitGroup
	for _, q := range queries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				canceled(q, ctx.Err())
				return
			}
			defer func() { <-sem }()
			run(q)
		}()
	}
	wg.Wait()
}

func (d *Datasource) queryOne(ctx context.Context, dq backend.DataQuery, labels map[string]string, alert bool, scope CacheScope) (out backend.DataResponse) {
	defer func() {
		if r := recover(); r != nil {
			d.deps.Logger.Error("query panicked", "refId", dq.RefID, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			out = errorResponse(backend.PluginError(fmt.Errorf("internal error while running query %s: %v", dq.RefID, r)))
		}
	}()
	q, early := d.prepare(dq, alert, scope)
	if early != nil {
		return *early
	}
	res, err := d.svc.Run(ctx, q, labels)
	if err != nil {
		return errorResponse(err)
	}
	return backend.DataResponse{Frames: res.Frames}
}

// prepare decodes a query for QueryData and QueryChunkedData. A non-nil
// response is the answer without running it: an error (bad query JSON,
// engine that could not be opened) or an empty answer for a hidden query.
func (d *Datasource) prepare(dq backend.DataQuery, alert bool, scope CacheScope) (Query, *backend.DataResponse) {
	q, err := DecodeQuery(dq)
	if err != nil {
		r := errorResponse(backend.DownstreamError(err))
		return q, &r
	}
	if q.Model.Hide {
		return q, &backend.DataResponse{}
	}
	q.Fresh = alert
	q.Scope = scope
	if d.openErr != nil {
		r := errorResponse(backend.DownstreamError(d.openErr))
		return q, &r
	}
	return q, nil
}

// errorResponse classifies err: downstream unless marked as the plugin's.
func errorResponse(err error) backend.DataResponse {
	src := errorSource(err)
	return backend.DataResponse{Error: err, ErrorSource: src, Status: statusFor(err, src)}
}

func statusFor(err error, src backend.ErrorSource) backend.Status {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return backend.StatusTimeout
	case errors.Is(err, context.Canceled):
		return backend.StatusBadRequest
	case src == backend.ErrorSourcePlugin:
		return backend.StatusInternal
	default:
		return backend.StatusBadRequest
	}
}

// CheckHealth connects and runs a trivial query; the message names the step
// that failed and what to do.
func (d *Datasource) CheckHealth(ctx context.Context, _ *backend.CheckHealthRequest) (*backend.CheckHealthResult, error) {
	if d.openErr != nil {
		return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: d.openErr.Error()}, nil
	}
	h := d.svc.Health(ctx)
	details, _ := json.Marshal(h)
	res := &backend.CheckHealthResult{Status: backend.HealthStatusOk, Message: h.Message, JSONDetails: details}
	if !h.OK {
		res.Status = backend.HealthStatusError
		if h.Step != "" {
			res.Message = fmt.Sprintf("%s failed: %s", h.Step, h.Message)
		}
		// The hint, version and capabilities are facts of their own in the
		// details (the config page shows each once); the message does not
		// repeat them.
	}
	return res, nil
}

// Health runs the engine's health check, with secrets removed from its text.
func (s *Service) Health(ctx context.Context) engine.Health {
	ctx, span := s.deps.Tracer.Start(ctx, "quarry.health")
	defer span.End()
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	h := s.eng.Health(ctx)
	if !h.OK && ctx.Err() != nil && h.Hint == "" {
		h.Hint = fmt.Sprintf("the server did not answer within %s; check that it is running and reachable", healthTimeout)
	}
	h.Message = redactText(h.Message, s.secrets)
	h.Hint = redactText(h.Hint, s.secrets)
	if h.OK && h.Message == "" {
		h.Message = fmt.Sprintf("%s %s is reachable", s.cfg.Engine, h.Version)
	}
	logger := s.deps.Logger.FromContext(ctx)
	if h.OK {
		logger.Debug("health ok", "engine", s.cfg.Engine, "version", h.Version)
	} else {
		logger.Warn("health failed", "engine", s.cfg.Engine, "step", h.Step, "message", h.Message)
	}
	return h
}

// secretValues lists the secureJsonData values to redact: every one, of
// any length (see redactText for how short ones are matched).
func secretValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// jobLabels are BigQuery job labels from Grafana's request headers.
func jobLabels(req *backend.QueryDataRequest, hdr http.Header, alert bool) map[string]string {
	l := map[string]string{}
	if v := hdr.Get("X-Dashboard-Uid"); v != "" {
		l["dashboard_uid"] = v
	}
	if v := hdr.Get("X-Panel-Id"); v != "" {
		l["panel_id"] = v
	}
	if req.PluginContext.User != nil && req.PluginContext.User.Login != "" {
		l["user"] = req.PluginContext.User.Login
	}
	if alert {
		l["source"] = "alert"
	}
	return l
}

// requestFacts are what a QueryData or QueryChunkedData request's headers
// say for all its queries: the job labels, whether alerting sent it, and
// the cache scope. The SDK's GetHTTPHeader builds an http.Header from every
// header Grafana sends on each call, so the headers are read once here.
func requestFacts(req *backend.QueryDataRequest, cfg Config) (labels map[string]string, alert bool, scope CacheScope) {
	hdr := req.GetHTTPHeaders()
	alert = fromAlert(req, hdr)
	return jobLabels(req, hdr, alert), alert, cacheScope(req, hdr, cfg)
}
