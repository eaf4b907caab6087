package plugin

import (
	"fmt"

	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	gproto "google.golang.org/protobuf/proto"
)

// minZeroCopyFrames is the frame bytes of a QueryData answer from which
// FramesCodec sends them without copying; smaller answers take the
// standard codec.
const minZeroCopyFrames = 64 << 10

// FramesCodec is gRPC's protobuf codec, except that a QueryData answer's
// Arrow frames are sent from the bytes arrowipc wrote, without copying
// them into one marshalled message: the standard codec copies every byte
// of every frame once more (35 MB for a 1M-row table) before the transport
// copies them to the socket. The bytes on the wire decode to the same
// message (fields of a message may come in any order; the frames keep
// theirs). Every other message, and every unmarshal, is the standard
// codec's. Register it with encoding.RegisterCodecV2 at start-up (its name
// is "proto").
type FramesCodec struct {
	base encoding.CodecV2
	// segs are the frames the DataServer wrote in pieces (see
	// segmentFrames): sent from the pieces, never concatenated.
	segs *segmentFrames
}

// NewFramesCodec wraps the registered standard protobuf codec.
func NewFramesCodec() FramesCodec {
	base := encoding.GetCodecV2(proto.Name)
	if fc, ok := base.(FramesCodec); ok {
		base = fc.base // already registered: wrap the standard codec, not ours
	}
	return FramesCodec{base: base, segs: &segmentFrames{}}
}

// RegisterFramesCodec makes FramesCodec the process's "proto" codec. Call
// it once at start-up, before any gRPC server or client is created.
func RegisterFramesCodec() { encoding.RegisterCodecV2(NewFramesCodec()) }

// Name is "proto": the codec replaces the standard one.
func (FramesCodec) Name() string { return proto.Name }

// Unmarshal is the standard codec's.
func (c FramesCodec) Unmarshal(data mem.BufferSlice, v any) error { return c.base.Unmarshal(data, v) }

// Marshal encodes v; a large QueryData answer's frames are referenced, not
// copied.
func (c FramesCodec) Marshal(v any) (mem.BufferSlice, error) {
	r, ok := v.(*pluginv2.QueryDataResponse)
	if !ok {
		return c.base.Marshal(v)
	}
	if n, pieces := c.frameBytes(r); n < minZeroCopyFrames && !pieces {
		return c.base.Marshal(v)
	}
	var (
		out mem.BufferSlice
		buf []byte // encoded bytes not yet in out
	)
	for refID, dr := range r.Responses {
		var head []byte
		if dr != nil {
			frames := dr.Frames
			dr.Frames = nil
			var err error
			head, err = gproto.Marshal(dr)
			dr.Frames = frames
			if err != nil {
				return nil, fmt.Errorf("encoding the answer of %s: %w", refID, err)
			}
		}
		value := len(head)
		if dr != nil {
			for _, f := range dr.Frames {
				value += protowire.SizeTag(1) + protowire.SizeBytes(c.frameLen(f))
			}
		}
		entry := protowire.SizeTag(1) + protowire.SizeBytes(len(refID)) + protowire.SizeTag(2) + protowire.SizeBytes(value)
		// responses (1): one map entry {key (1), value (2)}.
		buf = protowire.AppendTag(buf, 1, protowire.BytesType)
		buf = protowire.AppendVarint(buf, uint64(entry))
		buf = protowire.AppendTag(buf, 1, protowire.BytesType)
		buf = protowire.AppendString(buf, refID)
		buf = protowire.AppendTag(buf, 2, protowire.BytesType)
		buf = protowire.AppendVarint(buf, uint64(value))
		buf = append(buf, head...)
		if dr == nil {
			continue
		}
		// frames (1) of DataResponse, after its other fields.
		for _, f := range dr.Frames {
			buf = protowire.AppendTag(buf, 1, protowire.BytesType)
			if segs, ok := c.segs.segments(f); ok {
				buf = protowire.AppendVarint(buf, uint64(segs.Len()))
				for _, p := range segs {
					if len(p) < minZeroCopyFrames {
						buf = append(buf, p...)
						continue
					}
					out = append(out, mem.SliceBuffer(buf), mem.SliceBuffer(p))
					buf = nil
				}
				continue
			}
			buf = protowire.AppendVarint(buf, uint64(len(f)))
			if len(f) < minZeroCopyFrames {
				buf = append(buf, f...)
				continue
			}
			out = append(out, mem.SliceBuffer(buf), mem.SliceBuffer(f))
			buf = nil
		}
	}
	if len(buf) > 0 {
		out = append(out, mem.SliceBuffer(buf))
	}
	return out, nil
}

// frameBytes is the length of r's frames, and whether one is in pieces
// (those are sent by this codec whatever their size).
func (c FramesCodec) frameBytes(r *pluginv2.QueryDataResponse) (n int, pieces bool) {
	for _, dr := range r.Responses {
		if dr != nil {
			for _, f := range dr.Frames {
				if segs, ok := c.segs.segments(f); ok {
					n += segs.Len()
					pieces = true
				} else {
					n += len(f)
				}
			}
		}
	}
	return n, pieces
}

// frameLen is the length of the frame f stands for: its own, or its
// pieces' when it is a placeholder.
func (c FramesCodec) frameLen(f []byte) int {
	if segs, ok := c.segs.segments(f); ok {
		return segs.Len()
	}
	return len(f)
}
