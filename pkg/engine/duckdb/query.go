//go:build cgo

package duckdb

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	duck "github.com/duckdb/duckdb-go/v2"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/frames"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

// ErrNotReadOnly is returned for a statement that is not a SELECT or EXPLAIN.
var ErrNotReadOnly = errors.New("not a read-only statement")

// commitEvery is how many rows are appended between table commits.
const commitEvery = 2048

// Query runs one read-only statement and streams its rows into a typed
// table. The statement is prepared alone (a second statement is refused,
// never executed) and must be a SELECT or EXPLAIN; only then is it run.
// Builds with the duckdb_arrow tag (the plugin's) read the result as
// DuckDB's Arrow record batches, column by column (arrow.go); other builds,
// and results with a type the Arrow reader does not take, read the
// driver's typed values row by row into one reused value slice, never a
// []any per row (readRowsPath). Cancellation and the timeout interrupt
// DuckDB.
func (e *Engine) Query(parent context.Context, plan *sqlplan.Plan, opts engine.QueryOptions) (*frames.Table, engine.QueryStats, error) {
	return e.query(parent, plan, opts, e.read)
}

// reader runs the prepared, checked statement stmt and reads the result
// into a table with the caps of o:
// Engine.read in the project's builds, or one of the two paths by name in
// tests (readRowsPath, and readArrowPath in builds with the duckdb_arrow
// tag).
type reader func(ctx context.Context, stmt *duck.Stmt, o frames.TableOptions) (*frames.Table, error)

// query is Query with the result reader chosen by the caller.
func (e *Engine) query(parent context.Context, plan *sqlplan.Plan, opts engine.QueryOptions, read reader) (*frames.Table, engine.QueryStats, error) {
	start := time.Now()
	var stats engine.QueryStats
	if plan == nil || strings.TrimSpace(plan.SQL) == "" {
		return nil, stats, errors.New("duckdb: empty query; write a SELECT statement")
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = time.Duration(e.settings.QueryTimeout)
	}
	ctx, cancel := engine.WithTimeout(parent, timeout)
	defer cancel()

	if !e.settings.Budget.IsZero() {
		cost, err := e.estimate(ctx, plan.SQL, plan.RowCap)
		if err != nil {
			return nil, stats, e.queryError(parent, ctx, timeout, err)
		}
		if err := e.settings.Budget.Check(cost); err != nil {
			return nil, stats, err
		}
	}

	var t *frames.Table
	err := e.withStmt(ctx, plan.SQL, func(stmt *duck.Stmt) error {
		var err error
		t, err = read(ctx, stmt, frames.TableOptions{MaxRows: plan.RowCap, NumericAsFloat: opts.NumericAsFloat, MaxBytes: opts.MaxBytes, Chunk: opts.Chunk})
		return err
	})
	if err != nil {
		return nil, stats, e.queryError(parent, ctx, timeout, err)
	}
	stats.Rows = t.Total()
	stats.Duration = time.Since(start)
	return t, stats, nil
}

