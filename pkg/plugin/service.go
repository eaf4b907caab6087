package plugin

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	"github.com/grafana/grafana-plugin-sdk-go/backend/tracing"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/bigtent/quarry/pkg/cache"
	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/frames"
	"github.com/bigtent/quarry/pkg/sqlplan"
	"github.com/bigtent/quarry/pkg/sqlplan/dialect"
	"github.com/bigtent/quarry/pkg/sqlplan/guard"
	"github.com/bigtent/quarry/pkg/sqlplan/macros"
)

// Deps are the process-wide collaborators of a Service.
type Deps struct {
	// Metrics records Prometheus metrics (nil: none).
	Metrics *Metrics
	// Logger defaults to the SDK's backend.Logger.
	Logger log.Logger
	// Tracer defaults to the SDK's tracer.
	Tracer trace.Tracer
}

func (d Deps) withDefaults() Deps {
	if d.Logger == nil {
		d.Logger = backend.Logger
	}
	if d.Tracer == nil {
		d.Tracer = tracing.DefaultTracer()
	}
	return d
}

// Service is the one query path shared by the Grafana plugin, the quarry CLI
// and the HTTP server: plan, estimate, guard, execute (through the cache) and
// shape frames. It holds no SQL logic of its own.
type Service struct {
	cfg   Config
	eng   engine.Engine
	cache *cache.Cache[*result]
	incr  *cache.Cache[*incrState] // incremental refresh: the last answer per query
	// shared is the two-level cache of encoded results (local, then
	// Redis) when cacheRedisURL is set; the table cache then only
	// coalesces identical executions.
	shared *sharedLevel
	// chunks keeps chunked answers as their encoded chunks: the shared
	// level's local cache when there is one, else a cache of its own.
	chunks  *cache.Cache[[]byte]
	deps    Deps
	secrets []string
	planner sqlplan.Planner // keeps its buffers between queries
	access  guard.Options   // the trust allow-lists and name defaults

	version   versionCache
	catalog   catalogCache
	functions functionCache
}

// versionCache holds the server version once known. The lookup runs with
// no lock held: one at a time, the other callers waiting for it or for
// their own deadline. A failed lookup is retried after
// versionFailureTTL, not on every query.
type versionCache struct {
	mu       sync.Mutex
	value    string
	known    bool
	retry    time.Time        // after a failure: no lookup before this
	inflight chan struct{}    // closed when the running lookup ends
	now      func() time.Time // time.Now unless a test sets it
}

// versionFailureTTL is how long a failed version lookup is remembered.
const versionFailureTTL = 30 * time.Second

// result is what the cache holds: one execution's typed table.
type result struct {
	mu    sync.Mutex // serialises shaping of the shared table
	table *frames.Table
	stats engine.QueryStats
	// incr is what incremental refresh did, for the plan step ("" when
	// the data source does not refresh incrementally or the query is
	// unsafe: the planner's step says why).
	incr string
}

// NewService wraps an open engine. The Service owns it: Close closes it.
func NewService(cfg Config, eng engine.Engine, deps Deps) *Service {
	deps = deps.withDefaults()
	var sl *sharedLevel
	if cfg.CacheRedisURL != "" && *cfg.CacheTTL > 0 {
		var err error
		if sl, err = newSharedLevel(cfg, deps); err != nil {
			// Validated with the settings; should it fail anyway, queries
			// run with the local cache alone.
			deps.Logger.Warn("shared cache disabled", "error", redactErr(err, secretValues(cfg.Secrets)).Error())
		}
	}
	return newService(cfg, eng, deps, sl)
}

func newService(cfg Config, eng engine.Engine, deps Deps, sl *sharedLevel) *Service {
	s := &Service{cfg: cfg, eng: eng, deps: deps.withDefaults(), access: accessOptions(cfg), shared: sl}
	ttl := time.Duration(*cfg.CacheTTL)
	if sl != nil {
		ttl = 0 // the shared level keeps the encoded frames; tables are only coalesced
	}
	s.cache = cache.New[*result](ttl, cfg.CacheMaxBytes)
	if sl != nil {
		s.chunks = sl.local
	} else {
		s.chunks = cache.New[[]byte](time.Duration(*cfg.CacheTTL), cfg.CacheMaxBytes)
	}
	s.incr = cache.New[*incrState](incrementalStateTTL, cfg.CacheMaxBytes)
	s.secrets = secretValues(cfg.Secrets)
	return s
}

