package arrowipc

import (
	"encoding/binary"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	flatbuffers "github.com/google/flatbuffers/go"
)

// writeFile writes one record batch as an Arrow IPC file, byte for byte in
// the layout arrow-go's ipc.FileWriter gives it (magic, schema message,
// record batch message and body, end-of-stream marker, footer, footer
// size, magic), for the types Grafana's frames use. The flatbuffers are
// built here with one reused builder: arrow-go's writer builds the schema
// twice with a fresh builder each time, sets up an encoder per record and
// copies every validity bitmap, which is most of the cost of a small frame
// (a panel's usual answer). ok is false, with nothing written, when a
// column has a type this writer does not know; the caller then uses
// arrow-go's writer.
func writeFile(out io.Writer, meta arrow.Metadata, fields []arrow.Field, cols []arrow.Array, rows int) (bool, error) {
	layout := make([]colLayout, len(cols))
	for i, c := range cols {
		l, ok := layoutOf(fields[i].Type, c, rows)
		if !ok {
			return false, nil
		}
		layout[i] = l
	}
	w := &fileWriter{out: out, b: flatbuffers.NewBuilder(1024)}
	w.write(fileMagic[:])
	w.write(zeros[:2]) // align the first message to 8 bytes

	schema := w.schema(meta, fields)
	w.message(msgSchema, schema, 0)

	// Record batch: the message, then each buffer padded to 8 bytes as
	// arrow-go pads them.
	var body int64
	for _, l := range layout {
		for _, buf := range l.bufs {
			body += pad8(int64(len(buf)))
		}
	}
	start := w.pos
	w.b.Reset()
	batch := w.recordBatch(layout, rows, body)
	metaLen := w.message(msgRecordBatch, batch, body)
	for _, l := range layout {
		for _, buf := range l.bufs {
			if len(buf) > 0 {
				w.write(buf)
			}
			if p := pad8(int64(len(buf))) - int64(len(buf)); p > 0 {
				w.write(zeros[:p])
			}
		}
	}
	w.write(eos[:])

	footerStart := w.pos
	w.b.Reset()
	schema = w.schema(meta, fields)
	w.b.StartVector(blockSize, 0, 8) // no dictionaries
	dicts := w.b.EndVector(0)
	w.b.StartVector(blockSize, 1, 8)
	w.b.Prep(8, blockSize)
	w.b.PrependInt64(body)
	w.b.Pad(4)
	w.b.PrependInt32(metaLen)
	w.b.PrependInt64(start)
	recs := w.b.EndVector(1)
	w.b.StartObject(5) // Footer
	w.b.PrependInt16Slot(0, metadataV5, 0)
	w.b.PrependUOffsetTSlot(1, schema, 0)
	w.b.PrependUOffsetTSlot(2, dicts, 0)
	w.b.PrependUOffsetTSlot(3, recs, 0)
	w.b.Finish(w.b.EndObject())
	w.write(w.b.FinishedBytes())
	var size [4]byte
	binary.LittleEndian.PutUint32(size[:], uint32(w.pos-footerStart))
	w.write(size[:])
	w.write(fileMagic[:])
	return true, w.err
}

// Arrow format constants (Schema.fbs, Message.fbs, File.fbs).
const (
	metadataV5     = 4 // MetadataVersion.V5
	msgSchema      = 1 // MessageHeader.Schema
	msgRecordBatch = 3 // MessageHeader.RecordBatch
	typeInt        = 2 // Type.Int
	typeFloat      = 3 // Type.FloatingPoint
	typeBinary     = 4 // Type.Binary
	typeUtf8       = 5 // Type.Utf8
	typeBool       = 6 // Type.Bool
	typeTimestamp  = 10
	blockSize      = 24 // struct Block {offset: long; metaDataLength: int; bodyLength: long}
)

var (
	fileMagic = [6]byte{'A', 'R', 'R', 'O', 'W', '1'}
	eos       = [8]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}
	zeros     [8]byte
)

// colLayout is one column's field node and body buffers, in IPC order.
type colLayout struct {
	nulls int64
	bufs  [][]byte // validity (nil without NULLs), [offsets], values
}

