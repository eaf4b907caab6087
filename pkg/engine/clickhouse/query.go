package clickhouse

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/frames"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

// Query runs the plan with a query id and the backstop's settings
// (backstop.go: readonly=1 and max_execution_time where the user may set
// them). The block reader (readblocks.go) appends each result block to the
// table's builders column by column; a result with a type it does not
// decode runs again through clickhouse-go, whose row scan fills typed
// targets (no []any per row). At plan.RowCap rows it marks the table
// truncated and stops the server. When the context ends first, the
// protocol's cancel is sent and Quarry follows with KILL QUERY for the
// query id.
func (e *Engine) Query(ctx context.Context, plan *sqlplan.Plan, opts engine.QueryOptions) (*frames.Table, engine.QueryStats, error) {
	start := time.Now()
	var stats engine.QueryStats
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = time.Duration(e.settings.QueryTimeout)
	}
	qctx, cancel := engine.WithTimeout(ctx, timeout)
	defer cancel()
	queryID := newQueryID()
	stats.JobID = queryID
	fail := func(err error) (*frames.Table, engine.QueryStats, error) {
		stats.Duration = time.Since(start)
		if qctx.Err() != nil {
			e.kill(ctx, queryID)
		}
		err = wrapError(err, plan.SQL) // lifting SETTINGS keeps every offset
		var se *engine.ServerError
		if errors.As(err, &se) && se.Code == "159" { // TIMEOUT_EXCEEDED: max_execution_time fired first
			err = &engine.TimeoutError{Timeout: timeout, Err: err}
		}
		return nil, stats, engine.Classify(ctx, qctx, timeout, err)
	}
	settings, sql, err := e.settingsFor(qctx, plan.SQL, timeout)
	if err != nil {
		return fail(err)
	}
	tableOpts := frames.TableOptions{MaxRows: plan.RowCap, NumericAsFloat: opts.NumericAsFloat, MaxBytes: opts.MaxBytes, Chunk: opts.Chunk}
	if e.blocks != nil {
		table, read, err := e.readBlocks(qctx, sql, settings, queryID, tableOpts)
		switch {
		case errors.Is(err, errNoColumnar):
			// A column type the block reader leaves to the row scan: the
			// server was told to cancel when the header arrived; the
			// query runs again below under a new id.
			if !read.Drained {
				go e.kill(ctx, queryID)
			}
			queryID = newQueryID()
			stats.JobID = queryID
		case err != nil:
			return fail(err)
		default:
			if read.Stopped && !read.Drained {
				e.kill(ctx, queryID) // the cap stopped it and the server did not confirm the cancel
			}
			e.reads.blocks.Add(1)
			stats.Rows = table.Total()
			stats.BytesProcessed = int64(read.ReadBytes)
			stats.Duration = time.Since(start)
			return table, stats, nil
		}
	}
	e.reads.rowScan.Add(1)
	chctx := ch.Context(qctx, ch.WithSettings(settings), ch.WithQueryID(queryID))
	var progress struct{ rows, bytes uint64 }
	chctx = ch.Context(chctx, ch.WithProgress(func(p *ch.Progress) { progress.rows += p.Rows; progress.bytes += p.Bytes }))
	rows, err := e.conn.Query(chctx, sql)
	if err != nil {
		return fail(err)
	}
	defer rows.Close()
	cts := rows.ColumnTypes()
	specs := make([]frames.ColumnSpec, len(cts))
	for i, ct := range cts {
		base, _ := baseType(ct.DatabaseTypeName())
		specs[i], _ = TypeMap.Spec(ct.Name(), base)
		specs[i].DBType = ct.DatabaseTypeName()
	}
	table := frames.NewTable(specs, tableOpts)
	targets := make([]target, len(cts))
	dests := make([]any, len(cts))
	for i, ct := range cts {
		if targets[i], err = newTarget(ct, table.Column(i)); err != nil {
			return fail(engine.Plugin(err))
		}
		dests[i] = targets[i].dest
	}
	// Rows are committed to the table in batches (Commit checks every
	// column's length); room counts down to the row cap.
	room, batch := table.Room(), 0
	for rows.Next() {
		if room == 0 {
			table.MarkTruncated()
			cancel() // the driver sends Cancel and drops the connection
			e.kill(ctx, queryID)
			break
		}
		if err := rows.Scan(dests...); err != nil {
			return fail(fmt.Errorf("clickhouse: reading row %d: %w", table.Total()+int64(batch)+1, err))
		}
		for _, t := range targets {
			if err := t.emit(); err != nil {
				return fail(err)
			}
		}
		room--
		if batch++; batch == commitBatch {
			if err := table.Commit(batch); err != nil {
				return fail(engine.Plugin(err))
			}
			batch, room = 0, table.Room() // 0 once the byte cap cut the table
		}
	}
	if err := table.Commit(batch); err != nil {
		return fail(engine.Plugin(err))
	}
	rows.Close()
	if err := rows.Err(); err != nil && !(table.Truncated() && qctx.Err() != nil) {
		return fail(err)
	}
	stats.Rows = table.Total()
	stats.BytesProcessed = int64(progress.bytes)
	stats.Duration = time.Since(start)
	return table, stats, nil
}

