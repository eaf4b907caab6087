package arrowipc

import (
	"bytes"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestWriteFileMatchesArrowGo reads writeFile's bytes and arrow-go's
// FileWriter's bytes for the same record with arrow-go's FileReader (what
// Grafana's data.UnmarshalArrowFrame uses): the schemas (with every
// metadata key) and the records must be equal, and the footer must point
// at the one record batch.
func TestWriteFileMatchesArrowGo(t *testing.T) {
	mem := memory.NewGoAllocator()
	build := func(rows int, nulls bool) ([]arrow.Field, []arrow.Array) {
		var fields []arrow.Field
		var cols []arrow.Array
		add := func(name string, b array.Builder, appendOne func(i int)) {
			for i := range rows {
				if nulls && i%3 == 1 {
					b.AppendNull()
					continue
				}
				appendOne(i)
			}
			fields = append(fields, arrow.Field{Name: name, Type: b.Type(), Nullable: nulls,
				Metadata: arrow.MetadataFrom(map[string]string{keyTSType: name})})
			cols = append(cols, b.NewArray())
		}
		i8 := array.NewInt8Builder(mem)
		add("i8", i8, func(i int) { i8.Append(int8(i - 50)) })
		i16 := array.NewInt16Builder(mem)
		add("i16", i16, func(i int) { i16.Append(int16(i * -300)) })
		i32 := array.NewInt32Builder(mem)
		add("i32", i32, func(i int) { i32.Append(int32(i) * 70_000) })
		i64 := array.NewInt64Builder(mem)
		add("i64", i64, func(i int) { i64.Append(int64(i) << 40) })
		u8 := array.NewUint8Builder(mem)
		add("u8", u8, func(i int) { u8.Append(uint8(i)) })
		u16 := array.NewUint16Builder(mem)
		add("u16", u16, func(i int) { u16.Append(uint16(i) * 250) })
		u32 := array.NewUint32Builder(mem)
		add("u32", u32, func(i int) { u32.Append(uint32(i) * 16_000_000) })
		u64 := array.NewUint64Builder(mem)
		add("u64", u64, func(i int) { u64.Append(uint64(i) << 56) })
		f32 := array.NewFloat32Builder(mem)
		add("f32", f32, func(i int) { f32.Append(float32(i) / 3) })
		f64 := array.NewFloat64Builder(mem)
		add("f64", f64, func(i int) { f64.Append(float64(i) / 7) })
		bl := array.NewBooleanBuilder(mem)
		add("bool", bl, func(i int) { bl.Append(i%2 == 0) })
		ts := array.NewTimestampBuilder(mem, timestampNS)
		add("time", ts, func(i int) { ts.Append(arrow.Timestamp(int64(i) * 1_001_000)) })
		s := array.NewStringBuilder(mem)
		add("string", s, func(i int) { s.Append(string([]byte("héllo\x00wörld")[:i%14])) })
		bin := array.NewBinaryBuilder(mem, arrow.BinaryTypes.Binary)
		add("json", bin, func(i int) { bin.Append([]byte(`{"a":` + string(rune('0'+i%10)) + `}`)) })
		return fields, cols
	}
	meta := arrow.MetadataFrom(map[string]string{keyName: "A", keyRefID: "A", keyMeta: `{"type":"table"}`})
	for _, tc := range []struct {
		name  string
		rows  int
		nulls bool
	}{
		{"empty", 0, false}, {"one row", 1, false}, {"one null row", 1, true},
		{"odd rows", 67, false}, {"odd rows with nulls", 67, true}, {"many rows with nulls", 4099, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fields, cols := build(tc.rows, tc.nulls)
			defer func() {
				for _, c := range cols {
					c.Release()
				}
			}()
			var got bytes.Buffer
			ok, err := writeFile(&got, meta, fields, cols, tc.rows)
			if err != nil || !ok {
				t.Fatalf("writeFile: %v %v", ok, err)
			}
			schema := arrow.NewSchema(fields, &meta)
			rec := array.NewRecordBatch(schema, cols, int64(tc.rows))
			defer rec.Release()
			var want bytes.Buffer
			w, err := ipc.NewFileWriter(&want, ipc.WithSchema(schema), ipc.WithAllocator(mem))
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Write(rec); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			// The same layout; arrow-go may send a builder's spare capacity
			// (to 64 bytes) where writeFile sends what the rows need.
			if got.Len() > want.Len() {
				t.Errorf("%d bytes, arrow-go writes %d", got.Len(), want.Len())
			}
			gs, grecs := readFile(t, got.Bytes())
			ws, wrecs := readFile(t, want.Bytes())
			if !gs.Equal(ws) || !gs.Metadata().Equal(ws.Metadata()) {
				t.Fatalf("schema:\n%v\nwant\n%v", gs, ws)
			}
			for i, f := range gs.Fields() {
				if !f.Metadata.Equal(ws.Field(i).Metadata) {
					t.Errorf("field %s metadata %v, want %v", f.Name, f.Metadata, ws.Field(i).Metadata)
				}
			}
			if len(grecs) != 1 || len(wrecs) != 1 || !array.RecordEqual(grecs[0], wrecs[0]) {
				t.Fatalf("records differ:\n%v\nwant\n%v", grecs, wrecs)
			}
		})
	}
}

func readFile(t *testing.T, b []byte) (*arrow.Schema, []arrow.RecordBatch) {
	t.Helper()
	r, err := ipc.NewFileReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("reading: %v", err)
	}
	defer r.Close()
	var recs []arrow.RecordBatch
	for i := range r.NumRecords() {
		rec, err := r.RecordBatchAt(i)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		recs = append(recs, rec)
	}
	return r.Schema(), recs
}

// TestWriteFileDeclines: a column writeFile does not lay out (a sliced
// array, a zoned timestamp) leaves it to arrow-go's writer, with nothing
// written.
func TestWriteFileDeclines(t *testing.T) {
	mem := memory.NewGoAllocator()
	b := array.NewInt64Builder(mem)
	b.AppendValues([]int64{1, 2, 3}, nil)
	full := b.NewArray()
	defer full.Release()
	sliced := array.NewSlice(full, 1, 3)
	defer sliced.Release()
	tb := array.NewTimestampBuilder(mem, &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"})
	tb.Append(1)
	tb.Append(2)
	zoned := tb.NewArray()
	defer zoned.Release()
	for _, c := range []arrow.Array{sliced, zoned} {
		var out bytes.Buffer
		ok, err := writeFile(&out, arrow.Metadata{}, []arrow.Field{{Name: "x", Type: c.DataType()}}, []arrow.Array{c}, 2)
		if ok || err != nil || out.Len() != 0 {
			t.Errorf("%s: ok %v, err %v, %d bytes written", c.DataType(), ok, err, out.Len())
		}
	}
}
