// Package arrowipc writes a data.Frame as the Arrow IPC bytes Grafana
// receives, the same bytes' meaning as data.Frame.MarshalArrow (which the
// SDK calls for every frame of a QueryData response) at a fraction of its
// cost: fixed-width columns go out straight from the field's own value
// array (no per-value copy), time and text columns are converted in one
// pass into exactly sized buffers, and the output buffer is sized once
// instead of growing by doubling. MarshalArrow appends every value through
// an Arrow builder and grows its output buffer repeatedly; for a 1M-row
// frame that is most of the time between the finished frame and the gRPC
// reply.
//
// Exactness: data.UnmarshalArrowFrame decodes Marshal's bytes to a frame
// equal to the one MarshalArrow's bytes decode to, for every field type,
// nullability, label, field config and frame meta (tests: golden files and
// FuzzMarshal). A field type Marshal does not know falls back to
// MarshalArrow for that frame.
//
// MarshalTable writes a result table's table-format frame straight from
// its Arrow-layout column buffers (frames.Arrow), with no data.Field in
// between; MarshalTableSegments does the same without copying the large
// buffers into one output. Both decode to the frame the SDK's encoder gives
// for frames.Shape's table frame (golden files, FuzzMarshalTable).
package arrowipc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"time"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/bigtent/quarry/pkg/frames"
)

// Metadata keys of Grafana's Arrow frames (the SDK's wire format).
const (
	keyName   = "name"
	keyRefID  = "refId"
	keyMeta   = "meta"
	keyTSType = "tstype"
	keyLabels = "labels"
	keyConfig = "config"
)

