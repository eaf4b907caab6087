package bigquery

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unsafe"

	bq "cloud.google.com/go/bigquery"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	bqv2 "google.golang.org/api/bigquery/v2"
	"google.golang.org/api/iterator"

	"github.com/bigtent/quarry/pkg/frames"
)

// readStorage reads a finished job's results through the BigQuery Storage
// Read API (Arrow record batches). used is false when the API cannot read
// this job (no destination table, no permission, an emulator): the caller
// then reads REST pages.
//
// The client library reads the session's streams in goroutines of its own
// that block on a full batch channel when nobody reads it. When readArrow
// stops early (the row or byte cap, an error, a cancellation), the read is
// cancelled and the iterator drained, so none of them is left behind.
func (e *Engine) readStorage(ctx context.Context, job *bq.Job, caps frames.TableOptions) (t *frames.Table, used bool, err error) {
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	it, err := job.Read(rctx)
	if err != nil {
		return nil, false, err
	}
	if !it.IsAccelerated() {
		return nil, false, nil
	}
	ai, err := it.ArrowIterator()
	if err != nil {
		return nil, false, nil
	}
	// The session's row estimate sizes the columns once (NewTable bounds
	// it by the row cap).
	caps.SizeHint = int64(it.TotalRows)
	read := e.readArrow
	if e.arrowRead != nil {
		read = e.arrowRead
	}
	t, started, err := read(ctx, ai, caps)
	if started {
		stop()
		drainArrow(ai)
	}
	return t, true, err
}

// drainArrow reads a cancelled Arrow iterator until its stream goroutines
// have ended (they end promptly once the read's context is cancelled; one
// blocked on the full batch channel needs a receive). It gives up after 10
// s rather than hang a query.
func drainArrow(ai bq.ArrowIterator) {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		_, err := ai.Next()
		if errors.Is(err, iterator.Done) {
			return
		}
		if err != nil {
			// The cancelled context, reported before the goroutines
			// noticed it: wait a little.
			time.Sleep(time.Millisecond)
		}
	}
}

// toV2Schema converts the client's schema to the REST schema the type map
// reads.
func toV2Schema(s bq.Schema) *bqv2.TableSchema {
	return &bqv2.TableSchema{Fields: toV2Fields(s)}
}

func toV2Fields(s bq.Schema) []*bqv2.TableFieldSchema {
	out := make([]*bqv2.TableFieldSchema, len(s))
	for i, f := range s {
		mode := "NULLABLE"
		if f.Repeated {
			mode = "REPEATED"
		}
		out[i] = &bqv2.TableFieldSchema{Name: f.Name, Type: string(f.Type), Mode: mode, Fields: toV2Fields(f.Schema)}
	}
	return out
}

// readArrow appends Arrow record batches column by column into a new table
// (no per-row values), stopping at the caps of caps. started reports
// whether the iterator was asked for a batch (its stream goroutines then
// run).
func (e *Engine) readArrow(ctx context.Context, ai bq.ArrowIterator, caps frames.TableOptions) (t *frames.Table, started bool, err error) {
	schema := toV2Schema(ai.Schema())
	t = frames.NewTable(columnSpecs(e.types(), schema), caps)
	serialized := ai.SerializedArrowSchema()
	var scratch []byte
	for {
		if err := ctx.Err(); err != nil {
			return nil, started, err
		}
		started = true
		batch, err := ai.Next()
		if errors.Is(err, iterator.Done) {
			return t, started, nil
		}
		if err != nil {
			return nil, started, fmt.Errorf("storage read: %w", err)
		}
		if batch == nil {
			// The client library's iterator can answer (nil, nil) while
			// its goroutines close their channels: ask again.
			continue
		}
		done, err := appendBatch(t, serialized, batch, schema, &scratch)
		if err != nil {
			return nil, started, fmt.Errorf("storage read: %s: %w", streamLabel(batch.PartitionID), err)
		}
		if done {
			return t, started, nil
		}
	}
}