// accessOptions are the planner's trust options of cfg: the allow-lists,
// and the engine's default database and schema (from its own jsonData)
// that unqualified table names resolve to.
func accessOptions(cfg Config) guard.Options {
	o := cfg.Access.guardOptions()
	var names struct {
		Database       string `json:"database"`
		DefaultProject string `json:"defaultProject"`
		DefaultDataset string `json:"defaultDataset"`
	}
	_ = json.Unmarshal(cfg.EngineJSON, &names) // validated by the engine
	switch cfg.Engine {
	case "clickhouse":
		o.DefaultDatabase = names.Database
	case "postgres":
		o.DefaultDatabase = names.Database
	case "bigquery":
		o.DefaultDatabase, o.DefaultSchema = names.DefaultProject, names.DefaultDataset
	}
	return o
}

// Config returns the data source configuration.
func (s *Service) Config() Config { return s.cfg }

// Engine returns the engine.
func (s *Service) Engine() engine.Engine { return s.eng }

// Close closes the engine's pools and the shared cache's connections.
func (s *Service) Close() error {
	err := s.eng.Close()
	if s.shared != nil {
		err = errors.Join(err, s.shared.store.Close())
	}
	return err
}

// CacheStats reports the result cache counters.
func (s *Service) CacheStats() cache.Stats { return s.cache.Stats() }

// Result is everything one query produced.
type Result struct {
	Plan   *sqlplan.Plan
	Cost   engine.Cost
	Frames data.Frames
	Stats  engine.QueryStats
	// Cache is hit, shared (joined an identical query in flight) or miss.
	Cache cache.Outcome
}

// Request turns a decoded query into the planner's request.
func (s *Service) Request(q Query) sqlplan.Request {
	maxRows := s.cfg.MaxRows
	if q.Model.MaxRows > 0 && q.Model.MaxRows < maxRows {
		maxRows = q.Model.MaxRows
	}
	return sqlplan.Request{
		RawSQL:        q.Model.RawSQL,
		Format:        planFormat(q.Model.Format),
		TimeRange:     q.TimeRange,
		IntervalMs:    q.Interval.Milliseconds(),
		MaxDataPoints: q.MaxDataPoints,
		Timezone:      q.Model.Timezone,
		Filters:       q.Model.filters(),
		MaxRows:       maxRows,
		Fill:          q.Model.Fill,
		Altinity:      q.Model.Altinity,
		Incremental:   s.cfg.Incremental && !q.Variable,
	}
}

// Plan completes req with what the engine knows (dialect, server version)
// and runs the planner.
func (s *Service) Plan(ctx context.Context, req sqlplan.Request) (*sqlplan.Plan, error) {
	ctx, span := s.deps.Tracer.Start(ctx, "quarry.plan")
	defer span.End()
	req.Dialect = s.eng.Dialect()
	// The data source's allow-lists always win: a /plan or /estimate body
	// cannot widen them.
	req.Options = s.access
	if req.ServerVersion == "" {
		req.ServerVersion = s.serverVersion(ctx)
	}
	if req.MaxRows == 0 || req.MaxRows > s.cfg.MaxRows {
		req.MaxRows = s.cfg.MaxRows
	}
	if req.Catalog == nil {
		req.Lookup = s.catalogOf // the planner parses the SQL once, then asks
	}
	plan, err := s.planner.Build(ctx, req)
	if err != nil {
		return nil, spanError(span, err)
	}
	span.SetAttributes(attribute.String("quarry.statement", plan.Statement), attribute.Int("quarry.steps", len(plan.Steps)))
	return plan, nil
}

func (s *Service) serverVersion(ctx context.Context) string {
	c := &s.version
	for {
		c.mu.Lock()
		if c.now == nil {
			c.now = time.Now
		}
		if c.known {
			c.mu.Unlock()
			return c.value
		}
		if c.now().Before(c.retry) {
			c.mu.Unlock()
			return ""
		}
		if busy := c.inflight; busy != nil {
			c.mu.Unlock()
			select {
			case <-busy:
				continue
			case <-ctx.Done():
				return ""
			}
		}
		done := make(chan struct{})
		c.inflight = done
		c.mu.Unlock()

		v, err := s.lookupVersion(ctx)

		c.mu.Lock()
		c.inflight = nil
		switch {
		case err == nil:
			c.value, c.known = v, true
		case ctx.Err() == nil:
			c.retry = c.now().Add(versionFailureTTL)
		}
		c.mu.Unlock()
		close(done)
		return v
	}
}

