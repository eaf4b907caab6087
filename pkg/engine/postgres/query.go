package postgres

import (
	"context"
	"errors"
	"fmt"
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

	conn, err := e.pool.Acquire(qctx)
	if err != nil {
		return fail(fmt.Errorf("connecting: %w", err))
	}
	healthy := true
	defer func() {
		if healthy {
			rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			_, rerr := conn.Conn().PgConn().Exec(rctx, "ROLLBACK").ReadAll()
			rcancel()
			healthy = rerr == nil
		}
		if !healthy {
			cctx, ccancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
			_ = conn.Conn().Close(cctx)
			ccancel()
		}
		conn.Release()
	}()

	// One round trip: read-only transaction plus a server-side timeout a
	// little past ours, so the server stops even if the cancel is lost.
	begin := "BEGIN READ ONLY"
	if timeout > 0 {
		begin += fmt.Sprintf("; SET LOCAL statement_timeout = %d", (timeout + time.Second).Milliseconds())
	}
	if _, err := conn.Conn().PgConn().Exec(qctx, begin).ReadAll(); err != nil {
		healthy = false
		return fail(err)
	}

	table, err := e.stream(ctx, qctx, cancel, conn, plan, opts)
	if table != nil {
		stats.Rows = int64(table.Len())
	}
	stats.Duration = time.Since(start)
	if err != nil {
		healthy = !conn.Conn().IsClosed() && qctx.Err() == nil
		return fail(err)
	}
	if table.Truncated() && qctx.Err() != nil {
		healthy = false // canceled mid-stream: do not reuse the connection
	}
	return table, stats, nil
}

func (e *Engine) stream(ctx, qctx context.Context, cancel context.CancelFunc, conn *pgxpool.Conn, plan *sqlplan.Plan, opts engine.QueryOptions) (*frames.Table, error) {
	rows, err := conn.Query(qctx, plan.SQL)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	fds := rows.FieldDescriptions()
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
	table := frames.NewTable(specs, frames.TableOptions{MaxRows: plan.RowCap, NumericAsFloat: opts.NumericAsFloat, MaxBytes: opts.MaxBytes})
	decs := make([]decoder, len(cols))
	for i, ct := range cols {
		if decs[i], err = newDecoder(ct, table.Column(i)); err != nil {
			return nil, err
		}
	}
	// Rows are committed to the table in batches (Commit checks every
	// column's length); room counts down to the row cap.
	room, batch := table.Room(), 0
	for rows.Next() {
		if room == 0 {
			table.MarkTruncated()
			cancel() // the server stops via the cancel request
			break
		}
		raw := rows.RawValues()
		if len(raw) != len(decs) {
			return nil, fmt.Errorf("postgres: row has %d values, want %d", len(raw), len(decs))
		}
		for i, d := range decs {
			if err := d(raw[i]); err != nil {
				return nil, fmt.Errorf("postgres: decoding row %d: %w", table.Len()+batch+1, err)
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
	rows.Close()
	if err := rows.Err(); err != nil && !(table.Truncated() && qctx.Err() != nil) {
		return nil, err
	}
	return table, nil
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
