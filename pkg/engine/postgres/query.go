package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/frames"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

// Query runs the plan inside a READ ONLY transaction with a server-side
// statement_timeout, and decodes each row's wire values straight into the
// table's typed builders. It stops at plan.RowCap rows; if more rows come,
// the table is marked truncated and the server is told to stop.
func (e *Engine) Query(ctx context.Context, plan *sqlplan.Plan, opts engine.QueryOptions) (*frames.Table, engine.QueryStats, error) {
	start := time.Now()
	var stats engine.QueryStats
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = time.Duration(e.settings.QueryTimeout)
	}
	qctx, cancel := engine.WithTimeout(ctx, timeout)
	defer cancel()
	fail := func(err error) (*frames.Table, engine.QueryStats, error) {
		stats.Duration = time.Since(start)
		err = wrapPgError(err, plan.SQL)
		var se *engine.ServerError
		if errors.As(err, &se) && se.Code == "57014" && strings.Contains(se.Message, "statement timeout") {
			err = &engine.TimeoutError{Timeout: timeout, Err: err} // the server's statement_timeout fired first
		}
		return nil, stats, engine.Classify(ctx, qctx, timeout, err)
	}

	e.session.ready(qctx, e.pool)
	conn, err := e.pool.Acquire(qctx)
	if err != nil {
		return fail(fmt.Errorf("connecting: %w", err))
	}
	healthy := true
	// The query's pipeline ends the transaction (ROLLBACK after the query,
	// before Sync), so a query that ran to the end needs no round trip
	// more. Otherwise (an error, a cancel) release rolls back off the
	// reply's path: the connection goes back to the pool when it is done
	// (Close waits for it).
	defer func() { release(context.WithoutCancel(ctx), conn, healthy) }()

	pgc := conn.Conn().PgConn()
	tm := conn.Conn().TypeMap()
	// The server-side timeout: the connection's own default when that is
	// the one this query needs (session.go), else a SET LOCAL.
	setTimeout := timeout
	if e.session.covers(pgc, statementTimeout(timeout)) {
		setTimeout = 0
	}
	var (
		rows *pgconn.ResultReader
		fds  []pgconn.FieldDescription
		pipe *pgconn.Pipeline // open while a repeated query's rows are read
	)
	known, inTx := false, false
	if oids, ok := e.shapes.get(plan.SQL); ok {
		// A text seen before: one round trip for the read-only transaction,
		// the server-side timeout and the query bound with the result
		// formats of its last run, pipelined.
		asked := resultFormats(tm, oids)
		pipe, rows, err = beginExec(qctx, pgc, plan.SQL, setTimeout, asked)
		if err != nil {
			e.shapes.drop(plan.SQL)
			var pe *pgconn.PgError
			healthy = errors.As(err, &pe) && !conn.Conn().IsClosed()
			return fail(err)
		}
		fds = rows.FieldDescriptions()
		if known = formatsMatch(tm, fds, asked); !known {
			// The result's types changed since: read this one out and
			// describe the query again (in a new transaction: the
			// pipeline's ROLLBACK ended this one).
			e.shapes.drop(plan.SQL)
			_, _ = rows.Close()
			if err := pipe.Close(); err != nil {
				var pe *pgconn.PgError
				healthy = errors.As(err, &pe) && !conn.Conn().IsClosed()
				return fail(err)
			}
			pipe, rows, inTx = nil, nil, pgc.TxStatus() == 'T'
		}
	}
	if rows == nil {
		// One round trip: the read-only transaction (unless the repeated
		// query's already opened it), a server-side timeout a little past
		// ours (so the server stops even if the cancel is lost), and the
		// query's Parse and Describe, pipelined; then Bind, Execute and
		// ROLLBACK.
		sd, err := begin(qctx, pgc, plan.SQL, setTimeout, !inTx)
		if err != nil {
			var pe *pgconn.PgError
			healthy = errors.As(err, &pe) && !conn.Conn().IsClosed()
			return fail(err)
		}
		fds = make([]pgconn.FieldDescription, len(sd.Fields))
		formats := make([]int16, len(sd.Fields))
		for i, fd := range sd.Fields {
			formats[i] = tm.FormatCodeForOID(fd.DataTypeOID)
			fd.Format = formats[i]
			fds[i] = fd
		}
		if pipe, rows, err = execEnd(qctx, pgc, sd, formats); err != nil {
			var pe *pgconn.PgError
			healthy = errors.As(err, &pe) && !conn.Conn().IsClosed()
			return fail(err)
		}
	}

	table, err := e.stream(ctx, qctx, cancel, conn, rows, fds, plan, opts)
	canceled := table != nil && table.Truncated() && qctx.Err() != nil
	if pipe != nil {
		if cerr := pipe.Close(); err == nil && !canceled {
			err = cerr
		}
	}
	if table != nil {
		stats.Rows = table.Total()
	}
	stats.Duration = time.Since(start)
	if err != nil {
		healthy = !conn.Conn().IsClosed() && qctx.Err() == nil
		e.shapes.drop(plan.SQL)
		return fail(err)
	}
	if canceled {
		healthy = false // canceled mid-stream: do not reuse the connection
	}
	if !known {
		e.shapes.put(plan.SQL, fds)
	}
	return table, stats, nil
}