// lookupVersion asks the engine for its version, under the metadata
// timeout. The version only selects SQL by capability; one the dialect
// cannot read (e.g. "bigquery-emulator") means "no version": the planner
// then uses the dialect's defaults.
func (s *Service) lookupVersion(ctx context.Context) (string, error) {
	vctx, cancel := context.WithTimeout(ctx, metadataTimeout)
	defer cancel()
	v, err := s.eng.ServerVersion(vctx)
	if err != nil {
		s.deps.Logger.FromContext(ctx).Debug("server version lookup failed", "error", s.redact(err).Error())
		return "", err
	}
	if _, derr := dialect.New(dialect.Name(s.eng.Dialect()), v); derr != nil {
		s.deps.Logger.FromContext(ctx).Debug("server version not usable by the planner", "version", v, "error", derr.Error())
		v = ""
	}
	return v, nil
}

// Estimate asks the engine what the plan would cost, within the data
// source's queryTimeout (an estimate is a query on the server too: a dry
// run, EXPLAIN, or system table reads).
func (s *Service) Estimate(ctx context.Context, plan *sqlplan.Plan) (engine.Cost, error) {
	ctx, span := s.deps.Tracer.Start(ctx, "quarry.estimate")
	defer span.End()
	timeout := time.Duration(s.cfg.QueryTimeout)
	if timeout <= 0 {
		timeout = DefaultQueryTimeout
	}
	ectx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cost, err := s.eng.Estimate(ectx, plan)
	if err != nil {
		if ctx.Err() == nil && errors.Is(ectx.Err(), context.DeadlineExceeded) {
			err = backend.DownstreamError(fmt.Errorf("the estimate did not finish within the data source's queryTimeout (%s): %w", timeout, err))
		}
		return cost, spanError(span, s.redact(err))
	}
	span.SetAttributes(attribute.Int64("quarry.estimate.bytes", cost.Bytes), attribute.Int64("quarry.estimate.rows", cost.Rows),
		attribute.Float64("quarry.estimate.usd", cost.USD), attribute.String("quarry.estimate.kind", string(cost.Kind)))
	return cost, nil
}

// CheckBudget returns an *engine.BudgetError (marked downstream) when the
// estimate exceeds the data source's budget.
func (s *Service) CheckBudget(cost engine.Cost) error { return s.cfg.Budget.Check(cost) }

// WithBudget returns a Service sharing this one's engine under another
// budget (and its own cache). Closing it closes the shared engine: close
// only the original.
func (s *Service) WithBudget(b engine.Budget) *Service {
	cfg := s.cfg
	cfg.Budget = b
	return newService(cfg, s.eng, s.deps, s.shared)
}

// Run plans, estimates, checks the budget, executes (through the cache) and
// shapes one query. labels are attached to the warehouse job where the
// engine supports it.
func (s *Service) Run(ctx context.Context, q Query, labels map[string]string) (res *Result, err error) {
	return s.run(ctx, q, labels, func(ctx context.Context, plan *sqlplan.Plan, opts engine.QueryOptions, res *Result) error {
		return s.runCached(ctx, q, plan, opts, res)
	})
}

