package arrowipc

import (
	"unsafe"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/bigtent/quarry/pkg/frames"
)

// MinReference is the size from which MarshalTableSegments refers to a
// column buffer instead of copying it.
const MinReference = 64 << 10

// Segments are one frame's Arrow IPC bytes in pieces: concatenated, they
// are exactly what MarshalTable writes. Pieces of MinReference bytes and
// more are views of the table's column buffers; the table must not change
// while they are in use (a cached table never does).
type Segments [][]byte

// Len is the total length.
func (s Segments) Len() int {
	n := 0
	for _, p := range s {
		n += len(p)
	}
	return n
}

// Bytes concatenates the pieces.
func (s Segments) Bytes() []byte {
	out := make([]byte, 0, s.Len())
	for _, p := range s {
		out = append(out, p...)
	}
	return out
}

// MarshalTableSegments is MarshalTable without the copy of the large column
// buffers into one output: the IPC framing (schema, message headers,
// padding, footer) and small buffers are written into small pieces, the
// column buffers of MinReference bytes and more are referenced.
func MarshalTableSegments(head *data.Frame, t *frames.Table) (Segments, error) {
	w := &segmentWriter{own: map[*byte]int{}}
	if err := marshalTable(head, t, w, w.own, false); err != nil {
		return nil, err
	}
	w.flush()
	return w.segs, nil
}

// segmentWriter collects the IPC writer's output: a write of one of the
// table's own buffers (own: start and length) is kept as a reference, every
// other write is copied into the current piece (the IPC writer reuses its
// scratch buffers).
type segmentWriter struct {
	own  map[*byte]int
	segs Segments
	cur  []byte
}

func (w *segmentWriter) Write(p []byte) (int, error) {
	if n, ok := w.own[unsafe.SliceData(p)]; ok && len(p) >= MinReference && len(p) <= n {
		w.flush()
		w.segs = append(w.segs, p[:len(p):len(p)])
		return len(p), nil
	}
	if w.cur == nil {
		w.cur = make([]byte, 0, max(4096, len(p)))
	}
	w.cur = append(w.cur, p...)
	return len(p), nil
}

func (w *segmentWriter) flush() {
	if len(w.cur) > 0 {
		w.segs = append(w.segs, w.cur)
		w.cur = nil
	}
}
