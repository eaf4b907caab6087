package plugin

import (
	"bytes"
	"context"
	"io"
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
	hclog "github.com/hashicorp/go-hclog"
)

// lineWriter collects the logger's lines and writes them to out in
// batches, at most flushDelay after the first line of a batch, off the
// request's path.
//
// A line written straight to stderr is a write to the pipe Grafana reads,
// which wakes Grafana's reader: measured over gRPC, the SDK's one info line
// per request ("Plugin Request Completed") was 60-75 µs of a SELECT 1's
// latency on this 2-core machine, about a tenth of it. Batched, a request
// pays for formatting its line; the write and the wake-up happen once per
// batch, on a timer's goroutine. Lines keep their order and their own
// timestamps. An error line is written at once, with what is batched before
// it, so that the lines before a crash are out; at most flushDelay of
// lower-level lines can be lost if the process is killed.
//
// A plain line (see jsonLine) is not even rendered on the request's path:
// the logger hands the writer a record (addRecord), which is rendered with
// the batch, in order with the lines written as bytes.
type lineWriter struct {
	mu      sync.Mutex
	out     io.Writer
	buf     []byte
	recs    []record // after the lines in buf
	recSize int      // about the bytes recs render to
	pending bool     // a flush is scheduled
	delay   time.Duration
}

// record is a plain log line not rendered yet: attrs are plainAttrs'.
type record struct {
	t          time.Time
	level, msg string
	attrs      []any
}

// maxRecords is the number of records that are rendered and written at
// once, whatever their age.
const maxRecords = 512

// flushDelay bounds how long a line waits in the batch.
const flushDelay = 20 * time.Millisecond

// maxBatch is the batch size that is written at once, whatever its age.
const maxBatch = 64 << 10

func newLineWriter(out io.Writer, delay time.Duration) *lineWriter {
	return &lineWriter{out: out, delay: delay}
}

var errorLevel = []byte(`"@level":"error"`)

// Write adds hclog's line p (one Write per line) to the batch.
func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.renderLocked()
	w.buf = append(w.buf, p...)
	if len(w.buf) >= maxBatch || bytes.Contains(p, errorLevel) {
		return len(p), w.flushLocked()
	}
	w.scheduleLocked()
	return len(p), nil
}

// addRecord adds a plain line (below the error level) to the batch, to be
// rendered when the batch is written.
func (w *lineWriter) addRecord(r record) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.recs = append(w.recs, r)
	w.recSize += r.size()
	if len(w.recs) >= maxRecords || len(w.buf)+w.recSize >= maxBatch {
		_ = w.flushLocked()
		return
	}
	w.scheduleLocked()
}

func (w *lineWriter) scheduleLocked() {
	if !w.pending {
		w.pending = true
		time.AfterFunc(w.delay, func() { _ = w.Flush() })
	}
}

// renderLocked renders the records into buf, in order.
func (w *lineWriter) renderLocked() {
	for i, r := range w.recs {
		w.buf = appendJSONLine(w.buf, r.t, r.level, r.msg, r.attrs)
		w.recs[i] = record{}
	}
	w.recs, w.recSize = w.recs[:0], 0
}

// size is about the bytes r renders to: its texts and some for each
// attribute's punctuation and the timestamp.
func (r record) size() int {
	n := 64 + len(r.msg)
	for _, a := range r.attrs {
		n += 8
		if s, ok := a.(string); ok {
			n += len(s)
		}
	}
	return n
}

// Flush writes the batch now.
func (w *lineWriter) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.flushLocked()
}

func (w *lineWriter) flushLocked() error {
	w.pending = false
	w.renderLocked()
	if len(w.buf) == 0 {
		return nil
	}
	_, err := w.out.Write(w.buf)
	if cap(w.buf) > maxBatch {
		w.buf = nil // a burst's buffer is not kept
	} else {
		w.buf = w.buf[:0]
	}
	return err
}

// newLogger is the SDK's logger (log.NewWithLevel: hclog, JSON, the same
// level semantics) writing to out.
func newLogger(level log.Level, out io.Writer) log.Logger {
	return &hcLogger{l: hclog.New(&hclog.LoggerOptions{Level: hclog.Level(level), JSONFormat: true, Output: out}), out: out}
}