// Marshal encodes f as Arrow IPC (file format), as f.MarshalArrow does.
func Marshal(f *data.Frame) ([]byte, error) {
	rows, err := f.RowLen()
	if err != nil {
		return nil, err
	}
	fields := make([]arrow.Field, len(f.Fields))
	cols := make([]arrow.Array, len(f.Fields))
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	size := 0
	for i, fd := range f.Fields {
		col, nullable, ok := column(fd, rows)
		if !ok {
			return f.MarshalArrow()
		}
		cols[i] = col
		meta, err := fieldMeta(fd)
		if err != nil {
			return nil, err
		}
		fields[i] = arrow.Field{Name: fd.Name, Type: col.DataType(), Nullable: nullable, Metadata: meta}
		for _, b := range col.Data().Buffers() {
			if b != nil {
				size += b.Len() + 8
			}
		}
	}
	var out bytes.Buffer
	// The schema is written twice (message and footer); 1 KiB more covers it
	// and the framing for frames of ordinary width.
	out.Grow(size + 2*schemaSize(f) + 1024)
	if err := write(&out, f, fields, cols, rows); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// write encodes the record batch of cols as an Arrow IPC file with f's
// name, refId and meta, into out.
func write(out io.Writer, f *data.Frame, fields []arrow.Field, cols []arrow.Array, rows int) error {
	tableMeta := map[string]string{keyName: f.Name, keyRefID: f.RefID}
	if f.Meta != nil {
		b, err := marshalMeta(f.Meta)
		if err != nil {
			return err
		}
		tableMeta[keyMeta] = string(b)
	}
	md := arrow.MetadataFrom(tableMeta)
	if ok, err := writeFile(out, md, fields, cols, rows); ok || err != nil {
		return err
	}
	schema := arrow.NewSchema(fields, &md)
	rec := array.NewRecordBatch(schema, cols, int64(rows))
	defer rec.Release()
	w, err := ipc.NewFileWriter(out, ipc.WithSchema(schema), ipc.WithAllocator(memory.DefaultAllocator))
	if err != nil {
		return err
	}
	if err := w.Write(rec); err != nil {
		return err
	}
	return w.Close()
}

// MarshalTable encodes the table-format frame of t, as
// Marshal(frames.Shape(t, table format)) would, straight from the columns'
// buffers: no data.Field, no per-value copy (only NULL bitmaps, bools and
// JSON are converted). head gives the frame's name, refId and meta
// (frames.TableFrameHead); its fields, if any, are ignored. The table must
// not change until MarshalTable returns.
func MarshalTable(head *data.Frame, t *frames.Table) ([]byte, error) {
	var out bytes.Buffer
	if err := marshalTable(head, t, &out, nil, false); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// MarshalChunk encodes one chunk of a streamed table-format result, as
// Marshal(frames.ChunkFrame(t, table format)) would: every field nullable
// whatever the chunk holds (JSON stays []json.RawMessage), straight from
// the columns' buffers. head is frames.TableFrameHead with the chunk's
// refId and meta.
func MarshalChunk(head *data.Frame, t *frames.Table) ([]byte, error) {
	var out bytes.Buffer
	if err := marshalTable(head, t, &out, nil, true); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// marshalTable writes MarshalTable's bytes into out (a *bytes.Buffer is
// sized first); own, when set, records every buffer of the record batch
// (its start and length). nullable makes every field but JSON nullable
// (MarshalChunk).
func marshalTable(head *data.Frame, t *frames.Table, out io.Writer, own map[*byte]int, nullable bool) error {
	rows := t.Len()
	fields := make([]arrow.Field, t.NumColumns())
	cols := make([]arrow.Array, t.NumColumns())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	size := schemaSize(head) + 2*128*len(cols)
	for i, c := range t.Columns() {
		ac, ok := frames.Arrow(c)
		if !ok || ac.Len != rows {
			f := head.EmptyCopy()
			f.Fields = nil
			for _, c := range t.Columns() {
				if nullable {
					f.Fields = append(f.Fields, frames.ChunkField(c))
				} else {
					f.Fields = append(f.Fields, c.Field())
				}
			}
			b, err := Marshal(f)
			if err != nil {
				return err
			}
			_, err = out.Write(b)
			return err
		}
		if nullable && ac.Type != data.FieldTypeJSON {
			ac.Type = ac.Type.NullableType()
		}
		typ, ok := arrowType(ac.Type)
		if !ok {
			return fmt.Errorf("arrowipc: column %q: no Arrow type for %s", ac.Name, ac.Type)
		}
		var vb *memory.Buffer
		if ac.Nulls > 0 {
			vb = memory.NewBufferBytes(ac.Validity)
		}
		bufs := []*memory.Buffer{vb}
		if ac.Offsets != nil {
			bufs = append(bufs, memory.NewBufferBytes(ac.Offsets))
		}
		bufs = append(bufs, memory.NewBufferBytes(ac.Values))
		if own != nil {
			for _, b := range bufs {
				if b != nil && b.Len() > 0 {
					own[unsafe.SliceData(b.Bytes())] = b.Len()
				}
			}
		}
		cols[i] = makeArray(typ, rows, bufs, ac.Nulls)
		fields[i] = arrow.Field{Name: ac.Name, Type: typ, Nullable: ac.Type.Nullable(),
			Metadata: arrow.MetadataFrom(map[string]string{keyTSType: tsType(ac.Type)})}
		size += len(ac.Validity) + len(ac.Offsets) + len(ac.Values) + 3*8
	}
	if b, ok := out.(*bytes.Buffer); ok {
		b.Grow(size + 1024)
	}
	return write(out, head, fields, cols, rows)
}

// arrowType is the Arrow type the SDK writes for a field type.
func arrowType(t data.FieldType) (arrow.DataType, bool) {
	switch t.NonNullableType() {
	case data.FieldTypeInt8:
		return arrow.PrimitiveTypes.Int8, true
	case data.FieldTypeInt16:
		return arrow.PrimitiveTypes.Int16, true
	case data.FieldTypeInt32:
		return arrow.PrimitiveTypes.Int32, true
	case data.FieldTypeInt64:
		return arrow.PrimitiveTypes.Int64, true
	case data.FieldTypeUint8:
		return arrow.PrimitiveTypes.Uint8, true
	case data.FieldTypeUint16, data.FieldTypeEnum:
		return arrow.PrimitiveTypes.Uint16, true
	case data.FieldTypeUint32:
		return arrow.PrimitiveTypes.Uint32, true
	case data.FieldTypeUint64:
		return arrow.PrimitiveTypes.Uint64, true
	case data.FieldTypeFloat32:
		return arrow.PrimitiveTypes.Float32, true
	case data.FieldTypeFloat64:
		return arrow.PrimitiveTypes.Float64, true
	case data.FieldTypeBool:
		return arrow.FixedWidthTypes.Boolean, true
	case data.FieldTypeTime:
		return timestampNS, true
	case data.FieldTypeString:
		return arrow.BinaryTypes.String, true
	case data.FieldTypeJSON:
		return arrow.BinaryTypes.Binary, true
	}
	return nil, false
}

// schemaSize approximates the bytes of the schema's text.
func schemaSize(f *data.Frame) int {
	n := len(f.Name) + len(f.RefID) + 256
	if f.Meta != nil {
		n += len(f.Meta.ExecutedQueryString) + 4096
	}
	for _, fd := range f.Fields {
		n += len(fd.Name) + 128
		for k, v := range fd.Labels {
			n += len(k) + len(v) + 8
		}
		if fd.Config != nil {
			n += 1024
		}
	}
	return n
}

// MarshalFrames encodes every frame (see Marshal).
func MarshalFrames(fs data.Frames) ([][]byte, error) {
	out := make([][]byte, len(fs))
	for i, f := range fs {
		b, err := Marshal(f)
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

func fieldMeta(fd *data.Field) (arrow.Metadata, error) {
	m := map[string]string{keyTSType: tsType(fd.Type())}
	if fd.Labels != nil {
		b, err := json.Marshal(fd.Labels)
		if err != nil {
			return arrow.Metadata{}, err
		}
		m[keyLabels] = string(b)
	}
	if fd.Config != nil {
		b, err := json.Marshal(fd.Config)
		if err != nil {
			return arrow.Metadata{}, err
		}
		m[keyConfig] = string(b)
	}
	return arrow.MetadataFrom(m), nil
}

// tsType is the TypeScript type name Grafana's frontend reads (the SDK's
// "tstype" field metadata).
func tsType(t data.FieldType) string {
	switch {
	case t.Time():
		return "time"
	case t.Numeric():
		return "number"
	}
	switch t {
	case data.FieldTypeBool, data.FieldTypeNullableBool:
		return "boolean"
	case data.FieldTypeString, data.FieldTypeNullableString:
		return "string"
	case data.FieldTypeEnum, data.FieldTypeNullableEnum:
		return "enum"
	case data.FieldTypeJSON, data.FieldTypeNullableJSON:
		return "other"
	}
	return ""
}

// vector returns the field's value array ([]T or []*T) without copying,
// read from the SDK's unexported vector (a pointer to a slice type). ok is
// false if the SDK's layout is not the one expected.
func vector[T any](fd *data.Field) ([]T, bool) {
	v := reflect.ValueOf(fd).Elem().FieldByName("vector")
	if !v.IsValid() || v.Kind() != reflect.Interface || v.IsNil() {
		return nil, false
	}
	p := v.Elem()
	if p.Kind() != reflect.Pointer || p.IsNil() {
		return nil, false
	}
	st := p.Type().Elem()
	if st.Kind() != reflect.Slice || st.Elem() != reflect.TypeFor[T]() {
		return nil, false
	}
	s := *(*[]T)(p.UnsafePointer())
	if len(s) != fd.Len() {
		return nil, false
	}
	return s, true
}

// column builds the Arrow array of one field of rows values.
func column(fd *data.Field, rows int) (arrow.Array, bool, bool) {
	switch fd.Type() {
	case data.FieldTypeInt8:
		return fixed[int8](fd, arrow.PrimitiveTypes.Int8)
	case data.FieldTypeNullableInt8:
		return nullableFixed[int8](fd, arrow.PrimitiveTypes.Int8)
	case data.FieldTypeInt16:
		return fixed[int16](fd, arrow.PrimitiveTypes.Int16)
	case data.FieldTypeNullableInt16:
		return nullableFixed[int16](fd, arrow.PrimitiveTypes.Int16)
	case data.FieldTypeInt32:
		return fixed[int32](fd, arrow.PrimitiveTypes.Int32)
	case data.FieldTypeNullableInt32:
		return nullableFixed[int32](fd, arrow.PrimitiveTypes.Int32)
	case data.FieldTypeInt64:
		return fixed[int64](fd, arrow.PrimitiveTypes.Int64)
	case data.FieldTypeNullableInt64:
		return nullableFixed[int64](fd, arrow.PrimitiveTypes.Int64)
	case data.FieldTypeUint8:
		return fixed[uint8](fd, arrow.PrimitiveTypes.Uint8)
	case data.FieldTypeNullableUint8:
		return nullableFixed[uint8](fd, arrow.PrimitiveTypes.Uint8)
	case data.FieldTypeUint16:
		return fixed[uint16](fd, arrow.PrimitiveTypes.Uint16)
	case data.FieldTypeNullableUint16:
		return nullableFixed[uint16](fd, arrow.PrimitiveTypes.Uint16)
	case data.FieldTypeEnum:
		return fixed[data.EnumItemIndex](fd, arrow.PrimitiveTypes.Uint16)
	case data.FieldTypeNullableEnum:
		return nullableFixed[data.EnumItemIndex](fd, arrow.PrimitiveTypes.Uint16)
	case data.FieldTypeUint32:
		return fixed[uint32](fd, arrow.PrimitiveTypes.Uint32)
	case data.FieldTypeNullableUint32:
		return nullableFixed[uint32](fd, arrow.PrimitiveTypes.Uint32)
	case data.FieldTypeUint64:
		return fixed[uint64](fd, arrow.PrimitiveTypes.Uint64)
	case data.FieldTypeNullableUint64:
		return nullableFixed[uint64](fd, arrow.PrimitiveTypes.Uint64)
	case data.FieldTypeFloat32:
		return fixed[float32](fd, arrow.PrimitiveTypes.Float32)
	case data.FieldTypeNullableFloat32:
		return nullableFixed[float32](fd, arrow.PrimitiveTypes.Float32)
	case data.FieldTypeFloat64:
		return fixed[float64](fd, arrow.PrimitiveTypes.Float64)
	case data.FieldTypeNullableFloat64:
		return nullableFixed[float64](fd, arrow.PrimitiveTypes.Float64)
	case data.FieldTypeBool:
		return bools(fd, rows)
	case data.FieldTypeNullableBool:
		return nullableBools(fd, rows)
	case data.FieldTypeTime:
		return times(fd)
	case data.FieldTypeNullableTime:
		return nullableTimes(fd)
	case data.FieldTypeString:
		return varBinary[string](fd, arrow.BinaryTypes.String, false)
	case data.FieldTypeNullableString:
		return varBinary[*string](fd, arrow.BinaryTypes.String, true)
	case data.FieldTypeJSON:
		return varBinary[json.RawMessage](fd, arrow.BinaryTypes.Binary, false)
	case data.FieldTypeNullableJSON:
		return varBinary[*json.RawMessage](fd, arrow.BinaryTypes.Binary, true)
	}
	return nil, false, false
}

// bytesOf views a slice of fixed-width values as bytes (no copy).
func bytesOf[T any](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	var zero T
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(zero)))
}

func makeArray(t arrow.DataType, n int, bufs []*memory.Buffer, nulls int) arrow.Array {
	d := array.NewData(t, n, bufs, nil, nulls, 0)
	defer d.Release()
	return array.MakeFromData(d)
}

// fixed sends the field's own array: the Arrow values buffer is a view of
// it (the frame must stay alive and unchanged until the bytes are written,
// which Marshal guarantees by writing them before it returns).
func fixed[T any](fd *data.Field, t arrow.DataType) (arrow.Array, bool, bool) {
	s, ok := vector[T](fd)
	if !ok {
		return nil, false, false
	}
	return makeArray(t, len(s), []*memory.Buffer{nil, memory.NewBufferBytes(bytesOf(s))}, 0), false, true
}

// validity builds an Arrow validity bitmap (bit set = value present) and
// the null count.
func validity(n int, present func(i int) bool) ([]byte, int) {
	bm := make([]byte, (n+7)/8)
	nulls := 0
	for i := range n {
		if present(i) {
			bm[i>>3] |= 1 << (uint(i) & 7)
		} else {
			nulls++
		}
	}
	return bm, nulls
}

func nullableFixed[T any](fd *data.Field, t arrow.DataType) (arrow.Array, bool, bool) {
	s, ok := vector[*T](fd)
	if !ok {
		return nil, false, false
	}
	vals := make([]T, len(s))
	bm, nulls := validity(len(s), func(i int) bool {
		if s[i] == nil {
			return false
		}
		vals[i] = *s[i]
		return true
	})
	var vb *memory.Buffer
	if nulls > 0 {
		vb = memory.NewBufferBytes(bm)
	}
	return makeArray(t, len(s), []*memory.Buffer{vb, memory.NewBufferBytes(bytesOf(vals))}, nulls), true, true
}

func bools(fd *data.Field, rows int) (arrow.Array, bool, bool) {
	s, ok := vector[bool](fd)
	if !ok {
		return nil, false, false
	}
	bits, _ := validity(rows, func(i int) bool { return s[i] })
	return makeArray(arrow.FixedWidthTypes.Boolean, rows, []*memory.Buffer{nil, memory.NewBufferBytes(bits)}, 0), false, true
}

func nullableBools(fd *data.Field, rows int) (arrow.Array, bool, bool) {
	s, ok := vector[*bool](fd)
	if !ok {
		return nil, false, false
	}
	bits, _ := validity(rows, func(i int) bool { return s[i] != nil && *s[i] })
	bm, nulls := validity(rows, func(i int) bool { return s[i] != nil })
	var vb *memory.Buffer
	if nulls > 0 {
		vb = memory.NewBufferBytes(bm)
	}
	return makeArray(arrow.FixedWidthTypes.Boolean, rows, []*memory.Buffer{vb, memory.NewBufferBytes(bits)}, nulls), true, true
}

var timestampNS = &arrow.TimestampType{Unit: arrow.Nanosecond}

func times(fd *data.Field) (arrow.Array, bool, bool) {
	s, ok := vector[time.Time](fd)
	if !ok {
		return nil, false, false
	}
	ns := make([]int64, len(s))
	for i := range s {
		ns[i] = s[i].UnixNano()
	}
	return makeArray(timestampNS, len(s), []*memory.Buffer{nil, memory.NewBufferBytes(bytesOf(ns))}, 0), false, true
}

func nullableTimes(fd *data.Field) (arrow.Array, bool, bool) {
	s, ok := vector[*time.Time](fd)
	if !ok {
		return nil, false, false
	}
	ns := make([]int64, len(s))
	bm, nulls := validity(len(s), func(i int) bool {
		if s[i] == nil {
			return false
		}
		ns[i] = s[i].UnixNano()
		return true
	})
	var vb *memory.Buffer
	if nulls > 0 {
		vb = memory.NewBufferBytes(bm)
	}
	return makeArray(timestampNS, len(s), []*memory.Buffer{vb, memory.NewBufferBytes(bytesOf(ns))}, nulls), true, true
}

// text is what a string or JSON value is, for varBinary.
type text interface {
	string | *string | json.RawMessage | *json.RawMessage
}

// textOf returns a value's bytes and whether it is present (not NULL).
func textOf[T text](v T) (string, bool) {
	switch x := any(v).(type) {
	case string:
		return x, true
	case *string:
		if x == nil {
			return "", false
		}
		return *x, true
	case json.RawMessage:
		return unsafe.String(unsafe.SliceData(x), len(x)), true
	case *json.RawMessage:
		if x == nil {
			return "", false
		}
		return unsafe.String(unsafe.SliceData(*x), len(*x)), true
	}
	return "", false
}

// varBinary writes offsets and data in one pass over exactly sized buffers.
func varBinary[T text](fd *data.Field, t arrow.DataType, nullable bool) (arrow.Array, bool, bool) {
	s, ok := vector[T](fd)
	if !ok {
		return nil, false, false
	}
	total := 0
	for _, v := range s {
		b, _ := textOf(v)
		total += len(b)
	}
	if total > 1<<31-1 {
		// Arrow's string and binary offsets are int32; MarshalArrow
		// reports the overflow the same way the SDK does.
		return nil, false, false
	}
	offsets := make([]int32, len(s)+1)
	buf := make([]byte, 0, total)
	var bm []byte
	nulls := 0
	if nullable {
		bm = make([]byte, (len(s)+7)/8)
	}
	for i, v := range s {
		b, present := textOf(v)
		buf = append(buf, b...)
		offsets[i+1] = int32(len(buf))
		if nullable {
			if present {
				bm[i>>3] |= 1 << (uint(i) & 7)
			} else {
				nulls++
			}
		}
	}
	var vb *memory.Buffer
	if nulls > 0 {
		vb = memory.NewBufferBytes(bm)
	}
	return makeArray(t, len(s), []*memory.Buffer{vb, memory.NewBufferBytes(bytesOf(offsets)), memory.NewBufferBytes(buf)}, nulls), nullable, true
}