// layoutOf returns a column's buffers cut to what rows values need, or
// false for a type writeFile does not write.
func layoutOf(t arrow.DataType, c arrow.Array, rows int) (colLayout, bool) {
	if c.Len() != rows || c.Data().Offset() != 0 {
		return colLayout{}, false
	}
	bufs := c.Data().Buffers()
	bitmap := (rows + 7) / 8
	l := colLayout{nulls: int64(c.NullN())}
	var validity []byte
	if l.nulls > 0 {
		if len(bufs) == 0 || bufs[0] == nil || bufs[0].Len() < bitmap {
			return colLayout{}, false
		}
		validity = bufs[0].Bytes()[:bitmap]
	}
	value := func(i, n int) ([]byte, bool) {
		if len(bufs) <= i || bufs[i] == nil {
			return nil, n == 0
		}
		b := bufs[i].Bytes()
		if len(b) < n {
			return nil, false
		}
		return b[:n], true
	}
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT32, arrow.FLOAT64, arrow.TIMESTAMP:
		if ts, ok := t.(*arrow.TimestampType); ok && ts.TimeZone != "" {
			return colLayout{}, false
		}
		v, ok := value(1, rows*t.(arrow.FixedWidthDataType).BitWidth()/8)
		if !ok {
			return colLayout{}, false
		}
		l.bufs = [][]byte{validity, v}
	case arrow.BOOL:
		v, ok := value(1, bitmap)
		if !ok {
			return colLayout{}, false
		}
		l.bufs = [][]byte{validity, v}
	case arrow.STRING, arrow.BINARY:
		offs, ok := value(1, 4*(rows+1))
		if !ok {
			// (an empty array may have no offsets buffer: arrow-go's
			// writer takes that case)
			return colLayout{}, false
		}
		end := int(binary.LittleEndian.Uint32(offs[4*rows:]))
		if binary.LittleEndian.Uint32(offs) != 0 {
			return colLayout{}, false
		}
		v, ok := value(2, end)
		if !ok {
			return colLayout{}, false
		}
		l.bufs = [][]byte{validity, offs, v}
	default:
		return colLayout{}, false
	}
	return l, true
}

// pad8 is n rounded up to a multiple of 8, the padding arrow-go gives
// each body buffer (bitutil.CeilByte64).
func pad8(n int64) int64 { return (n + 7) &^ 7 }

// fileWriter counts the bytes written and keeps the first error.
type fileWriter struct {
	out io.Writer
	b   *flatbuffers.Builder
	pos int64
	err error
}

func (w *fileWriter) write(p []byte) {
	if w.err != nil {
		return
	}
	n, err := w.out.Write(p)
	w.pos += int64(n)
	w.err = err
}

// message finishes a Message with this header and writes it as arrow-go
// does: continuation marker, length, flatbuffer, zeros to 8 bytes. It
// returns the bytes written (the footer block's metaDataLength).
func (w *fileWriter) message(kind byte, header flatbuffers.UOffsetT, bodyLen int64) int32 {
	b := w.b
	b.StartObject(5)
	b.PrependInt64Slot(3, bodyLen, 0)
	b.PrependUOffsetTSlot(2, header, 0)
	b.PrependInt16Slot(0, metadataV5, 0)
	b.PrependByteSlot(1, kind, 0)
	b.Finish(b.EndObject())
	fb := b.FinishedBytes()
	total := (int32(len(fb)) + 8 + 7) &^ 7
	var prefix [8]byte
	binary.LittleEndian.PutUint32(prefix[:4], 0xffffffff)
	binary.LittleEndian.PutUint32(prefix[4:], uint32(total-8))
	w.write(prefix[:])
	w.write(fb)
	if p := total - 8 - int32(len(fb)); p > 0 {
		w.write(zeros[:p])
	}
	return total
}

// keyValues builds a vector of KeyValue tables.
func (w *fileWriter) keyValues(m arrow.Metadata) flatbuffers.UOffsetT {
	b := w.b
	keys, values := m.Keys(), m.Values()
	offs := make([]flatbuffers.UOffsetT, len(keys))
	for i := range keys {
		k, v := b.CreateString(keys[i]), b.CreateString(values[i])
		b.StartObject(2)
		b.PrependUOffsetTSlot(1, v, 0)
		b.PrependUOffsetTSlot(0, k, 0)
		offs[i] = b.EndObject()
	}
	return w.offsets(offs)
}