// release returns the connection to the pool: at once when its pipeline
// ended the transaction, else after a ROLLBACK, in a goroutine off the
// reply's path; a connection in doubt (healthy false, or a failed
// ROLLBACK) is closed instead of reused.
func release(ctx context.Context, conn *pgxpool.Conn, healthy bool) {
	if healthy && conn.Conn().PgConn().TxStatus() == 'I' {
		conn.Release()
		return
	}
	go rollback(ctx, conn, healthy)
}

// rollback ends the query's transaction and returns the connection to the
// pool, or closes a connection in doubt.
func rollback(ctx context.Context, conn *pgxpool.Conn, healthy bool) {
	if healthy {
		rctx, rcancel := context.WithTimeout(ctx, 5*time.Second)
		_, rerr := conn.Conn().PgConn().Exec(rctx, "ROLLBACK").ReadAll()
		rcancel()
		healthy = rerr == nil
	}
	if !healthy {
		cctx, ccancel := context.WithTimeout(ctx, time.Second)
		_ = conn.Conn().Close(cctx)
		ccancel()
	}
	conn.Release()
}

// begin sends BEGIN READ ONLY and SET LOCAL statement_timeout (BEGIN when
// open is set, the SET when timeout is too) and the Parse and Describe of
// sql as one pipeline, and returns sql's description. The first error is returned (a
// *pgconn.PgError when the server refused a step; the caller rolls back).
func begin(ctx context.Context, pgc *pgconn.PgConn, sql string, timeout time.Duration, open bool) (*pgconn.StatementDescription, error) {
	p := pgc.StartPipeline(ctx)
	if open {
		sendBegin(p, timeout)
	}
	p.SendPrepare("", sql, nil)
	if err := p.Sync(); err != nil {
		_ = p.Close()
		return nil, err
	}
	var (
		sd    *pgconn.StatementDescription
		first error
	)
read:
	for {
		res, err := p.GetResults()
		if err != nil {
			first = err
			break
		}
		switch r := res.(type) {
		case *pgconn.ResultReader:
			if _, err := r.Close(); err != nil {
				first = err
				break read
			}
		case *pgconn.StatementDescription:
			sd = r
		case *pgconn.PipelineSync, nil:
			break read
		}
	}
	if err := p.Close(); first == nil {
		first = err
	}
	if first == nil && sd == nil {
		first = errors.New("postgres: the server did not describe the query")
	}
	return sd, first
}