// run is the query path QueryData and QueryChunkedData share: logging and
// metrics, the plan, the estimate and budget check, and the execution
// options; exec runs the planned query and fills res.
func (s *Service) run(ctx context.Context, q Query, labels map[string]string,
	exec func(context.Context, *sqlplan.Plan, engine.QueryOptions, *Result) error) (res *Result, err error) {
	start := time.Now()
	res = &Result{}
	defer func() {
		d := time.Since(start)
		s.deps.Metrics.observe(s.cfg.Engine, q.Model.Format, res, err, d)
		// The query's logger (and its id) is built only for a line that
		// will be written: a failure, or "query done" at debug level.
		switch {
		case err != nil:
			s.queryLogger(ctx, q).Warn("query failed", "error", err.Error(), "source", string(errorSource(err)), "durationMs", d.Milliseconds())
		case debugEnabled(s.deps.Logger):
			// One line per query (each is JSON on the plugin's stderr, parsed
			// again by Grafana): the plan's SQL is here, not on a line of its own.
			s.queryLogger(ctx, q).Debug("query done", "sql", res.Plan.SQL, "steps", len(res.Plan.Steps), "rows", res.Stats.Rows, "cache", res.Cache.String(), "durationMs", d.Milliseconds())
		}
	}()
	plan, err := s.Plan(ctx, s.Request(q))
	if err != nil {
		return res, err
	}
	res.Plan = plan

	// The guardrail needs an estimate; without a budget we skip the extra
	// round trip (the estimate is available through /estimate).
	if !s.cfg.Budget.IsZero() {
		cost, err := s.Estimate(ctx, plan)
		if err != nil {
			return res, fmt.Errorf("estimate before running: %w", err)
		}
		res.Cost = cost
		if err := s.CheckBudget(cost); err != nil {
			return res, err
		}
	}

	opts := engine.QueryOptions{
		Timeout:  time.Duration(s.cfg.QueryTimeout),
		Labels:   labels,
		Location: q.Model.Location,
		Priority: q.Model.Priority,
		MaxBytes: s.cfg.MaxResultBytes,
	}
	return res, exec(ctx, plan, opts, res)
}

// queryLogger is the request's logger with the query's attributes and a
// new query id.
func (s *Service) queryLogger(ctx context.Context, q Query) log.Logger {
	return s.deps.Logger.FromContext(ctx).With("queryId", newQueryID(), "refId", q.RefID, "engine", s.cfg.Engine, "format", string(q.Model.Format))
}

// runCached executes a planned query through the cache and shapes it.
func (s *Service) runCached(ctx context.Context, q Query, plan *sqlplan.Plan, opts engine.QueryOptions, res *Result) error {
	if s.shared != nil {
		return s.runShared(ctx, q, plan, opts, res)
	}
	load := func(ctx context.Context) (*result, int64, error) { return s.load(ctx, plan, q, opts) }
	var (
		r       *result
		outcome cache.Outcome
		err     error
	)
	key := cacheKey(plan, opts) + q.Scope.User
	if q.Fresh {
		r, err = s.cache.Refresh(ctx, key, load)
	} else {
		r, outcome, err = s.cache.Do(ctx, key, load)
	}
	res.Cache = outcome
	if err != nil {
		return err
	}
	s.incrementalStep(plan, r, outcome == cache.Hit)
	res.Stats = r.stats
	fr, err := s.shapeWith(r, plan, q, outcome == cache.Hit, directFramesFrom(ctx))
	if err != nil {
		return err
	}
	res.Frames = fr
	return nil
}

// load runs a plan for the cache: incrementally when the planner proved
// it safe, else in full.
func (s *Service) load(ctx context.Context, plan *sqlplan.Plan, q Query, opts engine.QueryOptions) (*result, int64, error) {
	if plan.Incremental != nil && plan.Incremental.Safe {
		return s.loadIncremental(ctx, plan, q, opts)
	}
	return s.execute(ctx, plan, opts)
}

// incrementalStep adds what incremental refresh did to the plan's steps.
func (s *Service) incrementalStep(plan *sqlplan.Plan, r *result, cacheHit bool) {
	if r == nil || r.incr == "" {
		return
	}
	detail := r.incr
	if cacheHit {
		detail = "cached answer (" + detail + ")"
	}
	plan.Steps = append(plan.Steps, sqlplan.Step{Kind: "incremental", Detail: detail})
}