// streamLabel names a read stream in errors by the end of its name.
func streamLabel(name string) string {
	if i := strings.Index(name, "/streams/"); i >= 0 {
		return "read stream " + name[i+len("/streams/"):]
	}
	if name == "" {
		return "read stream"
	}
	return "read stream " + name
}

// appendBatch decodes one serialized record batch and appends its rows.
// done is true when the row or byte cap stopped the read (the table is then
// marked truncated). A batch that is not valid Arrow is an error, never a
// panic: the Arrow decoder panics on some malformed buffers, so a panic
// while decoding or appending one batch becomes its error.
func appendBatch(t *frames.Table, serialized []byte, batch *bq.ArrowRecordBatch, schema *bqv2.TableSchema, scratch *[]byte) (done bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			done, err = false, fmt.Errorf("malformed Arrow record batch (%d bytes): %v", len(batch.Data), r)
		}
	}()
	r, err := ipc.NewReaderFromMessageReader(&memMessages{bufs: [][]byte{serialized, batch.Data}})
	if err != nil {
		return false, fmt.Errorf("decoding Arrow schema: %w", err)
	}
	defer r.Release()
	for r.Next() {
		rec := r.RecordBatch()
		if int(rec.NumCols()) != t.NumColumns() {
			return false, fmt.Errorf("batch has %d columns, schema %d", rec.NumCols(), t.NumColumns())
		}
		n := int(rec.NumRows())
		take := min(n, t.Room())
		for c := 0; c < t.NumColumns(); c++ {
			arr := rec.Column(c)
			if arr.Len() < take {
				return false, fmt.Errorf("column %q: %d values in a batch of %d rows", schema.Fields[c].Name, arr.Len(), n)
			}
			if *scratch, err = appendArrow(t.Column(c), arr, take, schema.Fields[c], *scratch); err != nil {
				return false, fmt.Errorf("column %q: %w", schema.Fields[c].Name, err)
			}
		}
		if err := t.Commit(take); err != nil {
			return false, err
		}
		if take < n {
			t.MarkTruncated()
			return true, nil
		}
	}
	if err := r.Err(); err != nil {
		return false, fmt.Errorf("malformed Arrow record batch (%d bytes): %w", len(batch.Data), err)
	}
	return false, nil
}

// memMessages is an ipc.MessageReader over encapsulated Arrow IPC messages
// already in memory (the schema, then a batch): a message's body is a view
// of the bytes, where the stream reader (ipc.NewReader) allocates and
// copies every body.
type memMessages struct {
	bufs [][]byte
	msg  *ipc.Message
}

// errShortMessage reports IPC bytes that end inside a message.
var errShortMessage = errors.New("Arrow IPC message truncated")

// Message returns the next message, io.EOF after the last one.
func (m *memMessages) Message() (*ipc.Message, error) {
	if m.msg != nil {
		m.msg.Release()
		m.msg = nil
	}
	for len(m.bufs) > 0 && len(m.bufs[0]) == 0 {
		m.bufs = m.bufs[1:]
	}
	if len(m.bufs) == 0 {
		return nil, io.EOF
	}
	b := m.bufs[0]
	if len(b) < 4 {
		return nil, errShortMessage
	}
	hdr, metaLen := 4, int64(int32(binary.LittleEndian.Uint32(b)))
	if uint32(metaLen) == 0xFFFFFFFF { // continuation marker, then the length
		if len(b) < 8 {
			return nil, errShortMessage
		}
		hdr, metaLen = 8, int64(int32(binary.LittleEndian.Uint32(b[4:])))
	}
	if metaLen == 0 { // end of stream
		m.bufs = m.bufs[1:]
		return nil, io.EOF
	}
	if metaLen < 0 || int64(hdr)+metaLen > int64(len(b)) {
		return nil, errShortMessage
	}
	meta := memory.NewBufferBytes(b[hdr : int64(hdr)+metaLen])
	rest := b[int64(hdr)+metaLen:]
	probe := ipc.NewMessage(meta, memory.NewBufferBytes(nil))
	bodyLen := probe.BodyLen()
	probe.Release()
	if bodyLen < 0 || bodyLen > int64(len(rest)) {
		return nil, fmt.Errorf("%w: body of %d bytes, %d left", errShortMessage, bodyLen, len(rest))
	}
	m.msg = ipc.NewMessage(meta, memory.NewBufferBytes(rest[:bodyLen]))
	m.bufs[0] = rest[bodyLen:]
	return m.msg, nil
}

