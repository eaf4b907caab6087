// Package clickhouse is Quarry's ClickHouse engine over the native protocol:
// read-only execution with limits a query cannot raise (readonly=1 where
// the user may set it; see backstop.go), cancellation that reaches the
// server (the protocol's cancel packet, then KILL QUERY), estimates by
// server capability, and result blocks appended to typed frame columns by
// the block reader (package native), or scanned row by row through
// clickhouse-go v2, which also runs Quarry's own statements.
package clickhouse

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/engine/clickhouse/native"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

// Engine is a ClickHouse connection pool. It implements engine.Engine.
type Engine struct {
	conn     driver.Conn
	settings Settings
	// blocks reads query results as columnar blocks (package native);
	// nil reads every result through conn's row scan.
	blocks *native.Pool
	// reads counts the queries each path read (tests check which ran).
	reads struct{ blocks, rowScan atomic.Int64 }

	mu       sync.Mutex
	server   *driver.ServerVersion
	readonly int // the user's readonly level; -1 = not yet known
}

var _ engine.Engine = (*Engine)(nil)

// Open validates the settings and creates the pool (connections are made
// lazily; Health reports each failing step).
func Open(ctx context.Context, s Settings, sec Secrets) (*Engine, error) {
	if err := s.Validate(sec); err != nil {
		return nil, err
	}
	s = s.WithDefaults()
	tlsCfg, err := s.tlsConfig(sec)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: %w", err)
	}
	var compression *ch.Compression
	if m := compressions[s.Compression]; m != ch.CompressionNone {
		compression = &ch.Compression{Method: m}
	}
	addr := net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	c, err := ch.Open(&ch.Options{
		Protocol: ch.Native,
		Addr:     []string{addr},
		Auth:     ch.Auth{Database: s.Database, Username: s.User, Password: sec.Password},
		TLS:      tlsCfg,
		ClientInfo: ch.ClientInfo{Products: []struct {
			Name    string
			Version string
		}{{Name: "quarry", Version: "1"}}},
		DialTimeout:     time.Duration(s.DialTimeout),
		MaxOpenConns:    s.MaxOpenConns,
		MaxIdleConns:    min(5, s.MaxOpenConns),
		ConnMaxLifetime: time.Hour,
		Compression:     compression,
	})
	if err != nil {
		return nil, fmt.Errorf("clickhouse: %w", err)
	}
	blocks := native.NewPool(native.Options{
		Addr:        addr,
		Database:    s.Database,
		User:        s.User,
		Password:    sec.Password,
		TLS:         tlsCfg,
		DialTimeout: time.Duration(s.DialTimeout),
		Compression: compression != nil,
	}, s.MaxOpenConns)
	return &Engine{conn: conn{c}, blocks: blocks, settings: s, readonly: -1}, nil
}

// WithoutBlocks makes the engine read every result through clickhouse-go's
// row scan (the path before the block reader; benchmarks and tests
// compare the two).
func (e *Engine) WithoutBlocks() *Engine {
	if e.blocks != nil {
		_ = e.blocks.Close()
	}
	e.blocks = nil
	return e
}

// Dialect is clickhouse.
func (e *Engine) Dialect() sqlplan.Dialect { return sqlplan.ClickHouse }

// ServerVersion is the server's version ("18.16.1").
func (e *Engine) ServerVersion(ctx context.Context) (string, error) {
	v, err := e.serverVersion(ctx)
	if err != nil {
		return "", err
	}
	return versionString(v), nil
}

func (e *Engine) serverVersion(ctx context.Context) (*driver.ServerVersion, error) {
	e.mu.Lock()
	v := e.server
	e.mu.Unlock()
	if v != nil {
		return v, nil
	}
	if err := e.conn.Ping(ctx); err != nil {
		return nil, engine.Downstream(fmt.Errorf("clickhouse: %w", err))
	}
	v, err := e.conn.ServerVersion()
	if err != nil {
		return nil, engine.Downstream(fmt.Errorf("clickhouse: %w", err))
	}
	e.mu.Lock()
	e.server = v
	e.mu.Unlock()
	return v, nil
}

func versionString(v *driver.ServerVersion) string {
	return fmt.Sprintf("%d.%d.%d", v.Version.Major, v.Version.Minor, v.Version.Patch)
}

// atLeast reports whether the server version is >= major.minor.
func atLeast(v *driver.ServerVersion, major, minor uint64) bool {
	return v.Version.Major > major || (v.Version.Major == major && v.Version.Minor >= minor)
}

// QueryTimeout is the configured per-query timeout.
func (e *Engine) QueryTimeout() time.Duration { return time.Duration(e.settings.QueryTimeout) }

// Conn exposes the driver connection (benchmarks and tests).
func (e *Engine) Conn() driver.Conn { return e.conn }

// Close closes the pools.
func (e *Engine) Close() error {
	if e.blocks != nil {
		_ = e.blocks.Close()
	}
	return e.conn.Close()
}
