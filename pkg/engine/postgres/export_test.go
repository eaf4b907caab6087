package postgres

import "context"

// SessionTimeoutState reports, for tests, whether a server refused the
// statement_timeout startup parameter, and whether a pooled connection's
// session default is verified to be the one an ordinary query needs (so
// that its pipeline has no SET LOCAL).
func SessionTimeoutState(ctx context.Context, e *Engine) (refused, covered bool, err error) {
	e.session.ready(ctx, e.pool)
	conn, err := e.pool.Acquire(ctx)
	if err != nil {
		return false, false, err
	}
	defer conn.Release()
	return e.session.refused.Load(), e.session.covers(conn.Conn().PgConn(), e.session.ms), nil
}
