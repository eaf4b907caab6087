package plugin

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/frames"
	"github.com/bigtent/quarry/pkg/frames/arrowipc"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

var _ backend.QueryChunkedDataHandler = (*Datasource)(nil)

// QueryChunkedData answers Grafana's chunked queries (its streaming query
// path): the same queries as QueryData, through the same planner, access
// rules, budget, timeouts and alert handling, but each query's frames are
// written in chunks as they are ready instead of in one response. Table,
// logs and long time series stream while the engine reads (the plugin
// holds one chunk at a time); other formats are shaped once the last row
// is in, then written in chunks. An error ends the query's stream with
// WriteError for its refId; the chunks already written stay valid. Chunked
// answers are cached as their encoded chunks (runChunkCached).
func (d *Datasource) QueryChunkedData(ctx context.Context, req *backend.QueryChunkedDataRequest, w backend.ChunkedDataWriter) error {
	qd := &backend.QueryDataRequest{PluginContext: req.PluginContext, Headers: req.Headers, Queries: req.Queries}
	labels, alert, scope := requestFacts(qd, d.svc.cfg)
	var (
		mu   sync.Mutex
		lost error
	)
	d.eachQuery(ctx, req.Queries, func(dq backend.DataQuery) {
		if err := d.chunkedOne(ctx, dq, labels, alert, scope, w); err != nil {
			mu.Lock()
			if lost == nil {
				lost = err
			}
			mu.Unlock()
		}
	}, func(dq backend.DataQuery, err error) {
		_ = writeError(ctx, w, dq.RefID, err)
	})
	return lost
}