// withStmt prepares sql as a single statement on a pooled connection,
// checks that it is read-only, and calls fn with the statement, which fn
// runs (and may run again: the rows path after an Arrow reader that does
// not take the result's types). fn closes the rows it opens. A statement
// fn ran without error is kept for the next run of the same text on that
// connection (stmtcache.go), which then skips the prepare.
//
// Preparing binds the statement, which can be slow (a view over a large
// file, a deep query), and DuckDB's Prepare takes no context. So the
// connection is owned by a goroutine that prepares; the caller waits for
// the statement or for ctx, whichever comes first. When ctx ends first the
// caller returns at once and the goroutine closes the statement and hands
// the connection back when the bind finishes: a slow bind is cancelled like
// a slow run, as the caller sees it. A kept statement has no bind to wait
// for, and runs in the caller.
//
// The goroutine counts as in flight (e.inflight) until it has handed the
// connection back, so Close never closes the database under it.
func (e *Engine) withStmt(ctx context.Context, sql string, fn func(*duck.Stmt) error) error {
	if !e.enter() {
		return errClosed
	}
	conn, err := e.db.Conn(ctx)
	if err != nil {
		e.inflight.Done()
		return err
	}
	handedOff := false // to the goroutine that prepares
	defer func() {
		if !handedOff {
			_ = conn.Close()
			e.inflight.Done()
		}
	}()
	kept := false
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*duck.Conn)
		if !ok {
			return nil
		}
		stmt := e.stmts.take(c, sql)
		if stmt == nil {
			return nil
		}
		kept = true
		if err := fn(stmt); err != nil {
			_ = stmt.Close() // prepared again next time
			return err
		}
		if !e.stmts.put(c, sql, stmt) {
			_ = stmt.Close()
		}
		return nil
	})
	if kept {
		return err
	}
	handedOff = true
	type prepared struct {
		stmt *duck.Stmt
		err  error
	}
	ready := make(chan prepared, 1)
	// finished gets whether the statement may be kept, when nobody uses it
	// any more.
	finished := make(chan bool, 1)
	go func() {
		defer e.inflight.Done()
		defer conn.Close()
		err := conn.Raw(func(dc any) error {
			stmt, err := prepareOne(dc, sql)
			ready <- prepared{stmt, err}
			if err != nil {
				return nil
			}
			if <-finished && e.stmts.put(dc.(*duck.Conn), sql, stmt) {
				return nil
			}
			return stmt.Close()
		})
		if err != nil {
			select {
			case ready <- prepared{nil, err}: // Raw itself failed
			default:
			}
		}
	}()
	select {
	case p := <-ready:
		if p.err != nil {
			return p.err
		}
		keep := false
		defer func() { finished <- keep }()
		if err := ctx.Err(); err != nil {
			return err
		}
		err := fn(p.stmt)
		keep = err == nil
		return err
	case <-ctx.Done():
		finished <- false
		return ctx.Err()
	}
}

// prepareOne prepares sql on the driver connection dc as exactly one
// statement and checks that DuckDB classifies it as SELECT or EXPLAIN.
func prepareOne(dc any, sql string) (*duck.Stmt, error) {
	c, ok := dc.(*duck.Conn)
	if !ok {
		return nil, fmt.Errorf("unexpected driver connection %T", dc)
	}
	// Prepare (not PrepareContext): with several statements the driver
	// would execute all but the last one while preparing.
	ds, err := c.Prepare(sql)
	if err != nil {
		if strings.Contains(err.Error(), "context") && strings.Contains(err.Error(), "prepare") {
			return nil, fmt.Errorf("%w: one statement per query; remove the extra statements (and a trailing one after ';')", ErrNotReadOnly)
		}
		return nil, err
	}
	stmt, ok := ds.(*duck.Stmt)
	if !ok {
		_ = ds.Close()
		return nil, fmt.Errorf("unexpected driver statement %T", ds)
	}
	typ, err := stmt.StatementType()
	if err != nil {
		_ = stmt.Close()
		return nil, err
	}
	if typ != duck.STATEMENT_TYPE_SELECT && typ != duck.STATEMENT_TYPE_EXPLAIN {
		_ = stmt.Close()
		return nil, fmt.Errorf("%w: DuckDB classifies it as %s; Quarry only runs SELECT (and EXPLAIN)", ErrNotReadOnly, stmtTypeName(typ))
	}
	return stmt, nil
}

func stmtTypeName(t duck.StmtType) string {
	names := map[duck.StmtType]string{
		duck.STATEMENT_TYPE_INSERT: "INSERT", duck.STATEMENT_TYPE_UPDATE: "UPDATE", duck.STATEMENT_TYPE_DELETE: "DELETE",
		duck.STATEMENT_TYPE_CREATE: "CREATE", duck.STATEMENT_TYPE_DROP: "DROP", duck.STATEMENT_TYPE_ALTER: "ALTER",
		duck.STATEMENT_TYPE_COPY: "COPY", duck.STATEMENT_TYPE_ATTACH: "ATTACH", duck.STATEMENT_TYPE_DETACH: "DETACH",
		duck.STATEMENT_TYPE_PRAGMA: "PRAGMA", duck.STATEMENT_TYPE_SET: "SET", duck.STATEMENT_TYPE_VARIABLE_SET: "SET",
		duck.STATEMENT_TYPE_TRANSACTION: "a transaction statement", duck.STATEMENT_TYPE_LOAD: "LOAD",
		duck.STATEMENT_TYPE_EXPORT: "EXPORT", duck.STATEMENT_TYPE_CALL: "CALL", duck.STATEMENT_TYPE_VACUUM: "VACUUM",
		duck.STATEMENT_TYPE_CREATE_FUNC: "CREATE FUNCTION", duck.STATEMENT_TYPE_ANALYZE: "ANALYZE",
		duck.STATEMENT_TYPE_EXECUTE: "EXECUTE", duck.STATEMENT_TYPE_PREPARE: "PREPARE",
	}
	if n, ok := names[t]; ok {
		return n
	}
	return fmt.Sprintf("statement type %d", t)
}