// Retain is a no-op: the messages are views of memory the caller holds.
func (m *memMessages) Retain() {}

// Release releases the last message.
func (m *memMessages) Release() {
	if m.msg != nil {
		m.msg.Release()
		m.msg = nil
	}
}

// stringBytes views a string's bytes without copying (for arena appends).
func stringBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// validity returns an Arrow array's validity bitmap and bit offset for
// frames' bulk appends: nil when it has no NULL. It fails when the bitmap
// is shorter than the array (a malformed batch).
func validity(arr arrow.Array, n int) ([]byte, int, error) {
	if arr.NullN() == 0 {
		return nil, 0, nil
	}
	bits, off := arr.NullBitmapBytes(), arr.Data().Offset()
	if len(bits)*8 < off+n {
		return nil, 0, fmt.Errorf("validity bitmap of %d bytes for %d values", len(bits), off+n)
	}
	return bits, off, nil
}

// asInt64s views Arrow timestamps as their int64 values (same layout).
func asInt64s(v []arrow.Timestamp) []int64 {
	return unsafe.Slice((*int64)(unsafe.Pointer(unsafe.SliceData(v))), len(v))
}

// nanosPerDay converts Arrow date32 days to Unix nanoseconds.
const nanosPerDay = int64(24 * time.Hour)

