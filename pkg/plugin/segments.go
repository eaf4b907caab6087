package plugin

import (
	"runtime"
	"sync"
	"unsafe"
	"weak"

	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/encoding/proto"

	"github.com/bigtent/quarry/pkg/frames/arrowipc"
)

// segmentFrames lets a frame written in pieces (arrowipc.Segments, whose
// large pieces are the result table's column buffers) reach FramesCodec
// without being concatenated: the DataServer puts a small placeholder in
// the response's frame list and records the pieces under it; the codec,
// marshalling the response, sends the pieces in the placeholder's place.
// An entry goes when its placeholder is garbage (the response is gone),
// so an answer that is never marshalled leaks nothing.
type segmentFrames struct {
	m sync.Map // weak.Pointer[byte] (the placeholder) -> arrowipc.Segments
}

// placeholder records s and returns the frame bytes to put in the
// response in its place.
func (t *segmentFrames) placeholder(s arrowipc.Segments) []byte {
	// 32 bytes: not a tiny allocation, so the cleanup runs.
	p := make([]byte, 32)
	key := weak.Make(&p[0])
	t.m.Store(key, s)
	runtime.AddCleanup(&p[0], func(k weak.Pointer[byte]) { t.m.Delete(k) }, key)
	return p
}

// segments returns the pieces recorded for frame bytes f.
func (t *segmentFrames) segments(f []byte) (arrowipc.Segments, bool) {
	if t == nil || len(f) == 0 {
		return nil, false
	}
	v, ok := t.m.Load(weak.Make(unsafe.SliceData(f)))
	if !ok {
		return nil, false
	}
	return v.(arrowipc.Segments), true
}

// registeredSegments is the segment record of the process's gRPC codec,
// or nil when it is not a FramesCodec (frames are then concatenated).
func registeredSegments() *segmentFrames {
	if fc, ok := encoding.GetCodecV2(proto.Name).(FramesCodec); ok {
		return fc.segs
	}
	return nil
}