// commitBatch is how many rows are appended between table commits.
const commitBatch = 1024

// prepare is what Query and Estimate share: the user's readonly level, the
// query's allowed SETTINGS lifted out of sql (level 0), and a context that
// carries the query id (when not empty) and the backstop's settings
// (querySettings) for the timeout.
func (e *Engine) prepare(ctx context.Context, sql string, timeout time.Duration, queryID string) (context.Context, string, error) {
	settings, sql, err := e.settingsFor(ctx, sql, timeout)
	if err != nil {
		return nil, sql, err
	}
	opts := []ch.QueryOption{ch.WithSettings(settings)}
	if queryID != "" {
		opts = append(opts, ch.WithQueryID(queryID))
	}
	return ch.Context(ctx, opts...), sql, nil
}

// settingsFor is the backstop's settings for sql (querySettings) and sql
// with its allowed SETTINGS clause lifted into them (level 0).
func (e *Engine) settingsFor(ctx context.Context, sql string, timeout time.Duration) (ch.Settings, string, error) {
	level, err := e.readonlyLevel(ctx)
	if err != nil {
		return nil, sql, err
	}
	var lifted ch.Settings
	if level == 0 {
		v, err := e.serverVersion(ctx)
		if err != nil {
			return nil, sql, err
		}
		sql, lifted = liftSettings(sql, stringSettings(v))
	}
	return querySettings(level, timeout, lifted), sql, nil
}

// internalContext carries the settings for Quarry's own statements (never
// the user's SQL): the time limit only, where the user may set it.
func (e *Engine) internalContext(ctx context.Context, timeout time.Duration) (context.Context, error) {
	level, err := e.readonlyLevel(ctx)
	if err != nil {
		return nil, err
	}
	s := ch.Settings{}
	if level != 1 && timeout > 0 {
		s["max_execution_time"] = querySettings(2, timeout, nil)["max_execution_time"]
	}
	return ch.Context(ctx, ch.WithSettings(s)), nil
}

func (e *Engine) readonlyLevel(ctx context.Context) (int, error) {
	e.mu.Lock()
	level := e.readonly
	e.mu.Unlock()
	if level >= 0 {
		return level, nil
	}
	var v string
	if err := e.conn.QueryRow(ctx, "SELECT value FROM system.settings WHERE name = 'readonly'").Scan(&v); err != nil {
		return 0, err
	}
	level, _ = strconv.Atoi(v)
	e.mu.Lock()
	e.readonly = level
	e.mu.Unlock()
	return level, nil
}

// kill asks the server to stop a query by id (on a pooled connection),
// in case the protocol's cancel packet was lost with the connection.
func (e *Engine) kill(ctx context.Context, queryID string) {
	kctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
	defer cancel()
	_ = e.conn.Exec(kctx, "KILL QUERY WHERE query_id = '"+queryID+"' ASYNC")
}

func newQueryID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "quarry-" + hex.EncodeToString(b[:])
}

// wrapError keeps the server's exception code and message.
func wrapError(err error, sql string) error {
	var ex *ch.Exception
	if !asException(err, &ex) {
		return err
	}
	se := &engine.ServerError{Engine: "clickhouse", Code: strconv.Itoa(int(ex.Code)), Message: strings.TrimPrefix(ex.Message, "DB::Exception: "), Err: err}
	if ex.Code == 164 { // READONLY: the backstop refused it
		se.Hint = readonlyHint(ex.Message)
	}
	// ClickHouse reports syntax errors as "failed at position N".
	if i := strings.Index(ex.Message, "failed at position "); i >= 0 {
		rest := ex.Message[i+len("failed at position "):]
		n := 0
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		if pos, err := strconv.Atoi(rest[:n]); err == nil {
			se.Position = pos
			se.Line, se.Column = engine.LineColumn(sql, pos)
		}
	}
	if engine.ClickHouseQueryFault(ex.Code) {
		return engine.QueryFault(se)
	}
	return se
}