// readRowsPath runs stmt and reads its driver rows (readRows): the path of
// builds without the duckdb_arrow tag, and of results the Arrow reader does
// not take.
func (e *Engine) readRowsPath(ctx context.Context, stmt *duck.Stmt, o frames.TableOptions) (*frames.Table, error) {
	rows, err := stmt.QueryContext(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return e.readRows(ctx, rows, o)
}

// readRows converts driver rows into a table with the caps of o.
func (e *Engine) readRows(ctx context.Context, rows driver.Rows, o frames.TableOptions) (*frames.Table, error) {
	names := rows.Columns()
	typed, ok := rows.(driver.RowsColumnTypeDatabaseTypeName)
	if !ok {
		return nil, fmt.Errorf("driver rows %T do not report column types", rows)
	}
	specs := make([]frames.ColumnSpec, len(names))
	for i, n := range names {
		specs[i] = columnSpec(e.typeMap, n, typed.ColumnTypeDatabaseTypeName(i))
	}
	t := frames.NewTable(specs, o)
	writers := make([]writer, len(specs))
	for i := range specs {
		w, err := newWriter(t.Column(i), o.NumericAsFloat)
		if err != nil {
			return nil, err
		}
		writers[i] = w
	}
	dst := make([]driver.Value, len(names)) // reused for every row
	pending := 0
	room := t.Room()
	for {
		if pending == commitEvery {
			if err := t.Commit(pending); err != nil {
				return nil, err
			}
			pending, room = 0, t.Room() // 0 once the byte cap cut the table
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		err := rows.Next(dst)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if room == 0 {
			t.MarkTruncated()
			break
		}
		for i, w := range writers {
			if err := w(dst[i]); err != nil {
				return nil, fmt.Errorf("row %d: %w", t.Total()+int64(pending)+1, err)
			}
		}
		pending++
		room--
	}
	if err := t.Commit(pending); err != nil {
		return nil, err
	}
	return t, nil
}

// queryError classifies timeouts and cancellations (engine.Classify) and
// keeps DuckDB's message otherwise.
func (e *Engine) queryError(parent, ctx context.Context, timeout time.Duration, err error) error {
	if errors.Is(err, ErrNotReadOnly) {
		return engine.Downstream(fmt.Errorf("duckdb: refusing to run the query: %w", err))
	}
	if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		strings.Contains(err.Error(), "INTERRUPT") || strings.Contains(err.Error(), "Interrupted") {
		if ctx.Err() == nil {
			return engine.Downstream(fmt.Errorf("duckdb: %w", err))
		}
		return fmt.Errorf("duckdb: interrupted: %w", engine.Classify(parent, ctx, timeout, err))
	}
	if queryFault(err) {
		return engine.QueryFault(engine.Downstream(fmt.Errorf("duckdb: %w", err)))
	}
	return engine.Downstream(fmt.Errorf("duckdb: %w", err))
}

// queryFault reports whether DuckDB blamed the query itself: parsing,
// binding, unknown names, types, conversions, values out of range.
func queryFault(err error) bool {
	var de *duck.Error
	if !errors.As(err, &de) {
		return false
	}
	switch de.Type {
	case duck.ErrorTypeParser, duck.ErrorTypeSyntax, duck.ErrorTypeBinder, duck.ErrorTypeCatalog,
		duck.ErrorTypeConversion, duck.ErrorTypeMismatchType, duck.ErrorTypeInvalidType, duck.ErrorTypeOutOfRange,
		duck.ErrorTypeDivideByZero, duck.ErrorTypeInvalidInput, duck.ErrorTypeNotImplemented,
		duck.ErrorTypeParameterNotResolved:
		return true
	}
	return false
}
