package postgres

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// sessionTimeout gives each connection the server-side statement_timeout
// of an ordinary query (the configured timeout, statementTimeout) as a
// session default, so that a query with that timeout needs no SET LOCAL of
// its own: one statement fewer in its pipeline, for every query.
//
// The default is asked for as a startup parameter, never with SET: behind
// a pooler in transaction mode a SET would stay on a server connection
// that other clients then get. A pooler that refuses the parameter
// (PgBouncer does, unless it tracks it) makes the engine connect without
// it from then on (ready); one that drops it silently is caught by the
// check each new connection makes (AfterConnect). A connection whose
// session default is not verified keeps the SET LOCAL. The default cannot
// be changed from a query: the query runs in a transaction that is always
// rolled back, and a SET rolls back with it.
type sessionTimeout struct {
	ms      int64       // the startup parameter's value; 0 when there is no query timeout
	refused atomic.Bool // a server refused the parameter: connect without it
	decided atomic.Bool // a first connection has been made (ready)
	gate    sync.Mutex  // one first connection at a time
	checked sync.Map    // *pgconn.PgConn → struct{}: connections with the default verified
}

// startupParam is the name of the startup parameter.
const startupParam = "statement_timeout"

// configure adds the parameter and the pool hooks that keep track of it.
func (st *sessionTimeout) configure(cfg *pgxpool.Config) {
	if st.ms <= 0 {
		return
	}
	cfg.ConnConfig.RuntimeParams[startupParam] = strconv.FormatInt(st.ms, 10)
	cfg.BeforeConnect = func(_ context.Context, cc *pgx.ConnConfig) error {
		if st.refused.Load() {
			delete(cc.RuntimeParams, startupParam)
		}
		return nil
	}
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		if _, asked := c.Config().RuntimeParams[startupParam]; !asked {
			return nil
		}
		// pg_settings gives milliseconds whatever the unit SHOW would print.
		var ms int64
		err := c.QueryRow(ctx, "SELECT setting::int8 FROM pg_settings WHERE name = '"+startupParam+"'").Scan(&ms)
		if err == nil && ms == st.ms {
			st.checked.Store(c.PgConn(), struct{}{})
		}
		return nil // unverified: the connection's queries keep their SET LOCAL
	}
	cfg.BeforeClose = func(c *pgx.Conn) { st.checked.Delete(c.PgConn()) }
}

// covers reports whether the connection's session default is verified to
// be the statement_timeout (ms) a query asks for.
func (st *sessionTimeout) covers(c *pgconn.PgConn, ms int64) bool {
	if st.ms <= 0 || ms != st.ms {
		return false
	}
	_, ok := st.checked.Load(c)
	return ok
}

// ready makes the engine's first connection, once, before the pool is
// used: if the server refuses the startup parameter, every later
// connection is made without it, and this one is made again. The
// connection goes back to the pool. A failure for any other reason is left
// to the caller's own use of the pool to report.
func (st *sessionTimeout) ready(ctx context.Context, pool *pgxpool.Pool) {
	if st.ms <= 0 || st.decided.Load() {
		return
	}
	st.gate.Lock()
	defer st.gate.Unlock()
	if st.decided.Load() {
		return
	}
	conn, err := pool.Acquire(ctx)
	if err != nil && refusesParam(err) {
		st.refused.Store(true)
		conn, err = pool.Acquire(ctx)
	}
	if err != nil {
		return
	}
	conn.Release()
	st.decided.Store(true)
}

// refusesParam reports whether a connection failed because the server (a
// pooler) refused the statement_timeout startup parameter: PgBouncer says
// "unsupported startup parameter: statement_timeout".
func refusesParam(err error) bool {
	var ce *pgconn.ConnectError
	var pe *pgconn.PgError
	return errors.As(err, &ce) && errors.As(err, &pe) && strings.Contains(pe.Message, startupParam)
}