func (e *Engine) stream(ctx, qctx context.Context, cancel context.CancelFunc, conn *pgxpool.Conn, rows *pgconn.ResultReader, fds []pgconn.FieldDescription, plan *sqlplan.Plan, opts engine.QueryOptions) (*frames.Table, error) {
	defer rows.Close()
	cols, err := e.columnTypes(ctx, conn.Conn().TypeMap(), fds)
	if err != nil {
		return nil, err
	}
	specs := make([]frames.ColumnSpec, len(cols))
	for i, ct := range cols {
		specs[i], _ = TypeMap.Spec(fds[i].Name, ct.name)
		if ct.enum {
			specs[i].Kind = frames.KindEnum
		}
	}
	table := frames.NewTable(specs, frames.TableOptions{MaxRows: plan.RowCap, NumericAsFloat: opts.NumericAsFloat, MaxBytes: opts.MaxBytes, Chunk: opts.Chunk})
	decs := make([]decoder, len(cols))
	for i, ct := range cols {
		if decs[i], err = newDecoder(ct, table.Column(i)); err != nil {
			return nil, err
		}
	}
	// Rows are committed to the table in batches (Commit checks every
	// column's length); room counts down to the row cap.
	room, batch := table.Room(), 0
	for rows.NextRow() {
		if room == 0 {
			table.MarkTruncated()
			cancel() // the server stops via the cancel request
			break
		}
		raw := rows.Values()
		if len(raw) != len(decs) {
			return nil, fmt.Errorf("postgres: row has %d values, want %d", len(raw), len(decs))
		}
		for i, d := range decs {
			if err := d(raw[i]); err != nil {
				return nil, fmt.Errorf("postgres: decoding row %d: %w", table.Total()+int64(batch)+1, err)
			}
		}
		room--
		if batch++; batch == commitBatch {
			if err := table.Commit(batch); err != nil {
				return nil, err
			}
			batch, room = 0, table.Room() // 0 once the byte cap cut the table
		}
	}
	if err := table.Commit(batch); err != nil {
		return nil, err
	}
	if _, err := rows.Close(); err != nil && !(table.Truncated() && qctx.Err() != nil) {
		return nil, err
	}
	return table, nil
}

// sendBegin queues the read-only transaction and its server-side timeout.
func sendBegin(p *pgconn.Pipeline, timeout time.Duration) {
	p.SendQueryParams("BEGIN READ ONLY", nil, nil, nil, nil)
	if timeout > 0 {
		p.SendQueryParams(fmt.Sprintf("SET LOCAL statement_timeout = %d", statementTimeout(timeout)), nil, nil, nil, nil)
	}
}

// beginExec sends BEGIN READ ONLY, SET LOCAL statement_timeout, sql
// (Parse, Bind with these result formats, Describe, Execute) and ROLLBACK
// as one pipeline, and returns it with sql's result, whose rows are read
// from the connection as they come; the caller closes the result, then the
// pipeline. When sql fails the server skips the ROLLBACK, and release
// sends one.
func beginExec(ctx context.Context, pgc *pgconn.PgConn, sql string, timeout time.Duration, formats []int16) (*pgconn.Pipeline, *pgconn.ResultReader, error) {
	p := pgc.StartPipeline(ctx)
	sendBegin(p, timeout)
	p.SendQueryParams(sql, nil, nil, nil, formats)
	p.SendQueryParams("ROLLBACK", nil, nil, nil, nil)
	setup := 1 // BEGIN, and SET when there is a timeout
	if timeout > 0 {
		setup = 2
	}
	return syncedResult(p, setup)
}

// execEnd sends the described statement sd (Bind with these result
// formats, Execute) and ROLLBACK as one pipeline, and returns it with sd's
// result, read as beginExec's is.
func execEnd(ctx context.Context, pgc *pgconn.PgConn, sd *pgconn.StatementDescription, formats []int16) (*pgconn.Pipeline, *pgconn.ResultReader, error) {
	p := pgc.StartPipeline(ctx)
	p.SendQueryStatement(sd, nil, nil, formats)
	p.SendQueryParams("ROLLBACK", nil, nil, nil, nil)
	return syncedResult(p, 0)
}

