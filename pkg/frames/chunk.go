package frames

import (
	"fmt"
	"reflect"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/bigtent/quarry/pkg/sqlplan"
)

// Streams reports whether a format's frames can be built chunk by chunk
// as the rows arrive (table, logs, long time series): each chunk's frame
// depends only on the chunk's rows. Wide and multi time series, fill,
// annotations and auto need the whole result first.
func Streams(f sqlplan.Format) bool {
	switch f {
	case "", sqlplan.FormatTable, sqlplan.FormatLogs, sqlplan.FormatTimeSeriesLong:
		return true
	}
	return false
}

// ChunkFrame shapes the rows a chunked table holds now (one chunk of a
// streamed format, see Streams) into one frame. Its fields are nullable
// whatever the chunk holds, so every chunk of a result has the same
// schema (a later chunk may hold a NULL); rowOffset is the number of rows
// of the chunks before (log line ids count from the result's first row).
// The table's notices are attached, as Shape does: a chunked table has
// them only in its last chunk. The frame may point into the table's
// builders: it must be encoded before the table is appended to again.
func ChunkFrame(t *Table, opts ShapeOptions, rowOffset int64) (*data.Frame, error) {
	var f *data.Frame
	switch opts.Format {
	case "", sqlplan.FormatTable:
		f = data.NewFrame(opts.Name)
		for _, c := range t.cols {
			f.Fields = append(f.Fields, ChunkField(c))
		}
		f.Meta = TableFrame(t, "").Meta
	case sqlplan.FormatLogs, sqlplan.FormatTimeSeriesLong:
		opts.rowOffset = rowOffset
		out, err := Shape(t, opts)
		if err != nil {
			return nil, err
		}
		f = out[0]
		for i, fd := range f.Fields {
			f.Fields[i] = NullableField(fd)
		}
		return f, nil
	default:
		return nil, fmt.Errorf("frames: format %q is not streamed chunk by chunk; shape the whole result", opts.Format)
	}
	for _, n := range t.notices {
		f.Meta.Notices = appendNotice(f.Meta.Notices, n)
	}
	return f, nil
}

// ChunkField converts a column like Column.Field, but to a nullable field
// even when it holds no NULL (JSON stays []json.RawMessage, whose nil is
// Grafana's null): a chunk's field, so that every chunk of a result has
// the same schema.
func ChunkField(c Column) *data.Field {
	switch b := c.(type) {
	case *Strings:
		return b.nullableField()
	case *Times:
		return b.nullableField()
	case *JSONs:
		return b.Field()
	case interface{ nullableField() *data.Field }:
		return b.nullableField()
	}
	return NullableField(c.Field())
}

func (b *Builder[T]) nullableField() *data.Field { return nullableField(b) }

func nullableField[T any](b *Builder[T]) *data.Field {
	ptrs := make([]*T, len(b.vals))
	for i := range b.vals {
		if !b.IsNull(i) {
			ptrs[i] = &b.vals[i]
		}
	}
	return newField(b.spec.Name, ptrs)
}

// NullableField returns f with a nullable type: f itself when it is
// nullable already (or JSON), else a field of pointers into f's values.
func NullableField(f *data.Field) *data.Field {
	if f.Nullable() || f.Type() == data.FieldTypeJSON {
		return f
	}
	vals, ok := fieldSlice(f)
	if !ok {
		out := data.NewFieldFromFieldType(f.Type().NullableType(), f.Len())
		for i := 0; i < f.Len(); i++ {
			out.Set(i, f.PointerAt(i))
		}
		out.Name, out.Labels, out.Config = f.Name, f.Labels, f.Config
		return out
	}
	ptrs := reflect.MakeSlice(reflect.SliceOf(reflect.PointerTo(vals.Type().Elem())), vals.Len(), vals.Len())
	for i := 0; i < vals.Len(); i++ {
		ptrs.Index(i).Set(vals.Index(i).Addr())
	}
	out := data.NewField(f.Name, f.Labels, reflect.MakeSlice(ptrs.Type(), 0, 0).Interface())
	if !adoptValue(out, ptrs) {
		out = data.NewField(f.Name, f.Labels, ptrs.Interface())
	}
	out.Config = f.Config
	return out
}

// fieldSlice returns the slice a field's vector holds (see adopt).
func fieldSlice(f *data.Field) (reflect.Value, bool) {
	v := reflect.ValueOf(f).Elem().FieldByName("vector")
	if !v.IsValid() || v.Kind() != reflect.Interface || v.IsNil() {
		return reflect.Value{}, false
	}
	p := v.Elem()
	if p.Kind() != reflect.Pointer || p.IsNil() || p.Type().Elem().Kind() != reflect.Slice {
		return reflect.Value{}, false
	}
	s := reflect.NewAt(p.Type().Elem(), p.UnsafePointer()).Elem()
	return s, s.Len() == f.Len()
}

// adoptValue is adopt for a slice known only by reflection.
func adoptValue(f *data.Field, vals reflect.Value) bool {
	cur, ok := fieldSlice(f)
	if !ok || !vals.Type().ConvertibleTo(cur.Type()) {
		return false
	}
	cur.Set(vals.Convert(cur.Type()))
	return f.Len() == vals.Len()
}

// SliceFrame returns rows [from, to) of f as a new frame with f's name and
// meta (the values are copied). Frames of a format that is not streamed
// are written in chunks this way once the whole result is shaped.
func SliceFrame(f *data.Frame, from, to int) *data.Frame {
	out := data.NewFrame(f.Name)
	out.RefID, out.Meta = f.RefID, f.Meta
	for _, fd := range f.Fields {
		var nf *data.Field
		if vals, ok := fieldSlice(fd); ok {
			part := vals.Slice(from, to)
			cp := reflect.MakeSlice(part.Type(), part.Len(), part.Len())
			reflect.Copy(cp, part)
			nf = data.NewField(fd.Name, fd.Labels, reflect.MakeSlice(reflect.SliceOf(part.Type().Elem()), 0, 0).Interface())
			if !adoptValue(nf, cp) {
				nf = data.NewField(fd.Name, fd.Labels, cp.Interface())
			}
		} else {
			nf = data.NewFieldFromFieldType(fd.Type(), to-from)
			for i := from; i < to; i++ {
				nf.Set(i-from, fd.CopyAt(i))
			}
			nf.Name, nf.Labels = fd.Name, fd.Labels
		}
		nf.Config = fd.Config
		out.Fields = append(out.Fields, nf)
	}
	return out
}

// TimeBounds returns the first and last value of a frame's first field
// when it is a time field with values (a long frame's time column).
func TimeBounds(f *data.Frame) (first, last time.Time, ok bool) {
	if len(f.Fields) == 0 || f.Fields[0].Len() == 0 {
		return first, last, false
	}
	at := func(i int) (time.Time, bool) {
		switch v := f.Fields[0].At(i).(type) {
		case time.Time:
			return v, true
		case *time.Time:
			if v != nil {
				return *v, true
			}
		}
		return time.Time{}, false
	}
	n := f.Fields[0].Len()
	first, ok1 := at(0)
	last, ok2 := at(n - 1)
	return first, last, ok1 && ok2
}