// hcLogger is log.Logger over hclog, as the SDK's own wrapper is. A line
// whose attributes are all plain (string keys; string, bool, integer or
// error values) is written by jsonLine, byte for byte as hclog writes it;
// any other line is hclog's own.
type hcLogger struct {
	l   hclog.Logger
	out io.Writer
	// implied are the attributes With added, as hclog.Logger.With got them.
	implied []any
}

func (h *hcLogger) Debug(msg string, args ...any) {
	if h.l.IsDebug() && !h.write("debug", msg, args) {
		h.l.Debug(msg, args...)
	}
}

func (h *hcLogger) Info(msg string, args ...any) {
	if h.l.IsInfo() && !h.write("info", msg, args) {
		h.l.Info(msg, args...)
	}
}

func (h *hcLogger) Warn(msg string, args ...any) {
	if h.l.IsWarn() && !h.write("warn", msg, args) {
		h.l.Warn(msg, args...)
	}
}

func (h *hcLogger) Error(msg string, args ...any) {
	if h.l.IsError() && !h.write("error", msg, args) {
		h.l.Error(msg, args...)
	}
}

// write writes the line as jsonLine does and reports whether it could.
// Below the error level, on a lineWriter, the line is handed over as a
// record and rendered with its batch.
func (h *hcLogger) write(level, msg string, args []any) bool {
	attrs, ok := plainAttrs(h.implied, args)
	if !ok {
		return false
	}
	now := time.Now()
	if lw, batched := h.out.(*lineWriter); batched && level != "error" {
		lw.addRecord(record{t: now, level: level, msg: msg, attrs: attrs})
		return true
	}
	_, _ = h.out.Write(appendJSONLine(make([]byte, 0, 256), now, level, msg, attrs))
	return true
}

// With returns a logger that adds args to every line.
func (h *hcLogger) With(args ...any) log.Logger {
	implied := make([]any, 0, len(h.implied)+len(args))
	implied = append(append(implied, h.implied...), args...)
	return &hcLogger{l: h.l.With(args...), out: h.out, implied: implied}
}

// FromContext adds the request's contextual attributes
// (log.WithContextualAttributes) to the lines the logger writes.
func (h *hcLogger) FromContext(ctx context.Context) log.Logger {
	attrs := log.ContextualAttributesFromContext(ctx)
	if len(attrs) == 0 {
		return h
	}
	return &ctxLogger{h: h, attrs: attrs}
}

// ctxLogger is h with a request's contextual attributes, added to a line
// only when the line is written (h.With then, as FromContext did at once
// before). The SDK asks for one on every request, for a debug line of its
// instance lookup that is not written at the info level: building it each
// time was an hclog With, its copy and sort, for nothing.
type ctxLogger struct {
	h     *hcLogger
	attrs []any
}

func (c *ctxLogger) Debug(msg string, args ...any) {
	if c.h.l.IsDebug() {
		c.h.With(c.attrs...).Debug(msg, args...)
	}
}

func (c *ctxLogger) Info(msg string, args ...any) {
	if c.h.l.IsInfo() {
		c.h.With(c.attrs...).Info(msg, args...)
	}
}

func (c *ctxLogger) Warn(msg string, args ...any) {
	if c.h.l.IsWarn() {
		c.h.With(c.attrs...).Warn(msg, args...)
	}
}

func (c *ctxLogger) Error(msg string, args ...any) {
	if c.h.l.IsError() {
		c.h.With(c.attrs...).Error(msg, args...)
	}
}

func (c *ctxLogger) With(args ...any) log.Logger {
	return c.h.With(append(c.attrs[:len(c.attrs):len(c.attrs)], args...)...)
}

func (c *ctxLogger) FromContext(ctx context.Context) log.Logger {
	more := log.ContextualAttributesFromContext(ctx)
	if len(more) == 0 {
		return c
	}
	return &ctxLogger{h: c.h, attrs: append(c.attrs[:len(c.attrs):len(c.attrs)], more...)}
}

func (c *ctxLogger) Level() log.Level { return c.h.Level() }

// Level reports the level as the SDK's wrapper does (trace reads as debug).
func (h *hcLogger) Level() log.Level {
	switch {
	case h.l.IsDebug():
		return log.Debug
	case h.l.IsTrace():
		return log.Trace
	case h.l.IsInfo():
		return log.Info
	case h.l.IsWarn():
		return log.Warn
	case h.l.IsError():
		return log.Error
	}
	return log.NoLevel
}