func (s *Service) execute(ctx context.Context, plan *sqlplan.Plan, opts engine.QueryOptions) (res *result, size int64, err error) {
	ctx, span := s.deps.Tracer.Start(ctx, "quarry.execute")
	defer span.End()
	defer func() {
		// The engine runs inside the cache's loader: a panic there is
		// our defect, reported as a plugin error on this query only.
		if r := recover(); r != nil {
			s.deps.Logger.Error("engine panicked", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			res, size, err = nil, 0, backend.PluginError(fmt.Errorf("internal error while running the query: %v", r))
		}
	}()
	t, stats, err := s.eng.Query(ctx, plan, opts)
	if err != nil {
		return nil, 0, spanError(span, s.redact(err))
	}
	span.SetAttributes(attribute.Int64("quarry.rows", stats.Rows), attribute.Int64("quarry.bytes", stats.BytesProcessed))
	return &result{table: t, stats: stats}, t.SizeBytes(), nil
}

// shape builds the frames of one query from a (possibly shared) result.
func (s *Service) shape(r *result, plan *sqlplan.Plan, q Query, cacheHit bool) (data.Frames, error) {
	return s.shapeWith(r, plan, q, cacheHit, nil)
}

// shapeWith is shape; with a direct record (see directFrames), a
// table-format frame is only its head, its values staying in the table
// until the response is encoded.
func (s *Service) shapeWith(r *result, plan *sqlplan.Plan, q Query, cacheHit bool, direct *directFrames) (data.Frames, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var (
		fr  data.Frames
		err error
	)
	if q.Variable {
		fr, err = variableFrames(r.table, q.RefID)
	} else {
		format := q.Model.Format
		if format == FormatAuto {
			format = frames.AutoFormat(r.table)
		}
		opts := shapeOptions(q, plan, format)
		if direct != nil && (opts.Format == "" || opts.Format == sqlplan.FormatTable) {
			head := frames.TableFrameHead(r.table, opts.Name)
			direct.add(head, r.table)
			fr = data.Frames{head}
		} else {
			fr, err = frames.Shape(r.table, opts)
		}
	}
	if err != nil {
		return nil, err
	}
	frames.SetMeta(fr, resultMeta(plan, r.stats, r.table, cacheHit))
	for _, f := range fr {
		f.RefID = q.RefID
	}
	return fr, nil
}

// shapeOptions are the options a query's frames are shaped with.
func shapeOptions(q Query, plan *sqlplan.Plan, format sqlplan.Format) frames.ShapeOptions {
	return frames.ShapeOptions{Format: format, Name: q.RefID, Fill: plan.Fill,
		TimeRange: q.TimeRange, Interval: q.Interval, Location: location(plan.Request.Timezone)}
}

// resultMeta is the frame meta of a query's result (SetMeta).
func resultMeta(plan *sqlplan.Plan, stats engine.QueryStats, t *frames.Table, cacheHit bool) frames.Meta {
	return frames.Meta{
		ExecutedSQL:    plan.SQL,
		Rows:           stats.Rows,
		BytesProcessed: stats.BytesProcessed,
		BytesBilled:    stats.BytesBilled,
		USD:            stats.USD,
		Duration:       stats.Duration,
		CacheHit:       cacheHit,
		JobID:          stats.JobID,
		Steps:          plan.Steps,
		Warnings:       plan.Warnings,
		Truncated:      t.Truncated(),
		MaxRows:        plan.RowCap,
		MaxBytes:       maxBytesIfCapped(t),
	}
}

// maxBytesIfCapped is the table's byte cap when it cut the result, else 0.
func maxBytesIfCapped(t *frames.Table) int64 {
	if t.ByteCapped() {
		return t.MaxBytes()
	}
	return 0
}

// cacheKey identifies an execution: the final SQL and every option that
// changes its result, on this data source (the cache is per instance).
func cacheKey(plan *sqlplan.Plan, o engine.QueryOptions) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00%d\x00%s\x00%s\x00%t\x00", plan.Request.Dialect, plan.RowCap, o.MaxBytes, o.Location, o.Priority, o.NumericAsFloat)
	h.Write([]byte(plan.SQL))
	return hex.EncodeToString(h.Sum(nil))
}

func newQueryID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// redact removes secret values from an error's text, keeping the chain for
// errors.Is / errors.As.
func (s *Service) redact(err error) error {
	return redactErr(err, s.secrets)
}

func redactErr(err error, secrets []string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := redactText(msg, secrets)
	if clean == msg {
		return err
	}
	return &redactedError{msg: clean, err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func spanError(span trace.Span, err error) error {
	span.RecordError(err)
	span.SetStatus(codes.Error, err.Error())
	return err
}

// errorSource says whose fault an error is: the plugin's own (panics and
// internal failures marked with backend.PluginError) or downstream (SQL,
// planner, engine, budget, timeouts).
func errorSource(err error) backend.ErrorSource {
	var ews backend.ErrorWithSource
	if errors.As(err, &ews) {
		return ews.ErrorSource()
	}
	return backend.ErrorSourceDownstream
}

// location is the time zone whose calendar filled buckets follow; the
// planner has already refused a zone it cannot load, so nil (UTC) is only
// the fallback for "", "browser" and "UTC".
func location(tz string) *time.Location {
	loc, _, err := macros.LoadTimezone(tz)
	if err != nil {
		return nil
	}
	return loc
}
