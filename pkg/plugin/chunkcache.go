package plugin

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/bigtent/quarry/pkg/cache"
	"github.com/bigtent/quarry/pkg/cache/shared"
	"github.com/bigtent/quarry/pkg/engine"
	"github.com/bigtent/quarry/pkg/sqlplan"
)

// Chunked answers are cached as the chunks themselves: each chunk's Arrow
// IPC bytes, as they went to Grafana, in order with their frame ids, and
// the execution's statistics. A hit sends the same bytes again without
// decoding them. QueryData and QueryChunkedData keep separate entries
// (README, "Chunked responses"): a chunked answer's frames differ from
// QueryData's (streamed fields are nullable throughout, the meta is split
// between a frame's first and last chunk, the cut depends on chunkRows and
// chunkBytes), so serving one from the other would change the answer or
// need a decode and re-encode, and a QueryData entry replayed as one chunk
// would lose the memory bound chunking gives.

// ChunkSink receives one query's chunks.
type ChunkSink struct {
	// Frame writes a chunk as a frame (the writer encodes it).
	Frame ChunkWriter
	// Encoded, when set, writes a chunk already encoded as Arrow IPC (its
	// refId set). Only then is the answer cached: the cache keeps the
	// bytes that were sent.
	Encoded func(frameID string, b []byte) error
}

// chunkEntryMagic starts a cached chunked answer (never the shared store's
// oversize marker, which starts with a NUL byte).
const chunkEntryMagic = "QRC1"

// errChunksTooLarge: the answer passed the chunk cache's entry cap while it
// streamed and was not kept.
var errChunksTooLarge = fmt.Errorf("chunked answer over the cache's entry cap: %w", shared.ErrTooLarge)

// chunkRecorder builds a cache entry while the chunks stream: magic, then
// per chunk a uvarint-prefixed frame id and chunk bytes, then an empty
// frame id and the JSON header (statistics). It holds at most max bytes:
// past that it drops what it has and records nothing more.
type chunkRecorder struct {
	buf  []byte
	max  int64
	over bool
}

func newChunkRecorder(max int64) *chunkRecorder {
	return &chunkRecorder{buf: append(make([]byte, 0, min(max, 64<<10)), chunkEntryMagic...), max: max}
}

func (r *chunkRecorder) room(n int) bool {
	if r.over {
		return false
	}
	if int64(len(r.buf)+n) > r.max {
		r.over, r.buf = true, nil
		return false
	}
	return true
}

func (r *chunkRecorder) add(frameID string, b []byte) {
	if !r.room(2*binary.MaxVarintLen64 + len(frameID) + len(b)) {
		return
	}
	r.buf = binary.AppendUvarint(r.buf, uint64(len(frameID)))
	r.buf = append(r.buf, frameID...)
	r.buf = binary.AppendUvarint(r.buf, uint64(len(b)))
	r.buf = append(r.buf, b...)
}

// finish appends the header and returns the entry, or errChunksTooLarge.
func (r *chunkRecorder) finish(hdr entryHeader) ([]byte, error) {
	h, err := json.Marshal(hdr)
	if err != nil {
		return nil, err
	}
	if !r.room(2*binary.MaxVarintLen64 + len(h)) {
		return nil, errChunksTooLarge
	}
	r.buf = binary.AppendUvarint(r.buf, 0)
	r.buf = binary.AppendUvarint(r.buf, uint64(len(h)))
	r.buf = append(r.buf, h...)
	return r.buf, nil
}

// eachChunk walks an entry: fn gets every chunk (a view into b, not a
// copy) in order; the header is returned at the end. A damaged entry is an
// error before fn is called at all.
func eachChunk(b []byte, fn func(frameID string, chunk []byte) error) (entryHeader, error) {
	var hdr entryHeader
	if err := walkChunks(b, nil, &hdr); err != nil {
		return hdr, err
	}
	if fn == nil {
		return hdr, nil
	}
	return hdr, walkChunks(b, fn, nil)
}

func walkChunks(b []byte, fn func(string, []byte) error, hdr *entryHeader) error {
	if !bytes.HasPrefix(b, []byte(chunkEntryMagic)) {
		return errBadEntry
	}
	b = b[len(chunkEntryMagic):]
	next := func() ([]byte, error) {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return nil, errBadEntry
		}
		p := b[k : k+int(n)]
		b = b[k+int(n):]
		return p, nil
	}
	for {
		id, err := next()
		if err != nil {
			return err
		}
		if len(id) == 0 {
			break
		}
		chunk, err := next()
		if err != nil {
			return err
		}
		if fn != nil {
			if err := fn(string(id), chunk); err != nil {
				return err
			}
		}
	}
	h, err := next()
	if err != nil || len(b) != 0 {
		return errBadEntry
	}
	if hdr != nil {
		if err := json.Unmarshal(h, hdr); err != nil {
			return fmt.Errorf("entry header: %w", err)
		}
	}
	return nil
}

// chunkEntryCap is the largest chunked answer the cache keeps: the shared
// cache's entry cap (cacheRedisMaxEntryBytes, 8 MiB by default) in both
// levels, and no more than the local cache's bound. A chunked answer is
// held in memory while it streams until it is stored, so this is also
// what caching adds to a chunked query's memory.
func (s *Service) chunkEntryCap() int64 {
	c := s.cfg.CacheRedisMaxEntryBytes
	if c <= 0 {
		c = shared.DefaultMaxEntryBytes
	}
	return min(c, s.cfg.CacheMaxBytes)
}