// offsets builds a vector of table offsets.
func (w *fileWriter) offsets(offs []flatbuffers.UOffsetT) flatbuffers.UOffsetT {
	w.b.StartVector(4, len(offs), 4)
	for i := len(offs) - 1; i >= 0; i-- {
		w.b.PrependUOffsetT(offs[i])
	}
	return w.b.EndVector(len(offs))
}

// schema builds a Schema table: the fields with their metadata, and the
// frame's metadata.
func (w *fileWriter) schema(meta arrow.Metadata, fields []arrow.Field) flatbuffers.UOffsetT {
	b := w.b
	offs := make([]flatbuffers.UOffsetT, len(fields))
	for i, f := range fields {
		name := b.CreateString(f.Name)
		kind, typ := w.fieldType(f.Type)
		b.StartVector(4, 0, 4)
		children := b.EndVector(0)
		md := w.keyValues(f.Metadata)
		b.StartObject(7) // Field
		b.PrependUOffsetTSlot(0, name, 0)
		b.PrependBoolSlot(1, f.Nullable, false)
		b.PrependByteSlot(2, kind, 0)
		b.PrependUOffsetTSlot(3, typ, 0)
		b.PrependUOffsetTSlot(5, children, 0)
		b.PrependUOffsetTSlot(6, md, 0)
		offs[i] = b.EndObject()
	}
	fv := w.offsets(offs)
	md := w.keyValues(meta)
	b.StartObject(4) // Schema (endianness: Little, the default)
	b.PrependUOffsetTSlot(1, fv, 0)
	b.PrependUOffsetTSlot(2, md, 0)
	return b.EndObject()
}

// fieldType builds a field's type table (layoutOf admitted the type).
func (w *fileWriter) fieldType(t arrow.DataType) (byte, flatbuffers.UOffsetT) {
	b := w.b
	switch t.ID() {
	case arrow.FLOAT32, arrow.FLOAT64:
		precision := int16(1) // SINGLE
		if t.ID() == arrow.FLOAT64 {
			precision = 2 // DOUBLE
		}
		b.StartObject(1)
		b.PrependInt16Slot(0, precision, 0)
		return typeFloat, b.EndObject()
	case arrow.TIMESTAMP:
		b.StartObject(2)
		b.PrependInt16Slot(0, int16(t.(*arrow.TimestampType).Unit), 0)
		return typeTimestamp, b.EndObject()
	case arrow.BOOL:
		b.StartObject(0)
		return typeBool, b.EndObject()
	case arrow.STRING:
		b.StartObject(0)
		return typeUtf8, b.EndObject()
	case arrow.BINARY:
		b.StartObject(0)
		return typeBinary, b.EndObject()
	}
	signed := false
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
		signed = true
	}
	b.StartObject(2)
	b.PrependInt32Slot(0, int32(t.(arrow.FixedWidthDataType).BitWidth()), 0)
	b.PrependBoolSlot(1, signed, false)
	return typeInt, b.EndObject()
}

// recordBatch builds the RecordBatch table: one field node per column and
// the buffers' offsets and lengths in the body of body bytes.
func (w *fileWriter) recordBatch(layout []colLayout, rows int, body int64) flatbuffers.UOffsetT {
	b := w.b
	var nbufs int
	for _, l := range layout {
		nbufs += len(l.bufs)
	}
	// Buffers, prepended last to first: the offsets run backwards from the
	// body's end.
	b.StartVector(16, nbufs, 8)
	end := body
	for i := len(layout) - 1; i >= 0; i-- {
		bufs := layout[i].bufs
		for j := len(bufs) - 1; j >= 0; j-- {
			n := int64(len(bufs[j]))
			end -= pad8(n)
			b.Prep(8, 16)
			b.PrependInt64(n)
			b.PrependInt64(end)
		}
	}
	buffers := b.EndVector(nbufs)
	b.StartVector(16, len(layout), 8)
	for i := len(layout) - 1; i >= 0; i-- {
		b.Prep(8, 16)
		b.PrependInt64(layout[i].nulls)
		b.PrependInt64(int64(rows))
	}
	nodes := b.EndVector(len(layout))
	b.StartObject(5)
	b.PrependInt64Slot(0, int64(rows), 0)
	b.PrependUOffsetTSlot(1, nodes, 0)
	b.PrependUOffsetTSlot(2, buffers, 0)
	return b.EndObject()
}
