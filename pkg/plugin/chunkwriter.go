package plugin

import (
	"context"
	"errors"
	"net/http"
	"sync"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"

	"github.com/bigtent/quarry/pkg/frames/arrowipc"
)

// EncodedChunkWriter is a backend.ChunkedDataWriter that also sends chunks
// already encoded as Arrow IPC: the chunk cache stores those bytes and a
// hit sends them again without decoding them. The DataServer's writer is
// one; a writer that is not (the SDK's, in process) gets frames.
type EncodedChunkWriter interface {
	backend.ChunkedDataWriter
	// Arrow reports whether the stream's frames are Arrow IPC (the
	// request's format); only then may WriteEncoded be used.
	Arrow() bool
	// WriteEncoded sends one chunk's Arrow IPC bytes for refID and frameID
	// as they are (the frame's refId must already be refID).
	WriteEncoded(ctx context.Context, refID, frameID string, frame []byte) error
}

// chunkWriter writes QueryChunkedData replies to the gRPC stream: Arrow
// chunks encoded by arrowipc.Marshal (as QueryData's frames are), JSON
// chunks and errors through the SDK's own writer, every reply through one
// lock (a gRPC stream takes one Send at a time).
type chunkWriter struct {
	format backend.DataFrameFormat
	mu     sync.Mutex
	send   func(*pluginv2.QueryChunkedDataResponse) error
	sdk    backend.ChunkedDataWriter
}

var _ EncodedChunkWriter = (*chunkWriter)(nil)

// newChunkWriter writes the replies of a request in format with send.
func newChunkWriter(format backend.DataFrameFormat, send func(*pluginv2.QueryChunkedDataResponse) error) *chunkWriter {
	w := &chunkWriter{format: format}
	w.send = func(c *pluginv2.QueryChunkedDataResponse) error {
		w.mu.Lock()
		defer w.mu.Unlock()
		return send(c)
	}
	w.sdk = backend.NewChunkedDataWriter(format, w.send)
	return w
}

func (w *chunkWriter) Arrow() bool { return w.format == backend.DataFrameFormat_ARROW }

// WriteFrame encodes f with arrowipc (Arrow format) or the SDK (JSON).
func (w *chunkWriter) WriteFrame(ctx context.Context, refID, frameID string, f *data.Frame) error {
	if !w.Arrow() {
		return w.sdk.WriteFrame(ctx, refID, frameID, f)
	}
	if err := checkChunkIDs(refID, frameID); err != nil {
		return err
	}
	f.SetRefID(refID)
	b, err := arrowipc.Marshal(f)
	if err != nil {
		return err
	}
	return w.WriteEncoded(ctx, refID, frameID, b)
}

// WriteEncoded sends b as one Arrow chunk, as the SDK's writer sends the
// bytes of MarshalArrow.
func (w *chunkWriter) WriteEncoded(_ context.Context, refID, frameID string, b []byte) error {
	if !w.Arrow() {
		return errors.New("an Arrow chunk on a stream whose format is not Arrow")
	}
	if err := checkChunkIDs(refID, frameID); err != nil {
		return err
	}
	return w.send(&pluginv2.QueryChunkedDataResponse{
		RefId: refID, FrameId: frameID, Status: http.StatusOK,
		Format: pluginv2.DataFrameFormat(w.format), Frame: b,
	})
}

// WriteError is the SDK's.
func (w *chunkWriter) WriteError(ctx context.Context, refID string, status backend.Status, err error) error {
	return w.sdk.WriteError(ctx, refID, status, err)
}

// checkChunkIDs refuses what the SDK's writer refuses.
func checkChunkIDs(refID, frameID string) error {
	if refID == "" {
		return errors.New("missing refID identifier")
	}
	if frameID == "" {
		return errors.New("missing frame identifier")
	}
	return nil
}
