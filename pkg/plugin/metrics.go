package plugin

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bigtent/quarry/pkg/cache"
	"github.com/bigtent/quarry/pkg/cache/shared"
	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

// Metrics are Quarry's Prometheus metrics. Grafana scrapes them through the
// SDK's CollectMetrics when they are registered with prometheus.DefaultRegisterer.
type Metrics struct {
	queries  *prometheus.CounterVec
	errors   *prometheus.CounterVec
	duration *prometheus.HistogramVec
	bytes    *prometheus.CounterVec
	usd      *prometheus.CounterVec
	cache    *prometheus.CounterVec
	rows     *prometheus.CounterVec
	refusals *prometheus.CounterVec

	shared       *prometheus.CounterVec
	sharedBytes  *prometheus.CounterVec
	sharedErrors *prometheus.CounterVec
}

// NewMetrics creates the metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		queries: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "quarry", Name: "queries_total",
			Help: "Queries run, by engine and format."}, []string{"engine", "format"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "quarry", Name: "query_errors_total",
			Help: "Failed queries, by engine and error source (plugin or downstream)."}, []string{"engine", "source"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "quarry", Name: "query_duration_seconds",
			Help: "Query duration from plan to frames.", Buckets: prometheus.ExponentialBuckets(0.005, 2.5, 12)}, []string{"engine"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "quarry", Name: "bytes_processed_total",
			Help: "Bytes processed by the warehouse."}, []string{"engine"}),
		usd: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "quarry", Name: "cost_usd_total",
			Help: "Estimated cost of executed queries in USD."}, []string{"engine"}),
		cache: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "quarry", Name: "cache_requests_total",
			Help: "Result cache lookups by outcome (hit, shared, miss)."}, []string{"engine", "outcome"}),
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "quarry", Name: "rows_total",
			Help: "Rows returned by the warehouse."}, []string{"engine"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "quarry", Name: "budget_refusals_total",
			Help: "Queries refused by the budget guardrail."}, []string{"engine"}),
		shared: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "quarry", Name: "shared_cache_requests_total",
			Help: "Shared (Redis) cache lookups by outcome: hit, miss (loaded here as the lease holder), coalesced (waited for another replica), failover (Redis failed during the call), bypass (Redis marked down), oversize."},
			[]string{"outcome"}),
		sharedBytes: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "quarry", Name: "shared_cache_bytes_total",
			Help: "Bytes of encoded results read from and written to the shared (Redis) cache."}, []string{"direction"}),
		sharedErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "quarry", Name: "shared_cache_errors_total",
			Help: "Failed Redis commands of the shared cache, by operation; each makes queries run without Redis for a while."}, []string{"op"}),
	}
	for _, c := range []prometheus.Collector{m.queries, m.errors, m.duration, m.bytes, m.usd, m.cache, m.rows, m.refusals,
		m.shared, m.sharedBytes, m.sharedErrors} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *Metrics) observe(eng string, format sqlplan.Format, res *Result, err error, d time.Duration) {
	if m == nil {
		return
	}
	m.queries.WithLabelValues(eng, string(format)).Inc()
	m.duration.WithLabelValues(eng).Observe(d.Seconds())
	if err != nil {
		m.errors.WithLabelValues(eng, string(errorSource(err))).Inc()
		var be *engine.BudgetError
		if errors.As(err, &be) {
			m.refusals.WithLabelValues(eng).Inc()
		}
	}
	if res == nil || res.Plan == nil {
		return
	}
	if err != nil {
		return
	}
	m.cache.WithLabelValues(eng, res.Cache.String()).Inc()
	if res.Cache == cache.Miss {
		m.rows.WithLabelValues(eng).Add(float64(res.Stats.Rows))
		m.bytes.WithLabelValues(eng).Add(float64(res.Stats.BytesProcessed))
		m.usd.WithLabelValues(eng).Add(res.Stats.USD)
	}
}

// sharedObserver feeds the shared cache's events into the metrics; it is
// nil-safe like Metrics.observe.
type sharedObserver struct{ m *Metrics }

var _ shared.Observer = sharedObserver{}

func (o sharedObserver) Outcome(out shared.Outcome) {
	if o.m != nil {
		o.m.shared.WithLabelValues(out.String()).Inc()
	}
}

func (o sharedObserver) Bytes(direction string, n int) {
	if o.m != nil {
		o.m.sharedBytes.WithLabelValues(direction).Add(float64(n))
	}
}

func (o sharedObserver) Error(op string) {
	if o.m != nil {
		o.m.sharedErrors.WithLabelValues(op).Inc()
	}
}