// chunkKey is the cache key of a chunked answer: the shared cache's key
// (every input of the result) marked chunked, with the chunk size.
func (s *Service) chunkKey(plan *sqlplan.Plan, opts engine.QueryOptions, q Query) string {
	c := s.chunking()
	return s.resultKey("quarry-chunks-v1", plan, opts, q, fmt.Sprint(c.Rows), fmt.Sprint(c.Bytes))
}

// ownerSink is the stream of the caller whose load runs: the load writes
// each chunk to it while it records them, from the cache's loader
// goroutine. When the stream fails, the load goes on for the callers
// waiting for it (the owner's call returns); once the owner has returned,
// nothing more is written to its stream.
type ownerSink struct {
	mu     sync.Mutex
	sink   ChunkSink
	leave  context.CancelFunc
	gone   bool
	failed error
	ran    bool // the load ran for this caller (it streamed the chunks)
	stats  entryHeader
}

func (o *ownerSink) start() {
	o.mu.Lock()
	o.ran = true
	o.mu.Unlock()
}

func (o *ownerSink) write(frameID string, b []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.gone || o.failed != nil {
		return
	}
	if err := o.sink.Encoded(frameID, b); err != nil {
		o.failed = err
		o.leave()
	}
}

func (o *ownerSink) done(hdr entryHeader) {
	o.mu.Lock()
	o.stats = hdr
	o.mu.Unlock()
}

// close ends writing to the owner's stream; it reports whether the load
// ran for this caller, its statistics, and the stream's failure.
func (o *ownerSink) close() (ran bool, stats entryHeader, failed error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.gone = true
	return o.ran, o.stats, o.failed
}

// runChunkCached serves a chunked query through the cache: a hit (local,
// or Redis when the shared cache is on) sends the stored chunks; a miss
// runs produce, sending each chunk as it is encoded and recording it up to
// chunkEntryCap. Identical queries in flight wait for one load (across
// replicas through the Redis lease) and then send its chunks. An error is
// never stored; an answer over the cap streams and is not stored, and the
// callers that waited for it run it themselves.
func (s *Service) runChunkCached(ctx context.Context, q Query, plan *sqlplan.Plan, opts engine.QueryOptions, res *Result,
	sink ChunkSink, produce func(context.Context, *Result, ChunkWriter) error) error {
	key := s.chunkKey(plan, opts, q)
	octx, leave := context.WithCancel(ctx)
	defer leave()
	owner := &ownerSink{sink: sink, leave: leave}
	load := func(ctx context.Context) ([]byte, error) {
		owner.start()
		rec := newChunkRecorder(s.chunkEntryCap())
		lres := &Result{}
		err := produce(ctx, lres, func(frameID string, c Chunk) error {
			b, err := c.Arrow(q.RefID)
			if err != nil {
				return fmt.Errorf("encoding a chunk: %w", err)
			}
			rec.add(frameID, b)
			owner.write(frameID, b)
			return nil
		})
		if err != nil {
			return nil, err
		}
		hdr := headerOf(lres.Stats)
		owner.done(hdr)
		return rec.finish(hdr)
	}
	var (
		v       []byte
		outcome cache.Outcome
		remote  shared.Outcome
		err     error
	)
	switch {
	case q.Fresh:
		// Alert rules and fresh requests: run now, keep it for the others.
		if v, err = load(octx); err == nil {
			s.chunks.Set(key, v, int64(len(v)))
			if s.shared != nil {
				s.shared.store.Put(ctx, key, v)
			}
		}
	case s.shared != nil:
		v, outcome, err = s.chunks.Do(octx, key, func(ctx context.Context) ([]byte, int64, error) {
			v, o, err := s.shared.store.Do(ctx, key, load)
			remote = o
			return v, int64(len(v)), err
		})
	default:
		v, outcome, err = s.chunks.Do(octx, key, func(ctx context.Context) ([]byte, int64, error) {
			v, err := load(ctx)
			return v, int64(len(v)), err
		})
	}
	ran, stats, failed := owner.close()
	if failed != nil {
		return failed // the sink's own error: Grafana's stream broke
	}
	if err == nil && outcome == cache.Miss && (remote == shared.Hit || remote == shared.Coalesced) {
		outcome = cache.Hit // another replica ran it
	}
	res.Cache = outcome
	switch {
	case ran && (err == nil || errors.Is(err, shared.ErrTooLarge)):
		// This caller's load streamed the answer.
		res.Stats = stats.stats()
		return nil
	case errors.Is(err, shared.ErrTooLarge):
		// We waited for a load whose answer was too large to keep.
		res.Cache = cache.Miss
		return produce(ctx, res, sink.Frame)
	case err != nil:
		return err
	}
	// A stored answer: send its chunks as they are.
	hdr, err := eachChunk(v, nil)
	if err != nil {
		s.deps.Logger.FromContext(ctx).Warn("chunk cache: unreadable entry; running the query", "error", err.Error())
		res.Cache = cache.Miss
		return produce(ctx, res, sink.Frame)
	}
	res.Stats = hdr.stats()
	_, err = eachChunk(v, func(frameID string, chunk []byte) error { return sink.Encoded(frameID, chunk) })
	return err
}

// headerOf is a chunked entry's header: the execution's statistics (the
// truncation notice and the rest of the meta are in the last chunk).
func headerOf(st engine.QueryStats) entryHeader {
	return entryHeader{Rows: st.Rows, BytesProcessed: st.BytesProcessed, BytesBilled: st.BytesBilled, USD: st.USD,
		DurationNs: int64(st.Duration), JobID: st.JobID}
}