// appendArrow appends the first n values of arr to col. Where the Arrow
// layout is the column's, whole buffers are copied ("pass through"):
// INT64 and FLOAT64 values in one copy (NULLs marked from the validity
// bitmap), TIMESTAMP and DATETIME microseconds scaled to nanoseconds in one
// loop, STRING offsets and bytes in one copy. The other types are converted
// value by value to exactly what the REST path (convert.go) produces.
func appendArrow(col frames.Column, arr arrow.Array, n int, f *bqv2.TableFieldSchema, scratch []byte) ([]byte, error) {
	mismatch := func() error {
		return fmt.Errorf("cannot put Arrow %s into %T", arr.DataType(), col)
	}
	switch b := col.(type) {
	case *frames.Builder[int64]:
		a, ok := arr.(*array.Int64)
		if !ok {
			return scratch, mismatch()
		}
		bits, off, err := validity(arr, n)
		if err != nil {
			return scratch, err
		}
		b.AppendSliceValidity(a.Int64Values()[:n], bits, off)
	case *frames.Builder[float64]:
		if a, ok := arr.(*array.Float64); ok {
			bits, off, err := validity(arr, n)
			if err != nil {
				return scratch, err
			}
			b.AppendSliceValidity(a.Float64Values()[:n], bits, off)
			return scratch, nil
		}
		b.Reserve(n)
		for i := 0; i < n; i++ {
			if arr.IsNull(i) {
				b.AppendNull()
				continue
			}
			switch a := arr.(type) {
			case *array.Decimal128, *array.Decimal256:
				// As REST: the exact decimal text, parsed.
				scratch = appendDecimal(scratch[:0], a, i)
				v, err := strconv.ParseFloat(string(scratch), 64)
				if err != nil {
					return scratch, err
				}
				b.Append(v)
			default:
				return scratch, mismatch()
			}
		}
	case *frames.Builder[bool]:
		a, ok := arr.(*array.Boolean)
		if !ok {
			return scratch, mismatch()
		}
		b.Reserve(n)
		for i := 0; i < n; i++ {
			if a.IsNull(i) {
				b.AppendNull()
			} else {
				b.Append(a.Value(i))
			}
		}
	case *frames.Times:
		switch a := arr.(type) {
		case *array.Timestamp:
			bits, off, err := validity(arr, n)
			if err != nil {
				return scratch, err
			}
			mul := int64(a.DataType().(*arrow.TimestampType).Unit.Multiplier())
			b.AppendScaled(asInt64s(a.TimestampValues()[:n]), mul, bits, off)
		case *array.Date32:
			b.Reserve(n)
			days := a.Date32Values()[:n]
			for i, d := range days {
				if a.IsNull(i) {
					b.AppendNull()
				} else {
					b.AppendNanos(int64(d) * nanosPerDay)
				}
			}
		default:
			return scratch, mismatch()
		}
	case *frames.Strings:
		if a, ok := arr.(*array.String); ok {
			bits, _, err := validity(arr, n)
			if err != nil {
				return scratch, err
			}
			offsets := a.ValueOffsets()
			var data []byte
			if buf := a.Data().Buffers()[2]; buf != nil {
				data = buf.Bytes()
			}
			if len(offsets) < n+1 || int(offsets[n]) > len(data) || offsets[0] < 0 || offsets[0] > offsets[n] {
				return scratch, fmt.Errorf("string offsets out of range")
			}
			if bits == nil {
				b.AppendOffsets(offsets[:n+1], data)
				return scratch, nil
			}
			b.Reserve(n)
			for i := 0; i < n; i++ {
				if a.IsNull(i) {
					b.AppendNull()
				} else {
					b.AppendBytes(data[offsets[i]:offsets[i+1]])
				}
			}
			return scratch, nil
		}
		b.Reserve(n)
		for i := 0; i < n; i++ {
			if arr.IsNull(i) {
				b.AppendNull()
				continue
			}
			switch a := arr.(type) {
			case *array.Binary:
				b.AppendBytesHex(a.Value(i))
			case *array.Decimal128, *array.Decimal256:
				scratch = appendDecimal(scratch[:0], a, i)
				b.AppendBytes(scratch)
			case *array.Float64: // the emulator sends NUMERIC as float64
				scratch = strconv.AppendFloat(scratch[:0], a.Value(i), 'f', -1, 64)
				b.AppendBytes(scratch)
			case *array.Time64:
				scratch = appendTimeOfDay(scratch[:0], int64(a.Value(i)), a.DataType().(*arrow.Time64Type).Unit)
				b.AppendBytes(scratch)
			case *array.MonthDayNanoInterval:
				v := a.Value(i)
				scratch = appendInterval(scratch[:0], v.Months, v.Days, v.Nanoseconds)
				b.AppendBytes(scratch)
			default:
				b.Append(arr.ValueStr(i))
			}
		}
	case *frames.JSONs:
		for i := 0; i < n; i++ {
			if arr.IsNull(i) {
				if f.Mode == "REPEATED" {
					b.AppendBytes([]byte("[]"))
				} else {
					b.AppendNull()
				}
				continue
			}
			var err error
			if s, ok := arr.(*array.String); ok && col.Spec().Kind == frames.KindJSON {
				if v := stringBytes(s.Value(i)); json.Valid(v) {
					b.AppendBytes(v)
					continue
				}
			}
			if scratch, err = appendArrowJSON(scratch[:0], arr, i); err != nil {
				return scratch, err
			}
			b.AppendBytes(scratch)
		}
	default:
		return scratch, mismatch()
	}
	return scratch, nil
}