// syncedResult sends pipeline p's Sync, reads out the results of its first
// skip statements and returns p with the next statement's result. On an
// error the pipeline is closed.
func syncedResult(p *pgconn.Pipeline, skip int) (*pgconn.Pipeline, *pgconn.ResultReader, error) {
	if err := p.Sync(); err != nil {
		_ = p.Close()
		return nil, nil, err
	}
	for i := 0; ; i++ {
		res, err := p.GetResults()
		if err != nil {
			_ = p.Close()
			return nil, nil, err
		}
		rr, ok := res.(*pgconn.ResultReader)
		if !ok {
			_ = p.Close()
			return nil, nil, errors.New("postgres: the server did not answer the query")
		}
		if i == skip {
			return p, rr, nil
		}
		if _, err := rr.Close(); err != nil {
			_ = p.Close()
			return nil, nil, err
		}
	}
}

// commitBatch is how many rows are appended between table commits.
const commitBatch = 1024

// columnTypes resolves each result column's type: pgx's registry knows the
// built-in OIDs; enums, domains and extension types (PostGIS) are looked up
// in pg_type once per engine, on another pooled connection.
func (e *Engine) columnTypes(ctx context.Context, tm *pgtype.Map, fds []pgconn.FieldDescription) ([]columnType, error) {
	out := make([]columnType, len(fds))
	var unknown []uint32
	for i, fd := range fds {
		out[i] = columnType{oid: fd.DataTypeOID, format: fd.Format, typeMap: tm}
		if t, ok := tm.TypeForOID(fd.DataTypeOID); ok {
			out[i].name = t.Name
			continue
		}
		e.mu.Lock()
		t, ok := e.types[fd.DataTypeOID]
		e.mu.Unlock()
		if ok {
			out[i].name, out[i].enum = t.name, t.enum
			continue
		}
		unknown = append(unknown, fd.DataTypeOID)
	}
	if len(unknown) > 0 {
		e.resolveTypes(ctx, unknown)
		for i := range out {
			if out[i].name != "" {
				continue
			}
			e.mu.Lock()
			t, ok := e.types[out[i].oid]
			e.mu.Unlock()
			if ok {
				out[i].name, out[i].enum = t.name, t.enum
			} else {
				out[i].name = "unknown"
			}
		}
	}
	return out, nil
}

// resolveTypes looks up OIDs in pg_type; domains resolve to their base type
// name. Failure leaves the types unknown (decoded as text).
func (e *Engine) resolveTypes(ctx context.Context, oids []uint32) {
	rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	const q = `WITH RECURSIVE t(oid, base, typname, typtype) AS (
  SELECT oid, typbasetype, typname::text, typtype::text FROM pg_type WHERE oid = ANY($1)
  UNION ALL
  SELECT t.oid, b.typbasetype, b.typname::text, b.typtype::text FROM t JOIN pg_type b ON b.oid = t.base WHERE t.typtype = 'd'
)
SELECT oid, typname, typtype FROM t WHERE typtype <> 'd'`
	rows, err := e.pool.Query(rctx, q, oids)
	if err != nil {
		return
	}
	defer rows.Close()
	for rows.Next() {
		var (
			oid        uint32
			name, kind string
		)
		if rows.Scan(&oid, &name, &kind) != nil {
			return
		}
		e.mu.Lock()
		e.types[oid] = pgType{name: name, enum: kind == "e"}
		e.mu.Unlock()
	}
}

// statementTimeout is the server-side statement_timeout (ms) for a query or
// an estimate with this timeout: a little past it, so the client's timeout
// normally fires first and the server still stops if the cancel is lost.
// Whole seconds, rounded up: an estimate's timeout (what is left of the
// same budget) then gets the same value as the query's.
func statementTimeout(timeout time.Duration) int64 {
	return int64(math.Ceil((timeout + time.Second).Seconds())) * 1000
}