// chunkedOne runs one query and writes its chunks. It returns an error only
// when the writer failed (Grafana went away); query errors are written.
func (d *Datasource) chunkedOne(ctx context.Context, dq backend.DataQuery, labels map[string]string, alert bool, scope CacheScope, w backend.ChunkedDataWriter) (lost error) {
	defer func() {
		if r := recover(); r != nil {
			d.deps.Logger.Error("query panicked", "refId", dq.RefID, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			lost = writeError(ctx, w, dq.RefID, backend.PluginError(fmt.Errorf("internal error while running query %s: %v", dq.RefID, r)))
		}
	}()
	q, early := d.prepare(dq, alert, scope)
	if early != nil {
		if early.Error == nil {
			return nil // hidden
		}
		return writeError(ctx, w, dq.RefID, early.Error)
	}
	sink := ChunkSink{Frame: func(frameID string, c Chunk) error {
		f, err := c.Frame()
		if err != nil {
			return err
		}
		if err := w.WriteFrame(ctx, q.RefID, frameID, f); err != nil {
			return &writeFailed{err: err}
		}
		return nil
	}}
	if ew, ok := w.(EncodedChunkWriter); ok && ew.Arrow() {
		sink.Encoded = func(frameID string, b []byte) error {
			if err := ew.WriteEncoded(ctx, q.RefID, frameID, b); err != nil {
				return &writeFailed{err: err}
			}
			return nil
		}
		sink.Frame = func(frameID string, c Chunk) error {
			b, err := c.Arrow(q.RefID)
			if err != nil {
				return fmt.Errorf("encoding a chunk: %w", err)
			}
			return sink.Encoded(frameID, b)
		}
	}
	_, err := d.svc.RunChunked(ctx, q, labels, sink)
	if err == nil {
		return nil
	}
	var wf *writeFailed
	if errors.As(err, &wf) {
		return wf.err
	}
	return writeError(ctx, w, q.RefID, err)
}

// writeError writes a query's error as QueryData would answer it.
func writeError(ctx context.Context, w backend.ChunkedDataWriter, refID string, err error) error {
	r := errorResponse(err)
	return w.WriteError(ctx, refID, r.Status, fmt.Errorf("query %s: %w", refID, err))
}

// writeFailed is the chunked writer's own failure (the stream to Grafana
// broke): it ends the whole request rather than being written back.
type writeFailed struct{ err error }

func (e *writeFailed) Error() string { return "writing a chunk: " + e.err.Error() }
func (e *writeFailed) Unwrap() error { return e.err }

// Chunk is one chunk of a query's answer: a frame, or one chunk of a
// streamed table-format result, which is encoded straight from the table's
// builders (arrowipc.MarshalChunk) when the writer takes Arrow IPC and only
// then turned into a frame for a writer that needs one. A table chunk's
// builders are refilled after the write returns.
type Chunk struct {
	frame *data.Frame
	head  *data.Frame // a table chunk: name, refId and meta
	table *frames.Table
}

// FrameChunk is a chunk of frame f.
func FrameChunk(f *data.Frame) Chunk { return Chunk{frame: f} }

// Frame is the chunk as a frame (built from the table for a table chunk).
func (c Chunk) Frame() (*data.Frame, error) {
	if c.frame != nil {
		return c.frame, nil
	}
	f, err := frames.ChunkFrame(c.table, frames.ShapeOptions{Name: c.head.Name, Format: sqlplan.FormatTable}, c.table.Flushed())
	if err != nil {
		return nil, err
	}
	f.RefID, f.Meta = c.head.RefID, c.head.Meta
	return f, nil
}

// Arrow is the chunk encoded as Arrow IPC with refID.
func (c Chunk) Arrow(refID string) ([]byte, error) {
	if c.frame != nil {
		c.frame.RefID = refID
		return arrowipc.Marshal(c.frame)
	}
	c.head.RefID = refID
	return arrowipc.MarshalChunk(c.head, c.table)
}

// ChunkWriter writes one frame chunk of a query: the first chunk of a
// frameID carries its schema and meta, later ones append rows.
type ChunkWriter func(frameID string, c Chunk) error

// RunChunked runs one query as Run does (plan, estimate, budget, timeouts)
// but writes its frames in chunks to sink instead of returning them. For a
// streamed format (frames.Streams) the engine hands its rows over chunk by
// chunk (engine.QueryOptions.Chunk) and each chunk is written at once;
// other formats are shaped after the last row and written in chunks of the
// same size. A frame's first chunk carries its type and executed SQL; its
// last chunk carries the full meta (notices, statistics, truncation). When
// the sink takes encoded chunks and the cache is on, the answer goes
// through the chunk cache (runChunkCached). An error from the sink is
// returned as is.
func (s *Service) RunChunked(ctx context.Context, q Query, labels map[string]string, sink ChunkSink) (*Result, error) {
	return s.run(ctx, q, labels, func(ctx context.Context, plan *sqlplan.Plan, opts engine.QueryOptions, res *Result) error {
		if plan.Incremental != nil && plan.Incremental.Safe {
			// Chunked answers are cached whole: incremental refresh's
			// last answers are QueryData's.
			s.incrementalStep(plan, &result{incr: "full query: chunked responses always run in full"}, false)
		}
		produce := func(ctx context.Context, res *Result, write ChunkWriter) error {
			if q.Variable || !frames.Streams(q.Model.Format) {
				return s.writeShaped(ctx, q, plan, opts, res, write)
			}
			return s.stream(ctx, q, plan, opts, res, write)
		}
		if sink.Encoded == nil || *s.cfg.CacheTTL <= 0 {
			return produce(ctx, res, sink.Frame)
		}
		return s.runChunkCached(ctx, q, plan, opts, res, sink, produce)
	})
}

// chunking is the data source's chunk size.
func (s *Service) chunking() frames.Chunking {
	return frames.Chunking{Rows: s.cfg.ChunkRows, Bytes: s.cfg.ChunkBytes}
}

// stream runs a query of a streamed format, writing each chunk as the
// engine flushes it and the last one, with the result's meta, at the end.
func (s *Service) stream(ctx context.Context, q Query, plan *sqlplan.Plan, opts engine.QueryOptions, res *Result, write ChunkWriter) error {
	sopts := shapeOptions(q, plan, q.Model.Format)
	var (
		failed    error // the callback's own error, not the engine's
		lastTime  int64
		unordered bool
		sent      bool
	)
	emit := func(t *frames.Table, last bool) error {
		var (
			c   Chunk
			err error
		)
		if sopts.Format == sqlplan.FormatTable || sopts.Format == "" {
			// Encoded from the builders when the writer takes Arrow.
			c = Chunk{head: frames.TableFrameHead(t, sopts.Name), table: t}
		} else if c.frame, err = frames.ChunkFrame(t, sopts, t.Flushed()); err != nil {
			return err
		}
		f := c.head
		if f == nil {
			f = c.frame
		}
		f.RefID = q.RefID
		if q.Model.Format == sqlplan.FormatTimeSeriesLong {
			// Each chunk is sorted by time; chunks are in time order only
			// when the rows arrive so (ORDER BY time).
			if first, end, ok := frames.TimeBounds(f); ok {
				if sent && first.UnixNano() < lastTime {
					unordered = true
				}
				lastTime = end.UnixNano()
			}
		}
		if last {
			frames.SetMeta([]*data.Frame{f}, resultMeta(plan, res.Stats, t, false))
			if unordered {
				f.Meta.Notices = append(f.Meta.Notices, data.Notice{Severity: data.NoticeSeverityWarning,
					Text: "the rows did not arrive in time order, so the long series was streamed in chunks each sorted by time; add ORDER BY on the time column"})
			}
		} else {
			f.Meta.ExecutedQueryString = plan.SQL
		}
		sent = true
		return write("0", c)
	}
	opts.Chunk = s.chunking()
	opts.Chunk.Flush = func(t *frames.Table) error {
		if err := emit(t, false); err != nil {
			failed = err
			return err
		}
		return nil
	}
	r, _, err := s.execute(ctx, plan, opts)
	if failed != nil {
		return failed
	}
	if err != nil {
		return err
	}
	res.Stats = r.stats
	return emit(r.table, true)
}

// writeShaped runs a query whose frames need the whole result (wide and
// multi time series, fill, annotations, auto, variables), shapes it as
// QueryData does and writes each frame in chunks.
func (s *Service) writeShaped(ctx context.Context, q Query, plan *sqlplan.Plan, opts engine.QueryOptions, res *Result, write ChunkWriter) error {
	r, _, err := s.execute(ctx, plan, opts)
	if err != nil {
		return err
	}
	res.Stats = r.stats
	fr, err := s.shape(r, plan, q, false)
	if err != nil {
		return err
	}
	rows := s.chunking().Rows
	if rows <= 0 {
		rows = frames.DefaultChunkRows
	}
	for i, f := range fr {
		id := fmt.Sprint(i)
		n := f.Rows()
		if n <= rows {
			if err := write(id, FrameChunk(f)); err != nil {
				return err
			}
			continue
		}
		for from := 0; from < n; from += rows {
			part := frames.SliceFrame(f, from, min(from+rows, n))
			if from+rows < n && f.Meta != nil {
				part.Meta = &data.FrameMeta{Type: f.Meta.Type, TypeVersion: f.Meta.TypeVersion,
					PreferredVisualization: f.Meta.PreferredVisualization, ExecutedQueryString: f.Meta.ExecutedQueryString}
			}
			if err := write(id, FrameChunk(part)); err != nil {
				return err
			}
		}
		fr[i] = nil // written: let it go
	}
	return nil
}
