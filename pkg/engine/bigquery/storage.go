package bigquery

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
	"unsafe"

	bq "cloud.google.com/go/bigquery"
	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/ipc"
	bqv2 "google.golang.org/api/bigquery/v2"
	"google.golang.org/api/iterator"

	"github.com/bigtent/quarry/pkg/frames"
)

// readStorage reads a finished job's results through the BigQuery Storage
// Read API (Arrow record batches). used is false when the API cannot read
// this job (no destination table, no permission, an emulator): the caller
// then reads REST pages.
func (e *Engine) readStorage(ctx context.Context, job *bq.Job, caps frames.TableOptions) (t *frames.Table, used bool, err error) {
	it, err := job.Read(ctx)
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
	t, err = e.readArrow(ctx, ai, caps)
	return t, true, err
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
// (no per-row values), stopping at the caps of caps.
func (e *Engine) readArrow(ctx context.Context, ai bq.ArrowIterator, caps frames.TableOptions) (*frames.Table, error) {
	schema := toV2Schema(ai.Schema())
	t := frames.NewTable(columnSpecs(e.types(), schema), caps)
	serialized := ai.SerializedArrowSchema()
	var scratch []byte
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		batch, err := ai.Next()
		if errors.Is(err, iterator.Done) {
			return t, nil
		}
		if err != nil {
			return nil, fmt.Errorf("storage read: %w", err)
		}
		r, err := ipc.NewReader(io.MultiReader(bytes.NewReader(serialized), bytes.NewReader(batch.Data)))
		if err != nil {
			return nil, fmt.Errorf("storage read: decoding Arrow batch: %w", err)
		}
		for r.Next() {
			rec := r.Record()
			if int(rec.NumCols()) != t.NumColumns() {
				r.Release()
				return nil, fmt.Errorf("storage read: batch has %d columns, schema %d", rec.NumCols(), t.NumColumns())
			}
			n := int(rec.NumRows())
			take := min(n, t.Room())
			for c := 0; c < t.NumColumns(); c++ {
				if scratch, err = appendArrow(t.Column(c), rec.Column(c), take, schema.Fields[c], scratch); err != nil {
					r.Release()
					return nil, fmt.Errorf("storage read: column %q: %w", schema.Fields[c].Name, err)
				}
			}
			if err := t.Commit(take); err != nil {
				r.Release()
				return nil, err
			}
			if take < n {
				r.Release()
				t.MarkTruncated()
				return t, nil
			}
		}
		err = r.Err()
		r.Release()
		if err != nil {
			return nil, fmt.Errorf("storage read: %w", err)
		}
	}
}

// stringBytes views a string's bytes without copying (for arena appends).
func stringBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// appendArrow appends the first n values of arr to col.
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
		b.Reserve(n)
		for i := 0; i < n; i++ {
			if a.IsNull(i) {
				b.AppendNull()
			} else {
				b.Append(a.Value(i))
			}
		}
	case *frames.Builder[float64]:
		b.Reserve(n)
		for i := 0; i < n; i++ {
			if arr.IsNull(i) {
				b.AppendNull()
				continue
			}
			switch a := arr.(type) {
			case *array.Float64:
				b.Append(a.Value(i))
			case *array.Decimal128:
				b.Append(a.Value(i).ToFloat64(arr.DataType().(*arrow.Decimal128Type).Scale))
			case *array.Decimal256:
				b.Append(a.Value(i).ToFloat64(arr.DataType().(*arrow.Decimal256Type).Scale))
			default:
				return scratch, mismatch()
			}
		}
	case *frames.Builder[bool]:
		a, ok := arr.(*array.Boolean)
		if !ok {
			return scratch, mismatch()
		}
		for i := 0; i < n; i++ {
			if a.IsNull(i) {
				b.AppendNull()
			} else {
				b.Append(a.Value(i))
			}
		}
	case *frames.Times:
		b.Reserve(n)
		for i := 0; i < n; i++ {
			if arr.IsNull(i) {
				b.AppendNull()
				continue
			}
			switch a := arr.(type) {
			case *array.Timestamp:
				b.AppendNanos(int64(a.Value(i)) * int64(a.DataType().(*arrow.TimestampType).Unit.Multiplier()))
			case *array.Date32:
				b.Append(a.Value(i).ToTime())
			default:
				return scratch, mismatch()
			}
		}
	case *frames.Strings:
		for i := 0; i < n; i++ {
			if arr.IsNull(i) {
				b.AppendNull()
				continue
			}
			switch a := arr.(type) {
			case *array.String:
				b.AppendBytes(stringBytes(a.Value(i)))
			case *array.Binary:
				b.AppendBytesHex(a.Value(i))
			case *array.Decimal128:
				b.Append(a.Value(i).ToString(a.DataType().(*arrow.Decimal128Type).Scale))
			case *array.Decimal256:
				b.Append(a.Value(i).ToString(a.DataType().(*arrow.Decimal256Type).Scale))
			case *array.Float64: // the emulator sends NUMERIC as float64
				scratch = strconv.AppendFloat(scratch[:0], a.Value(i), 'f', -1, 64)
				b.AppendBytes(scratch)
			case *array.Time64:
				scratch = appendTimeOfDay(scratch[:0], int64(a.Value(i)), a.DataType().(*arrow.Time64Type).Unit)
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
	case *array.Decimal128:
		return strconv.AppendQuote(dst, a.Value(i).ToString(a.DataType().(*arrow.Decimal128Type).Scale)), nil
	case *array.Decimal256:
		return strconv.AppendQuote(dst, a.Value(i).ToString(a.DataType().(*arrow.Decimal256Type).Scale)), nil
	}
	return strconv.AppendQuote(dst, arr.ValueStr(i)), nil
}