// appendDecimal renders value i of a NUMERIC (decimal128) or BIGNUMERIC
// (decimal256) array in BigQuery's canonical text, as REST sends it: no
// trailing fractional zeros, no point for a whole number ("1.5", "12",
// never "1.500000000").
func appendDecimal(dst []byte, arr arrow.Array, i int) []byte {
	var s string
	switch a := arr.(type) {
	case *array.Decimal128:
		s = a.Value(i).ToString(a.DataType().(*arrow.Decimal128Type).Scale)
	case *array.Decimal256:
		s = a.Value(i).ToString(a.DataType().(*arrow.Decimal256Type).Scale)
	}
	if strings.IndexByte(s, '.') >= 0 {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	if s == "-0" {
		s = "0"
	}
	return append(dst, s...)
}

// appendInterval renders an INTERVAL in BigQuery's canonical text, as REST
// sends it: "Y-M D H:M:S[.ffffff]", each part signed on its own
// ("0-0 3 0:0:0", "-1-2 -3 -4:5:6.5").
func appendInterval(dst []byte, months, days int32, nanos int64) []byte {
	m := int64(months)
	if m < 0 {
		dst = append(dst, '-')
		m = -m
	}
	dst = strconv.AppendInt(dst, m/12, 10)
	dst = append(dst, '-')
	dst = strconv.AppendInt(dst, m%12, 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(days), 10)
	dst = append(dst, ' ')
	if nanos < 0 {
		dst = append(dst, '-')
		nanos = -nanos
	}
	us := nanos / 1000
	dst = strconv.AppendInt(dst, us/3_600_000_000, 10)
	dst = append(dst, ':')
	dst = strconv.AppendInt(dst, us/60_000_000%60, 10)
	dst = append(dst, ':')
	dst = strconv.AppendInt(dst, us/1_000_000%60, 10)
	if frac := us % 1_000_000; frac != 0 {
		f := strconv.AppendInt(nil, 1_000_000+frac, 10)[1:] // six digits
		for len(f) > 0 && f[len(f)-1] == '0' {
			f = f[:len(f)-1]
		}
		dst = append(dst, '.')
		dst = append(dst, f...)
	}
	return dst
}

// appendTimeOfDay renders a TIME as HH:MM:SS[.ffffff].
func appendTimeOfDay(dst []byte, v int64, unit arrow.TimeUnit) []byte {
	d := time.Duration(v) * unit.Multiplier()
	t := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).Add(d)
	return t.AppendFormat(dst, "15:04:05.999999")
}

// appendArrowJSON encodes value i of an Arrow array (lists, structs and
// their members) as JSON, like appendJSON does for REST values.
func appendArrowJSON(dst []byte, arr arrow.Array, i int) ([]byte, error) {
	if arr.IsNull(i) {
		return append(dst, "null"...), nil
	}
	var err error
	switch a := arr.(type) {
	case *array.List:
		start, end := a.ValueOffsets(i)
		vals := a.ListValues()
		dst = append(dst, '[')
		for j := int(start); j < int(end); j++ {
			if j > int(start) {
				dst = append(dst, ',')
			}
			if dst, err = appendArrowJSON(dst, vals, j); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case *array.Struct:
		st := a.DataType().(*arrow.StructType)
		dst = append(dst, '{')
		for k, fld := range st.Fields() {
			if k > 0 {
				dst = append(dst, ',')
			}
			dst = strconv.AppendQuote(dst, fld.Name)
			dst = append(dst, ':')
			if dst, err = appendArrowJSON(dst, a.Field(k), i); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	case *array.Int64:
		return strconv.AppendInt(dst, a.Value(i), 10), nil
	case *array.Float64:
		v := a.Value(i)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return strconv.AppendQuote(dst, strconv.FormatFloat(v, 'g', -1, 64)), nil
		}
		return strconv.AppendFloat(dst, v, 'g', -1, 64), nil
	case *array.Boolean:
		return strconv.AppendBool(dst, a.Value(i)), nil
	case *array.String:
		return strconv.AppendQuote(dst, a.Value(i)), nil
	case *array.Binary:
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, a.Value(i))
		return append(dst, '"'), nil
	case *array.Timestamp:
		t := a.Value(i).ToTime(a.DataType().(*arrow.TimestampType).Unit).UTC()
		dst = append(dst, '"')
		dst = t.AppendFormat(dst, time.RFC3339Nano)
		return append(dst, '"'), nil
	case *array.Date32:
		dst = append(dst, '"')
		dst = a.Value(i).ToTime().AppendFormat(dst, time.DateOnly)
		return append(dst, '"'), nil
	case *array.Decimal128, *array.Decimal256:
		dst = append(dst, '"')
		dst = appendDecimal(dst, a, i)
		return append(dst, '"'), nil
	}
	return strconv.AppendQuote(dst, arr.ValueStr(i)), nil
}
