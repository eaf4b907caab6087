// Package postgres is Quarry's PostgreSQL engine: a pgx v5 pool, read-only
// transactions, server-side cancellation, EXPLAIN-based estimates and rows
// decoded from the wire straight into typed frame columns.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

// Engine is a PostgreSQL connection pool. It implements engine.Engine.
type Engine struct {
	pool     *pgxpool.Pool
	settings Settings

	mu      sync.Mutex
	types   map[uint32]pgType // resolved user types (enums, domains, extensions)
	version string
	// shapes are the result types of queries already run (shapes.go).
	shapes shapeCache
	// session is the connections' default statement_timeout (session.go).
	session *sessionTimeout
}

var _ engine.Engine = (*Engine)(nil)

// pgType is a pg_type row resolved for decoding.
type pgType struct {
	name string
	enum bool
}

// Open validates the settings and creates the pool. Connections are made
// lazily; Health connects and reports each failing step.
func Open(ctx context.Context, s Settings, sec Secrets) (*Engine, error) {
	if err := s.Validate(sec); err != nil {
		return nil, err
	}
	s = s.WithDefaults()
	cfg, err := poolConfig(s, sec)
	if err != nil {
		return nil, err
	}
	st := &sessionTimeout{}
	if s.QueryTimeout > 0 {
		st.ms = statementTimeout(time.Duration(s.QueryTimeout))
	}
	st.configure(cfg)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: creating the pool: %w", err)
	}
	return &Engine{pool: pool, settings: s, types: map[uint32]pgType{}, session: st}, nil
}

func poolConfig(s Settings, sec Secrets) (*pgxpool.Config, error) {
	// Start from an empty config and set every connection field explicitly,
	// so PG* environment variables and service files never leak in.
	cfg, err := pgxpool.ParseConfig("")
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	tlsCfg, err := s.tlsConfig(sec)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	cc := cfg.ConnConfig
	cc.Host = s.Host
	cc.Port = uint16(s.Port)
	cc.Database = s.Database
	cc.User = s.User
	cc.Password = sec.Password
	cc.TLSConfig = tlsCfg
	cc.Fallbacks = nil
	if s.SSLMode == "prefer" {
		cc.Fallbacks = []*pgconn.FallbackConfig{{Host: s.Host, Port: uint16(s.Port)}}
	}
	cc.ConnectTimeout = time.Duration(s.ConnectTimeout)
	cc.RuntimeParams = map[string]string{"application_name": "quarry"}
	cc.KerberosSrvName, cc.KerberosSpn = "", ""
	cc.DefaultQueryExecMode = pgx.QueryExecModeDescribeExec
	// Cancel on context: send PostgreSQL's cancel request so the server stops
	// the query, then give up on the socket if it does not answer.
	cc.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: 3 * time.Second}
	}
	cfg.MaxConns = int32(s.MaxConns)
	cfg.MinConns = 0
	cfg.MaxConnLifetime = time.Duration(s.ConnMaxLifetime)
	cfg.MaxConnIdleTime = 5 * time.Minute
	return cfg, nil
}

// Dialect is postgres.
func (e *Engine) Dialect() sqlplan.Dialect { return sqlplan.Postgres }

// ServerVersion is server_version (e.g. "15.8").
func (e *Engine) ServerVersion(ctx context.Context) (string, error) {
	e.mu.Lock()
	v := e.version
	e.mu.Unlock()
	if v != "" {
		return v, nil
	}
	e.session.ready(ctx, e.pool)
	if err := e.pool.QueryRow(ctx, "SHOW server_version").Scan(&v); err != nil {
		return "", engine.Classify(ctx, ctx, 0, wrapPgError(err, ""))
	}
	e.mu.Lock()
	e.version = v
	e.mu.Unlock()
	return v, nil
}

// QueryTimeout is the configured per-query timeout.
func (e *Engine) QueryTimeout() time.Duration { return time.Duration(e.settings.QueryTimeout) }

// Close closes the pool.
func (e *Engine) Close() error {
	e.pool.Close()
	return nil
}

// Pool exposes the pool (benchmarks and tests).
func (e *Engine) Pool() *pgxpool.Pool { return e.pool }

// wrapPgError keeps the server's SQLSTATE, position and hint, with the
// position turned into line:column of sql.
func wrapPgError(err error, sql string) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err
	}
	se := &engine.ServerError{Engine: "postgres", Code: pe.Code, Message: pe.Message, Detail: pe.Detail, Hint: pe.Hint, Position: int(pe.Position), Err: err}
	if pe.Position > 0 && sql != "" {
		se.Line, se.Column = engine.LineColumn(sql, int(pe.Position))
	}
	if engine.PostgresQueryFault(pe.Code) {
		return engine.QueryFault(se)
	}
	return se
}
